import SwiftASN1

/// Object identifiers of Authenticode and PKCS#7 (spec digest §2.3).
enum AuthenticodeOID {
    static let signedData: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 2]
    static let spcIndirectData: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 2, 1, 4]
    static let spcPEImageData: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 2, 1, 15]
    static let spcSpOpusInfo: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 2, 1, 12]
    static let contentType: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 3]
    static let messageDigest: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 4]
    static let signingTime: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 9, 5]
    static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 1, 1]

    static func digest(_ algorithm: DigestAlgorithm) -> ASN1ObjectIdentifier {
        switch algorithm {
        case .sha1: [1, 3, 14, 3, 2, 26]
        case .sha256: [2, 16, 840, 1, 101, 3, 4, 2, 1]
        case .sha384: [2, 16, 840, 1, 101, 3, 4, 2, 2]
        case .sha512: [2, 16, 840, 1, 101, 3, 4, 2, 3]
        }
    }

    static func digestAlgorithm(_ oid: ASN1ObjectIdentifier) -> DigestAlgorithm? {
        DigestAlgorithm.allCases.first { digest($0) == oid }
    }

    static func ecdsa(_ algorithm: DigestAlgorithm) -> ASN1ObjectIdentifier {
        switch algorithm {
        case .sha1: [1, 2, 840, 10045, 4, 1]
        case .sha256: [1, 2, 840, 10045, 4, 3, 2]
        case .sha384: [1, 2, 840, 10045, 4, 3, 3]
        case .sha512: [1, 2, 840, 10045, 4, 3, 4]
        }
    }
}

/// EDK2's checks before it even parses a signature (DxeImageVerificationLib `HashPeImageByType`,
/// spec digest §2.5): the outer SEQUENCE has a two-byte long-form length (`30 82`, so the PKCS#7 is
/// 256 B to 64 KiB) and the digest algorithm OID sits at byte offset 32. Returns why not, or nil.
func edk2LayoutProblem(_ der: [UInt8], algorithm: DigestAlgorithm) -> String? {
    guard der.count >= 4, der[0] == 0x30, der[1] == 0x82 else {
        return "the PKCS#7 does not start with a 2-byte long-form SEQUENCE (30 82), as EDK2 requires"
    }
    var coder = DER.Serializer()
    guard (try? coder.serialize(AuthenticodeOID.digest(algorithm))) != nil else { return "digest OID" }
    let oid = coder.serializedBytes
    guard der.count >= 30 + oid.count, Array(der[30..<(30 + oid.count)]) == oid else {
        return "the digest algorithm OID is not at offset 32, where EDK2 looks for it"
    }
    return nil
}

/// Builds the Authenticode PKCS#7 SignedData that EDK2 and shim accept (spec digest §2.3-§2.5):
/// ContentInfo(signedData) with SpcIndirectDataContent { SpcPeImageData, DigestInfo(image digest) },
/// the signer certificate and chain, and one version-1 SignerInfo identified by issuer and serial,
/// whose signed attributes are contentType, messageDigest, SpcSpOpusInfo and, when asked,
/// signingTime. Without signingTime the output is deterministic for RSA keys (PKCS#1 v1.5).
public struct AuthenticodeSigner: Sendable {
    public let key: any MessageSigner
    public let certificate: Certificate
    /// Further certificates to embed (intermediates up to what the firmware trusts).
    public let chain: [Certificate]

    public init(key: PrivateKey, certificate: Certificate, chain: [Certificate] = []) throws {
        guard key.matches(certificate) else {
            throw BootCryptoError(.keyCertificateMismatch, detail: certificate.subject)
        }
        self.init(signer: key, certificate: certificate, chain: chain)
    }

    /// Signing by a signer elsewhere (a hash-only signing service) whose key is `certificate`'s.
    public init(signer: any MessageSigner, certificate: Certificate, chain: [Certificate] = []) {
        key = signer
        self.certificate = certificate
        self.chain = chain
    }

    /// `signingTime`: seconds since the epoch (e.g. SOURCE_DATE_EPOCH), or nil for none.
    public func signedData(
        imageDigest: [UInt8], algorithm: DigestAlgorithm, signingTime: Int64? = nil
    ) throws -> [UInt8] {
        do {
            let der = try build(imageDigest: imageDigest, algorithm: algorithm, signingTime: signingTime)
            if let problem = edk2LayoutProblem(der, algorithm: algorithm) {
                throw BootCryptoError(.signFailed, detail: "\(problem) (\(der.count) bytes: too many certificates?)")
            }
            return der
        } catch let error as ASN1Error {
            throw BootCryptoError(.signFailed, detail: "ASN.1: \(error)")
        }
    }

    private func build(imageDigest: [UInt8], algorithm: DigestAlgorithm, signingTime: Int64?) throws -> [UInt8] {
        let content = try SpcIndirectDataContent(
            data: SpcPEImageData(), messageDigest: DigestInfo(algorithm: algorithm, digest: imageDigest))
        var attributes = [
            SignedAttribute(
                type: AuthenticodeOID.contentType, value: try ASN1Any(erasing: AuthenticodeOID.spcIndirectData)),
            SignedAttribute(
                type: AuthenticodeOID.messageDigest,
                value: try ASN1Any(
                    erasing: ASN1OctetString(contentBytes: Digest.hash(algorithm, content.contentOctets)[...]))),
            SignedAttribute(type: AuthenticodeOID.spcSpOpusInfo, value: try ASN1Any(erasing: SpcSpOpusInfo())),
        ]
        if let signingTime {
            attributes.append(
                SignedAttribute(
                    type: AuthenticodeOID.signingTime, value: try ASN1Any(erasing: Self.utcTime(signingTime))))
        }
        let signatureAlgorithm =
            switch key.algorithm {
            case .rsa:
                AlgorithmIdentifier(
                    algorithm: AuthenticodeOID.rsaEncryption, parameters: try ASN1Any(erasing: ASN1Null()))
            case .ecdsa: AlgorithmIdentifier(algorithm: AuthenticodeOID.ecdsa(algorithm), parameters: nil)
            }
        let signerInfo = try PKCS7SignerInfo(
            signer: IssuerAndSerialNumber(certificate), digestAlgorithm: algorithm, attributes: attributes,
            signatureAlgorithm: signatureAlgorithm
        ) { try key.sign($0, digest: algorithm) }
        let contentInfo = PKCS7ContentInfo(
            signedData: PKCS7SignedData(
                digestAlgorithm: algorithm, content: content, certificates: [certificate] + chain,
                signerInfos: [signerInfo]))
        var coder = DER.Serializer()
        try coder.serialize(contentInfo)
        return coder.serializedBytes
    }

    /// UTCTime for seconds since the epoch (civil date from days: H. Hinnant's algorithm).
    static func utcTime(_ seconds: Int64) throws -> UTCTime {
        // 1950-01-01 and 2050-01-01: UTCTime's range, checked before any arithmetic.
        guard (-631_152_000..<2_524_608_000).contains(seconds) else {
            throw BootCryptoError(.signFailed, detail: "signing time \(seconds) is outside UTCTime's 1950-2049")
        }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        return try UTCTime(
            year: year, month: month, day: day, hours: secondOfDay / 3600,
            minutes: secondOfDay / 60 % 60, seconds: secondOfDay % 60)
    }
}
