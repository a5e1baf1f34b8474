import BinaryIO
import BootCrypto

/// A section to put into an image by ``PELayout``.
public struct NewSection: Sendable {
    public enum Placement: Sendable {
        /// Always a new section header after the existing ones; a name clash with a section of the
        /// original image is an error.
        case append
        /// Replace the original image's section of the same name in place when the new content fits
        /// before the next section's VirtualAddress; otherwise drop that section and append. (For
        /// `.sbat`: shim accepts only one.)
        case replaceExisting
    }

    public var name: SectionName
    public var content: any ByteSource
    public var characteristics: UInt32
    public var placement: Placement

    public init(name: SectionName, content: any ByteSource, characteristics: UInt32, placement: Placement = .append) {
        self.name = name
        self.content = content
        self.characteristics = characteristics
        self.placement = placement
    }
}

/// Phase one of writing a PE: every offset, address and header field planned from sizes alone;
/// phase two, ``write(to:)``, streams the bytes in file order.
///
/// The plan guarantees the loader invariants of spec digest §1.6 for what it places: every section
/// it appends starts at a multiple of SectionAlignment after everything else in memory, and a
/// section replaced in place must end before the next one starts (sections of the original image
/// keep their addresses as they were); raw data FileAlignment-aligned, contiguous after the headers
/// and gapless; SizeOfHeaders covering the section table; SizeOfImage =
/// round_up(max(VA + VirtualSize), SectionAlignment). A COFF symbol table at the end of the
/// original is dropped (images must not carry one); any other data after the last section is
/// refused. SizeOfInitializedData grows by the VirtualSize of each appended section, as ukify does.
public struct PELayout: Sendable {
    /// Final header bytes `[0, SizeOfHeaders)`, CheckSum still zero.
    public let headerBytes: [UInt8]
    /// The final section table.
    public let sections: [SectionHeader]
    public let optionalHeader: OptionalHeader
    public let coffHeader: COFFFileHeader
    /// File offset of the CheckSum field, patched after streaming.
    public let checkSumOffset: Int
    /// File offset of the Certificate Table directory entry, when the header has one.
    public let certificateDirectoryOffset: Int?
    public let fileSize: Int
    /// Everything after the headers, in file order.
    private let body: [any ByteSource]

    public init(editing image: PEImage, adding newSections: [NewSection]) throws {
        let path = image.file.path.string
        (headerBytes, sections, optionalHeader, coffHeader, body, fileSize) = try withPEErrors(path: path) {
            try Self.plan(image, newSections)
        }
        checkSumOffset = image.checkSumOffset
        certificateDirectoryOffset = image.certificateDirectoryOffset
    }

    private struct Entry {
        var header: SectionHeader
        /// Replacement raw content; nil keeps the original image's raw data.
        var content: (any ByteSource)?
        let fromImage: Bool
    }

