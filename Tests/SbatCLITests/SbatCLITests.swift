import Foundation
import TestSupport
import Testing

/// Debian's signed shim and GRUB, systemd-boot and a UKI of ours (packages from install-deps.sh).
enum RealBinaries {
    static let shim = "/usr/lib/shim/shimx64.efi.signed"
    static let grub = "/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed"
    static let systemdBoot = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"

    /// A UKI built by our ukify from Debian's kernel (whose own .sbat is checked too).
    static func uki(in directory: TemporaryDirectory) throws -> String {
        let kernel = try TestPaths.debianKernel()
        let output = directory.file("debian.efi")
        let built = try run(
            TestPaths.ukify, ["build", "--linux=\(kernel.vmlinuz)", "--os-release=ID=test", "-o", output])
        #expect(built.status == 0, "\(built.stderr)")
        return output
    }
}

@Suite struct SbatCheckTests {
    /// Expected from reading the levels: Debian's shim is shim,4 (no level asks for more than 4),
    /// GRUB is grub,5 / grub.debian,5 (levels ask at most grub 5, grub.debian 4), systemd-boot and
    /// the stub are systemd,1 (never revoked), Debian's kernel carries no revoked row. So every
    /// level shim ships allows all four.
    @Test(arguments: [
        "2021030218", "2022052400", "2022111500", "2023012900", "2023012950", "2023091900", "2024010900",
        "2024040900", "2025021800", "2025051000", "automatic", "previous", "latest",
    ])
    func realBinariesUnderEveryShimLevel(policy: String) throws {
        let directory = try TemporaryDirectory()
        let files = [
            RealBinaries.shim, RealBinaries.grub, RealBinaries.systemdBoot, try RealBinaries.uki(in: directory),
        ]
        let result = try run(TestPaths.sbat, ["check", "--policy=\(policy)"] + files)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").count == 4)
        #expect(result.stdout.split(separator: "\n").allSatisfy { $0.contains(": allowed by SbatLevel") })
    }

    /// Levels written here revoke exactly the rows they name, with shim's reason.
    @Test(arguments: [
        ("grub,6", RealBinaries.grub, "grub generation 5 < 6"),
        ("grub.debian12,2", RealBinaries.grub, "grub.debian12 generation 1 < 2"),
        ("shim,5", RealBinaries.shim, "shim generation 4 < 5"),
        ("shim.debian,2", RealBinaries.shim, "shim.debian generation 1 < 2"),
        ("systemd,2", RealBinaries.systemdBoot, "systemd generation 1 < 2"),
    ])
    func revocations(row: String, file: String, reason: String) throws {
        let directory = try TemporaryDirectory()
        let level = try directory.write("level", "sbat,1,2099010100\n\(row)\n")
        let result = try run(TestPaths.sbat, ["check", "--level=\(level)", file])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout == "\(file): revoked by \(level): \(reason)\n")
        let others = [RealBinaries.shim, RealBinaries.grub, RealBinaries.systemdBoot].filter { $0 != file }
        #expect(try run(TestPaths.sbat, ["check", "--level=\(level)"] + others).status == 0)
    }

    /// A UKI is revoked through its own rows or through its embedded kernel's.
    @Test func ukiAndItsKernel() throws {
        let directory = try TemporaryDirectory()
        let uki = try RealBinaries.uki(in: directory)
        let shown = try run(TestPaths.sbat, ["show", uki])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("\n  uki,1,UKI,uki,1,"))
        let level = try directory.write("level", "sbat,1,2099010100\nuki,2\n")
        let revoked = try run(TestPaths.sbat, ["check", "--level=\(level)", "--json=short", uki])
        #expect(revoked.status == 1)
        #expect(revoked.stdout.contains("\"verdict\":\"revoked\",\"component\":\"uki\",\"generation\":1,\"minimum\":2"))
    }

    /// `--live` reads SbatLevelRT as shim left it (the fixture is a real shim boot's variable).
    @Test func liveLevelFromEfivars() throws {
        let directory = try TemporaryDirectory()
        let name = "SbatLevelRT-605dab50-e046-4300-abb6-3dd810dd8b23"
        _ = try directory.write(name, try readBytes(TestPaths.fixture("sbat/\(name)")))
        let result = try run(TestPaths.sbat, ["check", "--live", "--efivars=\(directory.path)", RealBinaries.grub])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "\(RealBinaries.grub): allowed by SbatLevelRT 2021030218\n")
    }

    @Test func showJSON() throws {
        let result = try run(TestPaths.sbat, ["show", "--json=short", RealBinaries.shim])
        #expect(result.status == 0)
        #expect(
            result.stdout.contains(
                "{\"component_name\":\"shim\",\"component_generation\":\"4\",\"vendor_name\":\"UEFI shim\","))
    }
}

