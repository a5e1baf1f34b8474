import ArgumentParser
import JSON
import SBATKit
import ToolSupport

struct Level: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show SbatLevels and compare two of them.", subcommands: [LevelShow.self, LevelCompare.self])
}

struct LevelShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "What a level revokes (default: every level shim ships, marking automatic and latest).")

    @Argument(help: ArgumentHelp("A level file, a datestamp, automatic, previous or latest.", valueName: "LEVEL"))
    var level: String?
    @OptionGroup var output: JSONOptions

    func run() throws {
        try reportingErrors(tool: "sbat") {
            let shown: [(SBATLevel, String)] =
                try level.map { [try SBATLevelOptions.named($0)] }
                ?? BuiltinLevels.all.map { entry in
                    var name = "SbatLevel \(entry.name)"
                    if entry.datestamp == BuiltinLevels.automatic.datestamp { name += " (automatic, previous)" }
                    if entry.datestamp == BuiltinLevels.latest.datestamp { name += " (latest)" }
                    return (entry.level(), name + ": " + entry.summary)
                }
            if output.effective == .off {
                print(shown.map { SBATRendering.levelText($0.0, name: $0.1) }.joined(), terminator: "")
            } else {
                print(
                    JSONValue.array(shown.map { SBATRendering.levelJSON($0.0, name: $0.1) }).rendered(
                        output.effective, dialect: .systemd))
            }
        }
    }
}

struct LevelCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Which of two levels is newer, and whether shim would apply B over A (it never downgrades).",
        discussion: "A is taken as the current SbatLevel variable (attributes NV|BS), B as the candidate.")

    @Argument(help: ArgumentHelp("The current level (file, datestamp or name).", valueName: "A")) var current: String
    @Argument(help: ArgumentHelp("The candidate level.", valueName: "B")) var candidate: String

    func run() throws {
        try reportingErrors(tool: "sbat") {
            let (a, aName) = try SBATLevelOptions.named(current)
            let (b, bName) = try SBATLevelOptions.named(candidate)
            print(SBATRendering.comparison(current: (a, aName), candidate: (b, bName)), terminator: "")
        }
    }
}
