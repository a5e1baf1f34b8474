import Glibc
import SystemPackage

/// A file opened for positional reads (`pread`), never loaded whole.
///
/// Parsers read the few header bytes they need with ``read(at:count:field:)``; bulk data is
/// streamed through ``FileRegion``. The descriptor is closed when the object goes away.
public final class ReadableFile: Sendable {
    /// The file's path (for a window: the file's path and the window's name).
    public let path: FilePath
    /// Size in bytes when the file was opened (of the window, for a window).
    public let size: Int
    private let descriptor: OpenDescriptor
    /// Where offset 0 lies in the underlying file.
    private let base: Int

    /// Closes the descriptor when the file and all its windows are gone.
    private final class OpenDescriptor: Sendable {
        let descriptor: FileDescriptor
        init(_ descriptor: FileDescriptor) { self.descriptor = descriptor }
        deinit { try? descriptor.close() }
    }

    private init(path: FilePath, size: Int, descriptor: OpenDescriptor, base: Int) {
        self.path = path
        self.size = size
        self.descriptor = descriptor
        self.base = base
    }

    /// `count` bytes at `offset` seen as a file of their own (a PE embedded in a section), named
    /// `name` after this file in messages.
    public func window(at offset: Int, count: Int, name: String) throws -> ReadableFile {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard offset >= 0, count >= 0, !overflow, end <= size else {
            throw BinaryIOError(.truncated, path: path.string, field: name, offset: offset)
        }
        return ReadableFile(
            path: FilePath(path.string + ":" + name), size: count, descriptor: descriptor, base: base + offset)
    }

    public convenience init(path: FilePath) throws {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
        } catch let errno as Errno {
            throw BinaryIOError(.cannotOpen, path: path.string, detail: errno.osMessage)
        }
        try self.init(path: path, opened: descriptor)
    }

    /// Takes over `descriptor`, open on `path`: closed here when it is not a regular file whose
    /// size is its length.
    init(path: FilePath, opened descriptor: FileDescriptor) throws {
        var status = stat()
        guard fstat(descriptor.rawValue, &status) == 0 else {
            let detail = Errno(rawValue: errno).osMessage
            try? descriptor.close()
            throw BinaryIOError(.cannotOpen, path: path.string, detail: detail)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            try? descriptor.close()
            if (status.st_mode & S_IFMT) == S_IFDIR {
                throw BinaryIOError(.cannotOpen, path: path.string, detail: "is a directory")
            }
            throw BinaryIOError(.notRegularFile, path: path.string)
        }
        if let kind = FileSystemType(descriptor: descriptor)?.unsizedKind {
            try? descriptor.close()
            throw BinaryIOError(.notRegularFile, path: path.string, detail: "a \(kind) file reports no real size")
        }
        self.path = path
        self.descriptor = OpenDescriptor(descriptor)
        self.size = Int(status.st_size)
        self.base = 0
    }

    /// Reads exactly `count` bytes at `offset`; a short file is a ``BinaryIOErrorCode/truncated`` error
    /// naming `field`.
    public func read(at offset: Int, count: Int, field: String) throws -> [UInt8] {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard offset >= 0, count >= 0, !overflow, end <= size else {
            throw BinaryIOError(.truncated, path: path.string, field: field, offset: offset)
        }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try readFully(into: UnsafeMutableRawBufferPointer(buffer), at: offset)
            initialized = count
        }
    }

    /// Fills `buffer` from `offset`, retrying short reads; throws if the file (or window) ends first.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        let (end, overflow) = offset.addingReportingOverflow(buffer.count)
        guard offset >= 0, !overflow, end <= size else {
            throw BinaryIOError(.truncated, path: path.string, offset: offset)
        }
        var done = 0
        while done < buffer.count {
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[done...])
            let got: Int
            do {
                got = try descriptor.descriptor.read(
                    fromAbsoluteOffset: Int64(base + offset + done), into: chunk, retryOnInterrupt: true)
            } catch let errno as Errno {
                throw BinaryIOError(.readFailed, path: path.string, offset: offset + done, detail: errno.osMessage)
            }
            if got == 0 {
                throw BinaryIOError(
                    .readFailed, path: path.string, offset: offset + done, detail: "file shrank while reading")
            }
            done += got
        }
    }
}

extension ReadableFile {
    /// The whole content of a small input (a key, a certificate, a config file, `@PATH` text, a
    /// procfs or sysfs file, an EFI variable): read to end of file whatever size the file reports
    /// (procfs says 0, sysfs 4096), so pipes (`--cmdline=@<(...)`) work too. More than `limit`
    /// bytes is an error.
    public static func readAll(path: FilePath, limit: Int) throws -> [UInt8] {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
        } catch let errno as Errno {
            throw BinaryIOError(.cannotOpen, path: path.string, detail: errno.osMessage)
        }
        defer { try? descriptor.close() }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { try descriptor.read(into: $0, retryOnInterrupt: true) }
            } catch Errno.isDirectory {
                throw BinaryIOError(.cannotOpen, path: path.string, detail: "is a directory")
            } catch let errno as Errno {
                throw BinaryIOError(.readFailed, path: path.string, offset: result.count, detail: errno.osMessage)
            }
            if count == 0 { return result }
            guard result.count + count <= limit else {
                throw BinaryIOError(.tooLarge, path: path.string, detail: "more than \(limit) bytes")
            }
            result += buffer.prefix(count)
        }
    }
}

extension Errno {
    /// The C library's message for this error number (`strerror`).
    public var osMessage: String { String(cString: strerror(rawValue)) }
}

extension ReadableFile {
    /// A block device (a whole disk or a partition) opened read-only as a file of the device's
    /// size (`BLKGETSIZE64`), with its logical sector size (`BLKSSZGET`: the unit of LBAs on it,
    /// 512 or 4096). Anything else is a ``BinaryIOErrorCode/cannotOpen`` error.
    public static func blockDevice(path: FilePath) throws -> (file: ReadableFile, logicalSectorSize: Int) {
        // <linux/fs.h>: _IOR(0x12, 114, size_t) and _IO(0x12, 104), in the generic ioctl encoding.
        let getSize64: UInt = 0x8008_1272
        let getSectorSize: UInt = 0x1268
        let descriptor: OpenDescriptor
        do {
            descriptor = OpenDescriptor(try FileDescriptor.open(path, .readOnly, options: [.closeOnExec]))
        } catch let errno as Errno {
            throw BinaryIOError(.cannotOpen, path: path.string, detail: errno.osMessage)
        }
        let fd = descriptor.descriptor.rawValue
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw BinaryIOError(.cannotOpen, path: path.string, detail: Errno(rawValue: errno).osMessage)
        }
        guard (status.st_mode & S_IFMT) == S_IFBLK else {
            throw BinaryIOError(.cannotOpen, path: path.string, detail: "not a block device")
        }
        var size: UInt64 = 0
        var sectorSize: Int32 = 0
        guard ioctl(fd, getSize64, &size) == 0, ioctl(fd, getSectorSize, &sectorSize) == 0 else {
            throw BinaryIOError(.readFailed, path: path.string, detail: Errno(rawValue: errno).osMessage)
        }
        guard let byteCount = Int(exactly: size) else { throw BinaryIOError(.overflow, path: path.string) }
        let file = ReadableFile(path: path, size: byteCount, descriptor: descriptor, base: 0)
        return (file, Int(sectorSize))
    }
}
