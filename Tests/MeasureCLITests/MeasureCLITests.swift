import Foundation
import TestSupport
import Testing

/// `measure` against Debian's systemd-measure 252, byte for byte.
@Suite struct MeasureCompatibilityTests {
    static let fixtures = TestPaths.fixture("measure")

    /// The sections systemd-measure 252 takes, with sizes that include empty and multi-MiB files.
    static let sectionsOf252: [(String, Int)] = [
        ("linux", 3 << 20 | 17), ("osrel", 0), ("cmdline", 61), ("initrd", 5 << 20), ("splash", 1),
        ("dtb", 4097), ("pcrpkey", 451),
    ]

    /// Random section files (`--NAME=PATH` options) of the given sizes.
    static func randomSections(
        in directory: TemporaryDirectory, seed: UInt64, sizes: [(String, Int)] = sectionsOf252
    ) throws -> [String] {
        var state = seed
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        return try sizes.map { name, size in
            "--\(name)=" + (try directory.write(name, (0..<size).map { _ in next() }))
        }
    }

    @Test(arguments: [["--json=short"], ["--json=short", "--phase="], ["--json=pretty"], [], ["--phase=:"]])
    func calculateMatchesSystemdMeasure(mode: [String]) throws {
        let directory = try TemporaryDirectory()
        let arguments = ["calculate"] + (try Self.randomSections(in: directory, seed: 42)) + mode
        let ours = try run(TestPaths.measure, arguments)
        let theirs = try run(TestPaths.systemdMeasure, arguments)
        #expect(theirs.status == 0, "\(theirs.stderr)")
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.stdout == theirs.stdout)
        #expect(ours.stderr == theirs.stderr)
    }

    @Test func calculateOfSmallInputsAndBankSelection() throws {
        let arguments = [
            "calculate", "--linux=\(Self.fixtures)/tpmdata1", "--initrd=\(Self.fixtures)/tpmdata2", "--bank=sha384",
            "--bank=SHA1", "--bank=sha384", "--phase=sysinit", "--phase=enter-initrd", "--phase=::enter-initrd:",
            "--phase=ready:final", "--phase=:", "--json=short",
        ]
        let ours = try run(TestPaths.measure, arguments)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.stdout == (try run(TestPaths.systemdMeasure, arguments)).stdout)
    }

    /// A procfs file (size 0 by stat) is measured with its content, as systemd-measure does.
    @Test func procfsSectionFilesAreMeasuredWhole() throws {
        let arguments = [
            "calculate", "--linux=\(Self.fixtures)/tpmdata1", "--cmdline=/proc/sys/kernel/ostype", "--bank=sha256",
            "--phase=", "--json=short",
        ]
        let ours = try run(TestPaths.measure, arguments)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.stdout == (try run(TestPaths.systemdMeasure, arguments)).stdout)
    }

    /// systemd-measure 252 needs a TPM to sign; it runs against swtpm here. Our `sign` needs none.
    @Test(arguments: [[String](), ["--phase="]])
    func signMatchesSystemdMeasureOnSwtpm(phases: [String]) throws {
        let swtpm = try SoftwareTPM()
        let directory = try TemporaryDirectory()
        let arguments =
            ["sign"] + (try Self.randomSections(in: directory, seed: 7)) + phases + [
                "--bank=sha256", "--private-key=\(Self.fixtures)/pcr-priv.pem",
                "--public-key=\(Self.fixtures)/pcr-pub.pem", "--json=pretty",
            ]
        let theirs = try run(TestPaths.systemdMeasure, arguments + ["--tpm2-device=\(swtpm.tcti)"])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let ours = try run(TestPaths.measure, arguments)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.stdout == theirs.stdout)
    }

    /// The golden v252 signatures of the upstream inputs: the sha256 bank (signed with SHA-256 by
    /// v252 too) is reproduced exactly; v252 signed the sha1 bank with SHA-1, we sign it with
    /// SHA-256 (what the TPM verifies), so there only the policy digest must agree.
    @Test(arguments: [("sign-default-phases-v252.json", [String]()), ("sign-phase-none-v252.json", ["--phase="])])
    func signReproducesGoldenEntries(golden: String, phases: [String]) throws {
        let ours = try run(
            TestPaths.measure,
            [
                "sign", "--linux=\(Self.fixtures)/tpmdata1", "--initrd=\(Self.fixtures)/tpmdata2", "--bank=sha1",
                "--bank=sha256", "--private-key=\(Self.fixtures)/pcr-priv.pem", "--json=short",
            ] + phases)
        #expect(ours.status == 0, "\(ours.stderr)")
        let expected = try Self.entries(Data(try readBytes("\(Self.fixtures)/\(golden)")))
        let parsed = try Self.entries(Data(ours.stdout.utf8))
        #expect(parsed["sha256"] == expected["sha256"])
        if let sha1 = expected["sha1"] {
            #expect(parsed["sha1"]?.map { $0["pol"] } == sha1.map { $0["pol"] })
            #expect(parsed["sha1"]?.map { $0["sig"] } != sha1.map { $0["sig"] })
        }
    }

    /// bank → entries with their string fields.
    static func entries(_ json: Data) throws -> [String: [[String: String]]] {
        let object = try JSONSerialization.jsonObject(with: json) as? [String: [[String: Any]]] ?? [:]
        return object.mapValues { $0.map { $0.compactMapValues { $0 as? String } } }
    }

    @Test func appendMergesWithoutDuplicates() throws {
        let directory = try TemporaryDirectory()
        let common = [
            "--linux=\(Self.fixtures)/tpmdata1", "--bank=sha256", "--private-key=\(Self.fixtures)/pcr-priv.pem",
            "--json=short",
        ]
        let first = try run(TestPaths.measure, ["sign", "--phase=enter-initrd"] + common)
        let path = try directory.write("first.json", first.stdout)
        let merged = try run(
            TestPaths.measure, ["sign", "--append=\(path)", "--phase=enter-initrd", "--phase="] + common)
        #expect(merged.status == 0, "\(merged.stderr)")
        let entries = (try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as! [String: [Any]])["sha256"]!
        #expect(entries.count == 2)
        #expect(merged.stdout.hasPrefix(String(first.stdout.dropLast(3))))
    }

    @Test func statusReadsTheTPM() throws {
        let swtpm = try SoftwareTPM()
        let ours = try run(
            TestPaths.measure, ["status", "--tpm2-device=\(swtpm.tcti)", "--bank=sha256", "--json=short"])
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.stdout == "{\"sha256\":[{\"pcr\":11,\"hash\":\"\(String(repeating: "0", count: 64))\"}]}\n")
        // All four banks by default; swtpm allocates some of them, and the others are left out.
        let all = try run(TestPaths.measure, ["status", "--tpm2-device=\(swtpm.tcti)"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("11:sha256=\(String(repeating: "0", count: 64))\n"))
    }
}

