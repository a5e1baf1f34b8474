import BinaryIO
import EFIVariables
import PEKit
import SystemPackage

/// A/B slots for direct firmware boot of UKIs, without a boot loader (spec digest §5.5): files
/// `EFI/Linux/<name>-a.efi` and `-b.efi`, on one ESP or each on its own, each with its own
/// `Boot####` (`HD(…)/File(…)`, description `<label> A|B`). A new UKI goes to the slot that is not
/// booted and is tried once through BootNext; the firmware deletes BootNext before starting it, so
/// any failure falls back to BootOrder, whose head stays the known-good slot until `markGood`.
public struct ABSlots: Sendable {
    public enum Slot: String, CaseIterable, Sendable {
        case a, b

        public var other: Slot { self == .a ? .b : .a }
        public var letter: String { rawValue.uppercased() }
    }

    /// Where a slot's file lives: the ESP's files and the GPT partition its device path names.
    public struct Location: Sendable {
        public let esp: ESP
        public let partition: GPTPartition

        public init(esp: ESP, partition: GPTPartition) {
            self.esp = esp
            self.partition = partition
        }
    }

    public let a: Location
    public let b: Location
    public let name: String
    public let label: String

    /// Slots on two ESPs (`b` the same as `a` for both files on one ESP).
    public init(a: Location, b: Location, name: String, label: String) {
        self.a = a
        self.b = b
        self.name = name
        self.label = label
    }

    public func location(_ slot: Slot) -> Location { slot == .a ? a : b }

    /// `EFI/Linux/<name>-a.efi`, relative to the ESP.
    public func file(_ slot: Slot) -> String { "\(ESP.uki)/\(name)-\(slot.rawValue).efi" }

    public func loadOption(_ slot: Slot) throws -> LoadOption {
        try LoadOption(
            attributes: LoadOption.active, description: "\(label) \(slot.letter)",
            filePath: try DevicePath(partition: location(slot).partition, loader: "/" + file(slot)))
    }

    public struct SlotState: Sendable {
        public let slot: Slot
        /// The slot's Boot#### number (nil: none points at its file); of several, the first in BootOrder.
        public let entry: UInt16?
        /// Every Boot#### that boots the slot's file.
        public let entries: [UInt16]
        public let fileExists: Bool
        /// Index in BootOrder (nil: not listed).
        public let orderPosition: Int?
        public let isNext: Bool
        public let isBooted: Bool
    }

    public struct Status: Sendable {
        public let slots: [SlotState]
        /// The slot whose entry comes first in BootOrder: the known-good one.
        public let primary: Slot?
        /// The slot BootCurrent names (nil offline, or when booted from elsewhere).
        public let booted: Slot?
        /// The slot BootNext names: a trial boot is armed.
        public let trial: Slot?
        /// BootOrder without numbers that have no entry (a stale BootOrder must not block changes).
        public let order: [UInt16]

        public func state(_ slot: Slot) -> SlotState { slots.first { $0.slot == slot }! }
    }

    /// Whether `option` boots `slot`'s file on the slot's partition (File() compared
    /// case-insensitively, as FAT names are; an HD() node must name that partition).
    func boots(_ option: LoadOption, _ slot: Slot) -> Bool {
        let partition = location(slot).partition.uniqueGUID
        for node in option.filePath.nodes {
            if let hardDrive = node.hardDrive, hardDrive.partitionGUID != partition { return false }
        }
        guard let path = option.filePath.filePaths.last else { return false }
        return String(path.lowercased().map { $0 == "\\" ? "/" : $0 }) == ("/" + file(slot)).lowercased()
    }

    public func status(_ configuration: BootConfiguration) -> Status {
        let order = (configuration.bootOrder ?? []).filter { number in
            configuration.entries.contains { $0.number == number }
        }
        let states = Slot.allCases.map { slot in
            let entries = configuration.entries.filter { $0.option.map { boots($0, slot) } ?? false }.map(\.number)
            let positions = entries.compactMap { order.firstIndex(of: $0) }
            let entry = positions.min().map { order[$0] } ?? entries.first
            return SlotState(
                slot: slot, entry: entry, entries: entries,
                fileExists: location(slot).esp.contains(file(slot)), orderPosition: positions.min(),
                isNext: configuration.bootNext.map(entries.contains) ?? false,
                isBooted: configuration.bootCurrent.map(entries.contains) ?? false)
        }
        let listed = states.filter { $0.orderPosition != nil }.sorted { $0.orderPosition! < $1.orderPosition! }
        return Status(
            slots: states, primary: listed.first?.slot, booted: states.first(where: \.isBooted)?.slot,
            trial: states.first(where: \.isNext)?.slot, order: order)
    }

