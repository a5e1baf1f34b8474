import BinaryIO
import SystemPackage

/// A `TEXT|@PATH` value, as ukify's options take them: literal text, or the contents of a file.
public enum TextOrFile: Sendable, Equatable {
    case text(String)
    case file(FilePath)

    /// `@PATH` names a file; anything else is literal text.
    public init(_ argument: String) {
        if argument.hasPrefix("@") {
            self = .file(FilePath(String(argument.dropFirst())))
        } else {
            self = .text(argument)
        }
    }

    /// The content as a stream (files are opened now, read later).
    public func source() throws -> any ByteSource {
        switch self {
        case .text(let text): InMemoryBytes(Array(text.utf8))
        case .file(let path): FileRegion(wholeFile: try ReadableFile(path: path))
        }
    }

    /// The content as text (for small inputs: SBAT, profiles).
    public func readText() throws -> String {
        switch self {
        case .text(let text): text
        case .file(let path): String(decoding: try FileRegion(wholeFile: ReadableFile(path: path)).readAll(), as: UTF8.self)
        }
    }
}
