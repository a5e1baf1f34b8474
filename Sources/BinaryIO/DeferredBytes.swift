import Synchronization

/// Content whose size is known up front but whose bytes are computed only when they are first
/// read: a `.pcrsig` signed from digests of the sections written before it, in the same pass.
/// Content of another size than announced is an error, never a corrupt output.
public final class DeferredBytes: ByteSource, Sendable {
    public let count: Int
    private let work: @Sendable () throws -> [UInt8]
    private let result = Mutex<Result<[UInt8], any Error>?>(nil)

    /// `work` runs once, on the thread that first reads the content.
    public init(count: Int, producing work: @escaping @Sendable () throws -> [UInt8]) {
        self.count = count
        self.work = work
    }

    /// The content, computed on the first call.
    public func bytes() throws -> [UInt8] {
        let bytes = try result.withLock { result in
            if result == nil { result = Result { try work() } }
            return try result!.get()
        }
        guard bytes.count == count else {
            throw BinaryIOError(.overflow, detail: "deferred content has \(bytes.count) bytes, \(count) were planned")
        }
        return bytes
    }

    /// Its work may wait for digests of content streamed before it.
    public var waitsForStream: Bool { true }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        try InMemoryBytes(try bytes()).read(into: buffer, at: offset)
    }
}
