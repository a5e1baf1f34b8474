import BinaryIO
import BootCrypto
import JSON
import PEKit
import SystemPackage
import TPMPolicy

/// What a build does about PCR 11, resolved from ``PCRSettings``: the signing groups with their
/// keys loaded, the banks, and what to print. ``apply(to:output:)`` predicts each profile's
/// values with the rules of the stub inside the UKI and places each profile's signatures in a
/// `.pcrsig` at the end of that profile's group of sections, as ukify 257 does.
public struct PCRSigningPlan: Sendable {
    public struct Group: Sendable {
        public var signer: PCRPolicySigner
        /// The public key file given for the signer, embedded as it is as `.pcrpkey` (nil when
        /// none was given or it came from a provider's store).
        public var publicKeyFile: FilePath?
        public var phases: [PhasePath]
    }

    /// The banks ukify 257 signs for when none are named: all four.
    public static let defaultBanks = DigestAlgorithm.allCases

    public var groups: [Group]
    public var banks: [DigestAlgorithm]
    public var measure: Bool
    public var measureJSON: JSONStyle
    public var policyDigestOnly: Bool
    /// With `--policy-digest`: the phases of the first `--phases`, and the key of the first
    /// `--pcr-public-key` (its fingerprint goes into the output).
    public var digestPhases: [PhasePath]
    public var digestKeyFingerprint: [UInt8]?
    public var attached: [(origin: String, signatures: PCRSignatures)]
    /// Each profile's `.pcrsig` from a signature bundle (`origin`), embedded when the rebuilt
    /// profile produces the PCR 11 values it signs.
    public var imported: (origin: String, profiles: [SignatureBundle.ProfileSignatures])?
    /// Whether ``apply(to:output:)`` signs before anything is written (not while writing) and
    /// returns each profile's signatures, for a signature bundle or a hash-only signer's rounds.
    public var recordsSignatures = false

    /// Whether the build needs to look at PCR 11 at all.
    public var isActive: Bool {
        !groups.isEmpty || measure || policyDigestOnly || !attached.isEmpty || imported != nil
    }

    /// The `.pcrpkey` ukify embeds when none is given: the public key of the only group, its file
    /// as given, else as PEM.
    public func defaultPCRPublicKey() throws -> TextOrFile? {
        guard groups.count == 1 else { return nil }
        if let file = groups[0].publicKeyFile { return .file(file) }
        return .text(String(decoding: try groups[0].signer.publicKey.pem(), as: UTF8.self))
    }

    /// `externalSigner`: signing is hash-only, done elsewhere: each group is a public key
    /// (`--pcr-public-key`, `PCRPublicKey=`) whose signatures `externalSigner` provides.
    public init(
        _ settings: PCRSettings, keySource: PrivateKeySource, certificateSource: CertificateSource,
        externalSigner: ((PublicKey) throws -> any MessageSigner)? = nil
    ) throws {
        // Checked before any key is loaded; the signing groups may come from the config file.
        if settings.policyDigest && !(settings.privateKeys.isEmpty && settings.configGroups.isEmpty) {
            throw UKIAssemblyError(
                .invalidSetting, "--policy-digest prints what to sign elsewhere; it excludes --pcr-private-key")
        }
        if externalSigner != nil && !settings.privateKeys.isEmpty {
            throw UKIAssemblyError(
                .invalidSetting,
                "hash-only signing (--export-digests, or answers to import) takes --pcr-public-key, not --pcr-private-key"
            )
        }
        if let externalSigner {
            try self.init(settings, certificateSource: certificateSource, externalSigner: externalSigner)
            return
        }
        if !settings.policyDigest
            && (settings.publicKeys.count > settings.privateKeys.count
                || settings.phases.count > max(settings.privateKeys.count, 1))
        {
            throw UKIAssemblyError(.invalidSetting, "--pcr-public-key and --phases pair with a --pcr-private-key each")
        }
        func group(privateKey: String, publicKeyFile: FilePath?, phases: [PhasePath]?) throws -> Group {
            let publicKey = try publicKeyFile.map { try certificateSource.loadPublicKey($0.string) }
            return Group(
                signer: try PCRPolicySigner(privateKey: try keySource.loadPrivateKey(privateKey), publicKey: publicKey),
                publicKeyFile: certificateSource == .file ? publicKeyFile : nil, phases: phases ?? PhasePath.defaults)
        }
        var groups: [Group] = []
        for (index, privateKey) in settings.privateKeys.enumerated() {
            groups.append(
                try group(
                    privateKey: privateKey, publicKeyFile: settings.publicKeys.dropFirst(index).first,
                    phases: settings.phases.dropFirst(index).first))
        }
        for configGroup in settings.configGroups {
            guard let privateKey = configGroup.privateKey else {
                throw UKIAssemblyError(.invalidSetting, "[\(configGroup.section)] needs PCRPrivateKey=")
            }
            groups.append(
                try group(privateKey: privateKey, publicKeyFile: configGroup.publicKey, phases: configGroup.phases))
        }
        if settings.privateKeys.isEmpty, let phases = settings.phases.first, !groups.isEmpty {
            groups[0].phases = phases
        }
        try self.init(settings, groups: groups, certificateSource: certificateSource)
    }

