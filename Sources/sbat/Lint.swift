import ArgumentParser
import BinaryIO
import PEKit
import SBATKit
import SystemPackage
import ToolSupport

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find what shim would reject or misread in .sbat text (a CSV file, a PE's .sbat, or stdin).",
        discussion: "Prints one line per problem with its line number; exit status 1 when there is any.")

    @Argument(help: ArgumentHelp("A .sbat CSV file, a PE file, or - for standard input.", valueName: "FILE"))
    var file: FilePath

    func run() throws {
        try reportingErrors(tool: "sbat") {
            let text: [UInt8]
            if file == "-" {
                text = try ReadableFile.readAll(path: "/dev/stdin", limit: ImageSBAT.limit)
            } else {
                let input = try ReadableFile(path: file)
                if input.size >= 2, try input.read(at: 0, count: 2, field: "magic") == [0x4D, 0x5A] {
                    guard let data = try ImageSBAT.data(of: try PEImage(file: input)) else {
                        throw SBATError(.missingSection, "\(file): no .sbat section (shim refuses such images)")
                    }
                    text = data
                } else {
                    text = try ReadableFile.readAll(path: file, limit: ImageSBAT.limit)
                }
            }
            let problems = SBATLint.problems(text)
            for problem in problems {
                print("\(file): \(problem)" + (problem.rejected ? " (shim rejects the image)" : ""))
            }
            if !problems.isEmpty { throw ExitCode(ExitStatus.negative) }
        }
    }
}
