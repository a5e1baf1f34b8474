/// Reads little-endian integers and byte runs from an in-memory buffer, checking every access.
///
/// All bounds checks of the binary parsers live here: a read either returns the requested bytes
/// or throws ``BinaryIOErrorCode/truncated`` naming the field and the file offset. Offsets in
/// errors are file offsets: `baseOffset` is where `bytes[0]` sits in the file.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public let baseOffset: Int
    public private(set) var position: Int

    public init(_ bytes: [UInt8], baseOffset: Int = 0) {
        self.bytes = bytes
        self.baseOffset = baseOffset
        self.position = 0
    }

    /// Bytes left after `position`.
    public var remaining: Int { bytes.count - position }

    /// Moves to an absolute position inside the buffer.
    public mutating func seek(to newPosition: Int, field: String) throws {
        guard newPosition >= 0, newPosition <= bytes.count else {
            throw BinaryIOError(.truncated, field: field, offset: baseOffset + max(newPosition, 0))
        }
        position = newPosition
    }

    public mutating func readBytes(_ count: Int, field: String) throws -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw BinaryIOError(.truncated, field: field, offset: baseOffset + position)
        }
        let slice = Array(bytes[position..<(position + count)])
        position += count
        return slice
    }

    /// A reader over the next `count` bytes (offsets in its errors stay file offsets), for a
    /// structure whose length a field before it declares.
    public mutating func readReader(_ count: Int, field: String) throws -> ByteReader {
        let start = baseOffset + position
        return ByteReader(try readBytes(count, field: field), baseOffset: start)
    }

    public mutating func readUInt8(field: String) throws -> UInt8 {
        try readInteger(UInt8.self, field: field)
    }

    public mutating func readUInt16(field: String) throws -> UInt16 {
        try readInteger(UInt16.self, field: field)
    }

    public mutating func readUInt32(field: String) throws -> UInt32 {
        try readInteger(UInt32.self, field: field)
    }

    public mutating func readUInt64(field: String) throws -> UInt64 {
        try readInteger(UInt64.self, field: field)
    }

    private mutating func readInteger<T: FixedWidthInteger>(_: T.Type, field: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard size <= remaining else {
            throw BinaryIOError(.truncated, field: field, offset: baseOffset + position)
        }
        var value: T = 0
        for index in 0..<size {
            value |= T(bytes[position + index]) << (8 * index)
        }
        position += size
        return value
    }
}
