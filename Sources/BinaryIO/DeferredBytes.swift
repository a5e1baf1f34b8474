import Dispatch

/// Content whose size is known up front but whose bytes are computed concurrently (a `.pcrsig`
/// signed while the sections before it are being written). The first reader waits for the work;
/// content of another size than announced is an error, never a corrupt output.
public final class DeferredBytes: ByteSource, @unchecked Sendable {
    public let count: Int
    private let done = DispatchSemaphore(value: 0)
    // Written once by the worker before `done` is signalled, read only after waiting on it.
    private var result: Result<[UInt8], any Error>?

    /// Starts `work` now on another thread.
    public init(count: Int, producing work: @escaping @Sendable () throws -> [UInt8]) {
        self.count = count
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = Result { try work() }
            done.signal()
        }
    }

    /// The content, once the work has finished.
    public func bytes() throws -> [UInt8] {
        done.wait()
        done.signal()
        let bytes = try result!.get()
        guard bytes.count == count else {
            throw BinaryIOError(.overflow, detail: "deferred content has \(bytes.count) bytes, \(count) were planned")
        }
        return bytes
    }

    public func forEachChunk(
        scratch: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try bytes().withUnsafeBytes { try body($0) }
    }
}
