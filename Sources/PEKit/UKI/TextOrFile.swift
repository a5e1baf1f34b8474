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

    /// The file name, or "text" for literal text (for messages).
    public var origin: String {
        switch self {
        case .text: "text"
        case .file(let path): path.string
        }
    }

    /// Pipes and other streams are read into memory up to this size.
    public static let streamLimit = 64 << 20

    /// The content as a stream: a regular file is opened now and read later; a pipe
    /// (`@<(command)`) is read now.
    public func source() throws -> any ByteSource {
        switch self {
        case .text(let text):
            return InMemoryBytes(Array(text.utf8))
        case .file(let path):
            do {
                return FileRegion(wholeFile: try ReadableFile(path: path))
            } catch let error as BinaryIOError where error.code == .notRegularFile {
                return InMemoryBytes(try ReadableFile.readAll(path: path, limit: Self.streamLimit))
            }
        }
    }

    /// The content as text (for small inputs: SBAT entries).
    public func readText() throws -> String {
        switch self {
        case .text(let text): text
        case .file(let path):
            String(decoding: try ReadableFile.readAll(path: path, limit: Self.streamLimit), as: UTF8.self)
        }
    }
}
