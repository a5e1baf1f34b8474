/// A boot phase path: the words systemd-pcrphase extends into PCR 11 after the stub, in order
/// (`enter-initrd:leave-initrd`). The empty path is the value right after the stub ran.
public struct PhasePath: Hashable, Sendable, CustomStringConvertible {
    /// The words systemd extends, in the order they happen at runtime.
    public static let knownWords = ["enter-initrd", "leave-initrd", "sysinit", "ready", "shutdown", "final"]

    /// What systemd-measure and ukify sign for when no phase is given (shutdown/final excluded).
    public static let defaults: [PhasePath] = (1...4).map { PhasePath(words: Array(knownWords.prefix($0))) }

    public let words: [String]

    public init(words: [String]) {
        self.words = words
    }

    /// Parses a colon-separated path as systemd-measure does: empty words are dropped, so `""` and
    /// `":"` are the empty path. Every word must be a phase systemd knows.
    public init(parsing text: String) throws {
        let words = text.split(separator: ":", omittingEmptySubsequences: true).map(String.init)
        for word in words where !Self.knownWords.contains(word) {
            throw TPMPolicyError(
                .invalidArgument,
                "unknown boot phase '\(word)' in '\(text)' (known: \(Self.knownWords.joined(separator: ", ")))")
        }
        self.words = words
    }

    /// The colon-separated form; empty for the empty path.
    public var description: String { words.joined(separator: ":") }
}