/// Bad input: one line on stderr, a non-zero exit, nothing on stdout.
@Suite struct MeasureBadInputTests {
    static let fixtures = TestPaths.fixture("measure")
    static let linux = "--linux=\(fixtures)/tpmdata1"

    @Test(arguments: [
        (["calculate", linux, "--bank=md5"], Int32(64), "md5"),
        (["calculate", linux, "--phase=enter-initrd:bogus"], 64, "bogus"),
        (["calculate"], 64, "--linux"),
        (["calculate", "--uki=\(TestPaths.fixture("linuxx64.efi.stub"))"], 65, "no .linux"),
        (["calculate", "--linux=/nonexistent/vmlinuz"], 66, "/nonexistent/vmlinuz"),
        (
            ["sign", linux, "--private-key=\(fixtures)/pcr-priv.pem", "--public-key=\(fixtures)/test-tpm2-rsa.pem"], 65,
            "does not belong"
        ),
        (["sign", linux, "--private-key=\(fixtures)/pcr-priv.pem", "--append=\(fixtures)/tpmdata1"], 65, "tpmdata1"),
        (["sign", linux, "--private-key=\(fixtures)/tpmdata2"], 65, "tpmdata2"),
        (["sign", linux], 64, "--private-key"),
        (["status", "--tpm2-device=swtpm:path=/nonexistent/sock"], 69, "/nonexistent/sock"),
    ])
    func refused(arguments: [String], exitCode: Int32, mention: String) throws {
        let result = try run(TestPaths.measure, arguments)
        #expect(result.status == exitCode, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count >= 1 && lines.contains { $0.contains(mention) }, "\(result.stderr)")
    }

    /// A key type a TPM policy cannot use (Ed25519) is refused.
    @Test func ed25519KeyIsRefused() throws {
        let directory = try TemporaryDirectory()
        let key = directory.file("ed.pem")
        #expect(try run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", key]).status == 0)
        let result = try run(TestPaths.measure, ["sign", Self.linux, "--private-key=\(key)"])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }
}
