import BinaryIO
import BootCrypto
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import PEKit

@Suite struct AuthenticodeTests {
    /// Spec digest §2.1 and vectors/README: every signed variant of the v252 stub hashes to the
    /// digest of the stub zero-padded to 8 bytes; so does the unsigned stub (virtual padding).
    @Test(arguments: [
        "linuxx64.efi.stub", "linuxx64.efi.stub.sbsigned", "linuxx64.efi.stub.pesigned", "linuxx64.efi.stub.osslsigned",
        "linuxx64.efi.stub.sbsigned-twice", "linuxx64.efi.stub.osslsigncode-nested",
    ])
    func stubDigestMatchesTheSigners(fixture: String) throws {
        let image = try parse(TestPaths.fixture(fixture))
        #expect(
            try image.authenticodeDigest(.sha256).hexString
                == "32cab00c99673e8b50d5d7f7602b2f8fdb5138aba67d1d2e422fdc8464310bc1")
    }

    @Test func signedUKIDigestMatchesSbsignAndPesign() throws {
        let expected = "1bbb1dff2c94f2ea352226a44d264df0373e64be85a58e155c95102c9cf3e01d"
        #expect(try parse(TestPaths.fixture("uki-signed.efi")).authenticodeDigest(.sha256).hexString == expected)
        #expect(try parse(TestPaths.fixture("uki-unsigned.efi")).authenticodeDigest(.sha256).hexString == expected)
        let pesign = try run("pesign", ["-h", "-i", TestPaths.fixture("uki-unsigned.efi")])
        #expect(pesign.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "hash: \(expected)")
    }

    @Test func ourUKIDigestEqualsPesignsAndOsslsigncodes() throws {
        let directory = try TemporaryDirectory()
        let image = try build(vectorRequest(), in: directory)
        let ours = try image.authenticodeDigest(.sha256).hexString
        let pesign = try run("pesign", ["-h", "-i", image.file.path.string])
        #expect(pesign.stdout.contains("hash: \(ours)"), "\(pesign.stdout)")
        // osslsigncode prints the digest it computes for a file it signed.
        let signed = directory.file("signed.efi")
        let sign = try run(
            "osslsigncode",
            [
                "sign", "-key", TestPaths.fixture("db.key"), "-certs", TestPaths.fixture("db.crt"), "-in",
                image.file.path.string, "-out", signed,
            ])
        #expect(sign.status == 0, "\(sign.stderr)")
        let verify = try run("osslsigncode", ["verify", "-in", signed, "-CAfile", TestPaths.fixture("db.crt")])
        #expect(verify.stdout.contains("Calculated message digest : \(ours.uppercased())"), "\(verify.stdout)")
        #expect(try parse(signed).authenticodeDigest(.sha256).hexString == ours)
    }

    @Test func certificateTableEntries() throws {
        let image = try parse(TestPaths.fixture("linuxx64.efi.stub.sbsigned"))
        let table = try #require(try CertificateTable(image: image))
        #expect(table.range == 0x14568..<0x14BB0)
        #expect(table.entries.count == 1)
        #expect(table.entries[0].length == 0x642)
        #expect(table.entries[0].revision == 0x0200 && table.entries[0].certificateType == 0x0002)
        #expect(table.entries[0].certificate == (try readBytes(TestPaths.fixture("linuxx64.efi.stub.sbsign.p7.der"))))
        let twice = try #require(
            try CertificateTable(image: parse(TestPaths.fixture("linuxx64.efi.stub.sbsigned-twice"))))
        #expect(twice.entries.count == 2)
        #expect(try CertificateTable(image: parse(TestPaths.fixture("linuxx64.efi.stub"))) == nil)
    }

    @Test func replacingTheTableKeepsTheDigestAndFixesTheChecksum() throws {
        let directory = try TemporaryDirectory()
        let signed = try parse(TestPaths.fixture("linuxx64.efi.stub.sbsigned-twice"))
        let table = try #require(try CertificateTable(image: signed))
        for (name, kept) in [("none", [WinCertificate]()), ("first", [table.entries[0]]), ("both", table.entries)] {
            let path = FilePath(directory.file("\(name).efi"))
            let output = try AtomicOutputFile(destination: path)
            try signed.write(replacingCertificateTableWith: kept, to: output)
            try output.commit()
            let result = try parse(path.string)
            #expect(try result.authenticodeDigest(.sha256) == signed.authenticodeDigest(.sha256))
            #expect(try CertificateTable(image: result)?.entries.map(\.certificate) ?? [] == kept.map(\.certificate))
            let pefile = try run(
                "/usr/bin/python3",
                [
                    "-c",
                    "import pefile,sys; pe=pefile.PE(sys.argv[1]); print(pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum())",
                    path.string,
                ])
            #expect(pefile.stdout == "True\n", "\(name): \(pefile.stderr)")
        }
        // All signatures kept: byte-identical to what sbsign wrote (it recomputes the CheckSum too).
        #expect(
            try readBytes(directory.file("both.efi"))
                == readBytes(TestPaths.fixture("linuxx64.efi.stub.sbsigned-twice")))
    }

    enum Damage: String, CaseIterable, Sendable {
        case dataAfterTheTable, lengthPastTheTable, lengthUnderEight
    }

    @Test(arguments: Damage.allCases)
    func malformedTablesAreErrors(damage: Damage) throws {
        let directory = try TemporaryDirectory()
        var bytes = try readBytes(TestPaths.fixture("linuxx64.efi.stub.sbsigned"))
        switch damage {
        case .dataAfterTheTable: bytes += [0, 0, 0, 0, 0, 0, 0, 0]
        case .lengthPastTheTable: bytes[0x14568 + 1] = 0x10
        case .lengthUnderEight: bytes.replaceSubrange(0x14568..<0x1456C, with: [4, 0, 0, 0])
        }
        let image = try parse(try directory.write("bad.efi", bytes))
        #expect { _ = try CertificateTable(image: image) } throws: { ($0 as? PEError)?.code == .invalidField }
    }
}
