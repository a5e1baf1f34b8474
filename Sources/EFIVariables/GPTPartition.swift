import BinaryIO
import SystemPackage

/// A GPT partition as a firmware device path names it: number, first LBA, size in LBAs and the
/// partition's unique GUID (PARTUUID), the fields of an `HD(n,GPT,guid,start,size)` node.
public struct GPTPartition: Sendable, Equatable {
    /// The `HD()` data: GPT partition format, GUID signature.
    let hardDrive: HardDriveNode

    public var number: UInt32 { hardDrive.partitionNumber }
    public var startLBA: UInt64 { hardDrive.partitionStart }
    public var sizeLBA: UInt64 { hardDrive.partitionSize }
    public var uniqueGUID: EFIGUID { EFIGUID(bytes: hardDrive.partitionSignature) }

    public init(number: UInt32, startLBA: UInt64, sizeLBA: UInt64, uniqueGUID: EFIGUID) {
        hardDrive = HardDriveNode(
            partitionNumber: number, partitionStart: startLBA, partitionSize: sizeLBA,
            partitionSignature: uniqueGUID.bytes, partitionFormat: HardDriveNode.gpt, signatureType: HardDriveNode.gpt)
    }

    /// The `HD(…,GPT,…)` node, as efibootmgr writes it.
    public var hardDriveNode: DevicePathNode { hardDrive.node }

    /// Partition `number` (1-based) of the GPT on a disk: a block device, opened read-only, whose
    /// LBAs are its logical sectors, or a disk image, where the sector size is found where the
    /// header is (512, else 4096). The header and entry-array CRCs and the entry's place between
    /// the usable LBAs are checked, as firmware does before it trusts the table.
    public static func read(disk path: FilePath, number: UInt32) throws -> GPTPartition {
        let file: ReadableFile
        let sectorSizes: [Int]
        do {
            (file, sectorSizes) = (try ReadableFile(path: path), [512, 4096])
        } catch let error as BinaryIOError where error.code == .notRegularFile {
            let device = try ReadableFile.blockDevice(path: path)
            (file, sectorSizes) = (device.file, [device.logicalSectorSize])
        }
        func fail(_ why: String) -> EFIVariableError { EFIVariableError(.malformed, "\(path): \(why)") }
        let sectorSize = try sectorSizes.first { size in
            try file.size >= 2 * size
                && file.read(at: size, count: GPTHeader.signature.count, field: "GPT header") == GPTHeader.signature
        }
        guard let sectorSize else { throw fail("no GPT partition table (no 'EFI PART' header at LBA 1)") }
        let header = try GPTHeader(
            parsing: try file.read(at: sectorSize, count: sectorSize, field: "GPT header"), origin: path.string)
        guard header.hasValidCRC else { throw fail("the GPT header checksum is wrong") }
        let entryCount = Int(header.numberOfPartitionEntries)
        let entrySize = Int(header.sizeOfPartitionEntry)
        // UEFI: the entry size is 128 × 2^n; the whole array is read, so it is capped (1 MiB).
        guard entrySize >= GPTPartitionEntry.size, entrySize & (entrySize - 1) == 0, entryCount * entrySize <= 1 << 20,
            header.partitionEntryLBA < UInt64(file.size / sectorSize)
        else { throw fail("the GPT header describes an invalid partition entry array") }
        let arrayOffset = Int(header.partitionEntryLBA) * sectorSize
        let entries = try file.read(at: arrayOffset, count: entryCount * entrySize, field: "GPT partition entries")
        guard CRC32.checksum(entries) == header.partitionEntryArrayCRC32 else {
            throw fail("the GPT partition entry checksum is wrong")
        }
        guard number >= 1, number <= entryCount else {
            throw fail("partition \(number) is out of range (the table has \(entryCount) entries)")
        }
        var array = ByteReader(entries, baseOffset: arrayOffset)
        try array.seek(to: (Int(number) - 1) * entrySize, field: "GPT partition entry \(number)")
        var entryReader = try array.readReader(entrySize, field: "GPT partition entry \(number)")
        let entry = try GPTPartitionEntry(parsing: &entryReader)
        guard !entry.isUnused else { throw fail("partition \(number) is unused") }
        let (first, last) = (entry.startingLBA, entry.endingLBA)
        let (firstUsable, lastUsable) = (header.firstUsableLBA, header.lastUsableLBA)
        guard first >= firstUsable, last >= first, last <= lastUsable else {
            throw fail(
                "partition \(number) (LBA \(first)-\(last)) is not inside the usable LBAs \(firstUsable)-\(lastUsable)")
        }
        return GPTPartition(
            number: number, startLBA: first, sizeLBA: last - first + 1, uniqueGUID: entry.uniquePartitionGUID)
    }
}

