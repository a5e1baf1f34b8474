import BinaryIO
import TestSupport
import Testing

@testable import EFIVariables

/// bytes → text → bytes and text → bytes → text are identities for every node form of the node
/// table, for the values the form prints and for the ones it cannot (which print generically).
@Suite struct DevicePathRoundTripTests {
    static let guid = "2F4A8E1C-6B3D-4C1E-9A7F-0123456789AB"

    static func node(_ type: UInt8, _ subtype: UInt8, _ hex: String) -> DevicePathNode {
        DevicePathNode(type: type, subtype: subtype, data: [UInt8](hexString: hex)!)
    }

    static func file(_ path: [UInt16]) -> DevicePathNode {
        DevicePathNode(type: 4, subtype: 4, data: UCS2.encode(units: path, terminated: false))
    }

    /// A node of every form with ordinary values, and the text EDK2 prints for it.
    static let ordinary: [(DevicePathNode, String)] = [
        (node(1, 1, "021F"), "Pci(0x1F,0x2)"),
        (node(2, 1, "D041030A00000000"), "PciRoot(0x0)"),
        (node(2, 1, "D041080A01000000"), "PcieRoot(0x1)"),
        (node(2, 1, "D041040600000000"), "Floppy(0x0)"),
        (node(2, 1, "D041010300000000"), "Keyboard(0x0)"),
        (node(2, 1, "D041010500000000"), "Serial(0x0)"),
        (node(2, 1, "D041010400000000"), "ParallelPort(0x0)"),
        (node(2, 1, "D041030C02000000"), "Acpi(PNP0C03,0x2)"),
        (node(2, 1, "7856341202000000"), "Acpi(0x12345678,0x2)"),
        (node(3, 0x12, "0200FFFF0000"), "Sata(0x2,0xFFFF,0x0)"),
        (node(3, 0x0B, "525400123456" + String(repeating: "00", count: 26) + "01"), "MAC(525400123456,0x1)"),
        (node(3, 0x0C, "0A00020F0A000202000000000600" + "01"), "IPv4(10.0.2.2,TCP,Static,10.0.2.15)"),
        (
            node(3, 0x0C, "0A00020F0A000202000000001100" + "00" + "0A000202FFFFFF00"),
            "IPv4(10.0.2.2,UDP,DHCP,10.0.2.15,10.0.2.2,255.255.255.0)"
        ),
        (
            node(
                3, 0x0D,
                "FE80" + String(repeating: "00", count: 13) + "01" + String(repeating: "00", count: 16) + "00000000"
                    + "0600" + "00"),
            "IPv6(0000:0000:0000:0000:0000:0000:0000:0000,TCP,Static,FE80:0000:0000:0000:0000:0000:0000:0001)"
        ),
        (node(3, 0x14, "6400"), "Vlan(100)"),
        (node(3, 0x18, Array("http://10.0.2.2/a.efi".utf8).hexString), "Uri(http://10.0.2.2/a.efi)"),
        (
            HardDriveNode(
                partitionNumber: 1, partitionStart: 0x800, partitionSize: 0x100000,
                partitionSignature: EFIGUID(guid)!.bytes, partitionFormat: 2, signatureType: 2
            ).node, "HD(1,GPT,\(guid),0x800,0x100000)"
        ),
        (
            HardDriveNode(
                partitionNumber: 2, partitionStart: 63, partitionSize: 1000,
                partitionSignature: [0x78, 0x56, 0x34, 0x12] + [UInt8](repeating: 0, count: 12), partitionFormat: 1,
                signatureType: 1
            ).node, "HD(2,MBR,0x12345678,0x3F,0x3E8)"
        ),
        (file(Array("\\EFI\\Linux\\os.efi".utf16) + [0]), "\\EFI\\Linux\\os.efi"),
        (DevicePathNode(type: 4, subtype: 7, data: EFIGUID(guid)!.bytes), "Fv(\(guid))"),
        (DevicePathNode(type: 4, subtype: 6, data: EFIGUID(guid)!.bytes), "FvFile(\(guid))"),
        (node(1, 5, "0102"), "HardwarePath(5,0102)"),
        (node(0x80, 1, ""), "Path(128,1)"),
    ]

