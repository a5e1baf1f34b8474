import ArgumentParser
import ToolSupport

@main
struct Bootctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootctl",
        abstract: "Manage the firmware's boot entries (Boot####, BootOrder, BootNext, Timeout).",
        discussion: """
            Works on this machine's EFI variables (efivarfs), or with --efivars=DIR on a directory of variable \
            files, or with --varstore=FILE on an OVMF variable store (offline VM provisioning). Changes are \
            ordered so that every intermediate state boots: an entry is written before it is referenced, and \
            references go before the entry. Verbs named like systemd's `bootctl` verbs do other things; \
            their help says how.
            """ + " "
                + ExitStatus.summary([
                    ExitStatus.success: "on success",
                    ExitStatus.usage: "for a wrong command line or an entry that does not exist",
                    ExitStatus.dataError: "for a malformed store or a refused change (it would leave nothing to boot)",
                    ExitStatus.noInput: "when an input cannot be opened",
                    ExitStatus.unavailable: "when efivarfs is missing (see --efivars, --no-variables), or "
                        + ExitStatus.procMissing,
                    ExitStatus.ioError: "when writing fails or the store is full",
                ]),
        version: "0.1.0",
        subcommands: [
            List.self, Add.self, AddURI.self, Remove.self, Order.self, Next.self, Timeout.self, SetDefault.self,
            SetOneShot.self, Install.self, MarkGood.self, MarkBad.self, Cleanup.self, Slot.self,
        ],
        defaultSubcommand: List.self
    )

    static func main() { mainReadingArguments() }
}
