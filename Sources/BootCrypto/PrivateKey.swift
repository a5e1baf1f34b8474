import BinaryIO
internal import COpenSSL
import SystemPackage

/// The kinds of keys that sign: RSA (PKCS#1 v1.5) and EC (ECDSA, DER signatures).
public enum KeyAlgorithm: String, Sendable, Equatable {
    case rsa
    case ecdsa
}

/// What signs a message: a private key here, or a signer elsewhere whose answers were collected
/// (a signing service or HSM that signs digests and never sees files).
public protocol MessageSigner: Sendable {
    var algorithm: KeyAlgorithm { get }
    /// RSASSA-PKCS1-v1_5 or ECDSA (DER) over `message` hashed with `digest`.
    func sign(_ message: [UInt8], digest: DigestAlgorithm) throws -> [UInt8]
}

/// A private key held by OpenSSL: from a PEM/DER file, or behind an OpenSSL 3 provider or an
/// engine (PKCS#11 HSMs, TPM-resident keys), so the key material may never be in this process.
public final class PrivateKey: MessageSigner, @unchecked Sendable {

    let pointer: OpaquePointer
    /// The engine that holds the key, released after the key.
    private let engine: OpaquePointer?
    public let algorithm: KeyAlgorithm

    init(owning pointer: OpaquePointer, engine: OpaquePointer? = nil) throws {
        self.pointer = pointer
        self.engine = engine
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA: algorithm = .rsa
        case EVP_PKEY_EC: algorithm = .ecdsa
        default:
            EVP_PKEY_free(pointer)
            if let engine { ENGINE_finish(engine); ENGINE_free(engine) }
            throw BootCryptoError(.unsupportedKey, detail: "only RSA and EC keys can sign")
        }
    }

    deinit {
        EVP_PKEY_free(pointer)
        if let engine {
            ENGINE_finish(engine)
            ENGINE_free(engine)
        }
    }

    /// A PEM (PKCS#1, PKCS#8, SEC1; encrypted ones need `passphrase`) or DER key file.
    public static func load(file path: FilePath, passphrase: String? = nil) throws -> PrivateKey {
        let bytes = try ReadableFile.readAll(path: path, limit: 1 << 20)
        let fromPEM: OpaquePointer? = try withMemoryBIO(bytes) { bio in
            if let passphrase {
                return passphrase.withCString {
                    PEM_read_bio_PrivateKey(bio, nil, nil, UnsafeMutableRawPointer(mutating: $0))
                }
            }
            // No passphrase: a callback that supplies none, so OpenSSL never prompts on a terminal.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        if let fromPEM {
            return try PrivateKey(owning: fromPEM)
        }
        let encrypted = String(decoding: bytes.prefix(4096), as: UTF8.self).contains("ENCRYPTED")
        ERR_clear_error()
        if encrypted {
            throw BootCryptoError(passphrase == nil ? .passphraseRequired : .keyLoadFailed, detail: path.string)
        }
        let fromDER = decodeDER(bytes) { d2i_AutoPrivateKey(nil, $0, $1) }
        guard let fromDER else {
            throw BootCryptoError.fromOpenSSL(.keyLoadFailed, operation: "\(path): neither a PEM nor a DER private key")
        }
        return try PrivateKey(owning: fromDER)
    }

    /// A key behind an OpenSSL engine (`--signing-engine=pkcs11` with a PKCS#11 URI as key id).
    public static func load(engine id: String, keyID: String) throws -> PrivateKey {
        ENGINE_load_builtin_engines()
        guard let engine = ENGINE_by_id(id) else {
            throw BootCryptoError.fromOpenSSL(.providerUnavailable, operation: "engine \(id)")
        }
        // libp11's pkcs11 engine prints failures, key URI (and PIN) included, to stderr unless told
        // to be quiet; the error below reports them once, redacted. Engines without QUIET ignore it.
        _ = ENGINE_ctrl_cmd(engine, "QUIET", 0, nil, nil, 1)
        guard ENGINE_init(engine) == 1 else {
            ENGINE_free(engine)
            throw BootCryptoError.fromOpenSSL(.providerUnavailable, operation: "ENGINE_init(\(id))")
        }
        guard let key = ENGINE_load_private_key(engine, keyID, nil, nil) else {
            ENGINE_finish(engine)
            ENGINE_free(engine)
            throw BootCryptoError.fromOpenSSL(.keyLoadFailed, operation: "engine \(id) key \(keyID)")
        }
        return try PrivateKey(owning: key, engine: engine)
    }

    /// A key behind an OpenSSL 3 provider, by store URI (`--signing-provider=pkcs11` with `pkcs11:...`).
    public static func load(provider name: String, uri: String) throws -> PrivateKey {
        try ProviderStore.first(provider: name, uri: uri, error: .keyLoadFailed, what: "private key") { type, info in
            guard type == OSSL_STORE_INFO_PKEY, let key = OSSL_STORE_INFO_get1_PKEY(info) else { return nil }
            return try PrivateKey(owning: key)
        }
    }

    /// Whether `certificate` carries this key's public half.
    public func matches(_ certificate: Certificate) -> Bool {
        defer { ERR_clear_error() }
        guard let publicKey = X509_get0_pubkey(certificate.pointer) else { return false }
        return EVP_PKEY_eq(pointer, publicKey) == 1
    }

    /// Signs `message` hashed with `digest`: RSASSA-PKCS1-v1_5 (deterministic) or ECDSA (DER).
    public func sign(_ message: [UInt8], digest: DigestAlgorithm) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else {
            throw BootCryptoError.fromOpenSSL(.signFailed, operation: "EVP_MD_CTX_new")
        }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, digest.evpMD, nil, pointer) == 1 else {
            throw BootCryptoError.fromOpenSSL(.signFailed, operation: "EVP_DigestSignInit")
        }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else {
            throw BootCryptoError.fromOpenSSL(.signFailed, operation: "EVP_DigestSign")
        }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else {
            throw BootCryptoError.fromOpenSSL(.signFailed, operation: "EVP_DigestSign")
        }
        return Array(signature.prefix(length))
    }
}
