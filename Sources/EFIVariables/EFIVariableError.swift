/// The one error type of EFIVariables.
public struct EFIVariableError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Bytes that are not the structure they should be (load option, device path).
        case malformed
        /// A variable store without room for the write.
        case storeFull
        /// A variable or entry that does not exist.
        case notFound
        /// A change that would leave the machine unable to boot, or touch what it booted from.
        case refused
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
