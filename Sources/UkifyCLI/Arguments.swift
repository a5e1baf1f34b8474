import ArgumentParser
import PEKit

extension EFIArchitecture: ExpressibleByArgument {}

extension TextOrFile: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}

/// Several values in one argument, as systemd-ukify takes `--pcr-banks=sha1,sha256` and
/// `--phases='enter-initrd enter-initrd:leave-initrd'`: separated by whitespace or commas, each
/// parsed as `Element`, so one wrong value exits 64 listing the valid ones.
public struct ArgumentList<Element: ExpressibleByArgument & Sendable>: ExpressibleByArgument, Sendable {
    public var elements: [Element]

    public init?(argument: String) {
        var elements: [Element] = []
        for word in Self.words(argument) {
            guard let element = Element(argument: word) else { return nil }
            elements.append(element)
        }
        self.elements = elements
    }

    public static var allValueStrings: [String] { Element.allValueStrings }

    /// The values of a list, as the config file's PCRBanks= and Phases= spell them too.
    static func words(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init)
    }
}