    private static func plan(
        _ image: PEImage, _ newSections: [NewSection]
    ) throws
        -> ([UInt8], [SectionHeader], OptionalHeader, COFFFileHeader, [any ByteSource], Int)
    {
        // As ukify: a stub whose certificate directory is set at all is treated as signed.
        guard image.optionalHeader.certificateTable.map({ $0.size == 0 && $0.virtualAddress == 0 }) ?? true else {
            throw PEError(.signedImage, field: "Certificate Table")
        }
        var optional = image.optionalHeader
        var coff = image.coffHeader
        let fileAlignment = Int(optional.fileAlignment)
        let sectionAlignment = Int(optional.sectionAlignment)
        guard isPowerOfTwo(fileAlignment), (512...65536).contains(fileAlignment) else {
            throw PEError(
                .invalidField, field: "FileAlignment", offset: image.optionalHeaderOffset + 36,
                detail: "\(hex(fileAlignment)) is not a power of two in 512...65536")
        }
        guard isPowerOfTwo(sectionAlignment), sectionAlignment >= fileAlignment else {
            throw PEError(
                .invalidField, field: "SectionAlignment", offset: image.optionalHeaderOffset + 32,
                detail: "\(hex(sectionAlignment)) is not a power of two ≥ FileAlignment")
        }
        let stripSymbols = try checkTrailingData(image)

        var entries = image.sections.map { Entry(header: $0, content: nil, fromImage: true) }
        var appendedVirtualSize: UInt64 = 0
        for new in newSections {
            if let index = entries.firstIndex(where: { $0.fromImage && $0.header.name == new.name }) {
                guard new.placement == .replaceExisting else {
                    throw PEError(.duplicateSection, detail: "section \(new.name) already exists in the image")
                }
                let start = UInt64(entries[index].header.virtualAddress)
                let nextStart = entries.map { UInt64($0.header.virtualAddress) }.filter { $0 > start }.min()
                if start + UInt64(new.content.count) <= nextStart ?? UInt64(UInt32.max) {
                    entries[index].header.virtualSize = UInt32(new.content.count)
                    entries[index].content = new.content
                    continue
                }
                entries.remove(at: index)
            }
            let virtualEnd = entries.map(\.header.virtualEnd).max() ?? 0
            guard let address = alignUp(Int(virtualEnd), to: sectionAlignment),
                address + new.content.count <= UInt32.max
            else {
                throw PEError(.imageTooLarge, detail: "section \(new.name) would end beyond 4 GiB")
            }
            let header = SectionHeader(
                name: new.name, virtualSize: UInt32(new.content.count), virtualAddress: UInt32(address),
                sizeOfRawData: 0, pointerToRawData: 0, characteristics: new.characteristics)
            entries.append(Entry(header: header, content: new.content, fromImage: false))
            appendedVirtualSize += UInt64(new.content.count)
        }

        // Headers: room for the whole table before the first section in memory.
        guard entries.count <= Int(UInt16.max) else { throw PEError(.headerSpace, detail: "\(entries.count) sections") }
        let originalTableEnd = image.sectionTableOffset + image.sections.count * SectionHeader.size
        let tableEnd = image.sectionTableOffset + entries.count * SectionHeader.size
        let originalSizeOfHeaders = Int(optional.sizeOfHeaders)
        guard let alignedOriginal = alignUp(originalSizeOfHeaders, to: fileAlignment),
            let alignedTable = alignUp(tableEnd, to: fileAlignment)
        else {
            throw PEError(.imageTooLarge, field: "SizeOfHeaders")
        }
        let sizeOfHeaders = max(alignedOriginal, alignedTable)
        let firstAddress = entries.map { Int($0.header.virtualAddress) }.min() ?? Int.max
        guard sizeOfHeaders <= firstAddress else {
            throw PEError(
                .headerSpace,
                detail:
                    "\(entries.count) section headers need \(hex(sizeOfHeaders)) bytes of headers, "
                    + "but the first section starts at RVA \(hex(firstAddress))"
            )
        }
        if tableEnd > originalTableEnd {
            let overwritten = image.headerTail.prefix(tableEnd - originalTableEnd)
            guard overwritten.allSatisfy({ $0 == 0 }) else {
                throw PEError(
                    .headerSpace, field: "header padding", offset: originalTableEnd,
                    detail: "the bytes after the section table are in use")
            }
        }

        // Raw data: original sections in file order, then appended ones, contiguous from SizeOfHeaders.
        let order =
            entries.indices.filter { entries[$0].fromImage }
            .sorted { entries[$0].header.pointerToRawData < entries[$1].header.pointerToRawData }
            + entries.indices.filter { !entries[$0].fromImage }
        var body: [any ByteSource] = []
        var offset = sizeOfHeaders
        for index in order {
            let content: any ByteSource
            if let replacement = entries[index].content {
                content = replacement
            } else {
                let header = entries[index].header
                content = try FileRegion(
                    file: image.file, offset: Int(header.pointerToRawData), count: Int(header.sizeOfRawData))
            }
            guard content.count > 0 else {
                if entries[index].content != nil {
                    entries[index].header.pointerToRawData = 0
                    entries[index].header.sizeOfRawData = 0
                }
                continue
            }
            guard let rawSize = alignUp(content.count, to: fileAlignment), offset + rawSize <= UInt32.max else {
                throw PEError(.imageTooLarge, detail: "file would exceed 4 GiB")
            }
            entries[index].header.pointerToRawData = UInt32(offset)
            entries[index].header.sizeOfRawData = UInt32(rawSize)
            body.append(content)
            if rawSize > content.count { body.append(ZeroBytes(count: rawSize - content.count)) }
            offset += rawSize
        }

        let virtualEnd = entries.map(\.header.virtualEnd).max() ?? 0
        guard let sizeOfImage = alignUp(Int(virtualEnd), to: sectionAlignment), sizeOfImage <= UInt32.max,
            UInt64(optional.sizeOfInitializedData) + appendedVirtualSize <= UInt32.max
        else {
            throw PEError(.imageTooLarge, detail: "SizeOfImage would exceed 4 GiB")
        }
        optional.sizeOfImage = UInt32(sizeOfImage)
        optional.sizeOfHeaders = UInt32(sizeOfHeaders)
        optional.sizeOfInitializedData += UInt32(appendedVirtualSize)
        optional.checkSum = 0
        coff.numberOfSections = UInt16(entries.count)
        if stripSymbols {
            coff.pointerToSymbolTable = 0
            coff.numberOfSymbols = 0
        }

        var writer = ByteWriter(capacity: sizeOfHeaders)
        writer.write(image.dosHeader)
        writer.write(PEImage.signature)
        coff.serialize(into: &writer)
        optional.serialize(into: &writer)
        for entry in entries { entry.header.serialize(into: &writer) }
        // Keep whatever the original had after its table (beyond the slots now used), zero-fill the rest.
        for position in tableEnd..<sizeOfHeaders {
            let keep = position >= originalTableEnd && position < originalSizeOfHeaders
            writer.write(keep ? image.headerTail[position - originalTableEnd] : 0)
        }
        return (writer.bytes, entries.map(\.header), optional, coff, body, offset)
    }

