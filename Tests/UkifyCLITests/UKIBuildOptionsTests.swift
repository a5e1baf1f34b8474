import Foundation
import PEKit
import SystemPackage
import TestSupport
import Testing
import ToolSupport

@testable import UkifyCLI

@Suite struct UKIBuildOptionsTests {
    @Test func commandLineWinsAndConfigListsComeFirst() throws {
        let directory = try TemporaryDirectory()
        let config = try directory.write(
            "ukify.conf",
            """
            [UKI]
            Linux=/boot/vmlinuz-config
            Initrd=/config/a.img /config/b.img
            Cmdline=from config
            Uname=1.2.3-config
            EFIArch=aa64
            Unknown=1
            """)
        let options = try UKIBuildOptions.parse([
            "--config=\(config)", "--initrd=/cli/c.img", "--cmdline=from  the   cli", "-o", "/out/uki.efi",
        ])
        let resolved = try options.resolve(configDirectories: [])
        #expect(resolved.request.linux == "/boot/vmlinuz-config")
        #expect(resolved.request.initrds == ["/config/a.img", "/config/b.img", "/cli/c.img"])
        #expect(resolved.request.cmdline == .text("from  the   cli"))
        #expect(resolved.request.uname == "1.2.3-config")
        #expect(resolved.request.stub == "/usr/lib/systemd/boot/efi/linuxaa64.efi.stub")
        #expect(resolved.output == "/out/uki.efi")
        #expect(resolved.notes == ["warning: \(config):7: unknown setting [UKI] Unknown="])
    }

    @Test func defaultsFollowUkify() throws {
        let resolved = try UKIBuildOptions.parse(["--linux=/boot/vmlinuz-6.1", "--efi-arch=x64"])
            .resolve(configDirectories: [])
        #expect(resolved.output == "vmlinuz-6.1.unsigned.efi")
        #expect(resolved.request.stub == "/usr/lib/systemd/boot/efi/linuxx64.efi.stub")
        #expect(resolved.request.osRelease == .file(UKIRequest.defaultOSRelease()))

        let addon = try UKIBuildOptions.parse(["--cmdline=debug", "--efi-arch=x64", "-o", "a.efi"])
            .resolve(configDirectories: [])
        #expect(addon.request.stub == "/usr/lib/systemd/boot/efi/addonx64.efi.stub")
        #expect(addon.request.osRelease == nil)
        #expect(throws: ToolError.self) {
            try UKIBuildOptions.parse(["--cmdline=debug"]).resolve(configDirectories: [])
        }
    }

    @Test func findsUkifyConfInTheSearchPath() throws {
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        _ = try second.write("ukify.conf", "[UKI]\nUname=9.9.9\n")
        let resolved = try UKIBuildOptions.parse(["--linux=/k", "-o", "x"])
            .resolve(configDirectories: [first.path, second.path])
        #expect(resolved.request.uname == "9.9.9")
        #expect(resolved.notes == ["using config file \(second.path)/ukify.conf"])
    }

    @Test func sectionSpecsSplitAtTheColon() throws {
        let resolved = try UKIBuildOptions.parse([
            "--section=.extra:@/etc/hostname", "--section=.note:hello", "-o", "x",
        ])
        .resolve(configDirectories: [])
        #expect(
            resolved.request.extraSections == [
                .init(name: ".extra", content: .file("/etc/hostname")), .init(name: ".note", content: .text("hello")),
            ])
        #expect(throws: (any Error).self) { try UKIBuildOptions.parse(["--section=.x:a:b"]) }
    }

    @Test func osReleaseDefaultPrefersEtc() throws {
        let root = try TemporaryDirectory()
        #expect(
            UKIRequest.defaultOSRelease(root: FilePath(root.path))
                == FilePath(root.path).appending("usr/lib/os-release"))
        try FileManager.default.createDirectory(atPath: root.file("etc"), withIntermediateDirectories: true)
        _ = try root.write("etc/os-release", "ID=x\n")
        #expect(
            UKIRequest.defaultOSRelease(root: FilePath(root.path)) == FilePath(root.path).appending("etc/os-release"))
    }
}
