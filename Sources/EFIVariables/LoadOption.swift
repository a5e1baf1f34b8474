import BinaryIO

/// An `EFI_LOAD_OPTION` (the content of `Boot####`; UEFI 2.10 3.1.3 "Load Options"), parsed with
/// EDK2's checks and serialized back byte for byte.
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 4 | Attributes |
/// | 4 | 2 | FilePathListLength |
/// | 6 | n | Description (UCS-2, NUL-terminated) |
/// | 6 + n | FilePathListLength | FilePathList |
/// | … | rest | OptionalData |
public struct LoadOption: Sendable, Equatable, BinaryParseable, BinarySerializable {
    public static let active: UInt32 = 0x1

    public var attributes: UInt32
    /// The Description's code units without the NUL, exactly as stored: units that are not text
    /// (a lone UTF-16 surrogate) are written back unchanged.
    public var descriptionUnits: [UInt16]
    public var filePath: DevicePath
    public var optionalData: [UInt8]

    /// A new option; `description` must be a label UCS-2 can carry (``UCS2/labelUnits(_:)``).
    public init(attributes: UInt32, description: String, filePath: DevicePath, optionalData: [UInt8] = []) throws {
        self.attributes = attributes
        descriptionUnits = try UCS2.labelUnits(description)
        self.filePath = filePath
        self.optionalData = optionalData
    }

    /// The description as text; a unit that is not text shows as U+FFFD.
    public var description: String { String(decoding: descriptionUnits, as: UTF16.self) }

    /// Parses all of the reader's bytes (a variable's data). The description must be
    /// NUL-terminated and the device path list must fit and end with an end node.
    public init(parsing reader: inout ByteReader) throws {
        let size = reader.remaining
        guard size > 6 else { throw EFIVariableError(.malformed, "\(size) bytes is too short for a load option") }
        attributes = try reader.readUInt32(field: "Attributes")
        let pathLength = Int(try reader.readUInt16(field: "FilePathListLength"))
        var units: [UInt16] = []
        while true {
            guard reader.remaining >= 2 else {
                throw EFIVariableError(.malformed, "the description has no terminating NUL")
            }
            let unit = try reader.readUInt16(field: "Description")
            if unit == 0 { break }
            units.append(unit)
        }
        descriptionUnits = units
        guard pathLength > 0, pathLength <= reader.remaining else {
            throw EFIVariableError(.malformed, "FilePathListLength \(pathLength) does not fit in \(size) bytes")
        }
        var pathReader = try reader.readReader(pathLength, field: "FilePathList")
        filePath = try DevicePath(parsing: &pathReader)
        optionalData = try reader.readBytes(reader.remaining, field: "OptionalData")
    }

    public func serialize(into writer: inout ByteWriter) {
        let path = filePath.bytes
        writer.write(attributes)
        writer.write(UInt16(truncatingIfNeeded: path.count))
        writer.write(UCS2.encode(units: descriptionUnits, terminated: true))
        writer.write(path)
        writer.write(optionalData)
    }

    public var isActive: Bool { attributes & Self.active != 0 }
}
