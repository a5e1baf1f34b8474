import BinaryIO
import BootCrypto
import JSON
import PEKit
import SystemPackage
import TestSupport
import Testing

@testable import TPMPolicy

@Suite struct PCR11PredictionTests {
    static let allBanks = DigestAlgorithm.allCases

    static func upstreamSections() throws -> [MeasuredSection] {
        [
            MeasuredSection(kind: .linux, content: try readBytesSource("measure/tpmdata1")),
            MeasuredSection(kind: .initrd, content: try readBytesSource("measure/tpmdata2")),
        ]
    }

    static func readBytesSource(_ fixture: String) throws -> InMemoryBytes {
        InMemoryBytes(try readBytes(TestPaths.fixture(fixture)))
    }

    /// `11:<bank>=<hex>` lines of systemd-measure's text output.
    static func expectedLines(_ fixture: String) throws -> [String] {
        String(decoding: try readBytes(TestPaths.fixture(fixture)), as: UTF8.self)
            .split(separator: "\n").filter { $0.hasPrefix("11:") }.map(String.init)
    }

    static func lines(_ values: [PCR11Prediction.Value]) -> [String] {
        values.map { "11:\($0.bank.rawValue)=\($0.value.hexString)" }
    }

    @Test func upstreamVectorWithoutPhase() throws {
        let prediction = try PCR11Prediction(sections: try Self.upstreamSections(), banks: Self.allBanks)
        #expect(
            Self.lines(try prediction.values(phases: [PhasePath(words: [])]))
                == (try Self.expectedLines("measure/expected-phase-none.txt")))
        #expect(prediction.measured == [.linux, .initrd])
    }

    /// systemd's test uses the word `foo`; the library extends any word (the CLI accepts known ones).
    @Test func upstreamVectorWithPhaseFoo() throws {
        let prediction = try PCR11Prediction(sections: try Self.upstreamSections(), banks: Self.allBanks)
        #expect(
            Self.lines(try prediction.values(phases: [PhasePath(words: ["foo"])]))
                == (try Self.expectedLines("measure/expected-phase-foo.txt")))
    }

    @Test func upstreamVectorDefaultPhases() throws {
        let prediction = try PCR11Prediction(sections: try Self.upstreamSections(), banks: Self.allBanks)
        let golden = try JSONValue(parsing: try readBytes(TestPaths.fixture("measure/expected-default-phases.json")))
        for bank in Self.allBanks {
            let expected = golden[bank.rawValue]!.arrayValue!.map { $0["hash"]!.stringValue! }
            let ours = try PhasePath.defaults.map { try prediction.value(bank: bank, phase: $0).hexString }
            #expect(ours == expected, "\(bank)")
        }
    }

    @Test func phaseParsing() throws {
        #expect(try PhasePath(parsing: "::enter-initrd::leave-initrd").description == "enter-initrd:leave-initrd")
        #expect(try PhasePath(parsing: ":").words.isEmpty)
        #expect(try PhasePath(parsing: "").words.isEmpty)
        #expect(throws: TPMPolicyError.self) { try PhasePath(parsing: "enter-initrd:foo") }
        #expect(throws: TPMPolicyError.self) { try DigestAlgorithm(bankName: "sha3") }
        #expect(try DigestAlgorithm(bankName: "SHA256") == .sha256)
    }

    static func uki(_ name: String) throws -> PEImage {
        try PEImage(file: try ReadableFile(path: FilePath(TestPaths.fixture(name))))
    }

    /// The v252 stub measures neither .uname nor .sbat; a v254+ stub measures both (spec §4.7).
    @Test func ukiVectorUsesTheStubsRules() throws {
        let image = try Self.uki("uki-unsigned.efi")
        let rules = try StubRules.detect(in: image)
        #expect(rules.version == 252)
        let sections = try UKIProfileSections.sections(of: image, profile: 0)
        let v252 = try PCR11Prediction(sections: sections, banks: [.sha256], rules: rules)
        #expect(
            try v252.value(bank: .sha256, phase: PhasePath(words: [])).hexString
                == "5f639a45db72981c7a8b3046966b12763da693a4aff2ec6c94b3386e95b7a924")
        #expect(
            try v252.value(bank: .sha256, phase: PhasePath(words: ["enter-initrd"])).hexString
                == "3e6c10d15ccc2b9a3677dd85f993f88c1ab1a60734f433da4d01cffc286b45f9")
        let v254 = try PCR11Prediction(
            sections: sections, banks: [.sha256], rules: StubRules(version: 254, evidence: "test"))
        #expect(
            try v254.value(bank: .sha256, phase: PhasePath(words: [])).hexString
                == "09f518a8294f00bb8a0823219965ad9c8393cf449aeaafc87f8ee4e741d9b346")
        #expect(
            try v254.value(bank: .sha256, phase: PhasePath(words: ["enter-initrd"])).hexString
                == "c279ad8c6149dfa35ab19b72bcc5b92cc1e8a74a1ddbf37e2167e81f2a82f704")
    }

    /// systemd-measure 252 calculate over the same inputs as uki-unsigned.efi, all banks and phases.
    @Test func ukiVectorMatchesSystemdMeasureCalculate() throws {
        let image = try Self.uki("uki-unsigned.efi")
        let prediction = try PCR11Prediction(
            sections: try UKIProfileSections.sections(of: image, profile: 0), banks: Self.allBanks,
            rules: try StubRules.detect(in: image))
        let golden = try JSONValue(
            parsing: try readBytes(TestPaths.fixture("measure/expected-pcr11-v252-calculate.json")))
        for bank in Self.allBanks {
            let expected = golden[bank.rawValue]!.arrayValue!.map { $0["hash"]!.stringValue! }
            #expect(try PhasePath.defaults.map { try prediction.value(bank: bank, phase: $0).hexString } == expected)
        }
    }

    @Test(arguments: [0, 1])
    func multiProfileUKI(profile: Int) throws {
        let image = try Self.uki("uki-multiprofile.efi")
        let prediction = try PCR11Prediction(
            sections: try UKIProfileSections.sections(of: image, profile: profile), banks: Self.allBanks,
            rules: StubRules(version: 257, evidence: "test"))
        let expected = try Self.expectedLines("measure/expected-pcr11-profile\(profile).txt")
        #expect(Self.lines(try prediction.values(phases: PhasePath.defaults)).sorted() == expected.sorted())
        #expect(throws: TPMPolicyError.self) { try UKIProfileSections.sections(of: image, profile: 2) }
    }

    @Test func aPEWithoutLinuxIsNotAUKI() throws {
        #expect(throws: TPMPolicyError.self) {
            try UKIProfileSections.sections(of: try Self.uki("linuxx64.efi.stub"), profile: 0)
        }
    }
}
