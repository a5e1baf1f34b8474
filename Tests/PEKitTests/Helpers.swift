import BinaryIO
import KernelProbe
import SystemPackage
import TestSupport
import Testing

@testable import PEKit

func parse(_ path: String) throws -> PEImage {
    try PEImage(file: ReadableFile(path: FilePath(path)))
}

/// The bytes the loader maps for a section (VirtualSize, zero-extended).
func content(of name: String, in image: PEImage, occurrence: Int = 0) throws -> [UInt8] {
    let sections = image.sections.filter { $0.name.string == name }
    try #require(sections.count > occurrence, "no \(name) #\(occurrence)")
    return try image.memoryContent(of: sections[occurrence]).readAll(limit: 1 << 30)
}

/// The request the spec vector `uki-unsigned.efi` was built from.
func vectorRequest() -> UKIRequest {
    var request = UKIRequest(stub: FilePath(TestPaths.fixture("linuxx64.efi.stub")))
    request.linux = FilePath(TestPaths.fixture("linux.bin"))
    request.initrds = [FilePath(TestPaths.fixture("initrd.bin"))]
    request.cmdline = .file(FilePath(TestPaths.fixture("cmdline")))
    request.osRelease = .file(FilePath(TestPaths.fixture("os-release")))
    request.uname = "6.1.0-test"
    request.pcrpkey = .file(FilePath(TestPaths.fixture("pcrpkey.pem")))
    return request
}

func build(_ request: UKIRequest, in directory: TemporaryDirectory, name: String = "uki.efi") throws -> PEImage {
    let output = directory.file(name)
    try UKIBuild(request).write(to: FilePath(output))
    return try parse(output)
}

/// Spec digest §1.6: what every image we write must satisfy. Sections kept from the stub keep
/// the stub's addresses (the v252 stub's `.sdmagic` is only 0x100-aligned).
func expectLayoutInvariants(_ image: PEImage, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let stub = try parse(TestPaths.fixture("linuxx64.efi.stub"))
    let stubAddresses = Set(stub.sections.map { "\($0.name)@\($0.virtualAddress)" })
    let optional = image.optionalHeader
    let fileAlignment = Int(optional.fileAlignment)
    let sectionAlignment = Int(optional.sectionAlignment)
    let tableEnd = image.sectionTableOffset + image.sections.count * SectionHeader.size
    #expect(Int(optional.sizeOfHeaders) % fileAlignment == 0, sourceLocation: sourceLocation)
    #expect(Int(optional.sizeOfHeaders) >= tableEnd, sourceLocation: sourceLocation)
    #expect(image.coffHeader.numberOfSections == image.sections.count, sourceLocation: sourceLocation)
    #expect(image.coffHeader.pointerToSymbolTable == 0, sourceLocation: sourceLocation)
    var previousEnd = UInt64(optional.sizeOfHeaders)
    for section in image.sections {
        if !stubAddresses.contains("\(section.name)@\(section.virtualAddress)") {
            #expect(
                Int(section.virtualAddress) % sectionAlignment == 0, "\(section.name) VA",
                sourceLocation: sourceLocation)
        }
        #expect(
            UInt64(section.virtualAddress) >= previousEnd, "\(section.name) overlaps in memory",
            sourceLocation: sourceLocation)
        previousEnd = section.virtualEnd
        #expect(
            section.sizeOfRawData >= section.virtualSize || section.name.string == ".text"
                || section.name.string == ".data",
            "\(section.name) raw size", sourceLocation: sourceLocation)
    }
    var fileOffset = Int(optional.sizeOfHeaders)
    for section in image.sections.filter({ $0.sizeOfRawData > 0 }).sorted(by: {
        $0.pointerToRawData < $1.pointerToRawData
    }) {
        #expect(
            Int(section.pointerToRawData) == fileOffset, "\(section.name) raw data not contiguous",
            sourceLocation: sourceLocation)
        #expect(Int(section.sizeOfRawData) % fileAlignment == 0, sourceLocation: sourceLocation)
        fileOffset += Int(section.sizeOfRawData)
    }
    #expect(fileOffset == image.file.size, "data after the last section", sourceLocation: sourceLocation)
    let imageEnd = image.sections.map(\.virtualEnd).max() ?? 0
    #expect(
        UInt64(optional.sizeOfImage) == (imageEnd + UInt64(sectionAlignment) - 1) / UInt64(sectionAlignment)
            * UInt64(sectionAlignment),
        sourceLocation: sourceLocation)
    #expect(
        image.sections.filter { $0.name.string == ".sbat" }.count <= 1, "shim accepts one .sbat",
        sourceLocation: sourceLocation)
}
