import ArgumentParser
import BootEntries
import ToolSupport

struct SetDefault: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-default",
        abstract: "Set systemd-boot's default entry (LoaderEntryDefault): an entry ID or glob; \"\" removes it.")

    @Argument(help: ArgumentHelp("Entry ID or glob, e.g. 'os-a*' (IDs include the boot counter).", valueName: "ID"))
    var id: String
    @OptionGroup var store: VariableStoreOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            try store.changing { try LoaderVariables.set("LoaderEntryDefault", to: id, in: &$0.store) }
        }
    }
}

struct SetOneShot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-oneshot",
        abstract: "Boot a systemd-boot entry once (LoaderEntryOneShot): an entry ID or glob; \"\" removes it.")

    @Argument(help: ArgumentHelp("Entry ID or glob, e.g. 'os-b*'.", valueName: "ID")) var id: String
    @OptionGroup var store: VariableStoreOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            try store.changing { try LoaderVariables.set("LoaderEntryOneShot", to: id, in: &$0.store) }
        }
    }
}
