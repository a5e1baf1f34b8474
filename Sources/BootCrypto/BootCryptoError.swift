internal import COpenSSL

/// The one error type of BootCrypto: a stable code plus OpenSSL's own reason, captured from
/// its error queue at the failing call.
public struct BootCryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// OpenSSL could not set up or run a digest.
        case digestFailed
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    /// Builds an error from OpenSSL's error queue (emptying it).
    static func fromOpenSSL(_ code: Code, operation: String) -> BootCryptoError {
        var reasons: [String] = []
        while case let error = ERR_get_error(), error != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(error, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        let reason = reasons.isEmpty ? "" : ": " + reasons.joined(separator: "; ")
        return BootCryptoError(code, detail: operation + reason)
    }

    public var description: String {
        switch code {
        case .digestFailed: "digest failed: \(detail)"
        }
    }
}
