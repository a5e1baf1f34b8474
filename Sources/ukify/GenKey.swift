import ArgumentParser
import BinaryIO
import BootCrypto
import Glibc
import SystemPackage
import ToolSupport

extension Ukify {
    struct GenKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "genkey",
            abstract: "Generate a Secure Boot signing key and certificate, and/or a PCR signing key pair.",
            discussion: """
                RSA-2048 keys, a self-signed SHA-256 certificate. Existing files are never overwritten; private \\
                keys are created with mode 0600.
                """
        )

        @Option(
            name: .customLong("secureboot-private-key"),
            help: ArgumentHelp("Where to write the signing key.", valueName: "PATH"))
        var privateKey: FilePath?
        @Option(
            name: .customLong("secureboot-certificate"),
            help: ArgumentHelp("Where to write the certificate.", valueName: "PATH"))
        var certificate: FilePath?
        @Option(
            name: .customLong("secureboot-certificate-validity"),
            help: ArgumentHelp("Validity in days.", valueName: "DAYS"))
        var validityDays = 3650
        @Option(
            name: .customLong("secureboot-certificate-cn"),
            help: ArgumentHelp("Common name; default \"SecureBoot signing key on host <hostname>\".", valueName: "CN"))
        var commonName: String?
        @Option(
            name: .customLong("pcr-private-key"),
            help: ArgumentHelp("Where to write a PCR signing key.", valueName: "PATH"))
        var pcrPrivateKey: FilePath?
        @Option(
            name: .customLong("pcr-public-key"), help: ArgumentHelp("Where to write its public key.", valueName: "PATH")
        )
        var pcrPublicKey: FilePath?

        func validate() throws {
            if (privateKey == nil) != (certificate == nil) {
                throw ValidationError("--secureboot-private-key and --secureboot-certificate go together")
            }
            if pcrPublicKey != nil && pcrPrivateKey == nil {
                throw ValidationError("--pcr-public-key needs --pcr-private-key")
            }
            if privateKey == nil && pcrPrivateKey == nil {
                throw ValidationError("give --secureboot-private-key/--secureboot-certificate or --pcr-private-key")
            }
            if !(1...36_500).contains(validityDays) {
                throw ValidationError("--secureboot-certificate-validity must be 1 to 36500 days")
            }
            let targets = [privateKey, certificate, pcrPrivateKey, pcrPublicKey].compactMap { $0 }
            if Set(targets).count != targets.count { throw ValidationError("every output needs its own path") }
        }

        func run() throws {
            try reportingErrors(tool: "ukify") {
                let targets = [privateKey, certificate, pcrPrivateKey, pcrPublicKey].compactMap { $0 }
                for target in targets where access(target.string, F_OK) == 0 {
                    throw ToolError("\(target) exists, refusing to overwrite it", category: .dataError)
                }
                let secret: FilePermissions = [.ownerReadWrite]
                let open: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead]
                var files: [(path: FilePath, bytes: [UInt8], permissions: FilePermissions)] = []
                var notes: [String] = []
                if let privateKey, let certificate {
                    let key = try KeyGeneration.rsa()
                    let name = commonName ?? "SecureBoot signing key on host \(hostName())"
                    let issued = try KeyGeneration.selfSignedCertificate(
                        key: key, commonName: name, validityDays: validityDays)
                    files += [(privateKey, try key.privateKeyPEM(), secret), (certificate, try issued.pem(), open)]
                    notes.append("wrote Secure Boot key \(privateKey) and certificate \(certificate) (CN=\(name))")
                }
                if let pcrPrivateKey {
                    let key = try KeyGeneration.rsa()
                    files.append((pcrPrivateKey, try key.privateKeyPEM(), secret))
                    if let pcrPublicKey { files.append((pcrPublicKey, try key.publicKeyPEM(), open)) }
                    notes.append("wrote PCR signing key \(pcrPrivateKey)")
                }
                // Every file is written before any appears, so a failure leaves none behind.
                let outputs = try files.map { file in
                    let output = try AtomicOutputFile(destination: file.path, permissions: file.permissions)
                    try file.bytes.withUnsafeBytes { try output.write($0) }
                    return output
                }
                for output in outputs { try output.commit(replacing: false) }
                for note in notes { printDiagnostic("ukify: \(note)") }
            }
        }

        private func hostName() -> String {
            var buffer = [CChar](repeating: 0, count: 256)
            guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
