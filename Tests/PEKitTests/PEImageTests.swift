import BinaryIO
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import PEKit

@Suite struct PEImageTests {
    /// Spec digest §1.9: the v252 stub's headers.
    @Test func parsesTheV252Stub() throws {
        let stub = try parse(TestPaths.fixture("linuxx64.efi.stub"))
        #expect(stub.peOffset == 0x80)
        #expect(stub.coffHeader.machine == 0x8664)
        #expect(stub.coffHeader.numberOfSections == 8)
        #expect(stub.coffHeader.pointerToSymbolTable == 0x11400)
        #expect(stub.coffHeader.numberOfSymbols == 0x16A)
        #expect(stub.coffHeader.characteristics == 0x206)
        #expect(stub.optionalHeader.format == .pe32Plus)
        #expect(stub.optionalHeader.sizeOfInitializedData == 0x5000)
        #expect(stub.optionalHeader.addressOfEntryPoint == 0x4000)
        #expect(stub.optionalHeader.sectionAlignment == 0x200)
        #expect(stub.optionalHeader.fileAlignment == 0x200)
        #expect(stub.optionalHeader.sizeOfImage == 0x19300)
        #expect(stub.optionalHeader.sizeOfHeaders == 0x400)
        #expect(stub.optionalHeader.checkSum == 0x1AA6C)
        #expect(stub.optionalHeader.subsystem == 10)
        #expect(stub.sectionTableOffset == 0x188)
        #expect(
            stub.sections.map(\.name.string) == [
                ".text", ".reloc", ".data", ".dynamic", ".rela", ".dynsym", ".sbat", ".sdmagic",
            ])
        #expect(stub.certificateTable == nil)
        #expect(stub.symbolTable?.upperBound == 0x14561)
        #expect(stub.checkSumOffset == 0xD8)
    }

    @Test(arguments: [
        "linuxx64.efi.stub", "uki-unsigned.efi", "uki-signed.efi", "linuxx64.efi.stub.sbsigned", "uki-multiprofile.efi",
    ])
    func headersRoundTripByteExact(fixture: String) throws {
        let path = TestPaths.fixture(fixture)
        let image = try parse(path)
        let bytes = try readBytes(path)
        #expect(image.serializeHeaders() == Array(bytes.prefix(Int(image.optionalHeader.sizeOfHeaders))))
    }

    @Test func signedImageExposesItsCertificateTable() throws {
        let image = try parse(TestPaths.fixture("linuxx64.efi.stub.sbsigned"))
        #expect(image.certificateTable == 0x14568..<(0x14568 + 0x648))
    }

    /// sbsign computed these CheckSums (spec digest §1.8).
    @Test(arguments: [("uki-signed.efi", UInt32(0x0002_50C7)), ("linuxx64.efi.stub.sbsigned", 0x0001_C325)])
    func checksumMatchesSbsign(fixture: String, expected: UInt32) throws {
        var bytes = try readBytes(TestPaths.fixture(fixture))
        let image = try parse(TestPaths.fixture(fixture))
        #expect(image.optionalHeader.checkSum == expected)
        for index in 0..<4 { bytes[image.checkSumOffset + index] = 0 }
        // Feed in uneven pieces to exercise odd offsets.
        var checksum = PEChecksum()
        var position = 0
        var step = 1
        while position < bytes.count {
            let end = min(position + step, bytes.count)
            bytes[position..<end].withUnsafeBytes { checksum.update($0) }
            position = end
            step = step * 3 % 1021 + 1
        }
        #expect(checksum.finalize(fileSize: bytes.count) == expected)
    }

    /// Every prefix of the stub either parses or throws a PEError; none crashes, and a parsed prefix
    /// plans without trapping.
    @Test func everyPrefixOfTheStubFailsCleanly() throws {
        let directory = try TemporaryDirectory()
        let bytes = try readBytes(TestPaths.fixture("linuxx64.efi.stub"))
        let path = try directory.write("prefix", bytes)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let section = NewSection(
            name: try SectionName(".cmdline"), content: InMemoryBytes([1]), characteristics: SectionHeader.readableData)
        var parsed = 0
        for length in stride(from: bytes.count - 1, through: 0, by: -1) {
            try handle.truncate(atOffset: UInt64(length))
            do {
                let image = try parse(path)
                parsed += 1
                _ = try? PELayout(editing: image, adding: [section])
            } catch let error as PEError {
                #expect(error.path == path)
            }
        }
        #expect(parsed > 0)
    }

    @Test(arguments: [
        (0x00, [UInt8]([0x4D, 0x00]), PEErrorCode.notPE),
        (0x3C, [0xFF, 0xFF, 0xFF, 0x7F], .badSignature),
        (0x80, [0x50, 0x45, 0x00, 0x01], .badSignature),
        (0x98, [0x0C, 0x02], .unsupportedFormat),
        (0x94, [0x10, 0x00], .invalidField),
        (0x86, [0xFF, 0xFF], .truncated),
        (0x104, [0xFF, 0x00, 0x00, 0x00], .invalidField),
        (0xD4, [0x00, 0x00, 0x00, 0x00], .invalidField),
    ])
    func lyingHeadersAreTypedErrors(offset: Int, patch: [UInt8], expected: PEErrorCode) throws {
        var bytes = try readBytes(TestPaths.fixture("linuxx64.efi.stub"))
        bytes.replaceSubrange(offset..<(offset + patch.count), with: patch)
        let directory = try TemporaryDirectory()
        let path = try directory.write("bad.efi", bytes)
        #expect { _ = try parse(path) } throws: { error in
            (error as? PEError)?.code == expected && (error as? PEError)?.path == path
        }
    }
}
