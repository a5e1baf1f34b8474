import BinaryIO
import BootCrypto
import Foundation
import PEKit
import SystemPackage
import TPMDevice
import TPMPolicy
import TestSupport
import Testing

/// A PCR-signed UKI with three profiles, built by our ukify on systemd 257's stub, boots each
/// profile in OVMF (selected with `@N` in its boot entry's load options), and for each the PCR 11
/// the guest reads is authorized by a signature in that profile's own `.pcrsig`: a fresh swtpm,
/// brought to the same PCR 11 by replaying the profile's sections, accepts it in PolicyAuthorize
/// under the UKI's `.pcrpkey`.
@Suite(.serialized) struct ProfileFirmwareTests {
    @Test func eachProfileBootsWithAPCR11ItsOwnSignatureAuthorizes() throws {
        let systemd = TestPaths.systemd257
        try systemd.check()
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let initrd = try makeBusyboxInitrd(in: directory, marker: "BOOTCHAIN-E2E-PROFILES")
        let keys = TestPaths.fixture("measure")
        var profiles: [String] = []
        for number in 1...2 {
            let profile = directory.file("profile\(number).efi")
            let built = try run(
                TestPaths.ukify,
                [
                    "build", "--stub=\(systemd.addonStub)", "--profile=ID=p\(number)\nTITLE=Profile \(number)",
                    "--cmdline=console=ttyS0 panic=-1 quiet bootchain.profile=\(number)", "-o", profile,
                ])
            #expect(built.status == 0, "\(built.stderr)")
            profiles.append(profile)
        }
        let uki = directory.file("uki.efi")
        let built = try run(
            TestPaths.ukify,
            [
                "build", "--stub=\(systemd.linuxStub)", "--linux=\(kernel.vmlinuz)", "--initrd=\(initrd)",
                "--cmdline=console=ttyS0 panic=-1 quiet bootchain.profile=0", "--os-release=ID=bootchain-test",
                "--profile=ID=p0", "--pcr-private-key=\(keys)/pcr-priv.pem", "--pcr-banks=sha256",
                // The guest's busybox init extends no phase: PCR 11 stays at the empty path's value.
                "--phases=: enter-initrd",
                "-o", uki,
            ] + profiles.map { "--join-profile=\($0)" })
        #expect(built.status == 0, "\(built.stderr)")

        let vm = FirmwareVM(directory: directory)
        let disk = try vm.makeGPTDisk()
        let staging = directory.file("esp")
        try FileManager.default.createDirectory(atPath: staging + "/EFI/Linux", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: uki, toPath: staging + "/EFI/Linux/uki.efi")
        try vm.fillESP(disk: disk, from: staging)
        let vars = directory.file("vars-persistent.fd")
        try FileManager.default.copyItem(atPath: FirmwareVM.ovmfVars, toPath: vars)
        let image = try PEImage(file: try ReadableFile(path: FilePath(uki)))
        let sections = try image.namedContents()
        let pcrpkey = try #require(UKIProfiles.sections(of: sections, profile: 0)?[.pcrpkey])
        let key = try PublicKey.load(
            file: FilePath(try directory.write("pcrpkey.pem", try pcrpkey.readAll(limit: 1 << 16))))

        for number in 0...2 {
            let entry = try run(
                TestPaths.bootctl,
                [
                    "add", "--label=Profile \(number)", "--loader=\\EFI\\Linux\\uki.efi", "--args=@\(number)",
                    "--disk=\(disk)", "--part=1", "--first", "--varstore=\(vars)",
                ])
            #expect(entry.status == 0, "\(entry.stderr)")
            let log = try vm.boot(esp: disk, persistentVars: vars)
            #expect(reported("CMDLINE", in: log)?.hasSuffix("bootchain.profile=\(number)") == true, "\(log)")
            let guestPCR11 = try #require(reported("PCR11", in: log)?.lowercased(), "\(log)")

            let swtpm = try SoftwareTPM()
            let tpm = try TPMDevice(tcti: swtpm.tcti)
            let measured = try UKIProfileSections.sections(of: image, profile: number)
            for kind in try StubRules.detect(in: image).measuredKinds {
                for section in measured where section.kind == kind {
                    let bytes = try section.content.readAll(limit: 64 << 20)
                    try tpm.extendPCR(11, bank: .sha256, digest: Digest.hash(.sha256, Array(kind.rawValue.utf8) + [0]))
                    try tpm.extendPCR(11, bank: .sha256, digest: Digest.hash(.sha256, bytes))
                }
            }
            #expect(try tpm.readPCR(11, bank: .sha256)?.hexString == guestPCR11)
            let ownSignatures = try #require(UKIProfiles.sections(of: sections, profile: number)?[.pcrsig])
            let signatures = try PCRSignatures(
                parsing: try ownSignatures.readAll(limit: 1 << 20), origin: "profile \(number)'s .pcrsig")
            let authorized = try tpm.authorize(signatures: signatures, key: key, bank: .sha256)
            #expect(authorized == PolicyDigest.policyAuthorize(keyName: try TPMPublicKey(key).name))
        }
    }
}
