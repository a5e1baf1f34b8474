import BinaryIO

/// One 40-byte entry of the section table (PE/COFF "Section Table (Section Headers)").
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 8 | Name |
/// | 8 | 4 | VirtualSize |
/// | 12 | 4 | VirtualAddress (RVA) |
/// | 16 | 4 | SizeOfRawData |
/// | 20 | 4 | PointerToRawData |
/// | 24 | 4 | PointerToRelocations |
/// | 28 | 4 | PointerToLinenumbers |
/// | 32 | 2 | NumberOfRelocations |
/// | 34 | 2 | NumberOfLinenumbers |
/// | 36 | 4 | Characteristics |
public struct SectionHeader: Equatable, Sendable {
    public static let size = 40

    /// IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_READ: how ukify marks `.linux`.
    public static let readableCode: UInt32 = 0x4000_0020
    /// IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ: every other UKI section.
    public static let readableData: UInt32 = 0x4000_0040

    public var name: SectionName
    public var virtualSize: UInt32
    public var virtualAddress: UInt32
    public var sizeOfRawData: UInt32
    public var pointerToRawData: UInt32
    public var pointerToRelocations: UInt32
    public var pointerToLinenumbers: UInt32
    public var numberOfRelocations: UInt16
    public var numberOfLinenumbers: UInt16
    public var characteristics: UInt32

    public init(
        name: SectionName, virtualSize: UInt32, virtualAddress: UInt32, sizeOfRawData: UInt32,
        pointerToRawData: UInt32, characteristics: UInt32
    ) {
        self.name = name
        self.virtualSize = virtualSize
        self.virtualAddress = virtualAddress
        self.sizeOfRawData = sizeOfRawData
        self.pointerToRawData = pointerToRawData
        self.pointerToRelocations = 0
        self.pointerToLinenumbers = 0
        self.numberOfRelocations = 0
        self.numberOfLinenumbers = 0
        self.characteristics = characteristics
    }

    public init(parsing reader: inout ByteReader) throws {
        name = SectionName(rawBytes: try reader.readBytes(8, field: "Name"))
        virtualSize = try reader.readUInt32(field: "VirtualSize")
        virtualAddress = try reader.readUInt32(field: "VirtualAddress")
        sizeOfRawData = try reader.readUInt32(field: "SizeOfRawData")
        pointerToRawData = try reader.readUInt32(field: "PointerToRawData")
        pointerToRelocations = try reader.readUInt32(field: "PointerToRelocations")
        pointerToLinenumbers = try reader.readUInt32(field: "PointerToLinenumbers")
        numberOfRelocations = try reader.readUInt16(field: "NumberOfRelocations")
        numberOfLinenumbers = try reader.readUInt16(field: "NumberOfLinenumbers")
        characteristics = try reader.readUInt32(field: "Characteristics")
    }

    public func serialize(into writer: inout ByteWriter) {
        writer.write(name.rawBytes)
        writer.write(virtualSize)
        writer.write(virtualAddress)
        writer.write(sizeOfRawData)
        writer.write(pointerToRawData)
        writer.write(pointerToRelocations)
        writer.write(pointerToLinenumbers)
        writer.write(numberOfRelocations)
        writer.write(numberOfLinenumbers)
        writer.write(characteristics)
    }

    /// End of the section in memory (VirtualAddress + VirtualSize), without overflow.
    public var virtualEnd: UInt64 { UInt64(virtualAddress) + UInt64(virtualSize) }
}
