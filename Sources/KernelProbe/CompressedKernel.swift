import BinaryIO
import PEKit
import SystemPackage

/// A kernel image compressed as a whole (arm64/riscv `Image.gz`, a `vmlinuz` that is a gzip
/// stream, `Image.zst`, ...), recognized by its magic as ukify's `maybe_decompress` does.
/// systemd-stub starts PE kernels only, so such a kernel is embedded decompressed.
///
/// The kernel's build (scripts/Makefile.lib) appends the decompressed size (4 bytes,
/// little-endian) to every format but gzip; that trailer is accepted after the stream, nothing else.
public enum CompressedKernel: String, Sendable, CaseIterable {
    case gzip
    case zstd
    case xz
    /// The legacy `.lzma` format ("LZMA alone"), as `lzma -9` writes it.
    case lzma
    /// lz4's legacy format, as `lz4 -l` (the kernel's build) writes it.
    case lz4Legacy = "lz4"
    /// lz4's frame format.
    case lz4Frame = "lz4 frame"
    case bzip2
    case lzo

    /// The most a kernel may decompress to: real ones are tens of MiB; more is a decompression bomb.
    public static let decompressedLimit = 512 << 20

    /// The format whose magic `file` starts with; nil for anything else (a PE, an ELF, raw data).
    public static func detect(in file: ReadableFile) throws -> CompressedKernel? {
        let start = try file.read(at: 0, count: min(6, file.size), field: "kernel magic")
        let magics: [(CompressedKernel, [UInt8])] = [
            (.gzip, [0x1F, 0x8B]), (.zstd, [0x28, 0xB5, 0x2F, 0xFD]), (.xz, [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]),
            (.lzma, [0x5D, 0x00, 0x00]), (.lz4Legacy, [0x02, 0x21, 0x4C, 0x18]), (.lz4Frame, [0x04, 0x22, 0x4D, 0x18]),
            (.bzip2, Array("BZh".utf8)), (.lzo, [0x89, 0x4C, 0x5A, 0x4F]),
        ]
        return magics.first { start.starts(with: $0.1) }?.0
    }

    /// The kernel as systemd-stub can start it: `file` itself unless it is a compressed stream,
    /// else its content decompressed into an unnamed temporary file, which must be a PE. Corrupt or
    /// truncated streams, trailing garbage, output beyond `limit` bytes and formats this build
    /// cannot decompress are errors naming `file`.
    public static func loadable(_ file: ReadableFile, limit: Int = decompressedLimit) throws -> ReadableFile {
        try withPEErrors(path: file.path.string) {
            guard let format = try detect(in: file) else { return file }
            let decompressed = try format.decompress(file, limit: limit)
            do {
                _ = try PEImage(file: decompressed)
            } catch let error as PEError where error.code != .io {
                throw PEError(
                    .invalidInput,
                    detail:
                        "the decompressed \(format.rawValue) content is not a PE kernel, which systemd-stub cannot start"
                )
            }
            return decompressed
        }
    }

    private func decoder() throws -> any StreamDecoder {
        switch self {
        case .gzip: try GzipDecoder()
        case .zstd: try ZstdDecoder()
        case .xz: try XZDecoder(.xz)
        case .lzma: try XZDecoder(.lzmaAlone)
        case .lz4Legacy: LZ4LegacyDecoder()
        case .lz4Frame: try LZ4FrameDecoder()
        case .bzip2: try BZip2Decoder()
        // As in ukify 257, which has no lzo decoder either (python3-lzo is not packaged everywhere).
        case .lzo:
            throw PEError(
                .invalidInput,
                detail:
                    "an lzo-compressed kernel; gzip, zstd, xz, lzma, lz4 and bzip2 are decompressed: decompress it first"
            )
        }
    }

    /// Streams `file` through the decoder into a scratch file, 1 MiB of input at a time.
    private func decompress(_ file: ReadableFile, limit: Int) throws -> ReadableFile {
        let decoder = try decoder()
        let output = try ScratchFile()
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { input.deallocate() }
        var offset = 0
        while offset < file.size, !decoder.isFinished {
            let chunk = UnsafeMutableRawBufferPointer(rebasing: input[0..<min(input.count, file.size - offset)])
            try file.readFully(into: chunk, at: offset)
            offset += try decoder.decode(UnsafeRawBufferPointer(chunk)) { bytes in
                guard output.count + bytes.count <= limit else {
                    throw BinaryIOError(
                        .tooLarge, detail: "decompresses to more than \(limit >> 20) MiB, far more than a kernel")
                }
                try output.write(bytes)
            }
        }
        if decoder.isFinished {
            try checkTrailer(file, from: offset, decompressedCount: output.count)
        } else {
            try decoder.endOfInput(decompressedCount: output.count)
        }
        return try output.readable(path: FilePath("\(file.path) (decompressed)"))
    }

    /// After the stream: nothing, or the kernel build's 4-byte size trailer.
    private func checkTrailer(_ file: ReadableFile, from offset: Int, decompressedCount: Int) throws {
        let rest = file.size - offset
        if rest == 4 {
            let trailer = try file.read(at: offset, count: 4, field: "size trailer").reversed().reduce(UInt32(0)) {
                $0 << 8 | UInt32($1)
            }
            if trailer == UInt32(truncatingIfNeeded: decompressedCount) { return }
        }
        guard rest == 0 else {
            throw BinaryIOError(
                .corruptData, offset: offset, detail: "\(rest) bytes after the end of the \(rawValue) stream")
        }
    }
}
