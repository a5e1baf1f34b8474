internal import CLinux
import Glibc
import SystemPackage

/// An output file that appears at its destination complete or not at all.
///
/// Bytes go to a temporary file in the destination's directory; ``commit()`` fsyncs it, renames
/// it over the destination and fsyncs the directory. If the object is dropped without a commit
/// (an error on the way), the temporary file is removed, so no half-written output is left.
///
/// Appended bytes go to the device directly (`O_DIRECT`) while they come in whole, aligned
/// blocks (as ``ChunkStream`` hands them over), and through the page cache from the first write
/// that is not, or when the file system refuses direct writes. A direct write costs no copy, no
/// page cache to fill and free, and no writeback: for a large output that is half the kernel's
/// work, and the cache is left to the inputs.
public final class AtomicOutputFile {
    public let destination: FilePath
    /// The destination's directory: the temporary file is created, renamed and removed in it by
    /// name, never through a symbolic link.
    private let directory: DirectoryHandle
    private let name: String
    private let temporaryName: String
    private var descriptor: FileDescriptor?
    private var committed = false
    /// Bytes appended so far, and how far writeback of what went through the page cache has been
    /// started.
    private var written = 0
    private var writebackStarted = 0
    /// Whether appends still go to the device directly.
    private(set) var direct = false
    /// What direct writes align their memory, file offset and length to: a page, a multiple of
    /// any logical block size in use. A file system that wants more refuses the write (`EINVAL`)
    /// and the output goes on through the page cache.
    private static let directAlignment = 4096
    /// Writeback is started for every `writebackWindow` bytes written, so the disk works while we
    /// copy and the final fsync has little left to do; the window `writebackLag` windows back is
    /// then waited for and dropped from the page cache. The output thus holds a few windows of
    /// page cache whatever its size, and its pages are reused for the next windows: fresh page
    /// cache costs more than the copy into it (in a VM, every fresh page is a fault on the host),
    /// and a large output would otherwise push the inputs out of the cache.
    private static let writebackWindow = 16 << 20
    private static let writebackLag = 2

