import ArgumentParser
import JSON
import SBATKit
import SystemPackage
import ToolSupport

struct ESPCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esp-check",
        abstract: "Judge every EFI binary on an ESP under a level, and warn when nothing would boot.",
        discussion: """
            Lists each *.efi file with its verdict. Exit status 1 when applying the level would leave no \
            binary that shim loads (a machine that boots nothing); 0 otherwise, also when some are revoked.
            """)

    @Option(help: ArgumentHelp("The mounted ESP.", valueName: "PATH")) var esp: FilePath
    @OptionGroup var levelOptions: SBATLevelOptions
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "sbat") {
            let (level, name) = try levelOptions.resolve()
            let check = try SBATKit.ESPCheck(esp: esp, level: level)
            if output.effective == .off {
                print(SBATRendering.espText(check, level: name), terminator: "")
            } else {
                print(SBATRendering.espJSON(check, level: name).rendered(output.effective, dialect: .systemd))
            }
            if !check.somethingBoots {
                printDiagnostic(
                    "sbat: warning: under \(name) no EFI binary on \(esp) would load: the machine would boot nothing")
                throw ExitCode(ExitStatus.negative)
            }
        }
    }
}
