import BinaryIO
import PEKit

/// The `.sbat` data of a PE as shim finds it (`verify_sbat_section`): exactly one section named
/// `.sbat`, no relocations, the file bytes `[PointerToRawData, +SizeOfRawData)` (padding
/// included) when `SizeOfRawData >= VirtualSize`, otherwise none.
public enum ImageSBAT {
    /// The most data read from one `.sbat` (real ones are a few hundred bytes).
    public static let limit = 1 << 20

    /// The section's bytes, or nil when the image has no usable `.sbat`.
    public static func data(of image: PEImage) throws -> [UInt8]? {
        let path = image.file.path.string
        let sections = image.sections.filter { $0.name.rawBytes == Array(".sbat".utf8) + [0, 0, 0] }
        guard sections.count <= 1 else {
            throw SBATError(.unsupportedImage, "\(path): \(sections.count) .sbat sections; shim refuses the image")
        }
        guard let section = sections.first else { return nil }
        guard section.numberOfRelocations == 0, section.pointerToRelocations == 0 else {
            throw SBATError(.unsupportedImage, "\(path): .sbat has relocations; shim refuses the image")
        }
        guard section.sizeOfRawData != 0, section.sizeOfRawData >= section.virtualSize else { return nil }
        guard Int(section.sizeOfRawData) <= limit else {
            throw SBATError(.unsupportedImage, "\(path): .sbat of \(section.sizeOfRawData) bytes")
        }
        do {
            return try image.file.read(
                at: Int(section.pointerToRawData), count: Int(section.sizeOfRawData), field: ".sbat")
        } catch {
            throw SBATError(.unsupportedImage, "\(path): .sbat lies outside the file; shim refuses the image")
        }
    }

    /// The parsed section; an image without one is a ``SBATError/Code/missingSection`` error.
    public static func section(of image: PEImage) throws -> SBATSection {
        guard let data = try data(of: image) else {
            throw SBATError(.missingSection, "\(image.file.path.string): no .sbat section (shim refuses such images)")
        }
        return try SBATSection(parsing: data, origin: "\(image.file.path.string) .sbat")
    }
}

extension ImageSBAT {
    /// The PE kernel inside a UKI's `.linux` (what systemd-stub hands to shim's protocol), if the
    /// image has a `.linux` that is a PE.
    public static func embeddedKernel(of image: PEImage) -> PEImage? {
        guard let linux = image.section(named: ".linux") else { return nil }
        let count = min(Int(linux.virtualSize), Int(linux.sizeOfRawData))
        guard let window = try? image.file.window(at: Int(linux.pointerToRawData), count: count, name: ".linux") else {
            return nil
        }
        return try? PEImage(file: window)
    }
}
