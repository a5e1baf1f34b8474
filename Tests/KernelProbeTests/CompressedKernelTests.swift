import BinaryIO
import PEKit
import SystemPackage
import TestSupport
import Testing

@testable import KernelProbe

/// Compressed kernels made from Debian's vmlinuz by the compression tools themselves, with the
/// options of the kernel's build (scripts/Makefile.lib, scripts/xz_wrap.sh).
@Suite struct CompressedKernelTests {
    struct Tool: Sendable, CustomStringConvertible {
        var description: String
        var command: String
        var format: CompressedKernel
        /// The kernel's build appends the decompressed size to all formats but gzip.
        var sizeTrailer: Bool
    }

    static let tools: [Tool] = [
        Tool(description: "gzip", command: "gzip -9 -n -c", format: .gzip, sizeTrailer: false),
        Tool(description: "zstd", command: "zstd -q -19 -c", format: .zstd, sizeTrailer: true),
        Tool(description: "zstd, no trailer", command: "zstd -q -3 -c", format: .zstd, sizeTrailer: false),
        Tool(
            description: "xz (xz_wrap.sh)", command: "xz -q --check=crc32 --x86 --lzma2=dict=32MiB -c", format: .xz,
            sizeTrailer: true),
        Tool(description: "lzma", command: "lzma -9 -c", format: .lzma, sizeTrailer: true),
        Tool(description: "lz4 -l", command: "lz4 -q -l -9 -c", format: .lz4Legacy, sizeTrailer: true),
        Tool(description: "lz4 -l, no trailer", command: "lz4 -q -l -c", format: .lz4Legacy, sizeTrailer: false),
        Tool(description: "lz4 frame", command: "lz4 -q -9 -c", format: .lz4Frame, sizeTrailer: false),
        Tool(description: "bzip2", command: "bzip2 -9 -c", format: .bzip2, sizeTrailer: true),
    ]

    /// `vmlinuz` run through `command` (a shell pipeline stage), with the kernel's size trailer when asked.
    static func compress(
        _ vmlinuz: String, with command: String, sizeTrailer: Bool, into directory: TemporaryDirectory
    ) throws -> String {
        let output = directory.file("kernel.compressed")
        let program = command.split(separator: " ").first.map(String.init) ?? command
        _ = try which(program)
        try check(run("/bin/sh", ["-c", "\(command) \"$1\" > \"$2\"", "sh", vmlinuz, output]))
        if sizeTrailer {
            let size = UInt32(try readBytes(vmlinuz).count)
            let trailer = (0..<4).map { UInt8(truncatingIfNeeded: size >> (8 * $0)) }
            _ = try directory.write("kernel.compressed", try readBytes(output) + trailer)
        }
        return output
    }

    @Test(arguments: tools)
    func aCompressedKernelIsEmbeddedDecompressed(tool: Tool) throws {
        let kernel = try TestPaths.debianKernel()
        let directory = try TemporaryDirectory()
        let compressed = try Self.compress(
            kernel.vmlinuz, with: tool.command, sizeTrailer: tool.sizeTrailer, into: directory)
        #expect(try CompressedKernel.detect(in: ReadableFile(path: FilePath(compressed))) == tool.format)

        var request = UKIRequest(stub: FilePath(TestPaths.fixture("linuxx64.efi.stub")))
        request.linux = FilePath(compressed)
        request.cmdline = .text("quiet")
        let build = try UKIBuild(request)
        #expect(build.uname == kernel.release)
        #expect(build.warnings.contains { $0.contains(compressed) && $0.contains("decompressed") })
        try build.write(to: FilePath(directory.file("uki.efi")))

        let uki = try PEImage(file: ReadableFile(path: FilePath(directory.file("uki.efi"))))
        let linux = try #require(uki.section(named: ".linux"))
        let embedded = try FileRegion(
            file: uki.file, offset: Int(linux.pointerToRawData), count: Int(linux.virtualSize)
        ).readAll(limit: 1 << 30)
        #expect(embedded == (try readBytes(kernel.vmlinuz)))
    }

    @Test func aPEKernelIsTakenAsItIs() throws {
        let kernel = try TestPaths.debianKernel()
        let file = try ReadableFile(path: FilePath(kernel.vmlinuz))
        #expect(try CompressedKernel.detect(in: file) == nil)
        #expect(try CompressedKernel.loadable(file) === file)
    }

