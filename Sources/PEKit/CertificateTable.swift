import BinaryIO

/// One entry of the Attribute Certificate Table (PE/COFF "The Attribute Certificate Table";
/// spec digest §2.2).
///
/// | off | size | field |
/// |---|---|---|
/// | 0 | 4 | dwLength (8 + certificate, padding excluded or included) |
/// | 4 | 2 | wRevision (0x0200 written; EDK2 does not check it) |
/// | 6 | 2 | wCertificateType (0x0002 PKCS_SIGNED_DATA, or 0x0EF1 EFI_GUID) |
/// | 8 | dwLength − 8 | bCertificate (DER PKCS#7 ContentInfo; for EFI_GUID, a CertType GUID first) |
///
/// Entries start 8-aligned; the next one starts at round_up(dwLength, 8) as EDK2 and shim walk them.
public struct WinCertificate: Sendable, Equatable {
    public static let revision2: UInt16 = 0x0200
    public static let typePKCSSignedData: UInt16 = 0x0002
    /// WIN_CERT_TYPE_EFI_GUID: WIN_CERTIFICATE_UEFI_GUID, a CertType GUID then CertData.
    public static let typeEFIGUID: UInt16 = 0x0EF1
    /// EFI_CERT_TYPE_PKCS7_GUID 4aafd29d-68df-49ee-8aa9-347d375665a7, as stored (mixed-endian).
    public static let pkcs7GUID: [UInt8] = [
        0x9D, 0xD2, 0xAF, 0x4A, 0xDF, 0x68, 0xEE, 0x49, 0x8A, 0xA9, 0x34, 0x7D, 0x37, 0x56, 0x65, 0xA7,
    ]

    /// What EDK2's `DxeImageVerificationHandler` makes of an entry: the PKCS#7 it verifies, an entry it
    /// skips (`continue`), or one that ends its walk of the table (`break`), which denies the image.
    public enum Content: Sendable, Equatable {
        case pkcs7([UInt8])
        case skipped(String)
        case denied(String)
    }

    /// The entry as EDK2 reads it: wRevision is not looked at; PKCS_SIGNED_DATA and EFI_GUID with
    /// CertType EFI_CERT_TYPE_PKCS7_GUID carry a PKCS#7; other types and GUIDs are skipped.
    public var content: Content {
        switch certificateType {
        case Self.typePKCSSignedData:
            guard length > 8 else { return .denied("dwLength \(length) leaves no PKCS#7 after the header") }
            return .pkcs7(certificate)
        case Self.typeEFIGUID:
            guard length > 24, certificate.count > 16 else {
                return .denied("dwLength \(length) leaves no CertData after the CertType GUID")
            }
            let guid = Array(certificate.prefix(16))
            guard guid == Self.pkcs7GUID else {
                return .skipped("CertType \(Self.guidString(guid)) is not EFI_CERT_TYPE_PKCS7_GUID; firmware skips it")
            }
            return .pkcs7(Array(certificate.dropFirst(16)))
        default:
            return .skipped(
                "wCertificateType \(hex(certificateType)) is neither PKCS_SIGNED_DATA (0x2) nor EFI_GUID (0xef1); "
                    + "firmware skips it")
        }
    }

    /// An entry wrapping `der` in WIN_CERTIFICATE_UEFI_GUID with CertType EFI_CERT_TYPE_PKCS7_GUID.
    public init(guidWrappedPKCS7 der: [UInt8], revision: UInt16 = Self.revision2) {
        self.init(
            length: UInt32(24 + der.count), revision: revision, certificateType: Self.typeEFIGUID,
            certificate: Self.pkcs7GUID + der)
    }

    static func guidString(_ bytes: [UInt8]) -> String {
        func hexBytes(_ range: [Int]) -> String { range.map { String(bytes[$0], radix: 16).leftPadded(2) }.joined() }
        return [
            hexBytes([3, 2, 1, 0]), hexBytes([5, 4]), hexBytes([7, 6]), hexBytes([8, 9]), hexBytes(Array(10..<16)),
        ].joined(separator: "-")
    }

    public var length: UInt32
    public var revision: UInt16
    public var certificateType: UInt16
    /// bCertificate: the DER signature, possibly followed by the signer's zero padding.
    public var certificate: [UInt8]

    public init(length: UInt32, revision: UInt16, certificateType: UInt16, certificate: [UInt8]) {
        self.length = length
        self.revision = revision
        self.certificateType = certificateType
        self.certificate = certificate
    }

    /// An entry for a PKCS#7 signature, with dwLength excluding the padding (as sbsign and pesign write it).
    public init(pkcs7 der: [UInt8]) {
        length = UInt32(8 + der.count)
        revision = Self.revision2
        certificateType = Self.typePKCSSignedData
        certificate = der
    }

    /// The entry's bytes in the table, zero-padded to a multiple of 8.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: certificate.count + 16)
        writer.write(length)
        writer.write(revision)
        writer.write(certificateType)
        writer.write(certificate)
        writer.writeZeros((8 - Int(length) % 8) % 8)
        return writer.bytes
    }
}

/// The certificate table of an image, checked the way firmware and shim check it: entries
/// contiguous and ending exactly at VirtualAddress + Size, the table the last thing in the file.
public struct CertificateTable: Sendable {
    /// Tables larger than this are refused (real ones hold a few signatures of a few KiB).
    public static let sizeLimit = 16 << 20

    public let range: Range<Int>
    public let entries: [WinCertificate]

    /// Parses `image`'s table; nil when the image is unsigned.
    public init?(image: PEImage) throws {
        guard let range = image.certificateTable else { return nil }
        let path = image.file.path.string
        let directoryOffset = image.certificateDirectoryOffset
        guard range.count <= Self.sizeLimit, range.lowerBound % 8 == 0 else {
            throw PEError(
                .invalidField, path: path, field: "Certificate Table", offset: directoryOffset,
                detail: "table at \(hex(range.lowerBound)) of \(range.count) bytes is misaligned or too large")
        }
        guard range.upperBound == image.file.size else {
            throw PEError(
                .invalidField, path: path, field: "Certificate Table", offset: directoryOffset,
                detail: "the table is not at the end of the file (\(image.file.size - range.upperBound) bytes follow)")
        }
        let bytes = try withPEErrors(path: path) {
            try image.file.read(at: range.lowerBound, count: range.count, field: "certificate table")
        }
        var reader = ByteReader(bytes, baseOffset: range.lowerBound)
        var entries: [WinCertificate] = []
        while reader.remaining > 0 {
            let offset = range.lowerBound + reader.position
            let entry: WinCertificate = try withPEErrors(path: path) {
                let length = try reader.readUInt32(field: "dwLength")
                let revision = try reader.readUInt16(field: "wRevision")
                let type = try reader.readUInt16(field: "wCertificateType")
                guard length >= 8, Int(length) - 8 <= reader.remaining else {
                    throw PEError(
                        .invalidField, field: "dwLength", offset: offset, detail: "\(length) does not fit the table")
                }
                let certificate = try reader.readBytes(Int(length) - 8, field: "bCertificate")
                let padding = (8 - Int(length) % 8) % 8
                guard padding <= reader.remaining else {
                    throw PEError(
                        .invalidField, field: "dwLength", offset: offset, detail: "the table ends inside an entry")
                }
                try reader.seek(to: reader.position + padding, field: "padding")
                return WinCertificate(
                    length: length, revision: revision, certificateType: type, certificate: certificate)
            }
            entries.append(entry)
        }
        self.range = range
        self.entries = entries
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
