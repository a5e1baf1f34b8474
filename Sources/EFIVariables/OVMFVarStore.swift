import BinaryIO
import Glibc
import SystemPackage

/// An OVMF/edk2 variable store file (`OVMF_VARS*.fd`, spec digest §4), held in memory (they are
/// 128 KiB to 4 MiB). Reading follows EDK2: records from the store start while StartId is 0x55AA;
/// live = State 0x3F, or 0x3E when no 0x3F copy exists; keyed by (vendor GUID, name). Writing
/// follows the firmware's own update (no compaction): the old record is marked in transition, the
/// new one appended and marked added, the old one marked deleted. Every byte not involved stays as
/// it was, and the firmware-volume header, event log and fault-tolerant-write areas are never touched.
public struct OVMFVarStore: Sendable {
    /// One variable record as stored.
    public struct Record: Sendable, Equatable {
        public let offset: Int
        public internal(set) var state: UInt8
        public let attributes: UInt32
        public let vendor: EFIGUID
        public let name: String
        public let data: [UInt8]
    }

    static let added: UInt8 = 0x3F
    static let inDeletedTransition: UInt8 = 0xFE
    static let deleted: UInt8 = 0xFD

    public private(set) var bytes: [UInt8]
    public let origin: String
    /// The file the store was loaded from, where ``commit()`` saves it.
    public private(set) var path: FilePath?
    let storeEnd: Int
    public private(set) var records: [Record]
    /// Where the next record goes (the first byte after the last record, 4-aligned).
    private(set) var endOfList: Int

    public init(bytes: [UInt8], origin: String) throws {
        func fail(_ why: String) -> EFIVariableError { EFIVariableError(.malformed, "\(origin): \(why)") }
        guard bytes.count >= VolumeHeader.minimumLength + StoreHeader.size else {
            throw fail("not an OVMF variable store (no NV-data firmware volume header)")
        }
        let volume = try VolumeHeader(parsing: bytes, origin: origin)
        let store = volume.headerLength
        guard store + StoreHeader.size <= bytes.count else { throw fail("bad firmware volume header length") }
        var reader = ByteReader(bytes)
        try reader.seek(to: store, field: "VARIABLE_STORE_HEADER")
        let header = try StoreHeader(parsing: &reader)
        guard header.signature == StoreHeader.authenticatedVariableGUID else {
            throw fail("the variable store is not in the authenticated format OVMF uses")
        }
        guard header.format == StoreHeader.formatted, header.state == StoreHeader.healthy else {
            throw fail("the variable store is not formatted and healthy")
        }
        let storeSize = Int(header.size)
        guard storeSize >= StoreHeader.size, store + storeSize <= bytes.count else {
            throw fail("variable store size \(storeSize) does not fit")
        }
        storeEnd = store + storeSize
        var records: [Record] = []
        var position = reader.position
        while position + VariableHeader.size <= storeEnd {
            try reader.seek(to: position, field: "variable record")
            let variable = try VariableHeader(parsing: &reader)
            guard variable.startId == VariableHeader.validStartId else { break }
            let nameSize = Int(variable.nameSize)
            let dataSize = Int(variable.dataSize)
            let size = VariableHeader.size + nameSize + dataSize
            guard nameSize <= storeEnd, dataSize <= storeEnd, position + size <= storeEnd else {
                throw fail("variable record at \(hex(position)) runs past the store")
            }
            records.append(
                Record(
                    offset: position, state: variable.state, attributes: variable.attributes, vendor: variable.vendor,
                    name: UCS2.decode(try reader.readBytes(nameSize, field: "variable name")[...]),
                    data: try reader.readBytes(dataSize, field: "variable data")))
            position = (position + size + 3) & ~3
        }
        self.bytes = bytes
        self.origin = origin
        self.records = records
        endOfList = position
    }

