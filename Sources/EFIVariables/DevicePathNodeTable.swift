import BinaryIO

/// Device path node types (UEFI 2.10 10.3.1); `endLegacy` is an end type older firmware
/// writes, which EDK2 accepts as an end too.
public enum DevicePathType: UInt8, Sendable {
    case hardware = 0x01, acpi, messaging, media, bios
    case end = 0x7F, endLegacy = 0xFF
}

/// The nodes this toolkit names, by type and subtype (UEFI 2.10 10.3.2-10.3.6; Fv and FvFile
/// are PIWG firmware volume and file nodes): the raw value is `type << 8 | subtype`.
public enum DevicePathNodeKind: UInt16, Sendable {
    case pci = 0x0101
    case acpi = 0x0201
    case mac = 0x030B, ipv4, ipv6
    case sata = 0x0312, vlan = 0x0314, uri = 0x0318
    case hardDrive = 0x0401, filePath = 0x0404, firmwareFile = 0x0406, firmwareVolume
    case endInstance = 0x7F01, endEntire = 0x7FFF

    public var type: UInt8 { UInt8(rawValue >> 8) }
    public var subtype: UInt8 { UInt8(truncatingIfNeeded: rawValue) }
}

/// One node of EDK2's device path text (`Name(arguments)`): its name, the type and subtype it
/// stands for, and how its data and arguments map to each other. ``all`` is the one table the
/// text parser (``DevicePath/init(text:)``) and the printer (``DevicePathNode/text``) share;
/// a node no form prints is printed generically (``genericNames``).
struct DevicePathNodeForm: Sendable {
    /// One field of a node's data.
    enum Field: Sendable {
        /// A fixed value that selects the form (an ACPI _HID); not an argument.
        case constant([UInt8])
        /// A little-endian unsigned integer, printed `0x…` in uppercase.
        case hex(width: Int)
        /// A little-endian unsigned integer, printed in decimal.
        case decimal(width: Int)
        /// An EFI GUID, printed in uppercase.
        case guid

        var width: Int {
            switch self {
            case .constant(let value): value.count
            case .hex(let width), .decimal(let width): width
            case .guid: 16
            }
        }
    }

    enum Layout: Sendable {
        /// Fields in data order; `order[i]` is the argument that holds the i-th non-constant field.
        case fields([Field], order: [Int])
        /// Arguments from data (nil when the data is not this form's), and data from arguments.
        case custom(
            arguments: @Sendable ([UInt8]) -> [String]?, data: @Sendable (DevicePathArguments) throws -> [UInt8])
    }

    /// The name EDK2 prints.
    let name: String
    /// Further names the parser accepts (efivar's spellings).
    let aliases: [String]
    let kind: DevicePathNodeKind
    let layout: Layout
    /// Printed without name and parentheses (a file path).
    let bare: Bool

    init(_ name: String, aliases: [String] = [], _ kind: DevicePathNodeKind, _ fields: [Field]) {
        let count = fields.filter { if case .constant = $0 { false } else { true } }.count
        self.init(name, aliases: aliases, kind, .fields(fields, order: Array(0..<count)))
    }

    init(_ name: String, aliases: [String] = [], _ kind: DevicePathNodeKind, _ layout: Layout, bare: Bool = false) {
        self.name = name
        self.aliases = aliases
        self.kind = kind
        self.layout = layout
        self.bare = bare
    }

    /// The ACPI nodes EDK2 names by their PNP _HID (EISA ID `PNPxxxx`: product << 16 | 0x41D0).
    static let acpiNames: [(name: String, product: UInt32)] = [
        ("PciRoot", 0x0A03), ("PcieRoot", 0x0A08), ("Floppy", 0x0604), ("Keyboard", 0x0301), ("Serial", 0x0501),
        ("ParallelPort", 0x0401),
    ]
    /// The compressed EISA vendor ID "PNP" in an ACPI _HID's low 16 bits.
    static let pnpVendor: UInt32 = 0x41D0

