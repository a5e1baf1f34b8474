import Foundation
import TestSupport
import Testing

@testable import JSON

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

@Suite struct JSONDialectTests {
    /// systemd-measure 252's own `--json=pretty` output re-renders byte for byte.
    @Test func systemdPrettyMatchesSystemdMeasure() throws {
        let bytes = try readBytes(TestPaths.fixture("measure/expected-default-phases.json"))
        let text = String(decoding: bytes, as: UTF8.self)
        let document = try JSONValue(parsing: bytes)
        #expect(document.rendered(.pretty, dialect: .systemd) + "\n" == text)
        #expect(
            document.rendered(.short, dialect: .systemd).hasPrefix("{\"sha1\":[{\"phase\":\"enter-initrd\",\"pcr\":11,")
        )
    }

    @Test func parsesEscapesAndKeepsKeyOrder() throws {
        let value = try JSONValue(parsing: Array(#"{"b": [1, -2, true, null], "a": "x\u00e9\ud83d\ude00\n\/"}"#.utf8))
        #expect(value.objectValue?.map(\.0) == ["b", "a"])
        #expect(value["a"]?.stringValue == "xé\u{1F600}\n/")
        #expect(value["b"] == .array([.integer(1), .integer(-2), .bool(true), .null]))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\" 1}", "01", "1.5", "\"\\x\"", "\"\\ud800\"", "[1] 2", "\"a\nb\"",
        String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
    ])
    func rejectsMalformedJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    /// A key given twice in one object is refused at its second occurrence (RFC 8259 4: names
    /// SHOULD be unique; readers disagree on which value wins).
    @Test func duplicateKeysAreRefused() throws {
        let text = #"{"a": 1, "b": {"c": 2, "c": 3}}"#
        let error = try #require(throws: JSONParseError.self) { try JSONValue(parsing: Array(text.utf8)) }
        #expect(error.offset == 23)
        #expect(error.reason == #"duplicate key "c""#)
        #expect(try JSONValue(parsing: Array(#"{"c": 1, "d": {"c": 2}}"#.utf8))["d"]?["c"]?.integerValue == 2)
    }
}
