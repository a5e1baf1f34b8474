import BinaryIO
import SystemPackage

/// A PE32/PE32+ image parsed from a file without loading it: every header, with section data
/// left in the file as lazy ranges (PE/COFF; spec digest pe-authenticode-uki-pcr.md §1).
///
/// Parsing is bounds-checked against the file size, checks every section against SizeOfImage
/// and bounds the zero fill (so no section access can ask for more than the image declares;
/// ``maximumZeroFill``), and is lossless: ``serializeHeaders()``
/// reproduces bytes `[0, SizeOfHeaders)` exactly, including the DOS stub and any bytes after the
/// section table.
public struct PEImage: Sendable {
    public static let dosHeaderSize = 64
    static let signature: [UInt8] = [0x50, 0x45, 0, 0]

    public let file: ReadableFile
    /// Bytes `[0, e_lfanew)`: the DOS header and stub, verbatim.
    public var dosHeader: [UInt8]
    public var coffHeader: COFFFileHeader
    public var optionalHeader: OptionalHeader
    public var sections: [SectionHeader]
    /// Bytes between the end of the section table and SizeOfHeaders, verbatim.
    public var headerTail: [UInt8]
    /// The COFF symbol table plus its string table, when it lies inside the file.
    public let symbolTable: Range<Int>?

    /// e_lfanew: file offset of the "PE\0\0" signature.
    public var peOffset: Int { dosHeader.count }
    public var optionalHeaderOffset: Int { peOffset + 4 + COFFFileHeader.size }
    public var sectionTableOffset: Int { optionalHeaderOffset + Int(coffHeader.sizeOfOptionalHeader) }
    /// File offset of the CheckSum field.
    public var checkSumOffset: Int { optionalHeaderOffset + OptionalHeader.checkSumOffset }

    /// The Attribute Certificate Table (Authenticode signatures) as a file range, if any.
    public var certificateTable: Range<Int>? {
        guard let directory = optionalHeader.certificateTable, directory.size != 0 else { return nil }
        return Int(directory.virtualAddress)..<(Int(directory.virtualAddress) + Int(directory.size))
    }

    public init(file: ReadableFile) throws {
        self.file = file
        let path = file.path.string
        let parsed:
            (dos: [UInt8], coff: COFFFileHeader, optional: OptionalHeader, sections: [SectionHeader], tail: [UInt8])
        parsed = try withPEErrors(path: path) {
            let magic = try file.read(at: 0, count: min(2, file.size), field: "e_magic")
            guard magic == [0x4D, 0x5A] else { throw PEError(.notPE, field: "e_magic", offset: 0) }
            guard file.size >= Self.dosHeaderSize else {
                throw PEError(.truncated, field: "DOS header", offset: 0, detail: "file has \(file.size) bytes")
            }
            var dos = ByteReader(try file.read(at: 0, count: Self.dosHeaderSize, field: "DOS header"))
            try dos.seek(to: 0x3C, field: "e_lfanew")
            let peOffset = Int(try dos.readUInt32(field: "e_lfanew"))
            guard peOffset >= Self.dosHeaderSize, peOffset <= file.size - 4 - COFFFileHeader.size else {
                throw PEError(
                    .badSignature, field: "e_lfanew", offset: 0x3C,
                    detail: "\(hex(peOffset)) is outside the file")
            }
            var head = ByteReader(try file.read(at: 0, count: peOffset + 4 + COFFFileHeader.size, field: "PE header"))
            let dosBytes = try head.readBytes(peOffset, field: "DOS stub")
            guard try head.readBytes(4, field: "PE signature") == Self.signature else {
                throw PEError(.badSignature, field: "PE signature", offset: peOffset)
            }
            let coff = try COFFFileHeader(parsing: &head)
            let optionalOffset = peOffset + 4 + COFFFileHeader.size
            let optionalSize = Int(coff.sizeOfOptionalHeader)
            var optionalReader = ByteReader(
                try file.read(at: optionalOffset, count: optionalSize, field: "optional header"),
                baseOffset: optionalOffset)
            let optional = try OptionalHeader(parsing: &optionalReader, size: optionalSize)

            let tableOffset = optionalOffset + optionalSize
            let count = Int(coff.numberOfSections)
            var tableReader = ByteReader(
                try file.read(at: tableOffset, count: count * SectionHeader.size, field: "section table"),
                baseOffset: tableOffset)
            var sections: [SectionHeader] = []
            var zeroFill = 0
            for index in 0..<count {
                let section = try SectionHeader(parsing: &tableReader)
                try Self.check(
                    section, headerOffset: tableOffset + index * SectionHeader.size, fileSize: file.size,
                    sizeOfImage: optional.sizeOfImage, zeroFill: &zeroFill)
                sections.append(section)
            }
            let tableEnd = tableOffset + count * SectionHeader.size
            let sizeOfHeaders = Int(optional.sizeOfHeaders)
            guard sizeOfHeaders >= tableEnd, sizeOfHeaders <= file.size else {
                throw PEError(
                    .invalidField, field: "SizeOfHeaders", offset: optionalOffset + 60,
                    detail:
                        "\(hex(sizeOfHeaders)) does not cover the headers (\(hex(tableEnd))) or exceeds the file"
                )
            }
            let tail = try file.read(at: tableEnd, count: sizeOfHeaders - tableEnd, field: "header padding")
            if let certificates = optional.certificateTable, certificates.size != 0 {
                let start = Int(certificates.virtualAddress)
                guard start >= sizeOfHeaders, start + Int(certificates.size) <= file.size else {
                    throw PEError(
                        .invalidField, field: "Certificate Table",
                        offset: optionalOffset + optional.dataDirectoryOffset + 8
                            * OptionalHeader.certificateTableIndex,
                        detail:
                            "range \(hex(start))+\(hex(certificates.size)) is outside the file"
                    )
                }
            }
            return (dosBytes, coff, optional, sections, tail)
        }
        dosHeader = parsed.dos
        coffHeader = parsed.coff
        optionalHeader = parsed.optional
        sections = parsed.sections
        headerTail = parsed.tail
        symbolTable = Self.locateSymbolTable(coffHeader, in: file)
    }

