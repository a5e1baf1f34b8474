import BinaryIO
import BootCrypto
import JSON
import PEKit
import Synchronization
import SystemPackage

/// What a hash-only signer (a signing service or HSM that signs digests and never sees files) must
/// sign next (`ukify build --export-digests`), in rounds, each depending on the one before: round 1,
/// the Authenticode signed attributes of the kernel signed on the way in; round 2, every PCR 11
/// policy (they measure that signed kernel); round 3, the UKI's Authenticode signed attributes.
/// Rounds with nothing to sign are skipped. Version 1, as JSON:
///
///     {"format": "bootchain-digests", "version": 1, "round": 1,
///      "sign": [{"key": "secureboot" | "pcr", "fingerprint": HEX, "keyAlgorithm": "rsa" | "ecdsa",
///                "for": "kernel" | "uki" | "PCR 11 policy",
///                "algorithm": "sha256", "tbs": HEX, "digest": HEX}, ...]}
///
/// `tbs` are the exact bytes to sign, `digest` their hash with `algorithm`; `fingerprint` is the
/// SHA-256 of the Secure Boot certificate (DER), or the PCR key's `pkfp`. The answers go into a
/// signature bundle as `"raw": [{"digest": HEX, "signature": BASE64}]`: RSASSA-PKCS1-v1_5 over
/// the digest (`openssl pkeyutl -sign -pkeyopt digest:sha256`), or an ECDSA signature in DER.
public struct DigestRequests: Sendable {
    public static let format = "bootchain-digests"
    public static let version = 1

    public struct Request: Sendable, Equatable {
        public var key: String
        public var fingerprint: [UInt8]
        public var keyAlgorithm: KeyAlgorithm
        public var purpose: String
        public var algorithm: DigestAlgorithm
        public var message: [UInt8]
        public var digest: [UInt8]
    }

    public var round: Int
    public var requests: [Request]

    public func json() -> JSONValue {
        .object([
            ("format", .string(Self.format)), ("version", .integer(Self.version)), ("round", .integer(round)),
            (
                "sign",
                .array(
                    requests.map {
                        .object([
                            ("key", .string($0.key)), ("fingerprint", .string($0.fingerprint.hexString)),
                            ("keyAlgorithm", .string($0.keyAlgorithm.rawValue)), ("for", .string($0.purpose)),
                            ("algorithm", .string($0.algorithm.rawValue)), ("tbs", .string($0.message.hexString)),
                            ("digest", .string($0.digest.hexString)),
                        ])
                    })
            ),
        ])
    }

    /// Writes the list atomically.
    public func write(to path: FilePath) throws {
        try InMemoryBytes(Array((json().rendered(.pretty) + "\n").utf8)).save(to: path)
    }
}

/// Collects what hash-only signing still lacks, across every key of a build.
final class PendingDigests: Sendable {
    private let requests = Mutex<[DigestRequests.Request]>([])

    func add(_ request: DigestRequests.Request) {
        requests.withLock { requests in
            if !requests.contains(where: { $0.digest == request.digest && $0.key == request.key }) {
                requests.append(request)
            }
        }
    }

    var all: [DigestRequests.Request] { requests.withLock { $0 } }
}

/// A build needs signatures it does not have yet, for the UKI itself (round 2): writing stops.
struct SignaturesPending: Error {}

/// One key of a hash-only signer: answers come from a signature bundle's `raw` list (each checked
/// against the key); a message without an answer is noted in ``PendingDigests`` and, for planning
/// only, gets a stand-in of the key's signature size.
struct DigestSigner: MessageSigner {
    let key: String
    let fingerprint: [UInt8]
    let publicKey: PublicKey
    let algorithm: KeyAlgorithm
    let purpose: String
    let answers: [[UInt8]: [UInt8]]
    let origin: String
    let pending: PendingDigests
    /// Stop the build instead of using a stand-in (the UKI's own signature: nothing depends on it).
    let stopsWhenPending: Bool

    init(
        key: String, fingerprint: [UInt8], publicKey: PublicKey, purpose: String, answers: [[UInt8]: [UInt8]],
        origin: String, pending: PendingDigests, stopsWhenPending: Bool = false
    ) throws {
        self.key = key
        self.fingerprint = fingerprint
        self.publicKey = publicKey
        algorithm =
            switch try publicKey.parameters() {
            case .rsa: .rsa
            case .ec: .ecdsa
            }
        self.purpose = purpose
        self.answers = answers
        self.origin = origin
        self.pending = pending
        self.stopsWhenPending = stopsWhenPending
    }

    func sign(_ message: [UInt8], digest algorithm: DigestAlgorithm) throws -> [UInt8] {
        let digest = Digest.hash(algorithm, message)
        if let answer = answers[digest] {
            guard publicKey.verifies(answer, over: message, digest: algorithm) else {
                throw UKIAssemblyError(
                    .signatureMismatch, path: origin,
                    detail: "the signature for digest \(digest.hexString) (\(purpose)) does not verify with the "
                        + "\(key) key \(fingerprint.hexString)")
            }
            return answer
        }
        pending.add(
            .init(
                key: key, fingerprint: fingerprint, keyAlgorithm: self.algorithm, purpose: purpose,
                algorithm: algorithm, message: message, digest: digest))
        if stopsWhenPending { throw SignaturesPending() }
        return [UInt8](repeating: 0, count: try standInSize())
    }

    /// RSA: the modulus size; ECDSA: the longest DER signature of the curve.
    private func standInSize() throws -> Int {
        switch try publicKey.parameters() {
        case .rsa(let modulus, _): modulus.count
        case .ec(_, let x, _): 2 * x.count + 9
        }
    }
}

/// Secure Boot signing by a hash-only signer that holds `certificate`'s key.
struct DigestAuthenticodeSource: AuthenticodeSignatureSource {
    let certificate: Certificate
    let chain: [Certificate]
    let answers: [[UInt8]: [UInt8]]
    let origin: String
    let pending: PendingDigests

    func signature(for image: SignedImage, digest: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8] {
        let signer = try DigestSigner(
            key: "secureboot", fingerprint: Digest.hash(.sha256, certificate.der),
            publicKey: PublicKey(of: certificate),
            purpose: image.rawValue, answers: answers, origin: origin, pending: pending,
            stopsWhenPending: image == .uki)
        return try AuthenticodeSigner(signer: signer, certificate: certificate, chain: chain)
            .signedData(imageDigest: digest, algorithm: algorithm)
    }
}
