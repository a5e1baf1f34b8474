import ArgumentParser

@main
struct Sbat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sbat",
        abstract: "Read SBAT metadata and decide, as shim does, whether binaries are revoked by an SbatLevel.",
        discussion: """
            Exit status: 0 when everything checked is allowed (or clean, for lint); 1 when something is revoked \
            (or lint found a problem, or esp-check finds the level would leave nothing bootable); 64 for a wrong \
            command line; 65 when an input is malformed (no .sbat, a level that is not a level, .sbat shim \
            rejects); 66 when an input cannot be opened; 74 when reading fails.
            """,
        version: "0.1.0",
        subcommands: [Show.self, Check.self, Lint.self, Level.self, ESPCheck.self]
    )

    static func main() { mainReadingArguments() }
}
