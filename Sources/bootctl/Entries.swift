import ArgumentParser
import EFIVariables
import ToolSupport

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove an entry (from BootOrder and BootNext first). The entry booted now is refused.",
        discussion: """
            Unlike systemd's `bootctl remove`, which removes systemd-boot from the ESP, this removes one \
            firmware boot entry (Boot####).
            """)

    @Argument(help: ArgumentHelp("Boot0003 or 0003.", valueName: "ENTRY")) var entry: BootEntryArgument
    @OptionGroup var store: VariableStoreOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") { try store.changing { try $0.remove(entry.number) } }
    }
}

struct Order: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Set BootOrder; every entry must exist.")

    @Argument(help: ArgumentHelp("Entries in boot order.", valueName: "ENTRY")) var entries: [BootEntryArgument]
    @OptionGroup var store: VariableStoreOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") { try store.changing { try $0.setOrder(entries.map(\.number)) } }
    }
}

struct Next: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Boot an entry once at the next start (BootNext); --clear removes BootNext.")

    @Argument(help: ArgumentHelp("Boot0003 or 0003.", valueName: "ENTRY")) var entry: BootEntryArgument?
    @Flag(help: "Remove BootNext.") var clear = false
    @OptionGroup var store: VariableStoreOptions

    func validate() throws {
        guard (entry == nil) == clear else { throw ValidationError("give an entry or --clear") }
    }

    func run() throws {
        try reportingErrors(tool: "bootctl") { try store.changing { try $0.setNext(entry?.number) } }
    }
}

struct Timeout: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Set the firmware boot menu timeout.")

    @Argument(help: ArgumentHelp("Seconds (0-65535).", valueName: "SECONDS")) var seconds: UInt16
    @OptionGroup var store: VariableStoreOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") { try store.changing { try $0.setTimeout(seconds) } }
    }
}
