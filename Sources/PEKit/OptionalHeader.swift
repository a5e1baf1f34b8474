import BinaryIO

/// One data directory entry {VirtualAddress, Size} (PE/COFF "Optional Header Data Directories").
/// For the Certificate Table (index 4) `virtualAddress` is a file offset.
public struct DataDirectory: Equatable, Sendable {
    public var virtualAddress: UInt32
    public var size: UInt32

    public init(virtualAddress: UInt32, size: UInt32) {
        self.virtualAddress = virtualAddress
        self.size = size
    }
}

/// The optional header of a PE32 (magic 0x10B) or PE32+ (magic 0x20B) image
/// (PE/COFF "Optional Header Standard Fields", "Windows-Specific Fields", "Data Directories").
///
/// | o (PE32+) | o (PE32) | field |
/// |---|---|---|
/// | 0 | 0 | Magic |
/// | 2, 3 | 2, 3 | MajorLinkerVersion, MinorLinkerVersion |
/// | 4, 8, 12 | 4, 8, 12 | SizeOfCode, SizeOfInitializedData, SizeOfUninitializedData |
/// | 16, 20 | 16, 20 | AddressOfEntryPoint, BaseOfCode |
/// | — | 24 | BaseOfData |
/// | 24 (u64) | 28 (u32) | ImageBase |
/// | 32, 36 | 32, 36 | SectionAlignment, FileAlignment |
/// | 40..51 | 40..51 | OS, image and subsystem versions (6 × u16) |
/// | 52, 56, 60, 64 | same | Win32VersionValue, SizeOfImage, SizeOfHeaders, CheckSum |
/// | 68, 70 | 68, 70 | Subsystem, DllCharacteristics |
/// | 72..103 (4 × u64) | 72..87 (4 × u32) | SizeOfStackReserve/Commit, SizeOfHeapReserve/Commit |
/// | 104, 108 | 88, 92 | LoaderFlags, NumberOfRvaAndSizes |
/// | 112 | 96 | DataDirectory[NumberOfRvaAndSizes] |
///
/// Bytes after the declared directories up to SizeOfOptionalHeader are kept verbatim.
public struct OptionalHeader: Equatable, Sendable {
    public enum Format: UInt16, Sendable {
        case pe32 = 0x10B
        case pe32Plus = 0x20B
    }

    /// Offset of CheckSum inside the optional header (same for both formats).
    public static let checkSumOffset = 64

    public var format: Format
    public var majorLinkerVersion: UInt8
    public var minorLinkerVersion: UInt8
    public var sizeOfCode: UInt32
    public var sizeOfInitializedData: UInt32
    public var sizeOfUninitializedData: UInt32
    public var addressOfEntryPoint: UInt32
    public var baseOfCode: UInt32
    /// PE32 only.
    public var baseOfData: UInt32
    public var imageBase: UInt64
    public var sectionAlignment: UInt32
    public var fileAlignment: UInt32
    public var majorOperatingSystemVersion: UInt16
    public var minorOperatingSystemVersion: UInt16
    public var majorImageVersion: UInt16
    public var minorImageVersion: UInt16
    public var majorSubsystemVersion: UInt16
    public var minorSubsystemVersion: UInt16
    public var win32VersionValue: UInt32
    public var sizeOfImage: UInt32
    public var sizeOfHeaders: UInt32
    public var checkSum: UInt32
    public var subsystem: UInt16
    public var dllCharacteristics: UInt16
    public var sizeOfStackReserve: UInt64
    public var sizeOfStackCommit: UInt64
    public var sizeOfHeapReserve: UInt64
    public var sizeOfHeapCommit: UInt64
    public var loaderFlags: UInt32
    public var dataDirectories: [DataDirectory]
    /// Bytes between the last declared directory and SizeOfOptionalHeader.
    public var trailingBytes: [UInt8]

    /// Offset of DataDirectory[0] inside the optional header.
    public var dataDirectoryOffset: Int { format == .pe32Plus ? 112 : 96 }

    /// Index of the Certificate Table directory.
    public static let certificateTableIndex = 4

    /// The Certificate Table directory, when the header declares one.
    public var certificateTable: DataDirectory? {
        dataDirectories.count > Self.certificateTableIndex ? dataDirectories[Self.certificateTableIndex] : nil
    }

