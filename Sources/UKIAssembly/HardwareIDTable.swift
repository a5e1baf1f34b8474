import BinaryIO
import JSON
import SystemPackage

/// `.hwids` built from a directory of device descriptions, as ukify 257's `--hwids` builds it:
/// every `*.json` below the directory (in path order) names a device (`name`, `compatible`) and
/// its CHIDs (`hwids`, GUID text). The table (systemd `src/boot/chid.h`, `Device`) has one 28-byte
/// entry per (device, CHID) — descriptor `size | DEVICETREE << 28`, the CHID in EFI byte order,
/// the offsets of the device's name and compatible strings — then an all-zero entry, then the
/// strings, sorted and NUL-terminated.
public enum HardwareIDTable {
    static let entrySize = 4 + 16 + 4 + 4
    static let deviceTreeDescriptor = UInt32(entrySize) | (1 << 28)
    /// The most bytes read from one description file.
    static let fileLimit = 1 << 20

    public static func build(directory: FilePath) throws -> [UInt8] {
        var devices: [(name: String, compatible: String, chids: Set<[UInt8]>)] = []
        for file in try descriptionFiles(in: directory) {
            let bytes = try ReadableFile.readAll(path: file, limit: fileLimit)
            let json: JSONValue
            do {
                json = try JSONValue(parsing: bytes)
            } catch {
                throw UKIAssemblyError(.malformedInput, path: file.string, detail: "\(error)")
            }
            func string(_ key: String) throws -> String {
                guard let value = json[key]?.stringValue else {
                    throw UKIAssemblyError(.malformedInput, path: file.string, detail: "no \"\(key)\" string")
                }
                return value
            }
            let name = try string("name")
            let compatible = try string("compatible")
            guard let hwids = json["hwids"]?.arrayValue else {
                throw UKIAssemblyError(.malformedInput, path: file.string, detail: "no \"hwids\" list")
            }
            let chids = try hwids.map { value in
                guard let text = value.stringValue, let guid = guidBytes(text) else {
                    throw UKIAssemblyError(.malformedInput, path: file.string, detail: "\(value) is not a GUID")
                }
                return guid
            }
            // A (name, compatible) pair is one device, however many files describe it.
            if let index = devices.firstIndex(where: { $0.name == name && $0.compatible == compatible }) {
                devices[index].chids.formUnion(chids)
            } else {
                devices.append((name, compatible, Set(chids)))
            }
        }
        let entryCount = 1 + devices.reduce(0) { $0 + $1.chids.count }
        var strings: [UInt8] = []
        var offsets: [String: UInt32] = [:]
        for string in Set(devices.flatMap { [$0.name, $0.compatible] }).sorted(by: {
            $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars)
        }) {
            offsets[string] = UInt32(entryCount * entrySize + strings.count)
            strings += Array(string.utf8) + [0]
        }
        var writer = ByteWriter()
        for device in devices {
            // Sorted as Python sorts uuid.UUID: by the 128-bit value of the text form.
            for chid in device.chids.sorted(by: { canonicalOrder($0).lexicographicallyPrecedes(canonicalOrder($1)) }) {
                writer.write(deviceTreeDescriptor)
                writer.write(chid)
                writer.write(offsets[device.name]!)
                writer.write(offsets[device.compatible]!)
            }
        }
        writer.write([UInt8](repeating: 0, count: entrySize))
        writer.write(strings)
        return writer.bytes
    }

    /// Every `*.json` below `directory`, ordered as Python orders paths (component by component).
    static func descriptionFiles(in directory: FilePath) throws -> [FilePath] {
        var found: [FilePath] = []
        func walk(_ handle: DirectoryHandle, _ path: FilePath) throws {
            for entry in try handle.entries() {
                switch entry.kind {
                case .directory: try walk(try handle.directory(entry.name), path.appending(entry.name))
                case .regular where entry.name.hasSuffix(".json"): found.append(path.appending(entry.name))
                default: break
                }
            }
        }
        let root = try DirectoryHandle(path: directory)
        try walk(root, directory)
        return found.sorted { lhs, rhs in
            lhs.components.map(\.string).lexicographicallyPrecedes(rhs.components.map(\.string)) {
                $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars)
            }
        }
    }

    /// A GUID's text (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, optionally in braces or without
    /// dashes, as Python's uuid.UUID reads it) in EFI byte order (`bytes_le`).
    static func guidBytes(_ text: String) -> [UInt8]? {
        var hex = Substring(text)
        if hex.hasPrefix("{") && hex.hasSuffix("}") { hex = hex.dropFirst().dropLast() }
        if hex.hasPrefix("urn:uuid:") { hex = hex.dropFirst("urn:uuid:".count) }
        let digits = hex.filter { $0 != "-" }
        guard digits.count == 32, let value = [UInt8](hexString: String(digits)) else { return nil }
        return Array(value[0..<4].reversed()) + value[4..<6].reversed() + value[6..<8].reversed() + value[8...]
    }

    /// EFI byte order back to the text order, for sorting.
    static func canonicalOrder(_ guid: [UInt8]) -> [UInt8] {
        Array(guid[0..<4].reversed()) + guid[4..<6].reversed() + guid[6..<8].reversed() + guid[8...]
    }
}
