import BinaryIO
import Foundation
import PartitionProbe
import SystemPackage
import TestSupport
import Testing

@testable import EFIVariables

/// The ESP's partition for HD() nodes: from a disk's GPT (our reader, for images and block
/// devices) and from a mounted file system (libefiboot), giving efibootmgr's bytes.
@Suite struct GPTPartitionTests {
    /// efibootmgr's HD() node (the vector, disk-layout.txt) read back gives the same entry.
    @Test func hardDriveNodesReadBack() throws {
        let efibootmgr = try LoadOption(
            parsing: try readBytes(
                TestPaths.fixture("efi/efivarfs-efibootmgr-created/Boot0000-8be4df61-93ca-11d2-aa0d-00e098032b8c")
            )
            .dropFirst(4).map { $0 }, origin: "Boot0000")
        let partition = try #require(GPTPartition(hardDriveNode: efibootmgr.filePath.nodes[0]))
        #expect(partition.number == 1 && partition.startLBA == 2048 && partition.sizeLBA == 1_048_576)
        #expect(try DevicePath(partition: partition, loader: "/EFI/Linux/os-a.efi") == efibootmgr.filePath)
        let mbr = try DevicePath(text: "HD(1,MBR,0x12345678,0x800,0x1000)").nodes[0]
        for node in [mbr, efibootmgr.filePath.nodes[1], DevicePathNode(type: 4, subtype: 1, data: [1, 0, 0, 0])] {
            #expect(GPTPartition(hardDriveNode: node) == nil)
        }
    }

