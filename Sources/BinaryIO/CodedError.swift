/// The error type of a library whose errors are a stable code and a message naming the input
/// (`TPMPolicyError`, `SBATError`, `EFIVariableError` are this with their own codes).
public struct CodedError<Code: Equatable & Sendable>: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
