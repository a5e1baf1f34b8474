import BinaryIO
import Foundation
import Glibc
import JSON
import SystemPackage
import TestSupport
import Testing

@testable import EFIVariables

/// OVMF variable stores: the vector written by a real OVMF HTTP boot, and Debian's blank store.
@Suite struct OVMFVarStoreTests {
    static let blank = "/usr/share/OVMF/OVMF_VARS_4M.fd"
    static let global = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

    static func afterBoot(in directory: TemporaryDirectory) throws -> String {
        let path = directory.file("after-boot.fd")
        let unpacked = try run(
            "/bin/sh",
            ["-c", "gzip -dc \"$1\" > \"$2\"", "sh", TestPaths.fixture("efi/after-ovmf-http-boot.fd.gz"), path])
        #expect(unpacked.status == 0)
        return path
    }

    /// What virt-fw-vars (PyPI virt-firmware) reads from a store: name, GUID, attributes, data.
    static func virtFirmwareView(_ path: String, in directory: TemporaryDirectory) throws -> [JSONValue] {
        let json = directory.file("view-\(UInt32.random(in: 0...UInt32.max)).json")
        let result = try run("virt-fw-vars", ["-i", path, "--output-json", json])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONValue(parsing: try readBytes(json))["variables"]?.arrayValue)
    }

    /// Every record (live and history) equals the vector's listing, and the live set covers
    /// virt-fw-vars' view, plus the same-name variable it drops.
    @Test func readsTheAfterBootVector() throws {
        let directory = try TemporaryDirectory()
        let store = try OVMFVarStore.load(FilePath(try Self.afterBoot(in: directory)))
        let listing = try JSONValue(parsing: try readBytes(TestPaths.fixture("efi/after-ovmf-http-boot.vars.json")))
        let expected = try #require(listing["variables"]?.arrayValue)
        #expect(store.records.count == expected.count)
        for (record, vector) in zip(store.records, expected) {
            #expect(record.offset == vector["offset"]!.integerValue!)
            #expect(Int(record.state) == vector["state"]!.integerValue!)
            #expect(Int(record.attributes) == vector["attributes"]!.integerValue!)
            #expect(record.vendor.description == vector["vendor_guid"]!.stringValue!)
            #expect(record.name == vector["name"]!.stringValue!)
            #expect(record.data.hexString == vector["data_hex"]!.stringValue!)
        }
        #expect(store.endOfList == listing["end_of_vars_offset"]!.integerValue!)
        let theirs = try Self.virtFirmwareView(try Self.afterBoot(in: directory), in: directory)
        for variable in theirs {
            let name = EFIVariableName(variable["name"]!.stringValue!, vendor: variable["guid"]!.stringValue!)
            let ours = try #require(try store.read(name), "\(name)")
            #expect(ours.data.hexString == variable["data"]!.stringValue!)
            #expect(Int(ours.attributes) == variable["attr"]!.integerValue!)
        }
        #expect(store.variables.count == theirs.count + 1)
        #expect(store.variables.filter { $0.name == "525400123456" }.count == 2)
    }

    /// Adding to a fresh copy of Debian's blank store: virt-fw-vars reads back what we wrote, and
    /// every byte outside the new records is unchanged.
    @Test func addsToTheBlankStore() throws {
        let directory = try TemporaryDirectory()
        let original = try readBytes(Self.blank)
        var store = try OVMFVarStore(bytes: original, origin: Self.blank)
        let option = try LoadOption(
            attributes: LoadOption.active, description: "Linux A",
            filePath: try DevicePath(
                text: "HD(1,GPT,2F4A8E1C-6B3D-4C1E-9A7F-0123456789AB,0x800,0x100000)/\\EFI\\Linux\\a.efi"))
        try store.write(EFIVariableName("Boot0001", vendor: Self.global), attributes: 7, data: option.bytes)
        try store.write(EFIVariableName("BootOrder", vendor: Self.global), attributes: 7, data: [1, 0])
        let output = directory.file("out.fd")
        try store.save(to: FilePath(output))
        let written = try readBytes(output)
        let first = try #require(store.records.first { $0.name == "Boot0001" }).offset
        #expect(written.count == original.count)
        #expect(written[..<first] == original[..<first])
        #expect(written[store.endOfList...] == original[store.endOfList...])
        let theirs = try Self.virtFirmwareView(output, in: directory)
        let boot = try #require(theirs.first { $0["name"]?.stringValue == "Boot0001" })
        #expect(boot["data"]?.stringValue == option.bytes.hexString)
        #expect(theirs.first { $0["name"]?.stringValue == "BootOrder" }?["data"]?.stringValue == "0100")
    }

    /// Replacing and deleting in the after-boot store: old records get the firmware's states, the
    /// new value is what virt-fw-vars reads, other records are untouched byte for byte (including
    /// the two same-name variables with different GUIDs).
    @Test func updatesAndDeletesLikeTheFirmware() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.afterBoot(in: directory)
        let original = try readBytes(path)
        var store = try OVMFVarStore(bytes: original, origin: path)
        let bootOrder = EFIVariableName("BootOrder", vendor: Self.global)
        let before = try #require(store.variables.first { $0.name == "BootOrder" })
        try store.write(bootOrder, attributes: 7, data: [0x99, 0x00, 0x00, 0x00])
        #expect(store.records.first { $0.offset == before.offset }?.state == 0x3C)
        #expect(try store.read(bootOrder)?.data == [0x99, 0, 0, 0])
        let timeout = try #require(store.variables.first { $0.name == "Timeout" })
        #expect(try store.delete(EFIVariableName("Timeout", vendor: Self.global)))
        #expect(store.records.first { $0.offset == timeout.offset }?.state == 0x3D)
        #expect(try !store.delete(EFIVariableName("NoSuchVariable", vendor: Self.global)))
        try store.save(to: FilePath(path))
        let written = try readBytes(path)
        let changed = (0..<original.count).filter { written[$0] != original[$0] }
        let appended = (before.offset, timeout.offset)
        #expect(changed.allSatisfy { $0 == appended.0 + 2 || $0 == appended.1 + 2 || $0 >= 18832 })
        let theirs = try Self.virtFirmwareView(path, in: directory)
        #expect(theirs.first { $0["name"]?.stringValue == "BootOrder" }?["data"]?.stringValue == "99000000")
        #expect(!theirs.contains { $0["name"]?.stringValue == "Timeout" })
        #expect(try OVMFVarStore.load(FilePath(path)).variables.filter { $0.name == "525400123456" }.count == 2)
    }

    @Test func fullStoreAndForeignFilesAreRefused() throws {
        var store = try OVMFVarStore(bytes: try readBytes("/usr/share/OVMF/OVMF_VARS.fd"), origin: "OVMF_VARS.fd")
        // Variables as large as the firmware allows, until the store has no room for one more.
        var before = store.bytes
        var error: EFIVariableError?
        for index in 0..<64 where error == nil {
            before = store.bytes
            do {
                try store.write(
                    EFIVariableName("Big\(index)", vendor: Self.global), attributes: 7,
                    data: [UInt8](repeating: 1, count: 0x8000))
            } catch let failure as EFIVariableError {
                error = failure
            }
        }
        #expect(error?.code == .storeFull)
        #expect(store.bytes == before)
        #expect(throws: EFIVariableError.self) {
            try OVMFVarStore(bytes: try readBytes(TestPaths.fixture("linuxx64.efi.stub")), origin: "stub")
        }
        #expect(throws: EFIVariableError.self) {
            try store.write(EFIVariableName("PK", vendor: Self.global), attributes: 0x27, data: [1])
        }
    }
}

