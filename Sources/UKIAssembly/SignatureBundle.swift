import BinaryIO
import BootCrypto
import FoundationEssentials
import JSON
import PEKit
import Synchronization
import SystemPackage
import TPMPolicy

/// Every signature a UKI carries, with what each one covers, so that a machine without the keys can
/// rebuild the same inputs and get the same bytes (`ukify build --export-signatures` on the server,
/// `--import-signatures` on the client). Version 1, as JSON:
///
///     {"format": "bootchain-signatures", "version": 1,
///      "kernel": {"algorithm": "sha256", "digest": HEX, "signer": HEX, "pkcs7": BASE64},
///      "uki": {... the same fields ...},
///      "pcr": {"publicKey": PEM, "profiles": [{"profile": 0,
///               "values": [{"bank": "sha256", "phase": "enter-initrd", "pcr": HEX}, ...],
///               "pcrsig": TEXT}, ...]}}
///
/// `digest` is the Authenticode digest the PKCS#7 signs, `signer` the SHA-256 of its signer
/// certificate (DER). `values` are the PCR 11 values the profile's `.pcrsig` (its exact text) signs.
/// `kernel` is absent when the kernel was embedded as it was, `uki` when the UKI is not signed,
/// `pcr` when it has no PCR signatures. A hash-only signer's answers go in instead as
/// `"raw": [{"digest": HEX, "signature": BASE64}]` (see ``DigestRequests``). Unknown formats and
/// versions are refused.
public struct SignatureBundle: Sendable, Equatable {
    public static let format = "bootchain-signatures"
    public static let version = 1

    /// One Authenticode signature and the digest it covers.
    public struct Authenticode: Sendable, Equatable {
        public var algorithm: DigestAlgorithm
        public var digest: [UInt8]
        public var pkcs7: [UInt8]

        /// SHA-256 of the signer certificate, for people and key inventories.
        public func signerFingerprint() throws -> [UInt8] {
            let signature = try AuthenticodeSignature(der: pkcs7)
            return Digest.hash(.sha256, signature.signerCertificate?.der ?? [])
        }
    }

    /// One profile's `.pcrsig` and the PCR 11 values it signs.
    public struct ProfileSignatures: Sendable, Equatable {
        public var profile: Int
        public var values: [PCR11Prediction.Value]
        /// The section's exact text.
        public var pcrsig: [UInt8]
    }

    public var kernel: Authenticode?
    public var uki: Authenticode?
    /// The embedded `.pcrpkey`.
    public var pcrPublicKey: [UInt8]?
    public var profiles: [ProfileSignatures] = []
    /// A hash-only signer's answers: signature by the digest it signs.
    public var raw: [[UInt8]: [UInt8]] = [:]

    public init() {}

    /// Whether the bundle holds finished signatures (rather than, or besides, raw answers).
    public var hasSignatures: Bool { kernel != nil || uki != nil || !profiles.isEmpty }

    public subscript(image: SignedImage) -> Authenticode? {
        get { image == .kernel ? kernel : uki }
        set { if image == .kernel { kernel = newValue } else { uki = newValue } }
    }

    // MARK: JSON

    public func json() throws -> JSONValue {
        func authenticode(_ entry: Authenticode) throws -> JSONValue {
            .object([
                ("algorithm", .string(entry.algorithm.rawValue)), ("digest", .string(entry.digest.hexString)),
                ("signer", .string(try entry.signerFingerprint().hexString)),
                ("pkcs7", .string(Data(entry.pkcs7).base64EncodedString())),
            ])
        }
        var members: [(String, JSONValue)] = [("format", .string(Self.format)), ("version", .integer(Self.version))]
        for image in SignedImage.allCases {
            if let entry = self[image] { members.append((image.rawValue, try authenticode(entry))) }
        }
        if !profiles.isEmpty {
            let profiles = profiles.map { profile -> JSONValue in
                .object([
                    ("profile", .integer(profile.profile)),
                    (
                        "values",
                        .array(
                            profile.values.map {
                                .object([
                                    ("bank", .string($0.bank.rawValue)), ("phase", .string($0.phase.description)),
                                    ("pcr", .string($0.value.hexString)),
                                ])
                            })
                    ),
                    ("pcrsig", .string(String(decoding: profile.pcrsig, as: UTF8.self))),
                ])
            }
            var pcr: [(String, JSONValue)] = []
            if let pcrPublicKey { pcr.append(("publicKey", .string(String(decoding: pcrPublicKey, as: UTF8.self)))) }
            pcr.append(("profiles", .array(profiles)))
            members.append(("pcr", .object(pcr)))
        }
        if !raw.isEmpty {
            let answers = raw.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { digest, signature in
                JSONValue.object([
                    ("digest", .string(digest.hexString)),
                    ("signature", .string(Data(signature).base64EncodedString())),
                ])
            }
            members.append(("raw", .array(answers)))
        }
        return .object(members)
    }

