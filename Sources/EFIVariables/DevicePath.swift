import BinaryIO

/// One device path node, kept byte-exact: type, subtype and the data after the 4-byte header
/// (UEFI 2.10 10.3.1 "Generic Device Path Structures"). Nodes this toolkit does not know are kept
/// as they are.
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 1 | Type |
/// | 1 | 1 | Sub-Type |
/// | 2 | 2 | Length (header included) |
/// | 4 | Length - 4 | data |
public struct DevicePathNode: Sendable, Equatable, BinaryParseable, BinarySerializable {
    public let type: UInt8
    public let subtype: UInt8
    public let data: [UInt8]

    public init(type: UInt8, subtype: UInt8, data: [UInt8]) {
        self.type = type
        self.subtype = subtype
        self.data = data
    }

    /// The most data a node holds (its Length is 16 bits and counts the header).
    static let maximumDataSize = Int(UInt16.max) - 4

    init(_ kind: DevicePathNodeKind, data: [UInt8]) {
        self.init(type: kind.type, subtype: kind.subtype, data: data)
    }

    public static let endEntire = DevicePathNode(.endEntire, data: [])
    public static let endInstance = DevicePathNode(.endInstance, data: [])

    /// The node's kind when this toolkit names it.
    public var kind: DevicePathNodeKind? { DevicePathNodeKind(rawValue: UInt16(type) << 8 | UInt16(subtype)) }

    public var isEnd: Bool { type == DevicePathType.end.rawValue || type == DevicePathType.endLegacy.rawValue }

    /// The End Entire node that ends a device path.
    var isEndEntire: Bool { isEnd && subtype == DevicePathNodeKind.endEntire.subtype }

    /// The node's fields when it is an `HD(…)` node of the spec's size.
    public var hardDrive: HardDriveNode? {
        guard kind == .hardDrive, data.count == HardDriveNode.size else { return nil }
        var reader = ByteReader(data)
        return try? HardDriveNode(parsing: &reader)
    }

    /// Reads one node; its Length must cover the header and fit. Offsets in errors count from the
    /// reader's first byte.
    public init(parsing reader: inout ByteReader) throws {
        let start = reader.position
        type = try reader.readUInt8(field: "Type")
        subtype = try reader.readUInt8(field: "Sub-Type")
        let length = Int(try reader.readUInt16(field: "Length"))
        guard length >= 4, length - 4 <= reader.remaining else {
            throw EFIVariableError(.malformed, "device path node at byte \(start) claims \(length) bytes")
        }
        data = try reader.readBytes(length - 4, field: "device path node data")
    }

    public func serialize(into writer: inout ByteWriter) {
        writer.write(type)
        writer.write(subtype)
        writer.write(UInt16(truncatingIfNeeded: 4 + data.count))
        writer.write(data)
    }
}

/// An EFI device path (list): nodes up to and including the End Entire node. Parsing checks every
/// length and requires the end node; serialization gives back the same bytes.
public struct DevicePath: Sendable, Equatable, BinaryParseable, BinarySerializable {
    public let nodes: [DevicePathNode]
    /// Bytes after the first End Entire node: further device paths some loaders keep in the list
    /// (U-Boot's initrd). EDK2 and the kernel stop at the first end; they are kept as they are.
    public let trailing: [UInt8]

    public init(nodes: [DevicePathNode], trailing: [UInt8] = []) {
        self.nodes = nodes
        self.trailing = trailing
    }

    /// Parses a FilePathList: all of the reader's bytes. Nodes must fit and be at least 4 bytes,
    /// and an End Entire node must come before the end; what follows it is ``trailing``.
    public init(parsing reader: inout ByteReader) throws {
        let start = reader.position
        var nodes: [DevicePathNode] = []
        while nodes.last?.isEndEntire != true {
            guard reader.remaining >= 4 else {
                throw EFIVariableError(.malformed, "device path has no end node (at byte \(reader.position - start))")
            }
            nodes.append(try DevicePathNode(parsing: &reader))
        }
        self.nodes = nodes
        trailing = try reader.readBytes(reader.remaining, field: "FilePathList")
    }

    public func serialize(into writer: inout ByteWriter) {
        for node in nodes { node.serialize(into: &writer) }
        writer.write(trailing)
    }

    /// The paths of its File() (media file path) nodes, in order.
    public var filePaths: [String] {
        nodes.filter { $0.kind == .filePath }
            .map { UCS2.decode($0.data[...]) }
    }

    /// The text EDK2's ConvertDevicePathToText prints (DisplayOnly FALSE): nodes joined by `/`;
    /// an instance end prints `,` and the next node still gets its `/` (`A,/B`), as in EDK2.
    /// ``init(text:)`` gives back the same nodes: end nodes other than the standard ones (the
    /// legacy 0xFF type, data in an end node) print in the generic form. Only ``trailing`` bytes
    /// have no text.
    public var text: String {
        var output = ""
        for (index, node) in nodes.enumerated() where !(node == .endEntire && index == nodes.count - 1) {
            let text = node == .endInstance ? "," : node.text
            if !output.isEmpty, text != "," { output += "/" }
            output += text
        }
        return output
    }
}

extension BinaryParseable {
    /// Parses one value from the start of `bytes`; every error is an ``EFIVariableError`` whose
    /// message starts with `origin` (the variable or file the bytes came from).
    public init(parsing bytes: some Sequence<UInt8>, origin: String) throws {
        var reader = ByteReader(Array(bytes))
        do {
            try self.init(parsing: &reader)
        } catch let error as EFIVariableError {
            throw EFIVariableError(error.code, "\(origin): \(error.message)")
        } catch let error as BinaryIOError {
            throw EFIVariableError(.malformed, "\(origin): \(error.message)")
        }
    }
}
