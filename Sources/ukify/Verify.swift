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
                Lists every signature. Exit status 0 when the firmware (EDK2, with --cert as db) would \\
                accept the image: at least one PKCS#7 covers the image's digest and every one of its SignerInfos is \\
                correctly signed and chains to --cert; 1 otherwise. Warns on stderr about unhashed gaps between \\
                sections, expired signer certificates and SHA-1.
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
                verified = SignatureCheck.firmwareAccepts(checks)
                if !checks.isEmpty {
                    for warning in image.unhashedGaps() + checks.flatMap(\.warnings) {
                        printDiagnostic("ukify: warning: \(warning)")
                    }
                }
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
