import ArgumentParser
import BinaryIO
import BootCrypto
import Glibc
import PCRCLI
import PEKit
import SystemPackage
import ToolSupport
import UKIAssembly
import UkifyCLI

extension Ukify {
    struct Sign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign any PE (UKI, addon, systemd-boot, shim, kernel) for Secure Boot.",
            discussion: """
                Appends an Authenticode signature; signatures already present stay valid. With --detached the \\
                PKCS#7 is written to a file instead, for `ukify attach`. Without --signing-time the same input \\
                and RSA key give the same bytes.
                """
        )

        @OptionGroup var signing: SigningOptions
        @Option(help: "Digest algorithm of the signature.")
        var hash: DigestAlgorithm = .sha256
        @Option(help: ArgumentHelp("Write the DER PKCS#7 to PATH instead of a signed image.", valueName: "PATH"))
        var detached: FilePath?
        @Option(
            name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Signed output.", valueName: "PATH"))
        var output: FilePath?
        @Argument(help: "PE file to sign.")
        var file: FilePath

        func validate() throws {
            guard signing.isSigning else {
                throw ValidationError("--secureboot-private-key and --secureboot-certificate are required")
            }
            if (detached == nil) == (output == nil) {
                throw ValidationError("give exactly one of --output and --detached")
            }
        }

        func run() throws {
            try reportingErrors(tool: "ukify") {
                let settings = signing.settings
                guard let (signer, warnings) = try settings.makeSigner() else { return }
                for warning in warnings { printDiagnostic("ukify: warning: \(warning)") }
                // Held from the read to the rename: two signers of one file in place both add theirs.
                let lock = try DirectoryHandle.lockingDirectory(of: output ?? detached ?? file)
                defer { withExtendedLifetime(lock) {} }
                let image = try PEImage(file: ReadableFile(path: file))
                let signingTime = try settings.signingTimestamp(
                    environment: ProcessInfoEnvironment.current, now: { Int64(time(nil)) })
                if let detached {
                    let pkcs7 = try image.signature(by: signer, algorithm: hash, signingTime: signingTime)
                    let output = try AtomicOutputFile(destination: detached)
                    try pkcs7.withUnsafeBytes { try output.write($0) }
                    try output.commit()
                } else if let output {
                    let target = try AtomicOutputFile(destination: output)
                    try image.write(to: target, algorithm: hash) { digest in
                        try signer.signedData(imageDigest: digest, algorithm: hash, signingTime: signingTime)
                    }
                    try target.commit()
                }
            }
        }
    }
}
