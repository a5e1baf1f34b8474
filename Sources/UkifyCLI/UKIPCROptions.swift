import ArgumentParser
import BinaryIO
import BootCrypto
import JSON
import PCRCLI
import PEKit
import SystemPackage
import TPMPolicy
import ToolSupport

/// `ukify build`'s PCR options, with systemd-ukify's names: signing keys in groups (each
/// `--pcr-private-key` with the `--pcr-public-key` and `--phases` at the same position, or a
/// `[PCRSignature:NAME]` config section), banks, `--measure`, and offline signing.
public struct UKIPCROptions: ParsableArguments {
    @Option(
        name: .customLong("pcr-private-key"),
        help: ArgumentHelp("Key that signs the PCR 11 policies (.pcrsig); repeatable, one per group.", valueName: "KEY")
    )
    public var privateKeys: [String] = []
    @Option(
        name: .customLong("pcr-public-key"),
        help: ArgumentHelp("Public key of the group's --pcr-private-key (checked against it).", valueName: "PATH"))
    public var publicKeys: [FilePath] = []
    @Option(
        name: .customLong("phases"),
        help: ArgumentHelp(
            "Space-separated phase paths the group signs for (default: the four of systemd-measure).",
            valueName: "PHASE-PATHS"))
    public var phases: [ArgumentList<PhasePath>] = []
    @Option(
        name: .customLong("pcr-banks"),
        help: ArgumentHelp("PCR banks to sign for, comma-separated; repeatable (default: sha256).", valueName: "BANKS"))
    public var banks: [ArgumentList<DigestAlgorithm>] = []
    @Flag(name: .customLong("measure"), help: "Print the PCR 11 values the UKI will produce (as measure calculate).")
    public var measure = false
    @Flag(
        name: .customLong("policy-digest"),
        help: "Print the PCR 11 policy digests to sign elsewhere (as measure policy-digest) instead of signing.")
    public var policyDigest = false
    @Option(
        name: .customLong("pcrsig"),
        help: ArgumentHelp("Signatures made elsewhere: a .pcrsig document to embed.", valueName: "TEXT|@PATH"))
    public var pcrsig: TextOrFile?
    @Option(
        name: .customLong("join-pcrsig"),
        help: ArgumentHelp("Another .pcrsig document whose signatures are merged in; repeatable.", valueName: "PATH"))
    public var joinPCRSignatures: [FilePath] = []

    public init() {}

    public func validate() throws {
        guard policyDigest || (publicKeys.count <= privateKeys.count && phases.count <= max(privateKeys.count, 1))
        else {
            throw ValidationError("--pcr-public-key and --phases pair with a --pcr-private-key each")
        }
    }
}

/// What `ukify build` does about PCR 11, resolved from ``UKIPCROptions`` and the config file.
public struct UKIPCRPlan: Sendable {
    public struct Group: Sendable {
        public var signer: PCRPolicySigner
        /// The public key file given for the signer, embedded as it is as `.pcrpkey`.
        public var publicKeyFile: FilePath?
        public var phases: [PhasePath]
    }

    public var groups: [Group]
    public var banks: [DigestAlgorithm]
    public var measure: Bool
    public var policyDigestOnly: Bool
    /// With `--policy-digest`: the phases of the first `--phases`, and the key of the first
    /// `--pcr-public-key` (its fingerprint goes into the output).
    public var digestPhases: [PhasePath]
    public var digestKeyFingerprint: [UInt8]?
    public var attached: [(origin: String, signatures: PCRSignatures)]

    /// Whether the build needs to look at PCR 11 at all.
    public var isActive: Bool { !groups.isEmpty || measure || policyDigestOnly || !attached.isEmpty }

    /// The `.pcrpkey` ukify embeds when none is given: the public key of the only group, its file
    /// as given, else derived from the private key.
    public func defaultPCRPublicKey() throws -> TextOrFile? {
        guard groups.count == 1 else { return nil }
        if let file = groups[0].publicKeyFile { return .file(file) }
        return .text(String(decoding: try groups[0].signer.privateKey.publicKeyPEM(), as: UTF8.self))
    }

