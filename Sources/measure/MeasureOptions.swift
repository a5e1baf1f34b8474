import ArgumentParser
import BinaryIO
import BootCrypto
import PCRCLI
import PEKit
import SystemPackage
import TPMDevice
import TPMPolicy
import ToolSupport

/// The UKI contents to predict for: one file per section (systemd-measure's options), or an
/// existing UKI (`--uki`) measured with the rules of the stub inside it.
struct MeasureSectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kernel image → .linux.", valueName: "PATH")) public var linux: FilePath?
    @Option(help: ArgumentHelp("os-release file → .osrel.", valueName: "PATH")) public var osrel: FilePath?
    @Option(help: ArgumentHelp("Kernel command line file → .cmdline.", valueName: "PATH")) public var cmdline: FilePath?
    @Option(help: ArgumentHelp("initrd image → .initrd.", valueName: "PATH")) public var initrd: FilePath?
    @Option(help: ArgumentHelp("Microcode initrd → .ucode.", valueName: "PATH")) public var ucode: FilePath?
    @Option(help: ArgumentHelp("Boot splash bitmap → .splash.", valueName: "PATH")) public var splash: FilePath?
    @Option(help: ArgumentHelp("Devicetree → .dtb.", valueName: "PATH")) public var dtb: FilePath?
    @Option(help: ArgumentHelp("uname -r string file → .uname.", valueName: "PATH")) public var uname: FilePath?
    @Option(help: ArgumentHelp("SBAT file → .sbat.", valueName: "PATH")) public var sbat: FilePath?
    @Option(help: ArgumentHelp("PCR signature public key (PEM) → .pcrpkey.", valueName: "PATH"))
    var pcrpkey: FilePath?
    @Option(
        help: ArgumentHelp(
            "Profile metadata file → .profile; with --uki, the number of the profile to predict for (default 0).",
            valueName: "PATH|N"))
    var profile: String?
    @Option(help: ArgumentHelp("Automatically selected devicetree → .dtbauto.", valueName: "PATH"))
    var dtbauto: FilePath?
    @Option(help: ArgumentHelp("Hardware IDs → .hwids.", valueName: "PATH")) public var hwids: FilePath?
    @Option(
        help: ArgumentHelp(
            "Predict for an existing UKI, with the sections its stub measures (instead of section files).",
            valueName: "PATH"))
    var uki: FilePath?
    @Option(
        name: .customLong("stub-version"),
        help: ArgumentHelp(
            "With --uki: measure as systemd-stub of this release does (default: read from the stub's .sdmagic).",
            valueName: "N"))
    var stubVersion: Int?
    @Flag(
        name: [.customShort("c"), .customLong("current")],
        help: "Start from the TPM's current PCR 11 value (--tpm2-device) instead of measuring sections.")
    var current = false
    @OptionGroup var tpm: TPMDeviceOptions

    private var sectionFiles: [(UKISectionKind, FilePath?)] {
        [
            (.linux, linux), (.osrel, osrel), (.cmdline, cmdline), (.initrd, initrd), (.ucode, ucode),
            (.splash, splash), (.dtb, dtb), (.uname, uname), (.sbat, sbat), (.pcrpkey, pcrpkey),
            (.profile, profile.map { FilePath($0) }), (.dtbauto, dtbauto), (.hwids, hwids),
        ]
    }

    func validate() throws {
        if current {
            let files = sectionFiles.filter { $0.1 != nil }.map { "--" + $0.0.rawValue.dropFirst() }
            guard files.isEmpty, uki == nil else {
                throw ValidationError(
                    "--current excludes --uki and section files (\((files + (uki == nil ? [] : ["--uki"])).joined(separator: ", ")))"
                )
            }
            guard stubVersion == nil else { throw ValidationError("--stub-version needs --uki") }
        } else if uki != nil {
            let files = sectionFiles.filter { $0.1 != nil && $0.0 != .profile }.map { "--" + $0.0.rawValue.dropFirst() }
            guard files.isEmpty else {
                throw ValidationError("--uki excludes section files (\(files.joined(separator: ", ")))")
            }
            guard profile.map({ Int($0).map { $0 >= 0 } ?? false }) ?? true else {
                throw ValidationError("with --uki, --profile takes a profile number")
            }
        } else {
            guard linux != nil else { throw ValidationError("--linux=, --uki= or --current must be specified") }
            guard stubVersion == nil else { throw ValidationError("--stub-version needs --uki") }
        }
        if let stubVersion, stubVersion < 252 {
            throw ValidationError("--stub-version: systemd-stub measures PCR 11 since release 252")
        }
    }

    /// The predictions for `banks`: one, or with --uki one per choice the stub can make among
    /// several `.dtbauto`/`.efifw` candidates (``UKIProfileSections/candidates(of:profile:)``); and
    /// the stub rules used with --uki.
    func predictions(banks: [DigestAlgorithm]) throws -> (predictions: [PCR11Prediction], rules: StubRules?) {
        if current {
            let values = try TPMDevice(tcti: tpm.tcti).readPCR(PCRPolicy.pcr, banks: banks)
            return ([PCR11Prediction(current: values)], nil)
        }
        if let uki {
            let image = try PEImage(file: try ReadableFile(path: uki))
            let rules =
                try stubVersion.map { StubRules(version: $0, evidence: "--stub-version") }
                ?? StubRules.detect(in: image)
            let candidates = try UKIProfileSections.candidates(of: image, profile: profile.flatMap { Int($0) } ?? 0)
            return (try candidates.map { try PCR11Prediction(sections: $0, banks: banks, rules: rules) }, rules)
        }
        let sections = try sectionFiles.compactMap { kind, path in
            try path.map { MeasuredSection(kind: kind, content: try TextOrFile.file($0).source()) }
        }
        return ([try PCR11Prediction(sections: sections, banks: banks)], nil)
    }
}

