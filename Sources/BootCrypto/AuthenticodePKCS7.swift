import SwiftASN1

// The structures of an Authenticode PKCS#7 (spec digest §2.3-§2.5; PKCS #7 v1.5, RFC 2315, as RFC 5652 §5
// carries it on), one type each. Parsing is as lenient as EDK2 and shim where they ignore a field: tags the
// firmware does not look at are not checked, and elements after the ones read are skipped. What Authenticode
// requires beyond the grammar (one digest algorithm throughout, the EDK2 layout) is checked by the reader,
// `AuthenticodeSignature`, and by `edk2LayoutProblem`.

/// The outer ContentInfo, which must hold SignedData (RFC 2315 §7):
///
///     ContentInfo ::= SEQUENCE {
///         contentType  ContentType,           -- signedData 1.2.840.113549.1.7.2
///         content      [0] EXPLICIT SignedData }
struct PKCS7ContentInfo: DERParseable, DERSerializable {
    var signedData: PKCS7SignedData

    init(signedData: PKCS7SignedData) {
        self.signedData = signedData
    }

    init(derEncoded node: ASN1Node) throws {
        guard node.identifier == .sequence else {
            throw BootCryptoError(.malformedSignature, detail: "ContentInfo tag")
        }
        var fields = try node.elements("ContentInfo")
        guard try ASN1ObjectIdentifier(derEncoded: fields.next("contentType")) == AuthenticodeOID.signedData else {
            throw BootCryptoError(.malformedSignature, detail: "not PKCS#7 signedData")
        }
        let content = try fields.next("content")
        guard content.identifier == contextTag(0) else {
            throw BootCryptoError(.malformedSignature, detail: "content tag")
        }
        var explicit = try content.elements("[0]")
        signedData = try PKCS7SignedData(derEncoded: explicit.next("SignedData"))
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(AuthenticodeOID.signedData)
            try coder.serialize(signedData, explicitlyTaggedWithIdentifier: contextTag(0))
        }
    }
}

/// SignedData with Authenticode's one digest algorithm and one content type (RFC 2315 §9.1, spec digest
/// §2.3); the version is written as 1 and not checked, CRLs are skipped, only the first digest algorithm
/// is read, and every SignerInfo is read (EDK2's Pkcs7Verify, OpenSSL `PKCS7_verify`, checks them all):
///
///     SignedData ::= SEQUENCE {
///         version           Version,                      -- 1
///         digestAlgorithms  SET OF AlgorithmIdentifier,
///         contentInfo       SEQUENCE {
///             contentType   ContentType,                  -- SPC_INDIRECT_DATA_OBJID 1.3.6.1.4.1.311.2.1.4
///             content       [0] EXPLICIT SpcIndirectDataContent },
///         certificates      [0] IMPLICIT SET OF Certificate OPTIONAL,
///         crls              [1] IMPLICIT SET OF CertificateList OPTIONAL,
///         signerInfos       SET OF SignerInfo }
struct PKCS7SignedData: DERParseable, DERSerializable {
    var digestAlgorithm: DigestAlgorithm
    var content: SpcIndirectDataContent
    var certificates: [Certificate]
    /// At least one; the first is the primary signer.
    var signerInfos: [PKCS7SignerInfo]

    init(
        digestAlgorithm: DigestAlgorithm, content: SpcIndirectDataContent, certificates: [Certificate],
        signerInfos: [PKCS7SignerInfo]
    ) {
        self.digestAlgorithm = digestAlgorithm
        self.content = content
        self.certificates = certificates
        self.signerInfos = signerInfos
    }

