import BinaryIO
import BootCrypto
import JSON
import PEKit
import SystemPackage
import TPMPolicy

/// Everything `ukify build` can be told, from its command line or its config file, with
/// systemd-ukify's meaning. Unset values are nil or empty; ``filling(from:)`` lets a config file
/// supply them (the command line wins; the config's Initrd= and DeviceTreeAuto= lists come before
/// the command line's, as in ukify).
public struct UKIBuildSettings: Sendable {
    public var linux: FilePath?
    public var initrds: [FilePath] = []
    public var microcode: FilePath?
    public var cmdline: TextOrFile?
    /// Empty text (`--os-release=`) means no `.osrel`, as in ukify; unset means the host's.
    public var osRelease: TextOrFile?
    public var uname: String?
    public var splash: FilePath?
    public var devicetree: FilePath?
    public var devicetreeAuto: [FilePath] = []
    /// A directory of device descriptions (JSON) that become `.hwids`.
    public var hwids: FilePath?
    public var sbat: [TextOrFile] = []
    public var pcrpkey: FilePath?
    public var extraSections: [UKIRequest.ExtraSection] = []
    public var profile: TextOrFile?
    public var joinProfiles: [FilePath] = []
    public var stub: FilePath?
    public var efiArch: EFIArchitecture?
    public var output: FilePath?
    public var secureBoot = SecureBootSettings()
    /// nil: sign the kernel only when it carries no signature and the UKI is signed.
    public var signKernel: Bool?
    public var pcr = PCRSettings()
    /// Write every signature the UKI carries to this signature bundle.
    public var exportSignatures: FilePath?
    /// Take every signature from this signature bundle instead of signing (no keys needed).
    public var importSignatures: FilePath?
    /// Hash-only signing: list the digests still to sign here, round by round.
    public var exportDigests: FilePath?

    public init() {}

    /// `--summary`: the settings, one `name=value` line each (unset ones left out), with ukify's
    /// option names. Keys and passphrases appear only as the names they were given by.
    public var summary: String {
        func text(_ value: TextOrFile) -> String {
            switch value {
            case .text(let text): text
            case .file(let path): "@\(path)"
            }
        }
        var lines: [(String, String?)] = [
            ("linux", linux?.string), ("microcode", microcode?.string), ("cmdline", cmdline.map(text)),
            ("os-release", osRelease.map(text)), ("uname", uname), ("splash", splash?.string),
            ("devicetree", devicetree?.string), ("hwids", hwids?.string), ("pcrpkey", pcrpkey?.string),
            ("profile", profile.map(text)), ("stub", stub?.string), ("efi-arch", efiArch?.rawValue),
            ("output", output?.string), ("secureboot-private-key", secureBoot.privateKey),
            ("secureboot-certificate", secureBoot.certificate?.string), ("signing-engine", secureBoot.engine),
            ("signing-provider", secureBoot.provider), ("signtool", secureBoot.signtool),
            ("sign-kernel", signKernel.map { "\($0)" }),
            ("pcr-banks", pcr.banks.map { $0.map(\.rawValue).joined(separator: ",") }),
        ]
        lines += initrds.map { ("initrd", $0.string) } + devicetreeAuto.map { ("devicetree-auto", $0.string) }
        lines += sbat.map { ("sbat", text($0)) } + joinProfiles.map { ("join-profile", $0.string) }
        lines += extraSections.map { ("section", "\($0.name):\(text($0.content))") }
        lines += pcr.privateKeys.map { ("pcr-private-key", $0) } + pcr.publicKeys.map { ("pcr-public-key", $0.string) }
        lines += pcr.configGroups.map { ("pcr-signature-group", $0.section) }
        return lines.compactMap { name, value in value.map { "\(name)=\($0)\n" } }.joined()
    }
}

/// The PCR 11 settings: signing groups, banks, printing, and signatures made elsewhere.
public struct PCRSettings: Sendable {
    /// `--pcr-private-key`, `--pcr-public-key` and `--phases` pair up by position, as in ukify.
    public var privateKeys: [String] = []
    public var publicKeys: [FilePath] = []
    public var phases: [[PhasePath]] = []
    /// `[PCRSignature:NAME]` sections of the config file, in order.
    public var configGroups: [ConfigGroup] = []
    /// nil: all four banks, as ukify 257.
    public var banks: [DigestAlgorithm]?
    public var measure = false
    /// How `measure` prints: text (off) or JSON as `measure calculate --json`.
    public var measureJSON = JSONStyle.off
    public var policyDigest = false
    public var pcrsig: TextOrFile?
    public var joinPCRSignatures: [FilePath] = []