    /// Groups of public keys whose signatures are made elsewhere, over digests.
    private init(
        _ settings: PCRSettings, certificateSource: CertificateSource,
        externalSigner: (PublicKey) throws -> any MessageSigner
    ) throws {
        guard settings.phases.count <= max(settings.publicKeys.count, 1) else {
            throw UKIAssemblyError(.invalidSetting, "--phases pairs with a --pcr-public-key each")
        }
        func group(_ publicKeyFile: FilePath, phases: [PhasePath]?) throws -> Group {
            let publicKey = try certificateSource.loadPublicKey(publicKeyFile.string)
            return Group(
                signer: try PCRPolicySigner(signer: try externalSigner(publicKey), publicKey: publicKey),
                publicKeyFile: certificateSource == .file ? publicKeyFile : nil, phases: phases ?? PhasePath.defaults)
        }
        var groups = try settings.publicKeys.enumerated().map { index, publicKey in
            try group(publicKey, phases: settings.phases.dropFirst(index).first)
        }
        for configGroup in settings.configGroups {
            guard let publicKey = configGroup.publicKey else {
                throw UKIAssemblyError(
                    .invalidSetting, "[\(configGroup.section)] needs PCRPublicKey= for hash-only signing")
            }
            groups.append(try group(publicKey, phases: configGroup.phases))
        }
        if settings.publicKeys.isEmpty, let phases = settings.phases.first, !groups.isEmpty {
            groups[0].phases = phases
        }
        try self.init(settings, groups: groups, certificateSource: certificateSource)
    }

    private init(_ settings: PCRSettings, groups: [Group], certificateSource: CertificateSource) throws {
        self.groups = groups
        banks =
            settings.banks.map { requested in DigestAlgorithm.allCases.filter(requested.contains) }
            ?? Self.defaultBanks
        measure = settings.measure
        measureJSON = settings.measureJSON
        policyDigestOnly = settings.policyDigest
        digestPhases = settings.phases.first ?? PhasePath.defaults
        digestKeyFingerprint = try settings.publicKeys.first.map {
            try TPMPublicKey(try certificateSource.loadPublicKey($0.string)).fingerprint
        }
        var attached: [(String, PCRSignatures)] = []
        for document in (settings.pcrsig.map { [$0] } ?? []) + settings.joinPCRSignatures.map(TextOrFile.file) {
            let bytes = try document.source().readAll(limit: 16 << 20)
            attached.append((document.origin, try PCRSignatures(parsing: bytes, origin: document.origin)))
        }
        self.attached = attached
    }

