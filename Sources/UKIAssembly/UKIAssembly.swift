import BinaryIO
import BootCrypto
import KernelProbe
import PEKit
import SystemPackage
import TPMPolicy

/// `ukify build` as one walk down: settings → request and plans (keys loaded, defaults applied)
/// → the planned UKI with each profile's PCR 11 signatures → Secure Boot signing while it is
/// written → the output, atomically.
public struct UKIAssembly: Sendable {
    /// Where a build's text goes: data for stdout, notes (one line each) for stderr.
    public struct Output {
        public var print: (String) -> Void
        public var note: (String) -> Void

        public init(print: @escaping (String) -> Void, note: @escaping (String) -> Void) {
            self.print = print
            self.note = note
        }
    }

    public let request: UKIRequest
    public let output: FilePath
    public let pcr: PCRSigningPlan
    /// Where the signature bundle goes, if one is asked for.
    public let exportSignatures: FilePath?
    /// Where the list of digests still to sign goes (hash-only signing).
    public let exportDigests: FilePath?
    /// The Secure Boot signatures made, when a bundle is exported.
    private let recorder: RecordingSignatureSource?
    /// With hash-only signing: what still needs a signature.
    private let pending: PendingDigests?
    /// What a user should hear about the settings (config file used, unknown keys, certificate
    /// warnings), one line each.
    public let notes: [String]

    /// Resolves `settings`: the request, how it is signed (keys here, a signature bundle, or a
    /// hash-only signer's answers), the PCR plan, the output name.
    public init(_ settings: UKIBuildSettings, environment: [String: String], now: () -> Int64) throws {
        var notes: [String] = []
        var request = try Self.request(settings)
        let linux = settings.linux
        let bundle = try settings.importSignatures.map(SignatureBundle.init(path:))
        let origin = settings.importSignatures?.string ?? "the answers"
        // Hash-only signing: keys are elsewhere and sign digests, answers come in a bundle's "raw" list.
        let pending = settings.exportDigests != nil || bundle?.raw.isEmpty == false ? PendingDigests() : nil
        let secureBoot = settings.secureBoot
        var pcr = try PCRSigningPlan(
            settings.pcr, keySource: secureBoot.keySource, certificateSource: secureBoot.certificateSource,
            externalSigner: pending.map { pending in
                { publicKey in
                    try DigestSigner(
                        key: "pcr", fingerprint: try TPMPublicKey(publicKey).fingerprint, publicKey: publicKey,
                        purpose: "PCR 11 policy", answers: bundle?.raw ?? [:], origin: origin, pending: pending)
                }
            })
        var recorder: RecordingSignatureSource?
        func signing(_ source: any AuthenticodeSignatureSource) -> SecureBootSigning {
            recorder = settings.exportSignatures.map { _ in RecordingSignatureSource(source) }
            return SecureBootSigning(source: recorder ?? source, signKernel: settings.signKernel)
        }
        if let pending {
            if secureBoot.privateKey != nil || bundle?.hasSignatures == true {
                throw UKIAssemblyError(
                    .invalidSetting,
                    "hash-only signing takes --secureboot-certificate without its key, and raw answers to import")
            }
            if let certificate = secureBoot.certificate {
                let certificates = try secureBoot.certificateSource.loadCertificates(certificate.string)
                let chain = try secureBoot.extraCertificates.flatMap { try Certificate.load(file: $0) }
                request.secureBoot = signing(
                    DigestAuthenticodeSource(
                        certificate: certificates[0], chain: Array(certificates.dropFirst()) + chain,
                        answers: bundle?.raw ?? [:], origin: origin, pending: pending))
            }
        } else if let importPath = settings.importSignatures, let bundle {
            if secureBoot.isSigning || !pcr.groups.isEmpty || settings.signKernel != nil {
                throw UKIAssemblyError(
                    .invalidSetting,
                    "--import-signatures takes every signature from \(importPath): give no signing keys or --sign-kernel"
                )
            }
            if let uki = bundle.uki {
                // The kernel is signed on the way in exactly when the server signed it.
                request.secureBoot = SecureBootSigning(
                    source: RecordedSignatureSource(bundle: bundle, origin: importPath.string),
                    algorithm: uki.algorithm, signKernel: bundle.kernel != nil)
            } else if bundle.kernel != nil {
                throw UKIAssemblyError(
                    .malformedInput, path: importPath.string, detail: "has a kernel signature but none for the UKI")
            }
            if !bundle.profiles.isEmpty { pcr.imported = (importPath.string, bundle.profiles) }
            if request.pcrpkey == nil {
                request.pcrpkey = bundle.pcrPublicKey.map { TextOrFile.text(String(decoding: $0, as: UTF8.self)) }
            }
        } else if let (signer, warnings) = try secureBoot.makeSigner() {
            notes += warnings.map { "warning: \($0)" }
            request.secureBoot = signing(
                KeySignatureSource(
                    signer: signer, signingTime: try secureBoot.signingTimestamp(environment: environment, now: now)))
        } else if settings.signKernel == true {
            throw UKIAssemblyError(
                .invalidSetting, "--sign-kernel needs --secureboot-private-key and --secureboot-certificate")
        }
        // Signed before anything is written (not while writing), so that what is recorded or still
        // pending is known first.
        pcr.recordsSignatures = settings.exportSignatures != nil || pending != nil
        if request.pcrpkey == nil { request.pcrpkey = try pcr.defaultPCRPublicKey() }

        if let given = settings.output {
            output = given
        } else if let linux {
            let suffix = request.secureBoot == nil ? ".unsigned.efi" : ".efi"
            output = FilePath((linux.lastComponent?.string ?? "uki") + suffix)
        } else {
            throw UKIAssemblyError(.invalidSetting, "--output is required when building an addon (no --linux)")
        }
        self.request = request
        self.pcr = pcr
        self.notes = notes
        self.recorder = recorder
        self.pending = pending
        exportSignatures = settings.exportSignatures
        exportDigests = settings.exportDigests
    }

