import ArgumentParser
import EFIVariables
import JSON
import ToolSupport

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show BootCurrent, BootNext, Timeout, BootOrder and every Boot#### entry.", aliases: ["status"])

    @OptionGroup var store: VariableStoreOptions
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            let configuration = try BootConfiguration(store: try store.open())
            if output.effective == .off {
                print(BootRendering.text(configuration), terminator: "")
            } else {
                print(BootRendering.json(configuration).rendered(output.effective, dialect: .systemd))
            }
        }
    }
}
