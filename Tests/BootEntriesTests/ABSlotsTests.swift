import BootEntries
import EFIVariables
import Foundation
import SystemPackage
import TestSupport
import Testing

/// The A/B state machine (spec digest §5.5) on a variable directory, with the firmware's part
/// (BootNext consumed, BootCurrent set) played by the test.
@Suite struct ABSlotsTests {
    static let partition = GPTPartition(
        number: 1, startLBA: 2048, sizeLBA: 131072, uniqueGUID: EFIGUID("0f6b3a52-9e1d-4c7b-8a25-6d3e1f4b9c70")!)
    static let uki = FilePath(TestPaths.fixture("uki-unsigned.efi"))
    static let global = BootConfiguration.globalVendor

    static func location(
        _ directory: TemporaryDirectory, esp: String = "esp", partition: GPTPartition = partition
    )
        -> ABSlots.Location
    {
        ABSlots.Location(esp: ESP(root: FilePath(directory.file(esp))), partition: partition)
    }

    /// What OVMF does at boot: BootNext (if any) is deleted and booted, else BootOrder's head.
    static func firmwareBoots(_ manager: inout BootManager) throws -> UInt16 {
        let configuration = try manager.configuration()
        let booted = configuration.bootNext ?? configuration.bootOrder!.first!
        try manager.store.delete(EFIVariableName("BootNext", vendor: global))
        try manager.store.write(
            EFIVariableName("BootCurrent", vendor: global), attributes: 6, data: booted.littleEndianBytes)
        return booted
    }

