import Foundation
import JSON
import TestSupport
import Testing

/// bootctl on an OVMF varstore (read back by virt-fw-vars) and on a directory of variables.
@Suite struct BootctlCLITests {
    static func bootctl(_ arguments: [String]) throws -> ProcessResult { try run(TestPaths.bootctl, arguments) }

    /// virt-fw-vars' view of a store: name → data hex.
    static func virtFirmware(_ store: String, in directory: TemporaryDirectory) throws -> [String: String] {
        let json = directory.file("view.json")
        #expect(try run("virt-fw-vars", ["-i", store, "--output-json", json]).status == 0)
        var view: [String: String] = [:]
        for variable in try JSONValue(parsing: try readBytes(json))["variables"]?.arrayValue ?? [] {
            view[variable["name"]!.stringValue!] = variable["data"]!.stringValue!
        }
        return view
    }

    @Test func provisionAVarstore() throws {
        let directory = try TemporaryDirectory()
        let store = directory.file("vars.fd")
        _ = try directory.write("vars.fd", try readBytes("/usr/share/OVMF/OVMF_VARS_4M.fd"))
        let varstore = "--varstore=\(store)"
        let first = try Self.bootctl(["add-uri", varstore, "--label=net A", "--uri=http://127.0.0.1:8000/a.efi"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == "Boot0000\n")
        let second = try Self.bootctl([
            "add-uri", varstore, "--label=net B", "--uri=http://127.0.0.1:8000/b.efi", "--last",
        ])
        #expect(second.stdout == "Boot0001\n")
        #expect(try Self.bootctl(["order", varstore, "Boot0001", "0000"]).status == 0)
        #expect(try Self.bootctl(["next", varstore, "0000"]).status == 0)
        #expect(try Self.bootctl(["timeout", varstore, "3"]).status == 0)
        let view = try Self.virtFirmware(store, in: directory)
        #expect(view["BootOrder"] == "01000000")
        #expect(view["BootNext"] == "0000")
        #expect(view["Timeout"] == "0300")
        #expect(view["Boot0001"]?.contains("687474703a2f2f3132372e302e302e313a383030302f622e656669") == true)
        let listed = try Self.bootctl(["list", varstore, "--json=short"])
        #expect(
            listed.stdout.hasPrefix(
                "{\"BootCurrent\":null,\"BootNext\":\"0000\",\"Timeout\":3,\"BootOrder\":[\"0001\",\"0000\"],"))
        #expect(listed.stdout.contains("\"device_path\":\"Uri(http://127.0.0.1:8000/b.efi)\""))
        // Removing drops the entry from BootOrder first; the last entry of BootOrder stays.
        #expect(try Self.bootctl(["remove", varstore, "0001"]).status == 0)
        #expect(try Self.virtFirmware(store, in: directory)["BootOrder"] == "0000")
        let last = try Self.bootctl(["remove", varstore, "0000"])
        #expect(last.status == 65)
        #expect(last.stderr == "bootctl: removing Boot0000 would leave BootOrder without a boot entry\n")
    }

