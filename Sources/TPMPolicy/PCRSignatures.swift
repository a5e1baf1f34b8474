import BinaryIO
import BootCrypto
import FoundationEssentials
import JSON

/// One signed PCR policy: "these PCRs with these values (as the PolicyPCR digest `policy`) are
/// approved by the key with fingerprint `keyFingerprint`".
public struct PCRSignatureEntry: Sendable, Hashable {
    public var pcrs: [Int]
    public var keyFingerprint: [UInt8]
    public var policy: [UInt8]
    /// The PolicyAuthorize policyRef name (newest systemd's `--policyref`), when any.
    public var policyRef: String?
    public var signature: [UInt8]

    public init(pcrs: [Int], keyFingerprint: [UInt8], policy: [UInt8], policyRef: String?, signature: [UInt8]) {
        self.pcrs = pcrs
        self.keyFingerprint = keyFingerprint
        self.policy = policy
        self.policyRef = policyRef
        self.signature = signature
    }

    /// The message that is signed and that TPM2_VerifySignature checks: `policy`, followed by
    /// SHA-256 of the policyRef when there is one.
    public var signedMessage: [UInt8] {
        get throws { try PCRPolicy.message(policy: policy, policyRef: policyRef) }
    }

    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("pcrs", .array(pcrs.map { .integer($0) })),
            ("pkfp", .string(keyFingerprint.hexString)),
            ("pol", .string(policy.hexString)),
        ]
        if let policyRef { members.append(("ref", .string(policyRef))) }
        members.append(("sig", .string(Data(signature).base64EncodedString())))
        return .object(members)
    }
}

/// A `.pcrsig` document (spec digest §5.7): per bank, a list of signed policies, in the order
/// they were added and without duplicates.
public struct PCRSignatures: Sendable, Equatable {
    public private(set) var banks: [(bank: DigestAlgorithm, entries: [PCRSignatureEntry])] = []
    /// The entries of each bank, so adding one is a lookup, not a walk through the list.
    private var present: [DigestAlgorithm: Set<PCRSignatureEntry>] = [:]

    /// The size of `pol` and `pkfp`: a PolicyAuthorize approves a SHA-256 policy digest (the
    /// session's hash, whatever the PCR bank), and systemd names the key by the SHA-256 of its
    /// DER public key.
    static let digestSize = 32

    public init() {}

    public static func == (lhs: PCRSignatures, rhs: PCRSignatures) -> Bool {
        lhs.json == rhs.json
    }

    /// Parses a `.pcrsig` document; one trailing NUL (the UAPI spec's zero-terminated string) is
    /// accepted. `origin` names the input in errors.
    public init(parsing bytes: [UInt8], origin: String) throws {
        for (bankName, list) in try PCRSignatureDocument(parsing: bytes, origin: origin).members {
            guard let bank = DigestAlgorithm(rawValue: bankName) else {
                throw TPMPolicyError(.malformedInput, "\(origin): unknown bank '\(bankName)' in .pcrsig")
            }
            guard let elements = list.arrayValue else {
                throw TPMPolicyError(.malformedInput, "\(origin): .pcrsig bank \(bankName) is not an array")
            }
            for element in elements {
                append(try Self.entry(element, origin: "\(origin): .pcrsig bank \(bankName)"), bank: bank)
            }
        }
    }

    private static func entry(_ value: JSONValue, origin: String) throws -> PCRSignatureEntry {
        func field(_ name: String) throws -> String {
            guard let text = value[name]?.stringValue else {
                throw TPMPolicyError(.malformedInput, "\(origin): entry without a string \"\(name)\"")
            }
            return text
        }
        func digestField(_ name: String) throws -> [UInt8] {
            guard let bytes = [UInt8](hexString: try field(name)), bytes.count == digestSize else {
                throw TPMPolicyError(
                    .malformedInput, "\(origin): \"\(name)\" is not a SHA-256 digest (\(digestSize * 2) hex digits)")
            }
            return bytes
        }
        guard let pcrs = value["pcrs"]?.arrayValue?.compactMap(\.integerValue),
            pcrs.count == value["pcrs"]?.arrayValue?.count, pcrs.allSatisfy({ (0..<24).contains($0) })
        else {
            throw TPMPolicyError(.malformedInput, "\(origin): entry without a \"pcrs\" list of PCR numbers")
        }
        guard let signature = Data(base64Encoded: try field("sig")).map(Array.init), !signature.isEmpty else {
            throw TPMPolicyError(.malformedInput, "\(origin): \"sig\" is not base64")
        }
        let policyRef = value["ref"] == nil ? nil : try field("ref")
        return PCRSignatureEntry(
            pcrs: pcrs, keyFingerprint: try digestField("pkfp"), policy: try digestField("pol"), policyRef: policyRef,
            signature: signature)
    }

    /// Adds `entry` under `bank` unless it is already there.
    public mutating func append(_ entry: PCRSignatureEntry, bank: DigestAlgorithm) {
        guard present[bank, default: []].insert(entry).inserted else { return }
        if let index = banks.firstIndex(where: { $0.bank == bank }) {
            banks[index].entries.append(entry)
        } else {
            banks.append((bank, [entry]))
        }
    }

    /// Adds every entry of `other`.
    public mutating func merge(_ other: PCRSignatures) {
        for (bank, entries) in other.banks {
            for entry in entries { append(entry, bank: bank) }
        }
    }

    public var isEmpty: Bool { banks.isEmpty }

    public var json: JSONValue {
        .object(banks.map { ($0.bank.rawValue, .array($0.entries.map(\.json))) })
    }
}