/// Behaviour found by reading EDK2's Variable.c and FaultTolerantWriteDxe.
@Suite struct OVMFVarStoreEDK2RuleTests {
    static let global = OVMFVarStoreTests.global

    @Test func attributeRulesOfTheFirmware() throws {
        let directory = try TemporaryDirectory()
        var store = try OVMFVarStore.load(FilePath(try OVMFVarStoreTests.afterBoot(in: directory)))
        let certdb = EFIVariableName("certdb", vendor: "d9bee56e-75dc-49d9-b4d7-b534210f637a")
        let timeout = EFIVariableName("Timeout", vendor: Self.global)
        for (name, attributes, data) in [
            (certdb, UInt32(7), [UInt8](repeating: 0, count: 4)),  // authenticated: needs a signed update
            (timeout, 3, [5, 0]),  // changing attributes
            (timeout, 7, []),  // empty data is a delete
            (timeout, 0x47, [5, 0]),  // APPEND is never stored
            (timeout, 6, [5, 0]),  // not non-volatile
        ] {
            #expect(throws: EFIVariableError.self, "\(name) \(attributes)") {
                try store.write(name, attributes: attributes, data: data)
            }
        }
    }

    /// A copy left in transition by an interrupted update does not come back after a delete.
    @Test func deleteAlsoRetiresTransitionCopies() throws {
        var bytes = try readBytes(OVMFVarStoreTests.blank)
        var store = try OVMFVarStore(bytes: bytes, origin: "blank")
        let name = EFIVariableName("Timeout", vendor: Self.global)
        try store.write(name, attributes: 7, data: [1, 0])
        try store.write(name, attributes: 7, data: [2, 0])
        // Simulate the interruption: the first copy stayed in transition (0x3E), not deleted.
        bytes = store.bytes
        let first = try #require(store.records.first { $0.name == "Timeout" }).offset
        bytes[first + 2] = 0x3E
        store = try OVMFVarStore(bytes: bytes, origin: "interrupted")
        #expect(try store.read(name)?.data == [2, 0])
        #expect(try store.delete(name))
        #expect(try store.read(name) == nil)
        #expect(try OVMFVarStore(bytes: store.bytes, origin: "after").read(name) == nil)
    }

    /// Completed write headers stay in the FTW queue; only an incomplete last one blocks edits.
    @Test func faultTolerantWriteQueue() throws {
        var bytes = try readBytes(OVMFVarStoreTests.blank)
        let queue = 0x41000 + 0x20
        bytes[queue] = 0xFE & 0xFD & 0xFB  // allocated, writes allocated, complete
        bytes.replaceSubrange((queue + 24)..<(queue + 40), with: [UInt8](repeating: 0, count: 16))
        var store = try OVMFVarStore(bytes: bytes, origin: "completed")
        try store.write(EFIVariableName("Timeout", vendor: Self.global), attributes: 7, data: [1, 0])
        bytes[queue] = 0xFE & 0xFD  // allocated, not complete
        var pending = try OVMFVarStore(bytes: bytes, origin: "pending")
        #expect(throws: EFIVariableError.self) {
            try pending.write(EFIVariableName("Timeout", vendor: Self.global), attributes: 7, data: [1, 0])
        }
    }

    /// Saving keeps the file's mode, and a file a running process holds locked is refused.
    @Test func saveKeepsModeAndRespectsLocks() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("vars.fd")
        _ = try directory.write("vars.fd", try readBytes(OVMFVarStoreTests.blank))
        #expect(chmod(path, 0o600) == 0)
        var store = try OVMFVarStore.load(FilePath(path))
        try store.write(EFIVariableName("Timeout", vendor: Self.global), attributes: 7, data: [1, 0])
        try store.save(to: FilePath(path))
        var status = stat()
        #expect(stat(path, &status) == 0 && status.st_mode & 0o777 == 0o600)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = [
            "-c",
            "import fcntl,sys,time; f=open(sys.argv[1],'r+b'); fcntl.lockf(f, fcntl.LOCK_EX); print('x', flush=True); time.sleep(30)",
            path,
        ]
        let pipe = Pipe()
        holder.standardOutput = pipe
        try holder.run()
        defer { holder.terminate() }
        _ = pipe.fileHandleForReading.readData(ofLength: 1)
        #expect { try store.save(to: FilePath(path)) } throws: { "\($0)".contains("in use") }
    }
}

