import ArgumentParser
import ToolSupport
import UkifyCLI

@main
struct Ukify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ukify",
        abstract: "Build and inspect Unified Kernel Images.",
        discussion: ExitStatus.summary([
            ExitStatus.success: "on success",
            ExitStatus.negative: "when verify finds no valid signature",
            ExitStatus.usage: "for a wrong command line or config file",
            ExitStatus.dataError:
                "when an input is malformed (not a PE, truncated, signed stub, duplicate section, bad key, ...)",
            ExitStatus.noInput: "when an input cannot be opened",
            ExitStatus.unavailable: ExitStatus.procMissing,
            ExitStatus.ioError: "when reading or writing fails (e.g. the output directory does not exist)",
        ]),
        version: "0.1.0",
        subcommands: [
            Build.self, Inspect.self, Sign.self, Verify.self, Digest.self, Attach.self, Unsign.self, GenKey.self,
        ],
        defaultSubcommand: Build.self
    )

    static func main() { mainReadingArguments(UKIBuildOptions.normalizingArguments) }
}
