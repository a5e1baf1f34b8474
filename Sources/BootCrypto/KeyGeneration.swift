internal import COpenSSL

/// New keys and self-signed certificates, as `ukify genkey` makes them (RSA-2048, SHA-256,
/// basicConstraints critical CA:FALSE, a random positive serial).
public enum KeyGeneration {
    public static func rsa(bits: Int = 2048) throws -> PrivateKey {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nil) else {
            throw BootCryptoError.fromOpenSSL(.keyLoadFailed, operation: "EVP_PKEY_CTX_new_id")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1,
            EVP_PKEY_keygen(context, &key) == 1, let key
        else {
            throw BootCryptoError.fromOpenSSL(.keyLoadFailed, operation: "RSA key generation")
        }
        return try PrivateKey(owning: key)
    }

    public static func selfSignedCertificate(
        key: PrivateKey, commonName: String, validityDays: Int
    ) throws -> Certificate {
        guard let certificate = X509_new() else {
            throw BootCryptoError.fromOpenSSL(.signFailed, operation: "X509_new")
        }
        let owner = Certificate(owning: certificate)
        var serial = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&serial, Int32(serial.count)) == 1 else {
            throw BootCryptoError.fromOpenSSL(.signFailed, operation: "RAND_bytes")
        }
        serial[0] &= 0x7F
        let number = BN_bin2bn(serial, Int32(serial.count), nil)
        defer { BN_free(number) }
        let name = X509_get_subject_name(certificate)
        let extensionValue = X509V3_EXT_conf_nid(nil, nil, NID_basic_constraints, "critical,CA:FALSE")
        defer { X509_EXTENSION_free(extensionValue) }
        guard X509_set_version(certificate, 2) == 1,
            BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil,
            X509_gmtime_adj(X509_getm_notBefore(certificate), 0) != nil,
            X509_gmtime_adj(X509_getm_notAfter(certificate), validityDays * 86_400) != nil,
            X509_set_pubkey(certificate, key.pointer) == 1,
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1,
            X509_set_issuer_name(certificate, name) == 1, let extensionValue,
            X509_add_ext(certificate, extensionValue, -1) == 1,
            X509_sign(certificate, key.pointer, EVP_sha256()) > 0
        else {
            throw BootCryptoError.fromOpenSSL(.signFailed, operation: "self-signed certificate")
        }
        return owner
    }
}

extension PrivateKey {
    /// The private key as PEM (PKCS#8).
    public func privateKeyPEM() throws -> [UInt8] {
        try writingPEM { PEM_write_bio_PrivateKey($0, pointer, nil, nil, 0, nil, nil) }
    }

    /// The public key as PEM SubjectPublicKeyInfo (what `.pcrpkey` holds).
    public func publicKeyPEM() throws -> [UInt8] {
        try writingPEM { PEM_write_bio_PUBKEY($0, pointer) }
    }
}

extension PublicKey {
    /// PEM SubjectPublicKeyInfo (what `.pcrpkey` holds).
    public func pem() throws -> [UInt8] {
        try writingPEM { PEM_write_bio_PUBKEY($0, pointer) }
    }
}

extension Certificate {
    public func pem() throws -> [UInt8] {
        try writingPEM { PEM_write_bio_X509($0, pointer) }
    }
}

/// Runs an OpenSSL PEM writer against a memory BIO and returns what it wrote.
func writingPEM(_ write: (OpaquePointer) -> Int32) throws -> [UInt8] {
    guard let bio = BIO_new(BIO_s_mem()) else { throw BootCryptoError.fromOpenSSL(.signFailed, operation: "BIO_new") }
    defer { BIO_free(bio) }
    guard write(bio) == 1 else { throw BootCryptoError.fromOpenSSL(.signFailed, operation: "PEM write") }
    var output = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(bio)))
    let count = BIO_read(bio, &output, Int32(output.count))
    return Array(output.prefix(Int(max(count, 0))))
}
