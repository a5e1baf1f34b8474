import ArgumentParser
import BootEntries
import EFIVariables
import JSON
import SystemPackage
import ToolSupport

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show BootCurrent, BootNext, Timeout, BootOrder and every Boot#### entry.", aliases: ["status"])

    @Option(
        help: ArgumentHelp(
            "Also list the Boot Loader Specification entries on this ESP, with boot counters.", valueName: "PATH"))
    var esp: String?
    @OptionGroup var store: VariableStoreOptions
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            let opened = try store.open()
            let configuration = try BootConfiguration(store: opened)
            let loader = try LoaderVariables(store: opened)
            let partition = esp.map { ESP(root: FilePath($0)) }
            let entries = try partition?.entries() ?? []
            var assessment: BootAssessment?
            if let partition {
                do {
                    assessment = try BootAssessment.of(loader["LoaderBootCountPath"], on: partition)
                } catch {
                    printDiagnostic("bootctl: this boot's assessment is unknown: \(error)")
                }
            }
            if output.effective == .off {
                print(BootRendering.text(configuration), terminator: "")
                print(
                    BootRendering.text(loader, esp: partition, entries: entries, assessment: assessment), terminator: ""
                )
            } else {
                let all = JSONValue.object(
                    BootRendering.json(configuration)
                        + BootRendering.json(loader, esp: partition, entries: entries, assessment: assessment))
                print(all.rendered(output.effective, dialect: .systemd))
            }
        }
    }
}
