import ArgumentParser
import BinaryIO
import BootCrypto
import BootEntries
import EFIVariables
import PEKit
import SBATKit
import SystemPackage
import TPMPolicy

/// A usage or input problem found by a command itself (not by a library).
public struct ToolError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public var exitCode: Int32

    public init(_ message: String, exitCode: Int32 = ExitStatus.usage) {
        description = message
        self.exitCode = exitCode
    }
}

/// The exit codes of all tools (documented in their man pages). They follow sysexits.h.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// A negative answer: revoked, verification failed.
    public static let negative: Int32 = 1
    /// Wrong use of the command line (ArgumentParser uses the same code).
    public static let usage: Int32 = 64
    /// An input is malformed: not a PE, truncated, lying headers, duplicate sections, ...
    public static let dataError: Int32 = 65
    /// An input file cannot be opened.
    public static let noInput: Int32 = 66
    /// A service (the TPM) cannot be reached or failed.
    public static let unavailable: Int32 = 69
    /// Reading or writing failed, or the output cannot be created.
    public static let ioError: Int32 = 74
}

/// Prints a library error as one line on stderr (`tool: message`) and exits with its code.
public func reportingErrors(tool: String, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        let (message, code) = describe(error)
        printDiagnostic("\(tool): \(message)")
        throw ExitCode(code)
    }
}

/// Writes one line to stderr.
public func printDiagnostic(_ line: String) {
    _ = try? FileDescriptor.standardError.writeAll(Array((line + "\n").utf8))
}

func describe(_ error: any Error) -> (String, Int32) {
    switch error {
    case let error as PEError:
        switch error.code {
        case .cannotOpen: (error.description, ExitStatus.noInput)
        case .io: (error.description, ExitStatus.ioError)
        default: (error.description, ExitStatus.dataError)
        }
    case let error as BinaryIOError:
        (error.description, error.code == .cannotOpen ? ExitStatus.noInput : ExitStatus.ioError)
    case let error as BootCryptoError:
        (error.description, ExitStatus.dataError)
    case let error as TPMPolicyError:
        switch error.code {
        case .invalidArgument: (error.description, ExitStatus.usage)
        case .malformedInput: (error.description, ExitStatus.dataError)
        case .tpmFailure: (error.description, ExitStatus.unavailable)
        case .policyMismatch: (error.description, ExitStatus.negative)
        }
    case let error as EFIVariableError:
        switch error.code {
        case .notFound: (error.description, ExitStatus.usage)
        case .storeFull: (error.description, ExitStatus.ioError)
        case .malformed, .refused: (error.description, ExitStatus.dataError)
        }
    case let error as BootEntryError:
        switch error.code {
        case .notFound: (error.description, ExitStatus.noInput)
        case .usage: (error.description, ExitStatus.usage)
        case .notCounted, .refused, .invalid: (error.description, ExitStatus.dataError)
        }
    case let error as SBATError:
        switch error.code {
        case .unknownLevel: (error.description, ExitStatus.usage)
        case .missingVariable: (error.description, ExitStatus.noInput)
        default: (error.description, ExitStatus.dataError)
        }
    case let error as ToolError:
        (error.description, error.exitCode)
    default:
        (String(describing: error), ExitStatus.dataError)
    }
}

extension ParsableCommand {
    /// Parses this process's arguments and runs the command, as `main()` does, but refuses to
    /// run when the arguments could not be read at all: the Swift runtime reads them from
    /// /proc/self/cmdline on Linux, and without /proc (a chroot, an early initramfs) it would
    /// otherwise run the default subcommand with no arguments instead of what was asked.
    /// `rewrite` adjusts the arguments (after the program name) before parsing.
    public static func mainReadingArguments(_ rewrite: ([String]) -> [String] = { $0 }) {
        guard !CommandLine.arguments.isEmpty else {
            printDiagnostic(
                "\(configuration.commandName ?? "tool"): cannot read this process's arguments "
                    + "(/proc/self/cmdline): mount /proc (mount -t proc proc /proc) and run again")
            Self.exit(withError: ExitCode(ExitStatus.unavailable))
        }
        main(rewrite(Array(CommandLine.arguments.dropFirst())))
    }
}
