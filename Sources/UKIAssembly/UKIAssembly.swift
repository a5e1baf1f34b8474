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
    /// The Secure Boot signatures made, when a bundle is exported.
    private let recorder: RecordingSignatureSource?
    /// What a user should hear about the settings (config file used, unknown keys, certificate
    /// warnings), one line each.
    public let notes: [String]

    /// Resolves `settings`: the default stub and os-release, the signers with their keys, the
    /// PCR plan, the output name.
    public init(_ settings: UKIBuildSettings, environment: [String: String], now: () -> Int64) throws {
        var notes: [String] = []
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

        var pcr = try PCRSigningPlan(
            settings.pcr, keySource: settings.secureBoot.keySource,
            certificateSource: settings.secureBoot.certificateSource)
        var recorder: RecordingSignatureSource?
        if let importPath = settings.importSignatures {
            if settings.secureBoot.isSigning || !pcr.groups.isEmpty || settings.signKernel != nil {
                throw UKIAssemblyError(
                    .invalidSetting,
                    "--import-signatures takes every signature from \(importPath): give no signing keys or --sign-kernel"
                )
            }
            let bundle = try SignatureBundle(path: importPath)
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
        } else if let (signer, warnings) = try settings.secureBoot.makeSigner() {
            notes += warnings.map { "warning: \($0)" }
            let key = KeySignatureSource(
                signer: signer,
                signingTime: try settings.secureBoot.signingTimestamp(environment: environment, now: now))
            recorder = settings.exportSignatures.map { _ in RecordingSignatureSource(key) }
            request.secureBoot = SecureBootSigning(source: recorder ?? key, signKernel: settings.signKernel)
        } else if settings.signKernel == true {
            throw UKIAssemblyError(
                .invalidSetting, "--sign-kernel needs --secureboot-private-key and --secureboot-certificate")
        }
        pcr.recordsSignatures = settings.exportSignatures != nil
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
        exportSignatures = settings.exportSignatures
    }

    /// Plans and writes the UKI (and the signature bundle, when asked); returns the one-line
    /// summary of what was written. SBAT problems are reported as notes.
    public func run(_ report: Output) throws -> String {
        let (build, signedProfiles) = try pcr.apply(to: try UKIBuild(request), output: report)
        for warning in build.warnings + (try UKISBATCheck.warnings(for: build)) {
            report.note("warning: \(warning)")
        }
        try build.write(to: output)
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
