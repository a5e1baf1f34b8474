import BinaryIO
import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import UkifyCLI

@Suite struct ManyInitrdsTests {
    /// 1,500 initrds with 256 descriptors allowed: inputs are opened one at a time while the output
    /// is written, and the section is their concatenation, each padded to 4 bytes with zeros.
    @Test func fifteenHundredInitrdsUnderADescriptorLimit() throws {
        let directory = try TemporaryDirectory()
        var expected: [UInt8] = []
        var arguments = [
            "build", "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))", "--linux=\(TestPaths.fixture("linux.bin"))",
            "--uname=6.1.0-test", "--os-release=ID=test", "-o", directory.file("many.efi"),
        ]
        for index in 0..<1500 {
            let bytes = (0..<(index % 9 + 1)).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0 &+ 1) }
            let path = try directory.write("initrd-\(index)", bytes)
            // Both spellings of the option, which keep their relative order.
            arguments += index % 2 == 0 ? ["--initrd=\(path)"] : ["--initrd", path]
            expected += bytes + [UInt8](repeating: 0, count: (4 - bytes.count % 4) % 4)
        }
        let result = try run("bash", ["-c", "ulimit -n 256 && exec \"$0\" \"$@\"", TestPaths.ukify] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let dump = try run(
            TestPaths.ukify,
            ["inspect", "--section=.initrd@\(directory.file("initrd.out"))", directory.file("many.efi")])
        #expect(dump.status == 0, "\(dump.stderr)")
        let section = try readBytes(directory.file("initrd.out"))
        #expect(section.count == expected.count)
        #expect(section == expected)
    }

    @Test func initrdOptionsAreCollapsedInOrderBeforeTheTerminator() throws {
        let rewritten = UKIBuildOptions.collapsingInitrds([
            "build", "--initrd=/a", "--cmdline=x", "--initrd", "/b", "--initrd=", "--initrd", "--", "--initrd=/c",
        ])
        #expect(
            rewritten == [
                "build", "--initrd-list-internal=/a\0/b\0\0", "--cmdline=x", "--initrd", "--", "--initrd=/c",
            ])
        #expect(UKIBuildOptions.collapsingInitrds(["inspect", "--initrd=/a"]) == ["inspect", "--initrd=/a"])
        let options = try UKIBuildOptions.parse(
            Array(
                UKIBuildOptions.collapsingInitrds(["build", "--initrd=/a", "--initrd", "/b", "-o", "/o"]).dropFirst()))
        #expect(options.settings.initrds == ["/a", "/b"])
    }

    /// An initrd that changes size between planning and writing is an error naming it.
    @Test func anInitrdThatChangesIsAnError() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("grows", [1, 2, 3])
        let source = try LazyFile(path: FilePath(path))
        _ = try directory.write("grows", [1, 2, 3, 4, 5])
        #expect(throws: (any Error).self) { try source.readAll(limit: 100) }
        do {
            _ = try source.readAll(limit: 100)
        } catch {
            #expect("\(error)".contains(path), "\(error)")
            #expect("\(error)".contains("changed"), "\(error)")
        }
    }
}