extension DevicePath {
    /// `HD(partition)/\path` + end: what efibootmgr and kernel-bootcfg write for a file on an ESP.
    /// `loader` uses `\` separators (`/` are turned into `\`).
    public init(partition: GPTPartition, loader: String) throws {
        let path = loader.replacingSlashes()
        guard path.hasPrefix("\\") else {
            throw EFIVariableError(.malformed, "'\(loader)': the loader path must be absolute on the ESP")
        }
        // The File() node is built from the path's bytes, never parsed from text: a path holding
        // `)/HD(` cannot add nodes.
        guard let file = DevicePathNodeForm.filePathData(path) else {
            throw EFIVariableError(.malformed, "'\(loader)': too long for a device path node")
        }
        self.init(nodes: [partition.hardDriveNode, DevicePathNode(.filePath, data: file), .endEntire])
    }

    /// An HTTP boot entry's device path as EDK2 expands a URI: one `Uri()` node + end, built from
    /// the URI's bytes (no text is parsed, so nothing in it can add nodes). Refused: schemes other
    /// than http and https, characters RFC 3986 does not allow in a URI (EDK2's HTTP boot takes
    /// only those), and URIs longer than ``maximumURILength``.
    public init(httpBootURI uri: String) throws {
        func refuse(_ why: String) -> EFIVariableError { EFIVariableError(.invalidArgument, "'\(uri)': \(why)") }
        let scheme = uri.prefix { $0 != ":" }.lowercased()
        guard ["http", "https"].contains(scheme), uri.dropFirst(scheme.count).hasPrefix("://") else {
            throw refuse("an HTTP boot URI starts with http:// or https://")
        }
        guard uri.utf8.count <= Self.maximumURILength else {
            throw refuse("longer than \(Self.maximumURILength) bytes")
        }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%".utf8)
        if let bad = uri.utf8.first(where: { !allowed.contains($0) }) {
            throw refuse("the character \(hex(bad)) is not allowed in a URI (RFC 3986; percent-encode it)")
        }
        let bytes = Array(uri.utf8)
        let hexDigits = Set("0123456789ABCDEFabcdef".utf8)
        for index in bytes.indices where bytes[index] == UInt8(ascii: "%") {
            let digits = bytes.dropFirst(index + 1).prefix(2)
            guard digits.count == 2, digits.allSatisfy(hexDigits.contains) else {
                throw refuse("'%' must start a percent-encoded byte (%XX)")
            }
        }
        self.init(nodes: [DevicePathNode(.uri, data: bytes), .endEntire])
    }

    /// The longest URI an HTTP boot entry takes here: far more than any boot server needs, and
    /// well inside one device path node.
    public static let maximumURILength = 2048
}

extension String {
    /// `/` → `\` (systemd's tilt_slashes): an ESP path as firmware device paths spell it.
    func replacingSlashes() -> String { String(map { $0 == "/" ? "\\" : $0 }) }
}

extension GPTPartition {
    /// The partition an `HD(…,GPT,…)` node names (the inverse of ``hardDriveNode``); nil for an
    /// MBR partition or any other node.
    public init?(hardDriveNode node: DevicePathNode) {
        guard let hardDrive = node.hardDrive, hardDrive.partitionFormat == HardDriveNode.gpt,
            hardDrive.signatureType == HardDriveNode.gpt
        else { return nil }
        self.hardDrive = hardDrive
    }
}
