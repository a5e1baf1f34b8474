import ArgumentParser
import Glibc
import JSON

/// A `--json=` value: a style, or `help`, which lists the styles (as systemd's tools do).
public enum JSONArgument: String, CaseIterable, ExpressibleByArgument, Sendable {
    case pretty, short, off, help
}

/// `--json=pretty|short|off|help` and `-j`, as systemd's tools take them.
public struct JSONOptions: ParsableArguments {
    @Option(name: .customLong("json"), help: "Output JSON: pretty, short or off (help lists them).")
    var argument: JSONArgument?

    @Flag(name: .customShort("j"), help: "Same as --json=pretty on a terminal, --json=short otherwise.")
    var automatic = false

    public init() {}

    public func validate() throws {
        if argument == .help {
            throw CleanExit.message(JSONStyle.allCases.map(\.rawValue).joined(separator: "\n"))
        }
    }

    /// The style asked for; nil when neither `--json=` nor `-j` was given.
    public var requested: JSONStyle? {
        if automatic { return Self.terminalStyle }
        return argument.flatMap { JSONStyle(rawValue: $0.rawValue) }
    }

    /// systemd's automatic style (`-j`): pretty when standard output is a terminal, short otherwise.
    public static var terminalStyle: JSONStyle { isatty(STDOUT_FILENO) == 1 ? .pretty : .short }

    /// The style asked for, `off` when none was.
    public var effective: JSONStyle { requested ?? .off }
}