    static let all: [DevicePathNodeForm] =
        [DevicePathNodeForm("Pci", .pci, .fields([.hex(width: 1), .hex(width: 1)], order: [1, 0]))]
        + acpiNames.map { name, product in
            DevicePathNodeForm(name, .acpi, [.constant((product << 16 | pnpVendor).littleEndianBytes), .hex(width: 4)])
        }
        + [
            DevicePathNodeForm("Acpi", .acpi, .custom(arguments: acpiText, data: acpiData)),
            DevicePathNodeForm("Sata", .sata, [.hex(width: 2), .hex(width: 2), .hex(width: 2)]),
            DevicePathNodeForm("MAC", .mac, .custom(arguments: macText, data: macData)),
            DevicePathNodeForm("IPv4", .ipv4, .custom(arguments: ipv4Text, data: ipv4Data)),
            DevicePathNodeForm("IPv6", .ipv6, .custom(arguments: ipv6Text, data: ipv6Data)),
            DevicePathNodeForm("Uri", .uri, .custom(arguments: uriText, data: uriData)),
            DevicePathNodeForm("Vlan", .vlan, [.decimal(width: 2)]),
            DevicePathNodeForm("HD", .hardDrive, .custom(arguments: hardDriveText, data: hardDriveData)),
            DevicePathNodeForm("File", .filePath, .custom(arguments: fileText, data: fileData), bare: true),
            DevicePathNodeForm("Fv", aliases: ["FvVol"], .firmwareVolume, [.guid]),
            DevicePathNodeForm("FvFile", .firmwareFile, [.guid]),
        ]

    /// EDK2's names for a node of a known type that no form prints (`Msg(126,0102)`); nodes of
    /// other types print as `Path(type,subtype,data)`.
    static let genericNames: [(type: DevicePathType, name: String)] = [
        (.hardware, "HardwarePath"), (.acpi, "AcpiPath"), (.messaging, "Msg"), (.media, "MediaPath"),
        (.bios, "BbsPath"),
    ]
    static let genericPathName = "Path"

    /// The forms by lowercased name and alias.
    static let byName: [String: DevicePathNodeForm] = Dictionary(
        uniqueKeysWithValues: all.flatMap { form in ([form.name] + form.aliases).map { ($0.lowercased(), form) } })

    /// The node's text, or nil when its data is not this form's.
    func text(_ data: [UInt8]) -> String? {
        let arguments: [String]
        switch layout {
        case .fields(let fields, let order):
            guard data.count == fields.reduce(0, { $0 + $1.width }) else { return nil }
            var reader = ByteReader(data)
            var values: [String] = []
            for field in fields {
                guard let bytes = try? reader.readBytes(field.width, field: name) else { return nil }
                switch field {
                case .constant(let value): guard bytes == value else { return nil }
                case .hex: values.append(Self.hex(UInt64(littleEndianBytes: bytes)))
                case .decimal: values.append(String(UInt64(littleEndianBytes: bytes)))
                case .guid: values.append(EFIGUID(bytes: bytes).uppercase)
                }
            }
            arguments = order.map { values[$0] }
        case .custom(let text, _):
            guard let values = text(data) else { return nil }
            arguments = values
        }
        let joined = arguments.joined(separator: ",")
        return bare ? joined : "\(name)(\(joined))"
    }

    /// The node the arguments describe.
    func node(_ arguments: DevicePathArguments) throws -> DevicePathNode {
        switch layout {
        case .fields(let fields, let order):
            try arguments.count(order.count)
            var writer = ByteWriter()
            var index = 0
            for field in fields {
                switch field {
                case .constant(let value): writer.write(value)
                case .hex(let width), .decimal(let width):
                    writer.write(
                        Array(try arguments.number(order[index], width: width).littleEndianBytes.prefix(width)))
                    index += 1
                case .guid:
                    writer.write(try arguments.guid(order[index]))
                    index += 1
                }
            }
            return DevicePathNode(kind, data: writer.bytes)
        case .custom(_, let data):
            return DevicePathNode(kind, data: try data(arguments))
        }
    }

    /// EDK2's number text: `0x` and uppercase hex.
    static func hex(_ value: some BinaryInteger) -> String { "0x" + String(value, radix: 16).uppercased() }
}

extension DevicePathNode {
    /// The text EDK2's `DevPathToText` prints for this node (DisplayOnly FALSE; spec digest §3.3):
    /// uppercase hex, uppercase GUIDs, bare file paths. The text always reads back as the same
    /// bytes: a form's text that would not (a MAC address beyond what the form prints, IPv4 ports,
    /// a URI with a NUL, an HD() of another signature type, a file path with `,` that is not in
    /// `File(…)`) gives way to the generic text of UEFI 2.10 10.6.1.6, type, subtype and data in
    /// hex, as does a node no form knows.
    public var text: String {
        for form in DevicePathNodeForm.all where form.kind == kind {
            guard let text = form.text(data) else { continue }
            if readsBack(text) { return text }
            if form.bare, readsBack("\(form.name)(\(text))") { return "\(form.name)(\(text))" }
        }
        return genericText
    }

