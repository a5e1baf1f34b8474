import BinaryIO
import BootEntries
import EFIVariables
import JSON

/// `bootctl list` output: efibootmgr's layout (with EDK2 device path text), or JSON.
public enum BootRendering {
    static func hex(_ number: UInt16) -> String { String(BootConfiguration.variableName(number).dropFirst(4)) }

    public static func text(_ configuration: BootConfiguration) -> String {
        var lines: [String] = []
        if let current = configuration.bootCurrent { lines.append("BootCurrent: \(hex(current))") }
        if let next = configuration.bootNext { lines.append("BootNext: \(hex(next))") }
        if let timeout = configuration.timeout { lines.append("Timeout: \(timeout) seconds") }
        if let order = configuration.bootOrder { lines.append("BootOrder: " + order.map(hex).joined(separator: ",")) }
        if let secureBoot = configuration.secureBoot {
            lines.append("SecureBoot: \(secureBoot ? "enabled" : "disabled")")
        }
        for entry in configuration.entries {
            guard let option = entry.option else {
                lines.append("\(entry.name)? (unreadable: \(entry.problem ?? "?"))")
                continue
            }
            lines.append(
                "\(entry.name)\(option.isActive ? "*" : " ") \(option.description)\t\(option.filePath.text)"
                    + optionalData(option.optionalData))
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Load options after the device path: ` args "TEXT"` when they are a command line, else
    /// ` data HEX` (binary, such as the 16-byte GUID EDK2 puts in the entries it creates); nothing
    /// when empty.
    static func optionalData(_ data: [UInt8]) -> String {
        guard !data.isEmpty else { return "" }
        return commandLine(data).map { " args \"\($0)\"" } ?? " data \(data.hexString)"
    }

    /// The text of load options that are a command line in UCS-2 (efibootmgr -u, kernel-bootcfg,
    /// our `add --args`): an even number of bytes, printable ASCII characters only (so no
    /// surrogates and no control characters), and NUL at most as the last character. Binary
    /// data that happens to decode as UCS-2 (CJK or Hangul characters, say) is not text.
    static func commandLine(_ data: [UInt8]) -> String? {
        var units = UCS2.units(data[...])
        if units.last == 0 { units.removeLast() }
        guard data.count % 2 == 0, !units.isEmpty, units.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            return nil
        }
        return String(decoding: units, as: UTF16.self)
    }

    /// systemd's loader variables (`Name: value`), then the ESP's entries in systemd-boot's order
    /// with the boot assessment of this boot.
    public static func text(
        _ loader: LoaderVariables, esp: ESP?, entries: [ESPEntry], assessment: BootAssessment?
    )
        -> String
    {
        var lines = loader.values.map { "\($0.name): \($0.value)" }
        if let esp {
            lines.append("ESP: \(esp.root)" + (assessment.map { " (this boot: \($0.rawValue))" } ?? ""))
            let booted = ESPEntry.bootedBaseName(loader)
            for entry in entries {
                let tries = entry.counter.map { " tries left \($0.triesLeft), done \($0.triesDone)" } ?? ""
                let mark = entry.baseName == booted ? " (booted)" : entry.isBad ? " (bad)" : ""
                // Profiles after the first of a multi-profile UKI share its path; their ID tells them apart.
                let id = entry.profile > 0 ? " (\(entry.id))" : ""
                lines.append(
                    "  \(entry.path)\(id)\t\(entry.title ?? "")\(entry.version.map { " " + $0 } ?? "")\(tries)\(mark)")
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    public static func json(
        _ loader: LoaderVariables, esp: ESP?, entries: [ESPEntry], assessment: BootAssessment?
    )
        -> [(String, JSONValue)]
    {
        var members: [(String, JSONValue)] = [("loader", .object(loader.values.map { ($0.name, .string($0.value)) }))]
        guard let esp else { return members }
        let booted = ESPEntry.bootedBaseName(loader)
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        members.append(
            (
                "esp",
                .object([
                    ("path", .string(esp.root.string)), ("assessment", optional(assessment?.rawValue)),
                    (
                        "entries",
                        .array(
                            entries.map { entry in
                                .object([
                                    ("id", .string(entry.id)), ("profile", .integer(entry.profile)),
                                    ("path", .string(entry.path)),
                                    ("type", .string(entry.kind.rawValue)), ("title", optional(entry.title)),
                                    ("version", optional(entry.version)), ("sort_key", optional(entry.sortKey)),
                                    ("tries_left", entry.counter.map { .integer($0.triesLeft) } ?? .null),
                                    ("tries_done", entry.counter.map { .integer($0.triesDone) } ?? .null),
                                    ("bad", .bool(entry.isBad)), ("booted", .bool(entry.baseName == booted)),
                                ])
                            })
                    ),
                ])
            ))
        return members
    }

    public static func slotText(_ status: ABSlots.Status, _ slots: ABSlots) -> String {
        var lines: [String] = []
        for state in status.slots {
            var flags: [String] = []
            if status.primary == state.slot { flags.append("primary") }
            if state.isBooted { flags.append("booted") }
            if state.isNext { flags.append("trial armed (BootNext)") }
            if !state.fileExists { flags.append("no UKI") }
            let entry = state.entry.map { BootConfiguration.variableName($0) } ?? "no entry"
            let order = state.orderPosition.map { "BootOrder #\($0 + 1)" } ?? "not in BootOrder"
            lines.append(
                "\(state.slot.letter): \(slots.file(state.slot))\t\(entry), \(order)" + flags.map { ", " + $0 }.joined()
            )
        }
        return lines.map { $0 + "\n" }.joined()
    }

    public static func slotJSON(_ status: ABSlots.Status, _ slots: ABSlots) -> JSONValue {
        .object([
            ("primary", status.primary.map { .string($0.rawValue) } ?? .null),
            ("booted", status.booted.map { .string($0.rawValue) } ?? .null),
            ("trial", status.trial.map { .string($0.rawValue) } ?? .null),
            (
                "slots",
                .array(
                    status.slots.map { state in
                        .object([
                            ("slot", .string(state.slot.rawValue)), ("file", .string(slots.file(state.slot))),
                            ("file_exists", .bool(state.fileExists)),
                            ("entry", state.entry.map { .string(BootConfiguration.variableName($0)) } ?? .null),
                            ("boot_order_position", state.orderPosition.map { .integer($0) } ?? .null),
                            ("boot_next", .bool(state.isNext)), ("booted", .bool(state.isBooted)),
                        ])
                    })
            ),
        ])
    }

    public static func json(_ configuration: BootConfiguration) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        members.append(("BootCurrent", configuration.bootCurrent.map { .string(hex($0)) } ?? .null))
        members.append(("BootNext", configuration.bootNext.map { .string(hex($0)) } ?? .null))
        members.append(("Timeout", configuration.timeout.map { .integer(Int($0)) } ?? .null))
        members.append(("BootOrder", configuration.bootOrder.map { .array($0.map { .string(hex($0)) }) } ?? .null))
        members.append(("SecureBoot", configuration.secureBoot.map { .bool($0) } ?? .null))
        members.append(
            (
                "entries",
                .array(
                    configuration.entries.map { entry in
                        var fields: [(String, JSONValue)] = [("name", .string(entry.name))]
                        if let option = entry.option {
                            fields += [
                                ("active", .bool(option.isActive)), ("attributes", .integer(Int(option.attributes))),
                                ("description", .string(option.description)),
                                ("device_path", .string(option.filePath.text)),
                                ("optional_data", .string(option.optionalData.hexString)),
                            ]
                        } else {
                            fields.append(("problem", .string(entry.problem ?? "")))
                        }
                        return .object(fields)
                    })
            ))
        return members
    }
}
