import BinaryIO
import BootEntries
import Foundation
import Glibc
import SystemPackage
import TestSupport
import Testing

/// A staged ESP directory: UKIs installed with counters, systemd-boot's order, systemd-bless-boot's
/// renames on disk, and cleanup.
@Suite struct ESPTests {
    static let uki = TestPaths.fixture("uki-unsigned.efi")

    static func files(_ directory: TemporaryDirectory, _ relative: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.file(relative)).sorted()
    }

    /// Links in a staged tree are never followed: a linked EFI/Linux is refused for install,
    /// status and cleanup, and nothing outside the ESP is written or deleted; linked UKIs and
    /// FIFOs in EFI/Linux are skipped without being opened.
    @Test func linksAndSpecialFilesNeverLeadOutOfTheESP() throws {
        let directory = try TemporaryDirectory()
        let outside = directory.file("outside")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.uki, toPath: outside + "/os-1.efi")
        let esp = ESP(root: FilePath(directory.file("esp")))
        try FileManager.default.createDirectory(atPath: directory.file("esp/EFI"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: directory.file("esp/EFI/Linux"), withDestinationPath: outside)
        let refusal = BootEntryError(
            .invalid, "\(directory.file("esp/EFI/Linux")): not a directory (links are not followed on an ESP)")
        #expect(throws: refusal) { try esp.installUKI(FilePath(Self.uki), name: "os-2", tries: 3, booted: nil) }
        #expect(throws: refusal) { try esp.entries() }
        #expect(throws: refusal) { try esp.cleanup(keep: 1, booted: nil, referenced: []) }
        #expect(try Self.files(directory, "outside") == ["os-1.efi"])

        try FileManager.default.removeItem(atPath: directory.file("esp/EFI/Linux"))
        try FileManager.default.createDirectory(
            atPath: directory.file("esp/EFI/Linux"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: directory.file("esp/EFI/Linux/linked.efi"), withDestinationPath: outside + "/os-1.efi")
        #expect(mkfifo(directory.file("esp/EFI/Linux/fifo.efi"), 0o600) == 0)
        _ = try esp.installUKI(FilePath(Self.uki), name: "os-2", tries: nil, booted: nil)
        _ = try esp.installUKI(FilePath(Self.uki), name: "os-3", tries: nil, booted: nil)
        #expect(try esp.entries().map(\.path) == ["EFI/Linux/os-3.efi", "EFI/Linux/os-2.efi"])
        #expect(try esp.cleanup(keep: 1, booted: nil, referenced: []) == ["EFI/Linux/os-2.efi"])
        #expect(!esp.contains("EFI/Linux/linked.efi"))
        #expect(try Self.files(directory, "esp/EFI/Linux") == ["fifo.efi", "linked.efi", "os-3.efi"])
        #expect(try Self.files(directory, "outside") == ["os-1.efi"])
        #expect(throws: BootEntryError.self) {
            try esp.installUKI(FilePath(Self.uki), name: "fifo", tries: nil, booted: nil)
        }
    }

    @Test func installWritesTheCounterAndReplacesEarlierCopies() throws {
        let directory = try TemporaryDirectory()
        let esp = ESP(root: FilePath(directory.path))
        let first = try esp.installUKI(FilePath(Self.uki), name: "os-1.0", tries: 3, booted: nil)
        #expect(first.path == "EFI/Linux/os-1.0+3-0.efi" && first.removed.isEmpty)
        #expect(try readBytes(directory.file(first.path)) == (try readBytes(Self.uki)))
        let second = try esp.installUKI(FilePath(Self.uki), name: "os-1.0", tries: 2, booted: nil)
        #expect(second.path == "EFI/Linux/os-1.0+2-0.efi" && second.removed == [first.path])
        #expect(try Self.files(directory, "EFI/Linux") == ["os-1.0+2-0.efi"], "no temporary file is left")
        let plain = try esp.installUKI(FilePath(Self.uki), name: "os-2.0", tries: nil, booted: "os-1.0.efi")
        #expect(plain.path == "EFI/Linux/os-2.0.efi")

        #expect {
            try esp.installUKI(FilePath(Self.uki), name: "os-1.0", tries: 3, booted: "os-1.0.efi")
        } throws: { ($0 as? BootEntryError)?.code == .refused }
        #expect(throws: BootEntryError.self) {
            try esp.installUKI(FilePath(Self.uki), name: "../x", tries: 3, booted: nil)
        }
        #expect(throws: BootEntryError.self) {
            try esp.installUKI(FilePath(Self.uki), name: "os", tries: 0, booted: nil)
        }
        #expect(throws: BootEntryError.self) {
            try esp.installUKI(FilePath(TestPaths.fixture("linuxx64.efi.stub")), name: "stub", tries: 1, booted: nil)
        }
        #expect(try Self.files(directory, "EFI/Linux") == ["os-1.0+2-0.efi", "os-2.0.efi"])
    }

    /// Type #1 entries with and without sort keys, versions and counters, in systemd-boot's order:
    /// sort key, then newest version, then newest ID, more tries first; no tries left goes last.
    @Test func entriesAreListedInSystemdBootOrder() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: directory.file("loader/entries"), withIntermediateDirectories: true)
        let entries = [
            "a-1.conf": "title A\nsort-key fedora\nversion 1\n",
            "a-2.conf": "title A\nsort-key fedora\nversion 2\n",
            "try+2-1.conf": "title T\nsort-key fedora\nversion 2\n",
            "bad+0-3.conf": "title Bad\nsort-key fedora\nversion 3\n",
            "old.conf": "title Old\n",
            "arch.conf": "title Arch\nsort-key arch\nversion 1\n",
            "auto-skipped.conf": "title no\n",
            ".hidden.conf": "title no\n",
        ]
        for (name, text) in entries { _ = try directory.write("loader/entries/\(name)", text) }
        _ = try ESP(root: FilePath(directory.path)).installUKI(FilePath(Self.uki), name: "uki", tries: nil, booted: nil)
        let listed = try ESP(root: FilePath(directory.path)).entries()
        #expect(
            listed.map(\.fileName) == [
                "arch.conf", "try+2-1.conf", "a-2.conf", "a-1.conf", "uki.efi", "old.conf", "bad+0-3.conf",
            ])
        let uki = listed[4]
        #expect(uki.kind == .type2 && uki.title == "Test OS 1" && uki.sortKey == "testos" && uki.version == "1")
        #expect(listed.last?.isBad == true)
    }

    /// systemd's multi-profile vector makes two entries (profile 1 named by its .profile's ID= and
    /// TITLE=) but is one file: replacing it and cleaning up remove it once.
    @Test func multiProfileUKIsAreOneFileForInstallAndCleanup() throws {
        let directory = try TemporaryDirectory()
        let esp = ESP(root: FilePath(directory.path))
        let multi = FilePath(TestPaths.fixture("uki-multiprofile.efi"))
        _ = try esp.installUKI(multi, name: "os-1", tries: nil, booted: nil)
        _ = try esp.installUKI(multi, name: "os-2", tries: 3, booted: nil)
        let listed = try esp.entries()
        #expect(
            listed.map(\.id) == ["os-2+3-0.efi", "os-2+3-0.efi@factory-reset", "os-1.efi", "os-1.efi@factory-reset"])
        #expect(listed.map(\.profile) == [0, 1, 0, 1])
        #expect(listed.prefix(2).map(\.title) == ["Test OS 1 (Main boot)", "Test OS 1 (Factory Reset)"])
        let replaced = try esp.installUKI(multi, name: "os-2", tries: 2, booted: nil)
        #expect(replaced.removed == ["EFI/Linux/os-2+3-0.efi"])
        #expect(try esp.cleanup(keep: 1, booted: nil, referenced: []) == ["EFI/Linux/os-1.efi"])
        #expect(try Self.files(directory, "EFI/Linux") == ["os-2+2-0.efi"])
    }

    @Test func blessBootRenamesTheBootedEntry() throws {
        let directory = try TemporaryDirectory()
        let esp = ESP(root: FilePath(directory.path))
        try FileManager.default.createDirectory(atPath: directory.file("EFI/Linux"), withIntermediateDirectories: true)
        _ = try directory.write("EFI/Linux/os-a+2-1.efi", "uki")
        let path = "\\EFI\\Linux\\os-a+2-1.efi"
        #expect(try BootAssessment.of(path, on: esp) == .indeterminate)
        #expect(try BootAssessment.of(nil, on: esp) == .clean)
        #expect(try BootAssessment.mark(path, good: true, on: esp)! == ("EFI/Linux/os-a+2-1.efi", "EFI/Linux/os-a.efi"))
        #expect(try BootAssessment.of(path, on: esp) == .good)
        #expect(try BootAssessment.mark(path, good: true, on: esp) == nil, "already good")
        #expect(
            try BootAssessment.mark(path, good: false, on: esp)! == ("EFI/Linux/os-a.efi", "EFI/Linux/os-a+0-1.efi"))
        #expect(try BootAssessment.of(path, on: esp) == .bad)
        #expect(try Self.files(directory, "EFI/Linux") == ["os-a+0-1.efi"])

        _ = try directory.write("EFI/Linux/os-b+0-3.efi", "uki")
        #expect(try BootAssessment.of("\\EFI\\Linux\\os-b+0-3.efi", on: esp) == .dirty)
        #expect(throws: BootEntryError.self) {
            try BootAssessment.mark("\\EFI\\Linux\\gone+1-1.efi", good: true, on: esp)
        }
        #expect(throws: BootEntryError.self) { try BootAssessment.mark("\\EFI\\Linux\\os-a.efi", good: true, on: esp) }
    }

    @Test func cleanupKeepsTheBootedAndTheNewestGood() throws {
        let directory = try TemporaryDirectory()
        let esp = ESP(root: FilePath(directory.path))
        for name in ["os-1", "os-2", "os-3", "os-4"] {
            _ = try esp.installUKI(FilePath(Self.uki), name: name, tries: nil, booted: nil)
        }
        _ = try esp.installUKI(FilePath(Self.uki), name: "os-5", tries: 1, booted: nil)
        try FileManager.default.moveItem(
            atPath: directory.file("EFI/Linux/os-5+1-0.efi"), toPath: directory.file("EFI/Linux/os-5+0-1.efi"))
        // Order: os-4, os-3, os-2, os-1, then the bad os-5. os-1 is booted: it stays and counts;
        // a firmware entry boots os-2 (an A/B slot, say): it stays and does not count.
        let before = try Self.files(directory, "EFI/Linux")
        let candidates = try esp.cleanupCandidates(keep: 2, booted: "os-1.efi", referenced: ["\\EFI\\LINUX\\OS-2.EFI"])
        #expect(try Self.files(directory, "EFI/Linux") == before)
        let removed = try esp.cleanup(keep: 2, booted: "os-1.efi", referenced: ["\\EFI\\LINUX\\OS-2.EFI"])
        #expect(candidates == removed)
        #expect(removed == ["EFI/Linux/os-3.efi", "EFI/Linux/os-5+0-1.efi"])
        #expect(try Self.files(directory, "EFI/Linux") == ["os-1.efi", "os-2.efi", "os-4.efi"])
        #expect { try esp.cleanup(keep: 0, booted: nil, referenced: []) } throws: {
            ($0 as? BootEntryError)?.code == .invalid
        }
    }

    /// Only bad entries and none booted: the best of them stays.
    @Test func cleanupNeverEmptiesTheESP() throws {
        let directory = try TemporaryDirectory()
        let esp = ESP(root: FilePath(directory.path))
        for name in ["os-1", "os-2"] { _ = try esp.installUKI(FilePath(Self.uki), name: name, tries: 1, booted: nil) }
        for name in ["os-1", "os-2"] {
            try FileManager.default.moveItem(
                atPath: directory.file("EFI/Linux/\(name)+1-0.efi"), toPath: directory.file("EFI/Linux/\(name)+0-1.efi")
            )
        }
        #expect(try esp.cleanup(keep: 1, booted: nil, referenced: []) == ["EFI/Linux/os-1+0-1.efi"])
        #expect(try Self.files(directory, "EFI/Linux") == ["os-2+0-1.efi"])
    }
}
