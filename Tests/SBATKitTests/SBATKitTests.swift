import BinaryIO
import EFIVariables
import JSON
import PEKit
import SystemPackage
import TestSupport
import Testing

@testable import SBATKit

/// Every case of the spec's vectors, whose results come from shim's own csv.c/sbat.c compiled in
/// a host harness.
@Suite struct ShimVectorTests {
    static func cases(_ group: String) throws -> [JSONValue] {
        let vectors = try JSONValue(parsing: try readBytes(TestPaths.fixture("sbat/sbat-vectors.json")))
        return try #require(vectors[group]?.arrayValue)
    }

    static func bytes(_ hex: String) -> [UInt8] { [UInt8](hexString: hex)! }

    @Test func sectionParsing() throws {
        for vector in try Self.cases("section_parse") {
            let name = vector["name"]!.stringValue!
            let input = Self.bytes(vector["input_hex"]!.stringValue!)
            let parsed = try? SBATSection(parsing: input, origin: name)
            if vector["status"]!.stringValue! == "EFI_SUCCESS" {
                let expected = vector["entries"]!.arrayValue!.map { $0.arrayValue!.compactMap(\.stringValue) }
                #expect(
                    parsed?.entries.map { $0.fields.map { String(decoding: $0, as: UTF8.self) } } == expected, "\(name)"
                )
            } else {
                #expect(parsed == nil, "\(name)")
            }
        }
    }

    @Test func levelParsing() throws {
        for vector in try Self.cases("var_parse") {
            let name = vector["name"]!.stringValue!
            let parsed = try? SBATLevel(parsing: Self.bytes(vector["input_hex"]!.stringValue!), origin: name)
            if vector["status"]!.stringValue! == "EFI_SUCCESS" {
                let expected = vector["entries"]!.arrayValue!.map { $0.arrayValue!.compactMap(\.stringValue) }
                let ours = parsed?.rows.map { row in
                    [row.component, row.generationText] + (row.datestamp.map { [$0] } ?? [])
                }.map { $0.map { String(decoding: $0, as: UTF8.self) } }
                #expect(ours == expected, "\(name)")
            } else {
                #expect(parsed == nil, "\(name)")
            }
        }
    }

    @Test func verdicts() throws {
        for vector in try Self.cases("verify") {
            let name = vector["name"]!.stringValue!
            let level = try SBATLevel(parsing: Array((vector["level_text"]!.stringValue!).utf8), origin: name)
            let sectionText = (vector["section_text"]?.stringValue ?? "")
            let revoked = vector["status"]!.stringValue! == "EFI_SECURITY_VIOLATION"
            if sectionText.isEmpty {
                // No .sbat at all: shim refuses images it loads itself whenever the level is not empty.
                #expect(revoked && !level.rows.isEmpty, "\(name)")
                continue
            }
            let section = try SBATSection(parsing: Array(sectionText.utf8), origin: name)
            let verdict = level.verdict(for: section)
            #expect((verdict != .allowed) == revoked, "\(name): \(verdict)")
        }
    }

    @Test func neverDowngrade() throws {
        for vector in try Self.cases("preserve") {
            let name = vector["name"]!.stringValue!
            let current = Array(
                Self.bytes(vector["current_hex"]!.stringValue!).prefix(vector["current_size"]!.integerValue!))
            let keeps = SBATLevel.keepsCurrent(
                current, attributes: UInt32(vector["current_attributes"]!.integerValue!),
                over: Array((vector["candidate_text"]!.stringValue!).utf8))
            #expect(keeps == (vector["preserve"] == .bool(true)), "\(name)")
        }
    }

    @Test func shimUnitTestBuffers() throws {
        for vector in try Self.cases("test_sbat_c_direct") {
            let name = vector["name"]!.stringValue!
            let buffer = Array(Self.bytes(vector["buffer_hex"]!.stringValue!).prefix(vector["size_arg"]!.integerValue!))
            let parsed = try? SBATSection(parsing: buffer, origin: name)
            if vector["status"]!.stringValue! == "EFI_SUCCESS" {
                #expect(parsed?.entries.count == vector["n"]?.integerValue, "\(name)")
            } else {
                #expect(parsed == nil, "\(name)")
            }
        }
    }
}

@Suite struct BuiltinLevelTests {
    /// Our table equals the payloads in shim's SbatLevel_Variable.txt (blocks start at an
    /// 18-byte `sbat,1,<date>` line and end at a blank line, as shim's generator reads them).
    @Test func tableMatchesShimsFile() throws {
        let text = String(decoding: try readBytes(TestPaths.fixture("sbat/SbatLevel_Variable.txt")), as: UTF8.self)
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("sbat,1,"), line.count == 17 {
                current = [line]
            } else if current != nil, line.isEmpty {
                blocks.append(current!.joined(separator: "\n") + "\n")
                current = nil
            } else if current != nil {
                current!.append(line)
            }
        }
        if let current { blocks.append(current.joined(separator: "\n") + "\n") }
        #expect(BuiltinLevels.all.map { String(decoding: $0.payload, as: UTF8.self) } == blocks)
        #expect(BuiltinLevels.automatic.datestamp == "2024040900")
        #expect(BuiltinLevels.latest.datestamp == "2025051000")
        #expect(try BuiltinLevels.named("previous").datestamp == "2024040900")
        #expect(throws: SBATError.self) { try BuiltinLevels.named("newest") }
    }

    /// shim's SbatLevelRT as efivarfs shows it (vector from a real shim boot).
    @Test func liveLevelFromAVariableDirectory() throws {
        let directory = try TemporaryDirectory()
        let name = "SbatLevelRT-605dab50-e046-4300-abb6-3dd810dd8b23"
        _ = try directory.write(name, try readBytes(TestPaths.fixture("sbat/\(name)")))
        let level = try SBATLevel.live(from: EFIVariableDirectory(FilePath(directory.path)))
        #expect(level.datestamp == "2021030218")
        #expect(throws: SBATError.self) {
            try SBATLevel.live(from: EFIVariableDirectory(FilePath(TestPaths.fixture("measure"))))
        }
        #expect(throws: BinaryIOError.self) {
            try SBATLevel.live(from: EFIVariableDirectory(FilePath("/nonexistent")))
        }
    }
}

