import BinaryIO
internal import COpenSSL
import SystemPackage

/// An X.509 certificate held by OpenSSL.
public final class Certificate: @unchecked Sendable {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_free(pointer)
    }

    /// Parses one DER certificate.
    public convenience init(der: [UInt8]) throws {
        let parsed = decodeDER(der) { d2i_X509(nil, $0, $1) }
        guard let parsed else {
            throw BootCryptoError.fromOpenSSL(.certificateLoadFailed, operation: "DER certificate")
        }
        self.init(owning: parsed)
    }

    /// Every certificate in a PEM file (a chain or a CA bundle), or the one certificate of a DER file.
    public static func load(file path: FilePath) throws -> [Certificate] {
        let bytes = try ReadableFile.readAll(path: path, limit: 16 << 20)
        var certificates: [Certificate] = []
        try withMemoryBIO(bytes) { bio in
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) {
                certificates.append(Certificate(owning: certificate))
            }
        }
        ERR_clear_error()
        if certificates.isEmpty {
            do {
                certificates = [try Certificate(der: bytes)]
            } catch {
                throw BootCryptoError(.certificateLoadFailed, detail: "\(path): neither PEM nor DER X.509")
            }
        }
        return certificates
    }

    /// A certificate behind an OpenSSL 3 provider, by store URI (ukify's `--certificate-provider`).
    public static func load(provider name: String, uri: String) throws -> Certificate {
        try ProviderStore.first(provider: name, uri: uri, error: .certificateLoadFailed, what: "certificate") {
            type, info in
            guard type == OSSL_STORE_INFO_CERT else { return nil }
            return OSSL_STORE_INFO_get1_CERT(info).map(Certificate.init(owning:))
        }
    }

    /// The DER encoding.
    public var der: [UInt8] { encodeDER { i2d_X509(pointer, $0) } }

    /// The DER encoding of the issuer Name (as it goes into IssuerAndSerialNumber).
    public var issuerDER: [UInt8] { encodeDER { i2d_X509_NAME(X509_get_issuer_name(pointer), $0) } }

    /// The DER encoding of the serialNumber INTEGER.
    public var serialNumberDER: [UInt8] { encodeDER { i2d_ASN1_INTEGER(X509_get0_serialNumber(pointer), $0) } }

    /// The subject in OpenSSL's one-line form (`/CN=...`).
    public var subject: String {
        guard let line = X509_NAME_oneline(X509_get_subject_name(pointer), nil, 0) else { return "?" }
        defer { bootchain_openssl_free(line) }
        return String(cString: line)
    }

    /// True when notAfter is in the past.
    public var isExpired: Bool { X509_cmp_current_time(X509_get0_notAfter(pointer)) < 0 }

    /// False when a keyUsage extension is present and lacks digitalSignature.
    public var allowsSigning: Bool {
        let usage = X509_get_key_usage(pointer)
        return usage == UInt32.max || usage & UInt32(KU_DIGITAL_SIGNATURE) != 0
    }

    /// Whether `signature` over `message` verifies with this certificate's public key.
    public func verifies(_ signature: [UInt8], over message: [UInt8], digest: DigestAlgorithm) -> Bool {
        guard let key = X509_get0_pubkey(pointer) else {
            ERR_clear_error()
            return false
        }
        return PublicKey.verify(key: key, signature, over: message, digest: digest)
    }

    /// Whether `self` chains to one of `trusted` through `intermediates`, the way EDK2 checks an
    /// Authenticode signer: partial chains allowed, no time checks, any purpose.
    public func chains(to trusted: [Certificate], through intermediates: [Certificate]) -> Bool {
        defer { ERR_clear_error() }
        guard let store = X509_STORE_new() else { return false }
        defer { X509_STORE_free(store) }
        guard let context = X509_STORE_CTX_new() else { return false }
        defer { X509_STORE_CTX_free(context) }
        guard let untrusted = bootchain_sk_X509_new_null() else { return false }
        defer { bootchain_sk_X509_free(untrusted) }
        for certificate in trusted { X509_STORE_add_cert(store, certificate.pointer) }
        for certificate in intermediates { _ = bootchain_sk_X509_push(untrusted, certificate.pointer) }
        guard X509_STORE_CTX_init(context, store, pointer, untrusted) == 1 else { return false }
        X509_STORE_CTX_set_flags(context, UInt(X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME))
        X509_STORE_CTX_set_purpose(context, X509_PURPOSE_ANY)
        return withExtendedLifetime((trusted, intermediates)) { X509_verify_cert(context) } == 1
    }
}

/// Runs `body` with a read-only memory BIO over `bytes`.
func withMemoryBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) throws -> T) throws -> T {
    try bytes.withUnsafeBytes { buffer in
        guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else {
            throw BootCryptoError.fromOpenSSL(.keyLoadFailed, operation: "BIO_new_mem_buf")
        }
        defer { BIO_free(bio) }
        return try body(bio)
    }
}
