import BinaryIO
import SwiftASN1
import SystemPackage
import TestSupport
import Testing

@testable import BootCrypto
@testable import PEKit

/// `verifySignatures` and `SignatureCheck.firmwareAccepts` give EDK2's verdict
/// (DxeImageVerificationHandler over every WIN_CERTIFICATE, Pkcs7Verify over every SignerInfo).
@Suite struct VerificationTests {
    static let stub = TestPaths.fixture("linuxx64.efi.stub")

    static func signer(_ name: String) throws -> AuthenticodeSigner {
        try AuthenticodeSigner(
            key: PrivateKey.load(file: FilePath(TestPaths.fixture("\(name).key"))),
            certificate: Certificate.load(file: FilePath(TestPaths.fixture("\(name).crt")))[0])
    }

    static func trusted(_ name: String) throws -> [Certificate] {
        try Certificate.load(file: FilePath(TestPaths.fixture("\(name).crt")))
    }

    /// The stub with `entries` as its certificate table.
    static func image(_ entries: [WinCertificate], in directory: TemporaryDirectory, name: String) throws -> PEImage {
        let path = FilePath(directory.file(name))
        let output = try AtomicOutputFile(destination: path)
        try parse(stub).write(replacingCertificateTableWith: entries, to: output)
        try output.commit()
        return try parse(path.string)
    }

    /// One PKCS#7 with the SignerInfos (and certificates) of both `first` and `second`.
    static func merged(_ first: [UInt8], _ second: [UInt8]) throws -> [UInt8] {
        var contentInfo = try PKCS7ContentInfo(derEncoded: DER.parse(first))
        let other = try PKCS7ContentInfo(derEncoded: DER.parse(second)).signedData
        contentInfo.signedData.signerInfos += other.signerInfos
        contentInfo.signedData.certificates += other.certificates
        var coder = DER.Serializer()
        try coder.serialize(contentInfo)
        return coder.serializedBytes
    }

    /// EDK2 (OpenSSL PKCS7_verify) and sbverify check every SignerInfo: a trusted primary signer
    /// followed by one that does not chain to db is refused; trusting both accepts it.
    @Test func secondSignerInfoThatFailsIsRefused() throws {
        let directory = try TemporaryDirectory()
        let stub = try parse(Self.stub)
        let der = try Self.merged(
            stub.signature(by: Self.signer("db")), stub.signature(by: Self.signer("second")))
        let image = try Self.image([WinCertificate(pkcs7: der)], in: directory, name: "two-signers.efi")
        let checks = try image.verifySignatures(trusted: Self.trusted("db"))
        #expect(checks.count == 1 && checks[0].verdict?.signerCount == 2)
        // The trusted signer stays the primary one: checking only it (the old rule) would accept.
        #expect(checks[0].signer?.contains("Throwaway UKI Test Signing Key") == true, "\(checks[0].signer ?? "")")
        #expect(checks[0].verdict?.failingSigners == [1])
        #expect(!SignatureCheck.firmwareAccepts(checks))
        let both = try image.verifySignatures(trusted: Self.trusted("db") + Self.trusted("second"))
        #expect(SignatureCheck.firmwareAccepts(both))
        // The peer agrees: sbverify refuses the same file.
        let sbverify = try run("sbverify", ["--cert", TestPaths.fixture("db.crt"), image.file.path.string])
        #expect(sbverify.status != 0, "\(sbverify.stdout)")
    }

    /// A second WIN_CERTIFICATE that fails does not refuse the image: EDK2 `continue`s past it and
    /// accepts when any one is allowed by db (and none is forbidden by dbx, which --cert has not).
    @Test func anotherFailingSignatureDoesNotRefuse() throws {
        let directory = try TemporaryDirectory()
        let stub = try parse(Self.stub)
        let image = try Self.image(
            [
                WinCertificate(pkcs7: stub.signature(by: Self.signer("second"))),
                WinCertificate(pkcs7: stub.signature(by: Self.signer("db"))),
            ], in: directory, name: "two-signatures.efi")
        let checks = try image.verifySignatures(trusted: Self.trusted("db"))
        #expect(checks.map(\.isValid) == [false, true])
        #expect(SignatureCheck.firmwareAccepts(checks))
    }

