import ArgumentParser
import BinaryIO
import PEKit
import SystemPackage
import ToolSupport
import UKIAssembly

/// The options of `ukify build`, with systemd-ukify's names, as ``UKIBuildSettings`` (a config
/// file fills in what they leave unset).
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
            "os-release (.osrel); default /etc/os-release, else /usr/lib/os-release; empty: none.",
            valueName: "TEXT|@PATH"))
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
    @Option(
        help: ArgumentHelp(
            "Directory of device descriptions (*.json: name, compatible, hwids) to build .hwids from.",
            valueName: "DIR"))
    public var hwids: FilePath?
    @OptionGroup public var signing: SigningOptions
    @OptionGroup public var pcr: UKIPCROptions
    @Flag(
        inversion: .prefixedNo,
        help: "Sign the embedded kernel first (default: only when it carries no signature and the UKI is signed).")
    public var signKernel: Bool?
    @Option(
        name: .customLong("secureboot-certificate-validity"),
        help: ArgumentHelp("Accepted as ukify does; only genkey uses it.", valueName: "DAYS"))
    public var certificateValidity: Int?
    @Option(
        help: ArgumentHelp(
            "Accepted as ukify does; ukify here runs no external tools (measuring and signing are in-process).",
            valueName: "DIR"))
    public var tools: [FilePath] = []
    @Option(
        name: .customLong("export-signatures"),
        help: ArgumentHelp(
            "Also write every signature the UKI carries (kernel, each profile's .pcrsig, UKI) to this JSON "
                + "signature bundle, for --import-signatures elsewhere.", valueName: "PATH"))
    public var exportSignatures: FilePath?
    @Option(
        name: .customLong("import-signatures"),
        help: ArgumentHelp(
            "Take every signature from this bundle instead of keys: the same inputs give the server's UKI byte for "
                + "byte; an input that differs is an error naming it, and nothing is written. With --export-digests "
                + "or a bundle of raw answers: the hash-only signer's signatures so far.", valueName: "PATH"))
    public var importSignatures: FilePath?
    @Option(
        name: .customLong("export-digests"),
        help: ArgumentHelp(
            "Hash-only signing (keys elsewhere sign digests): list what to sign next, round by round, for "
                + "--secureboot-certificate and --pcr-public-key given without their keys; answers come back "
                + "through --import-signatures.", valueName: "PATH"))
    public var exportDigests: FilePath?
    @Flag(help: "Print the settings the command line and config file resolve to, and exit.")
    public var summary = false
    /// `ukify LINUX INITRD...`: ukify's syntax without a verb.
    @Argument(help: .hidden)
    public var positional: [FilePath] = []

    public init() {}

    public func validate() throws {
        for section in sections where section.split(separator: ":", omittingEmptySubsequences: false).count != 2 {
            throw ValidationError("--section=\(section): expected NAME:TEXT|@PATH with exactly one ':'")
        }
        if !positional.isEmpty && (linux != nil || !initrd.isEmpty || initrdList != nil) {
            throw ValidationError("--linux=/--initrd= options cannot be used with positional arguments")
        }
    }

    /// The command line as settings, before a config file fills in what it leaves unset.
    public var settings: UKIBuildSettings {
        var settings = UKIBuildSettings()
        settings.linux = linux ?? positional.first
        settings.initrds = initrd + Self.decodeInitrdList(initrdList) + positional.dropFirst()
        settings.microcode = microcode
        settings.cmdline = cmdline
        settings.osRelease = osRelease
        settings.uname = uname
        settings.splash = splash
        settings.devicetree = devicetree
        settings.devicetreeAuto = devicetreeAuto
        settings.hwids = hwids
        settings.sbat = sbat
        settings.pcrpkey = pcrpkey
        settings.extraSections = sections.map { spec in
            let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            return .init(name: String(parts[0]), content: TextOrFile(String(parts.last ?? "")))
        }
        settings.profile = profile
        settings.joinProfiles = joinProfiles
        settings.stub = stub
        settings.efiArch = efiArch
        settings.output = output
        settings.secureBoot = signing.settings
        settings.signKernel = signKernel
        settings.pcr = pcr.settings
        settings.exportSignatures = exportSignatures
        settings.importSignatures = importSignatures
        settings.exportDigests = exportDigests
        return settings
    }

    /// The settings with a config file's: `--config`, else the first ukify.conf found in
    /// `configDirectories`. Notes say which file was used and what in it is unknown.
    public func resolvedSettings(
        configDirectories: [String] = UKIConfigFile.searchDirectories
    ) throws -> (
        settings: UKIBuildSettings, notes: [String]
    ) {
        var notes: [String] = []
        var configPath = config
        if configPath == nil, let found = UKIConfigFile.find(in: configDirectories) {
            notes.append("using config file \(found)")
            configPath = found
        }
        guard let configPath else { return (settings, notes) }
        let (merged, warnings) = try settings.filling(from: try UKIConfigFile(path: configPath))
        return (merged, notes + warnings.map { "warning: \($0)" })
    }
}

extension UKIBuildOptions {
    static let initrdListOption = "initrd-list-internal"

    /// ukify's arguments made parseable: an empty `--NAME=` value (`--os-release=` means "no
    /// .osrel", as in ukify) becomes `--NAME ""`, which ArgumentParser reads as an empty value
    /// (it rejects `--NAME=`), and `--initrd`s are collapsed (``collapsingInitrds(_:)``).
    public static func normalizingArguments(_ arguments: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        for (index, word) in arguments.enumerated() {
            if word == "--" {
                result += arguments[index...]
                break
            }
            if word.hasPrefix("--"), word.hasSuffix("="), word.firstIndex(of: "=") == word.index(before: word.endIndex)
            {
                result += [String(word.dropLast()), ""]
            } else {
                result.append(word)
            }
        }
        return collapsingInitrds(result)
    }

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
