// libFuzzer target for EFIVariables' GPT reader (scripts/fuzz.sh): every input is a disk
// image, read as is and with its CRCs made right, and partitions 1-4 are looked up in it. A
// partition found must come back from its `HD()` node. Nothing may crash, trap, leak or hang.
import BinaryIO
import EFIVariables
import FuzzSupport

@main
enum GPTFuzzer {
    static let input = FuzzInputFile()

    static func main() {
        runFuzzer(test)
    }

    static func test(_ bytes: [UInt8]) {
        for image in Set([bytes, (try? withValidChecksums(bytes)) ?? bytes]) {
            let path = input.path(holding: image)
            for number: UInt32 in 1...4 {
                guard let partition = try? GPTPartition.read(disk: path, number: number) else { continue }
                require(
                    GPTPartition(hardDriveNode: partition.hardDriveNode) == partition,
                    "partition \(number) does not come back from its HD() node")
            }
        }
    }
}

/// `bytes` with the GPT header's HeaderCRC32 and PartitionEntryArrayCRC32 (UEFI 2.10 5.3.2) made
/// right for 512-byte sectors. Mutations almost never keep both CRCs, so without this only the seeds
/// would reach the checks after them (entry array size, partition bounds).
func withValidChecksums(_ bytes: [UInt8]) throws -> [UInt8] {
    let header = 512
    guard bytes.count >= header + 92 else { return bytes }
    var reader = ByteReader(bytes)
    try reader.seek(to: header + 12, field: "HeaderSize")
    let headerSize = Int(try reader.readUInt32(field: "HeaderSize"))
    try reader.seek(to: header + 72, field: "PartitionEntryLBA")
    let entryLBA = try reader.readUInt64(field: "PartitionEntryLBA")
    let entryCount = try reader.readUInt32(field: "NumberOfPartitionEntries")
    let entrySize = try reader.readUInt32(field: "SizeOfPartitionEntry")
    let arraySize = UInt64(entryCount) * UInt64(entrySize)
    var fixed = bytes
    if entryLBA < UInt64(bytes.count / 512), arraySize <= UInt64(bytes.count) {
        try reader.seek(to: Int(entryLBA) * 512, field: "partition entries")
        let entries = try reader.readBytes(Int(arraySize), field: "partition entries")
        fixed.replace(at: header + 88, with: CRC32.checksum(entries))
    }
    fixed.replace(at: header + 16, with: 0)
    var headerReader = ByteReader(fixed)
    try headerReader.seek(to: header, field: "GPT header")
    fixed.replace(at: header + 16, with: CRC32.checksum(try headerReader.readBytes(headerSize, field: "GPT header")))
    return fixed
}

extension [UInt8] {
    /// Overwrites the 4 bytes at `offset` with `value`, little-endian.
    fileprivate mutating func replace(at offset: Int, with value: UInt32) {
        replaceSubrange(offset..<(offset + 4), with: Swift.withUnsafeBytes(of: value.littleEndian, Array.init))
    }
}
