import BinaryIO
import Foundation
import PEKit
import SystemPackage
import TestSupport
import Testing

func ukifySign(
    _ input: String, output: String, key: String = TestPaths.fixture("db.key"),
    certificate: String = TestPaths.fixture("db.crt"), _ extra: [String] = [],
    environment: [String: String]? = nil
) throws -> ProcessResult {
    try run(
        TestPaths.ukify,
        ["sign", "--secureboot-private-key=\(key)", "--secureboot-certificate=\(certificate)", "-o", output] + extra + [
            input
        ],
        environment: environment)
}

/// A self-signed EC P-256 certificate and its key, made with openssl in `directory`.
func makeECCertificate(in directory: TemporaryDirectory, subject: String) throws -> (key: String, certificate: String) {
    let key = directory.file("ec.key")
    let certificate = directory.file("ec.crt")
    try check(
        run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=\(subject)", "-days", "30", "-keyout", key, "-out", certificate,
            ]))
    return (key, certificate)
}

/// Our signatures pass the peers: sbsign's sbverify, osslsigncode and pesign (spec digest §2).
@Suite struct SigningCLITests {
    static let debianKernel = (try? TestPaths.debianKernel().vmlinuz) ?? "missing Debian kernel"

    @Test(arguments: [
        TestPaths.fixture("linuxx64.efi.stub"), TestPaths.fixture("uki-unsigned.efi"),
        "/usr/lib/systemd/boot/efi/systemd-bootx64.efi",
    ])
    func peersAcceptOurSignature(input: String) throws {
        let directory = try TemporaryDirectory()
        let signed = directory.file("signed.efi")
        let sign = try ukifySign(input, output: signed)
        #expect(sign.status == 0, "\(sign.stderr)")
        let sbverify = try run("sbverify", ["--cert", TestPaths.fixture("db.crt"), signed])
        #expect(sbverify.status == 0 && sbverify.stdout.contains("Signature verification OK"), "\(sbverify.stderr)")
        let osslsigncode = try run("osslsigncode", ["verify", "-in", signed, "-CAfile", TestPaths.fixture("db.crt")])
        #expect(osslsigncode.status == 0 && osslsigncode.stdout.contains("Succeeded"), "\(osslsigncode.stdout)")
        let pesign = try run("pesign", ["-S", "-i", signed])
        #expect(
            pesign.status == 0 && pesign.stdout.contains("The signer's common name is Throwaway UKI Test Signing Key"))
        let ours = try run(TestPaths.ukify, ["verify", "--cert", TestPaths.fixture("db.crt"), signed])
        #expect(ours.status == 0, "\(ours.stdout)")
    }

    /// The Debian kernel is signed already: ours is appended and both stay listed. osslsigncode 2.9
    /// reads only tables with one entry (it rejects sbsign's twice-signed files the same way).
    @Test func secondSignatureOnTheSignedDebianKernel() throws {
        let directory = try TemporaryDirectory()
        let signed = directory.file("vmlinuz.signed")
        let sign = try ukifySign(Self.debianKernel, output: signed)
        #expect(sign.status == 0, "\(sign.stderr)")
        let sbverify = try run("sbverify", ["--cert", TestPaths.fixture("db.crt"), signed])
        #expect(sbverify.status == 0, "\(sbverify.stderr)")
        let pesign = try run("pesign", ["-S", "-i", signed])
        #expect(pesign.stdout.components(separatedBy: "The signer's common name is").count == 3, "\(pesign.stdout)")
        let ours = try run(TestPaths.ukify, ["verify", "--json=short", "--cert", TestPaths.fixture("db.crt"), signed])
        #expect(ours.status == 0)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? [String: Any])
        let signatures = try #require(report["signatures"] as? [[String: Any]])
        #expect(signatures.count == 2)
        #expect(signatures[0]["trusted"] as? Bool == false && signatures[0]["imageDigestMatches"] as? Bool == true)
        #expect(signatures[1]["valid"] as? Bool == true)
    }

    /// `--certificate-provider`: the Secure Boot certificate and the PCR public key come from an
    /// OpenSSL provider's store by URI (here the default provider's `file:` store), and the UKI is
    /// the one the files give.
    @Test func certificatesFromAProviderStoreGiveTheSameUKI() throws {
        let directory = try TemporaryDirectory()
        let keys = TestPaths.fixture("measure")
        func build(_ name: String, _ extra: [String]) throws {
            let result = try ukifyBuild(
                directory, output: name,
                [
                    "--secureboot-private-key=\(TestPaths.fixture("db.key"))", "--no-sign-kernel",
                    "--pcr-private-key=\(keys)/pcr-priv.pem",
                ] + extra)
            #expect(result.status == 0, "\(result.stderr)")
        }
        try build(
            "files.efi",
            ["--secureboot-certificate=\(TestPaths.fixture("db.crt"))", "--pcr-public-key=\(keys)/pcr-pub.pem"])
        try build(
            "store.efi",
            [
                "--certificate-provider=default", "--secureboot-certificate=file:\(TestPaths.fixture("db.crt"))",
                "--pcr-public-key=file:\(keys)/pcr-pub.pem",
            ])
        #expect(try readBytes(directory.file("store.efi")) == (try readBytes(directory.file("files.efi"))))
    }

    @Test func twoRunsGiveIdenticalFiles() throws {
        let directory = try TemporaryDirectory()
        for name in ["a.efi", "b.efi"] {
            #expect(try ukifySign(TestPaths.fixture("uki-unsigned.efi"), output: directory.file(name)).status == 0)
        }
        #expect(try readBytes(directory.file("a.efi")) == readBytes(directory.file("b.efi")))
    }

    @Test func signingTimeComesFromSourceDateEpoch() throws {
        let directory = try TemporaryDirectory()
        let environment = ["SOURCE_DATE_EPOCH": "1700000000"]
        for name in ["a.efi", "b.efi"] {
            let result = try ukifySign(
                TestPaths.fixture("uki-unsigned.efi"), output: directory.file(name), ["--signing-time"],
                environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
        }
        #expect(try readBytes(directory.file("a.efi")) == readBytes(directory.file("b.efi")))
        let pesign = try run("pesign", ["-S", "-i", directory.file("a.efi")])
        #expect(!pesign.stdout.contains("No signing time included."), "\(pesign.stdout)")
        #expect(try run("sbverify", ["--cert", TestPaths.fixture("db.crt"), directory.file("a.efi")]).status == 0)
    }

    @Test func ecdsaP256Key() throws {
        let directory = try TemporaryDirectory()
        let (key, certificate) = try makeECCertificate(in: directory, subject: "EC Test")
        let signed = directory.file("signed.efi")
        #expect(
            try ukifySign(TestPaths.fixture("uki-unsigned.efi"), output: signed, key: key, certificate: certificate)
                .status == 0)
        #expect(try run("sbverify", ["--cert", certificate, signed]).status == 0)
        #expect(try run(TestPaths.ukify, ["verify", "--cert", certificate, signed]).status == 0)
    }

    @Test func detachedSignatureVerifiesWithSbverify() throws {
        let directory = try TemporaryDirectory()
        let input = TestPaths.fixture("uki-unsigned.efi")
        let sign = try run(
            TestPaths.ukify,
            [
                "sign", "--secureboot-private-key", TestPaths.fixture("db.key"), "--secureboot-certificate",
                TestPaths.fixture("db.crt"), "--detached", directory.file("uki.p7"), input,
            ])
        #expect(sign.status == 0, "\(sign.stderr)")
        let sbverify = try run(
            "sbverify", ["--cert", TestPaths.fixture("db.crt"), "--detached", directory.file("uki.p7"), input])
        #expect(sbverify.status == 0, "\(sbverify.stdout)\(sbverify.stderr)")
    }
}

