import BinaryIO
import Glibc
import SystemPackage

/// An EFI variable's identity: its name and vendor GUID (lowercase text, as efivarfs names files).
public struct EFIVariableName: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let vendor: String

    public init(_ name: String, vendor: String) {
        self.name = name
        self.vendor = vendor.lowercased()
    }

    /// `Name-guid`, the efivarfs file name.
    public var description: String { "\(name)-\(vendor)" }
}

/// A variable's content: attributes and data.
public struct EFIVariable: Sendable, Equatable {
    public let attributes: UInt32
    public let data: [UInt8]
}

/// Variables laid out as efivarfs does: one `Name-guid` file per variable, holding the 32-bit
/// little-endian attributes and then the data. `/sys/firmware/efi/efivars` on a running system,
/// or any directory with such files (tests, chroots, copies of a machine's variables).
///
/// On efivarfs a write is one `write()` (one SetVariable) of attributes and data, and the
/// immutable flag the kernel puts on non-standard variables is cleared around writes and deletes
/// and restored. In a plain directory a write replaces the file atomically, so a shorter value
/// leaves no stale tail.
public struct EFIVariableDirectory: VariableStore, Sendable {
    public static let live: FilePath = "/sys/firmware/efi/efivars"
    /// No variable the toolkit reads is near this size; efivarfs files are small.
    static let limit = 1 << 20

    public let path: FilePath
    /// Whether this is the kernel's efivarfs, not a plain directory (found once, when opened).
    public let isEfivarfs: Bool

    public init(_ path: FilePath = live) {
        self.path = path
        isEfivarfs = FileSystemType(path: path) == .efivarfs
    }

    /// The variable, or nil when it does not exist. An unreadable directory or a file too short
    /// for the attributes is an error.
    public func read(_ variable: EFIVariableName) throws -> EFIVariable? {
        let file = path.appending(variable.description)
        let bytes: [UInt8]
        do {
            bytes = try ReadableFile.readAll(path: file, limit: Self.limit)
        } catch let error as BinaryIOError where error.code == .cannotOpen && !exists(file) {
            guard Self.isReadableDirectory(path) else {
                throw BinaryIOError(.cannotOpen, path: path.string, detail: "not a readable directory of EFI variables")
            }
            return nil
        }
        // efivarfs shows a variable being created as an empty file: not there yet.
        if bytes.isEmpty { return nil }
        guard bytes.count >= 4 else {
            throw BinaryIOError(.truncated, path: file.string, field: "attributes", offset: 0)
        }
        let attributes = UInt32(littleEndianBytes: bytes.prefix(4))
        return EFIVariable(attributes: attributes, data: Array(bytes.dropFirst(4)))
    }

    public func names() throws -> [EFIVariableName] {
        try directoryEntries(path).compactMap { file -> EFIVariableName? in
            guard file.count > 37, file.dropLast(36).last == "-", EFIGUID(String(file.suffix(36))) != nil else {
                return nil
            }
            return EFIVariableName(String(file.dropLast(37)), vendor: String(file.suffix(36)))
        }.sorted { ($0.vendor, $0.name) < ($1.vendor, $1.name) }
    }

    public mutating func write(_ variable: EFIVariableName, attributes: UInt32, data: [UInt8]) throws {
        try variable.checkSize(of: data)
        let file = path.appending(variable.description)
        let content = attributes.littleEndianBytes + data
        guard isEfivarfs else {
            let output = try AtomicOutputFile(destination: file)
            try content.withUnsafeBytes { try output.write($0) }
            return try output.commit()
        }
        let created = !exists(file)
        try withMutableFile(file) {
            let descriptor = open(file.string, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw Self.failure(file, "cannot open for writing") }
            defer { close(descriptor) }
            // The kernel makes a new non-standard variable immutable at creation: cleared for the
            // write and set again after it, as systemd does, so the variable stays as the kernel made it.
            let madeImmutable = created && Self.setImmutable(descriptor, false)
            defer { if madeImmutable { Self.setImmutable(descriptor, true) } }
            let written = content.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written == content.count else {
                let failure = Self.failure(file, "writing the variable failed")
                if created { unlink(file.string) }
                throw failure
            }
        }
    }

    @discardableResult
    public mutating func delete(_ variable: EFIVariableName) throws -> Bool {
        let file = path.appending(variable.description)
        guard exists(file) else { return false }
        try withMutableFile(file) {
            guard unlink(file.string) == 0 else { throw Self.failure(file, "cannot delete") }
        }
        return true
    }

    /// Runs `body` with the file's immutable flag cleared (efivarfs), restoring it afterwards if the
    /// file still exists.
    private func withMutableFile(_ file: FilePath, _ body: () throws -> Void) throws {
        let descriptor = isEfivarfs ? open(file.string, O_RDONLY | O_CLOEXEC) : -1
        defer { if descriptor >= 0 { close(descriptor) } }
        let wasImmutable = descriptor >= 0 && Self.setImmutable(descriptor, false)
        defer { if wasImmutable, exists(file) { Self.setImmutable(descriptor, true) } }
        try body()
    }

    private static let getFlags: UInt = 0x8008_6601
    private static let setFlags: UInt = 0x4008_6602
    private static let immutableFlag: Int32 = 0x10

    /// Sets or clears FS_IMMUTABLE_FL; returns whether the flag was set before.
    @discardableResult
    private static func setImmutable(_ descriptor: Int32, _ on: Bool) -> Bool {
        var flags: Int32 = 0
        guard ioctl(descriptor, getFlags, &flags) == 0 else { return false }
        let was = flags & immutableFlag != 0
        var updated = on ? flags | immutableFlag : flags & ~immutableFlag
        if updated != flags { _ = ioctl(descriptor, setFlags, &updated) }
        return was
    }

    private static func failure(_ file: FilePath, _ what: String) -> BinaryIOError {
        let reason = Errno(rawValue: errno)
        let advice: String
        switch reason {
        case .readOnlyFileSystem:
            advice = " (efivarfs is mounted read-only: mount -o remount,rw /sys/firmware/efi/efivars)"
        case .notPermitted, .permissionDenied:
            advice = " (needs root; the variable may be immutable and CAP_LINUX_IMMUTABLE is required to clear that)"
        case .invalidArgument: advice = " (the kernel or firmware rejected the content or the attributes)"
        case .noSpace: advice = " (the firmware's variable store is full)"
        default: advice = ""
        }
        return BinaryIOError(.writeFailed, path: file.string, detail: "\(what): \(reason.osMessage)\(advice)")
    }

    /// A directory this process can list and read files in.
    public static func isReadableDirectory(_ path: FilePath) -> Bool {
        var status = stat()
        return stat(path.string, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
            && access(path.string, R_OK | X_OK) == 0
    }

    private func exists(_ path: FilePath) -> Bool {
        var status = stat()
        return stat(path.string, &status) == 0
    }
}
