import ArgumentParser
import BinaryIO
import BootCrypto
import PCRCLI
import PEKit
import SystemPackage
import ToolSupport

extension Ukify {
    struct Digest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the Authenticode digest of a PE (what a signature signs), in hex.",
            discussion: """
                The digest covers the bytes EDK2 and shim hash. An unsigned file whose size is not a multiple of \\
                8 is hashed as if zero-padded, as it will be once a signature is attached.
                """
        )

        @Argument(help: "PE file.")
        var file: FilePath
        @Option(help: "Hash algorithm.")
        var hash: DigestAlgorithm = .sha256

        func run() throws {
            try reportingErrors(tool: "ukify") {
                let image = try PEImage(file: ReadableFile(path: file))
                print(try image.authenticodeDigest(hash).hexString)
            }
        }
    }
}
