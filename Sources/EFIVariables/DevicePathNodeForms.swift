import BinaryIO

/// The forms of ``DevicePathNodeForm/all`` whose arguments are not a plain list of fields, each
/// as a pair: the arguments EDK2 prints for a node's data, and the data of parsed arguments.
extension DevicePathNodeForm {
    /// `Acpi(PNPxxxx,uid)` for a PNP _HID that has no name of its own, else `Acpi(0xHHHHHHHH,uid)`.
    @Sendable static func acpiText(_ data: [UInt8]) -> [String]? {
        guard data.count == 8 else { return nil }
        let hid = UInt32(littleEndianBytes: data.prefix(4))
        let uid = UInt32(littleEndianBytes: data.suffix(4))
        let hidText =
            hid & 0xFFFF == pnpVendor
            ? "PNP" + padded(String(hid >> 16, radix: 16).uppercased(), to: 4)
            : "0x" + padded(String(hid, radix: 16).uppercased(), to: 8)
        return [hidText, hex(uid)]
    }

    @Sendable static func acpiData(_ arguments: DevicePathArguments) throws -> [UInt8] {
        try arguments.count(2)
        let hidText = arguments.values[0]
        let hid: UInt32
        if hidText.uppercased().hasPrefix("PNP"), let product = UInt16(hidText.dropFirst(3), radix: 16) {
            hid = UInt32(product) << 16 | pnpVendor
        } else {
            hid = try arguments.number(0, as: UInt32.self)
        }
        return hid.littleEndianBytes + (try arguments.number(1, as: UInt32.self)).littleEndianBytes
    }

    /// `MAC(address,interfaceType)`: 6 address bytes for Ethernet (types 0 and 1), else all 32.
    @Sendable static func macText(_ data: [UInt8]) -> [String]? {
        guard data.count == macAddressSize + 1 else { return nil }
        let interfaceType = data[macAddressSize]
        return [data.prefix(interfaceType <= 1 ? 6 : macAddressSize).hexString.uppercased(), hex(interfaceType)]
    }

    @Sendable static func macData(_ arguments: DevicePathArguments) throws -> [UInt8] {
        try arguments.count(2)
        guard let address = [UInt8](hexString: String(arguments.values[0].filter { $0 != ":" })),
            (1...macAddressSize).contains(address.count)
        else { throw arguments.fail("'\(arguments.values[0])' is not a MAC address") }
        let interfaceType = try arguments.number(1, as: UInt8.self)
        return address + [UInt8](repeating: 0, count: macAddressSize - address.count) + [interfaceType]
    }

    /// The MAC address field of a MAC node (UEFI 2.10 10.3.4.11).
    static let macAddressSize = 32

    /// `Uri(text)`: the UTF-8 URI, up to a NUL if there is one.
    @Sendable static func uriText(_ data: [UInt8]) -> [String]? {
        [String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)]
    }

    @Sendable static func uriData(_ arguments: DevicePathArguments) throws -> [UInt8] {
        guard arguments.raw.utf8.count <= DevicePathNode.maximumDataSize else {
            throw arguments.fail("URI too long for a device path node")
        }
        return Array(arguments.raw.utf8)
    }

    /// `HD(number,GPT,guid,start,size)`, `HD(number,MBR,0xSIGNATURE,start,size)`, or the
    /// signature type's number and `0` for other signatures.
    @Sendable static func hardDriveText(_ data: [UInt8]) -> [String]? {
        guard data.count == HardDriveNode.size else { return nil }
        var reader = ByteReader(data)
        guard let node = try? HardDriveNode(parsing: &reader) else { return nil }
        let signature: [String]
        if let guid = node.partitionGUID {
            signature = ["GPT", guid.uppercase]
        } else if let mbr = node.mbrSignature {
            signature = ["MBR", "0x" + padded(String(mbr, radix: 16).uppercased(), to: 8)]
        } else {
            signature = [String(node.signatureType), "0"]
        }
        return [String(node.partitionNumber)] + signature + [hex(node.partitionStart), hex(node.partitionSize)]
    }

    @Sendable static func hardDriveData(_ arguments: DevicePathArguments) throws -> [UInt8] {
        try arguments.count(5)
        let number = try arguments.number(0, as: UInt32.self)
        let start = try arguments.number(3, width: 8)
        let size = try arguments.number(4, width: 8)
        let signature: [UInt8]
        let format: UInt8
        switch arguments.values[1].uppercased() {
        case "GPT": (signature, format) = (try arguments.guid(2), HardDriveNode.gpt)
        case "MBR":
            signature = try arguments.number(2, as: UInt32.self).littleEndianBytes + [UInt8](repeating: 0, count: 12)
            format = HardDriveNode.mbr
        default: throw arguments.fail("partition format must be GPT or MBR")
        }
        return HardDriveNode(
            partitionNumber: number, partitionStart: start, partitionSize: size, partitionSignature: signature,
            partitionFormat: format, signatureType: format
        ).bytes
    }

    /// A file path: printed bare, parsed from `File(path)` (or a bare `\path`, see
    /// ``DevicePathNode/init(text:)``).
    @Sendable static func fileText(_ data: [UInt8]) -> [String]? { [UCS2.decode(data[...])] }

    @Sendable static func fileData(_ arguments: DevicePathArguments) throws -> [UInt8] {
        guard let data = filePathData(arguments.raw) else {
            throw arguments.fail("path too long for a device path node")
        }
        return data
    }

    /// A File() node's data: the NUL-terminated UCS-2 path, nil when it does not fit in a node.
    static func filePathData(_ path: String) -> [UInt8]? {
        let data = UCS2.encode(path, terminated: true)
        return data.count <= DevicePathNode.maximumDataSize ? data : nil
    }

    private static func padded(_ digits: String, to width: Int) -> String {
        String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