/// ukify verify on the peers' signatures in the vectors, and on damaged copies.
@Suite struct VerifyCLITests {
    @Test(arguments: [
        ("uki-signed.efi", "db.crt"), ("linuxx64.efi.stub.sbsigned", "db.crt"),
        ("linuxx64.efi.stub.pesigned", "db.crt"),
        ("linuxx64.efi.stub.osslsigned", "second.crt"), ("linuxx64.efi.stub.osslsigncode-nested", "db.crt"),
        ("linuxx64.efi.stub.sbsigned-twice", "db.crt"),
    ])
    func acceptsThePeersSignatures(fixture: String, certificate: String) throws {
        let result = try run(
            TestPaths.ukify, ["verify", "--cert", TestPaths.fixture(certificate), TestPaths.fixture(fixture)])
        #expect(result.status == 0, "\(result.stdout)")
    }

    /// A nested signature (osslsigncode -nest) is an unsigned attribute of the SignerInfo, not a
    /// SignerInfo or a WIN_CERTIFICATE: EDK2 and shim do not look at it, so it does not count.
    @Test func nestedSignaturesDoNotCount() throws {
        let result = try run(
            TestPaths.ukify,
            [
                "verify", "--cert", TestPaths.fixture("second.crt"),
                TestPaths.fixture("linuxx64.efi.stub.osslsigncode-nested"),
            ])
        #expect(result.status == 1)
    }

