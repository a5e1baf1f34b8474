import ArgumentParser
import JSON
import SBATKit
import ToolSupport

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the .sbat entries of PE files; for a UKI also those of the kernel inside it.")

    @Argument(help: ArgumentHelp("PE files (UKIs, shim, GRUB, systemd-boot, kernels).", valueName: "FILE"))
    var files: [String]
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "sbat") {
            let images = try files.map { try SBATImage.load($0) }
            if output.effective == .off {
                print(images.map(SBATRendering.text).joined(), terminator: "")
            } else {
                print(JSONValue.array(images.map(SBATRendering.json)).rendered(output.effective, dialect: .systemd))
            }
        }
    }
}
