import ArgumentParser
import BootEntries
import ToolSupport

/// The pattern and store of `set-default` and `set-oneshot`.
struct LoaderEntryPattern: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Entry ID or glob, e.g. 'os-a*' or 'os-a*@debug' (IDs include the boot counter; a UKI's profiles after the first add @ and the profile's ID or number; status --json lists them).",
            valueName: "ID"))
    var id: String
    @OptionGroup var store: VariableStoreOptions

    func set(_ variable: String) throws {
        try reportingErrors(tool: "bootctl") {
            try store.changing { try LoaderVariables.set(variable, to: id, in: &$0.store) }
        }
    }
}

struct SetDefault: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-default",
        abstract: "Set systemd-boot's default entry (LoaderEntryDefault): an entry ID or glob; \"\" removes it.")

    @OptionGroup var pattern: LoaderEntryPattern

    func run() throws { try pattern.set("LoaderEntryDefault") }
}

struct SetOneShot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-oneshot",
        abstract: "Boot a systemd-boot entry once (LoaderEntryOneShot): an entry ID or glob; \"\" removes it.")

    @OptionGroup var pattern: LoaderEntryPattern

    func run() throws { try pattern.set("LoaderEntryOneShot") }
}
