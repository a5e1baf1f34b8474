import ArgumentParser
import BinaryIO
import BootCrypto
import JSON
import PEKit
import SystemPackage
import TPMPolicy

/// The UKI contents to predict for: one file per section (systemd-measure's options), or an
/// existing UKI (`--uki`) measured with the rules of the stub inside it.
public struct MeasureSectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kernel image → .linux.", valueName: "PATH")) public var linux: String?
    @Option(help: ArgumentHelp("os-release file → .osrel.", valueName: "PATH")) public var osrel: String?
    @Option(help: ArgumentHelp("Kernel command line file → .cmdline.", valueName: "PATH")) public var cmdline: String?
    @Option(help: ArgumentHelp("initrd image → .initrd.", valueName: "PATH")) public var initrd: String?
    @Option(help: ArgumentHelp("Microcode initrd → .ucode.", valueName: "PATH")) public var ucode: String?
    @Option(help: ArgumentHelp("Boot splash bitmap → .splash.", valueName: "PATH")) public var splash: String?
    @Option(help: ArgumentHelp("Devicetree → .dtb.", valueName: "PATH")) public var dtb: String?
    @Option(help: ArgumentHelp("uname -r string file → .uname.", valueName: "PATH")) public var uname: String?
    @Option(help: ArgumentHelp("SBAT file → .sbat.", valueName: "PATH")) public var sbat: String?
    @Option(help: ArgumentHelp("PCR signature public key (PEM) → .pcrpkey.", valueName: "PATH"))
    public var pcrpkey: String?
    @Option(
        help: ArgumentHelp(
            "Profile metadata file → .profile; with --uki, the number of the profile to predict for (default 0).",
            valueName: "PATH|N"))
    public var profile: String?
    @Option(help: ArgumentHelp("Automatically selected devicetree → .dtbauto.", valueName: "PATH"))
    public var dtbauto: String?
    @Option(help: ArgumentHelp("Hardware IDs → .hwids.", valueName: "PATH")) public var hwids: String?
    @Option(
        help: ArgumentHelp(
            "Predict for an existing UKI, with the sections its stub measures (instead of section files).",
            valueName: "PATH"))
    public var uki: String?
    @Option(
        name: .customLong("stub-version"),
        help: ArgumentHelp(
            "With --uki: measure as systemd-stub of this release does (default: read from the stub's .sdmagic).",
            valueName: "N"))
    public var stubVersion: Int?

    public init() {}

    private var sectionFiles: [(UKISectionKind, String?)] {
        [
            (.linux, linux), (.osrel, osrel), (.cmdline, cmdline), (.initrd, initrd), (.ucode, ucode),
            (.splash, splash), (.dtb, dtb), (.uname, uname), (.sbat, sbat), (.pcrpkey, pcrpkey),
            (.profile, profile), (.dtbauto, dtbauto), (.hwids, hwids),
        ]
    }

    public func validate() throws {
        if uki != nil {
            let files = sectionFiles.filter { $0.1 != nil && $0.0 != .profile }.map { "--" + $0.0.rawValue.dropFirst() }
            guard files.isEmpty else {
                throw ValidationError("--uki excludes section files (\(files.joined(separator: ", ")))")
            }
            guard profile.map({ Int($0).map { $0 >= 0 } ?? false }) ?? true else {
                throw ValidationError("with --uki, --profile takes a profile number")
            }
        } else {
            guard linux != nil else { throw ValidationError("--linux= or --uki= must be specified") }
            guard stubVersion == nil else { throw ValidationError("--stub-version needs --uki") }
        }
        if let stubVersion, stubVersion < 252 {
            throw ValidationError("--stub-version: systemd-stub measures PCR 11 since release 252")
        }
    }

    /// The sections to measure and the rules to measure them by.
    public func measurement() throws -> (sections: [MeasuredSection], rules: StubRules) {
        if let uki {
            let image = try PEImage(file: try ReadableFile(path: FilePath(uki)))
            let rules =
                try stubVersion.map { StubRules(version: $0, evidence: "--stub-version") }
                ?? StubRules.detect(in: image)
            return (try UKIProfileSections.sections(of: image, profile: profile.flatMap { Int($0) } ?? 0), rules)
        }
        let sections = try sectionFiles.compactMap { kind, path in
            try path.map { MeasuredSection(kind: kind, content: try TextOrFile.file(FilePath($0)).source()) }
        }
        return (sections, .current)
    }
}

/// `--bank` and `--phase`, as systemd-measure takes them.
public struct PCRSelectionOptions: ParsableArguments {
    @Option(
        name: .customLong("bank"),
        help: ArgumentHelp(
            "PCR bank: sha1, sha256, sha384 or sha512; repeatable (default: all four).", valueName: "DIGEST"))
    public var banks: [String] = []
    @Option(
        name: .customLong("phase"),
        help: ArgumentHelp(
            "Boot phase path (words separated by ':', '' for right after the stub); repeatable (default: enter-initrd, enter-initrd:leave-initrd, enter-initrd:leave-initrd:sysinit, enter-initrd:leave-initrd:sysinit:ready).",
            valueName: "PHASE"))
    public var phases: [String] = []

    public init() {}

    /// The banks asked for, without repeats, sorted as systemd-measure sorts them.
    public func resolvedBanks() throws -> [DigestAlgorithm] { try Self.resolvedBanks(banks) }

