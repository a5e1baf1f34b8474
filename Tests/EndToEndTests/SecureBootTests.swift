import Foundation
import TestSupport
import Testing

/// Secure Boot in real firmware: keys made in the test and enrolled offline (virt-fw-vars) into a
/// copy of OVMF_VARS_4M.fd, booted with OVMF_CODE_4M.secboot.fd. Our signed UKI boots and the guest
/// sees SecureBoot=1; unsigned, wrongly signed and tampered ones are refused.
@Suite(.serialized) struct SecureBootTests {
    struct Keys {
        let directory: TemporaryDirectory
        let vars: String

        /// `extraDB`: more certificates to enroll in db.
        init(_ directory: TemporaryDirectory, extraDB: [String] = []) throws {
            self.directory = directory
            for name in ["pk", "kek", "db", "other"] {
                try check(
                    run(
                        "openssl",
                        [
                            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=bootchain test \(name)",
                            "-days", "3650",
                            "-keyout", directory.file("\(name).key"), "-out", directory.file("\(name).crt"),
                        ]))
            }
            vars = directory.file("secureboot-vars.fd")
            let owner = UUID().uuidString.lowercased()
            try check(
                run(
                    "virt-fw-vars",
                    [
                        "--input", FirmwareVM.ovmfVars, "--output", vars, "--set-pk", owner, directory.file("pk.crt"),
                        "--add-kek", owner, directory.file("kek.crt"), "--add-db", owner, directory.file("db.crt"),
                        "--secure-boot",
                    ] + extraDB.flatMap { ["--add-db", owner, $0] }))
        }

        func signingArguments(_ name: String) -> [String] {
            [
                "--secureboot-private-key=\(directory.file("\(name).key"))",
                "--secureboot-certificate=\(directory.file("\(name).crt"))",
            ]
        }
    }

    func buildUKI(
        _ directory: TemporaryDirectory, marker: String, name: String, _ extra: [String],
        environment: [String: String]? = nil
    ) throws -> String {
        let kernel = try TestPaths.debianKernel()
        let initrd = try makeBusyboxInitrd(in: directory, marker: marker)
        let uki = directory.file(name)
        let result = try run(
            TestPaths.ukify,
            [
                "build", "--linux=\(kernel.vmlinuz)", "--initrd=\(initrd)", "--cmdline=console=ttyS0 panic=-1",
                "--os-release=ID=bootchain-test", "-o", uki,
            ] + extra, environment: environment)
        try check(result)
        return uki
    }

    func boot(_ uki: String, keys: Keys, in directory: TemporaryDirectory) throws -> String {
        let vm = FirmwareVM(directory: directory)
        return try vm.boot(esp: try vm.makeESP(uki: uki), secureBootVars: keys.vars)
    }

