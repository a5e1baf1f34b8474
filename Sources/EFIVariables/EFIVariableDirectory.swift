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
public struct EFIVariableDirectory: Sendable {
    public static let live: FilePath = "/sys/firmware/efi/efivars"
    /// No variable the toolkit reads is near this size; efivarfs files are small.
    static let limit = 1 << 20

    public let path: FilePath

    public init(_ path: FilePath = live) {
        self.path = path
    }

    /// The variable, or nil when it does not exist. An unreadable directory or a file too short
    /// for the attributes is an error.
    public func read(_ variable: EFIVariableName) throws -> EFIVariable? {
        guard isDirectory(path) else {
            throw BinaryIOError(.cannotOpen, path: path.string, detail: "not a readable directory of EFI variables")
        }
        let file = path.appending(variable.description)
        let bytes: [UInt8]
        do {
            bytes = try ReadableFile.readAll(path: file, limit: Self.limit)
        } catch let error as BinaryIOError where error.code == .cannotOpen && !exists(file) {
            return nil
        }
        guard bytes.count >= 4 else {
            throw BinaryIOError(.truncated, path: file.string, field: "attributes", offset: 0)
        }
        let attributes = bytes.prefix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return EFIVariable(attributes: attributes, data: Array(bytes.dropFirst(4)))
    }

    private func isDirectory(_ path: FilePath) -> Bool {
        var status = stat()
        return stat(path.string, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
            && access(path.string, R_OK | X_OK) == 0
    }

    private func exists(_ path: FilePath) -> Bool {
        var status = stat()
        return stat(path.string, &status) == 0
    }
}
