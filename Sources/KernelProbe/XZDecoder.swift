import BinaryIO
internal import CLZMA

/// An xz stream, or a legacy `.lzma` ("LZMA alone") stream, through liblzma, up to the end of
/// the (first) stream. liblzma refuses streams whose dictionary needs more than `memoryLimit`.
final class XZDecoder: SteppedDecoder {
    enum Container {
        case xz
        case lzmaAlone
    }

    let format: String
    private(set) var isFinished = false
    /// liblzma's state points at nothing in the stream, but the stream stays put all the same.
    private let stream: UnsafeMutablePointer<lzma_stream>
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)

    init(_ container: Container, memoryLimit: UInt64 = 256 << 20) throws {
        format = container == .xz ? "xz" : "lzma"
        stream = .allocate(capacity: 1)
        stream.initialize(to: lzma_stream())
        let result =
            container == .xz ? lzma_stream_decoder(stream, memoryLimit, 0) : lzma_alone_decoder(stream, memoryLimit)
        guard result == LZMA_OK else {
            stream.deallocate()
            output.deallocate()
            throw BinaryIOError(.corruptData, detail: "liblzma cannot start an \(format) decoder")
        }
    }

    deinit {
        lzma_end(stream)
        stream.deallocate()
        output.deallocate()
    }

    func step(_ input: UnsafeRawBufferPointer) throws -> (used: Int, output: UnsafeRawBufferPointer, full: Bool) {
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_in = input.count
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = output.count
        let result = lzma_code(stream, LZMA_RUN)
        switch result {
        case LZMA_OK, LZMA_BUF_ERROR: break
        case LZMA_STREAM_END: isFinished = true
        case LZMA_MEMLIMIT_ERROR:
            throw BinaryIOError(
                .corruptData, detail: "\(format): needs more than \(lzma_memlimit_get(stream) >> 20) MiB to decode")
        case LZMA_FORMAT_ERROR: throw BinaryIOError(.corruptData, detail: "\(format): not an \(format) stream")
        case LZMA_OPTIONS_ERROR: throw BinaryIOError(.corruptData, detail: "\(format): unsupported options")
        default:
            throw BinaryIOError(
                .corruptData, offset: Int(stream.pointee.total_in),
                detail: "\(format): corrupt data (liblzma error \(result.rawValue))")
        }
        let produced = output.count - stream.pointee.avail_out
        return (
            input.count - stream.pointee.avail_in, UnsafeRawBufferPointer(rebasing: output[0..<produced]),
            stream.pointee.avail_out == 0
        )
    }
}
