/// Appends little-endian integers and byte runs to a growing buffer, or overwrites them at a
/// fixed position (`patch`), for serializing on-disk structures.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func write(_ value: UInt8) { bytes.append(value) }
    public mutating func write(_ value: UInt16) { writeInteger(value) }
    public mutating func write(_ value: UInt32) { writeInteger(value) }
    public mutating func write(_ value: UInt64) { writeInteger(value) }
    public mutating func write(_ run: [UInt8]) { bytes.append(contentsOf: run) }
    public mutating func writeZeros(_ count: Int) { bytes.append(contentsOf: repeatElement(0, count: count)) }

    private mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        bytes.append(contentsOf: value.littleEndianBytes)
    }
}

extension FixedWidthInteger {
    /// The little-endian bytes (a header field patched in place, a variable's attributes).
    public var littleEndianBytes: [UInt8] {
        (0..<MemoryLayout<Self>.size).map { UInt8(truncatingIfNeeded: self >> (8 * $0)) }
    }

    /// The big-endian (network, TPM) bytes.
    public var bigEndianBytes: [UInt8] { littleEndianBytes.reversed() }

    /// The value of little-endian `bytes` (as many as the collection holds, at most the type's size).
    public init(littleEndianBytes bytes: some BidirectionalCollection<UInt8>) {
        self = bytes.reversed().reduce(0) { $0 << 8 | Self(truncatingIfNeeded: $1) }
    }
}
