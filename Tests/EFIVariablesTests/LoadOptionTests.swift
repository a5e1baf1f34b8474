import BinaryIO
import Foundation
import JSON
import TestSupport
import Testing

@testable import EFIVariables

/// Every load option of the spec's vectors (written by OVMF, by efibootmgr 17, and built to the
/// spec): parsed, serialized back byte for byte, and printed as EDK2 prints it.
@Suite struct LoadOptionVectorTests {
    static func vectors() throws -> [JSONValue] {
        try #require(try JSONValue(parsing: try readBytes(TestPaths.fixture("efi/load-options.json"))).arrayValue)
    }

    @Test func parseSerializeAndPrint() throws {
        for vector in try Self.vectors() {
            let name = "\(vector["source"]!.stringValue!) \(vector["variable"]!.stringValue!)"
            let bytes = [UInt8](hexString: vector["load_option_hex"]!.stringValue!)!
            let option = try LoadOption(parsing: bytes, origin: name)
            #expect(option.bytes == bytes, "\(name)")
            #expect(Int(option.attributes) == vector["lo_attributes"]!.integerValue!, "\(name)")
            #expect(option.description == vector["description"]!.stringValue!, "\(name)")
            #expect(option.optionalData.hexString == vector["optional_data_hex"]!.stringValue!, "\(name)")
            #expect(option.filePath.bytes.hexString == vector["file_path_list_hex"]!.stringValue!, "\(name)")
            let nodes = vector["nodes"]!.arrayValue!
            #expect(option.filePath.nodes.map(\.bytes.hexString) == nodes.map { $0["hex"]!.stringValue! }, "\(name)")
            #expect(option.filePath.text == vector["edk2_DevicePathToText(DisplayOnly=FALSE)"]!.stringValue!, "\(name)")
        }
    }

