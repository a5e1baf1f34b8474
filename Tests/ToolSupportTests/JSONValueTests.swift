import Foundation
import TestSupport
import Testing

@testable import ToolSupport

@Suite struct JSONValueTests {
    static let document: JSONValue = .object([
        (".linux", .object([("size", .integer(10000)), ("sha256", .string("ab01"))])),
        (
            ".cmdline",
            .object([("size", .integer(5)), ("text", .string("quiet \"x\"\\ é ✓ \u{1F600}\n\t\u{0}\u{1F}"))])
        ),
        ("_profiles", .array([.object([]), .array([]), .bool(true), .null, .integer(-3)])),
    ])

    /// Python's json.dumps (what ukify prints) renders the same document identically.
    @Test(arguments: [JSONStyle.short, .pretty])
    func matchesPythonJSONDumps(style: JSONStyle) throws {
        let directory = try TemporaryDirectory()
        let input = try directory.write("in.json", Self.document.rendered(.short))
        let indent = style == .pretty ? "4" : "None"
        let python = try run(
            "python3",
            ["-c", "import json,sys; print(json.dumps(json.load(open(sys.argv[1])), indent=\(indent)), end='')", input])
        #expect(python.status == 0, "\(python.stderr)")
        #expect(Self.document.rendered(style) == python.stdout)
    }
}

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
            (error as? ToolError)?.description.hasPrefix("bad.conf:") == true
        }
    }
}
