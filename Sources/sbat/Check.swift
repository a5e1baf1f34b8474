import ArgumentParser
import JSON
import SBATKit
import ToolSupport

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decide, as shim does, whether PE files are revoked by an SbatLevel.",
        discussion: "Exit status 0 when every file is allowed, 1 when one is revoked (the reason is printed).")

    @Argument(help: ArgumentHelp("PE files to check.", valueName: "FILE")) var files: [String]
    @OptionGroup var levelOptions: SBATLevelOptions
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "sbat") {
            let (level, name) = try levelOptions.resolve()
            let results = try files.map { path in (path, try SBATImage.load(path).verdict(under: level)) }
            if output.effective == .off {
                for (path, result) in results {
                    print(SBATRendering.verdictLine(path: path, result: result, level: name))
                }
            } else {
                let json = JSONValue.array(
                    results.map { SBATRendering.verdictJSON(path: $0.0, result: $0.1, level: name) })
                print(json.rendered(output.effective, dialect: .systemd))
            }
            if results.contains(where: { $0.1 != nil }) { throw ExitCode(ExitStatus.negative) }
        }
    }
}
