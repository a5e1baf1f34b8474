import BinaryIO
import BootCrypto
import Foundation
import PEKit
import SystemPackage
import TPMDevice
import TPMPolicy
import TestSupport
import Testing

/// Hash-only signers (a signing service or HSM that signs digests and never sees files): `ukify
/// build --export-digests` lists what to sign round by round, the signer answers with raw
/// signatures, `--import-signatures` takes them; with RSA keys the result is the UKI that signing
/// in-process gives.
@Suite struct HashOnlySigningTests {
    static let keys = TestPaths.fixture("measure")

    struct Build {
        let directory: TemporaryDirectory
        let arguments: [String]

        init(_ directory: TemporaryDirectory, _ extra: [String]) throws {
            self.directory = directory
            let initrd = try directory.write("initrd", (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 13) })
            arguments =
                [
                    "build", "--linux=\(try TestPaths.debianKernel().vmlinuz)", "--initrd=\(initrd)",
                    "--cmdline=quiet", "--os-release=ID=hash-only", "--uname=6.1.0-test",
                    "--stub=\(TestPaths.systemd257.linuxStub)", "--phases=enter-initrd", "--pcr-banks=sha256,sha384",
                ] + extra
        }

        /// Runs the rounds until the UKI is written, answering each with `sign` (request → raw
        /// signature); returns the rounds seen.
        func signRounds(
            output: String, sign: ([String: Any]) throws -> [UInt8]
        ) throws -> [Int] {
            let answers = directory.file("answers.json")
            var raw: [[String: String]] = []
            var rounds: [Int] = []
            for _ in 0..<4 {
                let todo = directory.file("todo.json")
                try? FileManager.default.removeItem(atPath: todo)
                let imports = raw.isEmpty ? [] : ["--import-signatures=\(answers)"]
                let result = try run(
                    TestPaths.ukify, arguments + imports + ["--export-digests=\(todo)", "--output=\(output)"])
                #expect(result.status == 0, "\(result.stderr)")
                guard FileManager.default.fileExists(atPath: todo) else { return rounds }
                #expect(!FileManager.default.fileExists(atPath: output), "a UKI before its last round")
                let document = try #require(
                    try JSONSerialization.jsonObject(with: Data(try readBytes(todo))) as? [String: Any])
                rounds.append(try #require(document["round"] as? Int))
                for request in try #require(document["sign"] as? [[String: Any]]) {
                    raw.append([
                        "digest": try #require(request["digest"] as? String),
                        "signature": Data(try sign(request)).base64EncodedString(),
                    ])
                }
                let bundle = try JSONSerialization.data(
                    withJSONObject: ["format": "bootchain-signatures", "version": 1, "raw": raw])
                _ = try directory.write("answers.json", Array(bundle))
            }
            throw TestFailure("more rounds than there are")
        }
    }

    /// `openssl pkeyutl` as the signer: PKCS#1 v1.5 (or ECDSA) over the digest it is given.
    static func pkeyutl(_ key: String, in directory: TemporaryDirectory) -> ([String: Any]) throws -> [UInt8] {
        { request in
            let digest = try directory.write("digest.bin", [UInt8](hexString: request["digest"] as! String)!)
            let signature = directory.file("signature.bin")
            try check(
                run(
                    "openssl",
                    [
                        "pkeyutl", "-sign", "-inkey", key, "-in", digest, "-out", signature,
                        "-pkeyopt", "digest:\(request["algorithm"] as! String)",
                    ]))
            return try readBytes(signature)
        }
    }

    @Test func rsaRoundsGiveTheUKIInProcessSigningGives() throws {
        let directory = try TemporaryDirectory()
        let build = try Build(
            directory,
            [
                "--sign-kernel", "--secureboot-certificate=\(TestPaths.fixture("db.crt"))",
                "--pcr-public-key=\(Self.keys)/pcr-pub.pem",
            ])
        let sbKey = TestPaths.fixture("db.key")
        let pcrKey = "\(Self.keys)/pcr-priv.pem"
        let rounds = try build.signRounds(output: directory.file("hash-only.efi")) { request in
            try Self.pkeyutl(request["key"] as! String == "secureboot" ? sbKey : pcrKey, in: directory)(request)
        }
        #expect(rounds == [1, 2, 3])
        let inProcess = try run(
            TestPaths.ukify,
            build.arguments + [
                "--secureboot-private-key=\(sbKey)", "--pcr-private-key=\(pcrKey)",
                "--output=\(directory.file("in-process.efi"))",
            ])
        #expect(inProcess.status == 0, "\(inProcess.stderr)")
        #expect(try readBytes(directory.file("hash-only.efi")) == (try readBytes(directory.file("in-process.efi"))))

        // An answer by another key is refused, naming the digest.
        let bundle = try #require(
            try JSONSerialization.jsonObject(with: Data(try readBytes(directory.file("answers.json"))))
                as? [String: Any])
        var raw = try #require(bundle["raw"] as? [[String: String]])
        raw[0]["signature"] = Data(repeating: 7, count: 256).base64EncodedString()
        let forged = try directory.write(
            "forged.json",
            Array(
                try JSONSerialization.data(withJSONObject: ["format": "bootchain-signatures", "version": 1, "raw": raw])
            ))
        let refused = try run(
            TestPaths.ukify,
            build.arguments + ["--import-signatures=\(forged)", "--output=\(directory.file("no.efi"))"])
        #expect(refused.status == 65 && refused.stderr.contains("does not verify"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("no.efi")))
    }

    /// EC P-256 keys: the UKI passes sbverify, osslsigncode and pesign, and the PCR signature
    /// passes PolicyAuthorize on swtpm brought to the PCR 11 the UKI produces after enter-initrd.
    @Test func ecP256SignaturesAreValid() throws {
        let directory = try TemporaryDirectory()
        let (sbKey, certificate) = try makeECCertificate(in: directory, subject: "bootchain EC db")
        let pcrKey = directory.file("pcr-ec.key")
        let pcrPublic = directory.file("pcr-ec.pub")
        try check(run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", pcrKey]))
        try check(run("openssl", ["ec", "-in", pcrKey, "-pubout", "-out", pcrPublic]))
        let build = try Build(directory, ["--secureboot-certificate=\(certificate)", "--pcr-public-key=\(pcrPublic)"])
        let uki = directory.file("ec.efi")
        let rounds = try build.signRounds(output: uki) { request in
            try Self.pkeyutl(request["key"] as! String == "secureboot" ? sbKey : pcrKey, in: directory)(request)
        }
        #expect(rounds == [2, 3], "Debian's kernel is signed already: no kernel round")
        #expect(try run("sbverify", ["--cert", certificate, uki]).status == 0)
        let osslsigncode = try run("osslsigncode", ["verify", "-in", uki, "-CAfile", certificate])
        #expect(osslsigncode.stdout.contains("Succeeded"), "\(osslsigncode.stdout)")
        #expect(try run("pesign", ["-S", "-i", uki]).stdout.contains("bootchain EC db"))

        let image = try PEImage(file: try ReadableFile(path: FilePath(uki)))
        let swtpm = try SoftwareTPM()
        let tpm = try TPMDevice(tcti: swtpm.tcti)
        let measured = try UKIProfileSections.sections(of: image, profile: 0)
        for kind in try StubRules.detect(in: image).measuredKinds {
            for section in measured where section.kind == kind {
                try tpm.extendPCR(11, bank: .sha256, digest: Digest.hash(.sha256, Array(kind.rawValue.utf8) + [0]))
                try tpm.extendPCR(
                    11, bank: .sha256, digest: Digest.hash(.sha256, try section.content.readAll(limit: 64 << 20)))
            }
        }
        try tpm.extendPCR(11, bank: .sha256, digest: Digest.hash(.sha256, Array("enter-initrd".utf8)))
        let pcrsig = try #require(image.section(named: ".pcrsig"))
        let signatures = try PCRSignatures(
            parsing: try image.memoryContent(of: pcrsig).readAll(limit: 1 << 20), origin: ".pcrsig")
        let key = try PublicKey.load(file: FilePath(pcrPublic))
        #expect(
            try tpm.authorize(signatures: signatures, key: key, bank: .sha256)
                == PolicyDigest.policyAuthorize(keyName: try TPMPublicKey(key).name))
    }

    /// SoftHSM2 through PKCS#11 as the hash signer: `pkcs11-tool -m RSA-PKCS` over the DigestInfo
    /// of each digest; the key never leaves the token and the UKI passes sbverify.
    @Test func aPKCS11TokenSignsTheDigests() throws {
        let directory = try TemporaryDirectory()
        let token = try SoftHSMToken(in: directory, label: "signer", keyLabel: "db")
        let certificate = directory.file("hsm.crt")
        try check(
            run(
                "openssl",
                [
                    "req", "-new", "-x509", "-engine", "pkcs11", "-keyform", "engine", "-key", token.uri,
                    "-subj", "/CN=bootchain HSM db", "-days", "30", "-out", certificate,
                ], environment: token.environment))
        let build = try Build(directory, ["--secureboot-certificate=\(certificate)"])
        let uki = directory.file("hsm.efi")
        // DER DigestInfo of a SHA-256 digest: what RSA-PKCS signs when the caller hashed.
        let sha256DigestInfo = [UInt8](hexString: "3031300d060960864801650304020105000420")!
        let rounds = try build.signRounds(output: uki) { request in
            let input = try directory.write(
                "digest-info.bin", sha256DigestInfo + [UInt8](hexString: request["digest"] as! String)!)
            let signature = directory.file("signature.bin")
            try check(
                run(
                    "pkcs11-tool",
                    [
                        "--module", token.module, "--login", "--pin", token.pin, "--token-label", "signer", "--id",
                        "01",
                        "--sign", "--mechanism", "RSA-PKCS", "--input-file", input, "--output-file", signature,
                    ], environment: token.environment))
            return try readBytes(signature)
        }
        #expect(rounds == [3])
        let verified = try run("sbverify", ["--cert", certificate, uki])
        #expect(verified.status == 0, "\(verified.stderr)")
    }
}
