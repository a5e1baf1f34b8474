import Foundation
import TestSupport
import Testing

/// Server-side signatures: `ukify build --export-signatures` with the keys on a "server", the same
/// inputs rebuilt with `--import-signatures` and no keys on a "client" give the same bytes, and a
/// bundle for other inputs is refused, naming what differs, with nothing written.
@Suite struct SignatureBundleTests {
    static let keys = TestPaths.fixture("measure")
    static let secureBoot = [
        "--secureboot-private-key=\(TestPaths.fixture("db.key"))",
        "--secureboot-certificate=\(TestPaths.fixture("db.crt"))",
    ]
    static let pcrSigning = ["--pcr-private-key=\(keys)/pcr-priv.pem", "--pcr-banks=sha256,sha384"]

    struct Inputs {
        let directory: TemporaryDirectory
        let kernel: String
        let initrd: String

        init() throws {
            directory = try TemporaryDirectory()
            kernel = try TestPaths.debianKernel().vmlinuz
            initrd = try directory.write("initrd", (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        }

        func arguments(cmdline: String = "quiet", initrd: String? = nil, stub: String? = nil) -> [String] {
            [
                "--linux=\(kernel)", "--initrd=\(initrd ?? self.initrd)", "--cmdline=\(cmdline)",
                "--os-release=ID=bundle", "--uname=6.1.0-test", "--stub=\(stub ?? TestPaths.systemd257.linuxStub)",
            ]
        }

        func build(_ output: String, _ arguments: [String]) throws -> ProcessResult {
            try run(TestPaths.ukify, ["build", "--output=\(directory.file(output))"] + arguments)
        }
    }

    /// Builds with `signing` and exports, rebuilds without keys and imports: the same bytes.
    static func roundTrip(_ inputs: Inputs, _ extra: [String], signing: [String]) throws {
        let server = try inputs.build(
            "server.efi",
            inputs.arguments() + extra + signing + ["--export-signatures=\(inputs.directory.file("sigs.json"))"])
        #expect(server.status == 0, "\(server.stderr)")
        let client = try inputs.build(
            "client.efi", inputs.arguments() + extra + ["--import-signatures=\(inputs.directory.file("sigs.json"))"])
        #expect(client.status == 0, "\(client.stderr)")
        #expect(
            try readBytes(inputs.directory.file("client.efi")) == (try readBytes(inputs.directory.file("server.efi"))))
    }

