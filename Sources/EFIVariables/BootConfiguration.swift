import BinaryIO

/// The firmware boot manager's variables (EFI global vendor): `Boot####` entries, `BootOrder`,
/// `BootNext`, `BootCurrent`, `Timeout` — read from any store.
public struct BootConfiguration: Sendable {
    public static let globalVendor = "8be4df61-93ca-11d2-aa0d-00e098032b8c"

    public struct Entry: Sendable {
        public let number: UInt16
        /// The variable's data as stored.
        public let data: [UInt8]
        /// nil when the variable does not parse as a load option (kept so it can be listed).
        public let option: LoadOption?
        public let problem: String?

        /// `Boot0003`: four uppercase hex digits.
        public var name: String { BootConfiguration.variableName(number) }
    }

    public let entries: [Entry]
    public let bootOrder: [UInt16]?
    public let bootNext: UInt16?
    public let bootCurrent: UInt16?
    public let timeout: UInt16?
    /// The firmware's SecureBoot variable (1: enforcing); nil when absent.
    public let secureBoot: Bool?

    public init(store: some VariableStore) throws {
        func variable(_ name: String) throws -> [UInt8]? {
            try store.read(EFIVariableName(name, vendor: Self.globalVendor))?.data
        }
        func single(_ name: String) throws -> UInt16? {
            guard let data = try variable(name), data.count == 2 else { return nil }
            return UInt16(littleEndianBytes: data)
        }
        var entries: [Entry] = []
        for name in try store.names() where name.vendor == Self.globalVendor {
            guard let number = Self.number(of: name.name) else { continue }
            let data = try store.read(name)?.data ?? []
            do {
                entries.append(
                    Entry(
                        number: number, data: data, option: try LoadOption(parsing: data, origin: name.name),
                        problem: nil))
            } catch {
                entries.append(Entry(number: number, data: data, option: nil, problem: "\(error)"))
            }
        }
        self.entries = entries.sorted { $0.number < $1.number }
        bootOrder = try variable("BootOrder").map(Self.order)
        bootNext = try single("BootNext")
        bootCurrent = try single("BootCurrent")
        timeout = try single("Timeout")
        secureBoot = try variable("SecureBoot").flatMap { $0.count == 1 ? $0[0] == 1 : nil }
    }

    /// The entry numbers of a BootOrder value (an odd trailing byte is ignored, as EDK2 does).
    static func order(_ data: [UInt8]) -> [UInt16] {
        stride(from: 0, to: data.count - data.count % 2, by: 2).map { UInt16(littleEndianBytes: data[$0..<($0 + 2)]) }
    }

    /// `Boot` + four uppercase hex digits, as EDK2 requires.
    public static func variableName(_ number: UInt16) -> String {
        let hex = String(number, radix: 16).uppercased()
        return "Boot" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// The number of a `Boot####` name (hex digits in either case, as the kernel accepts); nil
    /// for other names such as `BootOrder` or `BootCurrent`.
    public static func number(of name: String) -> UInt16? {
        guard name.count == 8, name.hasPrefix("Boot") else { return nil }
        let digits = name.dropFirst(4)
        guard digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt16(digits, radix: 16)
    }

    /// `0001` or `Boot0001` (any case) as an entry number.
    public static func parseEntry(_ text: String) -> UInt16? {
        let digits = text.lowercased().hasPrefix("boot") ? String(text.dropFirst(4)) : text
        guard digits.count == 4, digits.allSatisfy(\.isHexDigit) else { return nil }
        return UInt16(digits, radix: 16)
    }
}