    /// Reads and parses a store file. A symbolic link (a VM's NVRAM file behind a link) is saved
    /// through to its target, never replaced by a plain file.
    public static func load(_ path: FilePath) throws -> OVMFVarStore {
        var store = try OVMFVarStore(bytes: try ReadableFile.readAll(path: path, limit: 64 << 20), origin: path.string)
        store.path = (try? path.resolvingLinks()) ?? path
        return store
    }

    /// The live records in store order (an in-transition copy counts when no added copy exists).
    public var variables: [Record] {
        let added = Set(records.filter { $0.state == Self.added }.map { Key($0) })
        return records.filter {
            $0.state == Self.added || ($0.state == Self.added & Self.inDeletedTransition && !added.contains(Key($0)))
        }
    }

    public func read(_ variable: EFIVariableName) throws -> EFIVariable? {
        guard let record = live(variable) else { return nil }
        return EFIVariable(attributes: record.attributes, data: record.data)
    }

    /// Creates or replaces `variable` the way the firmware does. Time-based authenticated
    /// variables (Secure Boot keys) cannot be written: they need a signed update.
    public mutating func write(_ variable: EFIVariableName, attributes: UInt32, data: [UInt8]) throws {
        try variable.checkSize(of: data)
        let existing = live(variable)
        guard attributes & 0x30 == 0, (existing?.attributes ?? 0) & 0x30 == 0 else {
            throw EFIVariableError(.malformed, "\(origin): \(variable) needs an authenticated (signed) update")
        }
        guard attributes & 0x01 != 0, attributes & 0x40 == 0, attributes <= 0x7F else {
            throw EFIVariableError(
                .malformed,
                "\(origin): attributes \(hex(attributes)) for \(variable): a store holds non-volatile variables only")
        }
        guard existing == nil || existing?.attributes == attributes else {
            throw EFIVariableError(
                .malformed,
                "\(origin): \(variable) has attributes \(hex(existing!.attributes)); the firmware refuses to change them"
            )
        }
        guard !data.isEmpty else {
            throw EFIVariableError(.malformed, "\(origin): an empty \(variable) would delete it; delete it instead")
        }
        guard let vendor = EFIGUID(variable.vendor) else {
            throw EFIVariableError(.malformed, "\(variable.vendor) is not a GUID")
        }
        let name = UCS2.encode(variable.name, terminated: true)
        let size = VariableHeader.size + name.count + data.count
        guard endOfList + size <= storeEnd else {
            throw EFIVariableError(.storeFull, "\(origin): no room for \(variable) (\(size) bytes); the store is full")
        }
        guard bytes[endOfList..<(endOfList + size)].allSatisfy({ $0 == 0xFF }) else {
            throw EFIVariableError(.malformed, "\(origin): the free space after the last variable is not erased")
        }
        try checkNoPendingFaultTolerantWrite()
        if let existing { setState(of: existing, to: existing.state & Self.inDeletedTransition) }
        var record = ByteWriter(capacity: size)
        VariableHeader(
            state: Self.added, attributes: attributes, nameSize: UInt32(name.count), dataSize: UInt32(data.count),
            vendor: vendor
        ).serialize(into: &record)
        record.write(name + data)
        bytes.replaceSubrange(endOfList..<(endOfList + size), with: record.bytes)
        records.append(
            Record(
                offset: endOfList, state: Self.added, attributes: attributes, vendor: vendor, name: variable.name,
                data: data))
        endOfList = (endOfList + size + 3) & ~3
        if let existing { setState(of: existing, to: existing.state & Self.inDeletedTransition & Self.deleted) }
        markTransitionCopiesDeleted(variable)
    }

    /// Deletes `variable`; false when it did not exist.
    @discardableResult
    public mutating func delete(_ variable: EFIVariableName) throws -> Bool {
        try checkNoPendingFaultTolerantWrite()
        guard let old = live(variable) else { return false }
        setState(of: old, to: old.state & Self.deleted)
        markTransitionCopiesDeleted(variable)
        return true
    }

