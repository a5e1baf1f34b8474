import ArgumentParser
import Glibc
import ToolSupport
import UKIAssembly
import UkifyCLI

extension Ukify {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a UKI from a stub, a kernel and its companions (an addon without --linux).",
            discussion: """
                Options take the names of systemd-ukify; `ukify LINUX [INITRD...]` without a verb is this \
                command too. TEXT|@PATH values are literal text, or the contents of PATH. Settings of the \
                [UKI] section of --config fill in what the command line leaves unset; a setting that would \
                change what is signed, measured or embedded is honoured or refused, never ignored. With \
                --pcr-private-key the PCR 11 values each profile of the UKI will produce are predicted with \
                the rules of the stub inside it, their policies signed and embedded as that profile's \
                .pcrsig (and the key as .pcrpkey), without a second pass over the output. Sections are \
                laid out in ukify 257's order, so an unsigned UKI is byte-identical to ukify's but for the \
                PE checksum, which is filled in. The output appears atomically: it is written next to the \
                target, fsynced and renamed. The same inputs always give the same bytes.
                """
        )

        @OptionGroup var options: UKIBuildOptions

        func run() throws {
            try reportingErrors(tool: "ukify") {
                if !options.positional.isEmpty {
                    printDiagnostic("ukify: assuming ukify's command line syntax with no verb; please use 'build'")
                }
                let (settings, notes) = try options.resolvedSettings()
                for note in notes { printDiagnostic("ukify: \(note)") }
                if options.summary {
                    print(settings.summary, terminator: "")
                    return
                }
                let assembly = try UKIAssembly(
                    settings, environment: ProcessInfoEnvironment.current, now: { Int64(time(nil)) })
                for note in assembly.notes { printDiagnostic("ukify: \(note)") }
                let summary = try assembly.run(
                    .init(print: { print($0, terminator: "") }, note: { printDiagnostic("ukify: \($0)") }))
                printDiagnostic("ukify: \(summary)")
            }
        }
    }
}