    /// Values the named forms cannot print, each with the text that carries them instead.
    static let unusual: [(DevicePathNode, String)] = [
        // MAC: bytes beyond the 6 an Ethernet address prints; a non-Ethernet type with all 32.
        (node(3, 0x0B, "525400123456AA" + String(repeating: "00", count: 25) + "01"), "Msg(11,525400123456AA"),
        (node(3, 0x0B, "5254"), "Msg(11,5254)"),
        // IPv4/IPv6: ports (not in the text), a StaticIPAddress that is neither 0 nor 1, an origin above 2.
        (node(3, 0x0C, "0A00020F0A000202" + "1F90" + "0050" + "0600" + "01"), "Msg(12,"),
        (node(3, 0x0C, "0A00020F0A000202000000000600" + "07"), "Msg(12,"),
        (node(3, 0x0D, String(repeating: "00", count: 32) + "00000000" + "0600" + "05"), "Msg(13,"),
        (node(3, 0x0C, "0A00"), "Msg(12,0A00)"),
        // Uri: a NUL, bytes that are not UTF-8, a ")/" that would end the node early.
        (node(3, 0x18, Array("http://a/".utf8).hexString + "00" + "41"), "Msg(24,"),
        (node(3, 0x18, "FF68"), "Msg(24,FF68)"),
        (node(3, 0x18, Array("http://a)/HD(x".utf8).hexString), "Msg(24,"),
        // HD: another signature type, mismatched format and type, MBR signature bytes beyond 4.
        (
            HardDriveNode(
                partitionNumber: 1, partitionStart: 1, partitionSize: 2,
                partitionSignature: [UInt8](repeating: 7, count: 16),
                partitionFormat: 3, signatureType: 3
            ).node, "MediaPath(1,"
        ),
        (
            HardDriveNode(
                partitionNumber: 1, partitionStart: 1, partitionSize: 2, partitionSignature: EFIGUID(guid)!.bytes,
                partitionFormat: 1, signatureType: 2
            ).node, "MediaPath(1,"
        ),
        (
            HardDriveNode(
                partitionNumber: 1, partitionStart: 1, partitionSize: 2,
                partitionSignature: [UInt8](repeating: 1, count: 16),
                partitionFormat: 1, signatureType: 1
            ).node, "MediaPath(1,"
        ),
        // File: ',' and '/' (kept in File(…)), NUL inside, no NUL at the end, an odd byte, a lone
        // surrogate, unbalanced parentheses, a path not starting with '\'.
        (file(Array("\\a,b.efi".utf16) + [0]), "File(\\a,b.efi)"),
        (file(Array("\\a/b.efi".utf16) + [0]), "File(\\a/b.efi)"),
        (file(Array("\\a".utf16) + [0] + Array("b".utf16) + [0]), "MediaPath(4,"),
        (file(Array("\\a.efi".utf16)), "MediaPath(4,"),
        (node(4, 4, "5C00610000"), "MediaPath(4,"),
        (file([0x5C, 0xD800, 0x61, 0]), "MediaPath(4,"),
        (file(Array("\\a(b".utf16) + [0]), "MediaPath(4,"),
        (file(Array("EFI\\x.efi".utf16) + [0]), "File(EFI\\x.efi)"),
        (file([0]), "File()"),
        // Fixed-size forms with another size.
        (node(1, 1, "021F00"), "HardwarePath(1,021F00)"),
        (node(2, 1, "D041030A"), "AcpiPath(1,D041030A)"),
        (node(4, 7, "00"), "MediaPath(7,00)"),
    ]

    static func checkRoundTrips(_ node: DevicePathNode, expected: String) throws {
        let text = node.text
        #expect(text.hasPrefix(expected), "\(node.bytes.hexString): \(text)")
        #expect(try DevicePathNode(text: text) == node, "\(text)")
        // In a path, between other nodes and after an instance end.
        let path = DevicePath(nodes: [ordinary[1].0, node, .endInstance, node, ordinary[0].0, .endEntire])
        let parsed = try DevicePath(text: path.text)
        #expect(parsed == path, "\(path.text)")
        #expect(parsed.text == path.text)
        #expect(try DevicePath(parsing: path.bytes, origin: "path") == path)
    }