    /// The request for `settings`' inputs: the default stub and os-release, `.hwids` built.
    private static func request(_ settings: UKIBuildSettings) throws -> UKIRequest {
        let architecture: EFIArchitecture
        if let efiArch = settings.efiArch {
            architecture = efiArch
        } else if let host = EFIArchitecture.host {
            architecture = host
        } else {
            throw UKIAssemblyError(.invalidSetting, "unsupported host architecture: pass --efi-arch or --stub")
        }
        let linux = settings.linux
        var request = UKIRequest(
            stub: settings.stub ?? UKIRequest.defaultStub(architecture: architecture, addon: linux == nil))
        request.linux = linux
        request.initrds = settings.initrds
        request.microcode = settings.microcode
        request.cmdline = settings.cmdline
        switch settings.osRelease {
        case .text(""): request.osRelease = nil
        case nil: request.osRelease = linux == nil ? nil : .file(UKIRequest.defaultOSRelease())
        case let given: request.osRelease = given
        }
        request.uname = settings.uname
        request.splash = settings.splash
        request.devicetree = settings.devicetree
        request.devicetreeAuto = settings.devicetreeAuto
        request.hwids = try settings.hwids.map(HardwareIDTable.build(directory:))
        request.sbat = settings.sbat
        request.pcrpkey = settings.pcrpkey.map(TextOrFile.file)
        request.profile = settings.profile
        request.joinProfiles = settings.joinProfiles
        request.extraSections = settings.extraSections
        return request
    }

    /// Hash-only signing lacks signatures: list them (round 1: the kernel signed on the way in;
    /// round 2: the PCR policies, which measure that kernel; round 3: the UKI, which holds both),
    /// or say that they are missing. Nothing else is written.
    private func signaturesPending(round: Int, _ pending: PendingDigests) throws -> String {
        let requests = pending.all
        guard let exportDigests else {
            throw UKIAssemblyError(
                .invalidSetting,
                "\(requests.count) signature(s) of round \(round) are missing: --export-digests lists what to sign")
        }
        try DigestRequests(round: round, requests: requests).write(to: exportDigests)
        return "round \(round): \(requests.count) digest(s) to sign listed in \(exportDigests); no UKI written yet"
    }

    /// Plans and writes the UKI (and the signature bundle, when asked); returns the one-line
    /// summary of what was written. SBAT problems are reported as notes.
    public func run(_ report: Output) throws -> String {
        let planned = try UKIBuild(request)
        // The PCR policies measure the signed kernel: they can be listed only once it is signed.
        if let pending, !pending.all.isEmpty { return try signaturesPending(round: 1, pending) }
        let (build, signedProfiles) = try pcr.apply(to: planned, output: report)
        for warning in build.warnings + (try UKISBATCheck.warnings(for: build)) {
            report.note("warning: \(warning)")
        }
        if let pending, !pending.all.isEmpty { return try signaturesPending(round: 2, pending) }
        do {
            try build.write(to: output)
        } catch is SignaturesPending {
            return try signaturesPending(round: 3, pending!)
        }
        if let exportSignatures {
            var bundle = recorder?.signatures ?? SignatureBundle()
            bundle.profiles = signedProfiles
            bundle.pcrPublicKey = try build.sections.first { $0.name.string == UKISectionKind.pcrpkey.rawValue }?
                .content.readAll(limit: 1 << 20)
            try bundle.write(to: exportSignatures)
            report.note("wrote the signatures to \(exportSignatures)")
        }
        let uname = build.uname.map { "uname \($0), " } ?? ""
        let added = build.addedSections.joined(separator: " ")
        let kind = build.secureBoot == nil ? "unsigned" : build.signedKernel ? "signed (kernel signed too)" : "signed"
        return "wrote \(kind) \(output) (\(uname)\(added), \(build.layout.fileSize) bytes)"
    }
}