    /// Parses a bundle; `origin` names it in errors.
    public init(parsing bytes: [UInt8], origin: String) throws {
        func fail(_ detail: String) -> UKIAssemblyError {
            UKIAssemblyError(.malformedInput, path: origin, detail: detail)
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw fail("\(error)")
        }
        guard json["format"]?.stringValue == Self.format else {
            throw fail("not a signature bundle (\"format\" is not \"\(Self.format)\")")
        }
        guard let version = json["version"]?.integerValue, version == Self.version else {
            throw fail(
                "signature bundle version \(json["version"]?.integerValue.map(String.init) ?? "?") "
                    + "is not supported (this ukify reads version \(Self.version))")
        }
        func string(_ object: JSONValue, _ key: String, _ context: String) throws -> String {
            guard let value = object[key]?.stringValue else { throw fail("\(context): no \"\(key)\" string") }
            return value
        }
        func hex(_ object: JSONValue, _ key: String, _ context: String) throws -> [UInt8] {
            guard let bytes = [UInt8](hexString: try string(object, key, context)) else {
                throw fail("\(context): \"\(key)\" is not hex")
            }
            return bytes
        }
        func algorithm(_ object: JSONValue, _ key: String, _ context: String) throws -> DigestAlgorithm {
            let name = try string(object, key, context)
            guard let algorithm = DigestAlgorithm(rawValue: name) else {
                throw fail("\(context): unknown \(key) \"\(name)\"")
            }
            return algorithm
        }
        for image in SignedImage.allCases {
            guard let entry = json[image.rawValue] else { continue }
            let context = "\"\(image.rawValue)\""
            guard let pkcs7 = Data(base64Encoded: try string(entry, "pkcs7", context)).map(Array.init) else {
                throw fail("\(context): \"pkcs7\" is not base64")
            }
            self[image] = Authenticode(
                algorithm: try algorithm(entry, "algorithm", context), digest: try hex(entry, "digest", context),
                pkcs7: pkcs7)
        }
        if let pcr = json["pcr"] {
            pcrPublicKey = pcr["publicKey"]?.stringValue.map { Array($0.utf8) }
            guard let profiles = pcr["profiles"]?.arrayValue else { throw fail("\"pcr\": no \"profiles\" list") }
            self.profiles = try profiles.map { profile in
                guard let number = profile["profile"]?.integerValue, let values = profile["values"]?.arrayValue else {
                    throw fail("\"pcr\": a profile without \"profile\" or \"values\"")
                }
                let context = "profile \(number)"
                return ProfileSignatures(
                    profile: number,
                    values: try values.map { value in
                        PCR11Prediction.Value(
                            bank: try algorithm(value, "bank", context),
                            phase: try PhasePath(parsing: try string(value, "phase", context)),
                            value: try hex(value, "pcr", context))
                    },
                    pcrsig: Array(try string(profile, "pcrsig", context).utf8))
            }
        }
        for answer in json["raw"]?.arrayValue ?? [] {
            guard let signature = Data(base64Encoded: try string(answer, "signature", "\"raw\"")).map(Array.init) else {
                throw fail("\"raw\": \"signature\" is not base64")
            }
            raw[try hex(answer, "digest", "\"raw\"")] = signature
        }
    }

    public init(path: FilePath) throws {
        try self.init(parsing: try ReadableFile.readAll(path: path, limit: 64 << 20), origin: path.string)
    }

    /// Writes the bundle atomically.
    public func write(to path: FilePath) throws {
        try InMemoryBytes(Array((try json().rendered(.pretty) + "\n").utf8)).save(to: path)
    }
}

/// Signs with a key and keeps every signature made, for ``SignatureBundle``.
final class RecordingSignatureSource: AuthenticodeSignatureSource, Sendable {
    let source: any AuthenticodeSignatureSource
    private let recorded = Mutex(SignatureBundle())

    init(_ source: any AuthenticodeSignatureSource) {
        self.source = source
    }

    func signature(for image: SignedImage, digest: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8] {
        let pkcs7 = try source.signature(for: image, digest: digest, algorithm: algorithm)
        recorded.withLock { $0[image] = .init(algorithm: algorithm, digest: digest, pkcs7: pkcs7) }
        return pkcs7
    }

    var signatures: SignatureBundle { recorded.withLock { $0 } }
}

/// The signatures of a bundle, handed out only for the digests they sign: a rebuilt image with
/// another digest is an error naming the image, never a UKI with a signature that does not fit.
struct RecordedSignatureSource: AuthenticodeSignatureSource {
    let bundle: SignatureBundle
    let origin: String

    func signature(for image: SignedImage, digest: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8] {
        guard let entry = bundle[image] else {
            throw UKIAssemblyError(
                .signatureMismatch, path: origin,
                detail: "has no signature for the \(image == .kernel ? "kernel" : "UKI"), which this build signs")
        }
        guard entry.algorithm == algorithm, entry.digest == digest else {
            let what = image == .kernel ? "kernel (--linux)" : "UKI"
            throw UKIAssemblyError(
                .signatureMismatch, path: origin,
                detail: "the \(image.rawValue) signature covers \(entry.algorithm.rawValue):\(entry.digest.hexString), "
                    + "but the rebuilt \(what) is \(algorithm.rawValue):\(digest.hexString): an input differs")
        }
        return entry.pkcs7
    }
}
