import BinaryIO
import BootCrypto
import JSON
import SystemPackage
import TestSupport
import Testing

@testable import TPMPolicy

/// Golden values from the spec digest §5 (systemd-measure 252, tpm2-tools on swtpm, systemd's test-tpm2.c).
@Suite struct PolicyDigestTests {
    static func key(_ name: String) throws -> PublicKey {
        try PublicKey.load(file: FilePath(TestPaths.fixture("measure/" + name)))
    }

    @Test func pcrSelectionMarshalling() throws {
        #expect(try PolicyDigest.pcrSelection(bank: .sha256, pcrs: [11]) == [0, 0, 0, 1, 0, 0x0B, 3, 0, 8, 0])
        #expect(try PolicyDigest.pcrSelection(bank: .sha1, pcrs: [11]) == [0, 0, 0, 1, 0, 0x04, 3, 0, 8, 0])
        #expect(try PolicyDigest.pcrSelection(bank: .sha256, pcrs: [4, 7, 8]).suffix(3) == [0x90, 0x01, 0x00])
        #expect(throws: TPMPolicyError.self) { try PolicyDigest.pcrSelection(bank: .sha256, pcrs: [24]) }
    }

    @Test func policyPCROfUpstreamVector() throws {
        let pcr = [UInt8](hexString: "37b48bd0b222394dbe3cceff2fca4660c4b0a90ae9369ec90b42f14489989c13")!
        let policy = try PolicyDigest.policyPCR(bank: .sha256, values: [(11, pcr)])
        #expect(policy.hexString == "c22af341d2137e3ddccea7b685d3fd1e0742b09cbd0524c544d50b95af928082")
    }

    @Test(arguments: [
        ("pcr-pub.pem", "000b013fd788dab1cc64cfdd9d8fa1e12befd1f3bd53d00f77f0ec7eace74679303e"),
        ("test-tpm2-rsa.pem", "000be1bd75c7976e7a30e9e82223b81a9eff0d42c30618e588db592ed5da94455e81"),
        ("test-tpm2-ecc.pem", "000b5c127e4dbaf8fb7bac641e8db25a84a48db876ca7ee3bd317ae1a4554ff72f17"),
    ])
    func keyNames(file: String, name: String) throws {
        #expect(try TPMPublicKey(try Self.key(file)).name.hexString == name)
    }

    @Test func keyFingerprintIsOfThePKCS1Encoding() throws {
        let fingerprint = try TPMPublicKey(try Self.key("pcr-pub.pem")).fingerprint.hexString
        #expect(fingerprint == "6d8b7656eda40b3f4e0f2212400959719a26ac7839669d69ec18a5df0174429c")
        let rsa = try TPMPublicKey(try Self.key("test-tpm2-rsa.pem")).fingerprint.hexString
        #expect(rsa.hasPrefix("d9186d13") && rsa.hasSuffix("78a9"))
        let ecc = try TPMPublicKey(try Self.key("test-tpm2-ecc.pem")).fingerprint.hexString
        #expect(ecc.hasPrefix("cd337329") && ecc.hasSuffix("d97c"))
    }

