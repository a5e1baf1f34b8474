import BinaryIO

/// The GPT header at LBA 1 (UEFI 2.10 5.3.2 "GPT Header"). HeaderSize counts the fields and any
/// bytes a later revision appends; those are kept as ``extension``.
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 8 | Signature (`EFI PART`) |
/// | 8 | 4 | Revision |
/// | 12 | 4 | HeaderSize |
/// | 16 | 4 | HeaderCRC32 (computed with this field 0) |
/// | 20 | 4 | Reserved |
/// | 24 | 8 | MyLBA |
/// | 32 | 8 | AlternateLBA |
/// | 40 | 8 | FirstUsableLBA |
/// | 48 | 8 | LastUsableLBA |
/// | 56 | 16 | DiskGUID |
/// | 72 | 8 | PartitionEntryLBA |
/// | 80 | 4 | NumberOfPartitionEntries |
/// | 84 | 4 | SizeOfPartitionEntry |
/// | 88 | 4 | PartitionEntryArrayCRC32 |
/// | 92 | HeaderSize - 92 | further fields |
struct GPTHeader: Equatable, BinaryParseable, BinarySerializable {
    static let signature = Array("EFI PART".utf8)
    static let fieldsSize = 92

    var revision, headerCRC32, reserved: UInt32
    var myLBA, alternateLBA, firstUsableLBA, lastUsableLBA: UInt64
    var diskGUID: EFIGUID
    var partitionEntryLBA: UInt64
    var numberOfPartitionEntries, sizeOfPartitionEntry, partitionEntryArrayCRC32: UInt32
    var `extension`: [UInt8]

    /// Reads a header whose HeaderSize fits in the reader (the sector it was read from).
    init(parsing reader: inout ByteReader) throws {
        guard try reader.readBytes(8, field: "Signature") == Self.signature else {
            throw EFIVariableError(.malformed, "no GPT partition table (no 'EFI PART' header at LBA 1)")
        }
        revision = try reader.readUInt32(field: "Revision")
        let headerSize = Int(try reader.readUInt32(field: "HeaderSize"))
        headerCRC32 = try reader.readUInt32(field: "HeaderCRC32")
        reserved = try reader.readUInt32(field: "Reserved")
        myLBA = try reader.readUInt64(field: "MyLBA")
        alternateLBA = try reader.readUInt64(field: "AlternateLBA")
        firstUsableLBA = try reader.readUInt64(field: "FirstUsableLBA")
        lastUsableLBA = try reader.readUInt64(field: "LastUsableLBA")
        diskGUID = EFIGUID(bytes: try reader.readBytes(16, field: "DiskGUID"))
        partitionEntryLBA = try reader.readUInt64(field: "PartitionEntryLBA")
        numberOfPartitionEntries = try reader.readUInt32(field: "NumberOfPartitionEntries")
        sizeOfPartitionEntry = try reader.readUInt32(field: "SizeOfPartitionEntry")
        partitionEntryArrayCRC32 = try reader.readUInt32(field: "PartitionEntryArrayCRC32")
        guard headerSize >= Self.fieldsSize, headerSize - Self.fieldsSize <= reader.remaining else {
            throw EFIVariableError(.malformed, "GPT header size \(headerSize) is invalid")
        }
        `extension` = try reader.readBytes(headerSize - Self.fieldsSize, field: "GPT header")
    }

    func serialize(into writer: inout ByteWriter) {
        writer.write(Self.signature)
        writer.write(revision)
        writer.write(UInt32(Self.fieldsSize + `extension`.count))
        writer.write(headerCRC32)
        writer.write(reserved)
        writer.write(myLBA)
        writer.write(alternateLBA)
        writer.write(firstUsableLBA)
        writer.write(lastUsableLBA)
        writer.write(diskGUID.bytes)
        writer.write(partitionEntryLBA)
        writer.write(numberOfPartitionEntries)
        writer.write(sizeOfPartitionEntry)
        writer.write(partitionEntryArrayCRC32)
        writer.write(`extension`)
    }

    /// Whether HeaderCRC32 is the CRC32 of the header's HeaderSize bytes with that field 0.
    var hasValidCRC: Bool {
        var zeroed = self
        zeroed.headerCRC32 = 0
        return CRC32.checksum(zeroed.bytes) == headerCRC32
    }
}

/// One entry of the GPT partition entry array (UEFI 2.10 5.3.3 "GPT Partition Entry Array"); an
/// entry SizeOfPartitionEntry makes longer than these fields is read from its start.
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 16 | PartitionTypeGUID (all zero: unused) |
/// | 16 | 16 | UniquePartitionGUID |
/// | 32 | 8 | StartingLBA |
/// | 40 | 8 | EndingLBA (inclusive) |
/// | 48 | 8 | Attributes |
/// | 56 | 72 | PartitionName (UCS-2) |
struct GPTPartitionEntry: Equatable, BinaryParseable, BinarySerializable {
    static let size = 128

    var partitionTypeGUID: [UInt8]
    var uniquePartitionGUID: EFIGUID
    var startingLBA: UInt64
    var endingLBA: UInt64
    var attributes: UInt64
    var partitionName: [UInt8]

    var isUnused: Bool { partitionTypeGUID.allSatisfy { $0 == 0 } }

    init(parsing reader: inout ByteReader) throws {
        partitionTypeGUID = try reader.readBytes(16, field: "PartitionTypeGUID")
        uniquePartitionGUID = EFIGUID(bytes: try reader.readBytes(16, field: "UniquePartitionGUID"))
        startingLBA = try reader.readUInt64(field: "StartingLBA")
        endingLBA = try reader.readUInt64(field: "EndingLBA")
        attributes = try reader.readUInt64(field: "Attributes")
        partitionName = try reader.readBytes(72, field: "PartitionName")
    }

    func serialize(into writer: inout ByteWriter) {
        writer.write(partitionTypeGUID)
        writer.write(uniquePartitionGUID.bytes)
        writer.write(startingLBA)
        writer.write(endingLBA)
        writer.write(attributes)
        writer.write(partitionName)
    }
}
