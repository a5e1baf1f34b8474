/// The one error type of BinaryIO: a stable code plus the context that names the file,
/// the field and the offset.
public struct BinaryIOError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A read ran past the end of the data (`field` says what was being read).
        case truncated
        /// A file could not be opened for reading.
        case cannotOpen
        /// A read from an open file failed or came up short.
        case readFailed
        /// Creating, writing, syncing or renaming an output file failed.
        case writeFailed
        /// A size or offset does not fit the integer type that must hold it.
        case overflow
        /// Content larger than the caller allows to hold in memory.
        case tooLarge
        /// A path that names something other than a regular file where one is needed.
        case notRegularFile
    }

    public var code: Code
    /// The file involved, when there is one.
    public var path: String?
    /// The structure field being read, when there is one.
    public var field: String?
    /// Byte offset (in the file) where the problem is.
    public var offset: Int?
    /// The OS error text (strerror) or a short detail.
    public var detail: String?

    public init(_ code: Code, path: String? = nil, field: String? = nil, offset: Int? = nil, detail: String? = nil) {
        self.code = code
        self.path = path
        self.field = field
        self.offset = offset
        self.detail = detail
    }

    /// The message without the file name.
    public var message: String {
        var message: String
        switch code {
        case .truncated: message = "truncated data"
        case .cannotOpen: message = "cannot open"
        case .readFailed: message = "read failed"
        case .writeFailed: message = "cannot write"
        case .overflow: message = "size out of range"
        case .tooLarge: message = "too large"
        case .notRegularFile: message = "not a regular file"
        }
        if let field { message += " reading \(field)" }
        if let offset { message += " at offset \(hex(offset))" }
        if let detail { message += ": \(detail)" }
        return message
    }

    public var description: String {
        if let path { return "\(path): \(message)" }
        return message
    }
}