    /// uki-signed.efi with its one WIN_CERTIFICATE rewritten by `edit` (the Certificate Table
    /// directory entry's Size updated to the new table).
    static func rewrittenEntry(
        _ edit: (inout WinCertificate) -> Void, in directory: TemporaryDirectory
    ) throws -> String {
        let path = TestPaths.fixture("uki-signed.efi")
        let image = try PEImage(file: ReadableFile(path: FilePath(path)))
        let table = try #require(try CertificateTable(image: image))
        var entry = table.entries[0]
        edit(&entry)
        var bytes = Array(try readBytes(path).prefix(table.range.lowerBound)) + entry.encoded
        let sizeOffset = try #require(image.certificateDirectoryOffset) + 4
        withUnsafeBytes(of: UInt32(entry.encoded.count).littleEndian) {
            bytes.replaceSubrange(sizeOffset..<(sizeOffset + 4), with: $0)
        }
        return try directory.write("edited.efi", bytes)
    }

    /// DxeImageVerificationHandler does not read wRevision: a 0x0100 entry is verified as usual.
    @Test func revision0x0100IsVerified() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.rewrittenEntry({ $0.revision = 0x0100 }, in: directory)
        let result = try run(TestPaths.ukify, ["verify", "--cert", TestPaths.fixture("db.crt"), path])
        #expect(result.status == 0, "\(result.stdout)")
    }

    /// WIN_CERT_TYPE_EFI_GUID with CertType EFI_CERT_TYPE_PKCS7_GUID: EDK2 verifies the PKCS#7 in CertData.
    @Test func guidWrappedPKCS7IsVerified() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.rewrittenEntry(
            { entry in
                let der = Array(entry.certificate.prefix(Int(entry.length) - 8))
                entry = WinCertificate(guidWrappedPKCS7: der)
            }, in: directory)
        let trusted = try run(TestPaths.ukify, ["verify", "--cert", TestPaths.fixture("db.crt"), path])
        #expect(trusted.status == 0, "\(trusted.stdout)")
        let other = try run(TestPaths.ukify, ["verify", "--cert", TestPaths.fixture("second.crt"), path])
        #expect(other.status == 1, "\(other.stdout)")
    }

    @Test func rejectsOtherKeysAndUnsignedFiles() throws {
        let wrongKey = try run(
            TestPaths.ukify, ["verify", "--cert", TestPaths.fixture("second.crt"), TestPaths.fixture("uki-signed.efi")])
        #expect(wrongKey.status == 1 && wrongKey.stdout.contains("chains to trusted certificate: no"))
        let unsigned = try run(
            TestPaths.ukify, ["verify", "--cert", TestPaths.fixture("db.crt"), TestPaths.fixture("uki-unsigned.efi")])
        #expect(unsigned.status == 1 && unsigned.stdout.contains("no signatures"))
    }

    /// One flipped byte in each hashed range (headers, a section, the data after the sections)
    /// breaks the signature; one in the CheckSum (not hashed) does not.
    @Test(arguments: [(0x100, 1), (0x5000, 1), (0x11F00, 1), (0x12000, 1), (0xD8, 0)])
    func flippedBytes(offset: Int, expectedStatus: Int32) throws {
        let directory = try TemporaryDirectory()
        var bytes = try readBytes(TestPaths.fixture("uki-signed.efi"))
        bytes[offset] ^= 0x01
        let path = try directory.write("flipped.efi", bytes)
        let result = try run(TestPaths.ukify, ["verify", "--cert", TestPaths.fixture("db.crt"), path])
        #expect(result.status == expectedStatus, "\(result.stdout)\(result.stderr)")
        if expectedStatus == 1 { #expect(result.stdout.contains("image digest matches: no")) }
    }
}