    @Test func installTrialFallbackAndPromotion() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("vars"), withIntermediateDirectories: true)
        var manager = BootManager(store: EFIVariableDirectory(FilePath(directory.file("vars"))))
        let slots = ABSlots(
            a: Self.location(directory), b: Self.location(directory), name: "os", label: "Test OS")
        try FileManager.default.createDirectory(atPath: directory.file("esp"), withIntermediateDirectories: true)

        // First install: slot A is a trial too (BootNext only); marked good, it heads BootOrder.
        let first = try slots.install(Self.uki, manager: &manager)
        #expect(first.slot == .a)
        var configuration = try manager.configuration()
        #expect((configuration.bootOrder ?? []).isEmpty && configuration.bootNext == first.entry)
        let option = try #require(configuration.entries.first?.option)
        #expect(option.description == "Test OS A")
        #expect(
            option.filePath.text
                == "HD(1,GPT,0F6B3A52-9E1D-4C7B-8A25-6D3E1F4B9C70,0x800,0x20000)/\\EFI\\Linux\\os-a.efi")
        #expect(try Self.firmwareBoots(&manager) == first.entry)
        #expect(try slots.markGood(nil, manager: &manager) == .a)
        #expect(try manager.configuration().bootOrder == [first.entry])

        // Second install goes to B and is armed once through BootNext; A stays first.
        let second = try slots.install(Self.uki, manager: &manager)
        #expect(second.slot == .b)
        configuration = try manager.configuration()
        #expect(configuration.bootOrder == [first.entry] && configuration.bootNext == second.entry)
        #expect(throws: BootEntryError.self) { try slots.markGood(.b, manager: &manager) }
        #expect(slots.status(configuration).trial == .b && slots.status(configuration).primary == .a)

        // The trial boots B; while it runs, nothing may be installed over A.
        #expect(try Self.firmwareBoots(&manager) == second.entry)
        #expect(throws: BootEntryError.self) { try slots.install(Self.uki, manager: &manager) }
        #expect(throws: BootEntryError.self) { try slots.markGood(.a, manager: &manager) }
        // B is bad: A stays the head, B leaves BootOrder; the next boot is A.
        #expect(try slots.markBad(nil, manager: &manager) == .b)
        configuration = try manager.configuration()
        #expect(configuration.bootOrder == [first.entry] && configuration.bootNext == nil)
        #expect(try Self.firmwareBoots(&manager) == first.entry)

        // Again, now good: B is promoted and stays first.
        #expect(try slots.install(Self.uki, manager: &manager).entry == second.entry)
        #expect(try Self.firmwareBoots(&manager) == second.entry)
        #expect(try slots.markGood(nil, manager: &manager) == .b)
        configuration = try manager.configuration()
        #expect(configuration.bootOrder == [second.entry, first.entry])
        #expect(slots.status(configuration).primary == .b && slots.status(configuration).booted == .b)
        #expect(try Self.firmwareBoots(&manager) == second.entry)

        // The next install goes to A, the slot not booted, which leaves BootOrder (it is untested now).
        #expect(try slots.install(Self.uki, manager: &manager).slot == .a)
        configuration = try manager.configuration()
        #expect(configuration.bootOrder == [second.entry] && configuration.bootNext == first.entry)
        // B is booted: a verdict on A is refused, and B cannot be marked bad with only an untested A behind it.
        #expect { try slots.markBad(.a, manager: &manager) } throws: { ($0 as? BootEntryError)?.code == .refused }
        #expect { try slots.markBad(nil, manager: &manager) } throws: { ($0 as? BootEntryError)?.code == .refused }
    }

    /// The first install from a machine that booted something else leaves BootOrder alone: if
    /// the new UKI fails, the next boot is the old head of BootOrder.
    @Test func firstInstallIsATrialThatFallsBack() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("vars"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("esp"), withIntermediateDirectories: true)
        var manager = BootManager(store: EFIVariableDirectory(FilePath(directory.file("vars"))))
        let installer = try manager.add(
            try LoadOption(
                attributes: LoadOption.active, description: "installer",
                filePath: try DevicePath(partition: Self.partition, loader: "/EFI/BOOT/BOOTX64.EFI")),
            position: .first)
        let slots = ABSlots(a: Self.location(directory), b: Self.location(directory), name: "os", label: "os")
        let trial = try slots.install(Self.uki, manager: &manager)
        #expect(try manager.configuration().bootOrder == [installer])
        #expect(try Self.firmwareBoots(&manager) == trial.entry)
        #expect(try Self.firmwareBoots(&manager) == installer)
        #expect(slots.status(try manager.configuration()).primary == nil)
    }

    @Test func markBadNeedsAFallback() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("vars"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("esp"), withIntermediateDirectories: true)
        var manager = BootManager(store: EFIVariableDirectory(FilePath(directory.file("vars"))))
        let slots = ABSlots(
            a: Self.location(directory), b: Self.location(directory), name: "os", label: "os")
        _ = try slots.install(Self.uki, manager: &manager)
        _ = try slots.install(Self.uki, manager: &manager)
        #expect { try slots.markBad(.a, manager: &manager) } throws: { ($0 as? BootEntryError)?.code == .refused }
        #expect { try slots.markGood(nil, manager: &manager) } throws: { ($0 as? BootEntryError)?.code == .usage }
        #expect(throws: BootEntryError.self) {
            try slots.install(FilePath(TestPaths.fixture("linuxx64.efi.stub")), manager: &manager)
        }
    }

    /// Each slot on its own ESP: files and HD() nodes follow the slot's partition.
    @Test func slotsOnTwoESPs() throws {
        let directory = try TemporaryDirectory()
        for path in ["vars", "esp", "esp-b"] {
            try FileManager.default.createDirectory(atPath: directory.file(path), withIntermediateDirectories: true)
        }
        var manager = BootManager(store: EFIVariableDirectory(FilePath(directory.file("vars"))))
        let second = GPTPartition(
            number: 2, startLBA: 133120, sizeLBA: 131072, uniqueGUID: EFIGUID("9c1d2e3f-4a5b-4c6d-8e7f-a0b1c2d3e4f5")!)
        let slots = ABSlots(
            a: Self.location(directory), b: Self.location(directory, esp: "esp-b", partition: second), name: "os",
            label: "os")
        _ = try slots.install(Self.uki, manager: &manager)
        _ = try Self.firmwareBoots(&manager)
        _ = try slots.markGood(nil, manager: &manager)
        let installed = try slots.install(Self.uki, manager: &manager)
        #expect(FileManager.default.fileExists(atPath: directory.file("esp/EFI/Linux/os-a.efi")))
        #expect(FileManager.default.fileExists(atPath: directory.file("esp-b/EFI/Linux/os-b.efi")))
        #expect(!FileManager.default.fileExists(atPath: directory.file("esp/EFI/Linux/os-b.efi")))
        let option = try manager.configuration().entries.first { $0.number == installed.entry }?.option
        #expect(
            option?.filePath.text
                == "HD(2,GPT,9C1D2E3F-4A5B-4C6D-8E7F-A0B1C2D3E4F5,0x20800,0x20000)/\\EFI\\Linux\\os-b.efi")
        #expect(slots.status(try manager.configuration()).trial == .b)
    }

    /// A BootOrder naming entries that no longer exist does not block the slot verbs; the stale
    /// numbers are dropped when BootOrder is rewritten.
    @Test func staleBootOrderNumbersAreDropped() throws {
        let directory = try TemporaryDirectory()
        for path in ["vars", "esp"] {
            try FileManager.default.createDirectory(atPath: directory.file(path), withIntermediateDirectories: true)
        }
        var manager = BootManager(store: EFIVariableDirectory(FilePath(directory.file("vars"))))
        let slots = ABSlots(a: Self.location(directory), b: Self.location(directory), name: "os", label: "os")
        let first = try slots.install(Self.uki, manager: &manager).entry
        try manager.store.write(
            EFIVariableName("BootOrder", vendor: Self.global), attributes: 7,
            data: UInt16(0x42).littleEndianBytes + first.littleEndianBytes)
        let second = try slots.install(Self.uki, manager: &manager).entry
        #expect(try Self.firmwareBoots(&manager) == second)
        #expect(try slots.markGood(nil, manager: &manager) == .b)
        #expect(try manager.configuration().bootOrder == [second, first])
    }
}
