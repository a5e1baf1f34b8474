import BinaryIO
import BootCrypto

/// What `ukify inspect` reports about a PE: each section's size, SHA-256 and, for text kinds,
/// its text, split into the base (before the first `.profile`) and the profiles.
public struct UKIInspection: Sendable {
    public struct Section: Sendable, Equatable {
        public var name: String
        /// VirtualSize: the bytes the stub sees and measures.
        public var size: Int
        public var sha256: String
        /// Present for text kinds (or when asked): the content decoded as UTF-8.
        public var text: String?
        /// Whether the stub measures this kind into PCR 11 (nil: not a UKI section kind).
        public var measured: Bool?
    }

    /// Sections before the first `.profile` (all sections when there is no profile).
    public let base: [Section]
    /// Profile N: its `.profile` and the sections up to the next `.profile`.
    public let profiles: [[Section]]

    /// Text is shown for sections up to this size; larger ones are reported as binary.
    public static let textLimit = 1 << 20

    /// The sections ukify 257's inspect shows unless asked for others (`DEFAULT_SECTIONS_TO_SHOW`).
    public static let shownByDefault: Set<String> =
        Set(UKISectionKind.allCases.map(\.rawValue)).subtracting([UKISectionKind.efifw.rawValue]).union([".sbom"])

    /// A section's text as ukify shows it: trailing NULs dropped, other NULs as `\0`; nil when
    /// it is not UTF-8.
    static func displayText(_ bytes: [UInt8]) -> String? {
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == 0 { end -= 1 }
        guard let text = String(validating: bytes[..<end], as: UTF8.self) else { return nil }
        return text.replacing("\0", with: "\\0")
    }

    /// Inspects every section of `image`. `textOverrides` forces text (true) or binary (false)
    /// rendering for the named sections.
    public init(image: PEImage, textOverrides: [String: Bool] = [:]) throws {
        var base: [Section] = []
        var profiles: [[Section]] = []
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { scratch.deallocate() }
        for header in image.sections {
            let name = header.name.string
            let kind = UKISectionKind(rawValue: name)
            let content = try image.memoryContent(of: header)
            let digest = Digest(.sha256)
            let showText = (textOverrides[name] ?? kind?.isText ?? false) && content.count <= Self.textLimit
            var text: [UInt8] = []
            try withPEErrors(path: image.file.path.string) {
                try content.forEachChunk(scratch: scratch) { chunk in
                    digest.update(chunk)
                    if showText { text.append(contentsOf: chunk) }
                }
            }
            let section = Section(
                name: name, size: content.count, sha256: digest.finalize().hexString,
                text: showText ? (Self.displayText(text) ?? "(not valid UTF-8)") : nil,
                measured: kind?.isMeasured)
            if kind == .profile { profiles.append([]) }
            if profiles.isEmpty { base.append(section) } else { profiles[profiles.count - 1].append(section) }
        }
        self.base = base
        self.profiles = profiles
    }
}
