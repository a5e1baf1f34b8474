import BootCrypto
internal import CTSS2MU

extension DigestAlgorithm {
    /// Parses a bank name as systemd-measure does: any name OpenSSL knows the digest by, any case
    /// (`SHA256`, `sha-256`, `SHA2-256`). Digests that are no TPM PCR bank (md5, sha3-256, ...)
    /// are refused.
    public init(bankName: String) throws {
        guard let bank = DigestAlgorithm(openSSLName: bankName) else {
            throw TPMPolicyError(
                .invalidArgument,
                "unknown PCR bank '\(bankName)' (known: sha1, sha256, sha384, sha512, by any name OpenSSL knows them)")
        }
        self = bank
    }

    /// The banks `names` name, without repeats, in the canonical order (sha1, sha256, sha384,
    /// sha512) that systemd-measure sorts them into.
    public static func banks(named names: [String]) throws -> [DigestAlgorithm] {
        let requested = Set(try names.map { try DigestAlgorithm(bankName: $0) })
        return allCases.filter(requested.contains)
    }

    /// The TPM2_ALG_ID of this hash.
    public var tpmAlgorithm: UInt16 {
        switch self {
        case .sha1: UInt16(TPM2_ALG_SHA1)
        case .sha256: UInt16(TPM2_ALG_SHA256)
        case .sha384: UInt16(TPM2_ALG_SHA384)
        case .sha512: UInt16(TPM2_ALG_SHA512)
        }
    }
}
