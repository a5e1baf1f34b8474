import ArgumentParser
import BinaryIO
import PEKit
import SystemPackage
import ToolSupport

/// The options of `ukify build`, with systemd-ukify's names, and their resolution against a
/// config file into a ``UKIRequest`` (the command line wins; the config's Initrd= and
/// DeviceTreeAuto= lists come before the command line's, as in ukify).
public struct UKIBuildOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Kernel image (.linux). Without it an addon is built.", valueName: "PATH"))
    public var linux: FilePath?
    @Option(help: ArgumentHelp("Initrd (.initrd); repeat to concatenate several.", valueName: "PATH"))
    public var initrd: [FilePath] = []
    /// All `--initrd` values of the command line, each followed by a NUL (see
    /// ``collapsingInitrds(_:)``).
    @Option(name: .customLong(UKIBuildOptions.initrdListOption), help: .private)
    public var initrdList: String?
    @Option(help: ArgumentHelp("Microcode initrd (.ucode).", valueName: "PATH"))
    public var microcode: FilePath?
    @Option(help: ArgumentHelp("Kernel command line (.cmdline).", valueName: "TEXT|@PATH"))
    public var cmdline: TextOrFile?
    @Option(
        name: .customLong("os-release"),
        help: ArgumentHelp(
            "os-release (.osrel); default /etc/os-release, else /usr/lib/os-release.", valueName: "TEXT|@PATH"))
    public var osRelease: TextOrFile?
    @Option(help: ArgumentHelp("Kernel release (.uname); detected from the kernel when absent.", valueName: "VERSION"))
    public var uname: String?
    @Option(help: ArgumentHelp("Splash image (.splash), a BMP.", valueName: "PATH"))
    public var splash: FilePath?
    @Option(help: ArgumentHelp("Devicetree blob (.dtb).", valueName: "PATH"))
    public var devicetree: FilePath?
    @Option(
        name: .customLong("devicetree-auto"),
        help: ArgumentHelp("Candidate devicetree (.dtbauto); repeatable.", valueName: "PATH"))
    public var devicetreeAuto: [FilePath] = []
    @Option(
        help: ArgumentHelp(
            "SBAT entries (.sbat), merged with the stub's and the kernel's; repeatable.",
            valueName: "TEXT|@PATH"))
    public var sbat: [TextOrFile] = []
    @Option(help: ArgumentHelp("Public key of the PCR signing key (.pcrpkey).", valueName: "PATH"))
    public var pcrpkey: FilePath?
    @Option(
        name: .customLong("section"),
        help: ArgumentHelp("An extra section; repeatable.", valueName: "NAME:TEXT|@PATH"))
    public var sections: [String] = []
    @Option(help: ArgumentHelp("Profile metadata (.profile).", valueName: "TEXT|@PATH"))
    public var profile: TextOrFile?
    @Option(
        name: .customLong("join-profile"),
        help: ArgumentHelp("A profile PE whose sections form one more profile; repeatable.", valueName: "PATH"))
    public var joinProfiles: [FilePath] = []
    @Option(
        help: ArgumentHelp(
            "systemd-stub to build on; default /usr/lib/systemd/boot/efi/linux<arch>.efi.stub "
                + "(addon<arch> for addons).", valueName: "PATH"))
    public var stub: FilePath?
    @Option(
        name: .customLong("efi-arch"),
        help: ArgumentHelp("EFI architecture of the default stub; default: the host's.", valueName: "ARCH"))
    public var efiArch: EFIArchitecture?
    @Option(
        name: [.customShort("o"), .customLong("output")],
        help: ArgumentHelp(
            "Output file; default <kernel file name>.unsigned.efi in the current directory.", valueName: "PATH"))
    public var output: FilePath?
    @Option(
        name: [.customShort("c"), .customLong("config")],
        help: ArgumentHelp(
            "INI configuration file ([UKI] section); default: the first ukify.conf in /etc/systemd, "
                + "/run/systemd, /usr/local/lib/systemd, /usr/lib/systemd.", valueName: "PATH"))
    public var config: FilePath?
    @OptionGroup public var signing: SigningOptions
    @OptionGroup public var pcr: UKIPCROptions
    @Flag(
        inversion: .prefixedNo,
        help: "Sign the embedded kernel first (default: only when it carries no signature and the UKI is signed).")
    public var signKernel: Bool?

    public init() {}

    public func validate() throws {
        for section in sections where section.split(separator: ":", omittingEmptySubsequences: false).count != 2 {
            throw ValidationError("--section=\(section): expected NAME:TEXT|@PATH with exactly one ':'")
        }
    }

    /// What the options ask for: the request, the output path, and notes for stderr.
    public struct Resolved: Sendable {
        public var request: UKIRequest
        public var output: FilePath
        public var notes: [String]
        public var pcr: UKIPCRPlan
    }

    /// Where ukify looks for ukify.conf when --config is not given, in order.
    public static let configDirectories = [
        "/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd",
    ]

    /// Merges the command line with the config file (`--config`, else the first ukify.conf found
    /// in `configDirectories`).
    public func resolve(
        configDirectories: [String] = configDirectories, environment: [String: String] = ProcessInfoEnvironment.current
    ) throws -> Resolved {
        var notes: [String] = []
        var configPath = config
        if configPath == nil,
            let found = configDirectories.map({ FilePath($0).appending("ukify.conf") }).first(where: isRegularFile)
        {
            notes.append("using config file \(found)")
            configPath = found
        }
        let ini = try configPath.map { try INIFile(path: $0) }
        func setting(_ key: String) -> String? { ini?.value(key, in: "UKI") }
        func path(_ key: String) -> FilePath? { setting(key).map { FilePath($0) } }
        func paths(_ key: String) -> [FilePath] {
            setting(key)?.split(whereSeparator: \.isWhitespace).map { FilePath(String($0)) } ?? []
        }
        let known: Set<String> = [
            "Linux", "Initrd", "Microcode", "Cmdline", "OSRelease", "Uname", "Splash", "DeviceTree",
            "DeviceTreeAuto", "SBAT", "PCRPKey", "Profile", "EFIArch", "Stub", "SecureBootPrivateKey",
            "SecureBootCertificate", "SigningEngine", "SigningProvider", "SignKernel", "PCRBanks",
        ]
        let knownInPCRSignature: Set<String> = ["PCRPrivateKey", "PCRPublicKey", "Phases"]
        let configName = configPath?.string ?? ""
        for entry in ini?.entries ?? []
        where entry.section.hasPrefix("PCRSignature:")
            ? !knownInPCRSignature.contains(entry.key) : (entry.section != "UKI" || !known.contains(entry.key))
        {
            notes.append("warning: \(configName):\(entry.line): unknown setting [\(entry.section)] \(entry.key)=")
        }

        let linux = self.linux ?? path("Linux")
        let architecture: EFIArchitecture
        if let efiArch {
            architecture = efiArch
        } else if let arch = setting("EFIArch") {
            guard let parsed = EFIArchitecture(rawValue: arch) else {
                let known = EFIArchitecture.allCases.map(\.rawValue).joined(separator: ", ")
                throw ToolError("\(configName): EFIArch=\(arch) is not one of \(known)")
            }
            architecture = parsed
        } else if let host = EFIArchitecture.host {
            architecture = host
        } else {
            throw ToolError("unsupported host architecture: pass --efi-arch or --stub")
        }
        var request = UKIRequest(
            stub: stub ?? path("Stub") ?? UKIRequest.defaultStub(architecture: architecture, addon: linux == nil))
        request.linux = linux
        request.initrds = paths("Initrd") + initrd + Self.decodeInitrdList(initrdList)
        request.microcode = microcode ?? path("Microcode")
        request.cmdline = cmdline ?? setting("Cmdline").map(TextOrFile.init)
        request.osRelease = osRelease ?? setting("OSRelease").map(TextOrFile.init)
        if request.osRelease == nil, linux != nil { request.osRelease = .file(UKIRequest.defaultOSRelease()) }
        request.uname = uname ?? setting("Uname")
        request.splash = splash ?? path("Splash")
        request.devicetree = devicetree ?? path("DeviceTree")
        request.devicetreeAuto = paths("DeviceTreeAuto") + devicetreeAuto
        request.sbat = sbat.isEmpty ? (setting("SBAT").map { [TextOrFile($0)] } ?? []) : sbat
        request.pcrpkey = (pcrpkey ?? path("PCRPKey")).map(TextOrFile.file)
        request.profile = profile ?? setting("Profile").map(TextOrFile.init)
        request.joinProfiles = joinProfiles
        request.extraSections = sections.map { spec in
            let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            return .init(name: String(parts[0]), content: TextOrFile(String(parts.last ?? "")))
        }

        let signingOptions = signing.merging(config: setting)
        let kernelSigning = try signKernel ?? setting("SignKernel").map { try Self.boolean($0, key: "SignKernel") }
        if let (signer, warnings) = try signingOptions.makeSigner() {
            notes += warnings.map { "warning: \($0)" }
            request.secureBoot = SecureBootSigning(
                signer: signer, signingTime: try signingOptions.signingTimestamp(environment: environment),
                signKernel: kernelSigning)
        } else if kernelSigning == true {
            throw ToolError("--sign-kernel needs --secureboot-private-key and --secureboot-certificate")
        }

        var pcrSections: [String] = []
        for entry in ini?.entries ?? [] where entry.section.hasPrefix("PCRSignature:") {
            if !pcrSections.contains(entry.section) { pcrSections.append(entry.section) }
        }
        let pcrPlan = try UKIPCRPlan(
            options: pcr, keySource: signingOptions.keySource, setting: setting,
            configGroups: pcrSections.map { section in (section, { ini?.value($0, in: section) }) })
        if request.pcrpkey == nil { request.pcrpkey = try pcrPlan.defaultPCRPublicKey() }

        let outputPath: FilePath
        if let output {
            outputPath = output
        } else if let linux {
            let suffix = request.secureBoot == nil ? ".unsigned.efi" : ".efi"
            outputPath = FilePath((linux.lastComponent?.string ?? "uki") + suffix)
        } else {
            throw ToolError("--output is required when building an addon (no --linux)")
        }
        return Resolved(request: request, output: outputPath, notes: notes, pcr: pcrPlan)
    }
}

