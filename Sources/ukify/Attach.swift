import ArgumentParser
import BinaryIO
import BootCrypto
import PEKit
import SystemPackage
import ToolSupport

extension Ukify {
    struct Attach: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append a detached Authenticode signature (from `ukify sign --detached`) to a PE.",
            discussion: "The signature must be for this file: its image digest is checked first."
        )

        @Option(help: ArgumentHelp("DER PKCS#7 signature.", valueName: "PATH"))
        var signature: FilePath
        @Option(
            name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Signed output.", valueName: "PATH"))
        var output: FilePath
        @Argument(help: "PE file the signature was made for.")
        var file: FilePath

        func run() throws {
            try reportingErrors(tool: "ukify") {
                let pkcs7 = try ReadableFile.readAll(path: signature, limit: 1 << 20)
                let parsed = try AuthenticodeSignature(der: pkcs7)
                let image = try PEImage(file: ReadableFile(path: file))
                guard try image.authenticodeDigest(parsed.digestAlgorithm) == parsed.imageDigest else {
                    throw ToolError(
                        "\(signature): signs another image (its digest does not match \(file))",
                        category: .dataError)
                }
                let target = try AtomicOutputFile(destination: output)
                try image.write(appendingSignature: try AuthenticodeSignature.der(in: pkcs7), to: target)
                try target.commit()
            }
        }
    }

    struct Unsign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove Authenticode signatures from a PE (all, or the one at --signature-index).",
            discussion: "With --detached the removed signature's DER PKCS#7 is saved, for `ukify attach` elsewhere."
        )

        @Option(
            name: .customLong("signature-index"), help: "Remove only this signature (as `ukify verify` numbers them).")
        var index: Int?
        @Option(help: ArgumentHelp("Save the removed signature (one) here.", valueName: "PATH"))
        var detached: FilePath?
        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Output.", valueName: "PATH"))
        var output: FilePath
        @Argument(help: "Signed PE file.")
        var file: FilePath

        func run() throws {
            try reportingErrors(tool: "ukify") {
                let image = try PEImage(file: ReadableFile(path: file))
                let entries = try CertificateTable(image: image)?.entries ?? []
                var kept: [WinCertificate] = []
                if let index {
                    guard entries.indices.contains(index) else {
                        throw ToolError(
                            "\(file): has \(entries.count) signature(s), no index \(index)",
                            category: .dataError)
                    }
                    kept = entries
                    kept.remove(at: index)
                }
                let removed = index.map { [entries[$0]] } ?? entries
                let target = try AtomicOutputFile(destination: output)
                try image.write(replacingCertificateTableWith: kept, to: target)
                let saved = try detached.map { path in
                    guard removed.count == 1 else {
                        throw ToolError(
                            "\(file): --detached saves one signature; there are \(removed.count), pick one with --signature-index"
                        )
                    }
                    let saved = try AtomicOutputFile(destination: path)
                    try AuthenticodeSignature.der(in: removed[0].certificate).withUnsafeBytes { try saved.write($0) }
                    return saved
                }
                try target.commit()
                try saved?.commit()
            }
        }
    }
}
