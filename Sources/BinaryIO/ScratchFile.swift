import Glibc
import SystemPackage

/// A file with no name, for intermediate content too large to hold in memory (a decompressed
/// kernel): created in `$TMPDIR` (else `/var/tmp`, which is disk-backed where `/tmp` may be RAM),
/// unlinked at once, so it disappears with its last descriptor whatever happens to the process.
public final class ScratchFile {
    private let descriptor: FileDescriptor
    private var handedOver = false
    /// Bytes written so far.
    public private(set) var count = 0

    public init() throws {
        let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/var/tmp"
        var template = Array((directory + "/bootchain-XXXXXX").utf8CString)
        let opened = template.withUnsafeMutableBufferPointer { $0.baseAddress.map(mkstemp) ?? -1 }
        guard opened >= 0 else {
            throw BinaryIOError(
                .writeFailed, path: directory,
                detail: "cannot create a temporary file: \(Errno(rawValue: errno).osMessage)")
        }
        _ = template.withUnsafeBufferPointer { $0.baseAddress.map(unlink) }
        _ = fcntl(opened, F_SETFD, FD_CLOEXEC)
        descriptor = FileDescriptor(rawValue: opened)
    }

    deinit {
        if !handedOver { try? descriptor.close() }
    }

    /// Appends all of `buffer`.
    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        do {
            count += try descriptor.writeAll(buffer)
        } catch let errno as Errno {
            throw BinaryIOError(.writeFailed, detail: "temporary file: \(errno.osMessage)")
        }
    }

    /// The content written, as a file named `path` in messages. The scratch file is done with.
    public func readable(path: FilePath) throws -> ReadableFile {
        precondition(!handedOver, "a scratch file is handed over once")
        handedOver = true
        return try ReadableFile(path: path, opened: descriptor)
    }
}
