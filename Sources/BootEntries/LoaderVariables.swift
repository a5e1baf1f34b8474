import BinaryIO
import EFIVariables

/// systemd's Boot Loader Interface variables (vendor 4a67b082-…): what systemd-boot and the stub
/// report (LoaderInfo, LoaderEntrySelected, LoaderBootCountPath, …) and what the OS sets
/// (LoaderEntryDefault, LoaderEntryOneShot). Strings are UTF-16LE with a terminating NUL.
public struct LoaderVariables: Sendable {
    public static let vendor = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"
    /// NV|BS|RT, what systemd's bootctl writes.
    static let attributes: UInt32 = 0x7

    /// Every variable of the vendor, in name order: text when it is a NUL-terminated UTF-16 string,
    /// else hex.
    public let values: [(name: String, value: String)]

    public init(store: some VariableStore) throws {
        var values: [(String, String)] = []
        for name in try store.names() where name.vendor == Self.vendor {
            guard let data = try store.read(name)?.data else { continue }
            values.append((name.name, Self.text(of: data) ?? data.hexString))
        }
        self.values = values
    }

    /// No variables: an ESP looked at without a machine's variables (`--no-variables`).
    public static let absent = LoaderVariables(values: [])

    private init(values: [(name: String, value: String)]) { self.values = values }

    public subscript(name: String) -> String? { values.first { $0.name == name }?.value }

    /// The string in `data` when it is UTF-16LE text ending in its only NUL.
    static func text(of data: [UInt8]) -> String? {
        let units = UCS2.units(data[...])
        guard data.count % 2 == 0, units.last == 0, !units.dropLast().contains(0) else { return nil }
        return String(validating: units.dropLast(), as: UTF16.self)
    }

    /// Sets a loader string variable (`LoaderEntryDefault`, `LoaderEntryOneShot`); an empty value
    /// removes it, as systemd's `bootctl set-default ""` does.
    public static func set(_ name: String, to value: String, in store: inout some VariableStore) throws {
        let variable = EFIVariableName(name, vendor: vendor)
        if value.isEmpty {
            try store.delete(variable)
        } else {
            try store.write(variable, attributes: attributes, data: UCS2.encode(value, terminated: true))
        }
    }
}