/// `--tpm2-device=`: the TPM that `status` and `--current` read.
struct TPMDeviceOptions: ParsableArguments {
    @Option(
        name: .customLong("tpm2-device"),
        help: ArgumentHelp(
            "tss2 TCTI of the TPM (e.g. device:/dev/tpmrm0, swtpm:path=SOCKET; auto: the default).",
            valueName: "TCTI"))
    var device = "auto"

    /// The TCTI configuration: `auto` is the kernel's resource manager.
    var tcti: String { device == "auto" ? "device:/dev/tpmrm0" : device }
}

/// `--no-pager`: systemd-measure pages pretty JSON; this tool never pages, and accepts the option
/// for the command lines written for systemd-measure.
struct PagerOptions: ParsableArguments {
    @Flag(name: .customLong("no-pager"), help: "Do not page the output (output is never paged).")
    var noPager = false
}

/// `--bank` and `--phase`, as systemd-measure takes them.
struct PCRSelectionOptions: ParsableArguments {
    @Option(
        name: .customLong("bank"),
        help: ArgumentHelp(
            "PCR bank; repeatable (default: all four).", valueName: "DIGEST"))
    var banks: [DigestAlgorithm] = []
    @Option(
        name: .customLong("phase"),
        help: ArgumentHelp(
            "Boot phase path (words separated by ':', '' for right after the stub); repeatable (default: enter-initrd, enter-initrd:leave-initrd, enter-initrd:leave-initrd:sysinit, enter-initrd:leave-initrd:sysinit:ready).",
            valueName: "PHASE"))
    var phases: [PhasePath] = []

    /// The banks asked for, without repeats, sorted as systemd-measure sorts them.
    var resolvedBanks: [DigestAlgorithm] { Self.resolvedBanks(banks) }

    /// `--bank` values as systemd-measure takes them: all four when none is given.
    static func resolvedBanks(_ banks: [DigestAlgorithm]) -> [DigestAlgorithm] {
        banks.isEmpty ? DigestAlgorithm.allCases : DigestAlgorithm.allCases.filter(banks.contains)
    }

    /// The phase paths asked for, without repeats, sorted as systemd-measure sorts them (by their
    /// text; the empty path first).
    var resolvedPhases: [PhasePath] {
        phases.isEmpty ? PhasePath.defaults : Set(phases).sorted { $0.description < $1.description }
    }
}

/// The PCR signing key options of `measure sign` and `measure policy-digest`.
struct PCRKeyOptions: ParsableArguments {
    @Option(
        name: .customLong("private-key"),
        help: ArgumentHelp("Private key (PEM/DER file, or engine key id / provider URI).", valueName: "KEY"))
    var privateKey: String?
    @Option(
        name: .customLong("private-key-source"),
        help: ArgumentHelp("Where --private-key lives: file, engine:NAME or provider:NAME.", valueName: "SOURCE"))
    var privateKeySource: PrivateKeySource = .file(passphraseFile: nil)
    @Option(
        name: .customLong("public-key"),
        help: ArgumentHelp("Public key (PEM) to check the private key against.", valueName: "PATH"))
    var publicKey: FilePath?
    @Option(
        name: .customLong("certificate"),
        help: ArgumentHelp(
            "X.509 certificate whose public key is used (instead of --public-key): a file, or a URI with "
                + "--certificate-source=provider:NAME.", valueName: "PATH|URI"))
    var certificate: String?
    @Option(
        name: .customLong("certificate-source"),
        help: ArgumentHelp("Where --certificate lives: file or provider:NAME.", valueName: "SOURCE"))
    var certificateSource: CertificateSource = .file
    @Option(
        name: .customLong("policyref"),
        help: ArgumentHelp(
            "PolicyAuthorize policyRef name; the signed message becomes pol || SHA256(NAME).", valueName: "NAME"))
    var policyRef: String?

    func validate() throws {
        if publicKey != nil && certificate != nil {
            throw ValidationError("--public-key and --certificate exclude each other")
        }
    }

    /// The public key given (or the certificate's), if any.
    func loadPublicKey() throws -> PublicKey? {
        if let publicKey { return try PublicKey.load(file: publicKey) }
        return try certificate.map { try certificateSource.loadPublicKey($0) }
    }

    /// The signer of --private-key, which `measure sign`'s validate() requires.
    func makeSigner() throws -> PCRPolicySigner {
        guard let privateKey else { preconditionFailure("validate() requires --private-key") }
        if let warning = privateKeySource.accessWarning(for: privateKey) { printDiagnostic(warning) }
        return try PCRPolicySigner(
            privateKey: try privateKeySource.loadPrivateKey(privateKey), publicKey: try loadPublicKey())
    }
}

extension PCRSelectionOptions {
    /// ArgumentParser reads `--phase=` as a missing value; systemd-measure reads it as the empty
    /// path (the value right after the stub), which `--phase=:` also spells.
    static func normalizingEmptyPhase(_ arguments: [String]) -> [String] {
        arguments.map { $0 == "--phase=" ? "--phase=:" : $0 }
    }
}

/// `--private-key-source=file|engine:NAME|provider:NAME`.
extension PrivateKeySource: ExpressibleByArgument {
    public init?(argument: String) { self.init(systemdSpelling: argument) }
}

/// `--certificate-source=file|provider:NAME`.
extension CertificateSource: ExpressibleByArgument {
    public init?(argument: String) { self.init(systemdSpelling: argument) }
}
