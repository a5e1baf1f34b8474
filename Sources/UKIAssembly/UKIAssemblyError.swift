import BinaryIO

/// The one error type of UKIAssembly: a stable code and a message naming the setting or file.
public typealias UKIAssemblyError = CodedError<UKIAssemblyErrorCode>

/// The codes of ``UKIAssemblyError``.
public enum UKIAssemblyErrorCode: String, ErrorCode {
    public var category: ErrorCategory {
        switch self {
        case .invalidSetting: .usage
        case .malformedConfig, .malformedInput, .signatureMismatch: .dataError
        }
    }

    /// A setting (option or config key) that is missing, contradicts another, or asks for what
    /// cannot be done.
    case invalidSetting
    /// A ukify.conf that is not valid INI, or holds a value of the wrong form.
    case malformedConfig
    /// An input file whose content is not what the setting needs (a `.hwids` description, ...).
    case malformedInput
    /// A signature bundle's signature covers something else than what was rebuilt.
    case signatureMismatch
}
