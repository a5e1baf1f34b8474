import BinaryIO
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import PEKit

@Suite struct UKIBuildTests {
    /// The sections of `uki-unsigned.efi` (assembled by a port of ukify) hold exactly what ours hold.
    @Test func sectionContentsEqualTheInputsAndTheUkifyVector() throws {
        let directory = try TemporaryDirectory()
        let ours = try build(vectorRequest(), in: directory)
        let vector = try parse(TestPaths.fixture("uki-unsigned.efi"))
        try expectLayoutInvariants(ours)
        for name in [
            ".osrel", ".cmdline", ".uname", ".pcrpkey", ".initrd", ".linux", ".text", ".data", ".reloc", ".sdmagic",
        ] {
            #expect(try content(of: name, in: ours) == content(of: name, in: vector), "\(name)")
        }
        #expect(try content(of: ".linux", in: ours) == readBytes(TestPaths.fixture("linux.bin")))
        #expect(try content(of: ".initrd", in: ours) == readBytes(TestPaths.fixture("initrd.bin")))
        #expect(try content(of: ".cmdline", in: ours) == readBytes(TestPaths.fixture("cmdline")))
        #expect(try content(of: ".sbat", in: ours) == readBytes(TestPaths.fixture("sbat.csv")))
        // ukify's section characteristics and header fields.
        #expect(ours.section(named: ".linux")?.characteristics == 0x4000_0020)
        #expect(ours.section(named: ".osrel")?.characteristics == 0x4000_0040)
        // The vector also counts its 0x1066-byte .pcrsig; ours appends the 0x134-byte .sbat.
        #expect(
            ours.optionalHeader.sizeOfInitializedData == vector.optionalHeader.sizeOfInitializedData - 0x1066 + 0x134)
        #expect(ours.coffHeader.characteristics == vector.coffHeader.characteristics)
    }

    /// The v252 stub's `.sbat` slot is 0x100 bytes before `.sdmagic`: a 0x134-byte SBAT must not
    /// be written over it (ukify's overlap bug); the section moves to the end instead.
    @Test func largeSBATMovesInsteadOfOverlapping() throws {
        let directory = try TemporaryDirectory()
        let image = try build(vectorRequest(), in: directory)
        let sbat = try #require(image.section(named: ".sbat"))
        #expect(sbat.virtualAddress > image.section(named: ".sdmagic")!.virtualAddress)
        #expect(image.sections.last?.name.string == ".sbat")
    }

    @Test func smallSBATReplacesTheStubsInPlace() throws {
        let directory = try TemporaryDirectory()
        var request = vectorRequest()
        request.sbat = [.text(SBATMerge.header + "\n")]
        let image = try build(request, in: directory)
        try expectLayoutInvariants(image)
        let stub = try parse(TestPaths.fixture("linuxx64.efi.stub"))
        let sbat = try #require(image.section(named: ".sbat"))
        #expect(sbat.virtualAddress == stub.section(named: ".sbat")!.virtualAddress)
        #expect(image.sections.count == stub.sections.count + 6)
        let stubSBAT = try content(of: ".sbat", in: stub)
        var expected = Array(stubSBAT.prefix { $0 != 0 })
        if expected.last == 0x0A { expected.removeLast() }
        #expect(try content(of: ".sbat", in: image) == expected + Array("\n\0".utf8))
    }

    @Test func headerGrowsWhenTheStubHasNoFreeSlots() throws {
        let directory = try TemporaryDirectory()
        var request = vectorRequest()
        var expected: [String: [UInt8]] = [:]
        for index in 0..<12 {
            let text = String(repeating: "payload \(index) ", count: index * 50 + 1)
            request.extraSections.append(.init(name: ".extra\(index)", content: .text(text)))
            expected[".extra\(index)"] = Array(text.utf8)
        }
        let image = try build(request, in: directory)
        try expectLayoutInvariants(image)
        #expect(image.optionalHeader.sizeOfHeaders > 0x400)
        for (name, bytes) in expected { #expect(try content(of: name, in: image) == bytes) }
        #expect(try content(of: ".linux", in: image) == readBytes(TestPaths.fixture("linux.bin")))
    }

    @Test func sameInputsGiveTheSameBytes() throws {
        let directory = try TemporaryDirectory()
        _ = try build(vectorRequest(), in: directory, name: "a.efi")
        _ = try build(vectorRequest(), in: directory, name: "b.efi")
        #expect(try readBytes(directory.file("a.efi")) == readBytes(directory.file("b.efi")))
    }

    @Test func severalInitrdsAreConcatenatedWithFourBytePadding() throws {
        let directory = try TemporaryDirectory()
        let first = try directory.write("first", [1, 2, 3, 4, 5])
        let second = try directory.write("second", [6, 7])
        var request = vectorRequest()
        request.initrds = [FilePath(first), FilePath(second)]
        let image = try build(request, in: directory)
        #expect(try content(of: ".initrd", in: image) == [1, 2, 3, 4, 5, 0, 0, 0, 6, 7, 0, 0])
    }

    @Test func literalCommandLineWhitespaceIsNormalized() throws {
        let directory = try TemporaryDirectory()
        var request = vectorRequest()
        request.cmdline = .text("  console=ttyS0 \n  quiet\t")
        let image = try build(request, in: directory)
        #expect(try content(of: ".cmdline", in: image) == Array("console=ttyS0 quiet".utf8))
    }

    @Test func addonGetsTheAddonSBATAndNoKernel() throws {
        let directory = try TemporaryDirectory()
        var request = UKIRequest(stub: FilePath(TestPaths.fixture("linuxx64.efi.stub")))
        request.cmdline = .text("debug")
        let image = try build(request, in: directory)
        try expectLayoutInvariants(image)
        #expect(image.section(named: ".linux") == nil)
        #expect(try content(of: ".cmdline", in: image) == Array("debug".utf8))
        #expect(try content(of: ".sbat", in: image) == Array((SBATMerge.defaultAddon + "\0").utf8))
    }

    @Test func profilesFollowTheBaseInOrder() throws {
        let directory = try TemporaryDirectory()
        var profileRequest = UKIRequest(stub: FilePath(TestPaths.fixture("linuxx64.efi.stub")))
        profileRequest.profile = .text("ID=factory-reset\nTITLE=Factory Reset\n")
        profileRequest.cmdline = .text("factory-reset")
        let profilePE = try build(profileRequest, in: directory, name: "profile.efi")
        // A profile PE gets no merged .sbat (ukify); the stub's own stays as it was.
        let stub = try parse(TestPaths.fixture("linuxx64.efi.stub"))
        #expect(try content(of: ".sbat", in: profilePE) == content(of: ".sbat", in: stub))
        #expect(profilePE.sections.map(\.name.string).suffix(2) == [".profile", ".cmdline"])

        var request = vectorRequest()
        request.profile = .text("ID=main\nTITLE=Main boot\n")
        request.joinProfiles = [FilePath(directory.file("profile.efi"))]
        let image = try build(request, in: directory)
        try expectLayoutInvariants(image)
        let names = image.sections.map(\.name.string)
        let firstProfile = try #require(names.firstIndex(of: ".profile"))
        #expect(Array(names[firstProfile...]) == [".profile", ".profile", ".cmdline"])
        #expect(try content(of: ".cmdline", in: image, occurrence: 1) == Array("factory-reset".utf8))

        let inspection = try UKIInspection(image: image)
        #expect(inspection.profiles.count == 2)
        #expect(inspection.profiles[1].map(\.name) == [".profile", ".cmdline"])
        #expect(inspection.profiles[1][1].text == "factory-reset")
        #expect(inspection.base.contains { $0.name == ".linux" })
    }

    @Test func inspectionHashesWhatTheStubMeasures() throws {
        let image = try parse(TestPaths.fixture("uki-unsigned.efi"))
        let inspection = try UKIInspection(image: image)
        let cmdline = try #require(inspection.base.first { $0.name == ".cmdline" })
        #expect(cmdline.size == 59)
        #expect(cmdline.text == String(decoding: try readBytes(TestPaths.fixture("cmdline")), as: UTF8.self))
        #expect(cmdline.sha256 == "9a78eb779a48232218f2ab624f008c2d7ab08067117277865d447b5a917db684")
        #expect(inspection.base.first { $0.name == ".linux" }?.text == nil)
        #expect(inspection.base.first { $0.name == ".text" }?.measured == nil)
    }

    @Test func signedStubIsRefused() throws {
        let directory = try TemporaryDirectory()
        var request = vectorRequest()
        request.stub = FilePath(TestPaths.fixture("linuxx64.efi.stub.sbsigned"))
        #expect { _ = try build(request, in: directory) } throws: { ($0 as? PEError)?.code == .signedImage }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func duplicateAndBadlyNamedSectionsAreRefused() throws {
        let directory = try TemporaryDirectory()
        var request = vectorRequest()
        request.extraSections = [.init(name: ".cmdline", content: .text("again"))]
        #expect { _ = try build(request, in: directory) } throws: { ($0 as? PEError)?.code == .duplicateSection }
        request.extraSections = [.init(name: ".sdmagic", content: .text("clash"))]
        #expect { _ = try build(request, in: directory) } throws: { ($0 as? PEError)?.code == .duplicateSection }
        request.extraSections = [.init(name: ".toolongname", content: .text("x"))]
        #expect { _ = try build(request, in: directory) } throws: { ($0 as? PEError)?.code == .invalidSectionName }
    }

    /// A VirtualSize from the file must not decide how much memory is allocated.
    @Test func hugeSBATVirtualSizeIsAnErrorNotAnAllocation() throws {
        let directory = try TemporaryDirectory()
        var bytes = try readBytes(TestPaths.fixture("linuxx64.efi.stub"))
        let sbatHeader = 0x188 + 6 * SectionHeader.size  // .sbat is the stub's 7th section
        bytes.replaceSubrange((sbatHeader + 8)..<(sbatHeader + 12), with: [0x00, 0xFF, 0xFF, 0xFF])
        var request = vectorRequest()
        request.stub = FilePath(try directory.write("stub", bytes))
        #expect { _ = try build(request, in: directory) } throws: { error in
            // Refused when the stub is parsed: the section ends beyond SizeOfImage.
            (error as? PEError)?.code == .invalidField && (error as? PEError)?.path == request.stub.string
                && (error as? PEError)?.field == "section .sbat VirtualSize"
        }
    }

    @Test func dataAfterTheSymbolTableIsRefused() throws {
        let directory = try TemporaryDirectory()
        let stub = try directory.write("stub", try readBytes(TestPaths.fixture("linuxx64.efi.stub")) + [1, 2, 3])
        var request = vectorRequest()
        request.stub = FilePath(stub)
        #expect { _ = try build(request, in: directory) } throws: { ($0 as? PEError)?.code == .trailingData }
    }

    /// Spec digest §4.1 (uki.h): the measurement order.
    @Test func sectionKindsAreInMeasurementOrder() {
        #expect(
            UKISectionKind.allCases.map(\.rawValue).joined(separator: " ")
                == ".linux .osrel .cmdline .initrd .ucode .splash .dtb .uname .sbat .pcrsig .pcrpkey .profile "
                + ".dtbauto .hwids .efifw"
        )
        #expect(UKISectionKind.allCases.filter { !$0.isMeasured } == [.pcrsig])
    }
}
