import Foundation
import TestSupport
import Testing

/// bootchain-mark-good.service's commands, as written in the unit (dist/), run against a staged ESP and
/// a variable directory (appended as options; `SLOT_OPTIONS` from /etc/default/bootchain-mark-good names
/// the disk): after a counted boot of a slot, the counted entry and the slot are marked good, and running
/// them again, as every later boot does, changes nothing and succeeds.
@Suite struct MarkGoodServiceTests {
    /// The unit's ExecStart= command lines with our bootctl, `SLOT_OPTIONS` and the store options.
    static func commands(slotOptions: [String], storeOptions: [String]) throws -> [[String]] {
        let unit = try String(
            contentsOfFile: TestPaths.repositoryRoot.appendingPathComponent("dist/bootchain-mark-good.service").path,
            encoding: .utf8)
        let lines = unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }
        return try lines.map { line in
            let words = line.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
            guard words.first == "@BINDIR@/bootchain-bootctl" else { throw TestFailure("unexpected \(line)") }
            return Array(words.dropFirst()).flatMap { $0 == "$SLOT_OPTIONS" ? slotOptions : [$0] } + storeOptions
        }
    }

    @Test func marksTheCountedEntryAndTheBootedSlotGood() throws {
        let directory = try TemporaryDirectory()
        let disk = try BootctlESPCLITests.vectorDisk(directory)
        let esp = directory.file("esp")
        let vars = directory.file("vars")
        for path in [esp, vars] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        let storeOptions = ["--esp=\(esp)", "--staged", "--efivars=\(vars)"]
        let slotOptions = ["--disk=\(disk)", "--part=1", "--name=os"]
        let uki = TestPaths.fixture("uki-unsigned.efi")
        let commands = try Self.commands(slotOptions: slotOptions, storeOptions: storeOptions)
        #expect(commands.count == 2)

        // Nothing counted, no slot booted: both do nothing, successfully.
        for command in commands {
            let result = try BootctlCLITests.bootctl(command)
            #expect(result.status == 0 && result.stdout.isEmpty, "\(command): \(result.stderr)")
        }

        // A counted entry booted (systemd-boot's rename and LoaderBootCountPath), and slot A on trial.
        #expect(try BootctlCLITests.bootctl(["install", uki, "--name=os-1", "--tries=3"] + storeOptions).status == 0)
        try FileManager.default.moveItem(
            atPath: "\(esp)/EFI/Linux/os-1+3-0.efi", toPath: "\(esp)/EFI/Linux/os-1+2-1.efi")
        _ = try directory.write(
            "vars/LoaderBootCountPath-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f",
            [6, 0, 0, 0] + "\\EFI\\Linux\\os-1+2-1.efi".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + [0, 0])
        #expect(try BootctlCLITests.bootctl(["slot", "install", uki] + slotOptions + storeOptions).status == 0)
        try BootctlCLITests.firmwareBoots(0, vars: vars)

        let outputs = try commands.map { try BootctlCLITests.bootctl($0) }
        #expect(outputs.map(\.status) == [0, 0], "\(outputs.map(\.stderr))")
        #expect(outputs.map(\.stdout) == ["EFI/Linux/os-1.efi\n", "a\n"])
        #expect(
            try BootctlCLITests.bootctl(["slot", "status"] + slotOptions + storeOptions).stdout
                .hasPrefix("A: EFI/Linux/os-a.efi\tBoot0000, BootOrder #1, primary, booted"))

        // The next boot runs them again: nothing more to do.
        for command in commands { #expect(try BootctlCLITests.bootctl(command).status == 0) }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: "\(esp)/EFI/Linux").sorted() == [
                "os-1.efi", "os-a.efi",
            ])
    }
}
