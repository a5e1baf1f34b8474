internal import CZlib

/// A streaming decompressor: compressed bytes in, decompressed chunks out, with a bounded
/// buffer whatever the sizes involved. Each C library's decoder is one conforming class that owns
/// its C state.
public protocol StreamDecoder: AnyObject {
    /// The name of the format, for messages ("gzip", "xz", ...).
    var format: String { get }
    /// Whether the compressed stream has ended (its end marker or last frame was decoded).
    var isFinished: Bool { get }
    /// Decodes from `input`, handing every decompressed chunk to `output`; returns how many bytes
    /// of `input` were used: all of them, unless the stream ends inside `input`. Corrupt input is a
    /// ``BinaryIOErrorCode/corruptData`` error.
    func decode(_ input: UnsafeRawBufferPointer, output: (UnsafeRawBufferPointer) throws -> Void) throws -> Int
    /// The input has ended after `decompressedCount` bytes of output: a ``BinaryIOErrorCode/corruptData``
    /// error when the stream is incomplete. (Formats without an end marker decide here.)
    func endOfInput(decompressedCount: Int) throws
}

extension StreamDecoder {
    public func endOfInput(decompressedCount: Int) throws {
        guard isFinished else { throw BinaryIOError(.corruptData, detail: "the \(format) stream ends early") }
    }
}

/// A ``StreamDecoder`` over a C library's streaming call: ``step(_:)`` makes one call, and the
/// shared ``decode(_:output:)`` repeats it until the stream ends, or the input is used up while the
/// output buffer was not filled (so the library holds nothing back).
public protocol SteppedDecoder: StreamDecoder {
    /// One call of the library on `input`: how many of its bytes were used, the output produced
    /// (valid until the next call), and whether that filled the output buffer. Sets ``isFinished``
    /// when the stream ends; corrupt input is a ``BinaryIOErrorCode/corruptData`` error.
    func step(_ input: UnsafeRawBufferPointer) throws -> (used: Int, output: UnsafeRawBufferPointer, full: Bool)
}

extension SteppedDecoder {
    public func decode(
        _ input: UnsafeRawBufferPointer, output body: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Int {
        var used = 0
        while !isFinished {
            let (taken, produced, full) = try step(UnsafeRawBufferPointer(rebasing: input[used...]))
            used += taken
            if !produced.isEmpty { try body(produced) }
            if used == input.count, !full { break }
        }
        return used
    }
}

/// A gzip stream (RFC 1952) through zlib's `inflate`; decoding stops at the end of the first member.
public final class GzipDecoder: SteppedDecoder {
    public let format = "gzip"
    public private(set) var isFinished = false
    /// zlib keeps a pointer back to its stream, so the stream never moves.
    private let stream: UnsafeMutablePointer<z_stream>
    private let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)

    public init() throws {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 16 + MAX_WBITS: a gzip header and trailer around a deflate stream with a 32 KiB window.
        guard bootchain_inflateInit2(stream, 16 + MAX_WBITS) == Z_OK else {
            stream.deallocate()
            output.deallocate()
            throw BinaryIOError(.corruptData, detail: "zlib cannot start a gzip decoder")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    public func step(_ input: UnsafeRawBufferPointer) throws -> (used: Int, output: UnsafeRawBufferPointer, full: Bool)
    {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(output.count)
        let result = inflate(stream, Z_NO_FLUSH)
        switch result {
        case Z_OK, Z_BUF_ERROR: break
        case Z_STREAM_END: isFinished = true
        default:
            let reason = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(result)"
            throw BinaryIOError(.corruptData, offset: Int(stream.pointee.total_in), detail: "gzip: \(reason)")
        }
        let produced = output.count - Int(stream.pointee.avail_out)
        return (
            input.count - Int(stream.pointee.avail_in), UnsafeRawBufferPointer(rebasing: output[0..<produced]),
            stream.pointee.avail_out == 0
        )
    }
}
