import ArgumentParser
import BinaryIO
import BootEntries
import EFIVariables
import SystemPackage

/// `--esp PATH`: the EFI System Partition (a mount point, or a staging directory for an image).
/// Without it, the first of /efi, /boot/efi, /boot that is a mounted FAT file system.
public struct ESPLocation: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The ESP: its mount point, or a directory staged for an image (default: /efi, /boot/efi or /boot, if FAT).",
            valueName: "PATH"))
    public var esp: String?

    public init() {}

    public func root() throws -> ESP {
        if let esp { return ESP(root: FilePath(esp)) }
        let table = MountTable()
        guard let found = ["/efi", "/boot/efi", "/boot"].first(where: { Self.isFATMount(FilePath($0), in: table) })
        else {
            throw ToolError("no ESP found (/efi, /boot/efi, /boot are not FAT mounts); give --esp PATH")
        }
        return ESP(root: FilePath(found))
    }

    /// Whether `path` is the mount point of a FAT file system.
    static func isFATMount(_ path: FilePath, in table: MountTable) -> Bool {
        guard let (mount, realPath) = table.mount(containing: path) else { return false }
        return mount.point == realPath && ["vfat", "msdos"].contains(mount.type)
    }
}

/// The ESP and the GPT partition firmware device paths name: `--disk IMAGE --part N` reads the
/// image's (or block device's) GPT; otherwise the partition that holds the mounted ESP (libefiboot).
public struct ESPPartitionOptions: ParsableArguments {
    @OptionGroup public var location: ESPLocation
    @Option(help: ArgumentHelp("A disk image (or whole disk) whose GPT holds the ESP.", valueName: "FILE"))
    public var disk: String?
    @Option(help: ArgumentHelp("The ESP's partition number on --disk.", valueName: "N")) public var part: UInt32?

    public init() {}

    public func validate() throws {
        guard (disk == nil) == (part == nil) else { throw ValidationError("--disk and --part go together") }
    }

    /// The partition firmware device paths name. Without --disk the ESP must be a mounted FAT
    /// file system (a staging directory would name the partition it happens to sit on).
    public func partition() throws -> GPTPartition {
        if let disk, let part { return try GPTPartition.read(disk: FilePath(disk), number: part) }
        return try Self.mountedPartition(of: try location.root().root)
    }

    /// The partition a mounted FAT ESP sits on; refused for anything else.
    public static func mountedPartition(of root: FilePath) throws -> GPTPartition {
        guard ESPLocation.isFATMount(root, in: MountTable()) else {
            throw ToolError(
                "\(root) is not a mounted FAT file system; for a staged ESP give --disk IMAGE --part N",
                exitCode: ExitStatus.usage)
        }
        return try GPTPartition.containing(root)
    }
}