@Suite struct DevicePathEDK2RuleTests {
    @Test func edk2Spellings() throws {
        let serial = DevicePathNode(type: 2, subtype: 1, data: [0xD0, 0x41, 0x01, 0x05, 0, 0, 0, 0])
        #expect(DevicePath(nodes: [serial, .endEntire]).text == "Serial(0x0)")
        #expect(DevicePath(nodes: [DevicePathNode(type: 3, subtype: 0x7E, data: []), .endEntire]).text == "Msg(126)")
        let twoInstances = DevicePath(nodes: [serial, .endInstance, serial, .endEntire])
        #expect(twoInstances.text == "Serial(0x0),/Serial(0x0)")
        #expect(try DevicePath(text: twoInstances.text) == twoInstances)
        #expect(try DevicePath(text: "Msg(126)").text == "Msg(126)")
    }

    /// EDK2's HTTP proxy form has two Uri nodes; each ends at its own ')'.
    @Test func proxyAndTarget() throws {
        let path = try DevicePath(text: "Uri(http://proxy:3128/)/Uri(http://h/a(1)/b.efi)")
        #expect(path.nodes.count == 3)
        #expect(path.text == "Uri(http://proxy:3128/)/Uri(http://h/a(1)/b.efi)")
    }

    /// Paths after the first end (U-Boot keeps its initrd there) are kept byte for byte.
    @Test func trailingPathsAreKept() throws {
        let first = DevicePath(nodes: [DevicePathNode(type: 4, subtype: 4, data: [0x5C, 0, 0, 0]), .endEntire]).bytes
        let second = DevicePath(nodes: [DevicePathNode(type: 4, subtype: 4, data: [0x41, 0, 0, 0]), .endEntire]).bytes
        let parsed = try DevicePath(parsing: (first + second)[...], origin: "t")
        #expect(parsed.nodes.count == 2 && parsed.trailing == second)
        #expect(parsed.bytes == first + second)
        #expect(parsed.text == "\\")
    }

    @Test func oversizedNodesAreRefused() {
        #expect(throws: EFIVariableError.self) {
            try DevicePath(text: "Uri(" + String(repeating: "a", count: 70000) + ")")
        }
        #expect(throws: EFIVariableError.self) { try DevicePath(text: "\\" + String(repeating: "a", count: 40000)) }
    }
}