    /// Broken streams: each an invalidInput error naming the file, whose message says what is wrong.
    @Test(arguments: [
        ("truncated", "ends early"), ("corrupt", "corrupt"), ("trailing garbage", "bytes after the end"),
        ("wrong size trailer", "bytes after the end"),
    ])
    func brokenStreamsAreErrors(damage: String, message: String) throws {
        let kernel = try TestPaths.debianKernel()
        let directory = try TemporaryDirectory()
        let compressed = try Self.compress(kernel.vmlinuz, with: "zstd -q -c", sizeTrailer: false, into: directory)
        var bytes = try readBytes(compressed)
        switch damage {
        case "truncated": bytes.removeLast(bytes.count / 3)
        case "corrupt": bytes[bytes.count / 2] ^= 0xFF
        case "trailing garbage": bytes += Array("garbage".utf8)
        default: bytes += [1, 2, 3, 4]
        }
        let path = try directory.write("kernel.zst", bytes)
        #expect { _ = try CompressedKernel.loadable(ReadableFile(path: FilePath(path))) } throws: { error in
            let error = error as? PEError
            return error?.code == .invalidInput && error?.path == path
                && "\(error.map { "\($0)" } ?? "")".contains(message)
        }
    }

    /// Prefixes long enough to show the magic (shorter files are not recognized as compressed).
    @Test(arguments: ["gzip -c", "xz -c", "lz4 -l -c", "lz4 -c", "lzma -c", "zstd -q -c", "bzip2 -c"])
    func everyPrefixOfAStreamIsAnError(command: String) throws {
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let compressed = try Self.compress(kernel.vmlinuz, with: command, sizeTrailer: false, into: directory)
        let bytes = try readBytes(compressed)
        for length in [7, 13, 100, 4096, bytes.count / 2, bytes.count - 1] {
            let path = try directory.write("prefix", Array(bytes.prefix(length)))
            #expect(throws: PEError.self, "\(command): \(length) bytes") {
                _ = try CompressedKernel.loadable(ReadableFile(path: FilePath(path)))
            }
        }
    }

    /// Random damage to small streams of every format (the stub fixture, a PE, compressed): each
    /// either decodes to a PE or is a PEError, never a crash or a hang. Seeded, so reproducible.
    @Test(arguments: ["gzip -c", "xz -c", "lzma -c", "zstd -q -c", "lz4 -l -c", "lz4 -c", "bzip2 -c"])
    func damagedStreamsFailCleanly(command: String) throws {
        let directory = try TemporaryDirectory()
        let original = try readBytes(
            try Self.compress(
                TestPaths.fixture("linuxx64.efi.stub"), with: command, sizeTrailer: false, into: directory))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33) % bound
        }
        for round in 0..<60 {
            var bytes = original
            for _ in 0...next(4) {
                let index = 4 + next(bytes.count - 4)  // keep the magic, so the decoder runs
                bytes[index] = UInt8(truncatingIfNeeded: next(256))
            }
            if round % 3 == 0 { bytes.removeLast(next(bytes.count / 2)) }
            let path = try directory.write("damaged", bytes)
            do {
                let file = try CompressedKernel.loadable(ReadableFile(path: FilePath(path)), limit: 8 << 20)
                _ = try PEImage(file: file)
            } catch let error as PEError {
                #expect(error.path == path, "\(command) round \(round): \(error)")
            }
        }
    }

    /// A stream that decompresses beyond the limit stops at the limit (a decompression bomb).
    @Test func decompressionBombsAreRefused() throws {
        let directory = try TemporaryDirectory()
        let zeros = try directory.write("zeros", [UInt8](repeating: 0, count: 3 << 20))
        let bomb = directory.file("bomb.gz")
        try check(run("/bin/sh", ["-c", "gzip -9 -c \"$1\" > \"$2\"", "sh", zeros, bomb]))
        #expect { _ = try CompressedKernel.loadable(ReadableFile(path: FilePath(bomb)), limit: 1 << 20) } throws: {
            "\($0)".contains("more than 1 MiB")
        }
    }

    /// The stub starts PE images only: a stream that decompresses to anything else is refused.
    @Test func decompressedContentMustBeAPE() throws {
        let directory = try TemporaryDirectory()
        let elf = try directory.write("vmlinux", [0x7F, 0x45, 0x4C, 0x46] + [UInt8](repeating: 7, count: 5000))
        let compressed = directory.file("vmlinux.gz")
        try check(run("/bin/sh", ["-c", "gzip -c \"$1\" > \"$2\"", "sh", elf, compressed]))
        #expect { _ = try CompressedKernel.loadable(ReadableFile(path: FilePath(compressed))) } throws: {
            "\($0)".contains("not a PE kernel")
        }
    }

    /// lzo (as in ukify 257) has no decoder: named in the error. lzop(1) is not installed, so the
    /// stream is its header magic followed by garbage.
    @Test func lzoIsNamed() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("vmlinuz.lzo", [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3])
        #expect { _ = try CompressedKernel.loadable(ReadableFile(path: FilePath(path))) } throws: {
            "\($0)".contains("lzo-compressed")
        }
    }
}