extension UKIBuildOptions {
    /// ukify's boolean spellings in config files.
    static func boolean(_ text: String, key: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "y", "t", "on": return true
        case "0", "false", "no", "n", "f", "off": return false
        default: throw ToolError("\(key)=\(text) is not a boolean")
        }
    }
}

private func isRegularFile(_ path: FilePath) -> Bool {
    (try? ReadableFile(path: path)) != nil
}

extension UKIBuildOptions {
    static let initrdListOption = "initrd-list-internal"

    /// Rewrites the arguments of `ukify build` so that every `--initrd=PATH` and `--initrd PATH` becomes
    /// part of one hidden option, in order. ArgumentParser spends time proportional to the number of
    /// arguments on each value of a repeated option (it removes each parsed word from an array and
    /// merges the positions of all values so far), so 10,000 `--initrd`s took seconds, quadratically;
    /// one argument carrying them all is parsed in linear time. Words after `--`, and an `--initrd`
    /// without a value (left for ArgumentParser to report), are not touched. Paths cannot contain
    /// NUL, so NUL ends each one.
    public static func collapsingInitrds(_ arguments: [String]) -> [String] {
        guard arguments.first == "build" else { return arguments }
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        var list = ""
        var found = false
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word == "--" {
                result += arguments[index...]
                break
            }
            if word.hasPrefix("--initrd=") {
                list += word.dropFirst("--initrd=".count) + "\0"
                found = true
            } else if word == "--initrd", index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") {
                list += arguments[index + 1] + "\0"
                found = true
                index += 1
            } else {
                result.append(word)
            }
            index += 1
        }
        guard found else { return arguments }
        // Before any `--`, right after the subcommand's name.
        result.insert("--\(initrdListOption)=\(list)", at: 1)
        return result
    }

    static func decodeInitrdList(_ list: String?) -> [FilePath] {
        guard let list, !list.isEmpty else { return [] }
        var paths = list.split(separator: "\0", omittingEmptySubsequences: false)
        if list.hasSuffix("\0") { paths.removeLast() }
        return paths.map { FilePath(String($0)) }
    }
}