    /// Loader paths and HTTP boot URIs become one node each, from their bytes: text that looks
    /// like further nodes stays inside the node, and URIs EDK2 would not take are refused.
    @Test func pathsAndURIsCannotAddNodes() throws {
        let partition = GPTPartition(
            number: 1, startLBA: 2048, sizeLBA: 4096, uniqueGUID: EFIGUID("0f6b3a52-9e1d-4c7b-8a25-6d3e1f4b9c70")!)
        let loader = #"\EFI\a.efi)/Uri(http://x/evil.efi"#
        let local = try DevicePath(partition: partition, loader: loader)
        #expect(local.nodes.count == 3 && local.filePaths == [#"\EFI\a.efi)\Uri(http:\\x\evil.efi"#])

        let uri = "http://10.0.2.100/os.efi?x=%2F"
        // UEFI 2.10 10.3.5.23: type 3 (messaging), subtype 24 (URI), the URI's bytes, no NUL.
        #expect(
            try DevicePath(httpBootURI: uri).bytes
                == [3, 24, UInt8(4 + uri.utf8.count), 0] + Array(uri.utf8) + [0x7F, 0xFF, 4, 0])
        let injected = "http://x)/HD(1,GPT,0F6B3A52-9E1D-4C7B-8A25-6D3E1F4B9C70,0x800,0x1000)/File(/EFI/evil.efi"
        #expect(try DevicePath(httpBootURI: injected).nodes.count == 2)
        for refused in [
            "ftp://x/os.efi", "http:/x", "http://x/a b.efi", #"http://x/\EFI"#, "http://x/%G0", "http://x/%2",
            "http://x/é.efi", "https://x/" + String(repeating: "a", count: DevicePath.maximumURILength),
        ] {
            #expect(throws: EFIVariableError.self, "\(refused)") { try DevicePath(httpBootURI: refused) }
        }
    }

    /// A path on no disk (procfs, sysfs, nothing) is one error naming it, with libefiboot's reason.
    @Test func pathsOnNoDiskAreOneClearError() throws {
        for path in ["/proc", "/sys/kernel", "/nonexistent/esp"] {
            let error = try #require(throws: EFIVariableError.self) { try DevicePath.ofFile(FilePath(path)) }
            #expect(
                error.code == .notFound && error.description.hasPrefix("\(path): ") && !error.description.contains("\n")
            )
            #expect(throws: EFIVariableError.self) { try GPTPartition.containing(FilePath(path)) }
        }
    }

    /// A GPT disk image made by sfdisk with one partition (2048 + 65536 sectors of 512 bytes).
    static func image(_ directory: TemporaryDirectory) throws -> String {
        let disk = directory.file("disk.img")
        let layout = """
            label: gpt
            start=2048, size=65536, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=2f4a8e1c-6b3d-4c1e-9a7f-0123456789ab
            """
        try makeGPTImage(disk, size: "64M", layout: layout)
        return disk
    }

    @Test func sfdiskImageReads() throws {
        let directory = try TemporaryDirectory()
        let partition = try GPTPartition.read(disk: FilePath(try Self.image(directory)), number: 1)
        #expect(partition.startLBA == 2048 && partition.sizeLBA == 65536)
        #expect(partition.uniqueGUID == EFIGUID("2f4a8e1c-6b3d-4c1e-9a7f-0123456789ab"))
    }

    /// Corrupt and hostile tables (CRCs recomputed so the field checks are reached) are refused
    /// with one error, never a trap.
    @Test func corruptAndHostileTablesAreRefused() throws {
        let directory = try TemporaryDirectory()
        let disk = try Self.image(directory)
        let original = try readBytes(disk)
        func variant(_ name: String, _ change: (inout [UInt8]) -> Void, fixHeaderCRC: Bool = true) throws -> String {
            var bytes = original
            change(&bytes)
            if fixHeaderCRC {
                bytes.replaceSubrange(512 + 16..<512 + 20, with: [0, 0, 0, 0])
                bytes.replaceSubrange(512 + 16..<512 + 20, with: CRC32.checksum(bytes[512..<604]).littleEndianBytes)
            }
            return try directory.write(name, bytes)
        }
        let entryArray = 1024
        let cases: [(String, String)] = [
            (try variant("entry-crc", { $0[entryArray + 32] ^= 1 }), "the GPT partition entry checksum is wrong"),
            (try variant("header-crc", { $0[512 + 40] ^= 1 }, fixHeaderCRC: false), "the GPT header checksum is wrong"),
            (
                try variant("count", { $0.replaceSubrange(512 + 80..<512 + 84, with: UInt32.max.littleEndianBytes) }),
                "the GPT header describes an invalid partition entry array"
            ),
            (
                try variant(
                    "entry-size", { $0.replaceSubrange(512 + 84..<512 + 88, with: UInt32(136).littleEndianBytes) }),
                "the GPT header describes an invalid partition entry array"
            ),
            (
                try variant(
                    "array-lba", { $0.replaceSubrange(512 + 72..<512 + 80, with: UInt64.max.littleEndianBytes) }),
                "the GPT header describes an invalid partition entry array"
            ),
            (
                try variant(
                    "header-size", { $0.replaceSubrange(512 + 12..<512 + 16, with: UInt32(4).littleEndianBytes) }),
                "GPT header size 4 is invalid"
            ),
        ]
        for (path, message) in cases {
            // The message says which check failed: the code alone does not.
            #expect { try GPTPartition.read(disk: FilePath(path), number: 1) } throws: { error in
                (error as? EFIVariableError)?.code == .malformed && "\(error)" == "\(path): \(message)"
            }
        }
        // An entry whose last LBA is UInt64.max (entry CRC fixed as well as the header's).
        var hostile = original
        hostile.replaceSubrange(entryArray + 40..<entryArray + 48, with: UInt64.max.littleEndianBytes)
        hostile.replaceSubrange(
            512 + 88..<512 + 92, with: CRC32.checksum(hostile[entryArray..<entryArray + 128 * 128]).littleEndianBytes)
        hostile.replaceSubrange(512 + 16..<512 + 20, with: [0, 0, 0, 0])
        hostile.replaceSubrange(512 + 16..<512 + 20, with: CRC32.checksum(hostile[512..<604]).littleEndianBytes)
        let path = try directory.write("last-lba", hostile)
        #expect(throws: EFIVariableError.self) { try GPTPartition.read(disk: FilePath(path), number: 1) }
    }
}

