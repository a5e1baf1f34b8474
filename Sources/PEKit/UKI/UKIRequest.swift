import BootCrypto
import SystemPackage

/// How a build is signed for Secure Boot.
public struct SecureBootSigning: Sendable {
    public var signer: AuthenticodeSigner
    public var algorithm: DigestAlgorithm
    /// Seconds since the epoch for a signingTime attribute; nil for none (reproducible output).
    public var signingTime: Int64?
    /// nil: sign the kernel only when it carries no signature (ukify's default); true: always; false: never.
    public var signKernel: Bool?

    public init(
        signer: AuthenticodeSigner, algorithm: DigestAlgorithm = .sha256, signingTime: Int64? = nil,
        signKernel: Bool? = nil
    ) {
        self.signer = signer
        self.algorithm = algorithm
        self.signingTime = signingTime
        self.signKernel = signKernel
    }

    func signature(for digest: [UInt8]) throws -> [UInt8] {
        try signer.signedData(imageDigest: digest, algorithm: algorithm, signingTime: signingTime)
    }
}

/// Everything `ukify build` was asked to put into a UKI, an addon or a profile PE, with
/// systemd-ukify's meaning for each option.
public struct UKIRequest: Sendable {
    /// A `--section=NAME:TEXT|@PATH` of the user's.
    public struct ExtraSection: Sendable, Equatable {
        public var name: String
        public var content: TextOrFile
        public init(name: String, content: TextOrFile) {
            self.name = name
            self.content = content
        }
    }

    public var stub: FilePath
    /// Absent: an addon (or, with `profile`, a standalone profile PE) is built.
    public var linux: FilePath?
    /// Concatenated in order; with more than one, each is zero-padded to 4 bytes (as ukify does).
    public var initrds: [FilePath] = []
    public var microcode: FilePath?
    /// Literal command lines have their whitespace normalized (ukify); files are taken verbatim.
    public var cmdline: TextOrFile?
    public var osRelease: TextOrFile?
    /// Detected from the kernel when absent (KernelProbe's `KernelRelease`).
    public var uname: String?
    public var splash: FilePath?
    public var devicetree: FilePath?
    public var devicetreeAuto: [FilePath] = []
    /// `.hwids`: the device table systemd-stub matches against the firmware's CHIDs.
    public var hwids: [UInt8]?
    /// Empty: the default `uki,1,...` (or `uki-addon,1,...`) line.
    public var sbat: [TextOrFile] = []
    public var pcrpkey: TextOrFile?
    public var extraSections: [ExtraSection] = []
    public var profile: TextOrFile?
    public var joinProfiles: [FilePath] = []
    /// Sign the result (and, as ukify does, an unsigned kernel first).
    public var secureBoot: SecureBootSigning?

    public init(stub: FilePath) {
        self.stub = stub
    }

    /// The stub ukify uses when none is given: `linux<arch>.efi.stub`, or `addon<arch>.efi.stub`
    /// for addons.
    public static func defaultStub(architecture: EFIArchitecture, addon: Bool) -> FilePath {
        FilePath("/usr/lib/systemd/boot/efi/\(addon ? "addon" : "linux")\(architecture.rawValue).efi.stub")
    }

    /// ukify's default `.osrel` for UKIs: `/etc/os-release`, else `/usr/lib/os-release`.
    public static func defaultOSRelease(root: FilePath = "/") -> FilePath {
        let etc = root.appending("etc/os-release")
        return (try? FileDescriptor.open(etc, .readOnly).close()) != nil ? etc : root.appending("usr/lib/os-release")
    }
}