/// Bad signing input: one error line, non-zero exit, nothing written, the input untouched.
@Suite struct SigningBadInputTests {
    enum Case: String, CaseIterable, Sendable {
        case wrongPair, encryptedKeyWithoutPassphrase, unknownEngine, unknownProvider, malformedTable
    }

    @Test(arguments: Case.allCases)
    func failsCleanly(badCase: Case) throws {
        let directory = try TemporaryDirectory()
        var input = TestPaths.fixture("uki-unsigned.efi")
        var arguments = [
            "sign", "--secureboot-private-key", TestPaths.fixture("db.key"), "--secureboot-certificate",
            TestPaths.fixture("db.crt"),
        ]
        var mention = ""
        switch badCase {
        case .wrongPair:
            arguments[2] = TestPaths.fixture("second.key")
            mention = "is not the key of"
        case .encryptedKeyWithoutPassphrase:
            arguments[2] = directory.file("encrypted.key")
            try check(
                run(
                    "openssl",
                    [
                        "rsa", "-in", TestPaths.fixture("db.key"), "-aes256", "-passout", "pass:pw",
                        "-out", arguments[2],
                    ]))
            mention = "encrypted"
        case .unknownEngine:
            arguments += ["--signing-engine", "no-such-engine"]
            mention = "engine no-such-engine"
        case .unknownProvider:
            arguments += ["--signing-provider", "no-such-provider"]
            arguments[2] = "pkcs11:object=x"
            mention = "provider no-such-provider"
        case .malformedTable:
            var bytes = try readBytes(TestPaths.fixture("uki-signed.efi"))
            bytes += [1, 2, 3, 4, 5, 6, 7, 8]
            input = try directory.write("damaged.efi", bytes)
            mention = "not at the end of the file"
        }
        let before = try readBytes(input)
        let listing = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        let result = try run(TestPaths.ukify, arguments + ["-o", directory.file("out.efi"), input])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(mention), "\(result.stderr)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == listing)
        #expect(try readBytes(input) == before)
    }

