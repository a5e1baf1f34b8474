import Glibc
import SystemPackage

/// The names in a directory (without `.` and `..`), unsorted.
public func directoryEntries(_ path: FilePath) throws -> [String] {
    try DirectoryHandle(path: path).entries().map(\.name)
}

/// An open directory that files are found, read, created, renamed and removed in by name,
/// relative to its descriptor and never through a symbolic link (`openat` with `O_NOFOLLOW`,
/// `renameat`, `unlinkat`), as systemd walks an ESP: a link planted in a tree cannot send a
/// write or a delete elsewhere.
public final class DirectoryHandle: Sendable {
    /// The directory's path, for messages.
    public let path: FilePath
    let descriptor: FileDescriptor

    public enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, other
    }

    /// Opens `path` (symbolic links in `path` itself are followed: it is what the user named).
    public init(path: FilePath) throws {
        self.path = path
        do {
            descriptor = try FileDescriptor.open(path, .readOnly, options: [.directory, .closeOnExec])
        } catch let errno as Errno {
            throw BinaryIOError(.cannotOpen, path: path.string, detail: errno.osMessage)
        }
    }

    private init(path: FilePath, descriptor: FileDescriptor) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { try? descriptor.close() }

    /// The subdirectory `name`; a symbolic link or anything else is an error.
    public func directory(_ name: String) throws -> DirectoryHandle {
        let flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
        let opened = openat(descriptor.rawValue, name, flags)
        guard opened >= 0 else {
            let reason = Errno(rawValue: errno)
            let detail = reason == .tooManySymbolicLinkLevels || reason == .notDirectory ? "not a directory" : nil
            throw BinaryIOError(
                .cannotOpen, path: path.appending(name).string, detail: detail ?? reason.osMessage)
        }
        return DirectoryHandle(path: path.appending(name), descriptor: FileDescriptor(rawValue: opened))
    }

    /// The names in the directory (without `.` and `..`) and what each is, links not followed.
    public func entries() throws -> [(name: String, kind: Kind)] {
        let copy = dup(descriptor.rawValue)
        guard copy >= 0, let stream = fdopendir(copy) else {
            let detail = Errno(rawValue: errno).osMessage
            throw BinaryIOError(.cannotOpen, path: path.string, detail: detail)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        var entries: [(String, Kind)] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            entries.append((name, kind(of: name) ?? .other))
        }
        return entries
    }

    /// What `name` is (a link is not followed); nil when it does not exist.
    public func kind(of name: String) -> Kind? {
        var status = stat()
        guard fstatat(descriptor.rawValue, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return nil }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// The regular file `name`, opened for reading without following a link and without blocking
    /// on a FIFO; anything but a regular file is refused.
    public func file(_ name: String) throws -> ReadableFile {
        let opened = openat(descriptor.rawValue, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard opened >= 0 else {
            let reason = Errno(rawValue: errno)
            let detail = reason == .tooManySymbolicLinkLevels ? "a symbolic link" : reason.osMessage
            throw BinaryIOError(.cannotOpen, path: path.appending(name).string, detail: detail)
        }
        return try ReadableFile(path: path.appending(name), opened: FileDescriptor(rawValue: opened))
    }

    /// Creates the subdirectory `name` and makes its entry durable.
    public func makeDirectory(_ name: String) throws -> DirectoryHandle {
        guard mkdirat(descriptor.rawValue, name, 0o755) == 0 else {
            throw BinaryIOError(
                .writeFailed, path: path.appending(name).string, detail: Errno(rawValue: errno).osMessage)
        }
        try sync()
        return try directory(name)
    }

    /// Renames `name` to `newName` in this directory (replacing it) and makes that durable.
    public func rename(_ name: String, to newName: String) throws {
        guard renameat(descriptor.rawValue, name, descriptor.rawValue, newName) == 0 else {
            throw BinaryIOError(
                .writeFailed, path: path.appending(name).string,
                detail: "cannot rename to \(newName): \(Errno(rawValue: errno).osMessage)")
        }
        try sync()
    }

    /// Removes the file `name` (a link itself, never its target) and makes that durable.
    public func remove(_ name: String) throws {
        guard unlinkat(descriptor.rawValue, name, 0) == 0 else {
            throw BinaryIOError(
                .writeFailed, path: path.appending(name).string, detail: Errno(rawValue: errno).osMessage)
        }
        try sync()
    }

    /// Waits for and takes an exclusive `flock` on the directory, held until this handle is gone:
    /// processes that take it change what the directory holds one at a time.
    public func lockExclusively() throws {
        while flock(descriptor.rawValue, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw BinaryIOError(
                    .writeFailed, path: path.string, detail: "cannot lock: \(Errno(rawValue: errno).osMessage)")
            }
        }
    }

    /// The directory that holds `file` (links resolved, so every name of the file finds the same
    /// directory), locked exclusively: programs that replace the file by a rename (a signature
    /// added in place, a varstore edited) take turns from their read to their rename instead of
    /// one losing the other's change. nil when the directory cannot be opened; the caller's own
    /// open of the file then says what is wrong.
    public static func lockingDirectory(of file: FilePath) throws -> DirectoryHandle? {
        let parent = ((try? file.resolvingLinks()) ?? file).removingLastComponent()
        let directory = try? DirectoryHandle(path: parent.isEmpty ? "." : parent)
        try directory?.lockExclusively()
        return directory
    }

    /// fsync of the directory: its entries' changes reach the disk.
    public func sync() throws {
        guard fsync(descriptor.rawValue) == 0 else {
            throw BinaryIOError(.writeFailed, path: path.string, detail: Errno(rawValue: errno).osMessage)
        }
    }
}

extension FilePath {
    /// The path with every symbolic link, `.` and `..` resolved (`realpath`); the OS's reason when
    /// it does not resolve.
    public func resolvingLinks() throws(Errno) -> FilePath {
        guard let resolved = realpath(string, nil) else { throw Errno(rawValue: errno) }
        defer { free(resolved) }
        return FilePath(String(cString: resolved))
    }
}
