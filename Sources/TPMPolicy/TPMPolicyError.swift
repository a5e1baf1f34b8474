import BinaryIO

/// The one error type of TPMPolicy: a stable code and a message naming what is wrong.
public typealias TPMPolicyError = CodedError<TPMPolicyErrorCode>

/// The codes of ``TPMPolicyError``.
public enum TPMPolicyErrorCode: String, ErrorCode {
    public var category: ErrorCategory {
        switch self {
        case .invalidArgument: .usage
        case .malformedInput: .dataError
        case .tpmFailure: .unavailable
        case .policyMismatch: .negative
        }
    }

    /// A bank, phase word, stub version or profile the caller asked for does not exist.
    case invalidArgument
    /// A `.pcrsig` document, UKI or key that is not what it should be.
    case malformedInput
    /// The TPM (or its TCTI) failed or refused a command.
    case tpmFailure
    /// The TPM is reachable but the policy does not hold (PCR values differ, signature refused).
    case policyMismatch
}
