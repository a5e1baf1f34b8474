import ArgumentParser
import KernelProbe
import PEKit
import ToolSupport
import UkifyCLI

extension Ukify {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a UKI from a stub, a kernel and its companions (an addon without --linux).",
            discussion: """
                Options take the names of systemd-ukify. TEXT|@PATH values are literal text, or the \
                contents of PATH. Settings of the [UKI] section of --config fill in what the command line \
                leaves unset. With --pcr-private-key the PCR 11 values the UKI will produce are predicted with \
                the rules of the stub inside it, their policies signed and embedded as .pcrsig (and the key \
                as .pcrpkey), without a second pass over the output. The output appears atomically: it is written next to the target, fsynced and \
                renamed. The same inputs always give the same bytes.
                """
        )

        @OptionGroup var options: UKIBuildOptions

        func run() throws {
            try reportingErrors(tool: "ukify") {
                let resolved = try options.resolve()
                for note in resolved.notes { printDiagnostic("ukify: \(note)") }
                let build = try resolved.pcr.apply(
                    to: try UKIBuild(resolved.request), print: { print($0, terminator: "") },
                    note: { printDiagnostic("ukify: \($0)") })
                for warning in build.warnings + (try UKISBATCheck.warnings(for: build)) {
                    printDiagnostic("ukify: warning: \(warning)")
                }
                try build.write(to: resolved.output)
                let uname = build.uname.map { "uname \($0), " } ?? ""
                let added = build.addedSections.joined(separator: " ")
                let kind =
                    build.secureBoot == nil ? "unsigned" : build.signedKernel ? "signed (kernel signed too)" : "signed"
                printDiagnostic(
                    "ukify: wrote \(kind) \(resolved.output) (\(uname)\(added), \(build.layout.fileSize) bytes)")
            }
        }
    }
}
