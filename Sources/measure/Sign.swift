import ArgumentParser
import BinaryIO
import JSON
import PCRCLI
import SystemPackage
import TPMPolicy
import ToolSupport

struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign the PCR 11 policies of the predicted values and print them as a .pcrsig JSON document.",
        discussion: """
            Needs no TPM (but --current reads one): the PolicyPCR digests are computed in software. Every bank is \
            signed with SHA-256 (RSASSA-PKCS1-v1_5 or ECDSA), the only hash systemd's unlock path verifies. The \
            output is JSON whatever --json= says, as systemd-measure's: without --json= pretty on a terminal and \
            short otherwise; --json=off gives short JSON without the final newline.
            """)

    @OptionGroup var sections: MeasureSectionOptions
    @OptionGroup var selection: PCRSelectionOptions
    @OptionGroup var key: PCRKeyOptions
    @Option(
        name: .customLong("append"),
        help: ArgumentHelp(
            "A .pcrsig document to add the new signatures to (printed, not modified; its other keys are kept).",
            valueName: "PATH"))
    var append: FilePath?
    @OptionGroup var output: JSONOptions
    @OptionGroup var pager: PagerOptions

    func validate() throws {
        guard key.privateKey != nil else { throw ValidationError("--private-key= is required") }
    }

    func run() throws {
        try reportingErrors(tool: "measure") {
            var document = try append.map { path in
                try PCRSignatureDocument(
                    parsing: try ReadableFile.readAll(path: path, limit: 16 << 20), origin: path.string)
            }
            let signer = try key.makeSigner()
            var signatures = PCRSignatures()
            for prediction in try sections.predictions(banks: selection.resolvedBanks).predictions {
                for value in try prediction.values(phases: selection.resolvedPhases) {
                    signatures.append(try signer.sign(try PCRPolicy(value, policyRef: key.policyRef)), bank: value.bank)
                }
            }
            try document?.add(signatures)
            let style = output.requested ?? JSONOptions.terminalStyle
            print(PCRRendering.signatureText(document?.json ?? signatures.json, style: style), terminator: "")
        }
    }
}
