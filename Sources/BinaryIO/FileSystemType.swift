internal import CLinux
import SystemPackage

/// The type of file system a path or an open file lives on (`statfs`), for the decisions that
/// depend on it without reading /proc: efivarfs takes one `write()` per variable and no renames,
/// pseudo file systems report sizes that are not their files' lengths, an ESP is FAT.
public struct FileSystemType: Sendable, Hashable {
    let magic: Int

    public static let efivarfs = FileSystemType(magic: Int(EFIVARFS_MAGIC))
    public static let fat = FileSystemType(magic: Int(MSDOS_SUPER_MAGIC))
    static let procfs = FileSystemType(magic: Int(PROC_SUPER_MAGIC))
    static let sysfs = FileSystemType(magic: Int(SYSFS_MAGIC))
    static let debugfs = FileSystemType(magic: Int(DEBUGFS_MAGIC))
    static let securityfs = FileSystemType(magic: Int(SECURITYFS_MAGIC))
    static let tracefs = FileSystemType(magic: Int(TRACEFS_MAGIC))

    /// The type of the file system holding `path`; nil when it cannot be found (no such path).
    public init?(path: FilePath) {
        var info = statfs()
        guard statfs(path.string, &info) == 0 else { return nil }
        magic = Int(info.f_type)
    }

    /// The type of the file system holding the open file.
    init?(descriptor: FileDescriptor) {
        var info = statfs()
        guard fstatfs(descriptor.rawValue, &info) == 0 else { return nil }
        magic = Int(info.f_type)
    }

    private init(magic: Int) { self.magic = magic }

    /// The name of a pseudo file system whose files report a size that is not their length
    /// (procfs: 0, sysfs and its kin: one page); nil for the others.
    var unsizedKind: String? {
        let kinds: [FileSystemType: String] = [
            .procfs: "procfs", .sysfs: "sysfs", .debugfs: "debugfs", .securityfs: "securityfs", .tracefs: "tracefs",
        ]
        return kinds[self]
    }
}
