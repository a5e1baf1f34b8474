import BinaryIO
import SystemPackage
import TestSupport
import Testing

@testable import EFIVariables

/// Checks one conformer on real bytes: they parse, consume exactly `bytes` and serialize back to
/// them; and every proper prefix fails with an error (a trap would end the run). `openTail` is the
/// length of a last field that runs to the end (OptionalData, a device path list's trailing
/// paths): a prefix that only shortens it is a valid, shorter value, which must round trip too.
func checkRoundTripAndTruncation<T: BinaryParseable & BinarySerializable>(
    _: T.Type, _ bytes: [UInt8], openTail: (T) -> Int = { _ in 0 }, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    var reader = ByteReader(bytes)
    let value = try T(parsing: &reader)
    #expect(reader.remaining == 0, "\(T.self) left \(reader.remaining) bytes", sourceLocation: sourceLocation)
    #expect(value.bytes == bytes, "\(T.self) does not serialize back", sourceLocation: sourceLocation)
    let fixedEnd = bytes.count - openTail(value)
    for length in 0..<bytes.count {
        let prefix = Array(bytes.prefix(length))
        var prefixReader = ByteReader(prefix)
        if length < fixedEnd {
            #expect(
                throws: (any Error).self, "\(T.self), \(length) of \(bytes.count) bytes", sourceLocation: sourceLocation
            ) { _ = try T(parsing: &prefixReader) }
        } else {
            #expect(try T(parsing: &prefixReader).bytes == prefix, sourceLocation: sourceLocation)
        }
    }
}

/// Every ``BinaryParseable`` structure of EFIVariables, on real samples: the load options of the
/// spec's vectors (OVMF, efibootmgr 17), their device paths, nodes and HD() nodes; a GPT made by
/// sfdisk; and the headers of a varstore OVMF wrote while booting (volume, store, every variable
/// record, the fault-tolerant-write working block and its first queue entry).
@Suite struct BinaryStructureTests {
    @Test func loadOptionsDevicePathsAndNodes() throws {
        var hardDrives = 0
        for vector in try LoadOptionVectorTests.vectors() {
            let bytes = try #require([UInt8](hexString: vector["load_option_hex"]!.stringValue!))
            try checkRoundTripAndTruncation(LoadOption.self, bytes, openTail: { $0.optionalData.count })
            let option = try LoadOption(parsing: bytes, origin: "vector")
            try checkRoundTripAndTruncation(DevicePath.self, option.filePath.bytes, openTail: { $0.trailing.count })
            for node in option.filePath.nodes {
                try checkRoundTripAndTruncation(DevicePathNode.self, node.bytes)
                if let hardDrive = node.hardDrive {
                    try checkRoundTripAndTruncation(HardDriveNode.self, hardDrive.bytes)
                    hardDrives += 1
                }
            }
        }
        #expect(hardDrives > 0)
        // U-Boot's second device path (an initrd) after the first end node.
        let uBoot = try DevicePath(text: "\\EFI\\Linux\\os-a.efi").bytes + (try DevicePath(text: "\\initrd").bytes)
        try checkRoundTripAndTruncation(DevicePath.self, uBoot, openTail: { $0.trailing.count })
    }

    @Test func gptHeaderAndEntry() throws {
        let directory = try TemporaryDirectory()
        let disk = try readBytes(try GPTPartitionTests.image(directory))
        let sector = 512
        var header = ByteReader(Array(disk[sector..<(2 * sector)]))
        let parsed = try GPTHeader(parsing: &header)
        #expect(parsed.hasValidCRC)
        try checkRoundTripAndTruncation(GPTHeader.self, Array(disk[sector..<(sector + GPTHeader.fieldsSize)]))
        let entry = Int(parsed.partitionEntryLBA) * sector
        try checkRoundTripAndTruncation(GPTPartitionEntry.self, Array(disk[entry..<(entry + GPTPartitionEntry.size)]))
    }

    @Test func ovmfVarStoreHeaders() throws {
        let directory = try TemporaryDirectory()
        let bytes = try readBytes(try OVMFVarStoreTests.afterBoot(in: directory))
        var reader = ByteReader(bytes)
        let volume = try OVMFVarStore.VolumeHeader(parsing: &reader)
        try checkRoundTripAndTruncation(OVMFVarStore.VolumeHeader.self, Array(bytes.prefix(volume.headerLength)))
        let storeHeader = Array(bytes[volume.headerLength..<(volume.headerLength + OVMFVarStore.StoreHeader.size)])
        try checkRoundTripAndTruncation(OVMFVarStore.StoreHeader.self, storeHeader)
        let store = try OVMFVarStore(bytes: bytes, origin: "after boot")
        #expect(!store.records.isEmpty)
        for record in store.records {
            let header = Array(bytes[record.offset..<(record.offset + OVMFVarStore.VariableHeader.size)])
            try checkRoundTripAndTruncation(OVMFVarStore.VariableHeader.self, header)
        }
        let block = store.storeEnd + 0x1000
        let working = Array(bytes[block..<(block + OVMFVarStore.WorkingBlockHeader.size)])
        var workingReader = ByteReader(working)
        let workingHeader = try OVMFVarStore.WorkingBlockHeader(parsing: &workingReader)
        #expect(workingHeader.signature == OVMFVarStore.WorkingBlockHeader.workingBlockGUID)
        try checkRoundTripAndTruncation(OVMFVarStore.WorkingBlockHeader.self, working)
        let queue = block + OVMFVarStore.WorkingBlockHeader.size
        let write = Array(bytes[queue..<(queue + OVMFVarStore.WriteHeader.size)])
        try checkRoundTripAndTruncation(OVMFVarStore.WriteHeader.self, write)
        // The queue is erased there; a completed header as firmware leaves it (bits cleared).
        let completed = [0xF8] + write[1..<24] + [UInt8](repeating: 0, count: 16)
        var completedReader = ByteReader(completed)
        let completedHeader = try OVMFVarStore.WriteHeader(parsing: &completedReader)
        #expect(completedHeader.isAllocated && completedHeader.isComplete)
        try checkRoundTripAndTruncation(OVMFVarStore.WriteHeader.self, completed)
    }
}
