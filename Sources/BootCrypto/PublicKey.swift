import BinaryIO
internal import COpenSSL
import SystemPackage

/// A public key held by OpenSSL: from a PEM/DER file, a certificate, or the public half of a
/// ``PrivateKey``. It exposes what TPM2 structures need (RSA modulus and exponent, EC curve and
/// coordinates) and verifies signatures.
public final class PublicKey: @unchecked Sendable {
    /// The key material a TPM2 public area carries, big-endian with leading zero bytes stripped
    /// (OpenSSL's `BN_bn2bin`).
    public enum Parameters: Sendable, Equatable {
        case rsa(modulus: [UInt8], exponent: [UInt8])
        case ec(curve: EllipticCurve, x: [UInt8], y: [UInt8])
    }

    /// The NIST curves a TPM knows.
    public enum EllipticCurve: String, Sendable, CaseIterable {
        case p256 = "prime256v1"
        case p384 = "secp384r1"
        case p521 = "secp521r1"
    }

    let pointer: OpaquePointer

    private init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        EVP_PKEY_free(pointer)
    }

    /// Parses a DER SubjectPublicKeyInfo.
    public convenience init(subjectPublicKeyInfo der: [UInt8]) throws {
        let parsed = decodeDER(der) { d2i_PUBKEY(nil, $0, $1) }
        guard let parsed else {
            throw BootCryptoError.fromOpenSSL(.keyLoadFailed, operation: "DER SubjectPublicKeyInfo")
        }
        self.init(owning: parsed)
    }

    /// The public half of `privateKey` (also for keys behind a provider or engine).
    public convenience init(of privateKey: PrivateKey) throws {
        try self.init(subjectPublicKeyInfo: encodeDER { i2d_PUBKEY(privateKey.pointer, $0) })
    }

    /// The public key of `certificate`.
    public convenience init(of certificate: Certificate) throws {
        guard let key = X509_get0_pubkey(certificate.pointer) else {
            throw BootCryptoError.fromOpenSSL(.keyLoadFailed, operation: "certificate public key")
        }
        try self.init(subjectPublicKeyInfo: encodeDER { i2d_PUBKEY(key, $0) })
    }

    /// A PEM or DER public key file (SubjectPublicKeyInfo, `PUBLIC KEY`), or an X.509 certificate
    /// (PEM or DER) whose key is taken.
    public static func load(file path: FilePath) throws -> PublicKey {
        let bytes = try ReadableFile.readAll(path: path, limit: 1 << 20)
        let fromPEM: OpaquePointer? = try withMemoryBIO(bytes) { PEM_read_bio_PUBKEY($0, nil, nil, nil) }
        ERR_clear_error()
        if let fromPEM { return PublicKey(owning: fromPEM) }
        if let key = try? PublicKey(subjectPublicKeyInfo: bytes) { return key }
        if let certificate = try? Certificate.load(file: path).first { return try PublicKey(of: certificate) }
        throw BootCryptoError(.keyLoadFailed, detail: "\(path): not a PEM or DER public key or certificate")
    }

    /// A public key, or the key of a certificate, behind an OpenSSL 3 provider, by store URI.
    public static func load(provider name: String, uri: String) throws -> PublicKey {
        try ProviderStore.first(provider: name, uri: uri, error: .keyLoadFailed, what: "public key or certificate") {
            type, info in
            switch type {
            case OSSL_STORE_INFO_PUBKEY: return OSSL_STORE_INFO_get1_PUBKEY(info).map(PublicKey.init(owning:))
            case OSSL_STORE_INFO_CERT:
                return try OSSL_STORE_INFO_get1_CERT(info).map { try PublicKey(of: Certificate(owning: $0)) }
            default: return nil
            }
        }
    }

    /// `i2d_PublicKey`: PKCS#1 RSAPublicKey for RSA, the uncompressed point `04||X||Y` for EC.
    /// systemd's `pkfp` is the SHA-256 of these bytes.
    public var publicKeyEncoding: [UInt8] { encodeDER { i2d_PublicKey(pointer, $0) } }

    /// Modulus and exponent, or curve and coordinates.
    public func parameters() throws -> Parameters {
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA:
            return .rsa(modulus: try bigNumber("n"), exponent: try bigNumber("e"))
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 80)
            guard EVP_PKEY_get_utf8_string_param(pointer, "group", &name, name.count, nil) == 1
            else {
                throw BootCryptoError.fromOpenSSL(.unsupportedKey, operation: "EC group name")
            }
            let groupName = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let curve = EllipticCurve(rawValue: groupName) else {
                throw BootCryptoError(
                    .unsupportedKey, detail: "EC curve \(groupName) (a TPM knows P-256, P-384, P-521)")
            }
            return .ec(
                curve: curve, x: try bigNumber("qx"), y: try bigNumber("qy"))
        default:
            throw BootCryptoError(.unsupportedKey, detail: "only RSA and EC public keys are supported")
        }
    }

    /// Whether `privateKey` is the private half of this key.
    public func matches(_ privateKey: PrivateKey) -> Bool {
        defer { ERR_clear_error() }
        return EVP_PKEY_eq(pointer, privateKey.pointer) == 1
    }

    /// Whether `signature` over `message` hashed with `digest` verifies with this key.
    public func verifies(_ signature: [UInt8], over message: [UInt8], digest: DigestAlgorithm) -> Bool {
        Self.verify(key: pointer, signature, over: message, digest: digest)
    }

    static func verify(
        key: OpaquePointer, _ signature: [UInt8], over message: [UInt8], digest: DigestAlgorithm
    )
        -> Bool
    {
        defer { ERR_clear_error() }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, digest.evpMD, nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }

    /// `name` is an OpenSSL parameter name (`OSSL_PKEY_PARAM_*`: "n", "e", "qx", "qy").
    private func bigNumber(_ name: String) throws -> [UInt8] {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(pointer, name, &number) == 1, let number else {
            throw BootCryptoError.fromOpenSSL(.unsupportedKey, operation: "public key parameter \(name)")
        }
        defer { BN_free(number) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
        BN_bn2bin(number, &bytes)
        return bytes
    }
}

/// Calls an OpenSSL `d2i_*` decoder (cursor, length) over `der`.
func decodeDER(
    _ der: [UInt8], _ decode: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> OpaquePointer?
) -> OpaquePointer? {
    der.withUnsafeBufferPointer { buffer in
        var cursor = buffer.baseAddress
        return decode(&cursor, buffer.count)
    }
}

/// Calls an OpenSSL `i2d_*` encoder and copies its output.
func encodeDER(_ body: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) -> [UInt8] {
    var output: UnsafeMutablePointer<UInt8>?
    let length = body(&output)
    guard length > 0, let output else { return [] }
    defer { bootchain_openssl_free(output) }
    return Array(UnsafeBufferPointer(start: output, count: Int(length)))
}
