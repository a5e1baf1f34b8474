import BinaryIO
internal import CZstd

/// A zstd stream (RFC 8878) through libzstd's streaming decoder, up to the end of its first frame.
/// libzstd refuses frames whose window exceeds 128 MiB (its default limit), which bounds its memory.
final class ZstdDecoder: StreamDecoder {
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

    func decode(_ input: UnsafeRawBufferPointer, output body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var source = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while !isFinished {
            var destination = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
            let hint = ZSTD_decompressStream(context, &destination, &source)
            if ZSTD_isError(hint) != 0 {
                throw BinaryIOError(.corruptData, detail: "zstd: \(String(cString: ZSTD_getErrorName(hint)))")
            }
            if destination.pos > 0 { try body(UnsafeRawBufferPointer(rebasing: output[0..<destination.pos])) }
            // 0: the frame is decoded and flushed.
            if hint == 0 { isFinished = true }
            if source.pos == source.size, destination.pos < destination.size { break }
        }
        return source.pos
    }
}
