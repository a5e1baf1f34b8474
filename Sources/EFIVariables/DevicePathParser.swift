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
                nodes.append(try DevicePathTextParser.node(segment))
            }
        }
        nodes.append(.endEntire)
        guard nodes.reduce(0, { $0 + $1.data.count + 4 }) <= 0xFFFF else {
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

enum DevicePathTextParser {
    static func node(_ text: String) throws -> DevicePathNode {
        if text.hasPrefix("\\") {
            guard text.utf16.count < 0x7FFD else {
                throw EFIVariableError(.malformed, "'\(text.prefix(40))…': path too long for a device path node")
            }
            return file(text)
        }
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else {
            throw EFIVariableError(.malformed, "'\(text)' is not a device path node (Name(args) or \\path)")
        }
        let name = text[..<open].lowercased()
        let argument = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        let arguments = argument.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
        func fail(_ why: String) -> EFIVariableError { EFIVariableError(.malformed, "'\(text)': \(why)") }
        func count(_ expected: Int) throws {
            guard arguments.count == expected else { throw fail("expected \(expected) arguments") }
        }
        func number<T: FixedWidthInteger & UnsignedInteger>(_ index: Int, as _: T.Type = UInt64.self) throws -> T {
            guard let value = parseNumber(arguments[index], as: T.self) else {
                throw fail("'\(arguments[index])' is not a number (0x… or decimal) up to \(T.max)")
            }
            return value
        }
        func guid(_ index: Int) throws -> [UInt8] {
            guard let value = EFIGUID(arguments[index]) else { throw fail("'\(arguments[index])' is not a GUID") }
            return value.bytes
        }
        switch name {
        case "pci":
            try count(2)
            return DevicePathNode(
                type: 1, subtype: 1, data: [try number(1, as: UInt8.self), try number(0, as: UInt8.self)])
        case "pciroot", "pcieroot", "floppy", "keyboard", "serial", "parallelport":
            try count(1)
            let products: [String: UInt32] = [
                "pciroot": 0x0A03, "pcieroot": 0x0A08, "floppy": 0x0604, "keyboard": 0x0301, "serial": 0x0501,
                "parallelport": 0x0401,
            ]
            let hid = products[name]! << 16 | 0x41D0
            return DevicePathNode(
                type: 2, subtype: 1, data: try hid.littleEndianBytes + number(0, as: UInt32.self).littleEndianBytes)
        case "acpi":
            try count(2)
            let hidText = arguments[0]
            let hid: UInt32
            if hidText.uppercased().hasPrefix("PNP"), let product = UInt16(hidText.dropFirst(3), radix: 16) {
                hid = UInt32(product) << 16 | 0x41D0
            } else {
                hid = try number(0, as: UInt32.self)
            }
            return DevicePathNode(
                type: 2, subtype: 1, data: try hid.littleEndianBytes + number(1, as: UInt32.self).littleEndianBytes)
        case "sata":
            try count(3)
            return DevicePathNode(
                type: 3, subtype: 0x12,
                data: try number(0, as: UInt16.self).littleEndianBytes + number(1, as: UInt16.self).littleEndianBytes
                    + number(2, as: UInt16.self).littleEndianBytes)
        case "mac":
            try count(2)
            guard let address = [UInt8](hexString: String(arguments[0].filter { $0 != ":" })),
                (1...32).contains(address.count)
            else { throw fail("'\(arguments[0])' is not a MAC address") }
            let interfaceType = try number(1, as: UInt8.self)
            return DevicePathNode(
                type: 3, subtype: 0x0B,
                data: address + [UInt8](repeating: 0, count: 32 - address.count) + [interfaceType])
        case "uri":
            guard argument.utf8.count <= 0xFFFB else { throw fail("URI too long for a device path node") }
            return DevicePathNode(type: 3, subtype: 0x18, data: Array(argument.utf8))
        case "vlan":
            try count(1)
            return DevicePathNode(type: 3, subtype: 0x14, data: try number(0, as: UInt16.self).littleEndianBytes)
        case "ipv4":
            return try ipv4(arguments, fail: fail)
        case "ipv6":
            return try ipv6(arguments, fail: fail)
        case "hd":
            try count(5)
            let partition = try number(0, as: UInt32.self).littleEndianBytes
            let range = try number(3).littleEndianBytes + number(4).littleEndianBytes
            switch arguments[1].uppercased() {
            case "GPT":
                return GPTPartition(
                    number: try number(0, as: UInt32.self), startLBA: try number(3), sizeLBA: try number(4),
                    uniqueGUID: EFIGUID(bytes: try guid(2))
                ).hardDriveNode
            case "MBR":
                let signature = try number(2, as: UInt32.self).littleEndianBytes + [UInt8](repeating: 0, count: 12)
                return DevicePathNode(type: 4, subtype: 1, data: partition + range + signature + [0x01, 0x01])
            default:
                throw fail("partition format must be GPT or MBR")
            }
        case "file":
            guard argument.utf16.count < 0x7FFD else { throw fail("path too long for a device path node") }
            return file(argument)
        case "fv", "fvvol":
            try count(1)
            return DevicePathNode(type: 4, subtype: 7, data: try guid(0))
        case "fvfile":
            try count(1)
            return DevicePathNode(type: 4, subtype: 6, data: try guid(0))
        case "hardwarepath", "acpipath", "msg", "mediapath", "bbspath":
            guard arguments.count == 1 || arguments.count == 2 else { throw fail("expected 1 or 2 arguments") }
            let type: UInt8 = ["hardwarepath": 1, "acpipath": 2, "msg": 3, "mediapath": 4, "bbspath": 5][name]!
            guard let data = arguments.count == 1 ? [] : [UInt8](hexString: arguments[1]), data.count <= 0xFFFB else {
                throw fail("'\(arguments.last!)' is not hex")
            }
            return DevicePathNode(type: type, subtype: try number(0, as: UInt8.self), data: data)
        case "path":
            guard arguments.count == 2 || arguments.count == 3 else { throw fail("expected 2 or 3 arguments") }
            guard let data = arguments.count == 2 ? [] : [UInt8](hexString: arguments[2]), data.count <= 0xFFFB else {
                throw fail("'\(arguments.last!)' is not hex")
            }
            return DevicePathNode(
                type: try number(0, as: UInt8.self), subtype: try number(1, as: UInt8.self), data: data)
        default:
            throw fail("unknown device path node '\(text[..<open])'")
        }
    }

    private static func file(_ path: String) -> DevicePathNode {
        DevicePathNode(type: 4, subtype: 4, data: UCS2.encode(path, terminated: true))
    }

    /// EDK2's `IPv4(remote,protocol,Static|DHCP,local[,gateway,mask])` (ports are not in the text: 0).
    private static func ipv4(_ arguments: [String], fail: (String) -> EFIVariableError) throws -> DevicePathNode {
        guard arguments.count == 4 || arguments.count == 6 else { throw fail("IPv4 takes 4 or 6 arguments") }
        func address(_ text: String) throws -> [UInt8] {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
            guard parts.count == 4 else { throw fail("'\(text)' is not an IPv4 address") }
            return parts
        }
        let protocolNumber = try networkProtocol(arguments[1], fail: fail)
        let isStatic: UInt8
        switch arguments[2].uppercased() {
        case "STATIC": isStatic = 1
        case "DHCP": isStatic = 0
        default: throw fail("'\(arguments[2])' is neither Static nor DHCP")
        }
        var data =
            try address(arguments[3]) + (try address(arguments[0])) + [0, 0, 0, 0] + protocolNumber.littleEndianBytes
            + [isStatic]
        if arguments.count == 6 { data += try address(arguments[4]) + (try address(arguments[5])) }
        return DevicePathNode(type: 3, subtype: 0x0C, data: data)
    }

    /// EDK2's `IPv6(remote,protocol,origin,local[,prefix,gateway])`.
    private static func ipv6(_ arguments: [String], fail: (String) -> EFIVariableError) throws -> DevicePathNode {
        guard arguments.count == 4 || arguments.count == 6 else { throw fail("IPv6 takes 4 or 6 arguments") }
        func address(_ text: String) throws -> [UInt8] {
            let halves = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.split(separator: ":").map { UInt16($0, radix: 16) }
            }
            guard halves.allSatisfy({ $0.allSatisfy { $0 != nil } }) else {
                throw fail("'\(text)' is not an IPv6 address")
            }
            let head = halves[0].compactMap { $0 }
            let tail = halves.count > 1 ? halves[1].compactMap { $0 } : []
            guard halves.count == 1 ? head.count == 8 : head.count + tail.count < 8 else {
                throw fail("'\(text)' is not an IPv6 address")
            }
            let groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
            return groups.flatMap(\.bigEndianBytes)
        }
        let protocolNumber = try networkProtocol(arguments[1], fail: fail)
        let origins = ["STATIC", "STATELESSAUTOCONFIGURE", "STATEFULAUTOCONFIGURE"]
        guard let origin = origins.firstIndex(of: arguments[2].uppercased()) else {
            throw fail("'\(arguments[2])' is not Static, StatelessAutoConfigure or StatefulAutoConfigure")
        }
        var data =
            try address(arguments[3]) + (try address(arguments[0])) + [0, 0, 0, 0] + protocolNumber.littleEndianBytes
        data.append(UInt8(origin))
        if arguments.count == 6 {
            guard let prefix = parseNumber(arguments[4], as: UInt8.self) else {
                throw fail("'\(arguments[4])' is not a prefix length")
            }
            data += [prefix] + (try address(arguments[5]))
        }
        return DevicePathNode(type: 3, subtype: 0x0D, data: data)
    }

    /// `TCP`, `UDP` or a number.
    private static func networkProtocol(_ text: String, fail: (String) -> EFIVariableError) throws -> UInt16 {
        switch text.uppercased() {
        case "TCP": return 6
        case "UDP": return 17
        default:
            guard let value = parseNumber(text, as: UInt16.self) else { throw fail("'\(text)' is not a protocol") }
            return value
        }
    }

    /// `0x…` hex or decimal, within the type's range.
    static func parseNumber<T: FixedWidthInteger & UnsignedInteger>(_ text: String, as _: T.Type) -> T? {
        let field = text.lowercased()
        return field.hasPrefix("0x") ? T(field.dropFirst(2), radix: 16) : T(field, radix: 10)
    }
}