    /// `--bank` values as systemd-measure takes them: all four when none is given.
    public static func resolvedBanks(_ names: [String]) throws -> [DigestAlgorithm] {
        names.isEmpty ? DigestAlgorithm.allCases : try DigestAlgorithm.banks(named: names)
    }

    /// The phase paths asked for, normalized, without repeats, sorted as systemd-measure sorts
    /// them (by their text; the empty path first).
    public func resolvedPhases() throws -> [PhasePath] {
        guard !phases.isEmpty else { return PhasePath.defaults }
        return Set(try phases.map { try PhasePath(parsing: $0) }).sorted { $0.description < $1.description }
    }
}

/// Output of `measure calculate` and `measure status`, as systemd-measure prints it.
public enum PCRRendering {
    /// `{"<bank>":[{"phase":"…","pcr":11,"hash":"…"},…],…}`, "phase" omitted for the empty path.
    public static func json(_ values: [PCR11Prediction.Value], banks: [DigestAlgorithm], withPhases: Bool) -> JSONValue
    {
        .object(
            banks.map { bank in
                let entries = values.filter { $0.bank == bank }.map { value -> JSONValue in
                    var members: [(String, JSONValue)] = []
                    if withPhases, !value.phase.words.isEmpty {
                        members.append(("phase", .string(value.phase.description)))
                    }
                    members.append(("pcr", .integer(PCRPolicy.pcr)))
                    members.append(("hash", .string(value.value.hexString)))
                    return .object(members)
                }
                return (bank.rawValue, .array(entries))
            })
    }

    /// `11:<bank>=<hex>` lines, one per bank, for the values of one phase.
    public static func lines(_ values: [PCR11Prediction.Value]) -> String {
        values.map { "\(PCRPolicy.pcr):\($0.bank.rawValue)=\($0.value.hexString)\n" }.joined()
    }

    /// systemd-measure's header for a phase, printed on stderr: `# PCR[11] Phase <enter-initrd>`.
    public static func phaseHeader(_ phase: PhasePath) -> String {
        "# PCR[\(PCRPolicy.pcr)] Phase <\(phase.words.isEmpty ? ":" : phase.description)>"
    }

    /// `measure policy-digest`: per bank, `{"pcrs":[11],("pkfp"),"pol","tbs"}` entries.
    public static func policyDigests(
        _ policies: [PCRPolicy], banks: [DigestAlgorithm], keyFingerprint: [UInt8]?
    )
        throws -> JSONValue
    {
        .object(
            try banks.map { bank in
                let entries = try policies.filter { $0.bank == bank }.map { policy -> JSONValue in
                    var members: [(String, JSONValue)] = [("pcrs", .array([.integer(PCRPolicy.pcr)]))]
                    if let keyFingerprint { members.append(("pkfp", .string(keyFingerprint.hexString))) }
                    members.append(("pol", .string(policy.policy.hexString)))
                    if let policyRef = policy.policyRef { members.append(("ref", .string(policyRef))) }
                    members.append(("tbs", .string(try policy.message.hexString)))
                    return .object(members)
                }
                return (bank.rawValue, .array(entries))
            })
    }

    /// JSON as systemd prints it: `off` and `short` on one line, `pretty` with tabs; newline-terminated.
    public static func systemdText(_ value: JSONValue, style: JSONStyle) -> String {
        value.rendered(style == .pretty ? .pretty : .short, dialect: .systemd) + "\n"
    }
}

/// The PCR signing key options of `measure sign` and `measure policy-digest`.
public struct PCRKeyOptions: ParsableArguments {
    @Option(
        name: .customLong("private-key"),
        help: ArgumentHelp("Private key (PEM/DER file, or engine key id / provider URI).", valueName: "KEY"))
    public var privateKey: String?
    @Option(
        name: .customLong("private-key-source"),
        help: ArgumentHelp("Where --private-key lives: file, engine:NAME or provider:NAME.", valueName: "SOURCE"))
    public var privateKeySource: KeySource = .file(passphraseFile: nil)
    @Option(
        name: .customLong("public-key"),
        help: ArgumentHelp("Public key (PEM) to check the private key against.", valueName: "PATH"))
    public var publicKey: String?
    @Option(
        name: .customLong("certificate"),
        help: ArgumentHelp("X.509 certificate whose public key is used (instead of --public-key).", valueName: "PATH"))
    public var certificate: String?
    @Option(
        name: .customLong("policyref"),
        help: ArgumentHelp(
            "PolicyAuthorize policyRef name; the signed message becomes pol || SHA256(NAME).", valueName: "NAME"))
    public var policyRef: String?

    public init() {}

    public func validate() throws {
        if publicKey != nil && certificate != nil {
            throw ValidationError("--public-key and --certificate exclude each other")
        }
    }

    /// The public key given (or the certificate's), if any.
    public func loadPublicKey() throws -> PublicKey? {
        try (publicKey ?? certificate).map { try PublicKey.load(file: FilePath($0)) }
    }

    public func makeSigner() throws -> PCRPolicySigner {
        guard let privateKey else { throw ToolError("--private-key= is required") }
        return try PCRPolicySigner(
            privateKey: try privateKeySource.loadPrivateKey(privateKey), publicKey: try loadPublicKey())
    }
}

extension PCRSelectionOptions {
    /// ArgumentParser reads `--phase=` as a missing value; systemd-measure reads it as the empty
    /// path (the value right after the stub), which `--phase=:` also spells.
    public static func normalizingEmptyPhase(_ arguments: [String]) -> [String] {
        arguments.map { $0 == "--phase=" ? "--phase=:" : $0 }
    }
}