    /// WIN_CERTIFICATE_UEFI_GUID with EFI_CERT_TYPE_PKCS7_GUID carries a PKCS#7 EDK2 verifies.
    @Test func guidWrappedPKCS7IsVerified() throws {
        let directory = try TemporaryDirectory()
        let der = try parse(Self.stub).signature(by: Self.signer("db"))
        let image = try Self.image([WinCertificate(guidWrappedPKCS7: der)], in: directory, name: "guid.efi")
        #expect(try CertificateTable(image: image)?.entries[0].certificateType == 0x0EF1)
        #expect(SignatureCheck.firmwareAccepts(try image.verifySignatures(trusted: Self.trusted("db"))))
        #expect(!SignatureCheck.firmwareAccepts(try image.verifySignatures(trusted: Self.trusted("second"))))
        // Another CertType GUID is skipped, naming the field.
        var other = WinCertificate(guidWrappedPKCS7: der)
        other.certificate[0] ^= 0xFF
        let skipped = try Self.image([other], in: directory, name: "other-guid.efi")
        let checks = try skipped.verifySignatures(trusted: Self.trusted("db"))
        #expect(!SignatureCheck.firmwareAccepts(checks))
        #expect(checks[0].problem?.contains("CertType 4aafd262-68df-49ee-8aa9-347d375665a7") == true)
    }

    /// DxeImageVerificationHandler never reads wRevision: a 0x0100 entry verifies like a 0x0200 one.
    @Test(arguments: [UInt16(0x0100), 0x0200, 0x0000])
    func revisionIsNotChecked(revision: UInt16) throws {
        let directory = try TemporaryDirectory()
        let der = try parse(Self.stub).signature(by: Self.signer("db"))
        var entry = WinCertificate(pkcs7: der)
        entry.revision = revision
        let image = try Self.image([entry], in: directory, name: "revision.efi")
        #expect(SignatureCheck.firmwareAccepts(try image.verifySignatures(trusted: Self.trusted("db"))))
        var wrapped = WinCertificate(guidWrappedPKCS7: der)
        wrapped.revision = revision
        let guid = try Self.image([wrapped], in: directory, name: "revision-guid.efi")
        #expect(SignatureCheck.firmwareAccepts(try guid.verifySignatures(trusted: Self.trusted("db"))))
    }

    /// Unknown wCertificateType: skipped, and the message names wCertificateType.
    @Test func unknownTypeIsSkippedNamingTheField() throws {
        let directory = try TemporaryDirectory()
        var entry = WinCertificate(pkcs7: try parse(Self.stub).signature(by: Self.signer("db")))
        entry.certificateType = 0x0EF0
        let image = try Self.image([entry], in: directory, name: "pkcs115.efi")
        let checks = try image.verifySignatures(trusted: Self.trusted("db"))
        #expect(!SignatureCheck.firmwareAccepts(checks))
        #expect(checks[0].problem?.hasPrefix("wCertificateType 0xef0") == true, "\(checks[0].problem ?? "")")
    }

    @Test func sha1SignatureWarns() throws {
        let directory = try TemporaryDirectory()
        let der = try parse(Self.stub).signature(by: Self.signer("db"), algorithm: .sha1)
        let image = try Self.image([WinCertificate(pkcs7: der)], in: directory, name: "sha1.efi")
        let checks = try image.verifySignatures(trusted: Self.trusted("db"))
        #expect(checks[0].warnings.contains { $0.contains("SHA-1") })
        #expect(try parse(Self.stub).unhashedGaps().isEmpty)
    }

    /// Raw data between two sections is not hashed: sbverify warns, and so does `unhashedGaps`.
    @Test func gapBetweenSectionsIsReported() throws {
        let directory = try TemporaryDirectory()
        let stub = try parse(Self.stub)
        let first = try #require(stub.sections.min { $0.pointerToRawData < $1.pointerToRawData })
        let index = try #require(stub.sections.firstIndex { $0.pointerToRawData == first.pointerToRawData })
        var bytes = try readBytes(Self.stub)
        // SizeOfRawData (offset 16 in the 40-byte header) of the first section in file order, 0x200 less.
        let offset = stub.sectionTableOffset + 40 * index + 16
        withUnsafeBytes(of: (first.sizeOfRawData - 0x200).littleEndian) {
            bytes.replaceSubrange(offset..<(offset + 4), with: $0)
        }
        let gaps = try parse(directory.write("gap.efi", bytes)).unhashedGaps()
        #expect(gaps.count == 1 && gaps[0].hasPrefix("gap of 512 bytes"), "\(gaps)")
    }
}
