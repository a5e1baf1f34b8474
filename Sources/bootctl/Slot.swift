import ArgumentParser
import BootEntries
import BootctlCLI
import EFIVariables
import JSON
import SystemPackage
import ToolSupport

struct Slot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A/B slots for UKIs the firmware boots directly: EFI/Linux/NAME-a.efi and NAME-b.efi.",
        discussion: """
            'install' writes a UKI to the slot that is not booted and arms it for one trial boot (BootNext); the \
            firmware deletes BootNext before starting it, so a failed trial falls back to the known-good slot at \
            the head of BootOrder. After a good boot, 'mark-good' moves the slot to the head of BootOrder; \
            'mark-bad' rolls it back. The booted slot (BootCurrent) is never written.
            """,
        subcommands: [SlotStatus.self, SlotInstall.self, SlotMarkGood.self, SlotMarkBad.self],
        defaultSubcommand: SlotStatus.self)
}

struct SlotOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The slots' file name stem on the ESP.", valueName: "NAME")) var name = "os"
    @Option(
        help: ArgumentHelp("The entries' description prefix (default: NAME); 'A'/'B' is appended.", valueName: "LABEL"))
    var label: String?
    @OptionGroup var partition: ESPPartitionOptions
    @Option(
        help: ArgumentHelp("Slot B's ESP when each slot has its own (default: slot A's, --esp).", valueName: "PATH"))
    var espB: FilePath?
    @Option(help: ArgumentHelp("Slot B's partition number (on --disk-b, else --disk).", valueName: "N"))
    var partB: UInt32?
    @Option(help: ArgumentHelp("The disk image holding slot B's partition.", valueName: "FILE")) var diskB: FilePath?
    @OptionGroup var store: VariableStoreOptions

    func validate() throws {
        if diskB != nil && partB == nil { throw ValidationError("--disk-b needs --part-b") }
        if partB != nil && diskB == nil && partition.disk == nil {
            throw ValidationError("--part-b needs --disk or --disk-b")
        }
    }

    func slots() throws -> ABSlots {
        let a = ABSlots.Location(esp: try partition.location.root(), partition: try partition.partition())
        var b = a
        if espB != nil || partB != nil {
            let esp = try espB.map { try partition.location.esp(at: $0) } ?? a.esp
            let disk = diskB ?? partition.disk
            let gpt =
                if let partB, let disk { try GPTPartition.read(disk: disk, number: partB) } else {
                    try partition.partition(of: esp)
                }
            b = ABSlots.Location(esp: esp, partition: gpt)
        }
        return ABSlots(a: a, b: b, name: name, label: label ?? name)
    }
}

extension ABSlots.Slot: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

struct SlotStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each slot's UKI, entry, BootOrder place, and which is primary, booted, on trial.")

    @OptionGroup var options: SlotOptions
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            let slots = try options.slots()
            let status = slots.status(try BootConfiguration(store: try options.store.open()))
            if output.effective == .off {
                print(BootRendering.slotText(status, slots), terminator: "")
            } else {
                print(BootRendering.slotJSON(status, slots).rendered(output.effective, dialect: .systemd))
            }
        }
    }
}

struct SlotInstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Write a UKI to the inactive slot, arm it as BootNext and print the slot's entry (Boot####).")

    @Argument(help: ArgumentHelp("The UKI.", valueName: "UKI")) var uki: FilePath
    @OptionGroup var options: SlotOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            let slots = try options.slots()
            let installation = try options.store.changing { try slots.install(uki, manager: &$0) }
            printDiagnostic(
                "bootctl: installed \(slots.file(installation.slot)) (slot \(installation.slot.letter)); "
                    + "it boots once at the next start (BootNext) until 'bootctl slot mark-good'")
            print(BootConfiguration.variableName(installation.entry))
        }
    }
}

struct SlotVerdict: ParsableArguments {
    @Option(help: ArgumentHelp("The slot (a or b); default: the booted one (BootCurrent).", valueName: "SLOT"))
    var slot: ABSlots.Slot?
    @Flag(
        help:
            "Do nothing when no slot is booted (BootCurrent is another entry), as after boot-complete.target on any machine."
    )
    var ifBooted = false
    @OptionGroup var options: SlotOptions

    /// Applies the verdict to the slot and prints its letter.
    func record(good: Bool) throws {
        try reportingErrors(tool: "bootctl") {
            let slots = try options.slots()
            if ifBooted, slot == nil, slots.status(try BootConfiguration(store: try options.store.open())).booted == nil
            {
                printDiagnostic("bootctl: no slot is booted (BootCurrent is another entry); nothing to do")
                return
            }
            let marked = try options.store.changing { manager in
                good ? try slots.markGood(slot, manager: &manager) : try slots.markBad(slot, manager: &manager)
            }
            print(marked.rawValue)
        }
    }
}

struct SlotMarkGood: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark-good", abstract: "Promote the booted slot to the head of BootOrder after a good boot.")

    @OptionGroup var verdict: SlotVerdict

    func run() throws { try verdict.record(good: true) }
}

struct SlotMarkBad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark-bad", abstract: "Roll a slot back: out of BootOrder and BootNext, the other slot first.")

    @OptionGroup var verdict: SlotVerdict

    func run() throws { try verdict.record(good: false) }
}
