import BinaryIO
import PEKit
import SystemPackage
import TestSupport
import Testing

@testable import UKIAssembly

/// ukify.conf: every key ukify 257 knows is honoured or refused, never ignored.
@Suite struct UKIConfigFileTests {
    static func assemble(
        _ config: String, _ settings: UKIBuildSettings = UKIBuildSettings()
    ) throws -> (
        UKIAssembly, warnings: [String]
    ) {
        var settings = settings
        settings.linux = FilePath(TestPaths.fixture("linux.bin"))
        settings.efiArch = .x64
        let (merged, warnings) = try settings.filling(from: try UKIConfigFile(text: config, path: "ukify.conf"))
        return (try UKIAssembly(merged, environment: [:], now: { 0 }), warnings)
    }

    /// pesign's NSS database would leave the UKI unsigned or signed with something else: refused,
    /// naming the setting.
    @Test(arguments: [
        ("SecureBootSigningTool=pesign\nSecureBootCertificateName=db", "pesign"),
        ("SecureBootCertificateDir=/etc/pki/pesign", "pesign"),
        ("SecureBootCertificateName=my-db", "pesign"),
    ])
    func settingsThatCannotBeHonouredAreErrors(lines: String, mention: String) throws {
        #expect {
            try Self.assemble("[UKI]\n\(lines)\n")
        } throws: { error in
            (error as? UKIAssemblyError)?.code == .invalidSetting && "\(error)".contains(mention)
        }
    }

    @Test func signingSettingsOfTheConfigAreUsed() throws {
        let (assembly, warnings) = try Self.assemble(
            """
            [UKI]
            SecureBootSigningTool=systemd-sbsign
            SecureBootPrivateKey=\(TestPaths.fixture("db.key"))
            SecureBootCertificate=\(TestPaths.fixture("db.crt"))
            SecureBootCertificateValidity=3650
            SignKernel=no
            PCRBanks=sha256,sha384
            Output=ignored.efi
            """)
        #expect(assembly.request.secureBoot?.signKernel == false)
        #expect(assembly.pcr.banks == [.sha256, .sha384])
        #expect(warnings == ["ukify.conf:8: unknown setting [UKI] Output="])
        #expect(assembly.output == "linux.bin.efi")
    }

    @Test func hwidsAreBuiltFromTheConfigsDirectory() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write(
            "board.json", #"{"name": "B", "compatible": "v,b", "hwids": ["00112233-4455-6677-8899-aabbccddeeff"]}"#)
        let (assembly, _) = try Self.assemble("[UKI]\nHWIDs=\(directory.path)\n")
        // One entry (descriptor, CHID in EFI byte order, name and compatible offsets), the empty
        // entry, then the strings "B" and "v,b" (sorted) after both entries (2 × 28 bytes).
        let entry: [UInt8] =
            [0x1C, 0, 0, 0x10] + [0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66]
            + [0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF] + [56, 0, 0, 0, 58, 0, 0, 0]
        #expect(assembly.request.hwids == entry + [UInt8](repeating: 0, count: 28) + Array("B\0v,b\0".utf8))
    }

    @Test func aBrokenDeviceDescriptionNamesItsFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("bad.json", #"{"name": "B", "compatible": "v,b", "hwids": ["nope"]}"#)
        #expect {
            try Self.assemble("[UKI]\nHWIDs=\(directory.path)\n")
        } throws: { error in
            "\(error)".hasPrefix(path) && "\(error)".contains("nope")
        }
    }
}
