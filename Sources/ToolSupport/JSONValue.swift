/// A JSON document with object keys in insertion order, rendered the way Python's `json.dumps`
/// renders it (ukify's output): `short` is one line with ", " and ": " separators, `pretty`
/// indents by 4; non-ASCII characters are escaped as \uXXXX (ensure_ascii).
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

    public func rendered(_ style: JSONStyle) -> String {
        var output = ""
        render(into: &output, style: style, depth: 0)
        return output
    }

    private func render(into output: inout String, style: JSONStyle, depth: Int) {
        switch self {
        case .string(let string): Self.quote(string, into: &output)
        case .integer(let value): output += String(value)
        case .bool(let value): output += value ? "true" : "false"
        case .null: output += "null"
        case .array(let elements):
            renderContainer(open: "[", close: "]", count: elements.count, into: &output, style: style, depth: depth) {
                index, output in
                elements[index].render(into: &output, style: style, depth: depth + 1)
            }
        case .object(let members):
            renderContainer(open: "{", close: "}", count: members.count, into: &output, style: style, depth: depth) {
                index, output in
                Self.quote(members[index].0, into: &output)
                output += ": "
                members[index].1.render(into: &output, style: style, depth: depth + 1)
            }
        }
    }

    private func renderContainer(
        open: String, close: String, count: Int, into output: inout String, style: JSONStyle,
        depth: Int, element: (Int, inout String) -> Void
    ) {
        output += open
        guard count > 0 else { return output += close }
        let pretty = style == .pretty
        for index in 0..<count {
            if index > 0 { output += pretty ? "," : ", " }
            if pretty { output += "\n" + String(repeating: " ", count: 4 * (depth + 1)) }
            element(index, &output)
        }
        if pretty { output += "\n" + String(repeating: " ", count: 4 * depth) }
        output += close
    }

    private static func quote(_ string: String, into output: inout String) {
        output += "\""
        for unit in string.utf16 {
            switch unit {
            case 0x22: output += "\\\""
            case 0x5C: output += "\\\\"
            case 0x0A: output += "\\n"
            case 0x0D: output += "\\r"
            case 0x09: output += "\\t"
            case 0x08: output += "\\b"
            case 0x0C: output += "\\f"
            case 0x20..<0x7F: output.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        output += "\""
    }
}

/// How `--json` output is laid out.
public enum JSONStyle: String, CaseIterable, Sendable {
    case pretty, short, off
}
