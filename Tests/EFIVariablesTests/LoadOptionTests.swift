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
        #expect(parsed.text == "Path(5,1,AB),Msg(126,0102)")
    }
}
