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
            Needs no TPM: the PolicyPCR digests are computed in software. Every bank is signed with SHA-256 \
            (RSASSA-PKCS1-v1_5 or ECDSA), the only hash systemd's unlock path verifies.
            """)

    @OptionGroup var sections: MeasureSectionOptions
    @OptionGroup var selection: PCRSelectionOptions
    @OptionGroup var key: PCRKeyOptions
    @Option(
        name: .customLong("append"),
        help: ArgumentHelp(
            "A .pcrsig document to add the new signatures to (printed, not modified).", valueName: "PATH"))
    var append: FilePath?
    @OptionGroup var output: JSONOptions

    func validate() throws {
        guard key.privateKey != nil else { throw ValidationError("--private-key= is required") }
    }

    func run() throws {
        try reportingErrors(tool: "measure") {
            var signatures =
                try append.map { path in
                    try PCRSignatures(
                        parsing: try ReadableFile.readAll(path: path, limit: 16 << 20), origin: path.string)
                } ?? PCRSignatures()
            let signer = try key.makeSigner()
            let (sections, rules) = try sections.measurement()
            let prediction = try PCR11Prediction(sections: sections, banks: selection.resolvedBanks, rules: rules)
            for value in try prediction.values(phases: selection.resolvedPhases) {
                signatures.append(try signer.sign(try PCRPolicy(value, policyRef: key.policyRef)), bank: value.bank)
            }
            print(PCRRendering.systemdText(signatures.json, style: output.effective), terminator: "")
        }
    }
}
