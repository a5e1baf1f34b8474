import Foundation
import TestSupport
import Testing

/// `measure` next to Debian 13's systemd-measure 257 (scripts/fetch-systemd.sh), and next to
/// Debian 12's systemd-measure 252 where 252 has the options: the same status, stdout and stderr on
/// random section contents.
@Suite struct SystemdMeasure257Tests {
    static let fixtures = TestPaths.fixture("measure")
    /// The PCR key; systemd-measure 257 warns on stderr when others can read the file (git checks
    /// it out 0644), and so do we.
    static let key = "--private-key=\(fixtures)/pcr-priv.pem"

    /// The PCR key copied with mode 0600 (no warning), as `--private-key=`.
    static func privateKey(in directory: TemporaryDirectory) throws -> String {
        let path = try directory.write("pcr-priv.pem", try readBytes("\(fixtures)/pcr-priv.pem"))
        guard chmod(path, 0o600) == 0 else { throw TestFailure("chmod \(path)") }
        return "--private-key=\(path)"
    }

    /// Every section file systemd-measure 257 takes except --dtbauto and --hwids (which 257 swaps:
    /// ``dtbautoAndHwidsAreSwappedBy257()``).
    static let sectionsOf257 =
        MeasureCompatibilityTests.sectionsOf252 + [("ucode", 70001), ("uname", 14), ("sbat", 99), ("profile", 12)]

    /// Option combinations of `calculate`, each also run by 252 when `in252`.
    static let calculateModes: [(options: [String], in252: Bool)] = [
        ([], true), (["--json=short"], true), (["--json=pretty"], true), (["-j"], true), (["--json=off"], true),
        (["--phase=:", "--phase=enter-initrd:leave-initrd", "--phase=::sysinit:"], true),
        (["--bank=SHA2-256", "--bank=sha-384", "--bank=SHA256", "--json=short"], true),
        (["--bank=SHA1", "--no-pager", "--tpm2-device=auto"], true),
        (["--phase=enter-initrd", "--bank=sha512", "--json=pretty", "--no-pager"], true),
    ]

    /// systemd 257 unpacked by scripts/fetch-systemd.sh (a test fails when it is missing).
    static func systemd257() throws -> TestPaths.Systemd257 {
        try TestPaths.systemd257.check()
        return TestPaths.systemd257
    }

    static func expectSame(
        _ ours: ProcessResult, _ theirs: ProcessResult, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(theirs.status == 0, "\(label): \(theirs.stderr)", sourceLocation: sourceLocation)
        #expect(ours.status == theirs.status, "\(label): \(ours.stderr)", sourceLocation: sourceLocation)
        #expect(ours.stdoutBytes == theirs.stdoutBytes, "\(label)", sourceLocation: sourceLocation)
        #expect(ours.stderr == theirs.stderr, "\(label)", sourceLocation: sourceLocation)
    }

    @Test(arguments: calculateModes.indices)
    func calculateMatches(mode: Int) throws {
        let (options, in252) = Self.calculateModes[mode]
        let directory = try TemporaryDirectory()
        let all = ["calculate"] + (try Self.randomFiles(in: directory, seed: UInt64(100 + mode))) + options
        Self.expectSame(
            try run(TestPaths.measure, all), try run(try Self.systemd257().systemdMeasure, all), "257 \(options)"
        )
        guard in252 else { return }
        let old =
            ["calculate"]
            + (try MeasureCompatibilityTests.randomSections(in: directory, seed: UInt64(200 + mode))) + options
        Self.expectSame(try run(TestPaths.measure, old), try run(TestPaths.systemdMeasure, old), "252 \(options)")
    }

    static func randomFiles(in directory: TemporaryDirectory, seed: UInt64) throws -> [String] {
        try MeasureCompatibilityTests.randomSections(in: directory, seed: seed, sizes: sectionsOf257)
    }

