import ArgumentParser
import ToolSupport

@main
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Predict and sign the TPM2 PCR 11 values of Unified Kernel Images (systemd-measure compatible).",
        discussion: """
            Exit status: 0 on success; 1 when a TPM refuses a policy; 64 for a wrong command line (unknown bank or \
            phase word, ...); 65 when an input is malformed (not a UKI, not a .pcrsig document, mismatched keys); \
            66 when an input cannot be opened; 69 when the TPM cannot be reached; 74 when reading fails.
            """,
        version: "0.1.0",
        subcommands: [Status.self, Calculate.self, Sign.self, PolicyDigestCommand.self],
        defaultSubcommand: Status.self
    )

    static func main() { mainReadingArguments(PCRSelectionOptions.normalizingEmptyPhase) }
}