@Suite struct SbatToolTests {
    @Test func lintNamesLines() throws {
        let directory = try TemporaryDirectory()
        let csv = try directory.write(
            "bad.csv", "sbat,1,SBAT Version,sbat,1,https://x\r\n\r\ngrub,3x,GNU,grub,2,https://y\nshim,1,a\n")
        let result = try run(TestPaths.sbat, ["lint", csv])
        #expect(result.status == 1)
        #expect(
            result.stdout == """
                \(csv): line 3: generation '3x' is not a number; shim reads it as 3
                \(csv): line 4: 3 of 6 columns (shim rejects the image)

                """)
        #expect(try run(TestPaths.sbat, ["lint", RealBinaries.grub]).status == 0)
        #expect(try run(TestPaths.sbat, ["lint", TestPaths.fixture("sbat.csv")]).status == 0)
    }

    @Test func levelCompareNeverDowngrades() throws {
        let down = try run(TestPaths.sbat, ["level", "compare", "latest", "automatic"])
        #expect(down.status == 0)
        #expect(down.stdout.contains("newer: A\n") && down.stdout.contains("refused, shim keeps A"))
        let up = try run(TestPaths.sbat, ["level", "compare", "2021030218", "automatic"])
        #expect(up.stdout.contains("newer: B\n") && up.stdout.contains("allowed, shim replaces A with B"))
        let shown = try run(TestPaths.sbat, ["level", "show", "latest"])
        #expect(
            shown.stdout == "SbatLevel 2025051000\n  shim < 4 revoked\n  grub < 5 revoked\n  grub.proxmox < 2 revoked\n"
        )
    }

    /// An ESP with shim as the fallback loader and GRUB: a level revoking both leaves nothing.
    @Test func espCheckWarnsWhenNothingWouldBoot() throws {
        let directory = try TemporaryDirectory()
        let esp = directory.file("esp")
        try FileManager.default.createDirectory(atPath: esp + "/EFI/BOOT", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: esp + "/EFI/debian", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RealBinaries.shim, toPath: esp + "/EFI/BOOT/BOOTX64.EFI")
        try FileManager.default.copyItem(atPath: RealBinaries.grub, toPath: esp + "/EFI/debian/grubx64.efi")
        _ = try directory.write("esp/EFI/debian/notes.efi", "not a PE")
        let fine = try run(TestPaths.sbat, ["esp-check", "--esp=\(esp)", "--policy=latest"])
        #expect(fine.status == 0, "\(fine.stderr)")
        #expect(fine.stdout.contains("\(esp)/EFI/BOOT/BOOTX64.EFI: allowed\n"))
        let level = try directory.write("level", "sbat,1,2099010100\nshim,5\ngrub,6\n")
        let dead = try run(TestPaths.sbat, ["esp-check", "--esp=\(esp)", "--level=\(level)"])
        #expect(dead.status == 1)
        #expect(dead.stdout.contains("\(esp)/EFI/debian/grubx64.efi: revoked: grub generation 5 < 6\n"))
        #expect(dead.stderr.contains("would boot nothing"))
    }

    /// Bad input: one line naming the file, an exit code other than 1 ("revoked").
    @Test func badInput() throws {
        let directory = try TemporaryDirectory()
        let noSBAT = directory.file("nosbat.efi")
        #expect(try run("objcopy", ["-R", ".sbat", TestPaths.fixture("linuxx64.efi.stub"), noSBAT]).status == 0)
        let notLevel = try directory.write("notlevel", "grub,4\n")
        let empty = directory.file("empty")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        for (arguments, code, mention) in [
            (["check", noSBAT], Int32(65), noSBAT),
            (["check", "--level=\(notLevel)", RealBinaries.grub], 65, notLevel),
            (["check", "--live", "--efivars=/nonexistent", RealBinaries.grub], 66, "/nonexistent"),
            (["check", "--live", "--efivars=\(directory.path)", RealBinaries.grub], 66, "SbatLevelRT"),
            (["check", "--policy=newest", RealBinaries.grub], 64, "newest"),
            (["show", TestPaths.fixture("os-release")], 65, "os-release"),
            (["esp-check", "--esp=\(empty)"], 65, "no EFI binaries"),
            (["esp-check", "--esp=/nonexistent"], 66, "/nonexistent"),
        ] {
            let result = try run(TestPaths.sbat, arguments)
            #expect(result.status == code, "\(arguments): \(result.stderr)")
            #expect(
                result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(mention), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
    }

    /// `ukify build --sbat` refuses SBAT text shim would reject, and warns about misreadings.
    @Test func ukifyValidatesWhatItEmbeds() throws {
        let directory = try TemporaryDirectory()
        let base = [
            "build", "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))", "--linux=\(TestPaths.fixture("linux.bin"))",
            "--uname=1", "--os-release=ID=x",
        ]
        let rejected = try run(
            TestPaths.ukify,
            base + ["--sbat=sbat,1,SBAT Version,sbat,1,https://x\nmine,1,Me", "-o", directory.file("a.efi")])
        #expect(rejected.status == 65)
        #expect(rejected.stderr.contains("3 of 6 SBAT columns"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("a.efi")))
        let warned = try run(
            TestPaths.ukify,
            base + [
                "--sbat=sbat,1,SBAT Version,sbat,1,https://x\nmine,1x,Me,me,1,https://me", "-o",
                directory.file("b.efi"),
            ])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains("generation '1x' is not a number"))
    }
}
