import ArgumentParser
import UkifyCLI

@main
struct Ukify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ukify",
        abstract: "Build and inspect Unified Kernel Images.",
        discussion: """
            Exit status: 0 on success; 1 when `verify` finds no valid signature; 64 for a wrong command line; 65 when an input is malformed \
            (not a PE, truncated, signed stub, duplicate section, ...); 66 when an input cannot be opened; \
            74 when reading or writing fails (e.g. the output directory does not exist).
            """,
        version: "0.1.0",
        subcommands: [
            Build.self, Inspect.self, Sign.self, Verify.self, Digest.self, Attach.self, Unsign.self, GenKey.self,
        ],
        defaultSubcommand: Build.self
    )

    static func main() { mainReadingArguments(UKIBuildOptions.normalizingArguments) }
}
