import Foundation
import JSON
import TestSupport
import Testing

/// bootctl's ESP verbs: `add` against efibootmgr's own output, systemd-boot loader variables,
/// boot counting and A/B slots on staged directories, and bad input.
@Suite struct BootctlESPCLITests {
    static let efibootmgrCreated = "efi/efivarfs-efibootmgr-created"

    /// The disk of the efibootmgr vector (disk-layout.txt): two GPT partitions, same PARTUUIDs.
    static func vectorDisk(_ directory: TemporaryDirectory) throws -> String {
        let disk = directory.file("disk.img")
        let layout = """
            label: gpt
            label-id: 11111111-2222-3333-4444-555555555555
            start=2048, size=1048576, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=2f4a8e1c-6b3d-4c1e-9a7f-0123456789ab, name="esp_a"
            start=1050624, size=1048576, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=9c1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5, name="esp_b"
            """
        try makeGPTImage(disk, size: "1100M", layout: layout)
        return disk
    }

    /// `efibootmgr -c -d /dev/loop0 -p 1|2 …` (efibootmgr 17, the vector) and our `add --disk`
    /// write the same bytes: Boot0000, Boot0001 (with `-u` load options) and BootOrder.
    @Test func addWritesWhatEfibootmgrWrites() throws {
        let directory = try TemporaryDirectory()
        let disk = try Self.vectorDisk(directory)
        let vars = directory.file("vars")
        try FileManager.default.createDirectory(atPath: vars, withIntermediateDirectories: true)
        let a = try BootctlCLITests.bootctl([
            "add", "--efivars=\(vars)", "--disk=\(disk)", "--part=1", "--label=Linux A",
            "--loader=\\EFI\\Linux\\os-a.efi",
        ])
        #expect(a.stdout == "Boot0000\n", "\(a.stderr)")
        let b = try BootctlCLITests.bootctl([
            "add", "--efivars=\(vars)", "--disk=\(disk)", "--part=2", "--label=Linux B",
            "--loader=/EFI/Linux/os-b.efi", "--args=root=PARTLABEL=root_b",
        ])
        #expect(b.stdout == "Boot0001\n", "\(b.stderr)")
        let listed = try BootctlCLITests.bootctl(["list", "--efivars=\(vars)"]).stdout
        #expect(listed.hasSuffix("/\\EFI\\Linux\\os-b.efi args \"root=PARTLABEL=root_b\"\n"), "\(listed)")
        let names = try FileManager.default.contentsOfDirectory(atPath: vars).sorted()
        #expect(names.count == 3)
        for name in names {
            #expect(
                try readBytes("\(vars)/\(name)")
                    == (try readBytes(TestPaths.fixture("\(Self.efibootmgrCreated)/\(name)"))), "\(name)")
        }
    }

    /// set-default / set-oneshot write what the vector's systemd variables hold; "" removes them.
    @Test func loaderEntryVariables() throws {
        let directory = try TemporaryDirectory()
        let efivars = "--efivars=\(directory.path)"
        #expect(try BootctlCLITests.bootctl(["set-default", efivars, "os-a.conf"]).status == 0)
        #expect(try BootctlCLITests.bootctl(["set-oneshot", efivars, "os-b+3-0.conf"]).status == 0)
        for name in ["LoaderEntryDefault", "LoaderEntryOneShot"] {
            let file = "\(name)-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
            #expect(try readBytes(directory.file(file)) == (try readBytes(TestPaths.fixture("efi/efivarfs/\(file)"))))
        }
        let listed = try BootctlCLITests.bootctl(["list", efivars, "--json=short"])
        #expect(
            listed.stdout.contains(
                "\"loader\":{\"LoaderEntryDefault\":\"os-a.conf\",\"LoaderEntryOneShot\":\"os-b+3-0.conf\"}"),
            "\(listed.stdout)")
        #expect(try BootctlCLITests.bootctl(["set-oneshot", efivars, ""]).status == 0)
        #expect(
            !FileManager.default.fileExists(
                atPath: directory.file("LoaderEntryOneShot-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f")))
    }

    /// install --tries, the systemd-boot rename (played by the test), status, mark-good, mark-bad,
    /// cleanup, with LoaderBootCountPath in a variable directory.
    @Test func bootCountingFlow() throws {
        let directory = try TemporaryDirectory()
        let esp = directory.file("esp")
        let vars = directory.file("vars")
        for path in [esp, vars] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let options = ["--esp=\(esp)", "--staged", "--efivars=\(vars)"]
        let uki = TestPaths.fixture("uki-unsigned.efi")
        let installed = try BootctlCLITests.bootctl(["install", uki, "--name=os-1", "--tries=3"] + options)
        #expect(installed.stdout == "EFI/Linux/os-1+3-0.efi\n", "\(installed.stderr)")
        #expect(
            try BootctlCLITests.bootctl(["install", uki, "--name=os-0"] + options).stdout == "EFI/Linux/os-0.efi\n")
        // systemd-boot boots os-1: renames it and sets LoaderBootCountPath.
        try FileManager.default.moveItem(
            atPath: "\(esp)/EFI/Linux/os-1+3-0.efi", toPath: "\(esp)/EFI/Linux/os-1+2-1.efi")
        let bootCountPath = "\\EFI\\Linux\\os-1+2-1.efi"
        _ = try directory.write(
            "vars/LoaderBootCountPath-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f",
            [6, 0, 0, 0] + bootCountPath.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + [0, 0])
        let status = try BootctlCLITests.bootctl(["list", "--json=short"] + options)
        #expect(status.stdout.contains("\"assessment\":\"indeterminate\""), "\(status.stdout)")
        #expect(
            status.stdout.contains(
                "\"id\":\"os-1+2-1.efi\",\"profile\":0,\"path\":\"EFI/Linux/os-1+2-1.efi\",\"type\":\"type2\",\"title\":\"Test OS 1\",\"version\":\"1\",\"sort_key\":\"testos\",\"tries_left\":2,\"tries_done\":1,\"bad\":false,\"booted\":true"
            ), "\(status.stdout)")
        let text = try BootctlCLITests.bootctl(["status"] + options)
        #expect(
            text.stdout.contains(
                "ESP: \(esp) (this boot: indeterminate)\n  EFI/Linux/os-1+2-1.efi\tTest OS 1 1 tries left 2, done 1 (booted)\n  EFI/Linux/os-0.efi\tTest OS 1 1\n"
            ), "\(text.stdout)")

        #expect(try BootctlCLITests.bootctl(["mark-bad"] + options).stdout == "EFI/Linux/os-1+0-1.efi\n")
        #expect(try BootctlCLITests.bootctl(["mark-good"] + options).stdout == "EFI/Linux/os-1.efi\n")
        let again = try BootctlCLITests.bootctl(["mark-good"] + options)
        #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.contains("already marked good"))
        // Cleanup never removes the booted entry: keeping 1 removes os-0 only.
        #expect(try BootctlCLITests.bootctl(["cleanup", "--keep=1"] + options).stdout == "EFI/Linux/os-0.efi\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(esp)/EFI/Linux") == ["os-1.efi"])
        let replace = try BootctlCLITests.bootctl(["install", uki, "--name=os-1", "--tries=3"] + options)
        #expect(replace.status == 65 && replace.stderr.contains("this system booted"), "\(replace.stderr)")
    }

    /// A 3-profile UKI built by our ukify lists as systemd-boot 257 lists it (`boot_entry_add_type2`,
    /// `boot_entry_compare`): profile 0 with its TITLE= and the plain file ID; profile 1 titled by its
    /// ID= and suffixed `@debug`; profile 2 (its own .osrel, a .profile without ID= or TITLE=) as
    /// "Profile #3" and `@2`. The profiles keep their file's place between other.efi and alpha.efi
    /// (IDs newest first: "other" > "multi" > "alpha"); a UKI whose profile 0 has no name in its
    /// .osrel lists only profile 1, still numbered 1.
    @Test func multiProfileUKIsListOneEntryPerProfile() throws {
        let directory = try TemporaryDirectory()
        let linux = "\(directory.path)/esp/EFI/Linux"
        let vars = directory.file("vars")
        for path in [linux, vars] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        func ukify(_ arguments: [String]) throws {
            try check(run(TestPaths.ukify, ["build", "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))"] + arguments))
        }
        try ukify(["--profile=ID=debug", "--cmdline=debug", "-o", directory.file("debug.efi")])
        try ukify([
            "--profile=NOTE=neither ID nor TITLE",
            "--os-release=ID=testos\nVERSION_ID=1\nPRETTY_NAME=\"Test OS rescue\"",
            "--cmdline=rescue", "-o", directory.file("rescue.efi"),
        ])
        let kernel = ["--linux=\(TestPaths.fixture("linux.bin"))", "--uname=6.1"]
        try ukify(
            kernel + [
                "--os-release=@\(TestPaths.fixture("os-release"))", "--profile=ID=main\nTITLE=Main boot",
                "--join-profile=\(directory.file("debug.efi"))", "--join-profile=\(directory.file("rescue.efi"))",
                "-o", "\(linux)/Multi+3-0.efi",
            ])
        try ukify(
            kernel + [
                "--os-release=VERSION_ID=1", "--profile=ID=nameless", "--join-profile=\(directory.file("rescue.efi"))",
                "-o", "\(linux)/nameless.efi",
            ])
        for name in ["other.efi", "alpha.efi"] {
            try FileManager.default.copyItem(atPath: TestPaths.fixture("uki-unsigned.efi"), toPath: "\(linux)/\(name)")
        }
        let options = ["--efivars=\(vars)", "--esp=\(directory.path)/esp", "--staged"]
        let text = try BootctlCLITests.bootctl(["status"] + options)
        #expect(
            text.stdout == """
                ESP: \(directory.path)/esp (this boot: clean)
                  EFI/Linux/other.efi\tTest OS 1 1
                  EFI/Linux/nameless.efi (nameless.efi@1)\tTest OS rescue (Profile #2) 1
                  EFI/Linux/Multi+3-0.efi\tTest OS 1 (Main boot) 1 tries left 3, done 0
                  EFI/Linux/Multi+3-0.efi (multi+3-0.efi@debug)\tTest OS 1 (debug) 1 tries left 3, done 0
                  EFI/Linux/Multi+3-0.efi (multi+3-0.efi@2)\tTest OS rescue (Profile #3) 1 tries left 3, done 0
                  EFI/Linux/alpha.efi\tTest OS 1 1

                """, "\(text.stderr)")
        let json = try JSONValue(
            parsing: Array(try BootctlCLITests.bootctl(["status", "--json=short"] + options).stdout.utf8))
        let entries = json["esp"]?["entries"]?.arrayValue ?? []
        #expect(
            entries.map { "\($0["id"]?.stringValue ?? "?") \($0["profile"]?.integerValue ?? -1)" } == [
                "other.efi 0", "nameless.efi@1 1", "multi+3-0.efi 0", "multi+3-0.efi@debug 1", "multi+3-0.efi@2 2",
                "alpha.efi 0",
            ])
        // systemd-boot matches LoaderEntryDefault against these IDs; a glob with `@` is stored as given.
        #expect(try BootctlCLITests.bootctl(["set-default", "--efivars=\(vars)", "multi*@debug"]).status == 0)
        let loader = try BootctlCLITests.bootctl(["status", "--json=short"] + options).stdout
        #expect(loader.contains("\"loader\":{\"LoaderEntryDefault\":\"multi*@debug\"}"), "\(loader)")
    }

    @Test func slotStatusAndVerdictsOffline() throws {
        let directory = try TemporaryDirectory()
        let disk = try Self.vectorDisk(directory)
        let esp = directory.file("esp")
        let vars = directory.file("vars")
        for path in [esp, vars] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let options = [
            "--esp=\(esp)", "--staged", "--disk=\(disk)", "--part=1", "--efivars=\(vars)", "--name=os", "--label=Linux",
        ]
        let uki = TestPaths.fixture("uki-unsigned.efi")
        // The first install is a trial too; once it has booted (BootCurrent) it is marked good.
        let first = try BootctlCLITests.bootctl(["slot", "install", uki] + options)
        #expect(first.stdout == "Boot0000\n" && first.stderr.contains("(slot A); it boots once"), "\(first.stderr)")
        #expect(try BootctlCLITests.bootctl(["list", "--efivars=\(vars)"]).stdout.hasPrefix("BootNext: 0000\n"))
        try BootctlCLITests.firmwareBoots(0, vars: vars)
        #expect(try BootctlCLITests.bootctl(["slot", "mark-good", "--if-booted"] + options).stdout == "a\n")
        // From here on the store is looked at offline: nothing is booted.
        try FileManager.default.removeItem(atPath: "\(vars)/BootCurrent-8be4df61-93ca-11d2-aa0d-00e098032b8c")
        let second = try BootctlCLITests.bootctl(["slot", "install", uki] + options)
        #expect(second.stdout == "Boot0001\n")
        #expect(second.stderr.contains("EFI/Linux/os-b.efi (slot B); it boots once at the next start (BootNext)"))
        let status = try BootctlCLITests.bootctl(["slot", "status"] + options)
        #expect(
            status.stdout
                == "A: EFI/Linux/os-a.efi\tBoot0000, BootOrder #1, primary\nB: EFI/Linux/os-b.efi\tBoot0001, not in BootOrder, trial armed (BootNext)\n"
        )
        let early = try BootctlCLITests.bootctl(["slot", "mark-good", "--slot=b"] + options)
        #expect(early.status == 65 && early.stderr == "bootctl: slot B's trial boot has not run yet (it is BootNext)\n")
        let unnamed = try BootctlCLITests.bootctl(["slot", "mark-good"] + options)
        #expect(unnamed.status == 64 && unnamed.stderr.contains("--slot"))
        // What bootchain-mark-good.service runs on every boot: nothing when no slot is booted.
        let unbooted = try BootctlCLITests.bootctl(["slot", "mark-good", "--if-booted"] + options)
        #expect(unbooted.status == 0 && unbooted.stdout.isEmpty && unbooted.stderr.contains("no slot is booted"))
        #expect(try BootctlCLITests.bootctl(["slot", "status"] + options).stdout == status.stdout)
        #expect(try BootctlCLITests.bootctl(["slot", "mark-bad", "--slot=b"] + options).stdout == "b\n")
        let listed = try BootctlCLITests.bootctl(["list", "--efivars=\(vars)"])
        #expect(
            listed.stdout.hasPrefix(
                "BootOrder: 0000\nBoot0000* Linux A\tHD(1,GPT,2F4A8E1C-6B3D-4C1E-9A7F-0123456789AB,0x800,0x100000)/\\EFI\\Linux\\os-a.efi\n"
            ), "\(listed.stdout)")
    }

    /// `--esp-b/--part-b`: slot B on the disk's second partition, its entry naming that partition.
    @Test func slotsOnTwoPartitions() throws {
        let directory = try TemporaryDirectory()
        let disk = try Self.vectorDisk(directory)
        let (espA, espB, vars) = (directory.file("a"), directory.file("b"), directory.file("vars"))
        for path in [espA, espB, vars] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let options = [
            "--esp=\(espA)", "--staged", "--disk=\(disk)", "--part=1", "--esp-b=\(espB)", "--part-b=2",
            "--efivars=\(vars)",
        ]
        let uki = TestPaths.fixture("uki-unsigned.efi")
        #expect(try BootctlCLITests.bootctl(["slot", "install", uki] + options).stdout == "Boot0000\n")
        try BootctlCLITests.firmwareBoots(0, vars: vars)
        #expect(try BootctlCLITests.bootctl(["slot", "mark-good"] + options).stdout == "a\n")
        #expect(try BootctlCLITests.bootctl(["slot", "install", uki] + options).stdout == "Boot0001\n")
        #expect(FileManager.default.fileExists(atPath: "\(espB)/EFI/Linux/os-b.efi"))
        let listed = try BootctlCLITests.bootctl(["list", "--efivars=\(vars)"]).stdout
        #expect(
            listed.contains(
                "Boot0001* os B\tHD(2,GPT,9C1D2E3F-4A5B-4C6D-8E7F-A0B1C2D3E4F5,0x100800,0x100000)/\\EFI\\Linux\\os-b.efi\n"
            ),
            "\(listed)")
        let lonely = try BootctlCLITests.bootctl([
            "slot", "status", "--esp=\(espA)", "--staged", "--disk-b=\(disk)", "--efivars=\(vars)",
        ])
        #expect(lonely.status == 64 && lonely.stderr.contains("--disk-b needs --part-b"))
    }

    @Test func badInput() throws {
        let directory = try TemporaryDirectory()
        let disk = try Self.vectorDisk(directory)
        let corrupt = directory.file("corrupt.img")
        try FileManager.default.copyItem(atPath: disk, toPath: corrupt)
        try check(
            run("/bin/sh", ["-c", "printf X | dd of=\"$1\" bs=1 seek=600 conv=notrunc status=none", "sh", corrupt]))
        let plain = try directory.write("plain.img", [UInt8](repeating: 0, count: 8192))
        let vars = directory.path
        let add = ["add", "--efivars=\(vars)", "--label=x", "--loader=\\EFI\\x.efi"]
        for (arguments, code, message) in [
            (
                add + ["--disk=\(corrupt)", "--part=1"], Int32(65),
                "bootctl: \(corrupt): the GPT header checksum is wrong\n"
            ),
            (
                add + ["--disk=\(plain)", "--part=1"], 65,
                "bootctl: \(plain): no GPT partition table (no 'EFI PART' header at LBA 1)\n"
            ),
            (add + ["--disk=\(disk)", "--part=3"], 65, "bootctl: \(disk): partition 3 is unused\n"),
            (
                [
                    "add", "--efivars=\(vars)", "--label=Linux \u{1F600}", "--loader=\\EFI\\x.efi", "--disk=\(disk)",
                    "--part=1",
                ],
                64, "bootctl: label 'Linux \u{1F600}': character 7: U+1F600 is outside UCS-2 (U+0001-U+FFFF)\n"
            ),
            (
                add + ["--disk=\(disk)", "--part=1", "--args=" + String(repeating: "x", count: 100_000)], 64,
                "bootctl: Boot0000: 200160 bytes (header, name and 200082 bytes of data) exceed the firmware's limit "
                    + "of 33792 (0x8400) per variable\n"
            ),
            (
                add + ["--disk=\(disk)", "--part=200"], 65,
                "bootctl: \(disk): partition 200 is out of range (the table has 128 entries)\n"
            ),
            (
                add + ["--disk=/nonexistent.img", "--part=1"], 66,
                "bootctl: /nonexistent.img: cannot open: No such file or directory\n"
            ),
            (
                add + ["--disk=\(disk)", "--part=1", "--esp=\(vars)", "--staged"], 66,
                "bootctl: \\EFI\\x.efi: no such file on the ESP \(vars)\n"
            ),
            (
                ["add", "--efivars=\(vars)", "--label=x", "--loader=x.efi", "--disk=\(disk)", "--part=1"], 65,
                "bootctl: 'x.efi': the loader path must be absolute on the ESP\n"
            ),
            (
                ["add", "--efivars=\(vars)", "--label=x", "--loader=\\EFI\\x.efi", "--esp=\(vars)"], 64,
                "bootctl: \(vars) is not the root of a mounted FAT file system; give --staged for a directory staged for an ESP image\n"
            ),
            (
                ["add", "--efivars=\(vars)", "--label=x", "--loader=\\EFI\\x.efi", "--esp=\(vars)", "--staged"], 64,
                "bootctl: \(vars) is staged, not mounted: give --disk IMAGE --part N for its partition\n"
            ),
            (
                ["install", TestPaths.fixture("uki-unsigned.efi"), "--esp=\(vars)", "--efivars=\(vars)"], 64,
                "bootctl: \(vars) is not the root of a mounted FAT file system; give --staged for a directory staged for an ESP image\n"
            ),
            (
                ["mark-good", "--esp=\(vars)", "--staged", "--efivars=\(vars)", "os.efi"], 65,
                "bootctl: \\EFI\\Linux\\os.efi: the file name has no boot counter (+LEFT[-DONE])\n"
            ),
            (
                ["install", "/nonexistent.efi", "--esp=\(vars)", "--staged", "--efivars=\(vars)"], 66,
                "bootctl: /nonexistent.efi: cannot open: No such file or directory\n"
            ),
        ] {
            let result = try BootctlCLITests.bootctl(arguments)
            #expect(result.status == code, "\(arguments): \(result.stderr)")
            #expect(result.stderr == message)
            #expect(result.stdout.isEmpty)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: vars).filter { $0.hasPrefix("Boot") }.isEmpty)
    }

    /// Without efivarfs (here: /sys/firmware hidden by an empty tmpfs) the ESP verbs that consult
    /// variables refuse instead of taking "no variables" for "nothing booted"; --no-variables
    /// makes working on the ESP alone explicit.
    @Test func missingVariablesAreAnErrorUnlessNoVariablesIsGiven() throws {
        let directory = try TemporaryDirectory()
        let esp = directory.file("esp")
        try FileManager.default.createDirectory(atPath: esp + "/EFI/Linux", withIntermediateDirectories: true)
        for name in ["os-1.efi", "os-2.efi"] {
            try FileManager.default.copyItem(
                atPath: TestPaths.fixture("uki-unsigned.efi"), toPath: "\(esp)/EFI/Linux/\(name)")
        }
        func withoutEFI(_ arguments: [String]) throws -> ProcessResult {
            try run(
                "unshare",
                ["-rm", "sh", "-c", "mount -t tmpfs none /sys/firmware && exec \"$0\" \"$@\"", TestPaths.bootctl]
                    + arguments)
        }
        let refusal =
            "bootctl: /sys/firmware/efi/efivars is not readable (not booted through UEFI, or efivarfs is not mounted); give --efivars=DIR, --varstore=FILE, or --no-variables for the ESP alone\n"
        for verb in [["cleanup", "--keep=1"], ["status"], ["install", TestPaths.fixture("uki-unsigned.efi")]] {
            let result = try withoutEFI(verb + ["--esp=\(esp)", "--staged"])
            #expect(result.status == 69 && result.stderr == refusal, "\(verb): \(result.stderr)")
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: "\(esp)/EFI/Linux").sorted() == [
                "os-1.efi", "os-2.efi",
            ])
        let listed = try withoutEFI(["status", "--esp=\(esp)", "--staged", "--no-variables"])
        #expect(
            listed.stdout == "ESP: \(esp)\n  EFI/Linux/os-2.efi\tTest OS 1 1\n  EFI/Linux/os-1.efi\tTest OS 1 1\n",
            "\(listed.stderr)")
        let noKeep = try withoutEFI(["cleanup", "--esp=\(esp)", "--staged", "--no-variables"])
        #expect(noKeep.status == 64 && noKeep.stderr.contains("--keep"), "\(noKeep.stderr)")
        let dryRun = try withoutEFI(["cleanup", "--keep=1", "--dry-run", "--esp=\(esp)", "--staged", "--no-variables"])
        #expect(dryRun.stdout == "EFI/Linux/os-1.efi\n", "\(dryRun.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: "\(esp)/EFI/Linux").sorted() == [
                "os-1.efi", "os-2.efi",
            ])
        let cleaned = try withoutEFI(["cleanup", "--keep=1", "--esp=\(esp)", "--staged", "--no-variables"])
        #expect(cleaned.stdout == "EFI/Linux/os-1.efi\n", "\(cleaned.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(esp)/EFI/Linux") == ["os-2.efi"])
        let unnamed = try withoutEFI(["mark-good", "--esp=\(esp)", "--staged", "--no-variables"])
        #expect(unnamed.status == 64 && unnamed.stderr.contains("name the ENTRY"), "\(unnamed.stderr)")
    }

    /// A store mounted read-only (a bind mount in a user namespace): one line, exit 74, and no change.
    @Test func readOnlyStoreIsRefusedUnchanged() throws {
        let directory = try TemporaryDirectory()
        let before = try BootctlCLITests.copyFixtureStore(into: directory)
        let result = try run(
            "unshare",
            [
                "-rm", "sh", "-c",
                "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" && exec \"$2\" add-uri --efivars=\"$1\" --label=x --uri=http://h/x.efi",
                "sh", directory.path, TestPaths.bootctl,
            ])
        #expect(result.status == 74, "\(result.stderr)")
        #expect(
            result.stderr
                == "bootctl: \(directory.path)/Boot0007-8be4df61-93ca-11d2-aa0d-00e098032b8c: cannot write: cannot create a file in \(directory.path): Read-only file system\n"
        )
        #expect(result.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
    }
}