    init(derEncoded node: ASN1Node) throws {
        var fields = try node.elements("SignedData")
        _ = try fields.next("version")
        var digestAlgorithms = try fields.next("digestAlgorithms").elements("digestAlgorithms")
        digestAlgorithm = try AlgorithmIdentifier(derEncoded: digestAlgorithms.next("digestAlgorithms")).digest()
        var contentInfo = try fields.next("contentInfo").elements("contentInfo")
        guard
            try ASN1ObjectIdentifier(derEncoded: contentInfo.next("contentType")) == AuthenticodeOID.spcIndirectData
        else {
            throw BootCryptoError(.malformedSignature, detail: "content is not SpcIndirectDataContent")
        }
        var explicit = try contentInfo.next("[0] content").elements("[0]")
        content = try SpcIndirectDataContent(derEncoded: explicit.next("SpcIndirectDataContent"))

        var node = try fields.next("signerInfos")
        certificates = []
        if node.identifier == contextTag(0) {
            certificates = try IteratorSequence(node.elements("certificates")).map {
                try Certificate(der: Array($0.encodedBytes))
            }
            node = try fields.next("signerInfos")
        }
        if node.identifier == contextTag(1) { node = try fields.next("signerInfos") }
        signerInfos = try IteratorSequence(node.elements("signerInfos")).map { try PKCS7SignerInfo(derEncoded: $0) }
        guard !signerInfos.isEmpty else { throw BootCryptoError(.malformedSignature, detail: "no SignerInfo") }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.serializeSetOf([AlgorithmIdentifier(digest: digestAlgorithm)])
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(AuthenticodeOID.spcIndirectData)
                try coder.serialize(content, explicitlyTaggedWithIdentifier: contextTag(0))
            }
            let certificates = try certificates.map { ASN1Any(derEncoded: try DER.parse($0.der)) }
            try coder.serializeSetOf(certificates, identifier: contextTag(0))
            // In the order read (SignerInfo 0 stays the primary), not re-sorted as DER's SET OF would be.
            try coder.appendConstructedNode(identifier: .set) { coder in
                for signerInfo in signerInfos { try coder.serialize(signerInfo) }
            }
        }
    }
}

/// The signer, its signed attributes and its signature (RFC 2315 §9.2); Authenticode requires the
/// attributes, and the signature covers their SET OF encoding (tag 0x31, RFC 2315 §9.3), which the reader
/// keeps as received rather than re-serializing. The version is written as 1 and not checked, nor is the
/// signature algorithm (the signer certificate's key decides):
///
///     SignerInfo ::= SEQUENCE {
///         version                    Version,         -- 1
///         issuerAndSerialNumber      IssuerAndSerialNumber,
///         digestAlgorithm            DigestAlgorithmIdentifier,
///         authenticatedAttributes    [0] IMPLICIT SET OF Attribute,
///         digestEncryptionAlgorithm  DigestEncryptionAlgorithmIdentifier,
///         encryptedDigest            OCTET STRING }
struct PKCS7SignerInfo: DERParseable, DERSerializable {
    var signer: IssuerAndSerialNumber
    var digestAlgorithm: DigestAlgorithm
    var attributes: [SignedAttribute]
    /// The attributes' SET OF encoding: what `signature` signs.
    var signedAttributes: [UInt8]
    var signatureAlgorithm: ASN1Any
    var signature: [UInt8]

    /// Signs `attributes` with `sign`, which gets their SET OF encoding.
    init(
        signer: IssuerAndSerialNumber, digestAlgorithm: DigestAlgorithm, attributes: [SignedAttribute],
        signatureAlgorithm: AlgorithmIdentifier, sign: ([UInt8]) throws -> [UInt8]
    ) throws {
        var coder = DER.Serializer()
        try coder.serializeSetOf(attributes)
        self.signer = signer
        self.digestAlgorithm = digestAlgorithm
        self.attributes = attributes
        self.signedAttributes = coder.serializedBytes
        self.signatureAlgorithm = try ASN1Any(erasing: signatureAlgorithm)
        self.signature = try sign(signedAttributes)
    }

    init(derEncoded node: ASN1Node) throws {
        var fields = try node.elements("SignerInfo")
        _ = try fields.next("SignerInfo.version")
        signer = try IssuerAndSerialNumber(derEncoded: fields.next("issuerAndSerialNumber"))
        digestAlgorithm = try AlgorithmIdentifier(derEncoded: fields.next("SignerInfo.digestAlgorithm")).digest()
        let attributes = try fields.next("authenticatedAttributes")
        guard attributes.identifier == contextTag(0) else {
            throw BootCryptoError(.malformedSignature, detail: "no signed attributes")
        }
        signedAttributes = [0x31] + attributes.encodedBytes.dropFirst()
        self.attributes = try IteratorSequence(attributes.elements("authenticatedAttributes")).map {
            try SignedAttribute(derEncoded: $0)
        }
        signatureAlgorithm = ASN1Any(derEncoded: try fields.next("digestEncryptionAlgorithm"))
        signature = Array(try ASN1OctetString(derEncoded: fields.next("encryptedDigest")).bytes)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)
            try coder.serialize(signer)
            try coder.serialize(AlgorithmIdentifier(digest: digestAlgorithm))
            // [0] IMPLICIT: the same encoding with the constructed [0] tag (0xA0) in place of SET's (0x31).
            coder.serializeRawBytes([0xA0] + signedAttributes.dropFirst())
            try coder.serialize(signatureAlgorithm)
            try coder.serialize(ASN1OctetString(contentBytes: signature[...]))
        }
    }
}

