import BinaryIO
import SystemPackage
import TestSupport
import Testing

@testable import PEKit

/// A minimal PE32 (ia32) EFI application assembled by hand from the PE/COFF field tables:
/// DOS header (e_lfanew 0x40), COFF header (Machine 0x14C, one section, SizeOfOptionalHeader 224),
/// PE32 optional header (BaseOfData present, 32-bit ImageBase and stack/heap sizes, 16 directories),
/// `.text` at RVA 0x1000 with 512 bytes of raw data at 0x200.
@Suite struct PE32Tests {
    static func image() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(Array("MZ".utf8))
        writer.writeZeros(0x3A)
        writer.write(UInt32(0x40))  // e_lfanew
        writer.write(Array("PE".utf8) + [0, 0])
        writer.write(UInt16(0x014C))  // Machine
        writer.write(UInt16(1))  // NumberOfSections
        writer.write(UInt32(0))  // TimeDateStamp
        writer.write(UInt32(0))  // PointerToSymbolTable
        writer.write(UInt32(0))  // NumberOfSymbols
        writer.write(UInt16(224))  // SizeOfOptionalHeader
        writer.write(UInt16(0x0102))  // EXECUTABLE_IMAGE | 32BIT_MACHINE
        writer.write(UInt16(0x010B))  // Magic PE32
        writer.write(UInt8(2)); writer.write(UInt8(30))  // linker version
        writer.write(UInt32(0x200))  // SizeOfCode
        writer.write(UInt32(0))  // SizeOfInitializedData
        writer.write(UInt32(0))  // SizeOfUninitializedData
        writer.write(UInt32(0x1000))  // AddressOfEntryPoint
        writer.write(UInt32(0x1000))  // BaseOfCode
        writer.write(UInt32(0))  // BaseOfData
        writer.write(UInt32(0x0040_0000))  // ImageBase (u32)
        writer.write(UInt32(0x1000))  // SectionAlignment
        writer.write(UInt32(0x200))  // FileAlignment
        writer.writeZeros(12)  // OS/image/subsystem versions
        writer.write(UInt32(0))  // Win32VersionValue
        writer.write(UInt32(0x2000))  // SizeOfImage
        writer.write(UInt32(0x200))  // SizeOfHeaders
        writer.write(UInt32(0))  // CheckSum
        writer.write(UInt16(10))  // Subsystem EFI_APPLICATION
        writer.write(UInt16(0))  // DllCharacteristics
        writer.write(UInt32(0x10000)); writer.write(UInt32(0x1000))  // stack reserve/commit (u32)
        writer.write(UInt32(0x10000)); writer.write(UInt32(0x1000))  // heap reserve/commit (u32)
        writer.write(UInt32(0))  // LoaderFlags
        writer.write(UInt32(16))  // NumberOfRvaAndSizes
        writer.writeZeros(16 * 8)
        writer.write(Array(".text".utf8) + [0, 0, 0])
        writer.write(UInt32(0x10)); writer.write(UInt32(0x1000))  // VirtualSize, VirtualAddress
        writer.write(UInt32(0x200)); writer.write(UInt32(0x200))  // SizeOfRawData, PointerToRawData
        writer.writeZeros(12)
        writer.write(UInt32(0x6000_0020))
        writer.writeZeros(0x200 - writer.bytes.count)
        writer.write([0x31, 0xC0, 0xC3])  // xor eax, eax; ret
        writer.writeZeros(0x400 - writer.bytes.count)
        return writer.bytes
    }

    @Test func parsesAndRoundTripsAPE32Image() throws {
        let directory = try TemporaryDirectory()
        let bytes = Self.image()
        let path = try directory.write("ia32.efi", bytes)
        let image = try parse(path)
        #expect(image.optionalHeader.format == .pe32)
        #expect(image.optionalHeader.imageBase == 0x40_0000)
        #expect(image.optionalHeader.dataDirectoryOffset == 96)
        #expect(image.optionalHeader.sizeOfStackReserve == 0x10000)
        #expect(image.sections.map(\.name.string) == [".text"])
        #expect(image.serializeHeaders() == Array(bytes.prefix(0x200)))
        let objdump = try run("objdump", ["-h", path])
        #expect(objdump.stdout.contains("pei-i386"), "\(objdump.stdout)")
    }

    @Test func addsSectionsToAPE32Stub() throws {
        let directory = try TemporaryDirectory()
        let stub = try directory.write("ia32.stub", Self.image())
        var request = UKIRequest(stub: FilePath(stub))
        request.cmdline = .text("console=ttyS0")
        let image = try build(request, in: directory, name: "ia32.addon.efi")
        try expectLayoutInvariants(image)
        #expect(image.optionalHeader.format == .pe32)
        #expect(image.sections.map(\.name.string) == [".text", ".cmdline", ".sbat"])
        #expect(image.section(named: ".cmdline")?.virtualAddress == 0x2000)
        #expect(image.optionalHeader.sizeOfImage == 0x4000)
        #expect(try content(of: ".text", in: image).prefix(3) == [0x31, 0xC0, 0xC3])
        let objdump = try run("objdump", ["-h", directory.file("ia32.addon.efi")])
        #expect(objdump.status == 0 && objdump.stdout.contains(".cmdline") && objdump.stdout.contains(".sbat"))
    }
}
