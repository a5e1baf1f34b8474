import BinaryIO

/// The text of device path nodes as EDK2's `DevPathToText` prints them (DisplayOnly FALSE;
/// spec digest §3.3): uppercase hex, uppercase GUIDs, bare file paths.
enum DevicePathText {
    static func node(_ node: DevicePathNode) -> String {
        func number(_ value: some BinaryInteger) -> String { "0x" + String(value, radix: 16).uppercased() }
        func guid(_ bytes: ArraySlice<UInt8>) -> String { EFIGUID(bytes: Array(bytes)).uppercase }
        let data = node.data
        func le(_ offset: Int, _ count: Int) -> UInt64 { UInt64(littleEndianBytes: data[offset..<(offset + count)]) }
        switch (node.type, node.subtype, data.count) {
        case (0x01, 0x01, 2):
            return "Pci(\(number(data[1])),\(number(data[0])))"
        case (0x02, 0x01, 8):
            let hid = UInt32(le(0, 4))
            let uid = UInt32(le(4, 4))
            switch hid {
            case 0x0A03_41D0: return "PciRoot(\(number(uid)))"
            case 0x0A08_41D0: return "PcieRoot(\(number(uid)))"
            case 0x0604_41D0: return "Floppy(\(number(uid)))"
            case 0x0301_41D0: return "Keyboard(\(number(uid)))"
            case 0x0501_41D0: return "Serial(\(number(uid)))"
            case 0x0401_41D0: return "ParallelPort(\(number(uid)))"
            default:
                if hid & 0xFFFF == 0x41D0 {
                    let product = String(hid >> 16, radix: 16).uppercased()
                    return
                        "Acpi(PNP\(String(repeating: "0", count: max(0, 4 - product.count)) + product),\(number(uid)))"
                }
                let hex = String(hid, radix: 16).uppercased()
                return "Acpi(0x\(String(repeating: "0", count: max(0, 8 - hex.count)) + hex),\(number(uid)))"
            }
        case (0x03, 0x12, 6):
            let fields = [le(0, 2), le(2, 2), le(4, 2)]
            return "Sata(" + fields.map { number($0) }.joined(separator: ",") + ")"
        case (0x03, 0x0B, 33):
            let interfaceType = data[32]
            let address = data.prefix(interfaceType <= 1 ? 6 : 32)
            return "MAC(\(address.hexString.uppercased()),\(number(interfaceType)))"
        case (0x03, 0x0C, let count) where count == 15 || count == 23:
            return ipv4(data, number: number)
        case (0x03, 0x0D, let count) where count == 39 || count == 56:
            return ipv6(data, number: number)
        case (0x03, 0x18, _):
            return "Uri(" + String(decoding: data.prefix { $0 != 0 }, as: UTF8.self) + ")"
        case (0x03, 0x14, 2):
            return "Vlan(\(le(0, 2)))"
        case (0x04, 0x01, 38):
            let partition = le(0, 4)
            let range = "\(number(le(4, 8))),\(number(le(12, 8)))"
            switch data[37] {
            case 0x02: return "HD(\(partition),GPT,\(guid(data[20..<36])),\(range))"
            case 0x01:
                let signature = String(le(20, 4), radix: 16)
                let padded = String(repeating: "0", count: max(0, 8 - signature.count)) + signature
                return "HD(\(partition),MBR,0x\(padded.uppercased()),\(range))"
            default: return "HD(\(partition),\(data[37]),0,\(range))"
            }
        case (0x04, 0x04, _):
            return UCS2.decode(data[...])
        case (0x04, 0x07, 16):
            return "Fv(" + guid(data[...]) + ")"
        case (0x04, 0x06, 16):
            return "FvFile(" + guid(data[...]) + ")"
        default:
            let hex = data.isEmpty ? "" : "," + data.hexString.uppercased()
            switch node.type {
            case 0x01: return "HardwarePath(\(node.subtype)\(hex))"
            case 0x02: return "AcpiPath(\(node.subtype)\(hex))"
            case 0x03: return "Msg(\(node.subtype)\(hex))"
            case 0x04: return "MediaPath(\(node.subtype)\(hex))"
            case 0x05: return "BbsPath(\(node.subtype)\(hex))"
            default: return "Path(\(node.type),\(node.subtype)\(hex))"
            }
        }
    }

    private static func ipv4(_ data: [UInt8], number: (UInt64) -> String) -> String {
        func address(_ offset: Int) -> String { data[offset..<(offset + 4)].map(String.init).joined(separator: ".") }
        let protocolNumber = UInt64(littleEndianBytes: data[12..<14])
        let protocolText = networkProtocol(protocolNumber, number: number)
        var text = "IPv4(\(address(4)),\(protocolText),\(data[14] != 0 ? "Static" : "DHCP"),\(address(0))"
        if data.count == 23 { text += ",\(address(15)),\(address(19))" }
        return text + ")"
    }

    private static func ipv6(_ data: [UInt8], number: (UInt64) -> String) -> String {
        func full(_ offset: Int) -> String {
            stride(from: offset, to: offset + 16, by: 2).map { data[$0..<($0 + 2)].hexString.uppercased() }
                .joined(separator: ":")
        }
        let protocolNumber = UInt64(littleEndianBytes: data[36..<38])
        let origin =
            ["Static", "StatelessAutoConfigure"].dropFirst(Int(min(data[38], 2))).first ?? "StatefulAutoConfigure"
        let protocolText = networkProtocol(protocolNumber, number: number)
        var text = "IPv6(\(full(16)),\(protocolText),\(origin),\(full(0))"
        if data.count == 56 { text += ",\(number(UInt64(data[39]))),\(full(40))" }
        return text + ")"
    }

    /// TCP and UDP by name, other protocol numbers in hex.
    private static func networkProtocol(_ protocolNumber: UInt64, number: (UInt64) -> String) -> String {
        switch protocolNumber {
        case 6: "TCP"
        case 17: "UDP"
        default: number(protocolNumber)
        }
    }
}
