import ArgumentParser
import BinaryIO
import JSON
import PCRCLI
import TPMPolicy
import ToolSupport

struct PolicyDigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy-digest",
        abstract: "Print the PCR 11 policy digests to sign elsewhere (offline or HSM signing), without signing.",
        discussion: """
            Each entry carries "pol" (the PolicyPCR digest) and "tbs", the exact bytes to sign with SHA-256 \
            (pol, followed by SHA256 of the --policyref name when one is given); with --public-key or \
            --certificate also the key fingerprint "pkfp". Put the signatures into a .pcrsig document as "sig" \
            (base64) and embed it with ukify build --pcrsig=@FILE.
            """)

    @OptionGroup var sections: MeasureSectionOptions
    @OptionGroup var selection: PCRSelectionOptions
    @OptionGroup var key: PCRKeyOptions
    @OptionGroup var output: JSONOptions
    @OptionGroup var pager: PagerOptions

    func validate() throws {
        guard key.privateKey == nil else { throw ValidationError("policy-digest does not sign; drop --private-key") }
    }

    func run() throws {
        try reportingErrors(tool: "measure") {
            let fingerprint = try key.loadPublicKey().map { try TPMPublicKey($0).fingerprint }
            let banks = selection.resolvedBanks
            let predictions = try sections.predictions(banks: banks).predictions
            let policies = try predictions.flatMap { try $0.values(phases: selection.resolvedPhases) }.map {
                try PCRPolicy($0, policyRef: key.policyRef)
            }
            let json = try PCRRendering.policyDigests(policies, banks: banks, keyFingerprint: fingerprint)
            print(PCRRendering.systemdText(json, style: output.effective), terminator: "")
        }
    }
}