    /// Predicts PCR 11 for each profile of `build` (with the rules of its stub), reports what was
    /// asked for, and returns the build with each profile's `.pcrsig` added where there are
    /// signatures, and (with ``recordsSignatures``) those signatures with the values they sign.
    public func apply(
        to build: UKIBuild, output: UKIAssembly.Output
    ) throws -> (build: UKIBuild, signed: [SignatureBundle.ProfileSignatures]) {
        guard isActive else { return (build, []) }
        let names = build.addedSections
        guard names.contains(UKISectionKind.linux.rawValue) else {
            throw UKIAssemblyError(.invalidSetting, "PCR 11 prediction and signing need a UKI (--linux), not an addon")
        }
        let profileStarts = names.indices.filter { names[$0] == UKISectionKind.profile.rawValue }
        if policyDigestOnly && !profileStarts.isEmpty {
            throw UKIAssemblyError(
                .invalidSetting,
                "--policy-digest prints one profile's digests; for a UKI with profiles use "
                    + "`measure policy-digest --uki=FILE --profile=N` on the unsigned UKI")
        }
        let rules: StubRules
        do {
            rules = try StubRules.detect(in: build.stub)
        } catch {
            output.note("\(error); predicting with the rules of current systemd-stub")
            rules = .current
        }
        output.note(rules.summary)
        let all = build.sections.map { (name: $0.name.string, content: $0.content) }
        // Each profile's .pcrsig closes its group: before the next .profile, or at the end.
        let groupEnds = Array(profileStarts.dropFirst()) + [all.count]
        // One list of measured sections per combination of `.dtbauto`/`.efifw` candidates the stub
        // may select; each profile's .pcrsig signs the values of all of them, as ukify 257 does.
        let candidates = try groupEnds.indices.map { profile in
            try UKIProfileSections.candidates(of: all, profile: profile, origin: "the UKI being built")
        }
        if let imported {
            return (
                try build.inserting(
                    try embedding(imported, groupEnds: groupEnds, candidates: candidates, rules: rules)), []
            )
        }
        var insertions: [UKIBuild.Insertion] = []
        if !recordsSignatures, candidates.allSatisfy({ $0.count == 1 }), let size = try concurrentSignatureSize() {
            // Nothing to print and no documents to merge: the measured sections are hashed on other
            // cores as they are written, and each .pcrsig is signed from their digests when the
            // writer reaches it, after its profile's sections.
            let hashed = try build.hashingWhileWritten(Set(rules.measuredKinds.map(\.rawValue)), algorithms: banks)
            let all = hashed.sections.map { (name: $0.name.string, content: $0.content) }
            for (profile, end) in groupEnds.enumerated() {
                let sections = try UKIProfileSections.sections(of: all, profile: profile, origin: "the UKI being built")
                let deferred = DeferredBytes(count: size) { [self] in
                    Self.rendered(try signAll(try PCR11Prediction(sections: sections, banks: banks, rules: rules)))
                }
                insertions.append(.init(before: end, kind: .pcrsig, content: deferred))
            }
            return (try hashed.inserting(insertions), [])
        }
        var perProfile: [(end: Int, predictions: [PCR11Prediction], signatures: PCRSignatures)] = []
        for (profile, end) in groupEnds.enumerated() {
            if profileStarts.count > 1 || measure && !profileStarts.isEmpty {
                output.note("profile \(profile):")
            }
            var predictions: [PCR11Prediction] = []
            var signatures = PCRSignatures()
            for (index, sections) in candidates[profile].enumerated() {
                if candidates[profile].count > 1 && (measure || policyDigestOnly) {
                    output.note(PCRRendering.candidateHeader(index, of: candidates[profile].count))
                }
                let prediction = try PCR11Prediction(sections: sections, banks: banks, rules: rules)
                try report(prediction, output: output)
                signatures.merge(try signAll(prediction))
                predictions.append(prediction)
            }
            perProfile.append((end, predictions, signatures))
        }
        try mergeAttached(into: &perProfile, output: output)
        var signed: [SignatureBundle.ProfileSignatures] = []
        var signedPhases: [PhasePath] = []
        for phase in groups.flatMap(\.phases) where !signedPhases.contains(phase) { signedPhases.append(phase) }
        for (profile, (end, predictions, signatures)) in perProfile.enumerated() where !signatures.isEmpty {
            let text = Self.rendered(signatures)
            insertions.append(.init(before: end, kind: .pcrsig, content: InMemoryBytes(text)))
            if recordsSignatures {
                let values = try predictions.flatMap { try $0.values(phases: signedPhases) }
                signed.append(.init(profile: profile, values: values, pcrsig: text))
            }
        }
        return (try build.inserting(insertions), signed)
    }

