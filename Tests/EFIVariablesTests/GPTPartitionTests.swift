import BinaryIO
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import EFIVariables

/// The ESP's partition for HD() nodes: from sysfs and udev as on a live system (a copy of the
/// tree the vector's loop device had, disk-layout.txt), giving efibootmgr's bytes.
@Suite struct GPTPartitionTests {
    /// sysfs and udev data for /dev/loop0p1 (259:0) of the efibootmgr vector, with a logical block size.
    static func fakeSystem(_ directory: TemporaryDirectory, blockSize: Int) throws -> (FilePath, FilePath) {
        let partition = directory.file("sys/devices/virtual/block/loop0/loop0p1")
        try FileManager.default.createDirectory(atPath: partition, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: directory.file("sys/devices/virtual/block/loop0/queue"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: directory.file("sys/dev/block"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.file("udev"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: directory.file("sys/dev/block/259:0"),
            withDestinationPath: "../../devices/virtual/block/loop0/loop0p1")
        _ = try directory.write("sys/devices/virtual/block/loop0/loop0p1/partition", "1\n")
        _ = try directory.write("sys/devices/virtual/block/loop0/loop0p1/start", "2048\n")
        _ = try directory.write("sys/devices/virtual/block/loop0/loop0p1/size", "1048576\n")
        _ = try directory.write("sys/devices/virtual/block/loop0/queue/logical_block_size", "\(blockSize)\n")
        _ = try directory.write(
            "udev/b259:0",
            "S:disk/by-partuuid/2f4a8e1c-6b3d-4c1e-9a7f-0123456789ab\nE:ID_PART_ENTRY_SCHEME=gpt\nE:ID_PART_ENTRY_NAME=esp_a\n"
                + "E:ID_PART_ENTRY_UUID=2f4a8e1c-6b3d-4c1e-9a7f-0123456789ab\nE:ID_PART_ENTRY_TYPE=c12a7328-f81f-11d2-ba4b-00a0c93ec93b\n"
                + "E:ID_PART_ENTRY_NUMBER=1\n")
        return (FilePath(directory.file("sys")), FilePath(directory.file("udev")))
    }

    @Test func liveESPPartitionGivesEfibootmgrsDevicePath() throws {
        let directory = try TemporaryDirectory()
        let (sysfs, udev) = try Self.fakeSystem(directory, blockSize: 512)
        let partition = try GPTPartition.partition(device: "259:0", holding: "/efi", sysfs: sysfs, udevData: udev)
        #expect(partition.number == 1 && partition.startLBA == 2048 && partition.sizeLBA == 1_048_576)
        let path = try DevicePath(partition: partition, loader: "/EFI/Linux/os-a.efi")
        let efibootmgr = try LoadOption(
            parsing: try readBytes(
                TestPaths.fixture("efi/efivarfs-efibootmgr-created/Boot0000-8be4df61-93ca-11d2-aa0d-00e098032b8c")
            )
            .dropFirst(4).map { $0 }, origin: "Boot0000")
        #expect(path == efibootmgr.filePath)
    }

    @Test func fourKDisksCountInTheirOwnBlocks() throws {
        let directory = try TemporaryDirectory()
        let (sysfs, udev) = try Self.fakeSystem(directory, blockSize: 4096)
        let partition = try GPTPartition.partition(device: "259:0", holding: "/efi", sysfs: sysfs, udevData: udev)
        #expect(partition.startLBA == 256 && partition.sizeLBA == 131_072)
    }

    @Test func missingDataIsOneClearError() throws {
        let directory = try TemporaryDirectory()
        let (sysfs, udev) = try Self.fakeSystem(directory, blockSize: 512)
        #expect(
            throws: EFIVariableError(
                .notFound,
                "/efi (block device 8:1): not on a disk partition (no \(sysfs)/dev/block/8:1/partition); give --disk IMAGE --part N instead"
            )
        ) { try GPTPartition.partition(device: "8:1", holding: "/efi", sysfs: sysfs, udevData: udev) }
        try FileManager.default.removeItem(atPath: directory.file("udev/b259:0"))
        #expect(throws: EFIVariableError.self) {
            try GPTPartition.partition(device: "259:0", holding: "/efi", sysfs: sysfs, udevData: udev)
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
            #expect(throws: EFIVariableError(.malformed, "\(path): \(message)")) {
                try GPTPartition.read(disk: FilePath(path), number: 1)
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
/// logical sectors. One at a time: each attaches and detaches its own.
@Suite(.serialized, .enabled(if: LoopDisk.available, "needs root, loop devices, sfdisk, partx"))
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
}

/// A 64 MiB image attached as a loop device of `sectorSize`-byte logical sectors and partitioned
/// through the device (so the GPT counts in its sectors): one partition at 2048, 8192 sectors.
struct LoopDisk {
    let directory: TemporaryDirectory
    let image: String
    let device: String

    static let available: Bool =
        geteuid() == 0 && FileManager.default.fileExists(atPath: "/dev/loop-control")
        && ["losetup", "sfdisk", "partx"].allSatisfy { (try? which($0)) != nil }

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
}
