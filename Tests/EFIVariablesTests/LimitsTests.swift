import BinaryIO
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import EFIVariables

/// Sizes and text the firmware cannot take are refused where variables are written and labels
/// are made, with an error that names the limit.
@Suite struct LimitsTests {
    static let global = BootConfiguration.globalVendor
    static let path = try! DevicePath(text: "HD(1,GPT,2F4A8E1C-6B3D-4C1E-9A7F-0123456789AB,0x800,0x100000)/\\a.efi")

    /// Labels: characters beyond U+FFFF (UTF-16 surrogate pairs, not UCS-2) and NUL are refused;
    /// any BMP character is kept.
    @Test(arguments: ["Linux \u{1F600}", "a\u{0}b", "\u{10000}"])
    func labelsOutsideUCS2AreRefused(label: String) throws {
        let error = try #require(throws: EFIVariableError.self) {
            try LoadOption(attributes: LoadOption.active, description: label, filePath: Self.path)
        }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("UCS-2") || error.message.contains("NUL"))
    }

    @Test func bmpLabelsAreKept() throws {
        let option = try LoadOption(
            attributes: LoadOption.active, description: "Débian ✓ \u{FFFD}", filePath: Self.path)
        #expect(option.description == "Débian ✓ \u{FFFD}")
        #expect(try LoadOption(parsing: option.bytes, origin: "x") == option)
    }

    /// OVMF's PcdMaxVariableSize (0x8400, edk2 OvmfPkgX64.dsc) counts the 60-byte authenticated
    /// header, the UCS-2 name with its NUL and the data: for `Boot0001` (18 bytes of name) at most
    /// 0x8400 - 78 bytes of data. One byte more is refused by every store before anything is written.
    @Test func variablesLargerThanTheFirmwareTakesAreRefused() throws {
        let directory = try TemporaryDirectory()
        let name = EFIVariableName("Boot0001", vendor: Self.global)
        let largest = [UInt8](repeating: 0x41, count: 0x8400 - 60 - 18)
        var ovmf = try OVMFVarStore(bytes: try readBytes(OVMFVarStoreTests.blank), origin: "blank")
        var variables = EFIVariableDirectory(FilePath(directory.path))
        try ovmf.write(name, attributes: 7, data: largest)
        try variables.write(name, attributes: 7, data: largest)
        for size in [largest.count + 1, 240 << 10] {
            let data = [UInt8](repeating: 0x41, count: size)
            for error in [
                try #require(throws: EFIVariableError.self) { try ovmf.write(name, attributes: 7, data: data) },
                try #require(throws: EFIVariableError.self) { try variables.write(name, attributes: 7, data: data) },
            ] {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains("33792 (0x8400)"))
            }
            #expect(try ovmf.read(name)?.data == largest)
            #expect(try variables.read(name)?.data == largest)
        }
    }

    /// `bootctl add`'s path: a load option whose optional data makes the variable too large leaves
    /// the store as it was.
    @Test func bootManagerRefusesAnOversizedLoadOption() throws {
        let directory = try TemporaryDirectory()
        var manager = BootManager(store: EFIVariableDirectory(FilePath(directory.path)))
        let option = try LoadOption(
            attributes: LoadOption.active, description: "big", filePath: Self.path,
            optionalData: [UInt8](repeating: 0x20, count: 240 << 10))
        #expect(throws: EFIVariableError.self) { try manager.add(option, position: .first) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    /// A description that is not text (a lone UTF-16 surrogate) is written back as it was read.
    @Test func loneSurrogateInADescriptionIsKept() throws {
        let original = try LoadOption(attributes: LoadOption.active, description: "ab", filePath: Self.path)
        var bytes = original.bytes
        bytes[6..<8] = [0x00, 0xD8]  // 'a' becomes a lone high surrogate
        let parsed = try LoadOption(parsing: bytes, origin: "Boot0001")
        #expect(parsed.descriptionUnits == [0xD800, 0x62])
        #expect(parsed.description == "\u{FFFD}b")
        #expect(parsed.bytes == bytes)
    }
}