    /// The most bytes of zero fill (VirtualSize beyond SizeOfRawData, summed over all sections)
    /// an image may ask for: 256 MiB.
    ///
    /// SizeOfImage alone does not bound the work ``memoryContent(of:)`` does, because a file of a
    /// few KB can declare a 4 GiB image. Real images need far less: the stubs, shim and GRUB have
    /// none, Debian's 6.1 kernel 0x44E00 bytes (its .bss); a Linux kernel's whole in-memory
    /// footprint (boot_params.init_size) is tens of MB. Firmware has to allocate SizeOfImage before
    /// it can start the image (EDK2's loader does, in boot-services memory), so an image whose zero
    /// fill alone exceeds 256 MiB is not one anybody boots.
    public static let maximumZeroFill = 256 << 20

    /// The checks every section passes when the image is parsed, so no later section access can
    /// reach past what the file and the image declare: its raw data lies in the file; it lies in
    /// the image, VirtualAddress + max(VirtualSize, 1) ≤ SizeOfImage (EDK2's PE/COFF loader,
    /// BasePeCoffLib, IMAGE_ERROR_SECTION_NOT_LOADED); and the zero fill so far (`zeroFill`, which
    /// this adds to) stays within ``maximumZeroFill``.
    private static func check(
        _ section: SectionHeader, headerOffset: Int, fileSize: Int, sizeOfImage: UInt32, zeroFill: inout Int
    ) throws {
        let rawEnd = Int(section.pointerToRawData) + Int(section.sizeOfRawData)
        if section.sizeOfRawData > 0, rawEnd > fileSize {
            throw PEError(
                .truncated, field: "section \(section.name) SizeOfRawData", offset: headerOffset + 16,
                detail: "raw data ends at \(hex(rawEnd)), file size \(hex(fileSize))")
        }
        func refuse(_ field: String, offset: Int, _ detail: String) -> PEError {
            PEError(
                .invalidField, field: "section \(section.name) \(field)", offset: headerOffset + offset, detail: detail)
        }
        let end = UInt64(section.virtualAddress) + UInt64(max(section.virtualSize, 1))
        if end > UInt64(sizeOfImage) {
            let detail =
                "the section ends at \(hex(Int(end))), beyond SizeOfImage \(hex(Int(sizeOfImage))); "
                + "firmware would not load it"
            throw section.virtualAddress >= sizeOfImage
                ? refuse("VirtualAddress", offset: 12, detail) : refuse("VirtualSize", offset: 8, detail)
        }
        zeroFill += Int(section.virtualSize) - min(Int(section.virtualSize), Int(section.sizeOfRawData))
        if zeroFill > maximumZeroFill {
            throw refuse(
                "VirtualSize", offset: 8,
                "sections would be zero-filled by \(hex(zeroFill)) bytes beyond their raw data, "
                    + "more than the limit of \(hex(maximumZeroFill))")
        }
    }

    /// The COFF symbol table (18-byte records) and the string table after it (u32 size first),
    /// if they lie wholly inside the file.
    private static func locateSymbolTable(_ coff: COFFFileHeader, in file: ReadableFile) -> Range<Int>? {
        let start = Int(coff.pointerToSymbolTable)
        guard start != 0 else { return nil }
        var end = start + 18 * Int(coff.numberOfSymbols)
        guard end <= file.size else { return nil }
        if end + 4 <= file.size, let sizeBytes = try? file.read(at: end, count: 4, field: "string table size") {
            var reader = ByteReader(sizeBytes)
            let stringTableSize = Int((try? reader.readUInt32(field: "string table size")) ?? 0)
            if stringTableSize >= 4, end + stringTableSize <= file.size { end += stringTableSize }
        }
        return start..<end
    }

    /// The header bytes `[0, SizeOfHeaders)` as they are described by this value.
    public func serializeHeaders() -> [UInt8] {
        var writer = ByteWriter(capacity: Int(optionalHeader.sizeOfHeaders))
        writer.write(dosHeader)
        writer.write(Self.signature)
        coffHeader.serialize(into: &writer)
        optionalHeader.serialize(into: &writer)
        for section in sections { section.serialize(into: &writer) }
        writer.write(headerTail)
        return writer.bytes
    }

    /// The first section named `name` (systemd-stub's lookup: first match wins).
    public func section(named name: String) -> SectionHeader? {
        sections.first { $0.name.string == name }
    }

    /// What a loader puts in memory for `section`: `min(VirtualSize, SizeOfRawData)` bytes from
    /// the file, zero-extended to VirtualSize. This is also what systemd-stub measures.
    public func memoryContent(of section: SectionHeader) throws -> any ByteSource {
        let fromFile = min(Int(section.virtualSize), Int(section.sizeOfRawData))
        let region = try withPEErrors(path: file.path.string) {
            try FileRegion(file: file, offset: Int(section.pointerToRawData), count: fromFile)
        }
        let zeros = Int(section.virtualSize) - fromFile
        return zeros == 0 ? region : try ConcatenatedSource([region, ZeroBytes(count: zeros)])
    }
}

extension PEImage {
    /// Writes ``memoryContent(of:)`` of `section` to `path` (atomically: temp file, fsync, rename).
    public func saveContent(of section: SectionHeader, to path: FilePath) throws {
        let content = try memoryContent(of: section)
        try withPEErrors(path: path.string) { try content.save(to: path) }
    }
}
