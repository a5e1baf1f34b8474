import ArgumentParser
import BootEntries
import EFIVariables
import SystemPackage
import ToolSupport

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a boot entry for a file on the ESP (HD(GPT)/File() device path) and print its name.")

    @Option(help: ArgumentHelp("The entry's description.", valueName: "LABEL")) var label: String
    @Option(help: ArgumentHelp("The EFI binary on the ESP, e.g. \\EFI\\Linux\\os.efi.", valueName: "PATH"))
    var loader: String
    @Option(
        help: ArgumentHelp(
            "Load options for the binary (UCS-2 without a NUL, as efibootmgr -u writes; a UKI's command line).",
            valueName: "TEXT"))
    var args: String?
    @OptionGroup var placement: EntryPlacement
    @OptionGroup var partition: ESPPartitionOptions
    @OptionGroup var store: VariableStoreOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            let location = try DevicePath(partition: try partition.partition(), loader: loader)
            if partition.disk == nil || partition.location.esp != nil {
                let esp = try partition.location.root()
                guard esp.contains(ESP.relativePath(loader)) else {
                    throw ToolError("\(loader): no such file on the ESP \(esp.root)", category: .noInput)
                }
            }
            let option = try LoadOption(
                attributes: LoadOption.active, description: label, filePath: location,
                optionalData: args.map { UCS2.encode($0, terminated: false) } ?? [])
            let number = try store.changing { try $0.add(option, position: placement.position) }
            print(BootConfiguration.variableName(number))
        }
    }
}
