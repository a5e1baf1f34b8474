import ArgumentParser
import BinaryIO
import PEKit
import SystemPackage
import ToolSupport

extension Ukify {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a UKI from a stub, a kernel and its companions (an addon without --linux).",
            discussion: """
                Options take the names of systemd-ukify. TEXT|@PATH values are literal text, or the \
                contents of PATH. Settings of the [UKI] section of --config fill in what the command line \
                leaves unset. The output appears atomically: it is written next to the target, fsynced and \
                renamed. The same inputs always give the same bytes.
                """
        )

        @Option(help: ArgumentHelp("Kernel image (.linux). Without it an addon is built.", valueName: "PATH"))
        var linux: String?
        @Option(help: ArgumentHelp("Initrd (.initrd); repeat to concatenate several.", valueName: "PATH"))
        var initrd: [String] = []
        @Option(help: ArgumentHelp("Microcode initrd (.ucode).", valueName: "PATH"))
        var microcode: String?
        @Option(help: ArgumentHelp("Kernel command line (.cmdline).", valueName: "TEXT|@PATH"))
        var cmdline: TextOrFile?
        @Option(name: .customLong("os-release"),
                help: ArgumentHelp("os-release (.osrel); default /etc/os-release, else /usr/lib/os-release.", valueName: "TEXT|@PATH"))
        var osRelease: TextOrFile?
        @Option(help: ArgumentHelp("Kernel release (.uname); detected from the kernel when absent.", valueName: "VERSION"))
        var uname: String?
        @Option(help: ArgumentHelp("Splash image (.splash), a BMP.", valueName: "PATH"))
        var splash: String?
        @Option(help: ArgumentHelp("Devicetree blob (.dtb).", valueName: "PATH"))
        var devicetree: String?
        @Option(name: .customLong("devicetree-auto"), help: ArgumentHelp("Candidate devicetree (.dtbauto); repeatable.", valueName: "PATH"))
        var devicetreeAuto: [String] = []
        @Option(help: ArgumentHelp("SBAT entries (.sbat), merged with the stub's and the kernel's; repeatable.", valueName: "TEXT|@PATH"))
        var sbat: [TextOrFile] = []
        @Option(help: ArgumentHelp("Public key of the PCR signing key (.pcrpkey).", valueName: "PATH"))
        var pcrpkey: String?
        @Option(name: .customLong("section"), help: ArgumentHelp("An extra section; repeatable.", valueName: "NAME:TEXT|@PATH"))
        var sections: [String] = []
        @Option(help: ArgumentHelp("Profile metadata (.profile).", valueName: "TEXT|@PATH"))
        var profile: TextOrFile?
        @Option(name: .customLong("join-profile"), help: ArgumentHelp("A profile PE whose sections form one more profile; repeatable.", valueName: "PATH"))
        var joinProfiles: [String] = []
        @Option(help: ArgumentHelp("systemd-stub to build on; default /usr/lib/systemd/boot/efi/linux<arch>.efi.stub (addon<arch> for addons).", valueName: "PATH"))
        var stub: String?
        @Option(name: .customLong("efi-arch"), help: ArgumentHelp("EFI architecture of the default stub; default: the host's.", valueName: "ARCH"))
        var efiArch: EFIArchitecture?
        @Option(name: [.customShort("o"), .customLong("output")],
                help: ArgumentHelp("Output file; default <kernel file name>.unsigned.efi in the current directory.", valueName: "PATH"))
        var output: String?
        @Option(name: [.customShort("c"), .customLong("config")], help: ArgumentHelp("INI configuration file ([UKI] section); default: the first ukify.conf in /etc/systemd, /run/systemd, /usr/local/lib/systemd, /usr/lib/systemd.", valueName: "PATH"))
        var config: String?

        func validate() throws {
            for section in sections where section.split(separator: ":", omittingEmptySubsequences: false).count != 2 {
                throw ValidationError("--section=\(section): expected NAME:TEXT|@PATH with exactly one ':'")
            }
        }

        func run() throws {
            try reportingErrors(tool: "ukify") {
                let settings = try BuildSettings(command: self)
                let build = try UKIBuild(settings.request)
                for warning in build.warnings { printDiagnostic("ukify: warning: \(warning)") }
                try build.write(to: settings.output)
                printDiagnostic("ukify: wrote unsigned \(settings.output) (\(build.sections.count) sections added, \(build.layout.fileSize) bytes)")
            }
        }
    }
}

