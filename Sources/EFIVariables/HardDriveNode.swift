import BinaryIO

/// The data of a hard drive media device path node, `HD(…)` (UEFI 2.10 10.3.5.1): a partition
/// by number, place on the disk (in LBAs) and signature.
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 4 | PartitionNumber |
/// | 4 | 8 | PartitionStart |
/// | 12 | 8 | PartitionSize |
/// | 20 | 16 | PartitionSignature |
/// | 36 | 1 | PartitionFormat |
/// | 37 | 1 | SignatureType |
public struct HardDriveNode: Sendable, Equatable, BinarySerializable {
    static let size = 38
    /// PartitionFormat and SignatureType of an MBR partition (a 32-bit disk signature).
    static let mbr: UInt8 = 0x01
    /// PartitionFormat and SignatureType of a GPT partition (the partition's unique GUID).
    static let gpt: UInt8 = 0x02

    public let partitionNumber: UInt32
    public let partitionStart: UInt64
    public let partitionSize: UInt64
    public let partitionSignature: [UInt8]
    public let partitionFormat: UInt8
    public let signatureType: UInt8

    /// The partition's unique GUID (PARTUUID) when the signature is one.
    public var partitionGUID: EFIGUID? {
        signatureType == Self.gpt ? EFIGUID(bytes: partitionSignature) : nil
    }

    /// The MBR disk signature when the signature is one.
    var mbrSignature: UInt32? {
        signatureType == Self.mbr ? UInt32(littleEndianBytes: partitionSignature.prefix(4)) : nil
    }

    public func serialize(into writer: inout ByteWriter) {
        writer.write(partitionNumber)
        writer.write(partitionStart)
        writer.write(partitionSize)
        writer.write(partitionSignature)
        writer.write(partitionFormat)
        writer.write(signatureType)
    }

    /// The node that holds this data.
    var node: DevicePathNode {
        DevicePathNode(.hardDrive, data: bytes)
    }
}

// In an extension, so that the memberwise initializer stays.
extension HardDriveNode: BinaryParseable {
    public init(parsing reader: inout ByteReader) throws {
        self.init(
            partitionNumber: try reader.readUInt32(field: "PartitionNumber"),
            partitionStart: try reader.readUInt64(field: "PartitionStart"),
            partitionSize: try reader.readUInt64(field: "PartitionSize"),
            partitionSignature: try reader.readBytes(16, field: "PartitionSignature"),
            partitionFormat: try reader.readUInt8(field: "PartitionFormat"),
            signatureType: try reader.readUInt8(field: "SignatureType"))
    }
}
