internal import COpenSSL

/// The hash algorithms of PCR banks and Authenticode, named as OpenSSL and systemd name them.
public enum DigestAlgorithm: String, CaseIterable, Sendable {
    case sha1, sha256, sha384, sha512

    /// Size of a digest in bytes.
    public var digestSize: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    var evpMD: OpaquePointer? {
        switch self {
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha384: EVP_sha384()
        case .sha512: EVP_sha512()
        }
    }
}

/// An incremental hash computed by OpenSSL (EVP), for streaming large inputs chunk by chunk.
public final class Digest {
    public let algorithm: DigestAlgorithm
    private let context: OpaquePointer

    public init(_ algorithm: DigestAlgorithm) throws {
        guard let context = EVP_MD_CTX_new() else {
            throw BootCryptoError.fromOpenSSL(.digestFailed, operation: "EVP_MD_CTX_new")
        }
        guard EVP_DigestInit_ex(context, algorithm.evpMD, nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw BootCryptoError.fromOpenSSL(.digestFailed, operation: "EVP_DigestInit_ex(\(algorithm.rawValue))")
        }
        self.algorithm = algorithm
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    public func update(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else {
            throw BootCryptoError.fromOpenSSL(.digestFailed, operation: "EVP_DigestUpdate")
        }
    }

    public func update(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try update($0) }
    }

    /// The digest of everything fed so far. The object cannot be updated afterwards.
    public func finalize() throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &output, &length) == 1 else {
            throw BootCryptoError.fromOpenSSL(.digestFailed, operation: "EVP_DigestFinal_ex")
        }
        return Array(output.prefix(Int(length)))
    }

    /// One-shot digest of a byte array.
    public static func hash(_ algorithm: DigestAlgorithm, _ bytes: [UInt8]) throws -> [UInt8] {
        let digest = try Digest(algorithm)
        try digest.update(bytes)
        return try digest.finalize()
    }
}
