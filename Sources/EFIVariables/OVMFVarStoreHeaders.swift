import BinaryIO

extension OVMFVarStore {
    /// The firmware volume header of a variable store (PI 1.8 vol. 3 3.2.1
    /// `EFI_FIRMWARE_VOLUME_HEADER`, FileSystemGuid `EFI_SYSTEM_NV_DATA_FV_GUID`). HeaderLength
    /// covers the block map, which is kept as it is.
    ///
    /// | off | size | field |
    /// |---|---|---|
    /// | 0 | 16 | ZeroVector |
    /// | 16 | 16 | FileSystemGuid |
    /// | 32 | 8 | FvLength |
    /// | 40 | 4 | Signature (`_FVH`) |
    /// | 44 | 4 | Attributes |
    /// | 48 | 2 | HeaderLength |
    /// | 50 | 2 | Checksum |
    /// | 52 | 2 | ExtHeaderOffset |
    /// | 54 | 1 | Reserved |
    /// | 55 | 1 | Revision |
    /// | 56 | HeaderLength - 56 | BlockMap (NumBlocks, Length pairs up to a 0, 0 pair) |
    struct VolumeHeader: Equatable, BinaryParseable, BinarySerializable {
        static let signature = Array("_FVH".utf8)
        static let nvDataGUID = EFIGUID("fff12b8d-7696-4c8b-a985-2747075b4f50")!
        /// The fields before the block map.
        static let fixedSize = 56
        /// The fixed fields and the shortest block map (one entry and the terminator).
        static let minimumLength = fixedSize + 16

        var zeroVector: [UInt8]
        var fvLength: UInt64
        var attributes: UInt32
        var checksum: UInt16
        var extHeaderOffset: UInt16
        var reserved: UInt8
        var revision: UInt8
        var blockMap: [UInt8]

        var headerLength: Int { Self.fixedSize + blockMap.count }

        init(parsing reader: inout ByteReader) throws {
            zeroVector = try reader.readBytes(16, field: "ZeroVector")
            let fileSystem = try reader.readBytes(16, field: "FileSystemGuid")
            fvLength = try reader.readUInt64(field: "FvLength")
            guard try reader.readBytes(4, field: "Signature") == Self.signature, fileSystem == Self.nvDataGUID.bytes
            else {
                throw EFIVariableError(.malformed, "not an OVMF variable store (no NV-data firmware volume header)")
            }
            attributes = try reader.readUInt32(field: "Attributes")
            let headerLength = Int(try reader.readUInt16(field: "HeaderLength"))
            checksum = try reader.readUInt16(field: "Checksum")
            extHeaderOffset = try reader.readUInt16(field: "ExtHeaderOffset")
            reserved = try reader.readUInt8(field: "Reserved")
            revision = try reader.readUInt8(field: "Revision")
            guard headerLength >= Self.minimumLength, headerLength - Self.fixedSize <= reader.remaining else {
                throw EFIVariableError(.malformed, "bad firmware volume header length")
            }
            blockMap = try reader.readBytes(headerLength - Self.fixedSize, field: "BlockMap")
        }

        func serialize(into writer: inout ByteWriter) {
            writer.write(zeroVector)
            writer.write(Self.nvDataGUID.bytes)
            writer.write(fvLength)
            writer.write(Self.signature)
            writer.write(attributes)
            writer.write(UInt16(truncatingIfNeeded: headerLength))
            writer.write(checksum)
            writer.write(extHeaderOffset)
            writer.write(reserved)
            writer.write(revision)
            writer.write(blockMap)
        }
    }

    /// The variable store header after the volume header (EDK2 `VARIABLE_STORE_HEADER`).
    ///
    /// | off | size | field |
    /// |---|---|---|
    /// | 0 | 16 | Signature (the store format's GUID) |
    /// | 16 | 4 | Size (header included) |
    /// | 20 | 1 | Format (0x5A: formatted) |
    /// | 21 | 1 | State (0xFE: healthy) |
    /// | 22 | 6 | Reserved, Reserved1 |
    struct StoreHeader: Equatable, BinaryParseable, BinarySerializable {
        static let size = 0x1C
        static let authenticatedVariableGUID = EFIGUID("aaf32c78-947b-439a-a180-2e144ec37792")!
        static let formatted: UInt8 = 0x5A
        static let healthy: UInt8 = 0xFE

        var signature: EFIGUID
        var size: UInt32
        var format: UInt8
        var state: UInt8
        var reserved: [UInt8]

        init(parsing reader: inout ByteReader) throws {
            signature = EFIGUID(bytes: try reader.readBytes(16, field: "Signature"))
            size = try reader.readUInt32(field: "Size")
            format = try reader.readUInt8(field: "Format")
            state = try reader.readUInt8(field: "State")
            reserved = try reader.readBytes(6, field: "Reserved")
        }

        func serialize(into writer: inout ByteWriter) {
            writer.write(signature.bytes)
            writer.write(size)
            writer.write(format)
            writer.write(state)
            writer.write(reserved)
        }
    }