@Suite struct ImageSBATTests {
    @Test func stubAndUKI() throws {
        let stub = try PEImage(file: try ReadableFile(path: FilePath(TestPaths.fixture("linuxx64.efi.stub"))))
        let section = try ImageSBAT.section(of: stub)
        #expect(section.entries.map(\.component) == ["sbat", "systemd", "systemd.debian"])
        let uki = try PEImage(file: try ReadableFile(path: FilePath(TestPaths.fixture("uki-unsigned.efi"))))
        #expect(try ImageSBAT.section(of: uki).entries.map(\.component).last == "uki")
        // linux.bin in the vector UKI is not a PE.
        #expect(ImageSBAT.embeddedKernel(of: uki) == nil)
    }

    @Test func lintFindsWhatShimMisreads() {
        let text = "sbat,1,SBAT Version,sbat,1,https://x\ngrub,3x,\"FSF, Inc\",grub,2.06,https://y\nshim,1,a,b\n\0junk"
        let problems = SBATLint.problems(Array(text.utf8))
        // Line 2: a quote in two columns, a blank, "3x", a 7th column; line 3: 4 columns; line 4: after the NUL.
        #expect(problems.map(\.line) == [2, 2, 2, 2, 2, 3, 4])
        #expect(problems.filter(\.rejected).map(\.line) == [3])
        #expect(SBATLint.problems(Array("\(SBATLint.header)\nuki,1,UKI,uki,1,https://u\n".utf8)).isEmpty)
    }
}

/// Cases found by reading shim's csv.c and sbat.c beyond the spec's vectors.
@Suite struct ShimSourceCaseTests {
    /// After two or more line-break bytes shim steps over a NUL as an empty line and reads on;
    /// after one it stops.
    @Test(arguments: [
        ("sbat,1,S,sbat,1,u\r\n\0grub,1,G,grub,1,u\n", 2), ("sbat,1,S,sbat,1,u\n\n\0grub,1,G,grub,1,u\n", 2),
        ("sbat,1,S,sbat,1,u\n\0grub,1,G,grub,1,u\n", 1), ("sbat,1,S,sbat,1,u\0grub,1,G,grub,1,u\n", 1),
    ])
    func nulAfterLineBreaks(text: String, rows: Int) throws {
        #expect(try SBATSection(parsing: Array(text.utf8), origin: "t").entries.count == rows)
    }

    /// A first `.sbat` shim passes over (SizeOfRawData below VirtualSize) does not count as a duplicate.
    @Test func unusableFirstSBATIsPassedOver() throws {
        let directory = try TemporaryDirectory()
        var bytes = try readBytes(TestPaths.fixture("linuxx64.efi.stub"))
        let image = try PEImage(file: try ReadableFile(path: FilePath(TestPaths.fixture("linuxx64.efi.stub"))))
        let index = try #require(image.sections.firstIndex { $0.name.string == ".sdmagic" })
        // Rename .sdmagic (after .sbat) to a second .sbat, and make the first one unusable (VirtualSize > raw).
        let table = image.sectionTableOffset
        bytes.replaceSubrange((table + 40 * index)..<(table + 40 * index + 8), with: Array(".sbat".utf8) + [0, 0, 0])
        let first = try #require(image.sections.firstIndex { $0.name.string == ".sbat" })
        bytes.replaceSubrange((table + 40 * first + 8)..<(table + 40 * first + 12), with: [0, 0x10, 0, 0])
        // SizeOfImage grows with it (0x1A000), or the parser refuses the section as not loadable.
        let sizeOfImage = image.optionalHeaderOffset + 56
        bytes.replaceSubrange(sizeOfImage..<(sizeOfImage + 4), with: [0, 0xA0, 0x01, 0])
        let path = try directory.write("two.efi", bytes)
        let data = try ImageSBAT.data(of: try PEImage(file: try ReadableFile(path: FilePath(path))))
        #expect(String(decoding: try #require(data), as: UTF8.self).hasPrefix("#### LoaderInfo"))
    }

    /// The never-downgrade rule finds fields by commas only, as shim's nth_sbat_field.
    @Test func preserveReadsFieldsLikeShim() {
        #expect(
            SBATLevel.keepsCurrent(
                Array("sbat,1\nshim,2,XXXXXXXXXX".utf8), attributes: 3, over: Array("sbat,1,2021030218\n".utf8)))
        #expect(
            !SBATLevel.keepsCurrent(
                Array("sbat,1,2024\naaaaaaa".utf8), attributes: 3, over: Array("sbat,1,2024\nzzzzzzz".utf8)))
        #expect(throws: SBATError.self) { try SBATLevel(parsing: [], origin: "empty") }
    }
}
