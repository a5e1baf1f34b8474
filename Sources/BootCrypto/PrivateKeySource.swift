import BinaryIO
import Glibc
import SystemPackage

/// Where a private key lives: a file (PEM/DER, optionally encrypted), an OpenSSL engine, or an
/// OpenSSL 3 provider (PKCS#11 tokens, TPM-resident keys). systemd spells it
/// `--private-key-source=file|engine:NAME|provider:NAME`.
public enum PrivateKeySource: Equatable, Sendable {
    case file(passphraseFile: FilePath?)
    case engine(String)
    case provider(String)

    /// systemd's spelling: `file`, `engine:NAME` or `provider:NAME`.
    public init?(systemdSpelling text: String) {
        if text == "file" {
            self = .file(passphraseFile: nil)
        } else if text.hasPrefix("engine:"), text.count > "engine:".count {
            self = .engine(String(text.dropFirst("engine:".count)))
        } else if text.hasPrefix("provider:"), text.count > "provider:".count {
            self = .provider(String(text.dropFirst("provider:".count)))
        } else {
            return nil
        }
    }

    /// systemd's warning about a key file that others may read, write or run (any of its mode's
    /// "other" bits), naming the file by its absolute path as systemd does; nil for keys that are
    /// not files and for files only their owner and group can reach.
    public func accessWarning(for reference: String) -> String? {
        guard case .file = self else { return nil }
        var status = stat()
        guard stat(reference, &status) == 0, status.st_mode & S_IRWXO != 0 else { return nil }
        var path = FilePath(reference)
        if !path.isAbsolute, let directory = getcwd(nil, 0) {
            path = FilePath(String(cString: directory)).pushing(path).lexicallyNormalized()
            free(directory)
        }
        let mode = String(status.st_mode & 0o7777, radix: 8)
        let padded = String(repeating: "0", count: max(0, 4 - mode.count)) + mode
        return "\(path) has \(padded) mode that is too permissive, please adjust the ownership and access mode."
    }

    /// Loads the key named `reference`: a path for files, a key id or URI otherwise.
    public func loadPrivateKey(_ reference: String) throws -> PrivateKey {
        switch self {
        case .engine(let engine):
            return try PrivateKey.load(engine: engine, keyID: reference)
        case .provider(let provider):
            return try PrivateKey.load(provider: provider, uri: reference)
        case .file(let passphraseFile):
            let passphrase = try passphraseFile.map { path in
                let bytes = try ReadableFile.readAll(path: path, limit: 4096)
                return String(decoding: bytes.prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
            }
            return try PrivateKey.load(file: FilePath(reference), passphrase: passphrase)
        }
    }
}

/// Where a certificate (or a public key given as one) lives: a file, or an OpenSSL 3 provider's
/// store. systemd spells it `--certificate-source=file|provider:NAME`; ukify
/// `--certificate-provider=NAME`.
public enum CertificateSource: Equatable, Sendable {
    case file
    case provider(String)

    /// systemd's spelling: `file` or `provider:NAME`.
    public init?(systemdSpelling text: String) {
        if text == "file" {
            self = .file
        } else if text.hasPrefix("provider:"), text.count > "provider:".count {
            self = .provider(String(text.dropFirst("provider:".count)))
        } else {
            return nil
        }
    }

    /// The certificate named `reference` (a path, or a store URI) and, from a file, the chain after it.
    public func loadCertificates(_ reference: String) throws -> [Certificate] {
        switch self {
        case .file: try Certificate.load(file: FilePath(reference))
        case .provider(let provider): [try Certificate.load(provider: provider, uri: reference)]
        }
    }

    /// The public key named `reference` (a path, or a store URI): a public key or a certificate.
    public func loadPublicKey(_ reference: String) throws -> PublicKey {
        switch self {
        case .file: try PublicKey.load(file: FilePath(reference))
        case .provider(let provider): try PublicKey.load(provider: provider, uri: reference)
        }
    }
}