    @Test func ordinaryValuesPrintAsEDK2PrintsThem() throws {
        for (node, text) in Self.ordinary {
            #expect(node.text == text)
            try Self.checkRoundTrips(node, expected: text)
        }
    }

    @Test func unusualValuesKeepTheirBytes() throws {
        for (node, text) in Self.unusual { try Self.checkRoundTrips(node, expected: text) }
    }

    /// End nodes other than the standard ones (the legacy 0xFF type, data in an end node) survive
    /// the text too.
    @Test func nonStandardEndNodes() throws {
        for path in [
            DevicePath(nodes: [Self.ordinary[0].0, DevicePathNode(type: 0xFF, subtype: 0xFF, data: [])]),
            DevicePath(nodes: [Self.ordinary[0].0, DevicePathNode(type: 0x7F, subtype: 0xFF, data: [1, 2])]),
            DevicePath(nodes: [Self.ordinary[0].0, DevicePathNode(type: 0xFF, subtype: 1, data: []), .endEntire]),
        ] {
            #expect(try DevicePath(text: path.text) == path, "\(path.text)")
        }
        #expect(throws: EFIVariableError.self) { try DevicePath(text: "Path(127,255)/Pci(0x0,0x0)") }
    }

    /// Random data for every named kind (and sizes around each form's own): each prints as text
    /// that reads back to the same bytes.
    @Test func randomNodesOfEveryKind() throws {
        var generator = SeededGenerator(seed: 12)
        let kinds: [DevicePathNodeKind] = [
            .pci, .acpi, .mac, .ipv4, .ipv6, .sata, .vlan, .uri, .hardDrive, .filePath, .firmwareFile, .firmwareVolume,
        ]
        for kind in kinds {
            for _ in 0..<300 {
                let size = [2, 8, 16, 23, 33, 38, 39, 56, Int.random(in: 0..<64, using: &generator)].randomElement(
                    using: &generator)!
                var data = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if Bool.random(using: &generator) {
                    data = data.map { $0 & 0x7F | 0x20 }  // printable ASCII more often
                }
                let node = DevicePathNode(kind, data: data)
                #expect(try DevicePathNode(text: node.text) == node, "\(node.bytes.hexString) → \(node.text)")
                let path = DevicePath(nodes: [node, node, .endEntire])
                #expect(try DevicePath(text: path.text) == path, "\(path.text)")
            }
        }
    }

    /// efivar's text of each ordinary node (libefivar's `efidp_format_device_path`, called from
    /// Python) reads back to the same bytes. efivar 37 garbles IPv4 and IPv6 nodes (fields dropped
    /// and merged) and reads a HardwarePath past its data, so those are left out.
    @Test func efivarTextOfOrdinaryNodesReadsBack() throws {
        let nodes = Self.ordinary.map(\.0).filter { node in
            node.kind != .ipv4 && node.kind != .ipv6
                && (node.type != DevicePathType.hardware.rawValue || node.kind == .pci)
        }
        let directory = try TemporaryDirectory()
        let script = try directory.write(
            "efidp.py",
            """
            import ctypes, sys
            lib = ctypes.CDLL("libefivar.so.1")
            lib.efidp_format_device_path.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_ssize_t]
            lib.efidp_format_device_path.restype = ctypes.c_ssize_t
            for line in sys.stdin:
                data = bytes.fromhex(line.strip())
                text = ctypes.create_string_buffer(4096)
                if lib.efidp_format_device_path(text, 4096, data, len(data)) < 0:
                    sys.exit("efidp_format_device_path failed for " + line)
                print(text.value.decode())
            """)
        let input = try directory.write(
            "paths", nodes.map { DevicePath(nodes: [$0, .endEntire]).bytes.hexString }.joined(separator: "\n") + "\n")
        let efivar = try run("/bin/sh", ["-c", "python3 \"$0\" < \"$1\"", script, input])
        #expect(efivar.status == 0, "\(efivar.stderr)")
        let texts = efivar.stdout.split(separator: "\n").map(String.init)
        try #require(texts.count == nodes.count)
        for (node, text) in zip(nodes, texts) {
            #expect(
                try DevicePath(text: text) == DevicePath(nodes: [node, .endEntire]),
                "efivar: \(text), ours: \(node.text)")
        }
    }
}
