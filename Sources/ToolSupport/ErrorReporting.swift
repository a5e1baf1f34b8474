import ArgumentParser
import BinaryIO
import SystemPackage

/// A usage or input problem found by a command itself (not by a library), in the categories
/// library errors use.
public struct ToolError: CategorizedError, Sendable {
    public var description: String
    public var category: ErrorCategory

    public init(_ message: String, category: ErrorCategory = .usage) {
        description = message
        self.category = category
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

    /// The exit code of a library error's category.
    public static func code(of category: ErrorCategory) -> Int32 {
        switch category {
        case .negative: negative
        case .usage: usage
        case .dataError: dataError
        case .noInput: noInput
        case .unavailable: unavailable
        case .ioError: ioError
        }
    }
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

/// The one-line message of `error` and the exit code of its category, whichever library (or
/// command) threw it.
func describe(_ error: any Error) -> (String, Int32) {
    switch error {
    case let error as any CategorizedError: (error.description, ExitStatus.code(of: error.category))
    default: (String(describing: error), ExitStatus.dataError)
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

extension ExitStatus {
    /// The last sentence of a tool's `--help` text: "Exit status: 0 on success; 1 when ...; 64 ...".
    /// scripts/update-man.sh makes the man page's EXIT STATUS table from this sentence, so the two
    /// never disagree; keep codes free of ";" and the sentence last.
    public static func summary(_ meanings: KeyValuePairs<Int32, String>) -> String {
        "Exit status: " + meanings.map { "\($0.key) \($0.value)" }.joined(separator: "; ") + "."
    }

    /// What every tool exits 69 for, whatever else it does: the Swift runtime reads the arguments from
    /// /proc/self/cmdline (``ParsableCommand/mainReadingArguments(_:)``).
    public static let procMissing = "/proc is not mounted, so the arguments cannot be read"
}