    static func bundle(_ inputs: Inputs) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try readBytes(inputs.directory.file("sigs.json"))))
            as? [String: Any]
            ?? [:]
    }

    @Test func aSecureBootSignedUKI() throws {
        let inputs = try Inputs()
        try Self.roundTrip(inputs, [], signing: Self.secureBoot)
        let bundle = try Self.bundle(inputs)
        #expect(bundle["format"] as? String == "bootchain-signatures" && bundle["version"] as? Int == 1)
        #expect(bundle["uki"] != nil && bundle["kernel"] == nil && bundle["pcr"] == nil)
        let verified = try run(
            "sbverify", ["--cert", TestPaths.fixture("db.crt"), inputs.directory.file("client.efi")])
        #expect(verified.status == 0, "\(verified.stderr)")
    }

    @Test func aKernelSignedOnTheWayIn() throws {
        let inputs = try Inputs()
        try Self.roundTrip(inputs, [], signing: Self.secureBoot + ["--sign-kernel"])
        let kernel = try #require(try Self.bundle(inputs)["kernel"] as? [String: Any])
        #expect(kernel["algorithm"] as? String == "sha256" && (kernel["digest"] as? String)?.count == 64)
    }

    @Test func pcrSignaturesWithAndWithoutSecureBoot() throws {
        let inputs = try Inputs()
        try Self.roundTrip(inputs, ["--phases=enter-initrd"], signing: Self.pcrSigning)
        let pcr = try #require(try Self.bundle(inputs)["pcr"] as? [String: Any])
        let profiles = try #require(pcr["profiles"] as? [[String: Any]])
        #expect(profiles.count == 1 && (profiles[0]["values"] as? [Any])?.count == 2)
        #expect((pcr["publicKey"] as? String)?.hasPrefix("-----BEGIN PUBLIC KEY-----") == true)
        try Self.roundTrip(inputs, [], signing: Self.pcrSigning + Self.secureBoot)
    }

    @Test func aThreeProfileUKI() throws {
        let inputs = try Inputs()
        var joined: [String] = []
        for number in 1...2 {
            let profile = try inputs.build(
                "p\(number).efi",
                [
                    "--stub=\(TestPaths.systemd257.addonStub)", "--profile=ID=p\(number)",
                    "--cmdline=profile=\(number)",
                ])
            #expect(profile.status == 0, "\(profile.stderr)")
            joined.append("--join-profile=\(inputs.directory.file("p\(number).efi"))")
        }
        try Self.roundTrip(inputs, ["--profile=ID=p0"] + joined, signing: Self.pcrSigning + Self.secureBoot)
        let pcr = try #require(try Self.bundle(inputs)["pcr"] as? [String: Any])
        #expect((pcr["profiles"] as? [Any])?.count == 3)
    }

    /// A bundle for other inputs: each refusal names what differs, exits 65, and writes nothing.
    @Test func aBundleForOtherInputsIsRefused() throws {
        let inputs = try Inputs()
        let bundle = inputs.directory.file("sigs.json")
        let server = try inputs.build(
            "server.efi", inputs.arguments() + Self.secureBoot + Self.pcrSigning + ["--export-signatures=\(bundle)"])
        #expect(server.status == 0, "\(server.stderr)")
        var changed = try readBytes(inputs.initrd)
        changed[1234] ^= 1
        let changedInitrd = try inputs.directory.write("changed-initrd", changed)
        let cases: [([String], String)] = [
            (inputs.arguments(initrd: changedInitrd), "the .pcrsig of profile 0 signs PCR 11"),
            (inputs.arguments(cmdline: "quiet splash"), "the .pcrsig of profile 0 signs PCR 11"),
            (inputs.arguments(stub: TestPaths.linuxStub(254)), "profile 0"),
        ]
        for (arguments, mention) in cases {
            let client = try inputs.build("client.efi", arguments + ["--import-signatures=\(bundle)"])
            #expect(client.status == 65, "\(client.stderr)")
            #expect(client.stderr.contains(bundle) && client.stderr.contains(mention), "\(client.stderr)")
            #expect(!FileManager.default.fileExists(atPath: inputs.directory.file("client.efi")))
        }
        // Without PCR signatures the UKI's own digest is what differs; the output is never left behind.
        let plain = try inputs.build(
            "plain.efi", inputs.arguments() + Self.secureBoot + ["--export-signatures=\(bundle)"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let client = try inputs.build(
            "client.efi", inputs.arguments(initrd: changedInitrd) + ["--import-signatures=\(bundle)"])
        #expect(client.status == 65, "\(client.stderr)")
        #expect(client.stderr.contains("the uki signature covers sha256:"), "\(client.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: inputs.directory.path)
        #expect(!left.contains { $0.contains("client") }, "\(left)")

        let keysToo = try inputs.build(
            "client.efi", inputs.arguments() + Self.secureBoot + ["--import-signatures=\(bundle)"])
        #expect(keysToo.status == 64, "\(keysToo.stderr)")
        let future = try inputs.directory.write(
            "future.json", #"{"format": "bootchain-signatures", "version": 2}"#)
        let unknown = try inputs.build("client.efi", inputs.arguments() + ["--import-signatures=\(future)"])
        #expect(unknown.status == 65 && unknown.stderr.contains("version 2 is not supported"), "\(unknown.stderr)")
    }
}
