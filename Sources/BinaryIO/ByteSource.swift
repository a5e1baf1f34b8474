import Synchronization
import SystemPackage

/// Content of known size that can be streamed in chunks: the payload of a section, written
/// and hashed without ever being held in memory whole.
public protocol ByteSource: Sendable {
    var count: Int { get }
    /// Copies the bytes at `offset..<offset + buffer.count` (inside `0..<count`) into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws
    /// Calls `body` with consecutive chunks covering all `count` bytes. `scratch` is a buffer
    /// the source may fill: by default the source is read through it in chunks of at most its
    /// size; in-memory sources hand over their bytes directly.
    func forEachChunk(scratch: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
    /// True when reading may wait until the lanes of the ``ChunkStream`` reading it have consumed
    /// what comes before it (``DeferredBytes``): the stream hands that over first.
    var waitsForStream: Bool { get }
}

extension ByteSource {
    public var waitsForStream: Bool { false }

    public func forEachChunk(
        scratch: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        var done = 0
        while done < count {
            let chunk = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<min(scratch.count, count - done)])
            try read(into: chunk, at: done)
            try body(UnsafeRawBufferPointer(chunk))
            done += chunk.count
        }
    }
}

/// Bytes held in memory (command lines, os-release text, merged SBAT, headers).
public struct InMemoryBytes: ByteSource {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var count: Int { bytes.count }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        bytes.withUnsafeBytes {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + buffer.count)]))
        }
    }

    public func forEachChunk(
        scratch: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try bytes.withUnsafeBytes { try body($0) }
    }
}

/// `count` bytes of a file starting at `offset`, read with `pread` into the caller's scratch buffer.
public struct FileRegion: ByteSource {
    public let file: ReadableFile
    public let offset: Int
    public let count: Int

    public init(file: ReadableFile, offset: Int, count: Int) throws {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard offset >= 0, count >= 0, !overflow, end <= file.size else {
            throw BinaryIOError(.truncated, path: file.path.string, offset: offset)
        }
        self.file = file
        self.offset = offset
        self.count = count
    }

    /// The whole file.
    public init(wholeFile file: ReadableFile) {
        self.file = file
        self.offset = 0
        self.count = file.size
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        try file.readFully(into: buffer, at: self.offset + offset)
    }
}

/// Zero bytes (alignment padding), produced without allocating `count` bytes.
public struct ZeroBytes: ByteSource {
    public let count: Int

    public init(count: Int) { self.count = count }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
    }
}

/// Several sources one after another.
public struct ConcatenatedSource: ByteSource {
    public let parts: [any ByteSource]
    public let count: Int

    public init(_ parts: [any ByteSource]) throws {
        var total = 0
        for part in parts {
            let (sum, overflow) = total.addingReportingOverflow(part.count)
            guard !overflow else { throw BinaryIOError(.overflow, detail: "concatenated size") }
            total = sum
        }
        self.parts = parts
        self.count = total
    }

    public var waitsForStream: Bool { parts.contains { $0.waitsForStream } }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        var start = 0
        var filled = 0
        for part in parts where filled < buffer.count {
            let end = start + part.count
            let position = offset + filled
            if position < end {
                let length = min(end - position, buffer.count - filled)
                try part.read(
                    into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<(filled + length)]),
                    at: position - start)
                filled += length
            }
            start = end
        }
    }

    public func forEachChunk(
        scratch: UnsafeMutableRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        for part in parts {
            try part.forEachChunk(scratch: scratch, body)
        }
    }
}

extension ByteSource {
    /// Writes the whole source to `destination` through an ``AtomicOutputFile`` (temporary file,
    /// fsync, rename, directory fsync), read and written in a ``ChunkStream``.
    public func save(to destination: FilePath) throws {
        try save(into: try AtomicOutputFile(destination: destination))
    }

    /// ``save(to:)`` for the file `name` in `directory`, which is never left through a link.
    public func save(in directory: DirectoryHandle, as name: String) throws {
        try save(into: try AtomicOutputFile(in: directory, name: name))
    }

    private func save(into output: AtomicOutputFile) throws {
        try ChunkStream.run([self], lanes: []) { try output.write($0) }
        try output.commit()
    }

    /// Reads the whole source into memory, refusing sources larger than `limit` bytes (sizes
    /// come from files, so the caller bounds what it is willing to hold).
    public func readAll(limit: Int) throws -> [UInt8] {
        guard count <= limit else { throw BinaryIOError(.tooLarge, detail: "\(count) bytes, more than \(limit)") }
        var result: [UInt8] = []
        result.reserveCapacity(count)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        try forEachChunk(scratch: scratch) { result.append(contentsOf: $0) }
        return result
    }
}

/// A whole file known by path and size, opened only while it is streamed: planning a build with
/// thousands of inputs holds no descriptor for any of them. The size is taken when the source is
/// made (so the layout is known and a missing or unreadable file is reported before any output
/// exists); a file whose size differs when it is read is an error naming it. The file is opened
/// by the first read and kept open until a read reaches its end, so a stream holds one input's
/// descriptor at a time and opens each input once.
public struct LazyFile: ByteSource {
    public let path: FilePath
    public let count: Int
    private let open = OpenFile()

    /// The file while it is being read.
    private final class OpenFile: Sendable {
        let file = Mutex<ReadableFile?>(nil)
    }

    /// Opens `path` once to check that it is a regular file of real size, and records that size.
    public init(path: FilePath) throws {
        let file = try ReadableFile(path: path)
        self.path = path
        self.count = file.size
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        try open.file.withLock { file in
            let current = try file ?? opened()
            file = offset + buffer.count < count ? current : nil
            try FileRegion(wholeFile: current).read(into: buffer, at: offset)
        }
    }

    /// The file, opened again, after checking that its size is still the one planned with.
    private func opened() throws -> ReadableFile {
        let file = try ReadableFile(path: path)
        guard file.size == count else {
            throw BinaryIOError(
                .readFailed, path: path.string,
                detail: "the file changed while the output was written (\(count) bytes, now \(file.size))")
        }
        return file
    }
}
