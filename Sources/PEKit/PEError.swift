import BinaryIO

/// The one error type of PEKit: a stable code, the file, the field and the offset involved.
public typealias PEError = CodedError<PEErrorCode>

/// The codes of ``PEError``.
public enum PEErrorCode: String, ErrorCode {
    public var category: ErrorCategory {
        switch self {
        case .notPE, .badSignature, .unsupportedFormat, .truncated, .invalidField, .signedImage, .headerSpace,
            .imageTooLarge, .duplicateSection, .invalidSectionName, .trailingData, .kernelReleaseNotFound,
            .invalidInput:
            .dataError
        case .cannotOpen: .noInput
        case .io: .ioError
        }
    }

    /// No "MZ" DOS header.
    case notPE
    /// e_lfanew does not point at "PE\0\0".
    case badSignature
    /// Optional header magic other than PE32 (0x10B) or PE32+ (0x20B).
    case unsupportedFormat
    /// The data ends before a structure it declares.
    case truncated
    /// A header field holds a value that cannot be right (named in `field`).
    case invalidField
    /// The image carries an Authenticode signature and cannot be edited.
    case signedImage
    /// No room for more section headers before the first section.
    case headerSpace
    /// A size or address does not fit the 32-bit fields of PE/COFF.
    case imageTooLarge
    /// Two sections of the same name where only one may be.
    case duplicateSection
    /// A section name that is empty, not printable ASCII or longer than 8 bytes.
    case invalidSectionName
    /// Data after the last section that is neither padding nor a COFF symbol table.
    case trailingData
    /// The kernel's release string (uname -r) could not be found.
    case kernelReleaseNotFound
    /// A file that does not fit the role it was given (a profile PE without .profile, ...).
    case invalidInput
    /// An input file cannot be opened (`detail` has the OS message).
    case cannotOpen
    /// Reading or writing a file failed (`detail` has the OS message).
    case io

    public static func message(of error: PEError) -> String {
        var message: String
        switch error.code {
        case .notPE: message = "not a PE/EFI image (no MZ header)"
        case .badSignature: message = "not a PE/EFI image (no PE signature)"
        case .unsupportedFormat: message = "unsupported optional header format"
        case .truncated: message = "file is truncated"
        case .invalidField: message = "invalid header field"
        case .signedImage: message = "image is signed, refusing to modify it"
        case .headerSpace: message = "not enough header space"
        case .imageTooLarge: message = "image too large for PE/COFF"
        case .duplicateSection: message = "duplicate section"
        case .invalidSectionName: message = "invalid section name"
        case .trailingData: message = "unexpected data after the last section"
        case .kernelReleaseNotFound: message = "cannot determine the kernel release (uname)"
        case .invalidInput: message = "invalid input"
        case .cannotOpen: message = "cannot open"
        case .io: message = "I/O error"
        }
        if let field = error.field {
            message += " (\(field)" + (error.offset.map { " at offset \(hex($0))" } ?? "") + ")"
        } else if let offset = error.offset {
            message += " at offset \(hex(offset))"
        }
        if let detail = error.detail { message += ": \(detail)" }
        return message
    }
}

extension PEError {
    /// Wraps a BinaryIO error (a short read becomes ``PEErrorCode/truncated``).
    init(_ error: BinaryIOError, path: String? = nil) {
        switch error.code {
        case .truncated:
            self.init(.truncated, path: error.path ?? path, field: error.field, offset: error.offset)
        case .cannotOpen:
            self.init(.cannotOpen, path: error.path ?? path, detail: error.detail)
        case .notRegularFile:
            self.init(.cannotOpen, path: error.path ?? path, detail: error.message)
        case .tooLarge, .corruptData:
            self.init(.invalidInput, path: error.path ?? path, detail: error.message)
        case .readFailed, .writeFailed, .overflow:
            self.init(.io, path: error.path ?? path, detail: error.message)
        }
    }

    /// The same error, naming `path` unless it names a file already.
    func naming(_ path: String) -> PEError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }
}

/// Runs `body`, turning BinaryIO errors into PEErrors and naming `path` in every PEError that
/// does not name a file yet.
package func withPEErrors<T>(path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as PEError {
        throw error.naming(path)
    } catch let error as BinaryIOError {
        throw PEError(error, path: path)
    }
}