/// Real block devices (loop devices, as root): our GPT reader on a disk of 512- and 4096-byte
/// logical sectors, and libefiboot's HD() node of a file system mounted from its partition, which
/// must name the same partition. One at a time: each attaches, mounts and detaches its own.
/// Needs root, loop devices, sfdisk, partx and mkfs.ext2 (CI runs as root): without them these
/// tests fail, never skip.
@Suite(.serialized)
struct BlockDeviceGPTTests {
    @Test(arguments: [512, 4096]) func blockDevicesReadInTheirLogicalSectors(sectorSize: Int) throws {
        try LoopDisk.attach(sectorSize: sectorSize) { disk in
            let partition = try GPTPartition.read(disk: FilePath(disk.device), number: 1)
            #expect(partition.startLBA == 2048 && partition.sizeLBA == 8192)
            #expect(partition.uniqueGUID == EFIGUID("2f4a8e1c-6b3d-4c1e-9a7f-0123456789ab"))
            #expect(try GPTPartition.read(disk: FilePath(disk.image), number: 1) == partition)
            let partitionDevice = try disk.partition()
            #expect(throws: EFIVariableError.self) { try GPTPartition.read(disk: FilePath(partitionDevice), number: 1) }
        }
    }

    @Test(arguments: [512, 4096]) func libefibootNamesTheMountedPartition(sectorSize: Int) throws {
        try LoopDisk.attach(sectorSize: sectorSize) { disk in
            try disk.mountPartition { mount in
                try FileManager.default.createDirectory(atPath: mount + "/EFI/Linux", withIntermediateDirectories: true)
                #expect(
                    FileManager.default.createFile(atPath: mount + "/EFI/Linux/os-a.efi", contents: Data("MZ".utf8)))
                let partition = try GPTPartition.read(disk: FilePath(disk.device), number: 1)
                #expect(try GPTPartition.containing(FilePath(mount)) == partition)
                #expect(
                    try DevicePath.ofFile(FilePath(mount + "/EFI/Linux/os-a.efi"))
                        == DevicePath(partition: partition, loader: "\\EFI\\Linux\\os-a.efi"))
            }
        }
    }
}

/// A 64 MiB image attached as a loop device of `sectorSize`-byte logical sectors and partitioned
/// through the device (so the GPT counts in its sectors): one partition at 2048, 8192 sectors.
struct LoopDisk {
    let directory: TemporaryDirectory
    let image: String
    let device: String

    /// Runs `body` with the disk attached; detaches it afterwards.
    static func attach(sectorSize: Int, _ body: (LoopDisk) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        let image = directory.file("disk.img")
        try check(run("truncate", ["-s", "64M", image]))
        let attached = try run("losetup", ["--find", "--show", "--partscan", "--sector-size", "\(sectorSize)", image])
        try check(attached)
        let disk = LoopDisk(
            directory: directory, image: image, device: attached.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        defer { _ = try? run("losetup", ["--detach", disk.device]) }
        let layout =
            "label: gpt\nstart=2048, size=8192, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=2f4a8e1c-6b3d-4c1e-9a7f-0123456789ab\n"
        try check(run("/bin/sh", ["-c", "printf '%s' \"$1\" | sfdisk -q \"$2\"", "sh", layout, disk.device]))
        try body(disk)
    }

    /// Partition 1's device node (added with partx where the kernel's rescan made none).
    func partition() throws -> String {
        let partition = device + "p1"
        if !FileManager.default.fileExists(atPath: partition) { _ = try run("partx", ["-a", device]) }
        guard FileManager.default.fileExists(atPath: partition) else {
            throw TestFailure("\(partition) did not appear")
        }
        return partition
    }

    /// Runs `body` with partition 1 mounted (ext2: FAT is not in every kernel, and libefiboot
    /// does not care); unmounts it afterwards.
    func mountPartition(_ body: (String) throws -> Void) throws {
        let partition = try partition()
        let mount = directory.file("esp")
        try check(run("mkfs.ext2", ["-q", "-b", "4096", partition]))
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        try check(run("mount", ["-t", "ext2", partition, mount]))
        defer { _ = try? run("umount", [mount]) }
        try body(mount)
    }
}
