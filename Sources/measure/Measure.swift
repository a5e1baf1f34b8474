import ArgumentParser
import Glibc
import ToolSupport

@main
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Predict and sign the TPM2 PCR 11 values of Unified Kernel Images (systemd-measure compatible).",
        discussion: """
            Differences from systemd-measure 257: --dtbauto= and --hwids= measure their file as that section,             as systemd-stub does; systemd-measure 257 measures the --dtbauto= file as .hwids and the --hwids= file             as .dtbauto (fixed in 258), so its values for those options differ. --current reads PCR 11 from the TPM             of --tpm2-device= (systemd-measure reads /sys/class/tpm/tpm0). --bank= takes every name OpenSSL knows             for sha1, sha256, sha384 and sha512; digests that are no TPM bank (md5, sha3-256), which             systemd-measure 257 calculates with, are refused. sign signs every bank with SHA-256 (systemd-measure             257 signs with the bank's own hash). Output is never paged (--no-pager is accepted).
            """ + "\n\n"
                + ExitStatus.summary([
                    ExitStatus.success: "on success",
                    ExitStatus.negative: "when a TPM refuses a policy",
                    ExitStatus.usage: "for a wrong command line (unknown bank or phase word, ...)",
                    ExitStatus.dataError:
                        "when an input is malformed (not a UKI, not a .pcrsig document, mismatched keys)",
                    ExitStatus.noInput: "when an input cannot be opened",
                    ExitStatus.unavailable: "when the TPM cannot be reached, or " + ExitStatus.procMissing,
                    ExitStatus.ioError: "when reading fails",
                ]),
        version: "0.1.0",
        subcommands: [Status.self, Calculate.self, Sign.self, PolicyDigestCommand.self],
        defaultSubcommand: Status.self
    )

    static func main() {
        // tss2 3.x logs its own warnings and errors to stderr, and has no API to turn that off: only
        // the environment variable TSS2_LOG, which each tss2 library reads at its first log line.
        // `status` reports every TPM failure as one error message, so tss2's lines are silenced here,
        // before any thread or TPM connection exists, unless the user set TSS2_LOG to debug tss2.
        setenv("TSS2_LOG", "all+NONE", 0)
        mainReadingArguments(PCRSelectionOptions.normalizingEmptyPhase)
    }
}
