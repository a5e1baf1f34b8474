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
    let indirectDataContent: [UInt8]
    let signerIssuer: [UInt8]
    let signerSerial: [UInt8]
    let signerDigestAlgorithm: DigestAlgorithm
    let signedAttributes: [UInt8]
    let signature: [UInt8]
    let messageDigest: [UInt8]?
    let contentTypeIsIndirectData: Bool

    /// Parses `der`, which may be followed by padding (bCertificate often is).
    public init(der: [UInt8]) throws {
        do {
            let bytes = try Self.der(in: der)
            let root = try DER.parse(bytes)
            guard root.identifier == .sequence else {
                throw BootCryptoError(.malformedSignature, detail: "ContentInfo tag")
            }
            var top = try Self.children(root, "ContentInfo").makeIterator()
            guard try ASN1ObjectIdentifier(derEncoded: try Self.next(&top, "contentType")) == AuthenticodeOID.signedData
            else {
                throw BootCryptoError(.malformedSignature, detail: "not PKCS#7 signedData")
            }
            let wrapper = try Self.next(&top, "content")
            guard wrapper.identifier == contextTag(0) else {
                throw BootCryptoError(.malformedSignature, detail: "content tag")
            }
            var signedData = try Self.children(
                try Self.children(wrapper, "[0]").first.orThrow("SignedData"), "SignedData"
            )
            .makeIterator()
            _ = try Self.next(&signedData, "version")
            let digestAlgorithms = try Self.children(try Self.next(&signedData, "digestAlgorithms"), "digestAlgorithms")
            let listedAlgorithm = try Self.algorithm(try digestAlgorithms.first.orThrow("digestAlgorithms"))
            var contentInfo = try Self.children(try Self.next(&signedData, "contentInfo"), "contentInfo").makeIterator()
            guard
                try ASN1ObjectIdentifier(derEncoded: try Self.next(&contentInfo, "contentType"))
                    == AuthenticodeOID.spcIndirectData
            else {
                throw BootCryptoError(.malformedSignature, detail: "content is not SpcIndirectDataContent")
            }
            let indirect = try Self.children(try Self.next(&contentInfo, "[0] content"), "[0]").first.orThrow(
                "SpcIndirectDataContent")
            indirectDataContent = Array(indirect.encodedBytes)
            var digestInfo = try Self.children(
                try Self.children(indirect, "SpcIndirectDataContent").last.orThrow("DigestInfo"),
                "DigestInfo"
            ).makeIterator()
            digestAlgorithm = try Self.algorithm(try Self.next(&digestInfo, "DigestInfo.digestAlgorithm"))
            if let problem = edk2LayoutProblem(bytes, algorithm: listedAlgorithm) {
                throw BootCryptoError(.malformedSignature, detail: problem)
            }
            guard listedAlgorithm == digestAlgorithm else {
                throw BootCryptoError(.malformedSignature, detail: "digestAlgorithms and DigestInfo disagree")
            }
            imageDigest = Array(try ASN1OctetString(derEncoded: try Self.next(&digestInfo, "DigestInfo.digest")).bytes)

            var certificates: [Certificate] = []
            var node = try Self.next(&signedData, "signerInfos")
            if node.identifier == contextTag(0) {
                certificates = try Self.children(node, "certificates").map {
                    try Certificate(der: Array($0.encodedBytes))
                }
                node = try Self.next(&signedData, "signerInfos")
            }
            if node.identifier == contextTag(1) { node = try Self.next(&signedData, "signerInfos") }
            self.certificates = certificates

            var signer = try Self.children(
                try Self.children(node, "signerInfos").first.orThrow("SignerInfo"), "SignerInfo"
            )
            .makeIterator()
            _ = try Self.next(&signer, "SignerInfo.version")
            let issuerAndSerial = try Self.children(
                try Self.next(&signer, "issuerAndSerialNumber"), "issuerAndSerialNumber")
            guard issuerAndSerial.count == 2 else {
                throw BootCryptoError(.malformedSignature, detail: "issuerAndSerialNumber")
            }
            signerIssuer = Array(issuerAndSerial[0].encodedBytes)
            signerSerial = Array(issuerAndSerial[1].encodedBytes)
            signerDigestAlgorithm = try Self.algorithm(try Self.next(&signer, "SignerInfo.digestAlgorithm"))
            guard signerDigestAlgorithm == digestAlgorithm else {
                throw BootCryptoError(
                    .malformedSignature, detail: "SignerInfo and DigestInfo digest algorithms disagree")
            }
            let attributes = try Self.next(&signer, "authenticatedAttributes")
            guard attributes.identifier == contextTag(0) else {
                throw BootCryptoError(.malformedSignature, detail: "no signed attributes")
            }
            signedAttributes = [0x31] + attributes.encodedBytes.dropFirst()
            var messageDigest: [UInt8]?
            var contentTypeIsIndirectData = false
            for attribute in try Self.children(attributes, "authenticatedAttributes") {
                var fields = try Self.children(attribute, "Attribute").makeIterator()
                let type = try ASN1ObjectIdentifier(derEncoded: try Self.next(&fields, "Attribute.type"))
                let value = try Self.children(try Self.next(&fields, "Attribute.values"), "values").first
                if type == AuthenticodeOID.messageDigest, let value {
                    messageDigest = Array(try ASN1OctetString(derEncoded: value).bytes)
                } else if type == AuthenticodeOID.contentType, let value {
                    contentTypeIsIndirectData =
                        try ASN1ObjectIdentifier(derEncoded: value) == AuthenticodeOID.spcIndirectData
                }
            }
            self.messageDigest = messageDigest
            self.contentTypeIsIndirectData = contentTypeIsIndirectData
            _ = try Self.next(&signer, "digestEncryptionAlgorithm")
            signature = Array(try ASN1OctetString(derEncoded: try Self.next(&signer, "encryptedDigest")).bytes)
        } catch let error as ASN1Error {
            throw BootCryptoError(.malformedSignature, detail: "\(error)")
        }
    }

    /// The signer's certificate, by issuer and serial number.
    public var signerCertificate: Certificate? {
        certificates.first { $0.issuerDER == signerIssuer && $0.serialNumberDER == signerSerial }
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
        let content = (try? DER.parse(indirectDataContent)).map { AuthenticodeSigner.contentOctets(of: $0) } ?? []
        let expectedMessageDigest = try? Digest.hash(signerDigestAlgorithm, Array(content))
        let signer = signerCertificate
        return Verdict(
            imageDigestMatches: actualImageDigest == imageDigest,
            attributesMatch: contentTypeIsIndirectData && messageDigest != nil
                && messageDigest == expectedMessageDigest,
            signatureValid: signer?.verifies(signature, over: signedAttributes, digest: signerDigestAlgorithm) ?? false,
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

    private static func children(_ node: ASN1Node, _ what: String) throws -> [ASN1Node] {
        guard case .constructed(let nodes) = node.content else {
            throw BootCryptoError(.malformedSignature, detail: "\(what) is not constructed")
        }
        return Array(nodes)
    }

    private static func next(_ iterator: inout IndexingIterator<[ASN1Node]>, _ what: String) throws -> ASN1Node {
        guard let node = iterator.next() else { throw BootCryptoError(.malformedSignature, detail: "\(what) missing") }
        return node
    }

    private static func algorithm(_ node: ASN1Node) throws -> DigestAlgorithm {
        let oid = try ASN1ObjectIdentifier(
            derEncoded: try children(node, "AlgorithmIdentifier").first.orThrow("algorithm"))
        guard let algorithm = AuthenticodeOID.digestAlgorithm(oid) else {
            throw BootCryptoError(.malformedSignature, detail: "digest algorithm \(oid) is not SHA-1/256/384/512")
        }
        return algorithm
    }
}

extension Optional {
    fileprivate func orThrow(_ what: String) throws -> Wrapped {
        guard let self else { throw BootCryptoError(.malformedSignature, detail: "\(what) missing") }
        return self
    }
}
