import BootCrypto

/// The PolicyPCR digest of one predicted PCR 11 value: what a signer approves.
public struct PCRPolicy: Sendable, Equatable {
    public static let pcr = 11

    public let bank: DigestAlgorithm
    public let phase: PhasePath
    /// PolicyPCR over PCR 11 with the predicted value (`pol`).
    public let policy: [UInt8]
    public let policyRef: String?

    public init(_ value: PCR11Prediction.Value, policyRef: String?) throws {
        bank = value.bank
        phase = value.phase
        policy = try PolicyDigest.policyPCR(bank: value.bank, values: [(Self.pcr, value.value)])
        self.policyRef = policyRef
    }

    /// The bytes to sign (`tbs`): the policy, then SHA-256 of the policyRef when there is one.
    public var message: [UInt8] {
        get throws { try Self.message(policy: policy, policyRef: policyRef) }
    }

    static func message(policy: [UInt8], policyRef: String?) throws -> [UInt8] {
        policy + (policyRef.map { Digest.hash(.sha256, Array($0.utf8)) } ?? [])
    }
}

/// Signs PCR policies with a private key for systemd's PolicyAuthorize flow. Signatures use
/// RSASSA-PKCS1-v1_5 or ECDSA over SHA-256 for every bank, which is what the TPM verifies
/// (current systemd; v252-v259 used the bank's hash, unusable for non-SHA-256 banks).
public struct PCRPolicySigner: Sendable {
    public let signer: any MessageSigner
    public let publicKey: PublicKey
    public let tpmKey: TPMPublicKey

    /// `publicKey` defaults to the private key's public half; when given it must match.
    public init(privateKey: PrivateKey, publicKey: PublicKey? = nil) throws {
        let publicKey = try publicKey ?? PublicKey(of: privateKey)
        guard publicKey.matches(privateKey) else {
            throw TPMPolicyError(.malformedInput, "the public key does not belong to the private key")
        }
        try self.init(signer: privateKey, publicKey: publicKey)
    }

    /// Signing by a signer elsewhere (a hash-only signing service) that holds `publicKey`'s key.
    public init(signer: any MessageSigner, publicKey: PublicKey) throws {
        self.signer = signer
        self.publicKey = publicKey
        tpmKey = try TPMPublicKey(publicKey)
    }

    /// The size of every signature this key makes, when fixed (RSA: the modulus size); nil for
    /// ECDSA, whose DER signatures vary by a few bytes.
    public var signatureSize: Int? {
        get throws {
            guard case .rsa(let modulus, _) = try publicKey.parameters() else { return nil }
            return modulus.count
        }
    }

    /// A signed `.pcrsig` entry for `policy`.
    public func sign(_ policy: PCRPolicy) throws -> PCRSignatureEntry {
        PCRSignatureEntry(
            pcrs: [PCRPolicy.pcr], keyFingerprint: tpmKey.fingerprint, policy: policy.policy,
            policyRef: policy.policyRef, signature: try signer.sign(try policy.message, digest: .sha256))
    }
}