    /// Returns true when the only data after the last section is a COFF symbol table at the very end
    /// (to be stripped, as ukify does), possibly after zero padding; throws for anything else.
    private static func checkTrailingData(_ image: PEImage) throws -> Bool {
        let rawEnd =
            image.sections.filter { $0.sizeOfRawData > 0 }
            .map { Int($0.pointerToRawData) + Int($0.sizeOfRawData) }.max() ?? Int(image.optionalHeader.sizeOfHeaders)
        var end = image.file.size
        var stripSymbols = false
        if let symbols = image.symbolTable, symbols.upperBound == end, symbols.lowerBound >= rawEnd {
            end = symbols.lowerBound
            stripSymbols = true
        }
        if end > rawEnd {
            let padding = try image.file.read(at: rawEnd, count: min(end - rawEnd, 1 << 16), field: "trailing data")
            guard end - rawEnd <= 1 << 16, padding.allSatisfy({ $0 == 0 }) else {
                throw PEError(
                    .trailingData, offset: rawEnd,
                    detail: "\(end - rawEnd) bytes after the last section are neither padding nor a symbol table")
            }
        }
        return stripSymbols
    }

    /// Streams the planned image to `output` and patches the CheckSum. With `sign`, the
    /// Authenticode digest of the bytes (spec digest §2.1: all but the CheckSum and the certificate
    /// directory) is computed as they go out, each byte read once; `sign` turns it into a PKCS#7
    /// that is appended as the certificate table. The caller commits.
    public func write(
        to output: AtomicOutputFile, algorithm: DigestAlgorithm = .sha256,
        sign: ((_ digest: [UInt8]) throws -> [UInt8])? = nil
    ) throws {
        var signing: (sign: (_ digest: [UInt8]) throws -> [UInt8], digest: Digest, directoryOffset: Int)?
        var hashed: [Range<Int>] = []
        if let sign {
            guard let directoryOffset = certificateDirectoryOffset else {
                throw PEError(
                    .invalidField, field: "NumberOfRvaAndSizes", detail: "no Certificate Table directory to sign into")
            }
            signing = (sign, Digest(algorithm), directoryOffset)
            hashed = [0..<checkSumOffset, (checkSumOffset + 4)..<directoryOffset, (directoryOffset + 8)..<fileSize]
        }
        let writer = ImageWriter(output: output, digest: signing?.digest, hashedRanges: hashed)
        try writer.append([InMemoryBytes(headerBytes)] + body)
        guard let (sign, digest, directoryOffset) = signing else {
            return try writer.finish(checkSumOffset: checkSumOffset)
        }
        // The raw data ends FileAlignment-aligned, so the table starts 8-aligned with nothing to pad.
        let table = WinCertificate(pkcs7: try sign(digest.finalize())).encoded
        let tableStart = writer.size
        guard tableStart + table.count <= UInt32.max else {
            throw PEError(.imageTooLarge, detail: "signed image beyond 4 GiB")
        }
        try writer.append([InMemoryBytes(table)])
        try writer.patch(certificateDirectoryBytes(offset: tableStart, size: table.count), at: directoryOffset)
        try writer.finish(checkSumOffset: checkSumOffset)
    }
}
