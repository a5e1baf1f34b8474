import BinaryIO
import SystemPackage
import TestSupport
import Testing

@testable import EFIVariables

/// Another program (efibootmgr, a firmware updater) writing boot variables while `BootManager`
/// changes them, as on efivarfs where no lock is shared: its changes are kept or the write is
/// refused, never overwritten.
@Suite struct ConcurrentChangeTests {
    static let global = BootConfiguration.globalVendor
    static let bootOrder = EFIVariableName("BootOrder", vendor: global)

    /// A directory store in which `otherProgram` runs right after a listing of the names, and
    /// before the read of a variable returns (with how often that variable was read so far).
    final class RacingStore: VariableStore {
        var directory: EFIVariableDirectory
        var reads: [EFIVariableName: Int] = [:]
        var otherProgram: (_ event: String, _ store: inout EFIVariableDirectory) throws -> Void = { _, _ in }

        init(_ path: String) throws {
            directory = EFIVariableDirectory(FilePath(path))
            var manager = BootManager(store: directory)
            try manager.add(Self.option("Boot0000's"), position: .first)
        }

        func names() throws -> [EFIVariableName] {
            let names = try directory.names()
            try otherProgram("names", &directory)
            return names
        }

        func read(_ variable: EFIVariableName) throws -> EFIVariable? {
            reads[variable, default: 0] += 1
            try otherProgram("\(variable.name) #\(reads[variable]!)", &directory)
            return try directory.read(variable)
        }

        func write(_ variable: EFIVariableName, attributes: UInt32, data: [UInt8]) throws {
            try directory.write(variable, attributes: attributes, data: data)
        }

        func delete(_ variable: EFIVariableName) throws -> Bool { try directory.delete(variable) }
        func commit() {}

        static func option(_ label: String) -> LoadOption {
            try! LoadOption(
                attributes: LoadOption.active, description: label,
                filePath: try! DevicePath(text: "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x0,0xFFFF,0x0)"))
        }
    }

    /// What the other program does: a new entry at the head of BootOrder.
    static func otherAdds(_ number: UInt16, to store: inout EFIVariableDirectory) throws {
        let name = EFIVariableName(BootConfiguration.variableName(number), vendor: global)
        try store.write(name, attributes: 7, data: RacingStore.option("theirs").bytes)
        let order = try store.read(bootOrder).map { BootConfiguration.order($0.data) } ?? []
        try store.write(bootOrder, attributes: 7, data: ([number] + order).flatMap(\.littleEndianBytes))
    }

    static func configuration(_ store: RacingStore) throws -> BootConfiguration {
        try BootConfiguration(store: store.directory)
    }

    /// The other program adds Boot0005 after our configuration was read, and again between our
    /// read of BootOrder and our write of it: both of its entries stay in BootOrder.
    @Test func bootOrderChangedMeanwhileIsKept() throws {
        let directory = try TemporaryDirectory()
        let store = try RacingStore(directory.path)
        store.otherProgram = { event, variables in
            switch event {
            case "Boot0001 #1": try Self.otherAdds(5, to: &variables)
            case "BootOrder #3": try Self.otherAdds(6, to: &variables)
            default: break
            }
        }
        var manager = BootManager(store: store)
        let ours = try manager.add(RacingStore.option("ours"), position: .first)
        #expect(ours == 1)
        #expect(try Self.configuration(store).bootOrder == [1, 6, 5, 0])
    }

    /// The number we picked is taken by the other program before we write it: its entry stays,
    /// ours gets the next free number.
    @Test func numberTakenMeanwhileIsLeftToTheOtherProgram() throws {
        let directory = try TemporaryDirectory()
        let store = try RacingStore(directory.path)
        var done = false
        store.otherProgram = { event, variables in
            guard event == "names", !done else { return }
            done = true
            try Self.otherAdds(1, to: &variables)
        }
        var manager = BootManager(store: store)
        let ours = try manager.add(RacingStore.option("ours"), position: .last)
        #expect(ours == 2)
        let configuration = try Self.configuration(store)
        #expect(configuration.entries.map(\.option?.description) == ["Boot0000's", "theirs", "ours"])
        #expect(configuration.bootOrder == [1, 0, 2])
    }

    /// A BootOrder that changes at every read: after the retries the write is refused with
    /// `concurrentChange`, the other program's BootOrder stands and our new entry is gone again.
    @Test func endlessChangesAreRefused() throws {
        let directory = try TemporaryDirectory()
        let store = try RacingStore(directory.path)
        var next: UInt16 = 0x100
        store.otherProgram = { event, variables in
            guard event.hasPrefix("BootOrder #"), event != "BootOrder #1" else { return }
            next += 1
            try Self.otherAdds(next, to: &variables)
        }
        var manager = BootManager(store: store)
        let error = try #require(throws: EFIVariableError.self) {
            try manager.add(RacingStore.option("ours"), position: .first)
        }
        #expect(error.code == .concurrentChange)
        let configuration = try Self.configuration(store)
        #expect(configuration.bootOrder?.first == next)
        #expect(!configuration.entries.contains { $0.option?.description == "ours" })
    }

    /// `order` was decided from the BootOrder read first; one changed meanwhile is not overwritten.
    @Test func setOrderRefusesAChangedBootOrder() throws {
        let directory = try TemporaryDirectory()
        let store = try RacingStore(directory.path)
        var manager = BootManager(store: store)
        try manager.add(RacingStore.option("second"), position: .last)
        store.otherProgram = { event, variables in
            if event == "BootOrder #5" { try Self.otherAdds(7, to: &variables) }
        }
        let error = try #require(throws: EFIVariableError.self) { try manager.setOrder([1, 0]) }
        #expect(error.code == .concurrentChange)
        #expect(try Self.configuration(store).bootOrder == [7, 0, 1])
    }
}
