import BinaryIO
import BootCrypto
import PEKit

/// One section's content as systemd-stub would measure it.
public struct MeasuredSection: Sendable {
    public let kind: UKISectionKind
    public let content: any ByteSource

    public init(kind: UKISectionKind, content: any ByteSource) {
        self.kind = kind
        self.content = content
    }
}

/// The PCR 11 values a UKI produces (spec digest §4.1): for every bank, the stub extends
/// H(name + NUL) and H(content) for each non-empty measured section in ``UKISectionKind`` order,
/// then userspace extends H(word) for each phase word.
public struct PCR11Prediction: Sendable {
    /// One expected value.
    public struct Value: Sendable, Equatable {
        public let bank: DigestAlgorithm
        public let phase: PhasePath
        public let value: [UInt8]

        public init(bank: DigestAlgorithm, phase: PhasePath, value: [UInt8]) {
            self.bank = bank
            self.phase = phase
            self.value = value
        }
    }

    /// PCR 11 right after the stub, per bank.
    public let afterStub: [DigestAlgorithm: [UInt8]]
    public let banks: [DigestAlgorithm]
    /// The sections extended, in order.
    public let measured: [UKISectionKind]

    /// Hashes `sections` (each byte read once for all banks; content already hashed on its way
    /// out, ``HashedContent``, is not read again) and extends them in measurement
    /// order. Sections that the rules do not measure (never `.pcrsig`) and empty ones are skipped;
    /// repeated banks count once.
    public init(sections: [MeasuredSection], banks: [DigestAlgorithm], rules: StubRules = .current) throws {
        var seen: Set<DigestAlgorithm> = []
        let banks = banks.filter { seen.insert($0).inserted }
        let hasher = MultiBankHasher(banks: banks)
        let order = rules.measuredKinds
        var pcr = Dictionary(uniqueKeysWithValues: banks.map { ($0, [UInt8](repeating: 0, count: $0.digestSize)) })
        var measured: [UKISectionKind] = []
        let selected = sections.filter { order.contains($0.kind) && $0.content.count > 0 }
        for kind in order {
            for section in selected where section.kind == kind {
                let contentDigests = try Self.digests(of: section.content, banks: banks, hasher: hasher)
                for bank in banks {
                    let nameDigest = Digest.hash(bank, Array(kind.rawValue.utf8) + [0])
                    pcr[bank] = Self.extend(pcr[bank]!, with: nameDigest, bank: bank)
                    pcr[bank] = Self.extend(pcr[bank]!, with: contentDigests[bank]!, bank: bank)
                }
                measured.append(kind)
            }
        }
        afterStub = pcr
        self.banks = banks
        self.measured = measured
    }

    /// The content's digest in every bank: the ones computed while it was written, for content
    /// hashed that way in all these banks, else by reading it.
    private static func digests(
        of content: any ByteSource, banks: [DigestAlgorithm], hasher: MultiBankHasher
    ) throws -> [DigestAlgorithm: [UInt8]] {
        if let hashed = content as? HashedContent, banks.allSatisfy(hashed.algorithms.contains) {
            return try hashed.digests()
        }
        return try hasher.digests(of: content)
    }

    /// PCR 11 as it is now, per bank (a TPM's values, systemd-measure's `--current`): phases are
    /// extended on top of these, no section is measured.
    public init(current values: [(bank: DigestAlgorithm, value: [UInt8])]) {
        var seen: Set<DigestAlgorithm> = []
        let unique = values.filter { seen.insert($0.bank).inserted }
        afterStub = Dictionary(uniqueKeysWithValues: unique.map { ($0.bank, $0.value) })
        banks = unique.map(\.bank)
        measured = []
    }

    /// `H(pcr || digest)`: what TPM2_PCR_Extend does.
    public static func extend(_ pcr: [UInt8], with digest: [UInt8], bank: DigestAlgorithm) -> [UInt8] {
        Digest.hash(bank, pcr + digest)
    }

    /// PCR 11 after `phase`'s words have been extended.
    public func value(bank: DigestAlgorithm, phase: PhasePath) throws -> [UInt8] {
        guard var pcr = afterStub[bank] else {
            throw TPMPolicyError(.invalidArgument, "bank \(bank.rawValue) was not computed")
        }
        for word in phase.words {
            pcr = Self.extend(pcr, with: Digest.hash(bank, Array(word.utf8)), bank: bank)
        }
        return pcr
    }

    /// Every (bank, phase) value, banks outermost, in the order given.
    public func values(phases: [PhasePath]) throws -> [Value] {
        try banks.flatMap { bank in
            try phases.map { Value(bank: bank, phase: $0, value: try value(bank: bank, phase: $0)) }
        }
    }
}
