import Foundation
import TestSupport
import Testing

/// `ukify build` with a compressed kernel next to ukify 257 (scripts/fetch-systemd.sh), for the
/// formats ukify 257 decompresses with Python's standard library: the same `.linux` (the original
/// vmlinuz) and `.uname`.
@Suite struct CompressedKernelCLITests {
    @Test(arguments: ["gzip -9 -n -c", "lzma -9 -c", "bzip2 -9 -c"])
    func embedsWhatUkify257Embeds(command: String) throws {
        let kernel = try TestPaths.debianKernel()
        let systemd257 = TestPaths.systemd257
        try systemd257.check()
        let directory = try TemporaryDirectory()
        let compressed = directory.file("vmlinuz.compressed")
        try check(run("/bin/sh", ["-c", "\(command) \"$1\" > \"$2\"", "sh", kernel.vmlinuz, compressed]))
        let common = [
            "--linux=\(compressed)", "--stub=\(systemd257.linuxStub)", "--cmdline=quiet",
            "--os-release=@\(TestPaths.fixture("os-release"))",
        ]
        let ours = try run(TestPaths.ukify, ["build"] + common + ["--output=\(directory.file("ours.efi"))"])
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(ours.stderr.contains("decompressed"))
        let theirs = try run(
            systemd257.ukify, ["build"] + common + ["--output=\(directory.file("theirs.efi"))"])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        for section in [".linux", ".uname"] {
            var contents: [[UInt8]] = []
            for image in ["ours.efi", "theirs.efi"] {
                let dump = directory.file("\(image)\(section)")
                try check(
                    run(
                        "objcopy", ["--dump-section", "\(section)=\(dump)", directory.file(image), directory.file("x")])
                )
                contents.append(try readBytes(dump))
            }
            #expect(contents[0] == contents[1], "\(section)")
        }
        #expect(try readBytes(directory.file("ours.efi.linux")) == readBytes(kernel.vmlinuz))
    }
}
