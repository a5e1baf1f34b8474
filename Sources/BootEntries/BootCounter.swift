/// A Boot Loader Specification boot counter in a file name, `<stem>+<LEFT>[-<DONE>]<suffix>`
/// (spec digest §5.2, §5.3).
public struct BootCounter: Sendable, Equatable {
    /// The name before the last `+` (for a path: the path up to it).
    public let stem: String
    public let triesLeft: Int
    public let triesDone: Int
    public let suffix: String

    public init(stem: String, triesLeft: Int, triesDone: Int, suffix: String) {
        self.stem = stem
        self.triesLeft = triesLeft
        self.triesDone = triesDone
        self.suffix = suffix
    }

    /// systemd-boot's reading (`boot_entry_parse_tries`): the counter after the last `+` must be
    /// followed by exactly `suffix` (compared case-insensitively); nil when the name is not counted.
    public init?(loaderFileName name: String, suffix: String) {
        guard let (stem, left, done, rest) = Self.split(name), let left else { return nil }
        guard rest.lowercased() == suffix.lowercased() else { return nil }
        self.init(stem: stem, triesLeft: left, triesDone: done ?? 0, suffix: suffix)
    }

    /// systemd-bless-boot's reading of `LoaderBootCountPath` (`acquire_boot_count_path`): the
    /// last path component holds the counter; the suffix after it is not checked.
    public init(blessBootPath path: String) throws(BootEntryError) {
        let separator = path.lastIndex(where: { $0 == "\\" || $0 == "/" })
        let directory = separator.map { String(path[...$0]) } ?? ""
        let name = separator.map { String(path[path.index(after: $0)...]) } ?? path
        guard let (stem, left, done, rest) = Self.split(name) else {
            throw BootEntryError(.notCounted, "\(path): the file name has no boot counter (+LEFT[-DONE])")
        }
        guard let left else { throw BootEntryError(.notCounted, "\(path): the boot counter has no tries-left digits") }
        guard done != nil || !rest.hasPrefix("-") else {
            throw BootEntryError(.notCounted, "\(path): the boot counter has an empty tries-done part")
        }
        self.init(stem: directory + stem, triesLeft: left, triesDone: done ?? 0, suffix: rest)
    }

    /// The name systemd-boot renames the file to before booting it: one try fewer (not below 0),
    /// one more done; no zero padding.
    public var nextName: String {
        "\(stem)+\(max(triesLeft - 1, 0))-\(triesDone == Int(Int32.max) ? triesDone : triesDone + 1)\(suffix)"
    }
    /// systemd-bless-boot's `good` name: the counter removed.
    public var goodName: String { stem + suffix }
    /// systemd-bless-boot's `bad` name: no tries left, the done count kept.
    public var badName: String { triesDone == 0 ? "\(stem)+0\(suffix)" : "\(stem)+0-\(triesDone)\(suffix)" }

    /// Splits at the last `+`: stem, tries left (nil: no digits), tries done (nil: no `-digits`),
    /// and what follows. nil when there is no `+`. Numbers are capped at INT_MAX as systemd's are.
    private static func split(_ name: String) -> (String, Int?, Int?, String)? {
        guard let plus = name.lastIndex(of: "+") else { return nil }
        var rest = name[name.index(after: plus)...]
        func number() -> Int?? {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return .some(nil) }
            rest = rest.dropFirst(digits.count)
            guard let value = Int(digits), value <= Int(Int32.max) else { return nil }
            return value
        }
        guard let left = number() else { return nil }
        var done: Int?
        if left != nil, rest.hasPrefix("-") {
            let saved = rest
            rest = rest.dropFirst()
            guard let parsed = number() else { return nil }
            if parsed == nil { rest = saved } else { done = parsed }
        }
        return (String(name[..<plus]), left, done, String(rest))
    }
}
