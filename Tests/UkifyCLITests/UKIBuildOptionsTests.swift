import Foundation
import PEKit
import SystemPackage
import TestSupport
import Testing
import UKIAssembly

@testable import UkifyCLI

/// The command line and ukify.conf resolved into what a build asks for.
@Suite struct UKIBuildOptionsTests {
    func assembly(_ arguments: [String], configDirectories: [String] = []) throws -> (UKIAssembly, notes: [String]) {
        let (settings, notes) = try UKIBuildOptions.parse(arguments).resolvedSettings(
            configDirectories: configDirectories)
        return (try UKIAssembly(settings, environment: [:], now: { 0 }), notes)
    }

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
        let (resolved, notes) = try assembly([
            "--config=\(config)", "--initrd=/cli/c.img", "--cmdline=from  the   cli", "-o", "/out/uki.efi",
        ])
        #expect(resolved.request.linux == "/boot/vmlinuz-config")
        #expect(resolved.request.initrds == ["/config/a.img", "/config/b.img", "/cli/c.img"])
        #expect(resolved.request.cmdline == .text("from  the   cli"))
        #expect(resolved.request.uname == "1.2.3-config")
        #expect(resolved.request.stub == "/usr/lib/systemd/boot/efi/linuxaa64.efi.stub")
        #expect(resolved.output == "/out/uki.efi")
        #expect(notes == ["warning: \(config):7: unknown setting [UKI] Unknown="])
    }

    @Test func defaultsFollowUkify() throws {
        let (resolved, _) = try assembly(["--linux=/boot/vmlinuz-6.1", "--efi-arch=x64"])
        #expect(resolved.output == "vmlinuz-6.1.unsigned.efi")
        #expect(resolved.request.stub == "/usr/lib/systemd/boot/efi/linuxx64.efi.stub")
        #expect(resolved.request.osRelease == .file(UKIRequest.defaultOSRelease()))
        #expect(resolved.pcr.banks == [.sha1, .sha256, .sha384, .sha512])

        let (addon, _) = try assembly(["--cmdline=debug", "--efi-arch=x64", "-o", "a.efi"])
        #expect(addon.request.stub == "/usr/lib/systemd/boot/efi/addonx64.efi.stub")
        #expect(addon.request.osRelease == nil)
        #expect(throws: UKIAssemblyError.self) { try assembly(["--cmdline=debug"]) }
    }

    @Test func anEmptyOSReleaseMeansNone() throws {
        let arguments = UKIBuildOptions.normalizingArguments(["build", "--linux=/k", "--os-release=", "-o", "x"])
        #expect(arguments == ["build", "--linux=/k", "--os-release", "", "-o", "x"])
        let (resolved, _) = try assembly(Array(arguments.dropFirst()))
        #expect(resolved.request.osRelease == nil)
    }

    @Test func theVerblessFormTakesTheKernelAndInitrds() throws {
        let options = try UKIBuildOptions.parse(["/boot/vmlinuz", "/a.img", "/b.img"])
        #expect(options.settings.linux == "/boot/vmlinuz")
        #expect(options.settings.initrds == ["/a.img", "/b.img"])
        #expect(throws: (any Error).self) { try UKIBuildOptions.parse(["--linux=/k", "/a.img"]) }
    }

    @Test func findsUkifyConfInTheSearchPath() throws {
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        _ = try second.write("ukify.conf", "[UKI]\nUname=9.9.9\n")
        let (resolved, notes) = try assembly(["--linux=/k", "-o", "x"], configDirectories: [first.path, second.path])
        #expect(resolved.request.uname == "9.9.9")
        #expect(notes == ["using config file \(second.path)/ukify.conf"])
    }

    @Test func sectionSpecsSplitAtTheColon() throws {
        let (resolved, _) = try assembly(["--section=.extra:@/etc/hostname", "--section=.note:hello", "-o", "x"])
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
