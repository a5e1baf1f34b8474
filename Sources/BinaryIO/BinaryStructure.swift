/// An on-disk structure that reads itself from a ``ByteReader``, in the manner of swift-asn1's
/// `DERParseable`: it consumes exactly its own bytes, every read bounds-checked by the reader, and
/// throws (never traps) on input that is not the structure.
public protocol BinaryParseable {
    init(parsing reader: inout ByteReader) throws
}

/// An on-disk structure that writes itself to a ``ByteWriter``. A type that is also
/// ``BinaryParseable`` is lossless: serializing what was parsed gives back the same bytes.
public protocol BinarySerializable {
    func serialize(into writer: inout ByteWriter)
}

extension BinarySerializable {
    /// The serialized bytes.
    public var bytes: [UInt8] {
        var writer = ByteWriter()
        serialize(into: &writer)
        return writer.bytes
    }
}
