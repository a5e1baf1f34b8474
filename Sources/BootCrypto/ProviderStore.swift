internal import COpenSSL

/// Objects behind an OpenSSL 3 provider (a PKCS#11 token, a TPM), found through OSSL_STORE.
enum ProviderStore {
    /// The first object at `uri` that `take` accepts, given each object's `OSSL_STORE_INFO_*`
    /// type and info, with the provider `name` (and the default one, for the decoders) loaded.
    static func first<Object>(
        provider name: String, uri: String, error code: BootCryptoErrorCode, what: String,
        _ take: (Int32, OpaquePointer) throws -> Object?
    ) throws -> Object {
        guard OSSL_PROVIDER_load(nil, name) != nil, OSSL_PROVIDER_load(nil, "default") != nil else {
            throw BootCryptoError.fromOpenSSL(.providerUnavailable, operation: "provider \(name)")
        }
        guard let store = OSSL_STORE_open(uri, nil, nil, nil, nil) else {
            throw BootCryptoError.fromOpenSSL(code, operation: "OSSL_STORE_open(\(uri))")
        }
        defer { OSSL_STORE_close(store) }
        while OSSL_STORE_eof(store) == 0 {
            guard let info = OSSL_STORE_load(store) else {
                if OSSL_STORE_error(store) != 0 { break }
                continue
            }
            defer { OSSL_STORE_INFO_free(info) }
            if let object = try take(OSSL_STORE_INFO_get_type(info), info) { return object }
        }
        throw BootCryptoError.fromOpenSSL(code, operation: "no \(what) at \(uri)")
    }
}
