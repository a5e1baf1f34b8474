import BootCrypto
import SystemPackage

/// Which image of a build an Authenticode signature is for: the kernel signed on the way in, or
/// the UKI itself.
public enum SignedImage: String, Sendable, CaseIterable {
    case kernel, uki
}

/// Who makes a build's Authenticode signatures: a key in-process, or signatures made elsewhere
/// for the same images (a signature bundle).
public protocol AuthenticodeSignatureSource: Sendable {
    /// The DER PKCS#7 for `image`, whose Authenticode digest (with `algorithm`) is `digest`.
    func signature(for image: SignedImage, digest: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8]
}

/// Signing with a key, in-process.
public struct KeySignatureSource: AuthenticodeSignatureSource {
    public var signer: AuthenticodeSigner
    /// Seconds since the epoch for a signingTime attribute; nil for none (reproducible output).
    public var signingTime: Int64?

    public init(signer: AuthenticodeSigner, signingTime: Int64? = nil) {
        self.signer = signer
        self.signingTime = signingTime
    }

    public func signature(for image: SignedImage, digest: [UInt8], algorithm: DigestAlgorithm) throws -> [UInt8] {
        try signer.signedData(imageDigest: digest, algorithm: algorithm, signingTime: signingTime)
    }
}

/// How a build is signed for Secure Boot.
public struct SecureBootSigning: Sendable {
    public var source: any AuthenticodeSignatureSource
    public var algorithm: DigestAlgorithm
    /// nil: sign the kernel only when it carries no signature (ukify's default); true: always; false: never.
    public var signKernel: Bool?

    public init(source: any AuthenticodeSignatureSource, algorithm: DigestAlgorithm = .sha256, signKernel: Bool? = nil)
    {
        self.source = source
        self.algorithm = algorithm
        self.signKernel = signKernel
    }

    func signature(for image: SignedImage, digest: [UInt8]) throws -> [UInt8] {
        try source.signature(for: image, digest: digest, algorithm: algorithm)
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
