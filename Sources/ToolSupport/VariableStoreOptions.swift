import ArgumentParser
import BinaryIO
import EFIVariables
import JSON
import SystemPackage

/// Which EFI variables a command works on: this machine's (efivarfs), a directory of
/// efivarfs-style files, or an OVMF varstore file (offline VM provisioning).
public struct VariableStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A directory of Name-GUID variable files instead of efivarfs.", valueName: "DIR"))
    public var efivars: String?
    @Option(
        help: ArgumentHelp("An OVMF/edk2 variable store file (OVMF_VARS*.fd) instead of efivarfs.", valueName: "FILE"))
    public var varstore: String?

    public init() {}

    public func validate() throws {
        if efivars != nil && varstore != nil { throw ValidationError("--efivars and --varstore exclude each other") }
    }

    public func open() throws -> any VariableStore {
        if let varstore { return try OVMFVarStore.load(FilePath(varstore)) }
        return EFIVariableDirectory(efivars.map { FilePath($0) } ?? EFIVariableDirectory.live)
    }

    /// Runs `change` on a boot manager over the selected store and commits the store.
    public func changing<T>(_ change: (inout BootManager) throws -> T) throws -> T {
        var manager = BootManager(store: try open())
        let result = try change(&manager)
        try manager.store.commit()
        return result
    }
}

/// `bootctl list` output: efibootmgr's layout (with EDK2 device path text), or JSON.
public enum BootRendering {
    static func hex(_ number: UInt16) -> String { String(BootConfiguration.variableName(number).dropFirst(4)) }

    public static func text(_ configuration: BootConfiguration) -> String {
        var lines: [String] = []
        if let current = configuration.bootCurrent { lines.append("BootCurrent: \(hex(current))") }
        if let next = configuration.bootNext { lines.append("BootNext: \(hex(next))") }
        if let timeout = configuration.timeout { lines.append("Timeout: \(timeout) seconds") }
        if let order = configuration.bootOrder { lines.append("BootOrder: " + order.map(hex).joined(separator: ",")) }
        for entry in configuration.entries {
            guard let option = entry.option else {
                lines.append("\(entry.name)? (unreadable: \(entry.problem ?? "?"))")
                continue
            }
            lines.append("\(entry.name)\(option.isActive ? "*" : " ") \(option.description)\t\(option.filePath.text)")
        }
        return lines.map { $0 + "\n" }.joined()
    }

    public static func json(_ configuration: BootConfiguration) -> JSONValue {
        var members: [(String, JSONValue)] = []
        members.append(("BootCurrent", configuration.bootCurrent.map { .string(hex($0)) } ?? .null))
        members.append(("BootNext", configuration.bootNext.map { .string(hex($0)) } ?? .null))
        members.append(("Timeout", configuration.timeout.map { .integer(Int($0)) } ?? .null))
        members.append(("BootOrder", configuration.bootOrder.map { .array($0.map { .string(hex($0)) }) } ?? .null))
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
        return .object(members)
    }
}

/// An entry named on the command line: `Boot0003` or `0003`.
public struct BootEntryArgument: ExpressibleByArgument, Sendable {
    public let number: UInt16

    public init?(argument: String) {
        guard let number = BootConfiguration.parseEntry(argument) else { return nil }
        self.number = number
    }
}
