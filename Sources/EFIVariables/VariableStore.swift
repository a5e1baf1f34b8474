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

extension EFIVariableName {
    /// The most bytes one variable takes in the firmware's store: its header, its UCS-2 name with
    /// the NUL, and its data. This is OVMF's PcdMaxVariableSize (0x8400 in edk2's
    /// OvmfPkg/OvmfPkgX64.dsc for the 4 MiB images distributions ship; also PcdMaxAuthVariableSize),
    /// which edk2's SetVariable checks as `StrSize (VariableName) + DataSize >
    /// MaxVariableSize - GetVariableHeaderSize ()` (MdeModulePkg/Universal/Variable/RuntimeDxe/
    /// Variable.c). Firmware of real machines allows the same or less.
    public static let maximumVariableSize = 0x8400

    /// Throws unless `data` under this name fits in ``maximumVariableSize`` with the authenticated
    /// variable header OVMF stores every variable with. Every store checks each write with this.
    func checkSize(of data: [UInt8]) throws {
        let size = OVMFVarStore.VariableHeader.size + UCS2.encode(name, terminated: true).count + data.count
        guard size <= Self.maximumVariableSize else {
            throw EFIVariableError(
                .invalidArgument,
                "\(name): \(size) bytes (header, name and \(data.count) bytes of data) exceed the firmware's limit "
                    + "of \(Self.maximumVariableSize) (0x\(String(Self.maximumVariableSize, radix: 16))) per variable")
        }
    }
}
