import BinaryIO
import BootCrypto
import PEKit
import SystemPackage
import TPMPolicy

/// ukify.conf: the `[UKI]` section and `[PCRSignature:NAME]` groups, with ukify 257's keys. Every
/// key ukify knows becomes a setting, and each setting is honoured or refused where it is used: a
/// setting that would change what is signed, measured or embedded never becomes a warning and a
/// different output. Keys ukify does not know are warned about, as ukify does.
public struct UKIConfigFile: Sendable {
    public let path: String
    public let ini: INIFile

    /// Where ukify looks for ukify.conf when none is given, in order.
    public static let searchDirectories = [
        "/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd",
    ]

    public init(path: FilePath) throws {
        self.path = path.string
        ini = try INIFile(path: path)
    }

    public init(text: String, path: String) throws {
        self.path = path
        ini = try INIFile(text: text, path: path)
    }

    /// The first ukify.conf in `directories`, if any.
    public static func find(in directories: [String] = searchDirectories) -> FilePath? {
        directories.map { FilePath($0).appending("ukify.conf") }.first { (try? ReadableFile(path: $0)) != nil }
    }

    /// The keys of ukify 257's `[UKI]` section.
    enum Key: String, CaseIterable {
        case linux = "Linux", initrd = "Initrd", microcode = "Microcode", cmdline = "Cmdline"
        case osRelease = "OSRelease", uname = "Uname", splash = "Splash", deviceTree = "DeviceTree"
        case deviceTreeAuto = "DeviceTreeAuto", hwids = "HWIDs", sbat = "SBAT", pcrPKey = "PCRPKey"
        case profile = "Profile", efiArch = "EFIArch", stub = "Stub", pcrBanks = "PCRBanks"
        case signingEngine = "SigningEngine", signingProvider = "SigningProvider"
        case certificateProvider = "CertificateProvider", signingTool = "SecureBootSigningTool"
        case secureBootPrivateKey = "SecureBootPrivateKey", secureBootCertificate = "SecureBootCertificate"
        case secureBootCertificateDir = "SecureBootCertificateDir"
        case secureBootCertificateName = "SecureBootCertificateName"
        case secureBootCertificateValidity = "SecureBootCertificateValidity", signKernel = "SignKernel"

    }

    /// The keys of a `[PCRSignature:NAME]` group.
    static let groupKeys: Set<String> = ["PCRPrivateKey", "PCRPublicKey", "Phases"]

    /// Warnings about keys ukify does not know.
    func check() throws -> [String] {
        var warnings: [String] = []
        for entry in ini.entries {
            if entry.section.hasPrefix("PCRSignature:") {
                if !Self.groupKeys.contains(entry.key) {
                    warnings.append("\(path):\(entry.line): unknown setting [\(entry.section)] \(entry.key)=")
                }
            } else if entry.section != "UKI" {
                warnings.append("\(path):\(entry.line): unknown section [\(entry.section)]")
            } else if Key(rawValue: entry.key) == nil {
                warnings.append("\(path):\(entry.line): unknown setting [UKI] \(entry.key)=")
            }
        }
        return warnings
    }

    func value(_ key: Key) -> String? { ini.value(key.rawValue, in: "UKI") }

    func path(_ key: Key) -> FilePath? { value(key).map { FilePath($0) } }

    func paths(_ key: Key) -> [FilePath] { Self.words(value(key)).map { FilePath($0) } }

    func textOrFile(_ key: Key) -> TextOrFile? { value(key).map(TextOrFile.init) }