    /// Parses `size` bytes (COFF SizeOfOptionalHeader).
    public init(parsing reader: inout ByteReader, size: Int) throws {
        let start = reader.position
        let magic = try reader.readUInt16(field: "Magic")
        guard let format = Format(rawValue: magic) else {
            throw PEError(
                .unsupportedFormat, field: "Magic", offset: reader.baseOffset + start,
                detail: "\(hex(magic)) is neither PE32 nor PE32+")
        }
        self.format = format
        let fixedSize = format == .pe32Plus ? 112 : 96
        guard size >= fixedSize else {
            throw PEError(
                .invalidField, field: "SizeOfOptionalHeader", offset: reader.baseOffset + start,
                detail: "\(size) is smaller than the \(fixedSize) bytes of its fields")
        }
        majorLinkerVersion = try reader.readUInt8(field: "MajorLinkerVersion")
        minorLinkerVersion = try reader.readUInt8(field: "MinorLinkerVersion")
        sizeOfCode = try reader.readUInt32(field: "SizeOfCode")
        sizeOfInitializedData = try reader.readUInt32(field: "SizeOfInitializedData")
        sizeOfUninitializedData = try reader.readUInt32(field: "SizeOfUninitializedData")
        addressOfEntryPoint = try reader.readUInt32(field: "AddressOfEntryPoint")
        baseOfCode = try reader.readUInt32(field: "BaseOfCode")
        if format == .pe32Plus {
            baseOfData = 0
            imageBase = try reader.readUInt64(field: "ImageBase")
        } else {
            baseOfData = try reader.readUInt32(field: "BaseOfData")
            imageBase = UInt64(try reader.readUInt32(field: "ImageBase"))
        }
        sectionAlignment = try reader.readUInt32(field: "SectionAlignment")
        fileAlignment = try reader.readUInt32(field: "FileAlignment")
        majorOperatingSystemVersion = try reader.readUInt16(field: "MajorOperatingSystemVersion")
        minorOperatingSystemVersion = try reader.readUInt16(field: "MinorOperatingSystemVersion")
        majorImageVersion = try reader.readUInt16(field: "MajorImageVersion")
        minorImageVersion = try reader.readUInt16(field: "MinorImageVersion")
        majorSubsystemVersion = try reader.readUInt16(field: "MajorSubsystemVersion")
        minorSubsystemVersion = try reader.readUInt16(field: "MinorSubsystemVersion")
        win32VersionValue = try reader.readUInt32(field: "Win32VersionValue")
        sizeOfImage = try reader.readUInt32(field: "SizeOfImage")
        sizeOfHeaders = try reader.readUInt32(field: "SizeOfHeaders")
        checkSum = try reader.readUInt32(field: "CheckSum")
        subsystem = try reader.readUInt16(field: "Subsystem")
        dllCharacteristics = try reader.readUInt16(field: "DllCharacteristics")
        if format == .pe32Plus {
            sizeOfStackReserve = try reader.readUInt64(field: "SizeOfStackReserve")
            sizeOfStackCommit = try reader.readUInt64(field: "SizeOfStackCommit")
            sizeOfHeapReserve = try reader.readUInt64(field: "SizeOfHeapReserve")
            sizeOfHeapCommit = try reader.readUInt64(field: "SizeOfHeapCommit")
        } else {
            sizeOfStackReserve = UInt64(try reader.readUInt32(field: "SizeOfStackReserve"))
            sizeOfStackCommit = UInt64(try reader.readUInt32(field: "SizeOfStackCommit"))
            sizeOfHeapReserve = UInt64(try reader.readUInt32(field: "SizeOfHeapReserve"))
            sizeOfHeapCommit = UInt64(try reader.readUInt32(field: "SizeOfHeapCommit"))
        }
        loaderFlags = try reader.readUInt32(field: "LoaderFlags")
        let countOffset = reader.baseOffset + reader.position
        let numberOfRvaAndSizes = Int(try reader.readUInt32(field: "NumberOfRvaAndSizes"))
        guard numberOfRvaAndSizes <= (size - fixedSize) / 8 else {
            throw PEError(
                .invalidField, field: "NumberOfRvaAndSizes", offset: countOffset,
                detail: "\(numberOfRvaAndSizes) directories do not fit in SizeOfOptionalHeader \(size)")
        }
        var directories: [DataDirectory] = []
        for _ in 0..<numberOfRvaAndSizes {
            directories.append(
                DataDirectory(
                    virtualAddress: try reader.readUInt32(field: "DataDirectory.VirtualAddress"),
                    size: try reader.readUInt32(field: "DataDirectory.Size")))
        }
        dataDirectories = directories
        trailingBytes = try reader.readBytes(size - (reader.position - start), field: "optional header")
    }

    public func serialize(into writer: inout ByteWriter) {
        writer.write(format.rawValue)
        writer.write(majorLinkerVersion)
        writer.write(minorLinkerVersion)
        writer.write(sizeOfCode)
        writer.write(sizeOfInitializedData)
        writer.write(sizeOfUninitializedData)
        writer.write(addressOfEntryPoint)
        writer.write(baseOfCode)
        if format == .pe32Plus {
            writer.write(imageBase)
        } else {
            writer.write(baseOfData)
            writer.write(UInt32(truncatingIfNeeded: imageBase))
        }
        writer.write(sectionAlignment)
        writer.write(fileAlignment)
        writer.write(majorOperatingSystemVersion)
        writer.write(minorOperatingSystemVersion)
        writer.write(majorImageVersion)
        writer.write(minorImageVersion)
        writer.write(majorSubsystemVersion)
        writer.write(minorSubsystemVersion)
        writer.write(win32VersionValue)
        writer.write(sizeOfImage)
        writer.write(sizeOfHeaders)
        writer.write(checkSum)
        writer.write(subsystem)
        writer.write(dllCharacteristics)
        for value in [sizeOfStackReserve, sizeOfStackCommit, sizeOfHeapReserve, sizeOfHeapCommit] {
            if format == .pe32Plus { writer.write(value) } else { writer.write(UInt32(truncatingIfNeeded: value)) }
        }
        writer.write(loaderFlags)
        writer.write(UInt32(dataDirectories.count))
        for directory in dataDirectories {
            writer.write(directory.virtualAddress)
            writer.write(directory.size)
        }
        writer.write(trailingBytes)
    }
}
