/// Where EFI variables live: the running machine's efivarfs, a directory of efivarfs-style
/// files, or an OVMF varstore file. Keyed by (vendor GUID, name).
public protocol VariableStore {
    /// Every variable's name, sorted by vendor then name.
    func names() throws -> [EFIVariableName]
    func read(_ variable: EFIVariableName) throws -> EFIVariable?
    /// Creates or replaces a variable (one whole-variable update).
    mutating func write(_ variable: EFIVariableName, attributes: UInt32, data: [UInt8]) throws
    /// Removes a variable; false when there was none.
    @discardableResult mutating func delete(_ variable: EFIVariableName) throws -> Bool
    /// Makes the changes durable: nothing for efivarfs and directories (every write is already
    /// done), an atomic save for a varstore file.
    func commit() throws
}

extension EFIVariableDirectory {
    public func commit() {}
}

extension OVMFVarStore: VariableStore {
    /// Saves to the file the store was loaded from.
    public func commit() throws {
        guard let path else { throw EFIVariableError(.notFound, "\(origin): the store was not loaded from a file") }
        try save(to: path)
    }

    public func names() -> [EFIVariableName] {
        variables.map { EFIVariableName($0.name, vendor: $0.vendor.description) }
            .sorted { ($0.vendor, $0.name) < ($1.vendor, $1.name) }
    }
}
