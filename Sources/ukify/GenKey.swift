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
        var privateKey: String?
        @Option(
            name: .customLong("secureboot-certificate"),
            help: ArgumentHelp("Where to write the certificate.", valueName: "PATH"))
        var certificate: String?
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
        var pcrPrivateKey: String?
        @Option(
            name: .customLong("pcr-public-key"), help: ArgumentHelp("Where to write its public key.", valueName: "PATH")
        )
        var pcrPublicKey: String?

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
            if validityDays <= 0 { throw ValidationError("--secureboot-certificate-validity must be positive") }
        }

        func run() throws {
            try reportingErrors(tool: "ukify") {
                let targets = [privateKey, certificate, pcrPrivateKey, pcrPublicKey].compactMap { $0 }
                for target in targets where access(target, F_OK) == 0 {
                    throw ToolError("\(target) exists, refusing to overwrite it", exitCode: ExitStatus.dataError)
                }
                if let privateKey, let certificate {
                    let key = try KeyGeneration.rsa()
                    let name = commonName ?? "SecureBoot signing key on host \(hostName())"
                    let issued = try KeyGeneration.selfSignedCertificate(
                        key: key, commonName: name, validityDays: validityDays)
                    try write(try key.privateKeyPEM(), to: privateKey, permissions: [.ownerReadWrite])
                    try write(
                        try issued.pem(), to: certificate, permissions: [.ownerReadWrite, .groupRead, .otherRead])
                    printDiagnostic(
                        "ukify: wrote Secure Boot key \(privateKey) and certificate \(certificate) (CN=\(name))")
                }
                if let pcrPrivateKey {
                    let key = try KeyGeneration.rsa()
                    try write(try key.privateKeyPEM(), to: pcrPrivateKey, permissions: [.ownerReadWrite])
                    if let pcrPublicKey {
                        try write(
                            try key.publicKeyPEM(), to: pcrPublicKey,
                            permissions: [.ownerReadWrite, .groupRead, .otherRead])
                    }
                    printDiagnostic("ukify: wrote PCR signing key \(pcrPrivateKey)")
                }
            }
        }

        private func write(_ bytes: [UInt8], to path: String, permissions: FilePermissions) throws {
            let output = try AtomicOutputFile(destination: FilePath(path), permissions: permissions)
            try bytes.withUnsafeBytes { try output.write($0) }
            try output.commit(replacing: false)
        }

        private func hostName() -> String {
            var buffer = [CChar](repeating: 0, count: 256)
            guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}
