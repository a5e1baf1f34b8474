import BinaryIO
internal import CBZip2

/// A bzip2 stream through libbz2's streaming decoder, up to the end of the stream. libbz2 needs
/// at most about 3.7 MiB however large the stream (900 KiB blocks).
final class BZip2Decoder: SteppedDecoder {
    let format = "bzip2"
    private(set) var isFinished = false
    /// libbz2 keeps a pointer back to its stream, so the stream never moves.
    private let stream: UnsafeMutablePointer<bz_stream>
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)

    init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: bz_stream())
        guard BZ2_bzDecompressInit(stream, 0, 0) == BZ_OK else {
            stream.deallocate()
            output.deallocate()
            throw BinaryIOError(.corruptData, detail: "libbz2 cannot start a decoder")
        }
    }

    deinit {
        BZ2_bzDecompressEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    func step(_ input: UnsafeRawBufferPointer) throws -> (used: Int, output: UnsafeRawBufferPointer, full: Bool) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: CChar.self))
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: CChar.self)
        stream.pointee.avail_out = UInt32(output.count)
        let result = BZ2_bzDecompress(stream)
        switch result {
        case BZ_OK: break
        case BZ_STREAM_END: isFinished = true
        case BZ_DATA_ERROR_MAGIC: throw BinaryIOError(.corruptData, detail: "bzip2: not a bzip2 stream")
        default:
            let offset = Int(stream.pointee.total_in_hi32) << 32 | Int(stream.pointee.total_in_lo32)
            throw BinaryIOError(.corruptData, offset: offset, detail: "bzip2: corrupt data (libbz2 error \(result))")
        }
        let produced = output.count - Int(stream.pointee.avail_out)
        return (
            input.count - Int(stream.pointee.avail_in), UnsafeRawBufferPointer(rebasing: output[0..<produced]),
            stream.pointee.avail_out == 0
        )
    }
}
