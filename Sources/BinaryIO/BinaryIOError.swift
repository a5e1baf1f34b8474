/// The one error type of BinaryIO: a stable code plus the context that names the file,
/// the field and the offset.
public typealias BinaryIOError = CodedError<BinaryIOErrorCode>

/// The codes of ``BinaryIOError``.
public enum BinaryIOErrorCode: String, ErrorCode {
    public var category: ErrorCategory {
        switch self {
        case .truncated, .tooLarge, .corruptData: .dataError
        case .cannotOpen, .notRegularFile: .noInput
        case .readFailed, .writeFailed, .overflow: .ioError
        }
    }

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
    /// A compressed stream that does not decode (bad header, checksum or data).
    case corruptData

    public static func message(of error: BinaryIOError) -> String {
        var message: String
        switch error.code {
        case .truncated: message = "truncated data"
        case .cannotOpen: message = "cannot open"
        case .readFailed: message = "read failed"
        case .writeFailed: message = "cannot write"
        case .overflow: message = "size out of range"
        case .tooLarge: message = "too large"
        case .notRegularFile: message = "not a regular file"
        case .corruptData: message = "corrupt compressed data"
        }
        if let field = error.field { message += " reading \(field)" }
        if let offset = error.offset { message += " at offset \(hex(offset))" }
        if let detail = error.detail { message += ": \(detail)" }
        return message
    }
}
