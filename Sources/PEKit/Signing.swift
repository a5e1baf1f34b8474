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
    /// The primary signer's subject, when its certificate is embedded.
    public var signer: String?
    public var digestAlgorithm: DigestAlgorithm?
    /// Why the entry could not be read as an Authenticode signature, if it could not.
    public var problem: String?
    public var verdict: AuthenticodeSignature.Verdict?
    /// The entry ends EDK2's walk of the table (a `break`), which denies the whole image.
    public var deniesImage = false
    /// What sbverify warns about: expired signer certificates, SHA-1.
    public var warnings: [String] = []

    public var isValid: Bool { verdict?.isValid ?? false }

    /// The firmware's verdict over all entries (EDK2 `DxeImageVerificationHandler` with `--cert` as db
    /// and an empty dbx): accepted when at least one entry's PKCS#7 verifies, every SignerInfo of it
    /// passing Pkcs7Verify, and no entry ends the table walk early.
    public static func firmwareAccepts(_ checks: [SignatureCheck]) -> Bool {
        checks.contains(where: \.isValid) && !checks.contains(where: \.deniesImage)
    }
}

extension PEImage {
    /// Checks every signature in the certificate table against `trusted`, as EDK2 reads the table:
    /// wRevision is ignored, WIN_CERT_TYPE_PKCS_SIGNED_DATA and WIN_CERT_TYPE_EFI_GUID with
    /// EFI_CERT_TYPE_PKCS7_GUID are verified, other entries skipped. See `SignatureCheck.firmwareAccepts`.
    public func verifySignatures(trusted: [Certificate]) throws -> [SignatureCheck] {
        let entries = try CertificateTable(image: self)?.entries ?? []
        var digests: [DigestAlgorithm: [UInt8]] = [:]
        return try entries.enumerated().map { index, entry in
            let der: [UInt8]
            switch entry.content {
            case .pkcs7(let bytes): der = bytes
            case .skipped(let why): return SignatureCheck(index: index, problem: why)
            case .denied(let why): return SignatureCheck(index: index, problem: why, deniesImage: true)
            }
            let signature: AuthenticodeSignature
            do {
                signature = try AuthenticodeSignature(der: der)
            } catch let error as BootCryptoError {
                return SignatureCheck(index: index, problem: error.description)
            }
            let algorithm = signature.digestAlgorithm
            if digests[algorithm] == nil { digests[algorithm] = try authenticodeDigest(algorithm) }
            var warnings: [String] = []
            for (number, certificate) in signature.signerCertificates.enumerated() {
                if let certificate, certificate.isExpired {
                    warnings.append("signer \(number) certificate \(certificate.subject) has expired")
                }
            }
            if ([algorithm] + signature.signerDigestAlgorithms).contains(.sha1) {
                warnings.append("signature \(index) uses SHA-1")
            }
            return SignatureCheck(
                index: index, signer: signature.signerCertificate?.subject, digestAlgorithm: algorithm,
                verdict: signature.verify(actualImageDigest: digests[algorithm] ?? [], trusted: trusted),
                warnings: warnings)
        }
    }

    /// Raw data between sections (or between the headers and the first section) that the Authenticode
    /// digest does not cover, as sbverify warns about it: one message per gap.
    public func unhashedGaps() -> [String] {
        var end = Int(optionalHeader.sizeOfHeaders)
        var previous = "the headers"
        var gaps: [String] = []
        let present = sections.filter { $0.sizeOfRawData > 0 }
        for section in present.sorted(by: { $0.pointerToRawData < $1.pointerToRawData }) {
            let start = Int(section.pointerToRawData)
            if start > end {
                gaps.append(
                    "gap of \(start - end) bytes at \(hex(end)) between \(previous) and section \(section.name) "
                        + "is not covered by the signature")
            }
            end = max(end, start + Int(section.sizeOfRawData))
            previous = "section \(section.name)"
        }
        return gaps
    }
}
