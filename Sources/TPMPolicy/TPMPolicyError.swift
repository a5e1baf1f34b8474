/// The one error type of TPMPolicy: a stable code and a message naming what is wrong.
public struct TPMPolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A bank, phase word, stub version or profile the caller asked for does not exist.
        case invalidArgument
        /// A `.pcrsig` document, UKI or key that is not what it should be.
        case malformedInput
        /// The TPM (or its TCTI) failed or refused a command.
        case tpmFailure
        /// The TPM is reachable but the policy does not hold (PCR values differ, signature refused).
        case policyMismatch
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
