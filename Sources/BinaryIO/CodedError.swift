/// What kind of failure an error reports. A tool exits with the sysexits.h status of the
/// category, so the same condition exits the same way whichever library found it.
public enum ErrorCategory: Sendable {
    /// A negative answer: revoked, verification failed, a policy that does not hold (exit 1).
    case negative
    /// Wrong use: a value, name or entry the caller gave that does not exist or is out of range (exit 64).
    case usage
    /// An input is malformed, or a change is refused because of what the input holds (exit 65).
    case dataError
    /// An input file cannot be opened or used as one (exit 66).
    case noInput
    /// A service (the TPM, an OpenSSL provider) cannot be reached or failed (exit 69).
    case unavailable
    /// Reading or writing failed, or the output cannot be created (exit 74).
    case ioError
}

/// An error that says what kind of failure it is, so that a tool can report it without knowing
/// the library that threw it.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: ErrorCategory { get }
}

/// The stable code of a library's errors: each code belongs to one category and words the
/// message of an error that carries it.
public protocol ErrorCode: Hashable, Sendable {
    /// The category of every error with this code.
    var category: ErrorCategory { get }

    /// The message of `error` (without its path): the code's fixed text and the error's context.
    static func message(of error: CodedError<Self>) -> String
}

extension ErrorCode {
    /// The detail alone: for codes whose errors are worded in full where they are thrown.
    public static func message(of error: CodedError<Self>) -> String { error.detail ?? "" }
}

/// The one error shape of every library: a stable code plus the context that names the file,
/// the field and the offset, and a detail (`BinaryIOError`, `PEError`, `TPMPolicyError`, ... are
/// this with their own codes). Like swift-asn1's `ASN1Error`, two errors are equal when their
/// codes are: the context is for people, tests and callers match the code.
public struct CodedError<Code: ErrorCode>: CategorizedError, Equatable, Sendable {
    public var code: Code
    /// The file involved, when there is one.
    public var path: String?
    /// The structure field being read, when there is one.
    public var field: String?
    /// Byte offset (in the file) where the problem is.
    public var offset: Int?
    /// The OS error text (strerror), a short detail, or the whole message.
    public var detail: String?

    public init(_ code: Code, path: String? = nil, field: String? = nil, offset: Int? = nil, detail: String? = nil) {
        self.code = code
        self.path = path
        self.field = field
        self.offset = offset
        self.detail = detail
    }

    /// An error whose message is `message`, worded in full by the thrower.
    public init(_ code: Code, _ message: String) {
        self.init(code, detail: message)
    }

    public var category: ErrorCategory { code.category }

    /// The message without the file name.
    public var message: String { Code.message(of: self) }

    public var description: String {
        if let path { return "\(path): \(message)" }
        return message
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
}