/// The command line merged with the config file into a request (command line wins; the config's
/// Initrd= and DeviceTreeAuto= lists come before the command line's, as in ukify).
struct BuildSettings {
    /// Where ukify looks for ukify.conf when --config is not given, in order.
    static let configDirectories = ["/etc/systemd", "/run/systemd", "/usr/local/lib/systemd", "/usr/lib/systemd"]

    var request: UKIRequest
    var output: FilePath

    init(command: Ukify.Build) throws {
        var configPath = command.config
        if configPath == nil, let found = Self.configDirectories.map({ $0 + "/ukify.conf" }).first(where: isRegularFile) {
            printDiagnostic("ukify: using config file \(found)")
            configPath = found
        }
        let ini = try configPath.map { try INIFile(path: FilePath($0)) }
        func setting(_ key: String) -> String? { ini?.value(key, in: "UKI") }
        func list(_ key: String) -> [String] { setting(key)?.split(whereSeparator: \.isWhitespace).map(String.init) ?? [] }
        let known: Set<String> = ["Linux", "Initrd", "Microcode", "Cmdline", "OSRelease", "Uname", "Splash", "DeviceTree",
                                  "DeviceTreeAuto", "SBAT", "PCRPKey", "Profile", "EFIArch", "Stub"]
        for entry in ini?.entries ?? [] where entry.section != "UKI" || !known.contains(entry.key) {
            printDiagnostic("ukify: warning: \(configPath ?? ""):\(entry.line): unknown setting [\(entry.section)] \(entry.key)=")
        }

        let linux = command.linux ?? setting("Linux")
        let architecture: EFIArchitecture
        if let arch = command.efiArch {
            architecture = arch
        } else if let arch = setting("EFIArch") {
            guard let parsed = EFIArchitecture(rawValue: arch) else {
                throw ToolError("\(configPath ?? ""): EFIArch=\(arch) is not one of \(EFIArchitecture.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            architecture = parsed
        } else if let host = EFIArchitecture.host {
            architecture = host
        } else {
            throw ToolError("unsupported host architecture: pass --efi-arch or --stub")
        }
        let stub = command.stub ?? setting("Stub")
        var request = UKIRequest(stub: stub.map { FilePath($0) } ?? UKIRequest.defaultStub(architecture: architecture, addon: linux == nil))
        request.linux = linux.map { FilePath($0) }
        request.initrds = (list("Initrd") + command.initrd).map { FilePath($0) }
        request.microcode = (command.microcode ?? setting("Microcode")).map { FilePath($0) }
        request.cmdline = command.cmdline ?? setting("Cmdline").map(TextOrFile.init)
        request.osRelease = command.osRelease ?? setting("OSRelease").map(TextOrFile.init)
        if request.osRelease == nil, linux != nil { request.osRelease = .file(UKIRequest.defaultOSRelease()) }
        request.uname = command.uname ?? setting("Uname")
        request.splash = (command.splash ?? setting("Splash")).map { FilePath($0) }
        request.devicetree = (command.devicetree ?? setting("DeviceTree")).map { FilePath($0) }
        request.devicetreeAuto = (list("DeviceTreeAuto") + command.devicetreeAuto).map { FilePath($0) }
        request.sbat = command.sbat.isEmpty ? (setting("SBAT").map { [TextOrFile($0)] } ?? []) : command.sbat
        request.pcrpkey = (command.pcrpkey ?? setting("PCRPKey")).map { FilePath($0) }
        request.profile = command.profile ?? setting("Profile").map(TextOrFile.init)
        request.joinProfiles = command.joinProfiles.map { FilePath($0) }
        request.extraSections = command.sections.map { spec in
            let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            return .init(name: String(parts[0]), content: TextOrFile(String(parts.last ?? "")))
        }
        self.request = request

        if let output = command.output {
            self.output = FilePath(output)
        } else if let linux {
            output = FilePath((FilePath(linux).lastComponent?.string ?? "uki") + ".unsigned.efi")
        } else {
            throw ToolError("--output is required when building an addon (no --linux)")
        }
    }
}

private func isRegularFile(_ path: String) -> Bool {
    (try? ReadableFile(path: FilePath(path))) != nil
}
