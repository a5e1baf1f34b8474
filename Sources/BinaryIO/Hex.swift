extension Sequence where Element == UInt8 {
    /// Lowercase hexadecimal, two digits per byte (the form digests are printed in).
    public var hexString: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `0x`-prefixed lowercase hexadecimal, the form offsets and header values take in messages.
public func hex(_ value: some BinaryInteger) -> String {
    "0x" + String(value, radix: 16)
}
