import BinaryIO

/// The one error type of BootEntries.
public typealias BootEntryError = CodedError<BootEntryErrorCode>

/// The codes of ``BootEntryError``.
public enum BootEntryErrorCode: String, ErrorCode {
    public var category: ErrorCategory {
        switch self {
        case .notCounted, .refused, .invalid: .dataError
        case .notFound, .usage: .usage
        }
    }

    /// A file name or LoaderBootCountPath without a usable boot counter.
    case notCounted
    /// An entry, slot or ESP file that does not exist.
    case notFound
    /// A change that would touch what this system booted from or leave nothing to boot.
    case refused
    /// The command must say more (which slot).
    case usage
    /// Input that is not what it should be (a UKI without `.osrel`, a bad entry file name).
    case invalid
}