    /// Each profile's `.pcrsig` of a signature bundle, placed as it was, after checking that the
    /// rebuilt profile produces (with one of its candidates) every PCR 11 value the bundle says
    /// it signs.
    private func embedding(
        _ imported: (origin: String, profiles: [SignatureBundle.ProfileSignatures]), groupEnds: [Int],
        candidates: [[[MeasuredSection]]], rules: StubRules
    ) throws -> [UKIBuild.Insertion] {
        let profiles = imported.profiles.map(\.profile)
        guard Set(profiles).count == profiles.count, profiles.allSatisfy({ $0 >= 0 && $0 < groupEnds.count }) else {
            throw UKIAssemblyError(
                .signatureMismatch, path: imported.origin,
                detail: "signs profiles \(profiles), but the rebuilt UKI has \(groupEnds.count) profile(s)")
        }
        return try imported.profiles.map { record in
            var banks: [DigestAlgorithm] = []
            for value in record.values where !banks.contains(value.bank) { banks.append(value.bank) }
            let predictions = try candidates[record.profile].map {
                try PCR11Prediction(sections: $0, banks: banks, rules: rules)
            }
            for value in record.values {
                let rebuilt = try predictions.map { try $0.value(bank: value.bank, phase: value.phase) }
                guard rebuilt.contains(value.value) else {
                    throw UKIAssemblyError(
                        .signatureMismatch, path: imported.origin,
                        detail: "the .pcrsig of profile \(record.profile) signs PCR 11 \(value.value.hexString) for "
                            + "phase '\(value.phase)' (\(value.bank.rawValue)), but the rebuilt profile gives "
                            + "\(rebuilt.map(\.hexString).joined(separator: " or ")): a measured input (kernel, initrd, cmdline, os-release, ...) differs"
                    )
                }
            }
            return .init(before: groupEnds[record.profile], kind: .pcrsig, content: InMemoryBytes(record.pcrsig))
        }
    }

    /// Prints the values (`--measure`) and policy digests (`--policy-digest`) of one profile.
    private func report(_ prediction: PCR11Prediction, output: UKIAssembly.Output) throws {
        if measure {
            let signedPhases = Set(groups.flatMap(\.phases))
            let shown =
                signedPhases.isEmpty ? PhasePath.defaults : signedPhases.sorted { $0.description < $1.description }
            let values = try prediction.values(phases: shown)
            if measureJSON == .off {
                for phase in shown {
                    output.note(PCRRendering.phaseHeader(phase))
                    output.print(PCRRendering.lines(values.filter { $0.phase == phase }))
                }
            } else {
                output.print(
                    PCRRendering.systemdText(
                        PCRRendering.json(values, banks: banks, withPhases: true), style: measureJSON))
            }
        }
        if policyDigestOnly {
            let policies = try prediction.values(phases: digestPhases).map { try PCRPolicy($0, policyRef: nil) }
            output.print(
                PCRRendering.systemdText(
                    try PCRRendering.policyDigests(policies, banks: banks, keyFingerprint: digestKeyFingerprint),
                    style: .pretty))
        }
    }

    /// Puts each signature of the attached documents into the `.pcrsig` of every profile whose
    /// predicted values it signs; signatures that match no profile go to the first, with a warning.
    private func mergeAttached(
        into perProfile: inout [(end: Int, predictions: [PCR11Prediction], signatures: PCRSignatures)],
        output: UKIAssembly.Output
    ) throws {
        guard !attached.isEmpty else { return }
        // Policies checked against: every phase path anyone would sign.
        let knownPaths = (0...PhasePath.knownWords.count).map {
            PhasePath(words: Array(PhasePath.knownWords.prefix($0)))
        }
        let phases = Array(Set(groups.flatMap(\.phases)).union(digestPhases).union(knownPaths))
        let expected = try perProfile.map { profile in
            Set(
                try profile.predictions.flatMap { try $0.values(phases: phases) }.map {
                    try PCRPolicy($0, policyRef: nil).policy
                })
        }
        for (origin, document) in attached {
            var unmatched = 0
            for (bank, entries) in document.banks {
                for entry in entries {
                    let owners = expected.indices.filter { expected[$0].contains(entry.policy) }
                    if owners.isEmpty { unmatched += 1 }
                    for owner in owners.isEmpty ? [0] : owners {
                        perProfile[owner].signatures.append(entry, bank: bank)
                    }
                }
            }
            if unmatched > 0 {
                output.note(
                    "warning: \(origin): \(unmatched) signed policies match no predicted PCR 11 value of this UKI")
            }
        }
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

    /// The size of a `.pcrsig` to come when it can be known before signing: only signing groups,
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