    init(
        options: UKIPCROptions, keySource: PrivateKeySource, setting: (String) -> String?,
        configGroups: [(section: String, value: (String) -> String?)]
    ) throws {
        // Checked before any key is loaded; the signing groups may come from the config file.
        if options.policyDigest && !(options.privateKeys.isEmpty && configGroups.isEmpty) {
            throw ToolError("--policy-digest prints what to sign elsewhere; it excludes --pcr-private-key")
        }
        /// A config file's Phases=, parsed as --phases is.
        func configPhases(_ text: String?) throws -> [PhasePath]? {
            try text.map { try ArgumentList<PhasePath>.words($0).map { try PhasePath(parsing: $0) } }
        }
        var groups: [Group] = []
        func group(privateKey: String, publicKeyFile: FilePath?, phases: [PhasePath]?) throws -> Group {
            let publicKey = try publicKeyFile.map { try PublicKey.load(file: $0) }
            return Group(
                signer: try PCRPolicySigner(privateKey: try keySource.loadPrivateKey(privateKey), publicKey: publicKey),
                publicKeyFile: publicKeyFile, phases: phases ?? PhasePath.defaults)
        }
        for (index, privateKey) in options.privateKeys.enumerated() {
            groups.append(
                try group(
                    privateKey: privateKey, publicKeyFile: options.publicKeys.dropFirst(index).first,
                    phases: options.phases.dropFirst(index).first?.elements))
        }
        for (section, value) in configGroups {
            guard let privateKey = value("PCRPrivateKey") else {
                throw ToolError("[\(section)] needs PCRPrivateKey=")
            }
            groups.append(
                try group(
                    privateKey: privateKey, publicKeyFile: value("PCRPublicKey").map { FilePath($0) },
                    phases: try configPhases(value("Phases"))))
        }
        if options.privateKeys.isEmpty, let phases = options.phases.first, !groups.isEmpty {
            groups[0].phases = phases.elements
        }
        banks =
            try options.banks.isEmpty
            ? DigestAlgorithm.banks(named: ArgumentList<DigestAlgorithm>.words(setting("PCRBanks") ?? "sha256"))
            : DigestAlgorithm.allCases.filter(options.banks.flatMap(\.elements).contains)
        self.groups = groups
        measure = options.measure
        policyDigestOnly = options.policyDigest
        digestPhases = options.phases.first?.elements ?? PhasePath.defaults
        digestKeyFingerprint = try options.publicKeys.first.map {
            try TPMPublicKey(try PublicKey.load(file: $0)).fingerprint
        }
        var attached: [(String, PCRSignatures)] = []
        for document in (options.pcrsig.map { [$0] } ?? []) + options.joinPCRSignatures.map(TextOrFile.file) {
            let bytes = try document.source().readAll(limit: 16 << 20)
            attached.append((document.origin, try PCRSignatures(parsing: bytes, origin: document.origin)))
        }
        self.attached = attached
    }

