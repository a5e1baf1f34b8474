import ArgumentParser
import EFIVariables
import ToolSupport

struct AddURI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-uri",
        abstract: "Add an HTTP boot entry (a URI device path, as EDK2 expands it) and print its name.")

    @Option(help: ArgumentHelp("The entry's description.", valueName: "LABEL")) var label: String
    @Option(help: ArgumentHelp("The EFI binary to boot, http:// or https://.", valueName: "URI")) var uri: String
    @OptionGroup var placement: EntryPlacement
    @OptionGroup var store: VariableStoreOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            let option = try LoadOption(
                attributes: LoadOption.active, description: label, filePath: try DevicePath(httpBootURI: uri))
            let number = try store.changing { manager in
                try manager.add(option, position: placement.position)
            }
            print(BootConfiguration.variableName(number))
        }
    }
}
