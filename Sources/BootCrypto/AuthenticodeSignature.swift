import SwiftASN1

/// An Authenticode PKCS#7 read back from a WIN_CERTIFICATE, with what firmware checks in it
/// (spec digest §2.5): the image digest in the trailing DigestInfo of SpcIndirectDataContent, and for
/// every SignerInfo the messageDigest and contentType signed attributes, the signature over the signed
/// attributes as encoded (re-tagged 0xA0 → 0x31, never re-serialized), and the signer certificate found
/// by issuer and serial number among the embedded ones. Every SignerInfo must pass, as in EDK2's
/// Pkcs7Verify (OpenSSL `PKCS7_verify` verifies each signer's chain and signature and fails on the first
/// that does not) and sbverify; a nested signature (an unsigned attribute of a SignerInfo, osslsigncode
/// -nest) is not a SignerInfo and does not count. The inner type of SpcAttributeTypeAndOptionalValue is
/// not checked (pesign writes 2.1.21).
public struct AuthenticodeSignature: Sendable {
    public let digestAlgorithm: DigestAlgorithm
    /// The image digest the signature vouches for.
    public let imageDigest: [UInt8]
    public let certificates: [Certificate]
    /// At least one; the first is the primary signer.
    let signerInfos: [PKCS7SignerInfo]
    /// SpcIndirectDataContent without tag and length, as the messageDigest attribute hashes it.
    let indirectDataContentOctets: [UInt8]
    /// Per SignerInfo: its messageDigest attribute and whether its contentType is SpcIndirectData.
    let signedAttributes: [(messageDigest: [UInt8]?, contentTypeIsIndirectData: Bool)]

    /// Parses `der`, which may be followed by padding (bCertificate often is).
    public init(der: [UInt8]) throws {
        do {
            let bytes = try Self.der(in: der)
            let signedData = try PKCS7ContentInfo(derEncoded: bytes).signedData
            let digestInfo = signedData.content.messageDigest
            if let problem = edk2LayoutProblem(bytes, algorithm: signedData.digestAlgorithm) {
                throw BootCryptoError(.malformedSignature, detail: problem)
            }
            guard signedData.digestAlgorithm == digestInfo.algorithm else {
                throw BootCryptoError(.malformedSignature, detail: "digestAlgorithms and DigestInfo disagree")
            }
            guard signedData.signerInfos[0].digestAlgorithm == digestInfo.algorithm else {
                throw BootCryptoError(
                    .malformedSignature, detail: "SignerInfo and DigestInfo digest algorithms disagree")
            }
            signedAttributes = try signedData.signerInfos.map { signerInfo in
                var messageDigest: [UInt8]?
                var contentTypeIsIndirectData = false
                for attribute in signerInfo.attributes {
                    guard let value = attribute.values.first else { continue }
                    if attribute.type == AuthenticodeOID.messageDigest {
                        messageDigest = Array(try ASN1OctetString(asn1Any: value).bytes)
                    } else if attribute.type == AuthenticodeOID.contentType {
                        contentTypeIsIndirectData =
                            try ASN1ObjectIdentifier(asn1Any: value) == AuthenticodeOID.spcIndirectData
                    }
                }
                return (messageDigest, contentTypeIsIndirectData)
            }
            digestAlgorithm = digestInfo.algorithm
            imageDigest = digestInfo.digest
            certificates = signedData.certificates
            signerInfos = signedData.signerInfos
            indirectDataContentOctets = signedData.content.contentOctets
        } catch let error as ASN1Error {
            throw BootCryptoError(.malformedSignature, detail: "\(error)")
        }
    }

    /// The primary signer's certificate, by issuer and serial number.
    public var signerCertificate: Certificate? { signerCertificates[0] }

    /// Every SignerInfo's certificate (nil where it is not embedded), primary first.
    public var signerCertificates: [Certificate?] {
        signerInfos.map { signerInfo in certificates.first { signerInfo.signer.identifies($0) } }
    }

    /// The digest algorithms of the SignerInfos, primary first.
    public var signerDigestAlgorithms: [DigestAlgorithm] { signerInfos.map(\.digestAlgorithm) }

    /// What a check of this signature found; each SignerInfo condition holds for every SignerInfo.
    public struct Verdict: Sendable, Equatable {
        /// The image digest in the signature equals the image's.
        public var imageDigestMatches: Bool
        /// messageDigest = H(SpcIndirectDataContent) and contentType is SpcIndirectData.
        public var attributesMatch: Bool
        /// The signer's key signed the attributes.
        public var signatureValid: Bool
        /// The signer chains to a trusted certificate.
        public var trusted: Bool
        /// How many SignerInfos the PKCS#7 holds.
        public var signerCount: Int = 1
        /// The SignerInfos (0 = primary) that fail a check.
        public var failingSigners: [Int] = []

        public var isValid: Bool { imageDigestMatches && attributesMatch && signatureValid && trusted }
    }

    /// Checks the signature against the digest of the image it sits in and the trusted certificates.
    public func verify(actualImageDigest: [UInt8], trusted: [Certificate]) -> Verdict {
        var verdict = Verdict(
            imageDigestMatches: actualImageDigest == imageDigest, attributesMatch: true, signatureValid: true,
            trusted: true, signerCount: signerInfos.count)
        for (index, (signerInfo, signer)) in zip(signerInfos, signerCertificates).enumerated() {
            let attributes = signedAttributes[index]
            let expectedMessageDigest = Digest.hash(signerInfo.digestAlgorithm, indirectDataContentOctets)
            let attributesMatch =
                attributes.contentTypeIsIndirectData && attributes.messageDigest == expectedMessageDigest
            let signatureValid =
                signer?.verifies(
                    signerInfo.signature, over: signerInfo.signedAttributes, digest: signerInfo.digestAlgorithm)
                ?? false
            let trustedSigner = signer?.chains(to: trusted, through: certificates) ?? false
            verdict.attributesMatch = verdict.attributesMatch && attributesMatch
            verdict.signatureValid = verdict.signatureValid && signatureValid
            verdict.trusted = verdict.trusted && trustedSigner
            if !(attributesMatch && signatureValid && trustedSigner) { verdict.failingSigners.append(index) }
        }
        return verdict
    }

    /// The DER element at the start of a WIN_CERTIFICATE's bCertificate, without the signer's padding.
    public static func der(in certificate: [UInt8]) throws -> [UInt8] {
        Array(certificate.prefix(try encodedLength(certificate)))
    }

    /// Length of the outer DER element (tag, length, content) at the start of `bytes`.
    static func encodedLength(_ bytes: [UInt8]) throws -> Int {
        guard bytes.count >= 2 else { throw BootCryptoError(.malformedSignature, detail: "empty") }
        let first = Int(bytes[1])
        guard first & 0x80 != 0 else { return 2 + first }
        let count = first & 0x7F
        guard (1...4).contains(count), bytes.count >= 2 + count else {
            throw BootCryptoError(.malformedSignature, detail: "bad outer length")
        }
        let length = bytes[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
        guard 2 + count + length <= bytes.count else { throw BootCryptoError(.malformedSignature, detail: "truncated") }
        return 2 + count + length
    }
}
