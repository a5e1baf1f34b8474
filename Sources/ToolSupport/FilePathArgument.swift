import ArgumentParser
import SystemPackage

/// Path options and arguments are `FilePath`s from the parser on; shells complete them as files.
extension FilePath: @retroactive ExpressibleByArgument {
    public init?(argument: String) {
        guard !argument.isEmpty else { return nil }
        self.init(argument)
    }

    public static var defaultCompletionKind: CompletionKind { .file() }
}
