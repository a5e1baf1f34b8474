/// An `EFI_LOAD_OPTION` (the content of `Boot####`): attributes, description, device path list
/// and optional data, parsed with EDK2's checks and serialized back byte for byte.
public struct LoadOption: Sendable, Equatable {
    public static let active: UInt32 = 0x1

    public var attributes: UInt32
    public var description: String
    public var filePath: DevicePath
    public var optionalData: [UInt8]

    public init(attributes: UInt32, description: String, filePath: DevicePath, optionalData: [UInt8] = []) {
        self.attributes = attributes
        self.description = description
        self.filePath = filePath
        self.optionalData = optionalData
    }

    /// Parses a variable's data. The description must be NUL-terminated and the device path list
    /// must fit and end with an end node. `origin` names the variable in errors.
    public init(parsing bytes: [UInt8], origin: String) throws {
        guard bytes.count > 6 else {
            throw EFIVariableError(.malformed, "\(origin): \(bytes.count) bytes is too short for a load option")
        }
        attributes = UInt32(littleEndianBytes: bytes[0..<4])
        let pathLength = Int(UInt16(littleEndianBytes: bytes[4..<6]))
        var end = 6
        while end + 1 < bytes.count, bytes[end] != 0 || bytes[end + 1] != 0 { end += 2 }
        guard end + 1 < bytes.count else {
            throw EFIVariableError(.malformed, "\(origin): the description has no terminating NUL")
        }
        description = UCS2.decode(bytes[6..<end])
        let pathStart = end + 2
        guard pathLength > 0, pathStart + pathLength <= bytes.count else {
            throw EFIVariableError(
                .malformed, "\(origin): FilePathListLength \(pathLength) does not fit in \(bytes.count) bytes")
        }
        filePath = try DevicePath(parsing: bytes[pathStart..<(pathStart + pathLength)], origin: origin)
        optionalData = Array(bytes[(pathStart + pathLength)...])
    }

    public var bytes: [UInt8] {
        let path = filePath.bytes
        return attributes.littleEndianBytes + UInt16(truncatingIfNeeded: path.count).littleEndianBytes
            + UCS2.encode(description, terminated: true) + path + optionalData
    }

    public var isActive: Bool { attributes & Self.active != 0 }
}
