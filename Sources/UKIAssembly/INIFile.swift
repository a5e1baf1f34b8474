import BinaryIO
import SystemPackage

/// An INI configuration file as ukify reads `ukify.conf` (Python configparser with `=` as the
/// only delimiter, `#` comments also after a space, case-sensitive keys, indented continuation
/// lines, a repeated key replacing the earlier value).
public struct INIFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var section: String
        public var key: String
        public var value: String
        /// 1-based line number of the key, for messages.
        public var line: Int
    }

    public private(set) var entries: [Entry] = []

    public init(text: String, path: String) throws {
        var section: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = Substring(rawLine)
            if let comment = line.indices.first(where: {
                line[$0] == "#" && $0 > line.startIndex
                    && (line[line.index(before: $0)] == " " || line[line.index(before: $0)] == "\t")
            }) {
                line = line[..<comment]
            }
            let trimmed = line.trimmingCharacters(in: " \t\r")
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if line.first == " " || line.first == "\t", !entries.isEmpty, entries[entries.count - 1].section == section
            {
                entries[entries.count - 1].value += "\n" + trimmed
                continue
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw UKIAssemblyError(
                        .malformedConfig, path: path,
                        detail: "line \(lineNumber): malformed section header '\(trimmed)'")
                }
                section = String(trimmed.dropFirst().dropLast())
                continue
            }
            guard let section else {
                throw UKIAssemblyError(
                    .malformedConfig, path: path, detail: "line \(lineNumber): setting outside of a [section]")
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw UKIAssemblyError(
                    .malformedConfig, path: path, detail: "line \(lineNumber): expected Key=Value, got '\(trimmed)'")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: " \t")
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: " \t")
            entries.removeAll { $0.section == section && $0.key == key }
            entries.append(Entry(section: section, key: key, value: value, line: lineNumber))
        }
    }

    /// Reads and parses a file.
    public init(path: FilePath) throws {
        let bytes = try ReadableFile.readAll(path: path, limit: 1 << 20)
        try self.init(text: String(decoding: bytes, as: UTF8.self), path: path.string)
    }

    /// The value of `key` in `section`, if set.
    public func value(_ key: String, in section: String) -> String? {
        entries.last { $0.section == section && $0.key == key }?.value
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let characters = Set(set)
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
