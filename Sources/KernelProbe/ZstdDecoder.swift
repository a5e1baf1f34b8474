import BinaryIO
internal import CZstd

/// A zstd stream (RFC 8878) through libzstd's streaming decoder, up to the end of its first frame.
/// libzstd refuses frames whose window exceeds 128 MiB (its default limit), which bounds its memory.
final class ZstdDecoder: SteppedDecoder {
    let format = "zstd"
    private(set) var isFinished = false
    private let context: OpaquePointer
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_DStreamOutSize(), alignment: 16)

    init() throws {
        guard let context = ZSTD_createDCtx() else {
            output.deallocate()
            throw BinaryIOError(.corruptData, detail: "libzstd cannot start a decoder")
        }
        self.context = context
    }

    deinit {
        ZSTD_freeDCtx(context)
        output.deallocate()
    }

    func step(_ input: UnsafeRawBufferPointer) throws -> (used: Int, output: UnsafeRawBufferPointer, full: Bool) {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var destination = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let hint = ZSTD_decompressStream(context, &destination, &source)
        if ZSTD_isError(hint) != 0 {
            throw BinaryIOError(.corruptData, detail: "zstd: \(String(cString: ZSTD_getErrorName(hint)))")
        }
        // 0: the frame is decoded and flushed.
        if hint == 0 { isFinished = true }
        return (
            source.pos, UnsafeRawBufferPointer(rebasing: output[0..<destination.pos]),
            destination.pos == destination.size
        )
    }
}
