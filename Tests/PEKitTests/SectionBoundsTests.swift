import BinaryIO
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import PEKit

/// Every section lies inside SizeOfImage (EDK2's loader rule) and the zero fill
/// past the raw data is bounded, checked once when the image is parsed.
@Suite struct SectionBoundsTests {
    /// `fixture` with one field of section `name`'s header replaced (and SizeOfImage, if given).
    static func patched(
        _ fixture: String, section name: String, fieldOffset: Int, value: UInt32, sizeOfImage: UInt32? = nil,
        in directory: TemporaryDirectory
    ) throws -> String {
        let image = try parse(TestPaths.fixture(fixture))
        let index = try #require(image.sections.firstIndex { $0.name.string == name })
        var bytes = try readBytes(TestPaths.fixture(fixture))
        let field = image.sectionTableOffset + index * SectionHeader.size + fieldOffset
        bytes.replaceSubrange(field..<(field + 4), with: withUnsafeBytes(of: value.littleEndian, Array.init))
        if let sizeOfImage {
            let offset = image.optionalHeaderOffset + 56
            bytes.replaceSubrange(
                offset..<(offset + 4), with: withUnsafeBytes(of: sizeOfImage.littleEndian, Array.init))
        }
        return try directory.write("patched.efi", bytes)
    }

    @Test(arguments: [".cmdline", ".linux", ".sbat"])
    func virtualSizeBeyondSizeOfImageIsRefused(section: String) throws {
        let directory = try TemporaryDirectory()
        let path = try Self.patched(
            "uki-unsigned.efi", section: section, fieldOffset: 8, value: 0xFFFF_FFFF, in: directory)
        #expect {
            _ = try parse(path)
        } throws: { error in
            guard let error = error as? PEError else { return false }
            return error.code == .invalidField && error.field == "section \(section) VirtualSize"
                && error.path == path && error.description.contains("SizeOfImage")
        }
    }

    @Test func virtualAddressBeyondSizeOfImageIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.patched(
            "linuxx64.efi.stub", section: ".sdmagic", fieldOffset: 12, value: 0x8000_0000, in: directory)
        #expect { _ = try parse(path) } throws: { ($0 as? PEError)?.field == "section .sdmagic VirtualAddress" }
    }

    /// A 4 GiB SizeOfImage does not make a 4 GiB section acceptable: the zero fill is bounded.
    @Test func hugeZeroFillIsRefusedEvenInsideSizeOfImage() throws {
        let directory = try TemporaryDirectory()
        let path = try Self.patched(
            "uki-unsigned.efi", section: ".cmdline", fieldOffset: 8, value: 0x8000_0000, sizeOfImage: 0xFFFF_FFFF,
            in: directory)
        #expect {
            _ = try parse(path)
        } throws: { error in
            (error as? PEError)?.field == "section .cmdline VirtualSize"
                && (error as? PEError)?.detail?.contains("zero-filled") == true
        }
    }

    /// The bound admits the zero fill right up to the limit.
    @Test func zeroFillUpToTheLimitParses() throws {
        let directory = try TemporaryDirectory()
        let image = try parse(TestPaths.fixture("uki-unsigned.efi"))
        let cmdline = try #require(image.section(named: ".cmdline"))
        let path = try Self.patched(
            "uki-unsigned.efi", section: ".cmdline", fieldOffset: 8,
            value: cmdline.sizeOfRawData + UInt32(PEImage.maximumZeroFill), sizeOfImage: 0xFFFF_FFFF, in: directory)
        #expect(try parse(path).section(named: ".cmdline")?.virtualSize == cmdline.sizeOfRawData + 0x1000_0000)
    }

    /// Every image we know of still parses: the fixtures, the installed systemd stubs, shim and
    /// GRUB, and Debian's kernel when scripts/fetch-kernel.sh has unpacked it.
    @Test func realImagesStillParse() throws {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: TestPaths.fixture(""))
            .filter { $0.hasSuffix(".efi") || $0.contains(".efi.") }
            .map { TestPaths.fixture($0) }
        var installed: [String] = []
        for directory in ["/usr/lib/systemd/boot/efi", "/usr/lib/shim", "/usr/lib/grub/x86_64-efi-signed"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            installed += names.filter { $0.contains(".efi") }.map { directory + "/" + $0 }
        }
        if let kernel = try? TestPaths.debianKernel() { installed.append(kernel.vmlinuz) }
        #expect(fixtures.count >= 8)
        for path in fixtures + installed where !path.hasSuffix(".der") {
            let image = try parse(path)
            for section in image.sections { _ = try image.memoryContent(of: section) }
        }
    }
}
