import BinaryIO

/// Streams the pieces of an image to `output` in order, computing the PE CheckSum on the way, and
/// patches it in at `checkSumOffset` (where the pieces carry zeros). Returns the file size.
func streamImage(_ pieces: [any ByteSource], checkSumOffset: Int, to output: AtomicOutputFile) throws -> Int {
    var checksum = PEChecksum()
    var size = 0
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
    defer { scratch.deallocate() }
    do {
        for piece in pieces {
            try piece.forEachChunk(scratch: scratch) { chunk in
                checksum.update(chunk)
                try output.write(chunk)
            }
            size += piece.count
        }
        let value = checksum.finalize(fileSize: size)
        try output.write((0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }, at: checkSumOffset)
    } catch let error as BinaryIOError {
        throw PEError(error)
    }
    return size
}

extension PEImage {
    /// Streams this image with its certificate table replaced by `entries` (appending a signature,
    /// removing one, or all of them when empty) and a recomputed CheckSum. Everything Authenticode
    /// hashes stays as it is, so the signatures kept stay valid. The caller commits `output`.
    public func write(replacingCertificateTableWith entries: [WinCertificate], to output: AtomicOutputFile) throws {
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
        let directory: [UInt32] = entries.isEmpty ? [0, 0] : [UInt32(tableStart), UInt32(table.count)]
        var writer = ByteWriter()
        for value in directory { writer.write(value) }
        headers.replaceSubrange(directoryOffset..<(directoryOffset + 8), with: writer.bytes)
        headers.replaceSubrange(checkSumOffset..<(checkSumOffset + 4), with: [0, 0, 0, 0])
        let sizeOfHeaders = headers.count
        let pieces: [any ByteSource] = [
            InMemoryBytes(headers),
            try withPEErrors(path: path) {
                try FileRegion(file: file, offset: sizeOfHeaders, count: contentEnd - sizeOfHeaders)
            },
            ZeroBytes(count: tableStart - contentEnd),
            InMemoryBytes(table),
        ]
        _ = try withPEErrors(path: output.destination.string) {
            try streamImage(pieces, checkSumOffset: checkSumOffset, to: output)
        }
    }
}
