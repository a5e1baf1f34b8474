import ArgumentParser
import BinaryIO
import BootCrypto
import Glibc
import SystemPackage
import ToolSupport

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

    public init() {}

    /// Whether any signing key was given.
    public var isSigning: Bool { privateKey != nil || certificate != nil }

    public func validate() throws {
        if engine != nil && provider != nil {
            throw ValidationError("--signing-engine and --signing-provider exclude each other")
        }
    }

    /// Where --secureboot-private-key (and ukify's PCR keys) live.
    public var keySource: PrivateKeySource {
        if let engine { return .engine(engine) }
        if let provider { return .provider(provider) }
        return .file(passphraseFile: passphraseFile)
    }

    /// The signer, plus warnings about its certificate (expired, no digitalSignature usage); nil
    /// when no key was given.
    public func makeSigner() throws -> (signer: AuthenticodeSigner, warnings: [String])? {
        guard isSigning else { return nil }
        guard let privateKey, let certificate else {
            throw ToolError("--secureboot-private-key and --secureboot-certificate go together")
        }
        let key = try keySource.loadPrivateKey(privateKey)
        let certificates = try Certificate.load(file: certificate)
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

    /// These options with unset ones taken from ukify's config keys (SecureBootPrivateKey=,
    /// SecureBootCertificate=, SigningEngine=, SigningProvider=).
    public func merging(config setting: (String) -> String?) -> SigningOptions {
        var merged = self
        merged.privateKey = privateKey ?? setting("SecureBootPrivateKey")
        merged.certificate = certificate ?? setting("SecureBootCertificate").map { FilePath($0) }
        merged.engine = engine ?? setting("SigningEngine")
        merged.provider = provider ?? setting("SigningProvider")
        return merged
    }

    /// The signingTime to embed: none unless --signing-time; then SOURCE_DATE_EPOCH or now.
    public func signingTimestamp(environment: [String: String]) throws -> Int64? {
        guard signingTime else { return nil }
        if let epoch = environment["SOURCE_DATE_EPOCH"] {
            guard let seconds = Int64(epoch) else { throw ToolError("SOURCE_DATE_EPOCH=\(epoch) is not a number") }
            return seconds
        }
        return Int64(time(nil))
    }
}
