import Foundation
import TestSupport
import Testing

@Suite struct GenKeyCLITests {
    @Test func generatesKeysThatSignAndRefusesToOverwrite() throws {
        let directory = try TemporaryDirectory()
        let key = directory.file("db.key")
        let certificate = directory.file("db.crt")
        let result = try run(
            TestPaths.ukify,
            [
                "genkey", "--secureboot-private-key=\(key)", "--secureboot-certificate=\(certificate)",
                "--secureboot-certificate-cn=bootchain genkey test", "--pcr-private-key=\(directory.file("pcr.key"))",
                "--pcr-public-key=\(directory.file("pcr.pub"))",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let pcrAttributes = try FileManager.default.attributesOfItem(atPath: directory.file("pcr.key"))
        #expect((pcrAttributes[.posixPermissions] as? Int) == 0o600)
        let x509 = try run(
            "openssl", ["x509", "-in", certificate, "-noout", "-subject", "-ext", "basicConstraints", "-text"])
        #expect(x509.stdout.contains("CN = bootchain genkey test") && x509.stdout.contains("CA:FALSE"))
        #expect(x509.stdout.contains("Public-Key: (2048 bit)") && x509.stdout.contains("sha256WithRSAEncryption"))
        let publicKey = try run("openssl", ["pkey", "-pubin", "-in", directory.file("pcr.pub"), "-noout", "-text"])
        #expect(publicKey.status == 0 && publicKey.stdout.contains("2048 bit"))

        let signed = directory.file("signed.efi")
        #expect(
            try ukifySign(TestPaths.fixture("uki-unsigned.efi"), output: signed, key: key, certificate: certificate)
                .status == 0)
        #expect(try run("sbverify", ["--cert", certificate, signed]).status == 0)

        let before = try readBytes(key)
        let again = try run(
            TestPaths.ukify,
            ["genkey", "--secureboot-private-key=\(key)", "--secureboot-certificate=\(directory.file("new.crt"))"])
        #expect(again.status == 65 && again.stderr.contains("refusing to overwrite"))
        #expect(try readBytes(key) == before)
        #expect(!FileManager.default.fileExists(atPath: directory.file("new.crt")))
    }
}

/// A SoftHSM2 token in a test directory with a 2048-bit RSA key pair generated inside it (id 01).
struct SoftHSMToken {
    static let modules = ["/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/lib/softhsm/libsofthsm2.so"]
    let module: String
    let pin = "1234"
    /// SOFTHSM2_CONF for the token, PKCS11_MODULE_PATH for OpenSSL's pkcs11 engine.
    let environment: [String: String]
    /// The private key's PKCS#11 URI, PIN included.
    let uri: String

    init(in directory: TemporaryDirectory, label: String, keyLabel: String) throws {
        guard let module = Self.modules.first(where: FileManager.default.fileExists) else {
            throw TestFailure("libsofthsm2.so not found: install softhsm2")
        }
        self.module = module
        try FileManager.default.createDirectory(atPath: directory.file("tokens"), withIntermediateDirectories: true)
        let config = try directory.write("softhsm2.conf", "directories.tokendir = \(directory.file("tokens"))\n")
        environment = ["SOFTHSM2_CONF": config, "PKCS11_MODULE_PATH": module]
        try check(
            run(
                "softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", "5678"],
                environment: environment))
        try check(
            run(
                "pkcs11-tool",
                [
                    "--module", module, "--login", "--pin", pin, "--keypairgen", "--key-type", "rsa:2048", "--id", "01",
                    "--label", keyLabel, "--token-label", label,
                ], environment: environment))
        uri = "pkcs11:token=\(label);object=\(keyLabel);type=private;pin-value=\(pin)"
    }
}

/// A key that never leaves a PKCS#11 token (SoftHSM2) signs through OpenSSL's pkcs11 engine.
@Suite struct HSMSigningCLITests {
    @Test func softHSMKeySignsAUKIThatSbverifyAccepts() throws {
        let directory = try TemporaryDirectory()
        let token = try SoftHSMToken(in: directory, label: "bootchain", keyLabel: "sbkey")
        let environment = token.environment
        let uri = token.uri
        let certificate = directory.file("hsm.crt")
        try check(
            run(
                "openssl",
                [
                    "req", "-new", "-x509", "-engine", "pkcs11", "-keyform", "engine", "-key", uri, "-subj",
                    "/CN=bootchain HSM",
                    "-days", "30", "-out", certificate,
                ], environment: environment))
        let signed = directory.file("signed.efi")
        let sign = try run(
            TestPaths.ukify,
            [
                "sign", "--signing-engine=pkcs11", "--secureboot-private-key=\(uri)",
                "--secureboot-certificate=\(certificate)",
                "-o", signed, TestPaths.fixture("uki-unsigned.efi"),
            ], environment: environment)
        #expect(sign.status == 0, "\(sign.stderr)")
        #expect(try run("sbverify", ["--cert", certificate, signed]).status == 0)
        #expect(try run(TestPaths.ukify, ["verify", "--cert", certificate, signed]).status == 0)

        // A key the token does not hold: the error names the URI without its PIN.
        let missing = "pkcs11:token=bootchain;object=nokey;type=private;pin-value=1234"
        let refused = try run(
            TestPaths.ukify,
            [
                "sign", "--signing-engine=pkcs11", "--secureboot-private-key=\(missing)",
                "--secureboot-certificate=\(certificate)", "-o", directory.file("no.efi"),
                TestPaths.fixture("uki-unsigned.efi"),
            ], environment: environment)
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("pin-value=***") && !refused.stderr.contains("1234"), "\(refused.stderr)")
    }
}
