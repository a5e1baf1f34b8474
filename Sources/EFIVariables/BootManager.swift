import BinaryIO

/// Changes to the firmware boot manager's variables, in an order that keeps every intermediate
/// state bootable (spec digest §1.6): an entry is written before anything references it, and
/// references are dropped before the entry goes. No change may leave BootOrder without an entry.
public struct BootManager {
    public enum Position: Sendable {
        /// Head of BootOrder.
        case first
        /// End of BootOrder.
        case last
        /// Not in BootOrder; BootNext (boot it once).
        case next
    }

    public var store: any VariableStore

    public init(store: any VariableStore) {
        self.store = store
    }

    static let bootOrderName = EFIVariableName("BootOrder", vendor: BootConfiguration.globalVendor)
    static let bootNextName = EFIVariableName("BootNext", vendor: BootConfiguration.globalVendor)
    static let timeoutName = EFIVariableName("Timeout", vendor: BootConfiguration.globalVendor)
    /// NV|BS|RT, what efibootmgr, systemd and the firmware use for these variables.
    static let attributes: UInt32 = 0x7

    public func configuration() throws -> BootConfiguration { try BootConfiguration(store: store) }

    /// The lowest number no entry uses and nothing references (BootOrder, BootNext, BootCurrent),
    /// so a stale reference cannot come back to life (kernel-bootcfg's rule).
    public static func freeNumber(in configuration: BootConfiguration) throws -> UInt16 {
        var taken = Set(configuration.entries.map(\.number))
        taken.formUnion(configuration.bootOrder ?? [])
        for number in [configuration.bootNext, configuration.bootCurrent].compactMap({ $0 }) { taken.insert(number) }
        guard let free = (0..<UInt16.max).first(where: { !taken.contains($0) }) else {
            throw EFIVariableError(.storeFull, "every Boot#### number is in use")
        }
        return free
    }

    /// Writes `option` as a new `Boot####` and places it; returns its number. A number another
    /// program takes meanwhile is left to it and the next free one is used.
    @discardableResult
    public mutating func add(_ option: LoadOption, position: Position) throws -> UInt16 {
        for _ in 0..<Self.attempts {
            let number = try Self.freeNumber(in: try configuration())
            do {
                try update(Self.entryName(number)) { current in
                    guard current == nil else { throw Self.changedMeanwhile(Self.entryName(number)) }
                    return option.bytes
                }
            } catch let error as EFIVariableError where error.code == .concurrentChange {
                continue
            }
            do {
                switch position {
                case .first: try updateOrder { [number] + $0 }
                case .last: try updateOrder { $0 + [number] }
                case .next: try writeNext(number)
                }
            } catch {
                // Not placed: the new entry goes again rather than stay behind unreferenced.
                _ = try? store.delete(Self.entryName(number))
                throw error
            }
            return number
        }
        throw Self.changedMeanwhile(EFIVariableName("Boot####", vendor: BootConfiguration.globalVendor))
    }

    /// Rewrites an existing entry in place (same number, so BootOrder and BootNext stay valid);
    /// nothing is written when it already holds `option`.
    public mutating func replace(_ number: UInt16, with option: LoadOption) throws {
        let name = BootConfiguration.variableName(number)
        guard let entry = try configuration().entries.first(where: { $0.number == number }) else {
            throw EFIVariableError(.notFound, "there is no \(name)")
        }
        guard entry.option != option else { return }
        try update(Self.entryName(number), expecting: entry.data) { _ in option.bytes }
    }

    /// Removes an entry: out of BootOrder and BootNext first, then the variable. The entry booted
    /// now and the last entry of BootOrder are refused.
    public mutating func remove(_ number: UInt16) throws {
        let configuration = try configuration()
        let name = BootConfiguration.variableName(number)
        guard let entry = configuration.entries.first(where: { $0.number == number }) else {
            throw EFIVariableError(.notFound, "there is no \(name)")
        }
        guard configuration.bootCurrent != number else {
            throw EFIVariableError(.refused, "\(name) is the entry this system booted from (BootCurrent)")
        }
        let entries = Set(configuration.entries.map(\.number))
        try updateOrder { order in
            guard order.contains(number) else { return order }
            let remaining = order.filter { $0 != number }
            guard remaining.contains(where: entries.contains) else {
                throw EFIVariableError(.refused, "removing \(name) would leave BootOrder without a boot entry")
            }
            return remaining
        }
        try update(Self.bootNextName) { $0 == number.littleEndianBytes ? nil : $0 }
        try update(Self.entryName(number), expecting: entry.data) { _ in nil }
    }