    public struct Installation: Sendable {
        public let slot: Slot
        public let entry: UInt16
    }

    /// Writes `uki` to the slot that is not booted (and not primary), makes sure its Boot####
    /// exists, takes it out of BootOrder (it is untested) and arms it as BootNext for one trial
    /// boot, the first install included: until `markGood` nothing boots it twice, so a kernel that
    /// fails falls back to whatever BootOrder held. Refused while a trial is running (the booted
    /// slot is not the primary one): mark it good or bad first.
    public func install(_ uki: FilePath, manager: inout BootManager) throws -> Installation {
        let image = try PEImage(file: try ReadableFile(path: uki))
        guard image.section(named: ".linux") != nil else {
            throw BootEntryError(.invalid, "\(uki): not a UKI (no .linux section)")
        }
        let status = status(try manager.configuration())
        if let booted = status.booted, status.primary != booted {
            throw BootEntryError(
                .refused,
                "slot \(booted.letter) is booted on trial and not marked good: run 'bootctl slot mark-good' or 'mark-bad' first"
            )
        }
        let slot = (status.booted ?? status.primary)?.other ?? .a
        let target = status.state(slot)
        try location(slot).esp.writeFile(copying: uki, to: file(slot))
        let untested = status.order.filter { !target.entries.contains($0) }
        if untested != status.order { try manager.setOrder(untested) }
        let option = try loadOption(slot)
        if let existing = target.entry {
            try manager.replace(existing, with: option)
            try manager.setNext(existing)
            return Installation(slot: slot, entry: existing)
        }
        return Installation(slot: slot, entry: try manager.add(option, position: .next))
    }

    /// Promotes `slot` (default: the booted one) to the head of BootOrder. Refused for a slot other
    /// than the booted one, and for one whose trial boot is still armed (it has not run).
    @discardableResult
    public func markGood(_ requested: Slot?, manager: inout BootManager) throws -> Slot {
        let status = status(try manager.configuration())
        let slot = try chosen(requested, status)
        let state = status.state(slot)
        guard state.fileExists else { throw BootEntryError(.notFound, "slot \(slot.letter): \(file(slot)) is missing") }
        guard let number = state.entry else {
            throw BootEntryError(.notFound, "slot \(slot.letter): no Boot#### boots \(file(slot))")
        }
        guard !state.isNext else {
            throw BootEntryError(.refused, "slot \(slot.letter)'s trial boot has not run yet (it is BootNext)")
        }
        try manager.setOrder([number] + status.order.filter { !state.entries.contains($0) })
        return slot
    }

    /// Rolls `slot` (default: the booted one) back: out of BootOrder and BootNext, the other slot
    /// first. Refused unless the other slot is a tested fallback: its UKI present, its entry in
    /// BootOrder and not merely armed as BootNext.
    @discardableResult
    public func markBad(_ requested: Slot?, manager: inout BootManager) throws -> Slot {
        let configuration = try manager.configuration()
        let status = status(configuration)
        let slot = try chosen(requested, status)
        let other = status.state(slot.other)
        guard let fallback = other.entry, other.fileExists, other.orderPosition != nil, !other.isNext else {
            throw BootEntryError(
                .refused,
                "slot \(slot.other.letter) is not a tested fallback in BootOrder; refusing to mark \(slot.letter) bad")
        }
        let bad = status.state(slot).entries
        try manager.setOrder([fallback] + status.order.filter { $0 != fallback && !bad.contains($0) })
        if let next = configuration.bootNext, bad.contains(next) { try manager.setNext(nil) }
        return slot
    }

    private func chosen(_ requested: Slot?, _ status: Status) throws -> Slot {
        if let requested, let booted = status.booted, requested != booted {
            throw BootEntryError(
                .refused, "slot \(booted.letter) is booted; the verdict is about it, not slot \(requested.letter)")
        }
        guard let slot = requested ?? status.booted else {
            throw BootEntryError(.usage, "BootCurrent is not one of the slots; name the slot with --slot")
        }
        return slot
    }
}
