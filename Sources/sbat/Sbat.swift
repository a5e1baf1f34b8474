import ArgumentParser
import ToolSupport

@main
struct Sbat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbat",
        abstract: "Read SBAT metadata and decide, as shim does, whether binaries are revoked by an SbatLevel.",
        discussion: ExitStatus.summary([
            ExitStatus.success: "when everything checked is allowed (or clean, for lint)",
            ExitStatus.negative:
                "when something is revoked (or lint found a problem, or esp-check finds the level would leave nothing bootable)",
            ExitStatus.usage: "for a wrong command line",
            ExitStatus.dataError:
                "when an input is malformed (no .sbat, a level that is not a level, .sbat shim rejects)",
            ExitStatus.noInput: "when an input cannot be opened (or --live finds no SbatLevelRT)",
            ExitStatus.unavailable: ExitStatus.procMissing,
            ExitStatus.ioError: "when reading fails",
        ]),
        version: "0.1.0",
        subcommands: [Show.self, Check.self, Lint.self, Level.self, ESPCheck.self]
    )

    static func main() { mainReadingArguments() }
}
