import BinaryIO
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import EFIVariables

/// Boot variables read through both store kinds, compared with what efibootmgr 17 printed for
/// the same variables (its quirks normalised as in LoadOptionVectorTests).
@Suite struct BootConfigurationTests {
    /// efibootmgr's header lines and one line per entry, our path text in EDK2's spelling.
    static func listing(_ configuration: BootConfiguration) -> [String] {
        func hex(_ number: UInt16) -> String { String(BootConfiguration.variableName(number).dropFirst(4)) }
        var lines: [String] = []
        if let next = configuration.bootNext { lines.append("BootNext: \(hex(next))") }
        if let current = configuration.bootCurrent { lines.append("BootCurrent: \(hex(current))") }
        if let timeout = configuration.timeout { lines.append("Timeout: \(timeout) seconds") }
        if let order = configuration.bootOrder { lines.append("BootOrder: " + order.map(hex).joined(separator: ",")) }
        for entry in configuration.entries {
            let option = entry.option!
            lines.append("\(entry.name)\(option.isActive ? "*" : " ") \(option.description)\t\(option.filePath.text)")
        }
        return lines
    }

    /// efibootmgr 17's lines without the optional data it appends (printed with '.' for bytes
    /// outside 32-127), normalised.
    static func efibootmgr(_ path: String, _ configuration: BootConfiguration) throws -> [String] {
        let text = String(decoding: try readBytes(path), as: UTF8.self)
        return text.split(separator: "\n").map(String.init).map { line in
            guard let number = BootConfiguration.parseEntry(String(line.prefix(8))),
                let option = configuration.entries.first(where: { $0.number == number })?.option
            else { return line }
            let shown = String(option.optionalData.map { (32..<128).contains($0) ? Character(UnicodeScalar($0)) : "." })
            return shown.isEmpty || !line.hasSuffix(shown) ? line : String(line.dropLast(shown.count))
        }
    }

    @Test func efivarfsDirectoryMatchesEfibootmgr() throws {
        let store = EFIVariableDirectory(FilePath(TestPaths.fixture("efi/efivarfs")))
        let configuration = try BootConfiguration(store: store)
        #expect(configuration.bootOrder == [0, 1, 2, 4])
        #expect(configuration.bootNext == 1 && configuration.bootCurrent == 0 && configuration.timeout == 5)
        let theirs = try Self.efibootmgr(TestPaths.fixture("efi/efivarfs/efibootmgr-17-v.txt"), configuration)
        #expect(
            Self.listing(configuration).map(LoadOptionVectorTests.normalised)
                == theirs.map(LoadOptionVectorTests.normalised))
    }

    @Test func ovmfStoreMatchesEfibootmgr() throws {
        let directory = try TemporaryDirectory()
        let store = try OVMFVarStore.load(FilePath(try OVMFVarStoreTests.afterBoot(in: directory)))
        let configuration = try BootConfiguration(store: store)
        let theirs = try Self.efibootmgr(
            TestPaths.fixture("efi/after-ovmf-http-boot.efibootmgr-17-v.txt"), configuration)
        #expect(
            Self.listing(configuration).map(LoadOptionVectorTests.normalised)
                == theirs.map(LoadOptionVectorTests.normalised))
    }

    /// A plain directory store replaces files whole: a shorter BootOrder leaves no stale tail (the
    /// pitfall of writing in place), deletes remove the file, new names are listed.
    @Test func directoryStoreWritesWhole() throws {
        let directory = try TemporaryDirectory()
        for name in try EFIVariableDirectory(FilePath(TestPaths.fixture("efi/efivarfs"))).names() {
            _ = try directory.write(name.description, try readBytes(TestPaths.fixture("efi/efivarfs/\(name)")))
        }
        var store = EFIVariableDirectory(FilePath(directory.path))
        #expect(!store.isEfivarfs)
        let order = EFIVariableName("BootOrder", vendor: BootConfiguration.globalVendor)
        try store.write(order, attributes: 7, data: [4, 0])
        #expect(try readBytes(directory.file(order.description)) == [7, 0, 0, 0, 4, 0])
        #expect(try store.delete(EFIVariableName("Boot0006", vendor: BootConfiguration.globalVendor)))
        #expect(try !store.delete(EFIVariableName("Boot0006", vendor: BootConfiguration.globalVendor)))
        let configuration = try BootConfiguration(store: store)
        #expect(configuration.bootOrder == [4])
        #expect(configuration.entries.map(\.number) == [0, 1, 2, 3, 4, 5])
    }

    @Test func entryNames() {
        #expect(BootConfiguration.variableName(0xAB) == "Boot00AB")
        #expect(BootConfiguration.number(of: "Boot00ab") == 0xAB)
        #expect(BootConfiguration.number(of: "BootOrder") == nil)
        #expect(BootConfiguration.number(of: "BootCurrent") == nil)
        #expect(BootConfiguration.parseEntry("0003") == 3 && BootConfiguration.parseEntry("Boot0003") == 3)
        #expect(BootConfiguration.parseEntry("3") == nil)
    }
}