    /// Predicts PCR 11 for `build` (with the rules of its stub), prints what was asked for, and
    /// returns the build with `.pcrsig` added when there are signatures. `print` receives stdout text.
    public func apply(to build: UKIBuild, print: (String) -> Void, note: (String) -> Void) throws -> UKIBuild {
        guard isActive else { return build }
        let names = build.addedSections
        guard names.contains(UKISectionKind.linux.rawValue) else {
            throw ToolError("PCR 11 prediction and signing need a UKI (--linux), not an addon")
        }
        guard !names.contains(UKISectionKind.profile.rawValue) else {
            throw ToolError("PCR 11 prediction and signing of profile UKIs is not supported; sign each profile's UKI")
        }
        for kind in [UKISectionKind.dtbauto, .efifw] where names.filter({ $0 == kind.rawValue }).count > 1 {
            throw ToolError(
                "PCR 11 depends on which \(kind.rawValue) the firmware selects; sign UKIs with one \(kind.rawValue) only"
            )
        }
        let rules: StubRules
        do {
            rules = try StubRules.detect(in: build.stub)
        } catch {
            note("\(error); predicting with the rules of current systemd-stub")
            rules = .current
        }
        note(rules.summary)
        let measured = try UKIProfileSections.sections(
            of: build.sections.map { ($0.name.string, $0.content) }, profile: 0, origin: "the UKI being built")
        if let size = try concurrentSignatureSize() {
            // Nothing to print and no documents to merge: sign while the other sections are written.
            let deferred = DeferredBytes(count: size) { [self] in
                Self.rendered(try signAll(try PCR11Prediction(sections: measured, banks: banks, rules: rules)))
            }
            return try build.appending(.pcrsig, content: deferred)
        }
        let signedPhases = Set(groups.flatMap(\.phases))
        let prediction = try PCR11Prediction(sections: measured, banks: banks, rules: rules)
        if measure {
            let shown =
                signedPhases.isEmpty ? PhasePath.defaults : signedPhases.sorted { $0.description < $1.description }
            for phase in shown {
                note(PCRRendering.phaseHeader(phase))
                print(
                    PCRRendering.lines(
                        try banks.map {
                            .init(bank: $0, phase: phase, value: try prediction.value(bank: $0, phase: phase))
                        }
                    ))
            }
        }
        if policyDigestOnly {
            let policies = try prediction.values(phases: digestPhases).map { try PCRPolicy($0, policyRef: nil) }
            print(
                PCRRendering.systemdText(
                    try PCRRendering.policyDigests(policies, banks: banks, keyFingerprint: digestKeyFingerprint),
                    style: .pretty))
        }
        var signatures = try signAll(prediction)
        // Policies attached documents are checked against: every phase path anyone would sign.
        let knownPaths = (0...PhasePath.knownWords.count).map {
            PhasePath(words: Array(PhasePath.knownWords.prefix($0)))
        }
        let expected =
            attached.isEmpty
            ? []
            : Set(
                try prediction.values(phases: Array(signedPhases.union(digestPhases).union(knownPaths))).map {
                    try PCRPolicy($0, policyRef: nil).policy
                })
        for (origin, document) in attached {
            let unmatched = document.banks.flatMap(\.entries).filter { !expected.contains($0.policy) }.count
            if unmatched > 0 {
                note("warning: \(origin): \(unmatched) signed policies match no predicted PCR 11 value of this UKI")
            }
            signatures.merge(document)
        }
        guard !signatures.isEmpty else { return build }
        return try build.appending(.pcrsig, content: InMemoryBytes(Self.rendered(signatures)))
    }

    /// Every group's signatures of the predicted values.
    private func signAll(_ prediction: PCR11Prediction) throws -> PCRSignatures {
        var signatures = PCRSignatures()
        for group in groups {
            for value in try prediction.values(phases: group.phases) {
                signatures.append(try group.signer.sign(try PCRPolicy(value, policyRef: nil)), bank: value.bank)
            }
        }
        return signatures
    }

    /// `.pcrsig` as ukify writes it: `json.dumps` text without a NUL.
    private static func rendered(_ signatures: PCRSignatures) -> [UInt8] {
        Array(signatures.json.rendered(.short, dialect: .python).utf8)
    }

    /// The size of the `.pcrsig` to come when it can be known before signing: only signing groups,
    /// fixed-size (RSA) signatures. Entries are laid out with stand-in policies that repeat exactly
    /// when real ones would (same key, bank and phase), so the size is the real size.
    private func concurrentSignatureSize() throws -> Int? {
        guard !groups.isEmpty, !measure, !policyDigestOnly, attached.isEmpty else { return nil }
        var placeholder = PCRSignatures()
        for group in groups {
            guard let size = try group.signer.signatureSize else { return nil }
            for bank in banks {
                for phase in group.phases {
                    let standIn = Digest.hash(.sha256, Array("\(bank.rawValue)/\(phase)".utf8))
                    placeholder.append(
                        PCRSignatureEntry(
                            pcrs: [PCRPolicy.pcr], keyFingerprint: group.signer.tpmKey.fingerprint, policy: standIn,
                            policyRef: nil, signature: [UInt8](repeating: 0, count: size)),
                        bank: bank)
                }
            }
        }
        return placeholder.isEmpty ? nil : Self.rendered(placeholder).count
    }
}
