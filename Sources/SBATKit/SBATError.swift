import BinaryIO

/// The one error type of SBATKit: a stable code and a message naming the input.
public typealias SBATError = CodedError<SBATErrorCode>

/// The codes of ``SBATError``.
public enum SBATErrorCode: String, ErrorCode {
    public var category: ErrorCategory {
        switch self {
        case .invalidSection, .invalidLevel, .missingSection, .unsupportedImage: .dataError
        case .unknownLevel: .usage
        case .missingVariable: .noInput
        }
    }

    /// `.sbat` data shim rejects (EFI_INVALID_PARAMETER).
    case invalidSection
    /// An SbatLevel payload shim rejects, or text that is not a level.
    case invalidLevel
    /// A PE without a usable `.sbat` section.
    case missingSection
    /// A PE that shim refuses to check (several `.sbat`, relocations, out of bounds).
    case unsupportedImage
    /// A level name that does not exist.
    case unknownLevel
    /// An EFI variable that does not exist (SbatLevelRT on a machine shim did not boot).
    case missingVariable
}