    /// The new entry's number skips numbers that are used or still referenced (BootNext here).
    @Test func directoryStoreAndFreeNumbers() throws {
        let directory = try TemporaryDirectory()
        _ = try Self.copyFixtureStore(into: directory)
        let efivars = "--efivars=\(directory.path)"
        let added = try Self.bootctl(["add-uri", efivars, "--label=x", "--uri=http://h/x.efi", "--next"])
        #expect(added.stdout == "Boot0007\n", "\(added.stderr)")
        let booted = try Self.bootctl(["remove", efivars, "0000"])
        #expect(booted.status == 65)
        #expect(booted.stderr.contains("BootCurrent"))
        #expect(try Self.bootctl(["remove", efivars, "Boot0003"]).status == 0)
        let listed = try Self.bootctl(["list", efivars])
        #expect(
            listed.stdout.hasPrefix(
                "BootCurrent: 0000\nBootNext: 0007\nTimeout: 5 seconds\nBootOrder: 0000,0001,0002,0004\n"))
        #expect(!listed.stdout.contains("Boot0003"))
    }

    /// OVMF's own entries carry EDK2's 16-byte auto-created-option GUID as load options: hex, not
    /// the CJK and Hangul characters those bytes make as UCS-2; a command line stays text.
    @Test func binaryLoadOptionsPrintAsHex() throws {
        let directory = try TemporaryDirectory()
        let store = directory.file("after-boot.fd")
        try check(
            run(
                "/bin/sh",
                ["-c", "gzip -dc \"$1\" > \"$2\"", "sh", TestPaths.fixture("efi/after-ovmf-http-boot.fd.gz"), store]))
        let listed = try Self.bootctl(["list", "--varstore=\(store)"]).stdout
        #expect(
            listed.contains(
                "Boot0001* UEFI QEMU DVD-ROM QM00005 \tPciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0) data 4eac0881119f594d850ee21a522c59b2\n"
            ), "\(listed)")
        #expect(listed.components(separatedBy: " data 4eac0881119f594d850ee21a522c59b2\n").count == 6, "five entries")
        #expect(!listed.contains(" args "))
    }

    /// Copies the efivarfs vector's global variables into `directory`; returns their names.
    /// Without /proc the Swift runtime cannot read argv: refused, never run as a bare `bootctl`.
    @Test func withoutProcTheToolRefusesToGuessItsArguments() throws {
        let directory = try TemporaryDirectory()
        let before = try Self.copyFixtureStore(into: directory)
        let result = try run(
            "unshare",
            [
                "-rm", "sh", "-c", "mount -t tmpfs none /proc && exec \"$0\" remove 0003 --efivars=\"$1\"",
                TestPaths.bootctl, directory.path,
            ])
        #expect(result.status == 69)
        #expect(
            result.stderr
                == "bootctl: cannot read this process's arguments (/proc/self/cmdline): mount /proc (mount -t proc proc /proc) and run again\n"
        )
        #expect(result.stdout.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == before)
    }

    /// Parallel writers to one store take turns (none loses its entry), and a varstore behind a
    /// symbolic link is updated through the link, which stays a link.
    @Test func parallelWritersThroughALinkLoseNothing() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("nvram"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            atPath: "/usr/share/OVMF/OVMF_VARS_4M.fd", toPath: directory.file("nvram/vm.fd"))
        try FileManager.default.createSymbolicLink(atPath: directory.file("vm.fd"), withDestinationPath: "nvram/vm.fd")
        let writers = 16
        let script =
            "for i in $(seq \(writers)); do \"$0\" add-uri --varstore=\"$1\" --label=n$i --uri=http://h/$i.efi & done; wait"
        #expect(try run("bash", ["-c", script, TestPaths.bootctl, directory.file("vm.fd")]).status == 0)
        let listed = try Self.bootctl(["list", "--varstore=\(directory.file("nvram/vm.fd"))"]).stdout
        let labels = Set(
            listed.split(separator: "\n").compactMap { $0.split(separator: "\t").first?.split(separator: " ").last })
        #expect(labels.isSuperset(of: (1...writers).map { "n\($0)"[...] }), "\(listed)")
        let link = try FileManager.default.attributesOfItem(atPath: directory.file("vm.fd"))
        #expect(link[.type] as? FileAttributeType == .typeSymbolicLink)
    }

    /// What OVMF does when it starts entry `number`: BootNext deleted, BootCurrent set.
    static func firmwareBoots(_ number: UInt16, vars: String) throws {
        let global = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
        try? FileManager.default.removeItem(atPath: "\(vars)/BootNext-\(global)")
        guard
            FileManager.default.createFile(
                atPath: "\(vars)/BootCurrent-\(global)",
                contents: Data([6, 0, 0, 0, UInt8(number & 0xFF), UInt8(number >> 8)]))
        else { throw TestFailure("cannot write BootCurrent in \(vars)") }
    }

    static func copyFixtureStore(into directory: TemporaryDirectory) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: TestPaths.fixture("efi/efivarfs"))
            .filter { $0.contains("-8be4df61-") }.sorted()
        for file in names { _ = try directory.write(file, try readBytes(TestPaths.fixture("efi/efivarfs/\(file)"))) }
        return names
    }

    @Test func badInput() throws {
        let directory = try TemporaryDirectory()
        let notAStore = try directory.write("not.fd", [UInt8](repeating: 0, count: 4096))
        for (arguments, code, mention) in [
            (["list", "--varstore=\(notAStore)"], Int32(65), notAStore),
            (["list", "--varstore=/nonexistent.fd"], 66, "/nonexistent.fd"),
            (["next", "--efivars=\(directory.path)", "0042"], 64, "Boot0042"),
            (["remove", "--efivars=\(directory.path)", "12345"], 64, "12345"),
            (["add-uri", "--efivars=\(directory.path)", "--label=x", "--uri=ftp://h/x"], 64, "http"),
            (
                [
                    "add-uri", "--efivars=\(directory.path)", "--label=x",
                    #"--uri=http://x)/HD(1,MBR,0x1,0x800,0x1)/\EFI\evil.efi"#,
                ],
                64, "0x5c is not allowed in a URI"
            ),
        ] {
            let result = try Self.bootctl(arguments)
            #expect(result.status == code, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(mention), "\(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["not.fd"])
    }
}
