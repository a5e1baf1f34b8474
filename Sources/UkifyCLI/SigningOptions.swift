import ArgumentParser
import BinaryIO
import BootCrypto
import SystemPackage
import ToolSupport
import UKIAssembly

/// Secure Boot signing options, spelled as systemd-ukify spells them.
public struct SigningOptions: ParsableArguments {
    @Option(
        name: .customLong("secureboot-private-key"),
        help: ArgumentHelp(
            "Signing key: a PEM/DER file, or with --signing-engine/--signing-provider the key's id or URI.",
            valueName: "KEY"))
    public var privateKey: String?
    @Option(
        name: .customLong("secureboot-certificate"),
        help: ArgumentHelp("Signer certificate (PEM or DER).", valueName: "PATH"))
    public var certificate: FilePath?
    @Option(
        name: .customLong("secureboot-private-key-passphrase-file"),
        help: ArgumentHelp("File whose first line is the passphrase of an encrypted key file.", valueName: "PATH"))
    public var passphraseFile: FilePath?
    @Option(
        name: .customLong("signing-engine"),
        help: ArgumentHelp("OpenSSL engine holding the key (e.g. pkcs11).", valueName: "ENGINE"))
    public var engine: String?
    @Option(
        name: .customLong("signing-provider"),
        help: ArgumentHelp(
            "OpenSSL 3 provider holding the key (e.g. pkcs11); the key is a store URI.", valueName: "PROVIDER"))
    public var provider: String?
    @Option(
        name: .customLong("addcert"),
        help: ArgumentHelp("Extra certificates to embed (intermediates); repeatable.", valueName: "PATH"))
    public var extraCertificates: [FilePath] = []
    @Flag(
        name: .customLong("signing-time"),
        help: "Add a signingTime attribute (SOURCE_DATE_EPOCH, else now); without it signatures are reproducible.")
    public var signingTime = false

    @Option(
        name: .customLong("signtool"),
        help: ArgumentHelp(
            "ukify's signing tool: sbsign and systemd-sbsign (the default) are what ukify here does in-process; "
                + "pesign is refused.", valueName: "TOOL"))
    public var signtool: String?
    @Option(
        name: .customLong("certificate-provider"),
        help: ArgumentHelp(
            "OpenSSL 3 provider whose store holds the certificates; --secureboot-certificate and "
                + "--pcr-public-key are then store URIs.", valueName: "PROVIDER"))
    public var certificateProvider: String?
    @Option(
        name: .customLong("secureboot-certificate-dir"),
        help: ArgumentHelp("pesign's NSS database: refused (give the key and certificate as files).", valueName: "DIR"))
    public var certificateDirectory: FilePath?
    @Option(
        name: .customLong("secureboot-certificate-name"),
        help: ArgumentHelp(
            "pesign's certificate nickname: refused (give the key and certificate as files).", valueName: "NAME"))
    public var certificateName: String?

    public init() {}

    /// Whether any signing key was given.
    public var isSigning: Bool { privateKey != nil || certificate != nil }

    public func validate() throws {
        if engine != nil && provider != nil {
            throw ValidationError("--signing-engine and --signing-provider exclude each other")
        }
    }

    /// The options as settings.
    public var settings: SecureBootSettings {
        var settings = SecureBootSettings()
        settings.privateKey = privateKey
        settings.certificate = certificate
        settings.passphraseFile = passphraseFile
        settings.engine = engine
        settings.provider = provider
        settings.extraCertificates = extraCertificates
        settings.signingTime = signingTime
        settings.signtool = signtool
        settings.certificateProvider = certificateProvider
        settings.certificateDirectory = certificateDirectory
        settings.certificateName = certificateName
        return settings
    }
}
