/// The PE CheckSum, computed incrementally over a stream (spec digest §1.8; `pe_checksum` in
/// systemd's pe-binary.c): the one's-complement sum of all little-endian 16-bit words of the file
/// with the CheckSum field counted as zero, folded to 16 bits, plus the file size.
///
/// Words are summed 32 bits at a time into a 64-bit accumulator: since 2^16 ≡ 1 (mod 0xFFFF),
/// the sum is the same modulo 0xFFFF, and end-around-carry folding is that modulus with 0xFFFF
/// standing for a non-zero multiple. Feed the CheckSum field as zeros.
public struct PEChecksum: Sendable {
    fileprivate var sum: UInt64 = 0
    fileprivate var sawNonZero = false
    /// Bytes consumed so far; its parity decides whether the next byte is a low or a high byte.
    fileprivate var position = 0

    public init() {}

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        var index = 0
        var accumulator: UInt64 = 0
        if position & 1 == 1 {
            accumulator &+= UInt64(base.load(as: UInt8.self)) << 8
            index = 1
        }
        let wordCount = (buffer.count - index) / 4
        let words = base + index
        for word in 0..<wordCount {
            accumulator &+= UInt64(words.loadUnaligned(fromByteOffset: word &* 4, as: UInt32.self).littleEndian)
        }
        index += wordCount * 4
        while index < buffer.count {
            let shift: UInt64 = (position + index) & 1 == 0 ? 0 : 8
            accumulator &+= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << shift
            index += 1
        }
        position += buffer.count
        if accumulator != 0 { sawNonZero = true }
        sum = sum % 0xFFFF + accumulator % 0xFFFF
    }

    /// The CheckSum for a file of `fileSize` bytes whose every byte was fed to ``update(_:)``.
    public func finalize(fileSize: Int) -> UInt32 {
        var folded = UInt32(sum % 0xFFFF)
        if folded == 0 && sawNonZero { folded = 0xFFFF }
        return folded &+ UInt32(truncatingIfNeeded: fileSize)
    }
}

extension PEChecksum {
    /// Adds `bytes` that sit at `offset` in the file but were fed as zeros (header fields patched
    /// after streaming). The sum is order-independent; only each byte's offset parity matters.
    public mutating func add(_ bytes: [UInt8], atFileOffset offset: Int) {
        var adjustment = PEChecksum()
        adjustment.position = offset & 1
        bytes.withUnsafeBytes { adjustment.update($0) }
        if adjustment.sawNonZero { sawNonZero = true }
        sum = sum % 0xFFFF + adjustment.sum % 0xFFFF
    }
}
