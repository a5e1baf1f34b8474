import BinaryIO

/// One device path node, kept byte-exact: type, subtype and the data after the 4-byte header.
public struct DevicePathNode: Sendable, Equatable {
    public let type: UInt8
    public let subtype: UInt8
    public let data: [UInt8]

    public init(type: UInt8, subtype: UInt8, data: [UInt8]) {
        self.type = type
        self.subtype = subtype
        self.data = data
    }

    public static let endEntire = DevicePathNode(type: 0x7F, subtype: 0xFF, data: [])
    public static let endInstance = DevicePathNode(type: 0x7F, subtype: 0x01, data: [])

    public var isEnd: Bool { type == 0x7F || type == 0xFF }

    /// Header and data as stored.
    public var bytes: [UInt8] {
        let length = 4 + data.count
        return [type, subtype] + UInt16(truncatingIfNeeded: length).littleEndianBytes + data
    }
}

/// An EFI device path (list): nodes up to and including the End Entire node. Parsing checks every
/// length and requires the end node; serialization gives back the same bytes.
public struct DevicePath: Sendable, Equatable {
    public let nodes: [DevicePathNode]
    /// Bytes after the first End Entire node: further device paths some loaders keep in the list
    /// (U-Boot's initrd). EDK2 and the kernel stop at the first end; they are kept as they are.
    public let trailing: [UInt8]

    public init(nodes: [DevicePathNode], trailing: [UInt8] = []) {
        self.nodes = nodes
        self.trailing = trailing
    }

    /// Parses exactly `bytes` (a FilePathList): nodes must fit, be at least 4 bytes, and the list
    /// must end with End Entire at its last byte. `origin` names the input in errors.
    public init(parsing bytes: ArraySlice<UInt8>, origin: String) throws {
        var nodes: [DevicePathNode] = []
        var offset = bytes.startIndex
        while true {
            guard bytes.endIndex - offset >= 4 else {
                throw EFIVariableError(
                    .malformed, "\(origin): device path has no end node (at byte \(offset - bytes.startIndex))")
            }
            let length = Int(UInt16(littleEndianBytes: bytes[(offset + 2)..<(offset + 4)]))
            guard length >= 4, length <= bytes.endIndex - offset else {
                throw EFIVariableError(
                    .malformed,
                    "\(origin): device path node at byte \(offset - bytes.startIndex) claims \(length) bytes")
            }
            let node = DevicePathNode(
                type: bytes[offset], subtype: bytes[offset + 1], data: Array(bytes[(offset + 4)..<(offset + length)]))
            nodes.append(node)
            offset += length
            if node.isEnd && node.subtype == 0xFF { break }
        }
        self.nodes = nodes
        trailing = Array(bytes[offset...])
    }

    public var bytes: [UInt8] { nodes.flatMap(\.bytes) + trailing }

    /// The paths of its File() (media file path) nodes, in order.
    public var filePaths: [String] {
        nodes.filter { $0.type == 4 && $0.subtype == 4 }.map { UCS2.decode($0.data[...]) }
    }

    /// The text EDK2's ConvertDevicePathToText prints (DisplayOnly FALSE): nodes joined by `/`;
    /// an instance end prints `,` and the next node still gets its `/` (`A,/B`), as in EDK2.
    public var text: String {
        var output = ""
        for node in nodes where !(node.isEnd && node.subtype == 0xFF) {
            let text = node.isEnd ? "," : DevicePathText.node(node)
            if !output.isEmpty, text != "," { output += "/" }
            output += text
        }
        return output
    }
}
