import BinaryIO
import BootCrypto
import JSON
import PEKit
import TestSupport
import Testing

@testable import TPMPolicy

/// The library side of systemd-measure 257 parity: --append documents, --current, .dtbauto candidates.
@Suite struct PCRSignatureDocumentTests {
    static func entry(_ policy: UInt8) -> PCRSignatureEntry {
        PCRSignatureEntry(pcrs: [11], keyFingerprint: [1, 2], policy: [policy], policyRef: nil, signature: [9])
    }

    @Test func keepsWhatItDoesNotKnowAndMovesSignedBanksLast() throws {
        var document = try PCRSignatureDocument(
            parsing: Array(#"{"sha256":[{"anything":true}],"note":"kept","sha1":[]}"#.utf8), origin: "in.json")
        var signatures = PCRSignatures()
        signatures.append(Self.entry(1), bank: .sha256)
        signatures.append(Self.entry(2), bank: .sha256)
        signatures.append(Self.entry(3), bank: .sha384)
        try document.add(signatures)
        try document.add(signatures)
        let expected = JSONValue.object([
            ("note", .string("kept")), ("sha1", .array([])),
            ("sha256", .array([.object([("anything", .bool(true))]), Self.entry(1).json, Self.entry(2).json])),
            ("sha384", .array([Self.entry(3).json])),
        ])
        #expect(document.json.rendered(.short, dialect: .systemd) == expected.rendered(.short, dialect: .systemd))
    }

    @Test(arguments: [(#"[1]"#, "not an object"), (#"{"sha256":{}}"#, "not an array"), ("nope", "not a .pcrsig")])
    func refusesWhatCannotBeAppendedTo(text: String, message: String) throws {
        var signatures = PCRSignatures()
        signatures.append(Self.entry(1), bank: .sha256)
        #expect {
            var document = try PCRSignatureDocument(parsing: Array(text.utf8), origin: "in.json")
            try document.add(signatures)
        } throws: { error in
            (error as? TPMPolicyError)?.code == .malformedInput && "\(error)".contains("in.json")
                && "\(error)".contains(message)
        }
    }
}

@Suite struct CurrentPCRTests {
    /// Phases on top of a given PCR value are the same extends as on top of the sections' value.
    @Test func phasesExtendTheCurrentValue() throws {
        let sections = [MeasuredSection(kind: .linux, content: InMemoryBytes([1, 2, 3]))]
        let measured = try PCR11Prediction(sections: sections, banks: [.sha256, .sha1])
        let current = PCR11Prediction(
            current: [(.sha1, measured.afterStub[.sha1] ?? []), (.sha256, measured.afterStub[.sha256] ?? [])])
        let phases = [PhasePath(words: []), PhasePath(words: ["enter-initrd", "leave-initrd"])]
        #expect(current.banks == [.sha1, .sha256])
        #expect(current.measured.isEmpty)
        for bank in [DigestAlgorithm.sha1, .sha256] {
            for phase in phases {
                #expect(try current.value(bank: bank, phase: phase) == measured.value(bank: bank, phase: phase))
            }
        }
    }
}

@Suite struct SectionCandidateTests {
    static func section(_ name: String, _ byte: UInt8) -> (name: String, content: any ByteSource) {
        (name, InMemoryBytes([byte]))
    }

    /// Two .dtbauto and two .efifw candidates: four lists, every combination, first candidates first.
    @Test func everyCombinationOfCandidates() throws {
        let all = [
            Self.section(".linux", 1), Self.section(".dtbauto", 2), Self.section(".efifw", 5),
            Self.section(".dtbauto", 3), Self.section(".efifw", 6), Self.section(".cmdline", 7),
            Self.section(".cmdline", 8),
        ]
        let lists = try UKIProfileSections.candidates(of: all, profile: 0, origin: "uki")
        let chosen = try lists.map { list in
            try list.map { "\($0.kind.rawValue)=\(try $0.content.readAll(limit: 8))" }
        }
        #expect(
            chosen == [
                [".linux=[1]", ".cmdline=[7]", ".dtbauto=[2]", ".efifw=[5]"],
                [".linux=[1]", ".cmdline=[7]", ".dtbauto=[2]", ".efifw=[6]"],
                [".linux=[1]", ".cmdline=[7]", ".dtbauto=[3]", ".efifw=[5]"],
                [".linux=[1]", ".cmdline=[7]", ".dtbauto=[3]", ".efifw=[6]"],
            ])
        #expect(
            try UKIProfileSections.sections(of: all, profile: 0, origin: "uki").map(\.kind)
                == [.linux, .cmdline, .dtbauto, .efifw])
    }

    /// A profile's candidates replace the base's; a profile without any keeps the base's.
    @Test func profileCandidatesReplaceTheBase() throws {
        let all = [
            Self.section(".linux", 1), Self.section(".dtbauto", 2), Self.section(".dtbauto", 3),
            Self.section(".profile", 10), Self.section(".dtbauto", 4), Self.section(".profile", 11),
        ]
        let inProfile0 = try UKIProfileSections.candidates(of: all, profile: 0, origin: "uki")
        let inProfile1 = try UKIProfileSections.candidates(of: all, profile: 1, origin: "uki")
        let dtbs = { (lists: [[MeasuredSection]]) in
            try lists.map { try $0.first { $0.kind == .dtbauto }?.content.readAll(limit: 8) ?? [] }
        }
        #expect(try dtbs(inProfile0) == [[4]])
        #expect(try dtbs(inProfile1) == [[2], [3]])
    }
}
