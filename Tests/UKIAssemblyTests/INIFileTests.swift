import Testing

@testable import UKIAssembly

@Suite struct INIFileTests {
    @Test func parsesUkifyConfigSyntax() throws {
        let ini = try INIFile(
            text: """
                # comment
                [UKI]
                Linux = /boot/vmlinuz   # trailing comment
                Initrd=/a.img
                  /b.img
                Cmdline=first
                Cmdline=console=ttyS0 quiet

                [PCRSignature:initrd]
                Phases=enter-initrd
                """, path: "ukify.conf")
        #expect(ini.value("Linux", in: "UKI") == "/boot/vmlinuz")
        #expect(ini.value("Initrd", in: "UKI") == "/a.img\n/b.img")
        #expect(ini.value("Cmdline", in: "UKI") == "console=ttyS0 quiet")
        #expect(ini.value("Phases", in: "PCRSignature:initrd") == "enter-initrd")
        #expect(ini.entries.first { $0.key == "Phases" }?.line == 10)
    }

    @Test(arguments: ["Linux=/x", "[UKI]\nnot a setting", "[UKI\nLinux=/x"])
    func malformedFilesNameTheLine(text: String) {
        #expect { _ = try INIFile(text: text, path: "bad.conf") } throws: { error in
            (error as? UKIAssemblyError)?.description.hasPrefix("bad.conf:") == true
        }
    }
}
