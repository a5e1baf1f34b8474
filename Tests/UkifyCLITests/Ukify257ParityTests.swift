import Foundation
import TestSupport
import Testing

/// Our `ukify build` next to systemd 257's own ukify (Debian 13's, with its systemd-measure as
/// the PCR signer) on the same inputs: the outputs are byte-identical but for the PE CheckSum,
/// which ukify leaves 0 and we fill in.
@Suite struct Ukify257ParityTests {
    static let keys = TestPaths.fixture("measure")

    /// The file with its CheckSum field (optional header offset 64) zeroed.
    static func withoutChecksum(_ path: String) throws -> [UInt8] {
        var bytes = try readBytes(path)
        let peHeader = Int(bytes[0x3C]) | Int(bytes[0x3D]) << 8 | Int(bytes[0x3E]) << 16 | Int(bytes[0x3F]) << 24
        let checksum = peHeader + 4 + 20 + 64
        bytes.replaceSubrange(checksum..<checksum + 4, with: [0, 0, 0, 0])
        return bytes
    }

    /// Runs ukify 257 and ours with `arguments` (each writes `name` into its own directory) and
    /// expects the same bytes.
    static func expectIdentical(
        _ arguments: (String) -> [String], name: String, in directory: TemporaryDirectory
    ) throws {
        let systemd = TestPaths.systemd257
        try systemd.check()
        for side in ["257", "ours"] {
            try FileManager.default.createDirectory(atPath: directory.file(side), withIntermediateDirectories: true)
        }
        let theirs = try run(systemd.ukify, ["build", "--tools=\(systemd.tools)"] + arguments(directory.file("257")))
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let ours = try run(TestPaths.ukify, ["build"] + arguments(directory.file("ours")))
        #expect(ours.status == 0, "\(ours.stderr)")
        let mine = try withoutChecksum(directory.file("ours/\(name)"))
        let reference = try readBytes(directory.file("257/\(name)"))
        #expect(mine.count == reference.count, "\(name): \(mine.count) vs \(reference.count) bytes")
        #expect(
            mine == reference,
            "\(name) differs from ukify 257's at byte \(mine.indices.first { mine[$0] != reference[$0] } ?? -1)")
    }

    /// `ukify inspect --json=short` of ukify 257 and ours describe `path` alike; ours adds only
    /// `_profiles`.
    static func expectSameInspection(_ path: String) throws {
        let theirs = try run(TestPaths.systemd257.ukify, ["inspect", path, "--json=short"])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let ours = try run(TestPaths.ukify, ["inspect", path, "--json=short"])
        #expect(ours.status == 0, "\(ours.stderr)")
        let reference = try JSONSerialization.jsonObject(with: Data(theirs.stdout.utf8)) as? NSDictionary
        var mine = try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? [String: Any] ?? [:]
        mine["_profiles"] = nil
        #expect(reference == (mine as NSDictionary), "\(path): \(ours.stdout) vs \(theirs.stdout)")
        // Keys in the same order: compare the key sequence of the text.
        let keyPattern = /"(\.[a-z]+)": \{/
        let keys = { (text: String) in text.matches(of: keyPattern).map { String($0.output.1) } }
        #expect(keys(ours.stdout).filter { $0 != "_profiles" } == keys(theirs.stdout))
    }

    static func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

    /// On the stubs of systemd 254 and 257 (252: below). 254's stub has room for fewer section
    /// headers, and ukify 257 wants a free one even for the `.sbat` it writes over the stub's: no
    /// `.hwids` or extra section there.
    @Test(arguments: [254, 257])
    func aUKIWithEveryKindOfInputIsIdenticalToUkify257s(stubVersion: Int) throws {
        let stub = TestPaths.linuxStub(stubVersion)
        guard FileManager.default.fileExists(atPath: stub) else {
            throw TestFailure("no systemd \(stubVersion) stub at \(stub): run scripts/fetch-systemd.sh")
        }
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let initrds = try (1...3).map { try directory.write("initrd\($0)", Self.random(Int.random(in: 1...5000))) }
        let microcode = try directory.write("ucode", Self.random(777))
        let devicetree = try directory.write("dtb", Self.random(301))
        let auto1 = try directory.write("auto1.dtb", Self.random(90))
        let auto2 = try directory.write("auto2.dtb", Self.random(91))
        let osRelease = try directory.write("os-release", "ID=parity\nVERSION_ID=\(Int.random(in: 1...99))\n")
        let hwids = directory.file("hwids")
        try FileManager.default.createDirectory(atPath: hwids + "/sub", withIntermediateDirectories: true)
        _ = try directory.write(
            "hwids/b.json",
            #"{"name": "Board B", "compatible": "vendor,b", "hwids": ["2f4c6b1d-89a1-5d1e-8b6e-6a6c2f0b1e42", "0a4c6b1d-89a1-5d1e-8b6e-6a6c2f0b1e42"]}"#
        )
        _ = try directory.write(
            "hwids/sub/a.json",
            #"{"name": "Board A", "compatible": "vendor,a", "hwids": ["{9d9c1b7e-4e2f-5f0a-9a1c-3d2e1f0a9b8c}"]}"#)
        let newerInputs = stubVersion >= 257 ? ["--hwids=\(hwids)", "--section=.extra:some text"] : []
        try Self.expectIdentical(
            { output in
                [
                    "--linux=\(kernel.vmlinuz)", "--stub=\(stub)",
                    "--uname=\(kernel.release)",
                    "--microcode=\(microcode)", "--cmdline=console=ttyS0  quiet", "--os-release=@\(osRelease)",
                    "--devicetree=\(devicetree)", "--devicetree-auto=\(auto1)", "--devicetree-auto=\(auto2)",
                    "--pcrpkey=\(Self.keys)/pcr-pub.pem",
                    "--sbat=sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\nparity,1,P,parity,1,https://example.org\n",
                    "--output=\(output)/uki.efi",
                ] + initrds.map { "--initrd=\($0)" } + newerInputs
            }, name: "uki.efi", in: directory)
    }

    /// Several `.dtbauto` candidates: the stub measures the one matching the hardware, so the
    /// `.pcrsig` signs the PCR 11 of each (one systemd-measure run per candidate, combined), as
    /// ukify 257 does. But systemd-measure 257 measures its `--dtbauto=` file as `.hwids` (fixed in
    /// 258), so ukify 257's signatures are for values no stub produces; ours equal systemd-measure
    /// 257's when each candidate is passed as `--hwids=`, which it measures as `.dtbauto`.
    @Test func aPCRSignedUKIWithDevicetreeCandidatesSignsWhatTheStubMeasures() throws {
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let candidates = try (1...3).map { try directory.write("auto\($0).dtb", Self.random(64 + $0)) }
        let uki = directory.file("uki.efi")
        let built = try run(
            TestPaths.ukify,
            [
                "build", "--linux=\(kernel.vmlinuz)", "--stub=\(TestPaths.systemd257.linuxStub)",
                "--uname=\(kernel.release)", "--cmdline=quiet", "--os-release=ID=parity",
                "--pcr-private-key=\(Self.keys)/pcr-priv.pem", "--pcr-public-key=\(Self.keys)/pcr-pub.pem",
                "--pcr-banks=sha256", "--output=\(uki)",
            ] + candidates.map { "--devicetree-auto=\($0)" })
        #expect(built.status == 0, "\(built.stderr)")
        // The measured sections, dumped by pefile, and the .pcrsig.
        let script = """
            import pefile, sys
            pe = pefile.PE(sys.argv[1], fast_load=True)
            for s in pe.sections:
                name = s.Name.rstrip(b"\\0").decode()
                if name in (".linux", ".osrel", ".cmdline", ".uname", ".sbat", ".pcrpkey", ".pcrsig"):
                    open(sys.argv[2] + "/section" + name, "wb").write(s.get_data()[:s.Misc_VirtualSize])
            """
        try check(run("/usr/bin/python3", ["-c", script, uki, directory.path]))
        var expected: [[String: Any]] = []
        for candidate in candidates {
            let signed = try run(
                TestPaths.systemd257.systemdMeasure,
                ["sign", "--hwids=\(candidate)", "--bank=sha256", "--json=short"]
                    + ["linux", "osrel", "cmdline", "uname", "sbat", "pcrpkey"].map {
                        "--\($0)=\(directory.file("section.\($0)"))"
                    }
                    + ["--private-key=\(Self.keys)/pcr-priv.pem", "--public-key=\(Self.keys)/pcr-pub.pem"])
            #expect(signed.status == 0, "\(signed.stderr)")
            let document =
                try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: [[String: Any]]]
            expected += document?["sha256"] ?? []
        }
        let ours =
            try JSONSerialization.jsonObject(with: Data(try readBytes(directory.file("section.pcrsig"))))
            as? [String: [[String: Any]]]
        #expect(expected.count == 12)
        #expect((ours?["sha256"] ?? []) as NSArray == expected as NSArray)
    }

    /// On systemd 252's stub the merged `.sbat` does not fit the 256 bytes between the stub's
    /// `.sbat` and `.sdmagic` in memory. ukify 257 writes it over the stub's anyway (it checks only
    /// the file space), so the two sections overlap once loaded; we append it as a new section. Every
    /// section's content is the same in both.
    @Test func onSystemd252sStubTheMergedSBATIsAppendedWhereUkifyOverlapsTheNextSection() throws {
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let initrd = try directory.write("initrd", Self.random(1001))
        let systemd = TestPaths.systemd257
        try systemd.check()
        let arguments = [
            "--linux=\(kernel.vmlinuz)", "--stub=\(TestPaths.linuxStub(252))", "--uname=\(kernel.release)",
            "--initrd=\(initrd)", "--cmdline=quiet", "--os-release=ID=parity",
        ]
        let theirs = try run(systemd.ukify, ["build", "--output=\(directory.file("257.efi"))"] + arguments)
        #expect(theirs.status == 0, "\(theirs.stderr)")
        let ours = try run(TestPaths.ukify, ["build", "--output=\(directory.file("ours.efi"))"] + arguments)
        #expect(ours.status == 0, "\(ours.stderr)")
        let script = """
            import hashlib, pefile, sys
            pe = pefile.PE(sys.argv[1], fast_load=True)
            sections = sorted(pe.sections, key=lambda s: s.VirtualAddress)
            overlaps = [a.Name.rstrip(b"\\0").decode() for a, b in zip(sections, sections[1:])
                        if a.VirtualAddress + a.Misc_VirtualSize > b.VirtualAddress]
            print("overlapping:", overlaps)
            for s in sorted(pe.sections, key=lambda s: s.Name):
                print(s.Name.rstrip(b"\\0").decode(), hashlib.sha256(s.get_data()[:s.Misc_VirtualSize]).hexdigest())
            """
        let reference = try run("/usr/bin/python3", ["-c", script, directory.file("257.efi")])
        let mine = try run("/usr/bin/python3", ["-c", script, directory.file("ours.efi")])
        #expect(reference.stdout.hasPrefix("overlapping: ['.sbat']\n"), "\(reference.stdout)\(reference.stderr)")
        #expect(mine.stdout.hasPrefix("overlapping: []\n"), "\(mine.stdout)\(mine.stderr)")
        #expect(mine.stdout.split(separator: "\n").dropFirst() == reference.stdout.split(separator: "\n").dropFirst())
    }

    /// The policies of every `.pcrsig` of a UKI, in table order: per section, bank → policies.
    static func signedPolicies(_ path: String) throws -> String {
        let script = """
            import json, pefile, sys
            pe = pefile.PE(sys.argv[1], fast_load=True)
            for s in pe.sections:
                if s.Name.rstrip(b"\\0") == b".pcrsig":
                    doc = json.loads(s.get_data()[:s.Misc_VirtualSize])
                    print({bank: [e["pol"] for e in entries] for bank, entries in doc.items()})
            """
        let result = try run("/usr/bin/python3", ["-c", script, path])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    /// Profile PEs, and a three-profile UKI whose every profile carries its own PCR signatures, as
    /// ukify 257 lays them out and systemd-measure 257 signs them. With ukify 257's default banks
    /// (all four) the policies are the same, but systemd-measure 257 signs the sha1, sha384 and
    /// sha512 banks' policies with those hashes, which systemd's unlock path does not verify; ours
    /// signs every bank with SHA-256, so only sha256-bank signatures are compared byte for byte.
    @Test func aSignedThreeProfileUKIIsIdenticalToUkify257s() throws {
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let initrd = try directory.write("initrd", Self.random(4099))
        for (name, cmdline) in [("one", "profile=one"), ("two", "profile=two quiet")] {
            try Self.expectIdentical(
                { output in
                    [
                        "--stub=\(TestPaths.systemd257.addonStub)", "--profile=ID=\(name)\nTITLE=Profile \(name)",
                        "--cmdline=\(cmdline)", "--output=\(output)/\(name).efi",
                    ]
                }, name: "\(name).efi", in: directory)
        }
        func joined(banks: String?) -> (String) -> [String] {
            { output in
                [
                    "--linux=\(kernel.vmlinuz)", "--stub=\(TestPaths.systemd257.linuxStub)",
                    "--uname=\(kernel.release)",
                    "--initrd=\(initrd)", "--cmdline=base", "--os-release=ID=parity", "--profile=ID=main",
                    "--join-profile=\(output)/one.efi", "--join-profile=\(output)/two.efi",
                    "--pcr-private-key=\(Self.keys)/pcr-priv.pem", "--pcr-public-key=\(Self.keys)/pcr-pub.pem",
                    "--output=\(output)/\(banks ?? "default").efi",
                ] + (banks.map { ["--pcr-banks=\($0)"] } ?? [])
            }
        }
        try Self.expectIdentical(joined(banks: "sha256"), name: "sha256.efi", in: directory)
        let systemd = TestPaths.systemd257
        #expect(
            try run(systemd.ukify, ["build", "--tools=\(systemd.tools)"] + joined(banks: nil)(directory.file("257")))
                .status == 0)
        #expect(try run(TestPaths.ukify, ["build"] + joined(banks: nil)(directory.file("ours"))).status == 0)
        let policies = try Self.signedPolicies(directory.file("ours/default.efi"))
        #expect(policies.split(separator: "\n").count == 3)
        #expect(policies.contains("'sha1'") && policies.contains("'sha512'"))
        #expect(policies == (try Self.signedPolicies(directory.file("257/default.efi"))))
    }
}