    func boolean(_ key: Key) throws -> Bool? {
        guard let text = value(key) else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "y", "t", "on": return true
        case "0", "false", "no", "n", "f", "off": return false
        default:
            throw UKIAssemblyError(.malformedConfig, path: path, detail: "\(key.rawValue)=\(text) is not a boolean")
        }
    }

    func banks() throws -> [DigestAlgorithm]? {
        guard let text = value(.pcrBanks) else { return nil }
        return try DigestAlgorithm.banks(named: Self.words(text))
    }

    func architecture() throws -> EFIArchitecture? {
        guard let text = value(.efiArch) else { return nil }
        guard let architecture = EFIArchitecture(rawValue: text) else {
            let known = EFIArchitecture.allCases.map(\.rawValue).joined(separator: ", ")
            throw UKIAssemblyError(.malformedConfig, path: path, detail: "EFIArch=\(text) is not one of \(known)")
        }
        return architecture
    }

    /// The `[PCRSignature:NAME]` groups in file order.
    func groups() throws -> [PCRSettings.ConfigGroup] {
        var sections: [String] = []
        for entry in ini.entries where entry.section.hasPrefix("PCRSignature:") && !sections.contains(entry.section) {
            sections.append(entry.section)
        }
        return try sections.map { section in
            PCRSettings.ConfigGroup(
                section: section, privateKey: ini.value("PCRPrivateKey", in: section),
                publicKey: ini.value("PCRPublicKey", in: section).map { FilePath($0) },
                phases: try ini.value("Phases", in: section).map { text in
                    try Self.words(text).map { try PhasePath(parsing: $0) }
                })
        }
    }

    /// A list value: words separated by whitespace or commas, as ukify splits them.
    static func words(_ text: String?) -> [String] {
        text?.split(whereSeparator: { $0 == "," || $0.isWhitespace }).map(String.init) ?? []
    }
}

extension UKIBuildSettings {
    /// These settings with what they leave unset taken from `config`, plus warnings about keys
    /// ukify does not know.
    public func filling(from config: UKIConfigFile) throws -> (settings: UKIBuildSettings, warnings: [String]) {
        let warnings = try config.check()
        var merged = self
        merged.linux = linux ?? config.path(.linux)
        merged.initrds = config.paths(.initrd) + initrds
        merged.microcode = microcode ?? config.path(.microcode)
        merged.cmdline = cmdline ?? config.textOrFile(.cmdline)
        merged.osRelease = osRelease ?? config.textOrFile(.osRelease)
        merged.uname = uname ?? config.value(.uname)
        merged.splash = splash ?? config.path(.splash)
        merged.devicetree = devicetree ?? config.path(.deviceTree)
        merged.devicetreeAuto = config.paths(.deviceTreeAuto) + devicetreeAuto
        merged.hwids = hwids ?? config.path(.hwids)
        merged.sbat = sbat.isEmpty ? (config.textOrFile(.sbat).map { [$0] } ?? []) : sbat
        merged.pcrpkey = pcrpkey ?? config.path(.pcrPKey)
        merged.profile = profile ?? config.textOrFile(.profile)
        merged.stub = stub ?? config.path(.stub)
        merged.efiArch = try efiArch ?? config.architecture()
        merged.signKernel = try signKernel ?? config.boolean(.signKernel)
        merged.secureBoot.privateKey = secureBoot.privateKey ?? config.value(.secureBootPrivateKey)
        merged.secureBoot.certificate = secureBoot.certificate ?? config.path(.secureBootCertificate)
        merged.secureBoot.engine = secureBoot.engine ?? config.value(.signingEngine)
        merged.secureBoot.provider = secureBoot.provider ?? config.value(.signingProvider)
        merged.secureBoot.signtool = secureBoot.signtool ?? config.value(.signingTool)
        merged.secureBoot.certificateProvider = secureBoot.certificateProvider ?? config.value(.certificateProvider)
        merged.secureBoot.certificateDirectory =
            secureBoot.certificateDirectory ?? config.path(.secureBootCertificateDir)
        merged.secureBoot.certificateName = secureBoot.certificateName ?? config.value(.secureBootCertificateName)
        merged.pcr.banks = try pcr.banks ?? config.banks()
        merged.pcr.configGroups = try config.groups()
        return (merged, warnings)
    }
}
