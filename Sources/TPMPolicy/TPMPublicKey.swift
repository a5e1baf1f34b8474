import BinaryIO
import BootCrypto
internal import CTSS2MU

/// A public key as the TPM sees it after TPM2_LoadExternal, in systemd's template (spec digest
/// §5.4): nameAlg SHA-256, attributes userWithAuth|decrypt|sign, no symmetric or scheme, RSA
/// exponent explicit, EC coordinates minimal big-endian. Its Name binds PolicyAuthorize.
public struct TPMPublicKey: Sendable {
    /// The marshalled TPMT_PUBLIC.
    public let publicArea: [UInt8]
    /// `00 0b || SHA256(publicArea)`.
    public let name: [UInt8]
    /// systemd's key fingerprint (`pkfp`): SHA-256 of `i2d_PublicKey` (PKCS#1 for RSA, the point for EC).
    public let fingerprint: [UInt8]

    static let objectAttributes = TPMA_OBJECT(TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_SIGN_ENCRYPT)

    public init(_ key: PublicKey) throws {
        var structure = try Self.structure(of: key)
        publicArea = try marshal(capacity: MemoryLayout<TPMT_PUBLIC>.size) { buffer, size, offset in
            Tss2_MU_TPMT_PUBLIC_Marshal(&structure, buffer, size, offset)
        }
        name = UInt16(TPM2_ALG_SHA256).bigEndianBytes + Digest.hash(.sha256, publicArea)
        fingerprint = Digest.hash(.sha256, key.publicKeyEncoding)
    }

    private static func structure(of key: PublicKey) throws -> TPMT_PUBLIC {
        var area = TPMT_PUBLIC()
        area.nameAlg = TPMI_ALG_HASH(TPM2_ALG_SHA256)
        area.objectAttributes = objectAttributes
        switch try key.parameters() {
        case .rsa(let modulus, let exponent):
            guard modulus.count <= Int(TPM2_MAX_RSA_KEY_BYTES), exponent.count <= 4 else {
                throw TPMPolicyError(.malformedInput, "RSA key too large for a TPM (\(modulus.count * 8) bits)")
            }
            area.type = TPMI_ALG_PUBLIC(TPM2_ALG_RSA)
            area.parameters.rsaDetail.symmetric.algorithm = TPMI_ALG_SYM_OBJECT(TPM2_ALG_NULL)
            area.parameters.rsaDetail.scheme.scheme = TPMI_ALG_RSA_SCHEME(TPM2_ALG_NULL)
            area.parameters.rsaDetail.keyBits = TPMI_RSA_KEY_BITS(modulus.count * 8)
            area.parameters.rsaDetail.exponent = exponent.reduce(0) { $0 << 8 | UInt32($1) }
            area.unique.rsa.size = UInt16(modulus.count)
            withUnsafeMutableBytes(of: &area.unique.rsa.buffer) { $0.copyBytes(from: modulus) }
        case .ec(let curve, let x, let y):
            guard x.count <= Int(TPM2_MAX_ECC_KEY_BYTES), y.count <= Int(TPM2_MAX_ECC_KEY_BYTES) else {
                throw TPMPolicyError(.malformedInput, "EC point too large for a TPM")
            }
            area.type = TPMI_ALG_PUBLIC(TPM2_ALG_ECC)
            area.parameters.eccDetail.symmetric.algorithm = TPMI_ALG_SYM_OBJECT(TPM2_ALG_NULL)
            area.parameters.eccDetail.scheme.scheme = TPMI_ALG_ECC_SCHEME(TPM2_ALG_NULL)
            area.parameters.eccDetail.kdf.scheme = TPMI_ALG_KDF(TPM2_ALG_NULL)
            area.parameters.eccDetail.curveID =
                switch curve {
                case .p256: TPMI_ECC_CURVE(TPM2_ECC_NIST_P256)
                case .p384: TPMI_ECC_CURVE(TPM2_ECC_NIST_P384)
                case .p521: TPMI_ECC_CURVE(TPM2_ECC_NIST_P521)
                }
            area.unique.ecc.x.size = UInt16(x.count)
            withUnsafeMutableBytes(of: &area.unique.ecc.x.buffer) { $0.copyBytes(from: x) }
            area.unique.ecc.y.size = UInt16(y.count)
            withUnsafeMutableBytes(of: &area.unique.ecc.y.buffer) { $0.copyBytes(from: y) }
        }
        return area
    }
}