    /// Copies left in transition by an interrupted update would come back to life once the live
    /// copy is gone; EDK2 marks them deleted too.
    private mutating func markTransitionCopiesDeleted(_ variable: EFIVariableName) {
        for record in records
        where record.state == Self.added & Self.inDeletedTransition && Self.record(record, is: variable) {
            setState(of: record, to: record.state & Self.deleted)
        }
    }

    /// Writes the store to `path` atomically (temporary file, fsync, rename), keeping the mode and
    /// owner of the file it replaces. A file that a running QEMU holds locked is refused: the VM
    /// would go on writing to the old file and its view would no longer match.
    public func save(to path: FilePath) throws {
        if Self.isLockedByAnotherProcess(path) {
            throw EFIVariableError(.malformed, "\(path): in use (locked by a running VM?); stop it before editing")
        }
        let output = try AtomicOutputFile(destination: path)
        try output.keepModeAndOwner(of: path)
        try bytes.withUnsafeBytes { try output.write($0) }
        try output.commit()
    }

    /// Whether another process holds an open-file-description lock on `path` (QEMU locks its
    /// image files that way).
    static func isLockedByAnotherProcess(_ path: FilePath) -> Bool {
        let descriptor = open(path.string, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        guard fcntl(descriptor, Self.openFileDescriptionGetLock, &lock) == 0 else { return false }
        return lock.l_type != Int16(F_UNLCK)
    }

    /// F_OFD_GETLK (Linux; Glibc does not export it to Swift).
    static let openFileDescriptionGetLock: Int32 = 36

    /// The fault-tolerant-write working block follows the event log (one 4 KiB block after the
    /// store). Its queue keeps completed write headers until the block fills; only the last one
    /// that was allocated matters: if it is not complete, firmware stopped in the middle of a
    /// reclaim and editing the store could lose variables. Each write record after a header is
    /// 40 bytes plus the header's private data.
    private func checkNoPendingFaultTolerantWrite() throws {
        let block = storeEnd + 0x1000
        guard block + WorkingBlockHeader.size <= bytes.count else { return }
        var reader = ByteReader(bytes)
        try reader.seek(to: block, field: "fault-tolerant-write working block")
        let working = try WorkingBlockHeader(parsing: &reader)
        guard working.signature == WorkingBlockHeader.workingBlockGUID else { return }
        let queueEnd = min(bytes.count, reader.position + Int(min(working.writeQueueSize, 0x10_0000)))
        var position = reader.position
        var lastIncomplete = false
        while position + WriteHeader.size <= queueEnd {
            try reader.seek(to: position, field: "fault-tolerant write header")
            let header = try WriteHeader(parsing: &reader)
            guard header.isAllocated else { break }
            lastIncomplete = !header.isComplete
            let writes = Int(min(header.numberOfWrites, 0x1000))
            let privateSize = Int(min(header.privateDataSize, 0x10_0000))
            position += WriteHeader.size + writes * (WriteHeader.size + privateSize)
        }
        guard !lastIncomplete else {
            throw EFIVariableError(
                .malformed,
                "\(origin): a fault-tolerant write is pending (firmware was interrupted); boot it once first")
        }
    }

    /// The live record of `variable`: the added copy, else one left in transition (as ``variables``).
    private func live(_ variable: EFIVariableName) -> Record? {
        records.first { $0.state == Self.added && Self.record($0, is: variable) }
            ?? records.first { $0.state == Self.added & Self.inDeletedTransition && Self.record($0, is: variable) }
    }

    private static func record(_ record: Record, is variable: EFIVariableName) -> Bool {
        record.name == variable.name && record.vendor.description == variable.vendor
    }

    private mutating func setState(of record: Record, to state: UInt8) {
        bytes[record.offset + VariableHeader.stateOffset] = state
        if let index = records.firstIndex(where: { $0.offset == record.offset }) { records[index].state = state }
    }

    private struct Key: Hashable {
        let vendor: EFIGUID
        let name: String
        init(_ record: Record) {
            vendor = record.vendor
            name = record.name
        }
    }
}
