import BinaryIO
import Foundation
import TestSupport
import Testing

/// `ukify build` with PCR signing: predicted with the stub's rules, signed, embedded as `.pcrsig`.
@Suite struct UkifyPCRTests {
    static let keys = TestPaths.fixture("measure")

    static func pcrsig(of uki: String, in directory: TemporaryDirectory) throws -> Data {
        let saved = directory.file("pcrsig.out")
        let result = try run(TestPaths.ukify, ["inspect", uki, "--section=.pcrsig:binary@\(saved)"])
        #expect(result.status == 0, "\(result.stderr)")
        return Data(try readBytes(saved))
    }

    static func entries(_ json: Data, bank: String) throws -> [[String: String]] {
        let object = try JSONSerialization.jsonObject(with: json) as? [String: [[String: Any]]] ?? [:]
        return (object[bank] ?? []).map { $0.compactMapValues { $0 as? String } }
    }

    /// The spec vector's `.pcrsig` came from systemd-measure 252 over the same inputs; its sha256
    /// entries (SHA-256 signatures) are reproduced exactly. Without --pcr-banks all four banks are
    /// signed, as ukify 257 does.
    @Test func embeddedSignaturesMatchSystemdMeasure252() throws {
        let directory = try TemporaryDirectory()
        let result = try ukifyBuild(
            directory, output: "signed.efi",
            ["--pcr-private-key=\(Self.keys)/pcr-priv.pem", "--pcr-public-key=\(Self.keys)/pcr-pub.pem"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("systemd-stub 252 rules"))
        let ours = try Self.pcrsig(of: directory.file("signed.efi"), in: directory)
        let golden = Data(try readBytes("\(Self.keys)/pcrsig.json"))
        #expect(try Self.entries(ours, bank: "sha256") == (try Self.entries(golden, bank: "sha256")))
        for bank in ["sha1", "sha384", "sha512"] { #expect(try Self.entries(ours, bank: bank).count == 4) }
        // ukify writes json.dumps text without a NUL, banks in systemd-measure's order.
        #expect(String(decoding: ours, as: UTF8.self).hasPrefix("{\"sha1\": [{\"pcrs\": [11], \"pkfp\": "))

        // measure sign over the built UKI gives the same entries (the same prediction, from the file).
        let resigned = try run(
            TestPaths.measure,
            [
                "sign", "--uki=\(directory.file("signed.efi"))", "--bank=sha256",
                "--private-key=\(Self.keys)/pcr-priv.pem", "--json=short",
            ])
        #expect(resigned.status == 0, "\(resigned.stderr)")
        #expect(
            try Self.entries(Data(resigned.stdout.utf8), bank: "sha256") == (try Self.entries(ours, bank: "sha256")))
    }

    /// The .pcrpkey is derived from the only key when not given, and --measure prints the prediction.
    @Test func derivedPublicKeyAndMeasureOutput() throws {
        let directory = try TemporaryDirectory()
        let uki = directory.file("derived.efi")
        let result = try run(
            TestPaths.ukify,
            [
                "build", "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))",
                "--linux=\(TestPaths.fixture("linux.bin"))",
                "--initrd=\(TestPaths.fixture("initrd.bin"))", "--os-release=@\(TestPaths.fixture("os-release"))",
                "--uname=6.1", "--pcr-private-key=\(Self.keys)/pcr-priv.pem", "--pcr-banks=sha1,sha256",
                "--phases=enter-initrd :", "--measure", "-o", uki,
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let saved = directory.file("pcrpkey.out")
        #expect(try run(TestPaths.ukify, ["inspect", uki, "--section=.pcrpkey:text@\(saved)"]).status == 0)
        #expect(try readBytes(saved) == (try readBytes("\(Self.keys)/pcr-pub.pem")))
        let predicted = try run(
            TestPaths.measure, ["calculate", "--uki=\(uki)", "--bank=sha1", "--bank=sha256", "--phase=enter-initrd"])
        #expect(result.stdout.contains(predicted.stdout))
        #expect(try Self.entries(try Self.pcrsig(of: uki, in: directory), bank: "sha1").count == 2)
    }

    /// Offline signing: --policy-digest prints what to sign; the signatures made with openssl and
    /// attached with --pcrsig give the same UKI as signing in place.
    @Test func offlineSigningGivesTheSameUKI() throws {
        let directory = try TemporaryDirectory()
        let digests = try ukifyBuild(
            directory, output: "unsigned.efi",
            ["--policy-digest", "--pcr-public-key=\(Self.keys)/pcr-pub.pem", "--pcr-banks=sha256"])
        #expect(digests.status == 0, "\(digests.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(digests.stdout.utf8)) as! [String: [[String: Any]]]
        var entries: [String] = []
        #expect(document["sha256"]?.count == 4)
        for entry in document["sha256"]! {
            #expect(entry["pkfp"] as? String == "6d8b7656eda40b3f4e0f2212400959719a26ac7839669d69ec18a5df0174429c")
            let tbs = try directory.write("tbs", [UInt8](hexString: entry["tbs"] as! String)!)
            let signature = try run(
                "/bin/sh",
                ["-c", "openssl dgst -sha256 -sign \"$1\" \"$2\" | base64 -w0", "sh", "\(Self.keys)/pcr-priv.pem", tbs])
            #expect(signature.status == 0, "\(signature.stderr)")
            entries.append(
                "{\"pcrs\": [11], \"pkfp\": \"6d8b7656eda40b3f4e0f2212400959719a26ac7839669d69ec18a5df0174429c\", "
                    + "\"pol\": \"\(entry["pol"] as! String)\", \"sig\": \"\(signature.stdout)\"}")
        }
        let pcrsig = try directory.write("offline.json", "{\"sha256\": [\(entries.joined(separator: ", "))]}")
        let attached = try ukifyBuild(directory, output: "attached.efi", ["--pcrsig=@\(pcrsig)"])
        #expect(attached.status == 0, "\(attached.stderr)")
        #expect(!attached.stderr.contains("warning: \(pcrsig)"))
        let signed = try ukifyBuild(
            directory, output: "signed.efi", ["--pcr-private-key=\(Self.keys)/pcr-priv.pem", "--pcr-banks=sha256"])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try readBytes(directory.file("attached.efi")) == (try readBytes(directory.file("signed.efi"))))
    }

    /// [PCRSignature:NAME] config sections form key groups; --join-pcrsig merges another document.
    @Test func configGroupsAndJoinedSignatures() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "ukify.conf",
            """
            [UKI]
            PCRBanks=sha256

            [PCRSignature:initrd]
            PCRPrivateKey=\(Self.keys)/pcr-priv.pem
            PCRPublicKey=\(Self.keys)/pcr-pub.pem
            Phases=enter-initrd
            """)
        let first = try ukifyBuild(directory, output: "first.efi", ["--config=\(config)"])
        #expect(first.status == 0, "\(first.stderr)")
        let firstSignatures = try Self.pcrsig(of: directory.file("first.efi"), in: directory)
        #expect(try Self.entries(firstSignatures, bank: "sha256").count == 1)
        let joined = try directory.write("first.json", Array(firstSignatures))
        let second = try ukifyBuild(
            directory, output: "second.efi",
            [
                "--pcr-private-key=\(Self.keys)/pcr-priv.pem", "--phases=enter-initrd:leave-initrd",
                "--join-pcrsig=\(joined)",
            ])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(
            try Self.entries(try Self.pcrsig(of: directory.file("second.efi"), in: directory), bank: "sha256").count
                == 2)
    }