/// Names the signer certificate (RFC 2315 §6.7), compared byte for byte with the certificates' own fields:
///
///     IssuerAndSerialNumber ::= SEQUENCE {
///         issuer        Name,
///         serialNumber  CertificateSerialNumber }
struct IssuerAndSerialNumber: DERParseable, DERSerializable {
    /// The DER encoding of the issuer Name.
    var issuer: [UInt8]
    /// The DER encoding of the serialNumber INTEGER.
    var serialNumber: [UInt8]

    init(_ certificate: Certificate) {
        issuer = certificate.issuerDER
        serialNumber = certificate.serialNumberDER
    }

    init(derEncoded node: ASN1Node) throws {
        let fields = Array(IteratorSequence(try node.elements("issuerAndSerialNumber")))
        guard fields.count == 2 else {
            throw BootCryptoError(.malformedSignature, detail: "issuerAndSerialNumber")
        }
        issuer = Array(fields[0].encodedBytes)
        serialNumber = Array(fields[1].encodedBytes)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(issuer)
            coder.serializeRawBytes(serialNumber)
        }
    }

    /// Whether `certificate` is the one named.
    func identifies(_ certificate: Certificate) -> Bool {
        certificate.issuerDER == issuer && certificate.serialNumberDER == serialNumber
    }
}

/// One signed attribute (RFC 2315 §6.1, X.501); Authenticode's carry one value each:
///
///     Attribute ::= SEQUENCE {
///         type    OBJECT IDENTIFIER,
///         values  SET OF ANY DEFINED BY type }
struct SignedAttribute: DERParseable, DERSerializable {
    var type: ASN1ObjectIdentifier
    var values: [ASN1Any]

    init(type: ASN1ObjectIdentifier, value: ASN1Any) {
        self.type = type
        self.values = [value]
    }

    init(derEncoded node: ASN1Node) throws {
        var fields = try node.elements("Attribute")
        type = try ASN1ObjectIdentifier(derEncoded: fields.next("Attribute.type"))
        values = Array(IteratorSequence(try fields.next("Attribute.values").elements("values"))).map {
            ASN1Any(derEncoded: $0)
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(type)
            try coder.serializeSetOf(values)
        }
    }
}

/// What Authenticode signs: a description of the file and its digest (spec digest §2.4). The reader
/// takes the DigestInfo from the last element and does not check `data`, whose type differs between
/// signers (pesign writes 2.1.21); the encoding is kept as read, for the messageDigest attribute:
///
///     SpcIndirectDataContent ::= SEQUENCE {
///         data           SpcAttributeTypeAndOptionalValue,
///         messageDigest  DigestInfo }
struct SpcIndirectDataContent: DERParseable, DERSerializable {
    let messageDigest: DigestInfo
    /// The encoding without tag and length, as read or written: what the messageDigest attribute hashes.
    let contentOctets: [UInt8]

    init(data: some DERSerializable, messageDigest: DigestInfo) throws {
        var coder = DER.Serializer()
        try coder.serialize(data)
        try coder.serialize(messageDigest)
        self.messageDigest = messageDigest
        self.contentOctets = coder.serializedBytes
    }

    init(derEncoded node: ASN1Node) throws {
        let fields = Array(IteratorSequence(try node.elements("SpcIndirectDataContent")))
        guard let last = fields.last else {
            throw BootCryptoError(.malformedSignature, detail: "DigestInfo missing")
        }
        messageDigest = try DigestInfo(derEncoded: last)
        contentOctets = fields.flatMap(\.encodedBytes)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.appendConstructedNode(identifier: .sequence) { $0.serializeRawBytes(contentOctets) }
    }
}

/// The `data` of SpcIndirectDataContent for a PE image (spec digest §2.4), with the obsolete file link
/// every signer writes; written only, as readers do not check it:
///
///     SpcAttributeTypeAndOptionalValue ::= SEQUENCE {
///         type   OBJECT IDENTIFIER,                -- SPC_PE_IMAGE_DATAOBJ 1.3.6.1.4.1.311.2.1.15
///         value  SpcPeImageData }
///     SpcPeImageData ::= SEQUENCE {
///         flags  SpcPeImageFlags,                  -- BIT STRING, empty
///         file   [0] EXPLICIT SpcLink }            -- file [2] EXPLICIT SpcString
///     SpcString ::= CHOICE { unicode [0] IMPLICIT BMPString }  -- "<<<Obsolete>>>"
struct SpcPEImageData: DERSerializable {
    func serialize(into coder: inout DER.Serializer) throws {
        let obsolete = Array("<<<Obsolete>>>".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(AuthenticodeOID.spcPEImageData)
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(ASN1BitString(bytes: []))
                coder.appendConstructedNode(identifier: contextTag(0)) { coder in
                    coder.appendConstructedNode(identifier: contextTag(2)) { coder in
                        coder.appendPrimitiveNode(identifier: contextTag(0)) { $0 += obsolete }
                    }
                }
            }
        }
    }
}

