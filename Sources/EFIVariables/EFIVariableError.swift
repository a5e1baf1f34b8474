import BinaryIO

/// The one error type of EFIVariables.
public typealias EFIVariableError = CodedError<EFIVariableErrorCode>

/// The codes of ``EFIVariableError``.
public enum EFIVariableErrorCode: String, ErrorCode {
    public var category: ErrorCategory {
        switch self {
        case .notFound, .invalidArgument: .usage
        case .malformed, .refused: .dataError
        case .storeFull, .concurrentChange: .ioError
        }
    }

    /// Bytes that are not the structure they should be (load option, device path).
    case malformed
    /// A variable store without room for the write.
    case storeFull
    /// A variable or entry that does not exist.
    case notFound
    /// A value the caller gave that cannot go into a variable (a URI EDK2 would not accept).
    case invalidArgument
    /// A change that would leave the machine unable to boot, or touch what it booted from.
    case refused
    /// A variable that another program kept changing while this one updated it; not written.
    case concurrentChange
}