    /// Two groups with the same key and phases give each signature once (the size planned before
    /// signing accounts for that), and an EC key (variable-size signatures) signs too.
    @Test func duplicateGroupsAndECKeys() throws {
        let directory = try TemporaryDirectory()
        let key = "--pcr-private-key=\(Self.keys)/pcr-priv.pem"
        let twice = try ukifyBuild(directory, output: "twice.efi", [key, key])
        #expect(twice.status == 0, "\(twice.stderr)")
        #expect(
            try Self.entries(try Self.pcrsig(of: directory.file("twice.efi"), in: directory), bank: "sha256").count == 4
        )
        let ecKey = directory.file("ec.pem")
        #expect(try run("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", ecKey]).status == 0)
        let ec = try ukifyBuild(directory, output: "ec.efi", [key, "--pcr-private-key=\(ecKey)"])
        #expect(ec.status == 0, "\(ec.stderr)")
        #expect(
            try Self.entries(try Self.pcrsig(of: directory.file("ec.efi"), in: directory), bank: "sha256").count == 8)
    }

    @Test(arguments: [
        (
            ["--pcr-private-key=\(keys)/pcr-priv.pem", "--pcr-public-key=\(keys)/test-tpm2-rsa.pem"], Int32(65),
            "does not belong"
        ),
        (["--pcr-private-key=\(keys)/pcr-priv.pem", "--phases=enter-initrd:bogus"], 64, "bogus"),
        (["--pcr-private-key=\(keys)/pcr-priv.pem", "--pcr-banks=sha3"], 64, "sha3"),
        (["--pcrsig=@\(keys)/tpmdata1"], 65, "tpmdata1"),
        (["--pcr-private-key=\(keys)/pcr-priv.pem", "--policy-digest"], 64, "--policy-digest"),
        (["--profile=ID=one", "--policy-digest"], 64, "--policy-digest"),
    ])
    func refused(arguments: [String], exitCode: Int32, mention: String) throws {
        let directory = try TemporaryDirectory()
        let result = try ukifyBuild(directory, arguments)
        #expect(result.status == exitCode, "\(result.stderr)")
        #expect(result.stderr.contains(mention), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("uki.efi")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
