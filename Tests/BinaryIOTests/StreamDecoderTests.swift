import BinaryIO
import SystemPackage
import TestSupport
import Testing

/// zlib's gzip decoding behind ``GzipDecoder``, on streams made by gzip(1), and ``ScratchFile``.
@Suite struct StreamDecoderTests {
    static func gzipped(_ bytes: [UInt8], in directory: TemporaryDirectory) throws -> [UInt8] {
        let input = try directory.write("plain", bytes)
        try check(run("/bin/sh", ["-c", "gzip -c \"$1\" > \"$1.gz\"", "sh", input]))
        return try readBytes(input + ".gz")
    }

    /// Decodes `stream` fed `chunk` bytes at a time; returns the output and the bytes left over.
    static func decode(_ stream: [UInt8], chunk: Int) throws -> (output: [UInt8], unused: Int, finished: Bool) {
        let decoder = try GzipDecoder()
        var output: [UInt8] = []
        var offset = 0
        while offset < stream.count, !decoder.isFinished {
            let end = min(stream.count, offset + chunk)
            offset += try stream[offset..<end].withUnsafeBytes { input in
                try decoder.decode(input) { output += $0 }
            }
        }
        return (output, stream.count - offset, decoder.isFinished)
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func decodesWhatGzipWrote(chunk: Int) throws {
        let directory = try TemporaryDirectory()
        // Compressible and incompressible parts, larger than the decoder's 1 MiB output buffer.
        let plain = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 < 1 << 20 ? $0 % 7 : $0 &* 2_654_435_761 >> 13) }
        let stream = try Self.gzipped(plain, in: directory) + [0xAA, 0xBB]
        let decoded = try Self.decode(stream, chunk: chunk)
        #expect(decoded.output == plain)
        #expect(decoded.finished)
        #expect(decoded.unused == 2)
    }

    @Test func corruptAndTruncatedStreams() throws {
        let directory = try TemporaryDirectory()
        var stream = try Self.gzipped(Array(repeating: 0x41, count: 10000), in: directory)
        let truncated = try Self.decode(Array(stream.dropLast(9)), chunk: 100)
        #expect(!truncated.finished)
        stream[stream.count - 6] ^= 0xFF  // the CRC-32 in the trailer
        #expect { _ = try Self.decode(stream, chunk: 100) } throws: { ($0 as? BinaryIOError)?.code == .corruptData }
    }

    @Test func scratchFileReadsBackWhatWasWritten() throws {
        let scratch = try ScratchFile()
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0) }
        try bytes.withUnsafeBytes { try scratch.write($0) }
        try bytes.withUnsafeBytes { try scratch.write(UnsafeRawBufferPointer(rebasing: $0[0..<10])) }
        #expect(scratch.count == 100_010)
        let file = try scratch.readable(path: "kernel (decompressed)")
        #expect(file.size == 100_010)
        #expect(file.path == "kernel (decompressed)")
        #expect(try file.read(at: 0, count: 100_010, field: "all") == bytes + bytes.prefix(10))
    }
}
