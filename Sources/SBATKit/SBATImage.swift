import BinaryIO
import PEKit
import SystemPackage

/// A PE file's SBAT metadata as shim sees it: its own `.sbat`, and for a UKI also the `.sbat` of
/// the PE kernel inside (systemd-stub starts it through shim's protocol, which checks a kernel
/// that has `.sbat`).
public struct SBATImage: Sendable {
    public struct Part: Sendable {
        /// nil for the file's own `.sbat`; ".linux" for the embedded kernel's.
        public let label: String?
        public let section: SBATSection
    }

    public let path: String
    public let parts: [Part]

    /// Opens `path`; a PE without a usable `.sbat` is a ``SBATErrorCode/missingSection`` error.
    public static func load(_ path: String) throws -> SBATImage {
        try load(try PEImage(file: try ReadableFile(path: FilePath(path))))
    }

    public static func load(_ image: PEImage) throws -> SBATImage {
        var parts = [Part(label: nil, section: try ImageSBAT.section(of: image))]
        if let kernel = ImageSBAT.embeddedKernel(of: image), let data = try ImageSBAT.data(of: kernel) {
            parts.append(
                Part(
                    label: ".linux", section: try SBATSection(parsing: data, origin: "\(kernel.file.path.string) .sbat")
                ))
        }
        return SBATImage(path: image.file.path.string, parts: parts)
    }

    /// The first revocation among the parts, or allowed.
    public func verdict(under level: SBATLevel) -> (part: Part, verdict: SBATVerdict)? {
        for part in parts {
            let verdict = level.verdict(for: part.section)
            if verdict != .allowed { return (part, verdict) }
        }
        return nil
    }
}
