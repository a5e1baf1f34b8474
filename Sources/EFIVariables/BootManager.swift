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

    /// Writes `option` as a new `Boot####` and places it; returns its number.
    @discardableResult
    public mutating func add(_ option: LoadOption, position: Position) throws -> UInt16 {
        let configuration = try configuration()
        let number = try Self.freeNumber(in: configuration)
        let name = EFIVariableName(BootConfiguration.variableName(number), vendor: BootConfiguration.globalVendor)
        try store.write(name, attributes: Self.attributes, data: option.bytes)
        switch position {
        case .first: try writeOrder([number] + (configuration.bootOrder ?? []))
        case .last: try writeOrder((configuration.bootOrder ?? []) + [number])
        case .next: try writeNext(number)
        }
        return number
    }

    /// Rewrites an existing entry in place (same number, so BootOrder and BootNext stay valid);
    /// nothing is written when it already holds `option`.
    public mutating func replace(_ number: UInt16, with option: LoadOption) throws {
        let name = BootConfiguration.variableName(number)
        guard let entry = try configuration().entries.first(where: { $0.number == number }) else {
            throw EFIVariableError(.notFound, "there is no \(name)")
        }
        guard entry.option != option else { return }
        try store.write(
            EFIVariableName(name, vendor: BootConfiguration.globalVendor), attributes: Self.attributes,
            data: option.bytes)
    }

    /// Removes an entry: out of BootOrder and BootNext first, then the variable. The entry booted
    /// now and the last entry of BootOrder are refused.
    public mutating func remove(_ number: UInt16) throws {
        let configuration = try configuration()
        let name = BootConfiguration.variableName(number)
        guard configuration.entries.contains(where: { $0.number == number }) else {
            throw EFIVariableError(.notFound, "there is no \(name)")
        }
        guard configuration.bootCurrent != number else {
            throw EFIVariableError(.refused, "\(name) is the entry this system booted from (BootCurrent)")
        }
        if let order = configuration.bootOrder, order.contains(number) {
            let remaining = order.filter { $0 != number }
            guard remaining.contains(where: { entry in configuration.entries.contains { $0.number == entry } }) else {
                throw EFIVariableError(.refused, "removing \(name) would leave BootOrder without a boot entry")
            }
            try writeOrder(remaining)
        }
        if configuration.bootNext == number { try setNext(nil) }
        try store.delete(EFIVariableName(name, vendor: BootConfiguration.globalVendor))
    }

    /// Replaces BootOrder; every number must be an existing entry.
    public mutating func setOrder(_ order: [UInt16]) throws {
        let configuration = try configuration()
        guard !order.isEmpty else { throw EFIVariableError(.refused, "BootOrder would be empty") }
        for number in order where !configuration.entries.contains(where: { $0.number == number }) {
            throw EFIVariableError(.notFound, "there is no \(BootConfiguration.variableName(number))")
        }
        guard Set(order).count == order.count else {
            throw EFIVariableError(.refused, "BootOrder lists an entry twice")
        }
        try writeOrder(order)
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

    private mutating func writeOrder(_ order: [UInt16]) throws {
        try store.write(
            Self.bootOrderName, attributes: Self.attributes, data: order.flatMap(\.littleEndianBytes))
    }
}
