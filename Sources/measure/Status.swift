import ArgumentParser
import BootCrypto
import JSON
import PCRCLI
import TPMDevice
import TPMPolicy
import ToolSupport

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the current PCR 11 values of a TPM, in the format of calculate.",
        discussion: "Banks the TPM has not allocated are left out.")

    @OptionGroup var tpm: TPMDeviceOptions
    @Option(
        name: .customLong("bank"),
        help: ArgumentHelp("PCR bank; repeatable (default: all four).", valueName: "DIGEST"))
    var banks: [DigestAlgorithm] = []
    @OptionGroup var output: JSONOptions
    @OptionGroup var pager: PagerOptions

    func run() throws {
        try reportingErrors(tool: "measure") {
            let requested = PCRSelectionOptions.resolvedBanks(banks)
            let tpm = try TPMDevice(tcti: tpm.tcti)
            let values = try requested.compactMap { bank in
                try tpm.readPCR(PCRPolicy.pcr, bank: bank).map {
                    PCR11Prediction.Value(bank: bank, phase: PhasePath(words: []), value: $0)
                }
            }
            if output.effective == .off {
                print(PCRRendering.lines(values), terminator: "")
            } else {
                let json = PCRRendering.json(values, banks: values.map(\.bank), withPhases: false)
                print(PCRRendering.systemdText(json, style: output.effective), terminator: "")
            }
        }
    }
}