    /// A certificate for the PCR key and a document to --append to with a key systemd-measure does
    /// not know, an entry of its own and a bank the new signatures do not use.
    static func signingFiles(in directory: TemporaryDirectory) throws -> (certificate: String, document: String) {
        let certificate = directory.file("pcr.crt")
        try check(
            run(
                "openssl",
                [
                    "req", "-new", "-x509", "-key", "\(fixtures)/pcr-priv.pem", "-subj", "/CN=PCR", "-days", "3650",
                    "-out", certificate,
                ]))
        let document = try directory.write(
            "existing.json",
            #"{"comment":{"by":"hand","n":[1,2]},"sha256":[{"pcrs":[11],"pkfp":"00","pol":"11","sig":"AAAA"}],"#
                + #""sha1":[]}"#)
        return (certificate, document)
    }

    /// `sign` with an RSA key on the sha256 bank (systemd-measure 257 signs a bank with its own
    /// hash, so only sha256 is comparable): the same document, byte for byte.
    @Test(arguments: [
        [], ["--json=off"], ["--json=short"], ["--json=pretty"], ["-j"], ["--public-key=\(fixtures)/pcr-pub.pem"],
        ["CERTIFICATE"], ["CERTIFICATE", "--certificate-source=file"], ["APPEND"], ["APPEND", "--json=off"],
        ["--phase=:", "--phase=sysinit", "--private-key-source=file", "--no-pager"], ["KEY-0600"],
    ])
    func signMatches(options: [String]) throws {
        let directory = try TemporaryDirectory()
        let (certificate, document) = try Self.signingFiles(in: directory)
        let key = options.contains("KEY-0600") ? try Self.privateKey(in: directory) : Self.key
        let resolved = options.compactMap {
            switch $0 {
            case "CERTIFICATE": "--certificate=\(certificate)"
            case "APPEND": "--append=\(document)"
            case "KEY-0600": nil
            default: $0
            }
        }
        let arguments = ["sign"] + (try Self.randomFiles(in: directory, seed: 300)) + ["--bank=sha256", key] + resolved
        Self.expectSame(
            try run(TestPaths.measure, arguments), try run(try Self.systemd257().systemdMeasure, arguments),
            "\(options)")
    }

    /// `policy-digest` (ours only) states exactly the policies systemd-measure 257 signs.
    @Test func policyDigestMatchesWhat257Signs() throws {
        let directory = try TemporaryDirectory()
        let sections = try Self.randomFiles(in: directory, seed: 400)
        let common = sections + ["--bank=sha256", "--phase=enter-initrd", "--phase=:", "--json=short"]
        let ours = try run(
            TestPaths.measure, ["policy-digest", "--public-key=\(Self.fixtures)/pcr-pub.pem"] + common)
        let theirs = try run(
            try Self.systemd257().systemdMeasure, ["sign", Self.key] + common)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let digests = try MeasureCompatibilityTests.entries(Data(ours.stdout.utf8))["sha256"] ?? []
        let signed = try MeasureCompatibilityTests.entries(Data(theirs.stdout.utf8))["sha256"] ?? []
        #expect(digests.count == 2)
        #expect(digests.map { $0["pol"] } == signed.map { $0["pol"] })
        #expect(digests.map { $0["pkfp"] } == signed.map { $0["pkfp"] })
        #expect(digests.map { $0["tbs"] } == signed.map { $0["pol"] })
    }

    /// `--current` on swtpm: PCR 11 extended with tpm2-tools by the stub's measurements of a random
    /// kernel (digests by sha256sum) reads back as 257's value right after the stub, and the phases
    /// on top of it predict what 257 predicts for that kernel.
    @Test func currentStartsFromTheTPM() throws {
        let swtpm = try SoftwareTPM()
        let directory = try TemporaryDirectory()
        let linux = try directory.write("linux", (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
        let name = try directory.write("name", Array(".linux".utf8) + [0])
        for file in [name, linux] {
            let digest = try run("sha256sum", [file])
            try check(digest)
            let hex = String(digest.stdout.prefix(64))
            try check(run("tpm2_pcrextend", ["-T", swtpm.tcti, "11:sha256=\(hex)"]))
        }
        let measure257 = try Self.systemd257().systemdMeasure
        let tpm = "--tpm2-device=\(swtpm.tcti)"
        let afterStub = try run(
            measure257, ["calculate", "--linux=\(linux)", "--bank=sha256", "--phase=:", "--json=short"])
        let status = try run(TestPaths.measure, ["status", tpm, "--bank=sha256", "--json=short"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout == afterStub.stdout)

        let key = try Self.privateKey(in: directory)
        for (verb, options) in [("calculate", ["--json=short"]), ("calculate", []), ("sign", [key, "--json=short"])] {
            let ours = try run(TestPaths.measure, [verb, "-c", tpm, "--bank=sha256"] + options)
            let theirs = try run(measure257, [verb, "--linux=\(linux)", "--bank=sha256"] + options)
            Self.expectSame(ours, theirs, "\(verb) \(options)")
        }
        let missing = try run(TestPaths.measure, ["calculate", "--current", "--tpm2-device=swtpm:path=/nonexistent"])
        #expect(missing.status == 69)
        let mixed = try run(TestPaths.measure, ["calculate", "--current", "--linux=\(linux)"])
        #expect(mixed.status == 64)
        #expect(mixed.stderr.contains("--current"))
    }

    /// systemd-measure 257 measures the --dtbauto= file as .hwids and the --hwids= file as .dtbauto
    /// (its option table is out of step with its section table; fixed in 258). We measure what
    /// systemd-stub measures, so our values equal 257's with the two files exchanged.
    @Test func dtbautoAndHwidsAreSwappedBy257() throws {
        let directory = try TemporaryDirectory()
        let sections = try Self.randomFiles(in: directory, seed: 500)
        let dtb = try directory.write("dtb-auto", Array(repeating: 0xD0, count: 300))
        let hwids = try directory.write("hwids", Array(repeating: 0x1D, count: 200))
        let ours = try run(
            TestPaths.measure, ["calculate"] + sections + ["--dtbauto=\(dtb)", "--hwids=\(hwids)", "--json=short"])
        let theirs = try run(
            try Self.systemd257().systemdMeasure,
            ["calculate"] + sections + ["--dtbauto=\(hwids)", "--hwids=\(dtb)", "--json=short"])
        Self.expectSame(ours, theirs, "swapped")
        let unswapped = try run(
            try Self.systemd257().systemdMeasure,
            ["calculate"] + sections + ["--dtbauto=\(dtb)", "--hwids=\(hwids)", "--json=short"])
        #expect(unswapped.stdout != ours.stdout)
    }

    /// A UKI built by ukify 257 with three `.dtbauto` candidates: `--uki` predicts one value per
    /// candidate, each what systemd-measure 257 computes from the UKI's sections (dumped by objcopy)
    /// with that candidate (passed as --hwids=, which 257 measures as .dtbauto).
    @Test func ukiWithSeveralDtbautoPredictsEachCandidate() throws {
        let directory = try TemporaryDirectory()
        let files = try MeasureCompatibilityTests.randomSections(
            in: directory, seed: 600, sizes: [("linux", 40000), ("d1", 3000), ("d2", 2000), ("d3", 1000)])
        let path = { (option: String) in String(option.split(separator: "=", maxSplits: 1)[1]) }
        let uki = directory.file("multi.efi")
        try check(
            run(
                try Self.systemd257().ukify,
                [
                    "build", "--linux=\(path(files[0]))", "--stub=\(try Self.systemd257().linuxStub)",
                    "--devicetree-auto=\(path(files[1]))", "--devicetree-auto=\(path(files[2]))",
                    "--devicetree-auto=\(path(files[3]))", "--cmdline=quiet splash", "--uname=6.12.0-test",
                    "--os-release=@\(TestPaths.fixture("os-release"))", "--output=\(uki)",
                ]))
        var sections: [String] = []
        for (name, option) in [
            (".linux", "linux"), (".osrel", "osrel"), (".cmdline", "cmdline"), (".uname", "uname"), (".sbat", "sbat"),
        ] {
            let dump = directory.file("section\(name)")
            try check(run("objcopy", ["--dump-section", "\(name)=\(dump)", uki, directory.file("scratch.efi")]))
            sections.append("--\(option)=\(dump)")
        }
        let ours = try run(TestPaths.measure, ["calculate", "--uki=\(uki)", "--json=short"])
        #expect(ours.status == 0, "\(ours.stderr)")
        var expected: [String: [[String: String]]] = [:]
        for candidate in files[1...3] {
            let theirs = try run(
                try Self.systemd257().systemdMeasure,
                ["calculate"] + sections + ["--hwids=\(path(candidate))", "--json=short"])
            #expect(theirs.status == 0, "\(theirs.stderr)")
            for (bank, entries) in try MeasureCompatibilityTests.entries(Data(theirs.stdout.utf8)) {
                expected[bank, default: []] += entries
            }
        }
        let predicted = try MeasureCompatibilityTests.entries(Data(ours.stdout.utf8))
        #expect(predicted == expected)
        #expect(predicted["sha256"]?.count == 3 * 4)
    }
}