    @Test func encryptedKeyWithAPassphraseFileSigns() throws {
        let directory = try TemporaryDirectory()
        let key = directory.file("encrypted.key")
        try check(
            run(
                "openssl",
                ["rsa", "-in", TestPaths.fixture("db.key"), "-aes256", "-passout", "pass:s3cret", "-out", key]))
        let passphrase = try directory.write("passphrase", "s3cret\n")
        let signed = directory.file("signed.efi")
        let result = try ukifySign(
            TestPaths.fixture("uki-unsigned.efi"), output: signed, key: key,
            ["--secureboot-private-key-passphrase-file=\(passphrase)"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try run("sbverify", ["--cert", TestPaths.fixture("db.crt"), signed]).status == 0)
        _ = try directory.write("wrong", "nope\n")
        let wrong = try ukifySign(
            TestPaths.fixture("uki-unsigned.efi"), output: directory.file("x.efi"), key: key,
            ["--secureboot-private-key-passphrase-file=\(directory.file("wrong"))"])
        #expect(wrong.status == 65 && wrong.stderr.contains("cannot load private key"))
    }

    @Test func expiredCertificateWarns() throws {
        let directory = try TemporaryDirectory()
        let key = directory.file("old.key")
        let certificate = directory.file("old.crt")
        // A certificate that ran out in 2021, made with Python's cryptography package.
        let script = """
            import datetime, sys
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "Old")])
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(1).not_valid_before(datetime.datetime(2020, 1, 1))
                .not_valid_after(datetime.datetime(2021, 1, 1)).sign(key, hashes.SHA256()))
            open(sys.argv[1], "wb").write(key.private_bytes(serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
            open(sys.argv[2], "wb").write(cert.public_bytes(serialization.Encoding.PEM))
            """
        try check(run("python3", ["-c", script, key, certificate]))
        let result = try ukifySign(
            TestPaths.fixture("uki-unsigned.efi"), output: directory.file("out.efi"), key: key,
            certificate: certificate)
        #expect(result.status == 0)
        #expect(result.stderr.contains("warning: \(certificate): certificate has expired"))
        // Firmware does not check validity times (EDK2 sets X509_V_FLAG_NO_CHECK_TIME): accepted,
        // with sbverify's warning.
        let verify = try run(TestPaths.ukify, ["verify", "--cert", certificate, directory.file("out.efi")])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stderr.contains("warning: signer 0 certificate /CN=Old has expired"), "\(verify.stderr)")
    }
}

@Suite struct SignedBuildCLITests {
    /// A signed UKI: the peers accept it, and the unsigned kernel inside was signed first (ukify's default).
    @Test func signedBuildSignsAnUnsignedKernelFirst() throws {
        let directory = try TemporaryDirectory()
        let output = directory.file("signed.efi")
        let result = try ukifyBuild(
            directory, output: "signed.efi",
            [
                "--linux=\(TestPaths.fixture("uki-unsigned.efi"))",
                "--secureboot-private-key=\(TestPaths.fixture("db.key"))",
                "--secureboot-certificate=\(TestPaths.fixture("db.crt"))",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("wrote signed (kernel signed too)"))
        #expect(try run("sbverify", ["--cert", TestPaths.fixture("db.crt"), output]).status == 0)
        let osslsigncode = try run("osslsigncode", ["verify", "-in", output, "-CAfile", TestPaths.fixture("db.crt")])
        #expect(osslsigncode.stdout.contains("Succeeded"), "\(osslsigncode.stdout)")
        let kernel = directory.file("linux.out")
        #expect(try run(TestPaths.ukify, ["inspect", "--section=.linux@\(kernel)", output]).status == 0)
        #expect(try run("sbverify", ["--cert", TestPaths.fixture("db.crt"), kernel]).status == 0)

        let plain = try ukifyBuild(
            directory, output: "plain.efi",
            [
                "--linux=\(TestPaths.fixture("uki-unsigned.efi"))", "--no-sign-kernel",
                "--secureboot-private-key=\(TestPaths.fixture("db.key"))",
                "--secureboot-certificate=\(TestPaths.fixture("db.crt"))",
            ])
        #expect(plain.status == 0 && plain.stderr.contains("wrote signed ") && !plain.stderr.contains("kernel signed"))
    }

    @Test func detachedRoundTripEqualsInlineSigning() throws {
        let directory = try TemporaryDirectory()
        let input = TestPaths.fixture("uki-unsigned.efi")
        #expect(try ukifySign(input, output: directory.file("inline.efi")).status == 0)
        let detached = try run(
            TestPaths.ukify,
            [
                "sign", "--secureboot-private-key", TestPaths.fixture("db.key"), "--secureboot-certificate",
                TestPaths.fixture("db.crt"), "--detached", directory.file("sig.p7"), input,
            ])
        #expect(detached.status == 0)
        let attach = try run(
            TestPaths.ukify,
            ["attach", "--signature", directory.file("sig.p7"), "-o", directory.file("attached.efi"), input])
        #expect(attach.status == 0, "\(attach.stderr)")
        #expect(try readBytes(directory.file("attached.efi")) == readBytes(directory.file("inline.efi")))
        let wrong = try run(
            TestPaths.ukify,
            [
                "attach", "--signature", directory.file("sig.p7"), "-o", directory.file("x.efi"),
                TestPaths.fixture("linuxx64.efi.stub"),
            ])
        #expect(wrong.status == 65 && wrong.stderr.contains("signs another image"))
        let unsign = try run(
            TestPaths.ukify,
            [
                "unsign", "--detached", directory.file("back.p7"), "-o", directory.file("unsigned.efi"),
                directory.file("attached.efi"),
            ])
        #expect(unsign.status == 0, "\(unsign.stderr)")
        #expect(try readBytes(directory.file("back.p7")) == readBytes(directory.file("sig.p7")))
        // The same bytes but the CheckSum (the vector, made like ukify, carries 0; we write the real one).
        var unsigned = try readBytes(directory.file("unsigned.efi"))
        var original = try readBytes(input)
        unsigned.replaceSubrange(0xD8..<0xDC, with: [0, 0, 0, 0])
        original.replaceSubrange(0xD8..<0xDC, with: [0, 0, 0, 0])
        #expect(unsigned == original)
    }
}

/// What EDK2 checks before parsing (2-byte long-form outer length, the digest OID at offset 32, one
/// digest algorithm throughout), and inputs that once trapped.
@Suite struct SignatureLayoutTests {
    /// Offset of the PKCS#7 in uki-signed.efi: the certificate table (DataDirectory[4] at 0x128) + 8.
    static func pkcs7Offset(_ bytes: [UInt8]) -> Int {
        Int(bytes[0x128]) | Int(bytes[0x129]) << 8 | Int(bytes[0x12A]) << 16 | Int(bytes[0x12B]) << 24 + 8
    }

