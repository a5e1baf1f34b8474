import BinaryIO
internal import CLZ4

/// An LZ4 frame (lz4's frame format, magic 0x184D2204) through liblz4's frame decoder, up to the
/// end of the frame.
final class LZ4FrameDecoder: SteppedDecoder {
    let format = "lz4"
    private(set) var isFinished = false
    private let context: OpaquePointer
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)

    init() throws {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, let context else {
            output.deallocate()
            throw BinaryIOError(.corruptData, detail: "liblz4 cannot start a decoder")
        }
        self.context = context
    }

    deinit {
        LZ4F_freeDecompressionContext(context)
        output.deallocate()
    }

    func step(_ input: UnsafeRawBufferPointer) throws -> (used: Int, output: UnsafeRawBufferPointer, full: Bool) {
        var produced = output.count
        var taken = input.count
        let hint = LZ4F_decompress(context, output.baseAddress, &produced, input.baseAddress, &taken, nil)
        if LZ4F_isError(hint) != 0 {
            throw BinaryIOError(.corruptData, detail: "lz4: \(String(cString: LZ4F_getErrorName(hint)))")
        }
        // 0: the frame is decoded and flushed.
        if hint == 0 { isFinished = true }
        return (taken, UnsafeRawBufferPointer(rebasing: output[0..<produced]), produced == output.count)
    }
}

/// The legacy LZ4 format the kernel's build writes (`lz4 -l`): the magic 0x184C2102, then blocks,
/// each a little-endian compressed size and that many bytes that decompress to at most 8 MiB
/// (lz4's programs/lz4io.c, the kernel's lib/decompress_unlz4.c). A repeated magic starts a new
/// stream. The format has no end marker: the input ends after a block, or after the kernel's
/// size trailer (4 bytes: the decompressed size).
final class LZ4LegacyDecoder: StreamDecoder {
    static let magic: UInt32 = 0x184C_2102
    static let blockSize = 8 << 20

    let format = "lz4 (legacy)"
    /// There is no end marker: ``endOfInput(decompressedCount:)`` decides.
    let isFinished = false
    private var header: [UInt8] = []
    private var sawMagic = false
    /// The compressed size of the block being read (0 between blocks), and its bytes so far.
    private var blockLength = 0
    private var block: [UInt8] = []
    /// A size too large for a block: only the kernel's size trailer, at the very end, is one.
    private var trailer: UInt32?
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 16)

    deinit { output.deallocate() }

    func decode(_ input: UnsafeRawBufferPointer, output body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var index = 0
        while index < input.count {
            if let trailer {
                throw BinaryIOError(.corruptData, detail: "lz4: block size \(trailer) out of range")
            }
            if blockLength == 0 {
                let take = min(4 - header.count, input.count - index)
                header += input[index..<(index + take)]
                index += take
                guard header.count == 4 else { continue }
                let value = header.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                header = []
                if value == Self.magic {
                    sawMagic = true
                    continue
                }
                guard sawMagic else { throw BinaryIOError(.corruptData, detail: "lz4: no legacy stream magic") }
                if value == 0 || Int(value) > Int(LZ4_compressBound(Int32(Self.blockSize))) {
                    trailer = value
                } else {
                    blockLength = Int(value)
                    block.removeAll(keepingCapacity: true)
                }
            } else {
                let take = min(blockLength - block.count, input.count - index)
                block += input[index..<(index + take)]
                index += take
                guard block.count == blockLength else { continue }
                let produced = block.withUnsafeBytes { compressed in
                    LZ4_decompress_safe(
                        compressed.baseAddress?.assumingMemoryBound(to: CChar.self),
                        output.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(blockLength),
                        Int32(output.count))
                }
                guard produced >= 0 else { throw BinaryIOError(.corruptData, detail: "lz4: corrupt block") }
                try body(UnsafeRawBufferPointer(rebasing: output[0..<Int(produced)]))
                blockLength = 0
            }
        }
        return input.count
    }

    func endOfInput(decompressedCount: Int) throws {
        guard sawMagic, header.isEmpty, block.isEmpty || blockLength == 0 else {
            throw BinaryIOError(.corruptData, detail: "the \(format) stream ends early")
        }
        // A size read last, with no block after it, is the kernel's size trailer.
        let last = trailer ?? (blockLength > 0 ? UInt32(blockLength) : nil)
        if let last, last != UInt32(truncatingIfNeeded: decompressedCount) {
            throw BinaryIOError(.corruptData, detail: "lz4: block size \(last) out of range")
        }
    }
}
