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
        let mounts = (try? ReadableFile.readAll(path: "/proc/self/mounts", limit: 1 << 22)) ?? []
        let fat = Set(
            String(decoding: mounts, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
                let fields = line.split(separator: " ")
                return fields.count > 2 && ["vfat", "msdos"].contains(fields[2]) ? String(fields[1]) : nil
            })
        guard let found = ["/efi", "/boot/efi", "/boot"].first(where: fat.contains) else {
            throw ToolError("no ESP found (/efi, /boot/efi, /boot are not FAT mounts); give --esp PATH")
        }
        return ESP(root: FilePath(found))
    }
}

/// The ESP and the GPT partition firmware device paths name: `--disk IMAGE --part N` reads the
/// image's (or disk's) GPT; otherwise the partition that holds the mounted ESP (sysfs and udev).
public struct ESPPartitionOptions: ParsableArguments {
    @OptionGroup public var location: ESPLocation
    @Option(help: ArgumentHelp("A disk image (or whole disk) whose GPT holds the ESP.", valueName: "FILE"))
    public var disk: String?
    @Option(help: ArgumentHelp("The ESP's partition number on --disk.", valueName: "N")) public var part: UInt32?

    public init() {}

    public func validate() throws {
        guard (disk == nil) == (part == nil) else { throw ValidationError("--disk and --part go together") }
    }

    public func partition() throws -> GPTPartition {
        if let disk, let part { return try GPTPartition.read(disk: FilePath(disk), number: part) }
        return try GPTPartition.containing(location.root().root)
    }
}
