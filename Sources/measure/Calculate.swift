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
            (its release is read from .sdmagic; --stub-version overrides), and the rules used are printed on stderr; \
            a profile with several .dtbauto (or .efifw) sections gives one prediction per candidate the stub may \
            pick, as ukify signs them (in JSON, one entry per candidate and phase). With --current, the phases are \
            extended on top of the TPM's current PCR 11.
            """)

    @OptionGroup var sections: MeasureSectionOptions
    @OptionGroup var selection: PCRSelectionOptions
    @OptionGroup var output: JSONOptions
    @OptionGroup var pager: PagerOptions

    func run() throws {
        try reportingErrors(tool: "measure") {
            let banks = selection.resolvedBanks
            let phases = selection.resolvedPhases
            let (predictions, rules) = try sections.predictions(banks: banks)
            if let rules { printDiagnostic("measure: \(rules.summary)") }
            let candidates = try predictions.map { try $0.values(phases: phases) }
            if let style = output.requested, style != .off {
                let json = PCRRendering.json(candidates.flatMap { $0 }, banks: banks, withPhases: true)
                print(PCRRendering.systemdText(json, style: style), terminator: "")
                return
            }
            for (index, values) in candidates.enumerated() {
                if candidates.count > 1 { printDiagnostic(PCRRendering.candidateHeader(index, of: candidates.count)) }
                for phase in phases {
                    printDiagnostic(PCRRendering.phaseHeader(phase))
                    print(PCRRendering.lines(values.filter { $0.phase == phase }), terminator: "")
                }
            }
        }
    }
}