/// The SpcSpOpusInfo signed attribute's value, empty (no program name, no URL), as sbsign writes it
/// (spec digest §2.5):
///
///     SpcSpOpusInfo ::= SEQUENCE {
///         programName  [0] EXPLICIT SpcString OPTIONAL,
///         moreInfo     [1] EXPLICIT SpcLink OPTIONAL }
struct SpcSpOpusInfo: DERSerializable {
    func serialize(into coder: inout DER.Serializer) throws {
        coder.appendConstructedNode(identifier: .sequence) { _ in }
    }
}

/// An image digest and its algorithm (PKCS #1, RFC 8017 §9.2):
///
///     DigestInfo ::= SEQUENCE {
///         digestAlgorithm  AlgorithmIdentifier,
///         digest           OCTET STRING }
struct DigestInfo: DERParseable, DERSerializable {
    var algorithm: DigestAlgorithm
    var digest: [UInt8]

    init(algorithm: DigestAlgorithm, digest: [UInt8]) {
        self.algorithm = algorithm
        self.digest = digest
    }

    init(derEncoded node: ASN1Node) throws {
        var fields = try node.elements("DigestInfo")
        algorithm = try AlgorithmIdentifier(derEncoded: fields.next("DigestInfo.digestAlgorithm")).digest()
        digest = Array(try ASN1OctetString(derEncoded: fields.next("DigestInfo.digest")).bytes)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(AlgorithmIdentifier(digest: algorithm))
            try coder.serialize(ASN1OctetString(contentBytes: digest[...]))
        }
    }
}

/// An algorithm and its parameters (RFC 5280 §4.1.1.2):
///
///     AlgorithmIdentifier ::= SEQUENCE {
///         algorithm   OBJECT IDENTIFIER,
///         parameters  ANY DEFINED BY algorithm OPTIONAL }
struct AlgorithmIdentifier: DERParseable, DERSerializable {
    var algorithm: ASN1ObjectIdentifier
    var parameters: ASN1Any?

    init(algorithm: ASN1ObjectIdentifier, parameters: ASN1Any?) {
        self.algorithm = algorithm
        self.parameters = parameters
    }

    /// A digest algorithm, with the NULL parameters Authenticode signers write.
    init(digest: DigestAlgorithm) throws {
        self.init(algorithm: AuthenticodeOID.digest(digest), parameters: try ASN1Any(erasing: ASN1Null()))
    }

    init(derEncoded node: ASN1Node) throws {
        var fields = try node.elements("AlgorithmIdentifier")
        algorithm = try ASN1ObjectIdentifier(derEncoded: fields.next("algorithm"))
        parameters = fields.next().map { ASN1Any(derEncoded: $0) }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(algorithm)
            if let parameters { try coder.serialize(parameters) }
        }
    }

    /// The digest algorithm identified, which must be SHA-1/256/384/512.
    func digest() throws -> DigestAlgorithm {
        guard let digest = AuthenticodeOID.digestAlgorithm(algorithm) else {
            throw BootCryptoError(.malformedSignature, detail: "digest algorithm \(algorithm) is not SHA-1/256/384/512")
        }
        return digest
    }
}

/// Context-specific tag `[n]` (constructedness comes from how the node is appended).
func contextTag(_ number: UInt) -> ASN1Identifier {
    ASN1Identifier(tagWithNumber: number, tagClass: .contextSpecific)
}

extension ASN1Node {
    /// The elements of this constructed node, whatever its tag.
    fileprivate func elements(_ what: String) throws -> ASN1NodeCollection.Iterator {
        guard case .constructed(let nodes) = content else {
            throw BootCryptoError(.malformedSignature, detail: "\(what) is not constructed")
        }
        return nodes.makeIterator()
    }
}

extension ASN1NodeCollection.Iterator {
    /// The next element, which must be there.
    fileprivate mutating func next(_ what: String) throws -> ASN1Node {
        guard let node = next() else { throw BootCryptoError(.malformedSignature, detail: "\(what) missing") }
        return node
    }
}