    @Test func signedUKIBootsWithSecureBootEnforcing() throws {
        let directory = try TemporaryDirectory()
        let keys = try Keys(directory)
        let marker = "BOOTCHAIN-SB-\(UInt32.random(in: 0...UInt32.max))"
        let uki = try buildUKI(directory, marker: marker, name: "signed.efi", keys.signingArguments("db"))
        let log = try boot(uki, keys: keys, in: directory)
        #expect(log.contains(marker), "serial log:\n\(log)")
        #expect(reported("SECUREBOOT", in: log) == "1")
        #expect(
            reported("LOCKDOWN", in: log)?.contains("[integrity]") == true, "\(reported("LOCKDOWN", in: log) ?? "")")
    }

    /// A build server's TPM-resident key: made inside swtpm through Debian's tpm2-openssl provider
    /// (the key file holds only the TPM's wrapped blob), used with `--signing-provider=tpm2`. The
    /// UKI passes sbverify and boots with Secure Boot enforcing.
    @Test func ukiSignedByAKeyInsideATPMBoots() throws {
        let directory = try TemporaryDirectory()
        let swtpm = try SoftwareTPM()
        let environment = ["TPM2OPENSSL_TCTI": swtpm.tcti]
        let key = directory.file("tpm-db.key")
        let certificate = directory.file("tpm-db.crt")
        try check(
            run(
                "openssl", ["genpkey", "-provider", "tpm2", "-algorithm", "RSA", "-pkeyopt", "bits:2048", "-out", key],
                environment: environment))
        #expect(try String(decoding: readBytes(key), as: UTF8.self).hasPrefix("-----BEGIN TSS2 PRIVATE KEY-----"))
        try check(
            run(
                "openssl",
                [
                    "req", "-provider", "tpm2", "-provider", "default", "-new", "-x509", "-key", key,
                    "-subj", "/CN=bootchain TPM-resident db", "-days", "3650", "-out", certificate,
                ], environment: environment))
        let keys = try Keys(directory, extraDB: [certificate])
        let marker = "BOOTCHAIN-SB-TPM-\(UInt32.random(in: 0...UInt32.max))"
        let uki = try buildUKI(
            directory, marker: marker, name: "tpm-signed.efi",
            ["--signing-provider=tpm2", "--secureboot-private-key=\(key)", "--secureboot-certificate=\(certificate)"],
            environment: environment)
        let verified = try run("sbverify", ["--cert", certificate, uki])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        let log = try boot(uki, keys: keys, in: directory)
        #expect(log.contains(marker), "serial log:\n\(log)")
        #expect(reported("SECUREBOOT", in: log) == "1")
    }

    /// Server-side signatures: a server with the keys builds a Secure Boot and PCR-signed UKI and
    /// exports its signatures; a client without keys rebuilds the same inputs with them into the
    /// same bytes, which boot with Secure Boot enforcing, and the PCR 11 the guest reads has a signed
    /// policy in the UKI.
    @Test func aUKIRebuiltFromExportedSignaturesBoots() throws {
        let directory = try TemporaryDirectory()
        let keys = try Keys(directory)
        let marker = "BOOTCHAIN-SB-IMPORT-\(UInt32.random(in: 0...UInt32.max))"
        let bundle = directory.file("signatures.json")
        let inputs = [
            "build", "--linux=\(try TestPaths.debianKernel().vmlinuz)",
            "--initrd=\(try makeBusyboxInitrd(in: directory, marker: marker))", "--cmdline=console=ttyS0 panic=-1",
            "--os-release=ID=bootchain-test", "--pcr-banks=sha256",
        ]
        let server = directory.file("server.efi")
        try check(
            run(
                TestPaths.ukify,
                inputs + keys.signingArguments("db") + [
                    "--pcr-private-key=\(TestPaths.fixture("measure"))/pcr-priv.pem", "--phases=: enter-initrd",
                    "--export-signatures=\(bundle)", "-o", server,
                ]))
        let client = directory.file("client.efi")
        let rebuilt = try run(TestPaths.ukify, inputs + ["--import-signatures=\(bundle)", "-o", client])
        #expect(rebuilt.status == 0, "\(rebuilt.stderr)")
        #expect(try readBytes(client) == (try readBytes(server)))
        let log = try boot(client, keys: keys, in: directory)
        #expect(log.contains(marker), "serial log:\n\(log)")
        #expect(reported("SECUREBOOT", in: log) == "1")
        let policy = try run(
            TestPaths.measure, ["policy-digest", "--uki=\(client)", "--bank=sha256", "--phase=", "--json=short"])
        let predicted = try run(TestPaths.measure, ["calculate", "--uki=\(client)", "--bank=sha256", "--phase="])
        #expect(reported("PCR11", in: log).map { "11:sha256=\($0.lowercased())\n" } == predicted.stdout)
        let pol = try #require(policy.stdout.firstMatch(of: /"pol":"([0-9a-f]+)"/)?.output.1)
        let inspect = try run(TestPaths.ukify, ["inspect", client, "--section=.pcrsig:text", "--json=short"])
        #expect(inspect.stdout.contains(String(pol)), "\(inspect.stdout)")
    }

    enum Refused: String, CaseIterable, Sendable {
        case unsigned, signedByAnotherKey, changedAfterSigning
    }

    @Test(arguments: Refused.allCases)
    func firmwareRefuses(refused: Refused) throws {
        let directory = try TemporaryDirectory()
        let keys = try Keys(directory)
        let marker = "BOOTCHAIN-SB-\(UInt32.random(in: 0...UInt32.max))"
        var uki: String
        switch refused {
        case .unsigned:
            uki = try buildUKI(directory, marker: marker, name: "uki.efi", [])
        case .signedByAnotherKey:
            uki = try buildUKI(directory, marker: marker, name: "uki.efi", keys.signingArguments("other"))
        case .changedAfterSigning:
            let signed = try buildUKI(directory, marker: marker, name: "signed.efi", keys.signingArguments("db"))
            var bytes = try readBytes(signed)
            let cmdline = try run(TestPaths.ukify, ["inspect", "--json=short", "--section=.cmdline", signed])
            #expect(cmdline.status == 0)
            // Change the last byte of the .cmdline text ("1" of panic=-1 becomes "2").
            guard let index = bytes.indices.first(where: { bytes[$0...].starts(with: Array("panic=-1".utf8)) }) else {
                throw TestFailure("no cmdline bytes in \(signed)")
            }
            bytes[index + 7] = UInt8(ascii: "2")
            uki = try directory.write("tampered.efi", bytes)
        }
        let log = try boot(uki, keys: keys, in: directory)
        #expect(!log.contains(marker), "the firmware booted a \(refused) UKI")
        #expect(FirmwareVM.refusals.contains(where: log.contains), "no refusal in the serial log:\n\(log)")
    }
}
