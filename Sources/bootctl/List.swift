import ArgumentParser
import BootEntries
import BootctlCLI
import EFIVariables
import JSON
import SystemPackage
import ToolSupport

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show BootCurrent, BootNext, Timeout, BootOrder and every Boot#### entry.",
        discussion: """
            With an ESP (found or --esp), also its entries in systemd-boot's order and this boot's assessment. \
            Unlike systemd's `bootctl list` (boot loader entries only) and `bootctl status` (firmware, boot \
            loader and ESP state), both names show the firmware's entries first.
            """,
        aliases: ["status"])

    @OptionGroup var location: ESPLocation
    @OptionGroup var variables: ESPVariableOptions
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "bootctl") {
            let store = try variables.optionalStore()
            let esp = try location.optionalRoot()
            guard store != nil || esp != nil else { throw ToolError("--no-variables needs an ESP (--esp PATH)") }
            let configuration = try store.map { try BootConfiguration(store: $0) }
            let loader = try store.map { try LoaderVariables(store: $0) } ?? .absent
            let entries = try esp?.entries() ?? []
            var assessment: BootAssessment?
            if let esp, store != nil {
                do {
                    assessment = try BootAssessment.of(loader["LoaderBootCountPath"], on: esp)
                } catch {
                    printDiagnostic("bootctl: this boot's assessment is unknown: \(error)")
                }
            }
            if output.effective == .off {
                print(configuration.map(BootRendering.text) ?? "", terminator: "")
                print(BootRendering.text(loader, esp: esp, entries: entries, assessment: assessment), terminator: "")
            } else {
                let all = JSONValue.object(
                    (configuration.map(BootRendering.json) ?? [])
                        + BootRendering.json(loader, esp: esp, entries: entries, assessment: assessment))
                print(all.rendered(output.effective, dialect: .systemd))
            }
        }
    }
}
