import BinaryIO

/// COFF file header, 20 bytes after the "PE\0\0" signature (PE/COFF "COFF File Header").
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 2 | Machine |
/// | 2 | 2 | NumberOfSections |
/// | 4 | 4 | TimeDateStamp |
/// | 8 | 4 | PointerToSymbolTable |
/// | 12 | 4 | NumberOfSymbols |
/// | 16 | 2 | SizeOfOptionalHeader |
/// | 18 | 2 | Characteristics |
public struct COFFFileHeader: Equatable, Sendable {
    public static let size = 20

    public var machine: UInt16
    public var numberOfSections: UInt16
    public var timeDateStamp: UInt32
    public var pointerToSymbolTable: UInt32
    public var numberOfSymbols: UInt32
    public var sizeOfOptionalHeader: UInt16
    public var characteristics: UInt16

    public init(parsing reader: inout ByteReader) throws {
        machine = try reader.readUInt16(field: "Machine")
        numberOfSections = try reader.readUInt16(field: "NumberOfSections")
        timeDateStamp = try reader.readUInt32(field: "TimeDateStamp")
        pointerToSymbolTable = try reader.readUInt32(field: "PointerToSymbolTable")
        numberOfSymbols = try reader.readUInt32(field: "NumberOfSymbols")
        sizeOfOptionalHeader = try reader.readUInt16(field: "SizeOfOptionalHeader")
        characteristics = try reader.readUInt16(field: "Characteristics")
    }

    public func serialize(into writer: inout ByteWriter) {
        writer.write(machine)
        writer.write(numberOfSections)
        writer.write(timeDateStamp)
        writer.write(pointerToSymbolTable)
        writer.write(numberOfSymbols)
        writer.write(sizeOfOptionalHeader)
        writer.write(characteristics)
    }
}

/// Machine types of EFI images (PE/COFF "Machine Types"), with the names EFI uses in file names.
public enum EFIArchitecture: String, CaseIterable, Sendable {
    case x64, ia32, aa64, arm, riscv64, riscv32, loongarch64

    public var machine: UInt16 {
        switch self {
        case .x64: 0x8664
        case .ia32: 0x014C
        case .aa64: 0xAA64
        case .arm: 0x01C2
        case .riscv64: 0x5064
        case .riscv32: 0x5032
        case .loongarch64: 0x6264
        }
    }

    /// The EFI architecture of the machine this runs on, if it has one we know.
    public static var host: EFIArchitecture? {
        #if arch(x86_64)
            .x64
        #elseif arch(i386)
            .ia32
        #elseif arch(arm64)
            .aa64
        #elseif arch(arm)
            .arm
        #elseif arch(riscv64)
            .riscv64
        #else
            nil
        #endif
    }
}
