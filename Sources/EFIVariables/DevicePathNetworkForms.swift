import BinaryIO

/// The IPv4 and IPv6 forms of ``DevicePathNodeForm/all`` (UEFI 2.10 10.3.4.12-13): EDK2's
/// `IPv4(remote,protocol,Static|DHCP,local[,gateway,mask])` and
/// `IPv6(remote,protocol,origin,local[,prefix,gateway])`; ports are not in the text (0).
extension DevicePathNodeForm {
    @Sendable static func ipv4Text(_ data: [UInt8]) -> [String]? {
        ipText(
            data, sizes: [15, 23], addressSize: 4, address: { $0.map(String.init).joined(separator: ".") },
            origin: { $0 != 0 ? "Static" : "DHCP" }, prefixedGateway: false)
    }

    @Sendable static func ipv4Data(_ arguments: DevicePathArguments) throws -> [UInt8] {
        let values = arguments.values
        guard values.count == 4 || values.count == 6 else { throw arguments.fail("IPv4 takes 4 or 6 arguments") }
        func address(_ text: String) throws -> [UInt8] {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
            guard parts.count == 4 else { throw arguments.fail("'\(text)' is not an IPv4 address") }
            return parts
        }
        let protocolNumber = try networkProtocol(values[1], arguments)
        let isStatic: UInt8
        switch values[2].uppercased() {
        case "STATIC": isStatic = 1
        case "DHCP": isStatic = 0
        default: throw arguments.fail("'\(values[2])' is neither Static nor DHCP")
        }
        var data =
            try address(values[3]) + (try address(values[0])) + [0, 0, 0, 0] + protocolNumber.littleEndianBytes
            + [isStatic]
        if values.count == 6 { data += try address(values[4]) + (try address(values[5])) }
        return data
    }

    /// IPv6 origins by their number.
    static let ipv6Origins = ["Static", "StatelessAutoConfigure", "StatefulAutoConfigure"]

    @Sendable static func ipv6Text(_ data: [UInt8]) -> [String]? {
        ipText(
            data, sizes: [39, 56], addressSize: 16,
            address: { bytes in
                stride(from: 0, to: 16, by: 2).map { bytes[$0...($0 + 1)].hexString.uppercased() }
                    .joined(separator: ":")
            },
            origin: { ipv6Origins[Int(min($0, 2))] }, prefixedGateway: true)
    }

    /// The arguments of an IPv4 or IPv6 node, whose data share a layout: LocalIPAddress,
    /// RemoteIPAddress, LocalPort, RemotePort, Protocol, an origin byte (StaticIPAddress,
    /// IPAddressOrigin), and in the longer form GatewayIPAddress and SubnetMask (IPv4) or
    /// PrefixLength and GatewayIPAddress (IPv6). EDK2 prints remote, protocol, origin, local, and
    /// the longer form's fields.
    private static func ipText(
        _ data: [UInt8], sizes: [Int], addressSize: Int, address: ([UInt8]) -> String, origin: (UInt8) -> String,
        prefixedGateway: Bool
    ) -> [String]? {
        guard sizes.contains(data.count) else { return nil }
        var reader = ByteReader(data)
        func next() throws -> String { address(try reader.readBytes(addressSize, field: "IP address")) }
        do {
            let (local, remote) = (try next(), try next())
            _ = try reader.readBytes(4, field: "LocalPort, RemotePort")
            let protocolText = networkProtocolText(try reader.readUInt16(field: "Protocol"))
            let originText = origin(try reader.readUInt8(field: "IP address origin"))
            guard reader.remaining > 0 else { return [remote, protocolText, originText, local] }
            let first = prefixedGateway ? hex(try reader.readUInt8(field: "PrefixLength")) : try next()
            return [remote, protocolText, originText, local, first, try next()]
        } catch {
            return nil
        }
    }

    @Sendable static func ipv6Data(_ arguments: DevicePathArguments) throws -> [UInt8] {
        let values = arguments.values
        guard values.count == 4 || values.count == 6 else { throw arguments.fail("IPv6 takes 4 or 6 arguments") }
        func address(_ text: String) throws -> [UInt8] {
            let halves = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.split(separator: ":").map { UInt16($0, radix: 16) }
            }
            guard halves.allSatisfy({ $0.allSatisfy { $0 != nil } }) else {
                throw arguments.fail("'\(text)' is not an IPv6 address")
            }
            let head = halves[0].compactMap { $0 }
            let tail = halves.count > 1 ? halves[1].compactMap { $0 } : []
            guard halves.count == 1 ? head.count == 8 : head.count + tail.count < 8 else {
                throw arguments.fail("'\(text)' is not an IPv6 address")
            }
            let groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
            return groups.flatMap(\.bigEndianBytes)
        }
        let protocolNumber = try networkProtocol(values[1], arguments)
        guard let origin = ipv6Origins.firstIndex(where: { $0.uppercased() == values[2].uppercased() }) else {
            throw arguments.fail("'\(values[2])' is not Static, StatelessAutoConfigure or StatefulAutoConfigure")
        }
        var data = try address(values[3]) + (try address(values[0])) + [0, 0, 0, 0] + protocolNumber.littleEndianBytes
        data.append(UInt8(origin))
        if values.count == 6 {
            guard let prefix = DevicePathArguments.parseNumber(values[4], as: UInt8.self) else {
                throw arguments.fail("'\(values[4])' is not a prefix length")
            }
            data += [prefix] + (try address(values[5]))
        }
        return data
    }

    /// IP protocol numbers EDK2 prints by name.
    static let networkProtocols: [(name: String, number: UInt16)] = [("TCP", 6), ("UDP", 17)]

    /// TCP and UDP by name, other protocol numbers in hex.
    static func networkProtocolText(_ number: UInt16) -> String {
        networkProtocols.first { $0.number == number }?.name ?? hex(number)
    }

    /// `TCP`, `UDP` or a number.
    static func networkProtocol(_ text: String, _ arguments: DevicePathArguments) throws -> UInt16 {
        if let known = networkProtocols.first(where: { $0.name == text.uppercased() }) { return known.number }
        guard let value = DevicePathArguments.parseNumber(text, as: UInt16.self) else {
            throw arguments.fail("'\(text)' is not a protocol")
        }
        return value
    }
}