    /// Replaces BootOrder; every number must be an existing entry. A BootOrder another program
    /// changes meanwhile is not overwritten.
    public mutating func setOrder(_ order: [UInt16]) throws {
        let configuration = try configuration()
        guard !order.isEmpty else { throw EFIVariableError(.refused, "BootOrder would be empty") }
        for number in order where !configuration.entries.contains(where: { $0.number == number }) {
            throw EFIVariableError(.notFound, "there is no \(BootConfiguration.variableName(number))")
        }
        guard Set(order).count == order.count else {
            throw EFIVariableError(.refused, "BootOrder lists an entry twice")
        }
        try update(Self.bootOrderName, expecting: configuration.bootOrder.map(Self.orderBytes)) { _ in
            Self.orderBytes(order)
        }
    }

    /// Sets (or with nil removes) BootNext, the entry the firmware boots once at the next start.
    public mutating func setNext(_ number: UInt16?) throws {
        guard let number else {
            try store.delete(Self.bootNextName)
            return
        }
        guard try configuration().entries.contains(where: { $0.number == number }) else {
            throw EFIVariableError(.notFound, "there is no \(BootConfiguration.variableName(number))")
        }
        try writeNext(number)
    }

    private mutating func writeNext(_ number: UInt16) throws {
        try store.write(Self.bootNextName, attributes: Self.attributes, data: number.littleEndianBytes)
    }

    /// Sets the firmware boot menu timeout in seconds.
    public mutating func setTimeout(_ seconds: UInt16) throws {
        try store.write(
            Self.timeoutName, attributes: Self.attributes, data: seconds.littleEndianBytes)
    }

    // MARK: Read-modify-write

    /// How often a variable that another program changed under us is read again and the change
    /// made again on its new value, before the write is refused.
    static let attempts = 8

    /// Writes `name` from its current value, so a change another program makes at the same time
    /// (efibootmgr, the firmware's own updater, an agent) is kept, never overwritten: the value is
    /// read, `change` computes the new one (nil deletes), and the variable is read again right
    /// before the write; when it differs, `change` is applied again to what is there now. After
    /// ``attempts`` such rounds nothing is written and the error says so. No store offers a
    /// compare-and-swap, so a writer can still slip into the instant between the last read and
    /// the write; every round narrows that to the time of one read.
    private mutating func update(_ name: EFIVariableName, _ change: ([UInt8]?) throws -> [UInt8]?) throws {
        var current = try store.read(name)?.data
        for _ in 0..<Self.attempts {
            let value = try change(current)
            let now = try store.read(name)?.data
            guard now == current else {
                current = now
                continue
            }
            if value == current { return }
            if let value {
                try store.write(name, attributes: Self.attributes, data: value)
            } else {
                try store.delete(name)
            }
            return
        }
        throw Self.changedMeanwhile(name)
    }

    /// ``update(_:_:)`` of a value decided from `expected` (what the configuration held): refused
    /// when the variable no longer holds it.
    private mutating func update(
        _ name: EFIVariableName, expecting expected: [UInt8]?, _ change: ([UInt8]?) throws -> [UInt8]?
    ) throws {
        try update(name) { current in
            guard current == expected else { throw Self.changedMeanwhile(name) }
            return try change(current)
        }
    }

    /// BootOrder rewritten by `change` from its current list (nil or empty when there is none).
    private mutating func updateOrder(_ change: ([UInt16]) throws -> [UInt16]) throws {
        try update(Self.bootOrderName) { data in
            let order = try change(data.map(BootConfiguration.order) ?? [])
            return data == nil && order.isEmpty ? nil : Self.orderBytes(order)
        }
    }

    static func orderBytes(_ order: [UInt16]) -> [UInt8] { order.flatMap(\.littleEndianBytes) }

    static func entryName(_ number: UInt16) -> EFIVariableName {
        EFIVariableName(BootConfiguration.variableName(number), vendor: BootConfiguration.globalVendor)
    }

    static func changedMeanwhile(_ name: EFIVariableName) -> EFIVariableError {
        EFIVariableError(
            .concurrentChange,
            "\(name.name) was changed by another program while this one updated it; left as the other program "
                + "wrote it: run the command again")
    }
}
