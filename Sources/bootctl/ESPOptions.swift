import ArgumentParser
import BinaryIO
import BootEntries
import EFIVariables
import PartitionProbe
import SystemPackage
import ToolSupport

/// `--esp PATH`: the EFI System Partition, the root of a mounted FAT file system (checked as
/// systemd checks it), or with `--staged` a directory staged for an ESP image. Without `--esp`, the
/// first of /efi, /boot/efi, /boot that is a mounted FAT file system.
struct ESPLocation: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The ESP's mount point (default: /efi, /boot/efi or /boot, the first that is a FAT mount).",
            valueName: "PATH"))
    var esp: FilePath?
    @Flag(help: "--esp (and --esp-b) name directories staged for an ESP image, not mounted ESPs.")
    var staged = false

    func validate() throws {
        if staged && esp == nil { throw ValidationError("--staged needs --esp") }
    }

    func root() throws -> ESP {
        guard let found = try optionalRoot() else {
            throw ToolError("no ESP found (/efi, /boot/efi, /boot are not FAT mounts); give --esp PATH")
        }
        return found
    }

    /// The ESP at `path` given on the command line: a FAT mount's root, or anything with --staged.
    func esp(at path: FilePath) throws -> ESP {
        let esp = ESP(root: path)
        guard staged || esp.isMountedFAT else {
            throw ToolError(
                "\(path) is not the root of a mounted FAT file system; give --staged for a directory staged for an ESP image"
            )
        }
        return esp
    }

    /// `--esp` when given (checked), else the first default location that is a FAT mount, else nil.
    func optionalRoot() throws -> ESP? {
        if let esp { return try self.esp(at: esp) }
        return Self.defaultLocations.map { ESP(root: $0) }.first(where: \.isMountedFAT)
    }

    static let defaultLocations: [FilePath] = ["/efi", "/boot/efi", "/boot"]
}

/// The ESP and the GPT partition firmware device paths name: `--disk IMAGE --part N` reads the
/// GPT of an image or a block device; otherwise the partition that holds the mounted ESP (libefiboot).
struct ESPPartitionOptions: ParsableArguments {
    @OptionGroup public var location: ESPLocation
    @Option(help: ArgumentHelp("A disk image or block device whose GPT holds the ESP.", valueName: "FILE"))
    var disk: FilePath?
    @Option(help: ArgumentHelp("The ESP's partition number on --disk.", valueName: "N")) public var part: UInt32?

    func validate() throws {
        guard (disk == nil) == (part == nil) else { throw ValidationError("--disk and --part go together") }
    }

    /// The partition firmware device paths name for the ESP (``ESPLocation/root()``).
    func partition() throws -> GPTPartition {
        if let disk, let part { return try GPTPartition.read(disk: disk, number: part) }
        return try partition(of: try location.root())
    }

    /// The partition a mounted ESP sits on; a staged directory has none (it would name the
    /// partition it happens to sit on).
    func partition(of esp: ESP) throws -> GPTPartition {
        guard !location.staged else {
            throw ToolError("\(esp.root) is staged, not mounted: give --disk IMAGE --part N for its partition")
        }
        return try GPTPartition.containing(esp.root)
    }
}