    /// efibootmgr 17 (efivar 37) prints the same paths with known differences, normalised here:
    /// lowercase hex and GUIDs; `File(\p)` where EDK2 prints `\p`; `FvVol` for `Fv`; decimal SATA
    /// numbers and MAC interface type; IPv4/IPv6 nodes garbled (efivar 37 drops and merges fields,
    /// so they are compared by name only); optional data appended after the path with every byte
    /// outside 32-127 printed as '.'.
    @Test func matchesEfibootmgr17AfterItsKnownQuirks() throws {
        for vector in try Self.vectors() {
            let line = vector["efibootmgr17_efivar37_line"]!.stringValue!
            let bytes = [UInt8](hexString: vector["load_option_hex"]!.stringValue!)!
            let option = try LoadOption(parsing: bytes, origin: "vector")
            var theirs = line
            let shown = String(option.optionalData.map { (32..<128).contains($0) ? Character(UnicodeScalar($0)) : "." })
            if !shown.isEmpty, theirs.hasSuffix(shown) { theirs.removeLast(shown.count) }
            #expect(
                Self.normalised(theirs) == Self.normalised("\(option.description)\t\(option.filePath.text)"), "\(line)")
        }
    }

    static func normalised(_ text: String) -> String {
        var text = text.lowercased()
        for (pattern, template) in [
            (#"file\(([^)]*)\)"#, "$1"), (#"fvvol\("#, "fv("), (#"ipv4\([^)]*\)"#, "ipv4(…)"),
            (#"ipv6\((\[[^)]*|[^)]*)\)"#, "ipv6(…)"),
            (#"(mac\([0-9a-f]+,)(0x)?([0-9a-f]+)\)"#, "$1$3)"),
        ] {
            text = text.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
        }
        let sata = try! NSRegularExpression(pattern: #"sata\((0x)?([0-9a-f]+),(0x)?([0-9a-f]+),(0x)?([0-9a-f]+)\)"#)
        for match in sata.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
            let decimal = text.contains("sata(0x") == false
            let numbers = [2, 4, 6].map { String(text[Range(match.range(at: $0), in: text)!]) }
            let values = numbers.map { UInt64($0, radix: decimal ? 10 : 16)! }
            text.replaceSubrange(
                Range(match.range, in: text)!, with: "sata(\(values.map(String.init).joined(separator: ",")))")
        }
        return text
    }
}

@Suite struct LoadOptionBadInputTests {

    @Test(arguments: [
        ("short", [UInt8](repeating: 0, count: 6)),
        ("unterminated description", [UInt8](hexString: "0100000004004100")!),
        ("path length lies", [UInt8](hexString: "0100000040004100000007ff0400")!),
        ("no end node", [UInt8](hexString: "01000000060041000000040406005c00")!),
        ("node length lies", [UInt8](hexString: "0100000008004100000004040900" + "7fff0400")!),
        ("node shorter than its header", [UInt8](hexString: "01000000080041000000040402007fff0400")!),
        ("zero path length", [UInt8](hexString: "01000000000041000000")!),
    ])
    func refused(name: String, bytes: [UInt8]) {
        #expect(throws: EFIVariableError.self, "\(name)") { try LoadOption(parsing: bytes, origin: name) }
    }

    /// Unknown nodes survive a round trip and print generically; instances print with ','.
    @Test func unknownNodesAndInstances() throws {
        let path = DevicePath(nodes: [
            DevicePathNode(type: 0x05, subtype: 0x01, data: [0xAB]), .endInstance,
            DevicePathNode(type: 0x03, subtype: 0x7E, data: [1, 2]), .endEntire,
        ])
        let parsed = try DevicePath(parsing: path.bytes[...], origin: "t")
        #expect(parsed == path)
        #expect(parsed.text == "BbsPath(1,AB),/Msg(126,0102)")
    }
}

@Suite struct DevicePathTextParserTests {
    /// EDK2's text of every vector path parses back to the same bytes.
    @Test func edk2TextRoundTrips() throws {
        for vector in try LoadOptionVectorTests.vectors() {
            let text = vector["edk2_DevicePathToText(DisplayOnly=FALSE)"]!.stringValue!
            #expect(try DevicePath(text: text).bytes.hexString == vector["file_path_list_hex"]!.stringValue!, "\(text)")
        }
    }

    /// efibootmgr's spellings parse too (lowercase, File(), FvVol, decimal numbers, MAC with ':').
    @Test func efibootmgrSpellings() throws {
        let edk2 = try DevicePath(
            text: "HD(1,GPT,2F4A8E1C-6B3D-4C1E-9A7F-0123456789AB,0x800,0x100000)/\\EFI\\Linux\\os-a.efi")
        #expect(
            try DevicePath(
                text: "HD(1,GPT,2f4a8e1c-6b3d-4c1e-9a7f-0123456789ab,2048,1048576)/File(\\EFI\\Linux\\os-a.efi)")
                == edk2)
        #expect(
            try DevicePath(text: "FvVol(7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1)")
                == DevicePath(text: "Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)"))
        #expect(
            try DevicePath(text: "PciRoot(0x0)/Pci(0x1f,0x2)/Sata(2,65535,0)")
                == DevicePath(text: "PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x2,0xFFFF,0x0)"))
        #expect(try DevicePath(text: "MAC(52:54:00:12:34:56,1)") == DevicePath(text: "MAC(525400123456,0x1)"))
        // A URI keeps its slashes and parentheses.
        let uri = try DevicePath(text: "MAC(525400123456,0x1)/Uri(http://h/a(1)/b.efi)")
        #expect(uri.nodes.count == 3)
        #expect(uri.text == "MAC(525400123456,0x1)/Uri(http://h/a(1)/b.efi)")
    }

    /// Addresses, protocols and gateways land in their fields (the vectors' are all zero) and
    /// print back in EDK2's order: remote first, local fourth.
    @Test func networkNodesKeepTheirFields() throws {
        let ipv4 = "IPv4(192.168.1.2,TCP,Static,10.0.0.1,10.0.0.254,255.255.255.0)"
        let ipv4Node = try DevicePath(text: ipv4).nodes[0]
        #expect(Array(ipv4Node.data.prefix(8)) == [10, 0, 0, 1, 192, 168, 1, 2])
        #expect(DevicePath(nodes: [ipv4Node, .endEntire]).text == ipv4)
        let local = "FE80:0000:0000:0000:0000:0000:0000:0002"
        let ipv6 =
            "IPv6(2001:0DB8:0000:0000:0000:0000:0000:0001,UDP,StatefulAutoConfigure,\(local),0x40,"
            + "FE80:0000:0000:0000:0000:0000:0000:0001)"
        let ipv6Node = try DevicePath(text: ipv6).nodes[0]
        #expect(Array(ipv6Node.data.prefix(2)) == [0xFE, 0x80])
        #expect(DevicePath(nodes: [ipv6Node, .endEntire]).text == ipv6)
    }

    @Test(arguments: [
        "", "Pci(0x1)", "Bogus(1)", "HD(1,XYZ,1,2,3)", "Pci(0x1,0x2", "Pci(0x1,0x2))", "a//b", "Pci(0x100,0)",
    ])
    func refused(text: String) {
        #expect(throws: EFIVariableError.self, "\(text)") { try DevicePath(text: text) }
    }
}
