import ArgumentParser
import BinaryIO
import BootCrypto
import JSON
import PEKit
import SystemPackage
import ToolSupport

extension Ukify {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a PE's Authenticode signatures against a certificate or CA bundle.",
            discussion: """
                Lists every signature. Exit status 0 when at least one signature covers the image's digest, \\
                is correctly signed and chains to --cert (as firmware decides), 1 when none does.
                """
        )

        @Option(name: .customLong("cert"), help: ArgumentHelp("Trusted certificate(s), PEM or DER.", valueName: "PATH"))
        var certificate: FilePath
        @OptionGroup var json: JSONOptions
        @Argument(help: "PE file to check.")
        var file: FilePath

        func run() throws {
            var verified = false
            try reportingErrors(tool: "ukify") {
                let trusted = try Certificate.load(file: certificate)
                let image = try PEImage(file: ReadableFile(path: file))
                let checks = try image.verifySignatures(trusted: trusted)
                verified = checks.contains(where: \.isValid)
                switch json.effective {
                case .off: print(SignatureRendering.text(checks, file: file.string), terminator: "")
                case let style:
                    print(SignatureRendering.json(checks, file: file.string, verified: verified).rendered(style))
                }
            }
            if !verified { throw ExitCode(ExitStatus.negative) }
        }
    }
}
