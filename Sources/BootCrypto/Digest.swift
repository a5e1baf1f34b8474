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

    /// The algorithm OpenSSL knows by `name`, under any of its names and aliases, in any case
    /// ("SHA256", "sha-256", "SHA2-256"): what `EVP_get_digestbyname` resolves. nil for names
    /// OpenSSL does not know and for digests other than these four.
    public init?(openSSLName name: String) {
        guard let md = EVP_get_digestbyname(name) else { return nil }
        let nid = EVP_MD_get_type(md)
        guard let algorithm = Self.allCases.first(where: { EVP_MD_get_type($0.evpMD) == nid }) else { return nil }
        self = algorithm
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

/// An incremental hash computed by OpenSSL (EVP), for streaming large inputs chunk by chunk. It
/// cannot fail: the algorithms are OpenSSL's built-in ones, so EVP fails only when memory runs out,
/// which traps (as swift-crypto's digests do).
public final class Digest {
    public let algorithm: DigestAlgorithm
    private let context: OpaquePointer

    public init(_ algorithm: DigestAlgorithm) {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, algorithm.evpMD, nil) == 1 else {
            preconditionFailure("EVP_DigestInit_ex(\(algorithm.rawValue)) failed")
        }
        self.algorithm = algorithm
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        precondition(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything fed so far. The object cannot be updated afterwards.
    public func finalize() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &output, &length) == 1, "EVP_DigestFinal_ex failed")
        return Array(output.prefix(Int(length)))
    }

    /// One-shot digest of a byte array.
    public static func hash(_ algorithm: DigestAlgorithm, _ bytes: [UInt8]) -> [UInt8] {
        let digest = Digest(algorithm)
        digest.update(bytes)
        return digest.finalize()
    }
}
