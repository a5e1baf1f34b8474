import BinaryIO
import BootCrypto

extension PEImage {
    /// The Authenticode PKCS#7 for this image, as `signer` signs it (for detached signing).
    public func signature(
        by signer: AuthenticodeSigner, algorithm: DigestAlgorithm = .sha256,
        signingTime: Int64? = nil
    ) throws -> [UInt8] {
        try signer.signedData(
            imageDigest: try authenticodeDigest(algorithm), algorithm: algorithm, signingTime: signingTime)
    }

    /// Streams this image to `output` with `pkcs7` appended as one more WIN_CERTIFICATE; the
    /// signatures already present stay valid (spec digest §2.2). The caller commits.
    public func write(appendingSignature pkcs7: [UInt8], to output: AtomicOutputFile) throws {
        let existing = try CertificateTable(image: self)?.entries ?? []
        try write(replacingCertificateTableWith: existing + [WinCertificate(pkcs7: pkcs7)], to: output)
    }
}

/// One WIN_CERTIFICATE of an image, checked.
public struct SignatureCheck: Sendable {
    public var index: Int
    /// The signer's subject, when its certificate is embedded.
    public var signer: String?
    public var digestAlgorithm: DigestAlgorithm?
    /// Why the entry could not be read as an Authenticode signature, if it could not.
    public var problem: String?
    public var verdict: AuthenticodeSignature.Verdict?

    public var isValid: Bool { verdict?.isValid ?? false }
}

extension PEImage {
    /// Checks every signature in the certificate table against `trusted` (firmware semantics: the
    /// image is accepted when any one is valid).
    public func verifySignatures(trusted: [Certificate]) throws -> [SignatureCheck] {
        let entries = try CertificateTable(image: self)?.entries ?? []
        var digests: [DigestAlgorithm: [UInt8]] = [:]
        return try entries.enumerated().map { index, entry in
            guard entry.revision == WinCertificate.revision2, entry.certificateType == WinCertificate.typePKCSSignedData
            else {
                return SignatureCheck(
                    index: index, problem: "WIN_CERTIFICATE type \(hex(entry.certificateType)) is not PKCS#7")
            }
            let signature: AuthenticodeSignature
            do {
                signature = try AuthenticodeSignature(der: entry.certificate)
            } catch let error as BootCryptoError {
                return SignatureCheck(index: index, problem: error.description)
            }
            let algorithm = signature.digestAlgorithm
            if digests[algorithm] == nil { digests[algorithm] = try authenticodeDigest(algorithm) }
            return SignatureCheck(
                index: index, signer: signature.signerCertificate?.subject, digestAlgorithm: algorithm,
                verdict: signature.verify(actualImageDigest: digests[algorithm] ?? [], trusted: trusted))
        }
    }
}
