import BinaryIO
internal import COpenSSL

/// The one error type of BootCrypto: a stable code plus OpenSSL's own reason, captured from
/// its error queue at the failing call.
public typealias BootCryptoError = CodedError<BootCryptoErrorCode>

/// The codes of ``BootCryptoError``.
public enum BootCryptoErrorCode: String, ErrorCode {
    /// Every code is a data error: keys, certificates, signatures and the engines or providers that
    /// hold keys are inputs that are not what they should be.
    public var category: ErrorCategory { .dataError }

    /// A private key could not be loaded (file, engine or provider).
    case keyLoadFailed
    /// The private key is encrypted and no passphrase was given.
    case passphraseRequired
    /// A certificate could not be loaded or parsed.
    case certificateLoadFailed
    /// The private key does not belong to the certificate.
    case keyCertificateMismatch
    /// A key type other than RSA or EC.
    case unsupportedKey
    /// Creating a signature failed.
    case signFailed
    /// An OpenSSL engine or provider could not be loaded.
    case providerUnavailable
    /// A signature that is not the Authenticode PKCS#7 it should be.
    case malformedSignature

    public static func message(of error: BootCryptoError) -> String {
        let what: String
        switch error.code {
        case .keyLoadFailed: what = "cannot load private key"
        case .passphraseRequired: what = "private key is encrypted and no passphrase was given"
        case .certificateLoadFailed: what = "cannot load certificate"
        case .keyCertificateMismatch: what = "private key does not match the certificate"
        case .unsupportedKey: what = "unsupported key type"
        case .signFailed: what = "signing failed"
        case .providerUnavailable: what = "OpenSSL engine/provider unavailable"
        case .malformedSignature: what = "malformed signature"
        }
        guard let detail = error.detail, !detail.isEmpty else { return what }
        return "\(what): \(redactingSecrets(detail))"
    }

    /// `text` with the value of every PKCS#11 URI `pin-value` attribute (RFC 7512) replaced by
    /// `***`: key URIs and OpenSSL's reasons that quote them can name a token's PIN, which no
    /// message may show.
    static func redactingSecrets(_ text: String) -> String {
        let attribute = Array("pin-value=".utf8)
        let ends = Set(";&? \t\n)".utf8)
        var rest = Array(text.utf8)[...]
        var result: [UInt8] = []
        while let first = rest.first {
            // ASCII case-insensitively: `| 0x20` lowercases letters and leaves '-' and '=' as they are.
            guard rest.count >= attribute.count, zip(rest, attribute).allSatisfy({ $0 | 0x20 == $1 }) else {
                result.append(first)
                rest = rest.dropFirst()
                continue
            }
            result += rest.prefix(attribute.count) + Array("***".utf8)
            rest = rest.dropFirst(attribute.count).drop { !ends.contains($0) }
        }
        return String(decoding: result, as: UTF8.self)
    }
}

extension BootCryptoError {
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
}