    @Test(arguments: [0, 35])
    func verifyRejectsWhatEDK2Rejects(byte: Int) throws {
        let directory = try TemporaryDirectory()
        var bytes = try readBytes(TestPaths.fixture("uki-signed.efi"))
        bytes[Self.pkcs7Offset(bytes) + byte] ^= 0x01
        let path = try directory.write("damaged.efi", bytes)
        let result = try run(TestPaths.ukify, ["verify", "--cert", TestPaths.fixture("db.crt"), path])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("problem:"), "\(result.stdout)")
    }

    @Test func signingRefusesAPKCS7FirmwareCannotRead() throws {
        let directory = try TemporaryDirectory()
        let many = Array(repeating: "--addcert=\(TestPaths.fixture("db.crt"))", count: 80)
        let result = try ukifySign(TestPaths.fixture("uki-unsigned.efi"), output: directory.file("x.efi"), many)
        #expect(result.status == 65 && result.stderr.contains("EDK2"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("x.efi")))
    }

    @Test func absurdInputsAreErrorsNotTraps() throws {
        let directory = try TemporaryDirectory()
        let epoch = try ukifySign(
            TestPaths.fixture("uki-unsigned.efi"), output: directory.file("x.efi"), ["--signing-time"],
            environment: ["SOURCE_DATE_EPOCH": "-9223372036854775808"])
        #expect(epoch.status == 65 && epoch.stderr.contains("UTCTime"), "\(epoch.stderr)")
        let validity = try run(
            TestPaths.ukify,
            [
                "genkey", "--secureboot-private-key=\(directory.file("k"))",
                "--secureboot-certificate=\(directory.file("c"))",
                "--secureboot-certificate-validity=200000000000000",
            ])
        #expect(validity.status == 64)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
