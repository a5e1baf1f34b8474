import SwiftASN1

/// An Authenticode PKCS#7 read back from a WIN_CERTIFICATE, with what firmware checks in it
/// (spec digest §2.5): the image digest in the trailing DigestInfo of SpcIndirectDataContent, the
/// messageDigest and contentType signed attributes, the signature over the signed attributes as
/// encoded (re-tagged 0xA0 → 0x31, never re-serialized), and the signer certificate found by issuer
/// and serial number among the embedded ones. Only the primary SignerInfo counts, as in EDK2 and
/// shim; the inner type of SpcAttributeTypeAndOptionalValue is not checked (pesign writes 2.1.21).
public struct AuthenticodeSignature: Sendable {
    public let digestAlgorithm: DigestAlgorithm
    /// The image digest the signature vouches for.
    public let imageDigest: [UInt8]
    public let certificates: [Certificate]
    let signerInfo: PKCS7SignerInfo
    /// SpcIndirectDataContent without tag and length, as the messageDigest attribute hashes it.
    let indirectDataContentOctets: [UInt8]
    let messageDigest: [UInt8]?
    let contentTypeIsIndirectData: Bool

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
            guard signedData.signerInfo.digestAlgorithm == digestInfo.algorithm else {
                throw BootCryptoError(
                    .malformedSignature, detail: "SignerInfo and DigestInfo digest algorithms disagree")
            }
            var messageDigest: [UInt8]?
            var contentTypeIsIndirectData = false
            for attribute in signedData.signerInfo.attributes {
                guard let value = attribute.values.first else { continue }
                if attribute.type == AuthenticodeOID.messageDigest {
                    messageDigest = Array(try ASN1OctetString(asn1Any: value).bytes)
                } else if attribute.type == AuthenticodeOID.contentType {
                    contentTypeIsIndirectData =
                        try ASN1ObjectIdentifier(asn1Any: value) == AuthenticodeOID.spcIndirectData
                }
            }
            digestAlgorithm = digestInfo.algorithm
            imageDigest = digestInfo.digest
            certificates = signedData.certificates
            signerInfo = signedData.signerInfo
            indirectDataContentOctets = signedData.content.contentOctets
            self.messageDigest = messageDigest
            self.contentTypeIsIndirectData = contentTypeIsIndirectData
        } catch let error as ASN1Error {
            throw BootCryptoError(.malformedSignature, detail: "\(error)")
        }
    }

    /// The signer's certificate, by issuer and serial number.
    public var signerCertificate: Certificate? {
        certificates.first { signerInfo.signer.identifies($0) }
    }

    /// What a check of this signature found.
    public struct Verdict: Sendable, Equatable {
        /// The image digest in the signature equals the image's.
        public var imageDigestMatches: Bool
        /// messageDigest = H(SpcIndirectDataContent) and contentType is SpcIndirectData.
        public var attributesMatch: Bool
        /// The signer's key signed the attributes.
        public var signatureValid: Bool
        /// The signer chains to a trusted certificate.
        public var trusted: Bool

        public var isValid: Bool { imageDigestMatches && attributesMatch && signatureValid && trusted }
    }

    /// Checks the signature against the digest of the image it sits in and the trusted certificates.
    public func verify(actualImageDigest: [UInt8], trusted: [Certificate]) -> Verdict {
        let expectedMessageDigest = Digest.hash(signerInfo.digestAlgorithm, indirectDataContentOctets)
        let signer = signerCertificate
        return Verdict(
            imageDigestMatches: actualImageDigest == imageDigest,
            attributesMatch: contentTypeIsIndirectData && messageDigest != nil
                && messageDigest == expectedMessageDigest,
            signatureValid: signer?.verifies(
                signerInfo.signature, over: signerInfo.signedAttributes, digest: signerInfo.digestAlgorithm) ?? false,
            trusted: signer?.chains(to: trusted, through: certificates) ?? false)
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
