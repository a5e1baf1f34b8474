import ArgumentParser
import JSON

extension JSONStyle: ExpressibleByArgument {}

/// `--json=pretty|short|off` and `-j` (= pretty), as systemd's tools spell them.
public struct JSONOptions: ParsableArguments {
    @Option(name: .customLong("json"), help: "Output JSON: pretty, short or off.")
    public var style: JSONStyle = .off

    @Flag(name: .customShort("j"), help: "Same as --json=pretty.")
    public var pretty = false

    public init() {}

    /// The effective style.
    public var effective: JSONStyle { pretty ? .pretty : style }
}
