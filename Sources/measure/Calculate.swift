import ArgumentParser
import JSON
import PCRCLI
import TPMPolicy
import ToolSupport

struct Calculate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the PCR 11 values systemd-stub and the boot phases will produce.",
        discussion: """
            Section files are measured whole (empty files are skipped, as the stub skips empty sections). \
            With --uki, the sections of an existing UKI are measured with the rules of the systemd-stub inside it \
            (its release is read from .sdmagic; --stub-version overrides), and the rules used are printed on stderr.
            """)

    @OptionGroup var sections: MeasureSectionOptions
    @OptionGroup var selection: PCRSelectionOptions
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "measure") {
            let (sections, rules) = try sections.measurement()
            let banks = selection.resolvedBanks
            let phases = selection.resolvedPhases
            if self.sections.uki != nil { printDiagnostic("measure: \(rules.summary)") }
            let prediction = try PCR11Prediction(sections: sections, banks: banks, rules: rules)
            let values = try prediction.values(phases: phases)
            if output.effective == .off {
                for phase in phases {
                    printDiagnostic(PCRRendering.phaseHeader(phase))
                    print(PCRRendering.lines(values.filter { $0.phase == phase }), terminator: "")
                }
            } else {
                let json = PCRRendering.json(values, banks: banks, withPhases: true)
                print(PCRRendering.systemdText(json, style: output.effective), terminator: "")
            }
        }
    }
}
