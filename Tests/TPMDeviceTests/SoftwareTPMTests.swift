import BinaryIO
import BootCrypto
import Glibc
import PEKit
import SystemPackage
import TPMDevice
import TPMPolicy
import TestSupport
import Testing

/// Our policies replayed on swtpm through our own ESYS client (spec digest §5.8).
@Suite(.serialized) struct SoftwareTPMTests {
    /// Keeps tss2's own log lines off the test output, as measure's `main` does (TPMDevice leaves
    /// the process environment alone); set TSS2_LOG to see them.
    init() { setenv("TSS2_LOG", "all+NONE", 0) }

    static func uki() throws -> PEImage {
        try PEImage(file: try ReadableFile(path: FilePath(TestPaths.fixture("uki-unsigned.efi"))))
    }

    static func signer() throws -> PCRPolicySigner {
        try PCRPolicySigner(privateKey: try PrivateKey.load(file: FilePath(TestPaths.fixture("measure/pcr-priv.pem"))))
    }

    /// Extends PCR 11 the way systemd-stub does, with digests computed here from the raw section
    /// bytes (independently of PCR11Prediction), for the sections a v252 stub measures.
    static func replayStub(on tpm: TPMDevice, bank: DigestAlgorithm) throws {
        let image = try uki()
        for name in [".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrpkey"] {
            guard let section = image.section(named: name) else { continue }
            let bytes = try image.memoryContent(of: section).readAll(limit: 1 << 24)
            try tpm.extendPCR(11, bank: bank, digest: Digest.hash(bank, Array(name.utf8) + [0]))
            try tpm.extendPCR(11, bank: bank, digest: Digest.hash(bank, bytes))
        }
    }

    static func prediction() throws -> PCR11Prediction {
        let image = try uki()
        return try PCR11Prediction(
            sections: try UKIProfileSections.sections(of: image, profile: 0), banks: [.sha256, .sha1],
            rules: try StubRules.detect(in: image))
    }

    @Test(arguments: [DigestAlgorithm.sha256, .sha1])
    func trialSessionGivesOurPolicy(bank: DigestAlgorithm) throws {
        let swtpm = try SoftwareTPM()
        let tpm = try TPMDevice(tcti: swtpm.tcti)
        try Self.replayStub(on: tpm, bank: bank)
        let predicted = try Self.prediction().value(bank: bank, phase: PhasePath(words: []))
        #expect(try tpm.readPCR(11, bank: bank) == predicted)
        let policy = try PCRPolicy(.init(bank: bank, phase: PhasePath(words: []), value: predicted), policyRef: nil)
        #expect(try tpm.trialPolicyPCR(bank: bank, pcrs: [11]) == policy.policy)
    }

    @Test func signedPolicyAuthorizesAndUnsealsOnlyWithMatchingPCR11() throws {
        let swtpm = try SoftwareTPM()
        let tpm = try TPMDevice(tcti: swtpm.tcti)
        let signer = try Self.signer()
        let prediction = try Self.prediction()
        var signatures = PCRSignatures()
        let afterStub = try PCRPolicy(try prediction.values(phases: [PhasePath(words: [])])[0], policyRef: nil)
        signatures.append(try signer.sign(afterStub), bank: .sha256)

        let authorizePolicy = PolicyDigest.policyAuthorize(keyName: signer.tpmKey.name)
        let sealed = try tpm.seal(Array("s3cr3t".utf8), policy: authorizePolicy)

        // PCR 11 is still zero: no signed policy matches.
        #expect { try tpm.unseal(sealed, signatures: signatures, key: signer.publicKey, bank: .sha256) } throws: {
            ($0 as? TPMPolicyError)?.code == .policyMismatch
        }
        try Self.replayStub(on: tpm, bank: .sha256)
        #expect(try tpm.authorize(signatures: signatures, key: signer.publicKey, bank: .sha256) == authorizePolicy)
        #expect(
            try tpm.unseal(sealed, signatures: signatures, key: signer.publicKey, bank: .sha256) == Array("s3cr3t".utf8)
        )

        // After enter-initrd the value differs; only a signature for that phase unseals again.
        try tpm.extendPCR(11, bank: .sha256, digest: Digest.hash(.sha256, Array("enter-initrd".utf8)))
        #expect { try tpm.unseal(sealed, signatures: signatures, key: signer.publicKey, bank: .sha256) } throws: {
            ($0 as? TPMPolicyError)?.code == .policyMismatch
        }
        let entered = try PCRPolicy(
            try prediction.values(phases: [PhasePath(words: ["enter-initrd"])])[0], policyRef: nil)
        signatures.append(try signer.sign(entered), bank: .sha256)
        #expect(
            try tpm.unseal(sealed, signatures: signatures, key: signer.publicKey, bank: .sha256) == Array("s3cr3t".utf8)
        )
    }

    /// A forged signature (right policy, wrong bytes) is refused by the TPM, not only by us.
    @Test func tpmRefusesAForgedSignature() throws {
        let swtpm = try SoftwareTPM()
        let tpm = try TPMDevice(tcti: swtpm.tcti)
        let signer = try Self.signer()
        try Self.replayStub(on: tpm, bank: .sha256)
        var entry = try signer.sign(
            try PCRPolicy(try Self.prediction().values(phases: [PhasePath(words: [])])[0], policyRef: nil))
        entry.signature[10] ^= 0xFF
        var signatures = PCRSignatures()
        signatures.append(entry, bank: .sha256)
        #expect { try tpm.authorize(signatures: signatures, key: signer.publicKey, bank: .sha256) } throws: {
            ($0 as? TPMPolicyError)?.code == .policyMismatch
        }
    }

    /// EC P-256 keys and a policyRef work end to end too (newest systemd's `--policyref`).
    @Test func ecdsaKeyWithPolicyRef() throws {
        let directory = try TemporaryDirectory()
        let keyPath = directory.file("ec.pem")
        let generated = try run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", keyPath])
        #expect(generated.status == 0)
        let signer = try PCRPolicySigner(privateKey: try PrivateKey.load(file: FilePath(keyPath)))
        let swtpm = try SoftwareTPM()
        let tpm = try TPMDevice(tcti: swtpm.tcti)
        try Self.replayStub(on: tpm, bank: .sha256)
        var signatures = PCRSignatures()
        signatures.append(
            try signer.sign(
                try PCRPolicy(try Self.prediction().values(phases: [PhasePath(words: [])])[0], policyRef: "initrd")),
            bank: .sha256)
        let expected = PolicyDigest.policyAuthorize(
            keyName: signer.tpmKey.name, policyRef: Digest.hash(.sha256, Array("initrd".utf8)))
        #expect(
            try tpm.authorize(signatures: signatures, key: signer.publicKey, bank: .sha256, policyRef: "initrd")
                == expected)
        #expect { try tpm.authorize(signatures: signatures, key: signer.publicKey, bank: .sha256) } throws: {
            ($0 as? TPMPolicyError)?.code == .policyMismatch
        }
    }

    @Test func unreachableTPMIsOneClearError() {
        #expect { try TPMDevice(tcti: "swtpm:path=/nonexistent/sock") } throws: { error in
            (error as? TPMPolicyError)?.description.contains("/nonexistent/sock") == true
        }
    }
}
