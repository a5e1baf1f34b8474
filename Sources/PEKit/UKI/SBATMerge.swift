/// ukify's SBAT merge (spec digest §3.2, `merge_sbat`): the component lines of the stub's and the
/// kernel's `.sbat` and of every given SBAT text, after one common `sbat,1,...` header line,
/// ending in "\n\0" (the NUL is part of the section and of its measurement).
public enum SBATMerge {
    public static let header = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md"
    /// The default `--sbat` of a UKI.
    public static let defaultUKI =
        header + "\nuki,1,UKI,uki,1,https://uapi-group.org/specifications/specs/unified_kernel_image/\n"
    /// The default `--sbat` of an addon.
    public static let defaultAddon =
        header
        + "\nuki-addon,1,UKI Addon,addon,1,https://www.freedesktop.org/software/systemd/man/latest/systemd-stub.html\n"

    /// A named SBAT input (a PE's `.sbat` or a `--sbat` text); the name goes into warnings.
    public struct Input: Sendable {
        public var origin: String
        public var text: String
        public init(origin: String, text: String) {
            self.origin = origin
            self.text = text
        }
    }

    /// Merges `inputs` in order. Inputs whose first line is not an `sbat,` header are skipped
    /// with a warning, as ukify does.
    public static func merge(_ inputs: [Input]) -> (sbat: String, warnings: [String]) {
        var lines: [Substring] = []
        var warnings: [String] = []
        for input in inputs {
            var text = Substring(input.text)
            while text.last == "\0" { text = text.dropLast() }
            let split = splitLines(text)
            guard let first = split.first, first.hasPrefix("sbat,") else {
                warnings.append("\(input.origin): no valid SBAT header line, not merging its SBAT entries")
                continue
            }
            lines += split.dropFirst()
        }
        return (header + "\n" + lines.joined(separator: "\n") + "\n\0", warnings)
    }

    /// Python's `str.splitlines` for the line ends SBAT files use: "\n", "\r\n", "\r".
    static func splitLines(_ text: Substring) -> [Substring] {
        var result: [Substring] = []
        var lineStart = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\n" || character == "\r" || character == "\r\n" {
                result.append(text[lineStart..<index])
                index = text.index(after: index)
                lineStart = index
            } else {
                index = text.index(after: index)
            }
        }
        if lineStart < text.endIndex { result.append(text[lineStart...]) }
        return result
    }
}
