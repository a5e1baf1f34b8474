import BinaryIO

extension DevicePath {
    /// Parses a device path's text, in EDK2's spelling or efibootmgr/efivar's: nodes separated by
    /// `/`, instances by `,` (outside parentheses); hex and GUIDs in either case; numbers as `0x…`
    /// or decimal; `File(\p)` or a bare `\p`; `FvVol(…)` or `Fv(…)`; `MAC(…)` with or without `:`;
    /// `Uri(…)` up to the last `)` before the next separator, since URIs contain `/`.
    public init(text: String) throws {
        var nodes: [DevicePathNode] = []
        for (index, instance) in try Self.split(text, on: ",").enumerated() {
            if index > 0 { nodes.append(.endInstance) }
            // EDK2 prints the node after an instance end with its '/' ("A,/B").
            let body = index > 0 && instance.hasPrefix("/") ? String(instance.dropFirst()) : instance
            for segment in try Self.split(body, on: "/") {
                nodes.append(try DevicePathNode(text: segment))
            }
        }
        // A path's text ends before its End Entire node unless that node is not the standard one.
        if let end = nodes.firstIndex(where: \.isEndEntire), end != nodes.count - 1 {
            throw EFIVariableError(.malformed, "'\(text)': nodes after an End Entire node")
        }
        if nodes.last?.isEndEntire != true { nodes.append(.endEntire) }
        guard nodes.reduce(0, { $0 + $1.data.count + 4 }) <= UInt16.max else {
            throw EFIVariableError(.malformed, "'\(text)': a device path list holds at most 65535 bytes")
        }
        self.init(nodes: nodes)
    }

    /// Splits at `separator` outside parentheses; a `Uri(` argument runs to the first `)` that
    /// ends the text or is followed by a separator and the next node (`Name(` or `\`).
    static func split(_ text: String, on separator: Character) throws -> [String] {
        let characters = Array(text)
        var parts: [String] = []
        var current = ""
        var depth = 0
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if depth == 0, String(characters[index...].prefix(4)).lowercased() == "uri(" {
                var close = -1
                for candidate in (index + 4)..<characters.count where characters[candidate] == ")" {
                    let next = candidate + 1
                    if next == characters.count || Self.startsNode(characters, after: next) {
                        close = candidate
                        break
                    }
                }
                guard close >= 0 else { throw EFIVariableError(.malformed, "'\(text)': Uri( without ')'") }
                current += String(characters[index...close])
                index = close + 1
                continue
            }
            switch character {
            case "(": depth += 1
            case ")":
                depth -= 1
                guard depth >= 0 else { throw EFIVariableError(.malformed, "'\(text)': unbalanced ')'") }
            default: break
            }
            if character == separator, depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
            index += 1
        }
        guard depth == 0 else { throw EFIVariableError(.malformed, "'\(text)': unbalanced '('") }
        parts.append(current)
        guard !parts.contains(where: \.isEmpty) else {
            throw EFIVariableError(.malformed, "'\(text)': empty device path node")
        }
        return parts
    }
}

extension DevicePath {
    /// Whether `characters[separator]` is `/` or `,` and a node (`Name(` or `\`) follows it.
    static func startsNode(_ characters: [Character], after separator: Int) -> Bool {
        guard separator < characters.count, characters[separator] == "/" || characters[separator] == "," else {
            return false
        }
        var index = separator + 1
        if characters[separator] == ",", index < characters.count, characters[index] == "/" { index += 1 }
        guard index < characters.count else { return false }
        if characters[index] == "\\" { return true }
        var end = index
        while end < characters.count, characters[end].isLetter || characters[end].isNumber { end += 1 }
        return end > index && end < characters.count && characters[end] == "("
    }
}
