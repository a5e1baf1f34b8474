import BinaryIO
import BootCrypto

/// Writes an image to an output file in file order: the CheckSum is computed on the way, an
/// Authenticode digest can be fed with the hashed bytes, and header fields streamed as zeros are
/// patched at the end (the certificate table directory, then the CheckSum).
final class ImageWriter {
    private let output: AtomicOutputFile
    private var checksum = PEChecksum()
    private(set) var size = 0
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)

    init(output: AtomicOutputFile) {
        self.output = output
    }

    deinit {
        scratch.deallocate()
    }

    /// Appends `source`, feeding its bytes to `digest` when given.
    func append(_ source: any ByteSource, digest: Digest? = nil) throws {
        try wrappingErrors {
            try source.forEachChunk(scratch: scratch) { chunk in
                checksum.update(chunk)
                try digest?.update(chunk)
                try output.write(chunk)
            }
        }
        size += source.count
    }

    /// Overwrites bytes that were streamed as zeros.
    func patch(_ bytes: [UInt8], at offset: Int) throws {
        try wrappingErrors { try output.write(bytes, at: offset) }
        checksum.add(bytes, atFileOffset: offset)
    }

    /// Writes the CheckSum; the caller commits the output.
    func finish(checkSumOffset: Int) throws {
        let value = checksum.finalize(fileSize: size)
        try wrappingErrors {
            try output.write((0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, at: checkSumOffset)
        }
    }

    private func wrappingErrors(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as BinaryIOError {
            throw PEError(error, path: output.destination.string)
        }
    }
}

/// The Certificate Table directory entry {VirtualAddress = file offset, Size} as bytes.
func certificateDirectoryBytes(offset: Int, size: Int) -> [UInt8] {
    var writer = ByteWriter()
    writer.write(UInt32(offset))
    writer.write(UInt32(size))
    return writer.bytes
}

extension PEImage {
    /// Streams this image with its certificate table replaced by `entries` (appending a signature,
    /// removing one, or all of them when empty) and a recomputed CheckSum. Everything Authenticode
    /// hashes stays as it is, so the signatures kept stay valid. The caller commits `output`.
    public func write(replacingCertificateTableWith entries: [WinCertificate], to output: AtomicOutputFile) throws {
        let writer = ImageWriter(output: output)
        let replaced = try piecesReplacingCertificateTable(with: entries)
        for piece in [InMemoryBytes(replaced.headers)] + replaced.rest { try writer.append(piece) }
        try writer.finish(checkSumOffset: checkSumOffset)
    }

    /// The image with `pkcs7` appended to its certificate table, as a stream with a correct
    /// CheckSum (an embedded kernel signed on the fly). Reads the image once to sum it.
    public func signedCopy(appending pkcs7: [UInt8]) throws -> any ByteSource {
        let existing = try CertificateTable(image: self)?.entries ?? []
        var (headers, rest) = try piecesReplacingCertificateTable(with: existing + [WinCertificate(pkcs7: pkcs7)])
        var checksum = PEChecksum()
        var size = headers.count
        headers.withUnsafeBytes { checksum.update($0) }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { scratch.deallocate() }
        try withPEErrors(path: file.path.string) {
            for piece in rest {
                try piece.forEachChunk(scratch: scratch) { checksum.update($0) }
                size += piece.count
            }
        }
        let value = checksum.finalize(fileSize: size)
        headers.replaceSubrange(
            checkSumOffset..<(checkSumOffset + 4), with: (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) })
        return try ConcatenatedSource([InMemoryBytes(headers)] + rest)
    }

    /// Headers (CheckSum zeroed, certificate directory set), the rest of the image up to its old
    /// table, padding to 8 and the new table.
    private func piecesReplacingCertificateTable(
        with entries: [WinCertificate]
    ) throws
        -> (headers: [UInt8], rest: [any ByteSource])
    {
        let path = file.path.string
        guard let directoryOffset = certificateDirectoryOffset else {
            throw PEError(
                .invalidField, path: path, field: "NumberOfRvaAndSizes", detail: "no Certificate Table directory")
        }
        _ = try CertificateTable(image: self)
        let contentEnd = certificateTable?.lowerBound ?? file.size
        let tableStart = entries.isEmpty ? contentEnd : (contentEnd + 7) / 8 * 8
        let table = entries.flatMap(\.encoded)
        guard tableStart + table.count <= UInt32.max else { throw PEError(.imageTooLarge, path: path) }
        var headers = try withPEErrors(path: path) {
            try file.read(at: 0, count: Int(optionalHeader.sizeOfHeaders), field: "headers")
        }
        headers.replaceSubrange(
            directoryOffset..<(directoryOffset + 8),
            with: entries.isEmpty
                ? [UInt8](repeating: 0, count: 8) : certificateDirectoryBytes(offset: tableStart, size: table.count))
        headers.replaceSubrange(checkSumOffset..<(checkSumOffset + 4), with: [0, 0, 0, 0])
        let sizeOfHeaders = headers.count
        let rest: [any ByteSource] = [
            try withPEErrors(path: path) {
                try FileRegion(file: file, offset: sizeOfHeaders, count: contentEnd - sizeOfHeaders)
            },
            ZeroBytes(count: tableStart - contentEnd),
            InMemoryBytes(table),
        ]
        return (headers, rest)
    }
}