    /// Creates the temporary file next to `destination`. `permissions` are filtered by the umask.
    public convenience init(
        destination: FilePath, permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws {
        let parent = destination.removingLastComponent()
        let directory: DirectoryHandle
        do {
            directory = try DirectoryHandle(path: parent.isEmpty ? "." : parent)
        } catch let error as BinaryIOError {
            throw BinaryIOError(
                .writeFailed, path: destination.string,
                detail: "cannot create a file in \(error.path ?? parent.string): \(error.detail ?? error.message)")
        }
        try self.init(in: directory, name: destination.lastComponent?.string ?? "output", permissions: permissions)
    }

    /// Creates the temporary file for `name` in `directory`.
    public init(
        in directory: DirectoryHandle, name: String,
        permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
    ) throws {
        self.directory = directory
        self.name = name
        destination = directory.path.appending(name)
        directory.removeAbandonedTemporaryFiles()
        var generator = SystemRandomNumberGenerator()
        temporaryName = ".\(name).tmp-\(getpid())-\(String(generator.next() & 0xFFFF_FFFF, radix: 16))"
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        let opened = openat(directory.descriptor.rawValue, temporaryName, flags, permissions.rawValue)
        guard opened >= 0 else {
            throw BinaryIOError(
                .writeFailed, path: destination.string,
                detail: "cannot create a file in \(directory.path): \(Errno(rawValue: errno).osMessage)")
        }
        descriptor = FileDescriptor(rawValue: opened)
        let status = fcntl(opened, F_GETFL)
        direct = status >= 0 && fcntl(opened, F_SETFL, status | O_DIRECT) == 0
    }

    deinit {
        if !committed {
            try? descriptor?.close()
            _ = unlinkat(directory.descriptor.rawValue, temporaryName, 0)
        }
    }

    /// Appends all of `buffer`.
    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard let descriptor else {
            throw BinaryIOError(.writeFailed, path: destination.string, detail: "already closed")
        }
        var done = 0
        while done < buffer.count {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[done...])
            if direct, !isAligned(rest, at: written + done) { try endDirectWrites(descriptor) }
            do {
                let count = try descriptor.write(toAbsoluteOffset: Int64(written + done), rest, retryOnInterrupt: true)
                guard count > 0 else {
                    throw BinaryIOError(
                        .writeFailed, path: destination.string, detail: "no byte written at \(written + done)")
                }
                done += count
            } catch let errno as Errno where direct && [.invalidArgument, .notSupported].contains(errno) {
                // The file system refuses this direct write.
                try endDirectWrites(descriptor)
            } catch let errno as Errno {
                throw BinaryIOError(.writeFailed, path: destination.string, detail: errno.osMessage)
            }
        }
        written += buffer.count
        guard !direct else { return }
        while written - writebackStarted >= Self.writebackWindow {
            let window = off_t(Self.writebackWindow)
            try syncRange(descriptor, from: off_t(writebackStarted), count: window, SYNC_FILE_RANGE_WRITE)
            let settled = off_t(writebackStarted) - off_t(Self.writebackLag) * window
            if settled >= 0 {
                try syncRange(
                    descriptor, from: settled, count: window,
                    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER)
                _ = posix_fadvise(descriptor.rawValue, settled, window, POSIX_FADV_DONTNEED)
            }
            writebackStarted += Self.writebackWindow
        }
    }

    /// Whether `bytes`, to be written at file offset `offset`, can go to the device directly.
    private func isAligned(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        let alignment = Self.directAlignment
        return Int(bitPattern: bytes.baseAddress) % alignment == 0 && bytes.count % alignment == 0
            && offset % alignment == 0
    }

    /// Sends what follows through the page cache, its writeback windows counted from here.
    private func endDirectWrites(_ descriptor: FileDescriptor) throws {
        let flags = fcntl(descriptor.rawValue, F_GETFL)
        guard flags >= 0, fcntl(descriptor.rawValue, F_SETFL, flags & ~O_DIRECT) == 0 else {
            throw BinaryIOError(.writeFailed, path: destination.string, detail: Errno(rawValue: errno).osMessage)
        }
        direct = false
        writebackStarted = written
    }

    /// `sync_file_range`. A writeback error it reports is not reported again by the final fsync,
    /// so it fails the write; a file system that cannot do it (other errors) is left to that fsync.
    private func syncRange(_ descriptor: FileDescriptor, from offset: off_t, count: off_t, _ flags: Int32) throws {
        guard sync_file_range(descriptor.rawValue, offset, count, UInt32(flags)) != 0 else { return }
        let error = Errno(rawValue: errno)
        if [.ioError, .noSpace, .diskQuotaExceeded].contains(error) {
            throw BinaryIOError(.writeFailed, path: destination.string, detail: error.osMessage)
        }
    }

    /// Gives the output the permissions and owner of the file it will replace, when there is one
    /// (a VM's NVRAM file owned by its hypervisor user stays so).
    public func keepModeAndOwner(of existing: FilePath) throws {
        var status = stat()
        guard let descriptor, stat(existing.string, &status) == 0 else { return }
        guard fchmod(descriptor.rawValue, status.st_mode & 0o7777) == 0 else {
            throw BinaryIOError(.writeFailed, path: destination.string, detail: Errno(rawValue: errno).osMessage)
        }
        if status.st_uid != geteuid() || status.st_gid != getegid() {
            guard fchown(descriptor.rawValue, status.st_uid, status.st_gid) == 0 else {
                throw BinaryIOError(
                    .writeFailed, path: destination.string,
                    detail: "cannot keep the owner of the file: \(Errno(rawValue: errno).osMessage)")
            }
        }
    }

    /// Overwrites bytes already written at `offset` (header fields known only at the end).
    public func write(_ bytes: [UInt8], at offset: Int) throws {
        guard let descriptor else {
            throw BinaryIOError(.writeFailed, path: destination.string, detail: "already closed")
        }
        if direct { try endDirectWrites(descriptor) }
        do {
            _ = try descriptor.writeAll(toAbsoluteOffset: Int64(offset), bytes)
        } catch let errno as Errno {
            throw BinaryIOError(.writeFailed, path: destination.string, detail: errno.osMessage)
        }
    }

    /// fsync, rename into place (or, with `replacing: false`, link into place, failing when the
    /// destination exists), fsync the directory.
    public func commit(replacing: Bool = true) throws {
        guard let descriptor else {
            throw BinaryIOError(.writeFailed, path: destination.string, detail: "already closed")
        }
        do {
            guard fsync(descriptor.rawValue) == 0 else { throw Errno(rawValue: errno) }
            try descriptor.close()
            self.descriptor = nil
            let directory = directory.descriptor.rawValue
            if replacing {
                guard renameat(directory, temporaryName, directory, name) == 0 else { throw Errno(rawValue: errno) }
            } else {
                guard linkat(directory, temporaryName, directory, name, 0) == 0 else { throw Errno(rawValue: errno) }
                _ = unlinkat(directory, temporaryName, 0)
            }
            committed = true
            guard fsync(directory) == 0 else { throw Errno(rawValue: errno) }
        } catch let errno as Errno {
            throw BinaryIOError(.writeFailed, path: destination.string, detail: errno.osMessage)
        }
    }
}

extension DirectoryHandle {
    /// Removes the temporary files of ``AtomicOutputFile``s (`.NAME.tmp-PID-RANDOM`) whose process
    /// is gone: what a kill or a crash in the middle of a write left behind, which on a small ESP
    /// would make the next install fail for lack of space. Files of running processes stay.
    func removeAbandonedTemporaryFiles() {
        guard let entries = try? entries() else { return }
        for (name, kind) in entries where kind == .regular && name.hasPrefix(".") {
            let fields = Array(name.split(separator: "-", omittingEmptySubsequences: false).suffix(3))
            guard fields.count == 3, fields[0].hasSuffix(".tmp"), let pid = pid_t(fields[1]), pid > 0,
                UInt32(fields[2], radix: 16) != nil, kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            _ = unlinkat(descriptor.rawValue, name, 0)
        }
    }
}