    /// The header of one variable record in the authenticated format (EDK2
    /// `AUTHENTICATED_VARIABLE_HEADER`); the UCS-2 name (NameSize bytes) and the data (DataSize
    /// bytes) follow it, and the next record starts 4-aligned.
    ///
    /// | off | size | field |
    /// |---|---|---|
    /// | 0 | 2 | StartId (0x55AA) |
    /// | 2 | 1 | State |
    /// | 3 | 1 | Reserved |
    /// | 4 | 4 | Attributes |
    /// | 8 | 28 | MonotonicCount (8), TimeStamp (16), PubKeyIndex (4) |
    /// | 36 | 4 | NameSize |
    /// | 40 | 4 | DataSize |
    /// | 44 | 16 | VendorGuid |
    struct VariableHeader: Equatable, BinarySerializable {
        static let size = 60
        static let validStartId: UInt16 = 0x55AA
        /// Where State is, for marking a stored record in place.
        static let stateOffset = 2

        var startId = validStartId
        var state: UInt8
        var reserved: UInt8 = 0
        var attributes: UInt32
        /// MonotonicCount, TimeStamp and PubKeyIndex, kept as stored: only authenticated writes use
        /// them, and this store does not make those.
        var authentication = [UInt8](repeating: 0, count: 28)
        var nameSize: UInt32
        var dataSize: UInt32
        var vendor: EFIGUID

        func serialize(into writer: inout ByteWriter) {
            writer.write(startId)
            writer.write(state)
            writer.write(reserved)
            writer.write(attributes)
            writer.write(authentication)
            writer.write(nameSize)
            writer.write(dataSize)
            writer.write(vendor.bytes)
        }
    }
}

extension OVMFVarStore {
    /// The header of the fault-tolerant-write working block (EDK2
    /// `EFI_FAULT_TOLERANT_WORKING_BLOCK_HEADER`); the write queue follows it.
    ///
    /// | off | size | field |
    /// |---|---|---|
    /// | 0 | 16 | Signature (`EDKII_WORKING_BLOCK_SIGNATURE_GUID`) |
    /// | 16 | 4 | Crc |
    /// | 20 | 4 | WorkingBlockValid, WorkingBlockInvalid (bits), Reserved |
    /// | 24 | 8 | WriteQueueSize |
    struct WorkingBlockHeader: Equatable, BinaryParseable, BinarySerializable {
        static let size = 0x20
        static let workingBlockGUID = EFIGUID("9e58292b-7c68-497d-a0ce-6500fd9f1b95")!

        var signature: EFIGUID
        var crc: UInt32
        var state: UInt32
        var writeQueueSize: UInt64

        init(parsing reader: inout ByteReader) throws {
            signature = EFIGUID(bytes: try reader.readBytes(16, field: "Signature"))
            crc = try reader.readUInt32(field: "Crc")
            state = try reader.readUInt32(field: "WorkingBlockValid")
            writeQueueSize = try reader.readUInt64(field: "WriteQueueSize")
        }

        func serialize(into writer: inout ByteWriter) {
            writer.write(signature.bytes)
            writer.write(crc)
            writer.write(state)
            writer.write(writeQueueSize)
        }
    }

    /// One header of the fault-tolerant-write queue (EDK2 `EFI_FAULT_TOLERANT_WRITE_HEADER`).
    /// Flags are set by clearing their bit (erase polarity 1).
    ///
    /// | off | size | field |
    /// |---|---|---|
    /// | 0 | 1 | HeaderAllocated (bit 0), WritesAllocated (bit 1), Complete (bit 2) |
    /// | 1 | 3 | Reserved |
    /// | 4 | 16 | CallerId |
    /// | 20 | 4 | (alignment) |
    /// | 24 | 8 | NumberOfWrites |
    /// | 32 | 8 | PrivateDataSize |
    struct WriteHeader: Equatable, BinaryParseable, BinarySerializable {
        static let size = 40
        static let headerAllocated: UInt8 = 0x01
        static let complete: UInt8 = 0x04

        var flags: UInt8
        /// Reserved, CallerId and the alignment after it, as stored.
        var caller: [UInt8]
        var numberOfWrites: UInt64
        var privateDataSize: UInt64

        var isAllocated: Bool { flags & Self.headerAllocated == 0 }
        var isComplete: Bool { flags & Self.complete == 0 }

        init(parsing reader: inout ByteReader) throws {
            flags = try reader.readUInt8(field: "HeaderAllocated")
            caller = try reader.readBytes(23, field: "CallerId")
            numberOfWrites = try reader.readUInt64(field: "NumberOfWrites")
            privateDataSize = try reader.readUInt64(field: "PrivateDataSize")
        }

        func serialize(into writer: inout ByteWriter) {
            writer.write(flags)
            writer.write(caller)
            writer.write(numberOfWrites)
            writer.write(privateDataSize)
        }
    }
}

// In an extension, so that the memberwise initializer (with its defaults) stays.
extension OVMFVarStore.VariableHeader: BinaryParseable {
    init(parsing reader: inout ByteReader) throws {
        startId = try reader.readUInt16(field: "StartId")
        state = try reader.readUInt8(field: "State")
        reserved = try reader.readUInt8(field: "Reserved")
        attributes = try reader.readUInt32(field: "Attributes")
        authentication = try reader.readBytes(28, field: "MonotonicCount, TimeStamp, PubKeyIndex")
        nameSize = try reader.readUInt32(field: "NameSize")
        dataSize = try reader.readUInt32(field: "DataSize")
        vendor = EFIGUID(bytes: try reader.readBytes(16, field: "VendorGuid"))
    }
}
