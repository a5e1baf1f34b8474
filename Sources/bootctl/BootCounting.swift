import ArgumentParser
import BootEntries
import EFIVariables
import SystemPackage
import ToolSupport

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Install a UKI as EFI/Linux/NAME.efi, with --tries as NAME+TRIES-0.efi (boot counting), and print its path.",
        discussion: """
            The copy is written to a temporary file in EFI/Linux, fsynced and renamed into place. Earlier copies \
            of NAME (any counter) are removed afterwards; replacing the entry this system booted is refused. \
            Unlike systemd's `bootctl install`, which installs systemd-boot itself, this installs a UKI.
            """)

    @Argument(help: ArgumentHelp("The UKI to install.", valueName: "UKI")) var uki: FilePath
    @Option(
        help: ArgumentHelp("The entry's file name without counter and .efi (default: the UKI's).", valueName: "NAME"))
    var name: String?
    @Option(
        help: ArgumentHelp("Boot attempts before the entry counts as bad (systemd-boot boot counting).", valueName: "N")
    )
    var tries: Int?
    @OptionGroup var location: ESPLocation
    @OptionGroup var variables: ESPVariableOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            var stem = uki.lastComponent?.string ?? uki.string
            if stem.lowercased().hasSuffix(".efi") { stem = String(stem.dropLast(4)) }
            let booted = try variables.loaderVariables().flatMap(ESPEntry.bootedBaseName)
            let esp = try location.root()
            let result = try esp.locked { try esp.installUKI(uki, name: name ?? stem, tries: tries, booted: booted) }
            for removed in result.removed { printDiagnostic("bootctl: removed the earlier \(removed)") }
            print(result.path)
        }
    }
}

/// `mark-good` and `mark-bad`: systemd-bless-boot's renames of the counted entry that booted.
struct BlessOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "The counted entry, as LoaderBootCountPath names it (\\EFI\\Linux\\os+2-1.efi) or a file in EFI/Linux (default: this boot's LoaderBootCountPath).",
            valueName: "ENTRY"))
    var entry: String?
    @OptionGroup var location: ESPLocation
    @OptionGroup var variables: ESPVariableOptions

    func mark(good: Bool) throws {
        try reportingErrors(tool: "bootctl") {
            var path = entry
            if path == nil {
                guard let loader = try variables.loaderVariables() else {
                    throw ToolError("without EFI variables there is no LoaderBootCountPath: name the ENTRY")
                }
                path = loader["LoaderBootCountPath"]
            }
            guard var path else {
                printDiagnostic("bootctl: this boot was not counted (no LoaderBootCountPath); nothing to do")
                return
            }
            if !path.contains("\\") && !path.contains("/") { path = "\\EFI\\Linux\\" + path }
            let esp = try location.root()
            if let rename = try esp.locked({ try BootAssessment.mark(path, good: good, on: esp) }) {
                print(rename.to)
            } else {
                printDiagnostic("bootctl: \(path) is already marked \(good ? "good" : "bad")")
            }
        }
    }
}

struct MarkGood: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark-good",
        abstract:
            "Mark the counted entry that booted good: drop its counter (systemd-bless-boot good); print the new path.")

    @OptionGroup var options: BlessOptions

    func run() throws { try options.mark(good: true) }
}

struct MarkBad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mark-bad",
        abstract: "Mark the counted entry that booted bad: no tries left, sorted last (systemd-bless-boot bad).")

    @OptionGroup var options: BlessOptions

    func run() throws { try options.mark(good: false) }
}

struct Cleanup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove bad UKIs and all but the first N in EFI/Linux (systemd-boot's order), never the booted one.",
        discussion: """
            Prints each removed path (with --dry-run, each path it would remove, removing nothing). Unlike \
            systemd's `bootctl cleanup`, which removes only files no boot loader entry references, this \
            removes whole entries: --keep is required.
            """)

    @Option(help: ArgumentHelp("Entries to keep, the booted one included.", valueName: "N")) var keep: Int
    @Flag(help: "List what would be removed, and remove nothing.") var dryRun = false
    @OptionGroup var location: ESPLocation
    @OptionGroup var variables: ESPVariableOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            let store = try variables.optionalStore()
            let booted = try store.map { try LoaderVariables(store: $0) }.flatMap(ESPEntry.bootedBaseName)
            let referenced = try store.map { try BootConfiguration(store: $0) }?.entries.compactMap(\.option)
                .flatMap(\.filePath.filePaths)
            let esp = try location.root()
            let paths = try esp.locked {
                dryRun
                    ? try esp.cleanupCandidates(keep: keep, booted: booted, referenced: referenced ?? [])
                    : try esp.cleanup(keep: keep, booted: booted, referenced: referenced ?? [])
            }
            for path in paths { print(path) }
        }
    }
}
