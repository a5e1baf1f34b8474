import Foundation
import TestSupport
import Testing

/// A section with VirtualSize 0xFFFFFFFF in an 85 KB file is refused when the image is parsed
/// (before any section is read), with one line naming the section and the field, and nothing is
/// written.
@Suite struct InspectBoundsTests {
    /// uki-unsigned.efi with `.cmdline`'s VirtualSize set to 0xFFFFFFFF.
    static func hostileUKI(in directory: TemporaryDirectory) throws -> String {
        var bytes = try readBytes(TestPaths.fixture("uki-unsigned.efi"))
        let peOffset = Int(bytes[0x3C]) | Int(bytes[0x3D]) << 8
        let sectionCount = Int(bytes[peOffset + 6]) | Int(bytes[peOffset + 7]) << 8
        let optionalSize = Int(bytes[peOffset + 20]) | Int(bytes[peOffset + 21]) << 8
        let table = peOffset + 24 + optionalSize
        let index = try #require(
            (0..<sectionCount).first {
                bytes[(table + $0 * 40)..<(table + $0 * 40 + 8)].elementsEqual(Array(".cmdline".utf8))
            })
        let virtualSize = table + index * 40 + 8
        bytes.replaceSubrange(virtualSize..<(virtualSize + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
        return try directory.write("hostile.efi", bytes)
    }

    @Test(arguments: [[], ["--json=short"], ["--section=.cmdline:binary@OUT"], ["--section=.linux@OUT"]])
    func hostileVirtualSizeIsRefusedAndWritesNothing(options: [String]) throws {
        let directory = try TemporaryDirectory()
        let hostile = try Self.hostileUKI(in: directory)
        let output = directory.file("out")
        let result = try run(
            TestPaths.ukify, ["inspect"] + options.map { $0.replacingOccurrences(of: "OUT", with: output) } + [hostile])
        #expect(result.status == 65, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        let line = String(lines.first ?? "")
        for text in ["ukify: ", hostile, "section .cmdline VirtualSize", "SizeOfImage"] {
            #expect(line.contains(text), "\(line) lacks \(text)")
        }
        #expect(result.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["hostile.efi"])
    }
}
