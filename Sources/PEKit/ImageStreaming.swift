import BinaryIO
import BootCrypto

/// Writes an image to an output file in file order: the CheckSum is computed on the way, an
/// Authenticode digest can be fed with the hashed bytes, and header fields streamed as zeros are
/// patched at the end (the certificate table directory, then the CheckSum). Each byte is read
/// once, and the Authenticode digest and the digests of ``HashedContent`` among the pieces are
/// computed on all cores alongside the writing (``ChunkStream``).
final class ImageWriter {
    private let output: AtomicOutputFile
    private var checksum = PEChecksum()
    private(set) var size = 0
    /// The Authenticode digest, fed with the written bytes that fall inside `hashedRanges`
    /// (ascending, disjoint file ranges).
    private let digest: Digest?
    private let hashedRanges: [Range<Int>]

    init(output: AtomicOutputFile, digest: Digest? = nil, hashedRanges: [Range<Int>] = []) {
        self.output = output
        self.digest = digest
        self.hashedRanges = hashedRanges
    }

    /// Appends `pieces`, one after another.
    func append(_ pieces: [any ByteSource]) throws {
        var lanes = HashedContent.lanes(for: pieces, startingAt: size)
        let end = size + pieces.reduce(0) { $0 + $1.count }
        if let digest {
            let ranges = hashedRanges.map { $0.clamped(to: size..<end) }.filter { !$0.isEmpty }
            if !ranges.isEmpty {
                lanes.append(StreamLane(ranges.map { .init(range: $0, consume: { digest.update($0) }) }))
            }
        }
        try wrappingErrors {
            try ChunkStream.run(pieces, from: size, lanes: lanes) { [self] chunk in
                checksum.update(chunk)
                try output.write(chunk)
                size += chunk.count
            }
        }
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
            try output.write(value.littleEndianBytes, at: checkSumOffset)
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
    UInt32(offset).littleEndianBytes + UInt32(size).littleEndianBytes
}

extension PEImage {
    /// Streams this image with its certificate table replaced by `entries` (appending a signature,
    /// removing one, or all of them when empty) and a recomputed CheckSum. Everything Authenticode
    /// hashes stays as it is, so the signatures kept stay valid. The caller commits `output`.
    public func write(replacingCertificateTableWith entries: [WinCertificate], to output: AtomicOutputFile) throws {
        let writer = ImageWriter(output: output)
        let replaced = try replacingCertificateTable(with: entries)
        try writer.append([InMemoryBytes(replaced.headers)] + replaced.rest)
        try writer.finish(checkSumOffset: checkSumOffset)
    }

    /// Streams this image to `output` with one more signature, made by `sign` from the Authenticode
    /// digest. When the hashed ranges are in file order (any sane image) the digest is computed as the
    /// bytes go out, so each byte is read once; otherwise it is computed first. The caller commits.
    public func write(
        to output: AtomicOutputFile, algorithm: DigestAlgorithm, sign: (_ digest: [UInt8]) throws -> [UInt8]
    ) throws {
        let layout = try authenticodeLayout()
        let contentEnd = certificateTable?.lowerBound ?? file.size
        let inFileOrder =
            zip(layout.ranges, layout.ranges.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound }
            && layout.ranges.allSatisfy { $0.upperBound <= contentEnd }
        guard inFileOrder, let directoryOffset = certificateDirectoryOffset else {
            return try write(appendingSignature: try sign(try authenticodeDigest(algorithm)), to: output)
        }
        let existing = try CertificateTable(image: self)?.entries ?? []
        let replaced = try replacingCertificateTable(with: [])
        let tableStart = (contentEnd + 7) / 8 * 8
        // The signer's zero padding is hashed as the layout's virtual padding.
        let hashed = layout.ranges + (layout.zeroPadding > 0 ? [contentEnd..<tableStart] : [])
        let digest = Digest(algorithm)
        let writer = ImageWriter(output: output, digest: digest, hashedRanges: hashed)
        try writer.append([
            InMemoryBytes(replaced.headers), replaced.content, ZeroBytes(count: tableStart - contentEnd),
        ])
        let table = (existing + [WinCertificate(pkcs7: try sign(digest.finalize()))]).flatMap(\.encoded)
        guard tableStart + table.count <= UInt32.max else { throw PEError(.imageTooLarge, path: file.path.string) }
        try writer.append([InMemoryBytes(table)])
        try writer.patch(certificateDirectoryBytes(offset: tableStart, size: table.count), at: directoryOffset)
        try writer.finish(checkSumOffset: checkSumOffset)
    }

    /// The image with `pkcs7` appended to its certificate table, as a stream with a correct
    /// CheckSum (an embedded kernel signed on the fly). Reads the image once to sum it.
    public func signedCopy(appending pkcs7: [UInt8]) throws -> any ByteSource {
        let existing = try CertificateTable(image: self)?.entries ?? []
        let replaced = try replacingCertificateTable(with: existing + [WinCertificate(pkcs7: pkcs7)])
        var headers = replaced.headers
        let rest = replaced.rest
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
            checkSumOffset..<(checkSumOffset + 4), with: value.littleEndianBytes)
        return try ConcatenatedSource([InMemoryBytes(headers)] + rest)
    }

    /// This image with a new certificate table, in pieces: headers (CheckSum zeroed, certificate
    /// directory set), the image up to its old table, zero padding to 8, the new table.
    private struct TableReplacement {
        var headers: [UInt8]
        var content: FileRegion
        /// Zero bytes between the content and the table (to an 8-byte boundary).
        var padding: Int
        var table: [UInt8]

        var rest: [any ByteSource] {
            [content, ZeroBytes(count: padding), InMemoryBytes(table)]
        }
    }

    private func replacingCertificateTable(with entries: [WinCertificate]) throws -> TableReplacement {
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
        let content = try withPEErrors(path: path) {
            try FileRegion(file: file, offset: headers.count, count: contentEnd - headers.count)
        }
        return TableReplacement(headers: headers, content: content, padding: tableStart - contentEnd, table: table)
    }
}