    /// Whether `text` stands for exactly this node wherever it appears in a path: the path
    /// splitter sees one node (no `/` or `,` outside parentheses, parentheses balanced) and it
    /// parses to the same bytes.
    private func readsBack(_ text: String) -> Bool {
        guard (try? DevicePath.split(text, on: "/")) == [text], (try? DevicePath.split(text, on: ",")) == [text] else {
            return false
        }
        return (try? DevicePathNode(text: text)) == self
    }

    /// `HardwarePath(subtype,data)` and its kin for the spec's types, else `Path(type,subtype,data)`.
    var genericText: String {
        let hex = data.isEmpty ? "" : "," + data.hexString.uppercased()
        if let generic = DevicePathNodeForm.genericNames.first(where: { $0.type.rawValue == type }) {
            return "\(generic.name)(\(subtype)\(hex))"
        }
        return "\(DevicePathNodeForm.genericPathName)(\(type),\(subtype)\(hex))"
    }

    /// Parses one node's text: `Name(arguments)` of a form or a generic name, or a bare `\path`.
    init(text: String) throws {
        if text.hasPrefix("\\") {
            guard let data = DevicePathNodeForm.filePathData(text) else {
                throw EFIVariableError(.malformed, "'\(text.prefix(40))…': path too long for a device path node")
            }
            self.init(.filePath, data: data)
            return
        }
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else {
            throw EFIVariableError(.malformed, "'\(text)' is not a device path node (Name(args) or \\path)")
        }
        let name = text[..<open].lowercased()
        let arguments = DevicePathArguments(
            node: text, raw: String(text[text.index(after: open)..<text.index(before: text.endIndex)]))
        if let form = DevicePathNodeForm.byName[name] {
            self = try form.node(arguments)
        } else if let generic = DevicePathNodeForm.genericNames.first(where: { $0.name.lowercased() == name }) {
            self = try arguments.generic(type: generic.type.rawValue)
        } else if name == DevicePathNodeForm.genericPathName.lowercased() {
            self = try arguments.generic(type: nil)
        } else {
            throw arguments.fail("unknown device path node '\(text[..<open])'")
        }
    }
}

/// The arguments of one node's text, with the checks and messages every form uses.
struct DevicePathArguments {
    /// The node's whole text, which errors quote.
    let node: String
    /// The text between the parentheses, as written.
    let raw: String
    /// `raw` split at commas, spaces around each removed.
    let values: [String]

    init(node: String, raw: String) {
        self.node = node
        self.raw = raw
        values = raw.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        }
    }

    func fail(_ why: String) -> EFIVariableError { EFIVariableError(.malformed, "'\(node)': \(why)") }

    func count(_ expected: Int) throws {
        guard values.count == expected else { throw fail("expected \(expected) arguments") }
    }

    /// Argument `index` as a number (`0x…` hex or decimal) of `width` bytes.
    func number(_ index: Int, width: Int) throws -> UInt64 {
        let maximum = width >= 8 ? UInt64.max : (1 << (8 * width)) - 1
        guard let value = Self.parseNumber(values[index], as: UInt64.self), value <= maximum else {
            throw fail("'\(values[index])' is not a number (0x… or decimal) up to \(maximum)")
        }
        return value
    }

    func number<T: FixedWidthInteger & UnsignedInteger>(_ index: Int, as _: T.Type) throws -> T {
        T(try number(index, width: MemoryLayout<T>.size))
    }

    func guid(_ index: Int) throws -> [UInt8] {
        guard let value = EFIGUID(values[index]) else { throw fail("'\(values[index])' is not a GUID") }
        return value.bytes
    }

    /// `0x…` hex or decimal, within the type's range.
    static func parseNumber<T: FixedWidthInteger & UnsignedInteger>(_ text: String, as _: T.Type) -> T? {
        let field = text.lowercased()
        return field.hasPrefix("0x") ? T(field.dropFirst(2), radix: 16) : T(field, radix: 10)
    }

    /// A generic node: `Name(subtype[,hex])` of `type`, or `Path(type,subtype[,hex])` when `type`
    /// is nil.
    func generic(type: UInt8?) throws -> DevicePathNode {
        let header = type == nil ? 2 : 1
        guard values.count == header || values.count == header + 1 else {
            throw fail("expected \(header) or \(header + 1) arguments")
        }
        guard let data = values.count == header ? [] : [UInt8](hexString: values[header]),
            data.count <= DevicePathNode.maximumDataSize
        else { throw fail("'\(values[values.count - 1])' is not hex") }
        return DevicePathNode(
            type: try type ?? number(0, as: UInt8.self), subtype: try number(header - 1, as: UInt8.self), data: data)
    }
}