    /// One `[PCRSignature:NAME]` section.
    public struct ConfigGroup: Sendable {
        public var section: String
        public var privateKey: String?
        public var publicKey: FilePath?
        public var phases: [PhasePath]?
    }

    public init() {}
}

/// Secure Boot signing settings, with ukify's names.
public struct SecureBootSettings: Sendable {
    /// A key file, or with an engine or provider the key's id or URI.
    public var privateKey: String?
    public var certificate: FilePath?
    public var passphraseFile: FilePath?
    public var engine: String?
    public var provider: String?
    public var extraCertificates: [FilePath] = []
    public var signingTime = false
    /// ukify's `--signtool`: which program signs. Ours signs in-process as sbsign and
    /// systemd-sbsign do, with the same bytes; pesign (an NSS database) is refused.
    public var signtool: String?
    /// An OpenSSL 3 provider whose store holds the certificates (`--secureboot-certificate` and
    /// `--pcr-public-key` are then its URIs).
    public var certificateProvider: String?
    /// pesign's NSS database and nickname: refused, never ignored.
    public var certificateDirectory: FilePath?
    public var certificateName: String?

    public init() {}

    /// Whether a key or certificate was given.
    public var isSigning: Bool { privateKey != nil || certificate != nil }

    /// Where the Secure Boot certificate (and the PCR public keys) live.
    public var certificateSource: CertificateSource { certificateProvider.map(CertificateSource.provider) ?? .file }

    /// Where the Secure Boot key (and ukify's PCR keys) live.
    public var keySource: PrivateKeySource {
        if let engine { return .engine(engine) }
        if let provider { return .provider(provider) }
        return .file(passphraseFile: passphraseFile)
    }

    /// The signing tools whose output ours reproduces.
    public static let inProcessSigntools: Set<String> = ["sbsign", "systemd-sbsign"]

    /// The signer, plus warnings about its certificate (expired, no digitalSignature usage); nil
    /// when no key was given.
    public func makeSigner() throws -> (signer: AuthenticodeSigner, warnings: [String])? {
        if let signtool, !Self.inProcessSigntools.contains(signtool) {
            throw UKIAssemblyError(
                .invalidSetting,
                "signing tool '\(signtool)' is not supported: ukify signs in-process as sbsign and systemd-sbsign do "
                    + "(pesign's NSS certificate databases are not read; export the key and certificate as PEM)")
        }
        if certificateDirectory != nil || certificateName != nil {
            throw UKIAssemblyError(
                .invalidSetting,
                "pesign's NSS certificate database (--secureboot-certificate-dir/-name) is not supported; "
                    + "give --secureboot-private-key and --secureboot-certificate as files")
        }
        if engine != nil && provider != nil {
            throw UKIAssemblyError(.invalidSetting, "a signing engine and a signing provider exclude each other")
        }
        guard isSigning else { return nil }
        guard let privateKey, let certificate else {
            throw UKIAssemblyError(
                .invalidSetting, "--secureboot-private-key and --secureboot-certificate go together")
        }
        let key = try keySource.loadPrivateKey(privateKey)
        let certificates = try certificateSource.loadCertificates(certificate.string)
        let chain = try extraCertificates.flatMap { try Certificate.load(file: $0) }
        guard key.matches(certificates[0]) else {
            throw BootCryptoError(
                .keyCertificateMismatch,
                detail: "\(privateKey) is not the key of \(certificate) (\(certificates[0].subject))")
        }
        let signer = try AuthenticodeSigner(
            key: key, certificate: certificates[0], chain: Array(certificates.dropFirst()) + chain)
        var warnings: [String] = []
        if certificates[0].isExpired {
            warnings.append("\(certificate): certificate has expired (firmware does not check)")
        }
        if !certificates[0].allowsSigning {
            warnings.append("\(certificate): certificate's key usage lacks digitalSignature")
        }
        return (signer, warnings)
    }

    /// The signingTime to embed: none unless asked; then SOURCE_DATE_EPOCH or now.
    public func signingTimestamp(environment: [String: String], now: () -> Int64) throws -> Int64? {
        guard signingTime else { return nil }
        guard let epoch = environment["SOURCE_DATE_EPOCH"] else { return now() }
        guard let seconds = Int64(epoch) else {
            throw UKIAssemblyError(.invalidSetting, "SOURCE_DATE_EPOCH=\(epoch) is not a number")
        }
        return seconds
    }
}