    @Test func policyAuthorize() throws {
        let name = try TPMPublicKey(try Self.key("pcr-pub.pem")).name
        #expect(
            PolicyDigest.policyAuthorize(keyName: name).hexString
                == "792d603225c13924dd8b7225d731e71135bec61eec8b9fb4044e3eaf9bc25db8")
        let withRef = PolicyDigest.policyAuthorize(
            keyName: name, policyRef: Digest.hash(.sha256, Array("initrd".utf8)))
        #expect(withRef.hexString.hasPrefix("924c79de") && withRef.hexString.hasSuffix("a0e6"))
    }

    /// systemd-measure 252 signs the sha256 bank with SHA-256, as we sign every bank: byte-identical.
    @Test func signatureMatchesSystemdMeasure252() throws {
        let signer = try PCRPolicySigner(
            privateKey: try PrivateKey.load(file: FilePath(TestPaths.fixture("measure/pcr-priv.pem"))),
            publicKey: try Self.key("pcr-pub.pem"))
        let golden = try PCRSignatures(
            parsing: try readBytes(TestPaths.fixture("measure/sign-phase-none-v252.json")), origin: "golden")
        let pcr = [UInt8](hexString: "37b48bd0b222394dbe3cceff2fca4660c4b0a90ae9369ec90b42f14489989c13")!
        let entry = try signer.sign(
            try PCRPolicy(.init(bank: .sha256, phase: PhasePath(words: []), value: pcr), policyRef: nil))
        #expect(golden.banks.first { $0.bank == .sha256 }?.entries == [entry])
        #expect(signer.publicKey.verifies(entry.signature, over: entry.policy, digest: .sha256))
    }

    @Test func mismatchedPublicKeyIsRefused() throws {
        #expect(throws: TPMPolicyError.self) {
            try PCRPolicySigner(
                privateKey: try PrivateKey.load(file: FilePath(TestPaths.fixture("db.key"))),
                publicKey: try Self.key("pcr-pub.pem"))
        }
    }

    /// ukify embeds `json.dumps` output; parsing and re-rendering it gives the same bytes.
    @Test func pcrsigRoundTripsInUkifyFormat() throws {
        let bytes = try readBytes(TestPaths.fixture("measure/pcrsig.json"))
        let document = try PCRSignatures(parsing: bytes, origin: "pcrsig.json")
        #expect(document.json.rendered(.short, dialect: .python) == String(decoding: bytes, as: UTF8.self))
        #expect(try PCRSignatures(parsing: bytes + [0], origin: "with NUL") == document)
    }

    @Test(arguments: [
        "[]", "{\"sha3\": []}", "{\"sha256\": {}}", "{\"sha256\": [{\"pcrs\": [11]}]}",
        "{\"sha256\": [{\"pcrs\": [11], \"pkfp\": \"zz\", \"pol\": \"00\", \"sig\": \"AA==\"}]}",
        "{\"sha256\": [{\"pcrs\": [\"11\"], \"pkfp\": \"00\", \"pol\": \"00\", \"sig\": \"AA==\"}]}",
        "{\"sha256\": [{\"pcrs\": [11], \"pkfp\": \"00\", \"pol\": \"00\", \"sig\": \"A\"}]}", "not json",
    ])
    func malformedPcrsigIsRefused(text: String) {
        #expect { try PCRSignatures(parsing: Array(text.utf8), origin: "x.json") } throws: { error in
            (error as? TPMPolicyError)?.description.hasPrefix("x.json: ") == true
        }
    }

    /// `pol` and `pkfp` are SHA-256 digests (systemd's PolicyAuthorize session hash and key
    /// fingerprint): any other length is refused, as is a bank listed twice (two readers could
    /// take different lists).
    @Test(arguments: [
        ("pol", String(repeating: "ab", count: 31)), ("pol", String(repeating: "ab", count: 33)),
        ("pol", String(repeating: "ab", count: 4096)), ("pkfp", String(repeating: "ab", count: 16)),
        ("duplicate", ""),
    ])
    func pcrsigSizesAndDuplicateBanksAreRefused(field: String, value: String) throws {
        let digest = String(repeating: "cd", count: 32)
        func entry(pol: String, pkfp: String) -> String {
            "{\"pcrs\": [11], \"pkfp\": \"\(pkfp)\", \"pol\": \"\(pol)\", \"sig\": \"AA==\"}"
        }
        let valid = "{\"sha256\": [\(entry(pol: digest, pkfp: digest))]}"
        #expect(try PCRSignatures(parsing: Array(valid.utf8), origin: "x.json").banks.count == 1)
        let text =
            switch field {
            case "pol": "{\"sha256\": [\(entry(pol: value, pkfp: digest))]}"
            case "pkfp": "{\"sha256\": [\(entry(pol: digest, pkfp: value))]}"
            default: "{\"sha256\": [], \"sha256\": [\(entry(pol: digest, pkfp: digest))]}"
            }
        let error = try #require(throws: TPMPolicyError.self) {
            try PCRSignatures(parsing: Array(text.utf8), origin: "x.json")
        }
        #expect(error.code == .malformedInput)
        #expect(error.description.contains(field == "duplicate" ? "duplicate key \"sha256\"" : "\"\(field)\""))
    }
}
