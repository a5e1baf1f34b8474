/// A JSON document with object keys in insertion order. It renders in the two dialects our
/// tools must match byte for byte: Python's `json.dumps` (ukify, `.pcrsig` sections) and
/// systemd's JSON formatter (systemd-measure and the other systemd tools).
public indirect enum JSONValue: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.rendered(.short) == rhs.rendered(.short)
    }

    /// The value of `key` in an object (the first one).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: [(String, JSONValue)]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var integerValue: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The document as text. `.off` renders like `.short`.
    public func rendered(_ style: JSONStyle, dialect: JSONDialect = .python) -> String {
        var output = ""
        render(into: &output, format: Format(style: style, dialect: dialect), depth: 0)
        return output
    }

    private struct Format {
        var pretty: Bool
        var separator: String
        var keySeparator: String
        var indentUnit: String
        var asciiOnly: Bool

        init(style: JSONStyle, dialect: JSONDialect) {
            pretty = style == .pretty
            switch dialect {
            case .python:
                separator = pretty ? "," : ", "
                keySeparator = ": "
                indentUnit = "    "
                asciiOnly = true
            case .systemd:
                separator = ","
                keySeparator = pretty ? " : " : ":"
                indentUnit = "\t"
                asciiOnly = false
            }
        }
    }

    private func render(into output: inout String, format: Format, depth: Int) {
        switch self {
        case .string(let string): Self.quote(string, asciiOnly: format.asciiOnly, into: &output)
        case .integer(let value): output += String(value)
        case .bool(let value): output += value ? "true" : "false"
        case .null: output += "null"
        case .array(let elements):
            renderContainer(open: "[", close: "]", count: elements.count, into: &output, format: format, depth: depth) {
                index, output in
                elements[index].render(into: &output, format: format, depth: depth + 1)
            }
        case .object(let members):
            renderContainer(open: "{", close: "}", count: members.count, into: &output, format: format, depth: depth) {
                index, output in
                Self.quote(members[index].0, asciiOnly: format.asciiOnly, into: &output)
                output += format.keySeparator
                members[index].1.render(into: &output, format: format, depth: depth + 1)
            }
        }
    }

    private func renderContainer(
        open: String, close: String, count: Int, into output: inout String, format: Format,
        depth: Int, element: (Int, inout String) -> Void
    ) {
        output += open
        guard count > 0 else { return output += close }
        for index in 0..<count {
            if index > 0 { output += format.separator }
            if format.pretty { output += "\n" + String(repeating: format.indentUnit, count: depth + 1) }
            element(index, &output)
        }
        if format.pretty { output += "\n" + String(repeating: format.indentUnit, count: depth) }
        output += close
    }

    private static func quote(_ string: String, asciiOnly: Bool, into output: inout String) {
        output += "\""
        for scalar in string.unicodeScalars {
            switch scalar.value {
            case 0x22: output += "\\\""
            case 0x5C: output += "\\\\"
            case 0x0A: output += "\\n"
            case 0x0D: output += "\\r"
            case 0x09: output += "\\t"
            case 0x08: output += "\\b"
            case 0x0C: output += "\\f"
            case 0x20..<0x7F: output.unicodeScalars.append(scalar)
            case 0x7F... where !asciiOnly: output.unicodeScalars.append(scalar)
            default:
                for unit in String(scalar).utf16 {
                    let hex = String(unit, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                }
            }
        }
        output += "\""
    }
}

/// How `--json` output is laid out.
public enum JSONStyle: String, CaseIterable, Sendable {
    case pretty, short, off
}

/// Whose formatting to reproduce.
public enum JSONDialect: Sendable {
    /// Python `json.dumps`: ", " and ": " separators, 4-space indent, non-ASCII as \uXXXX.
    case python
    /// systemd's `sd_json`/`json_variant_dump`: no spaces when short, tabs and " : " when pretty.
    case systemd
}
