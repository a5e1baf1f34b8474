import BinaryIO
import PEKit

/// The `.sbat` data of a PE as shim finds it (`verify_sbat_section`): exactly one section named
/// `.sbat`, no relocations, the file bytes `[PointerToRawData, +SizeOfRawData)` (padding
/// included) when `SizeOfRawData >= VirtualSize`, otherwise none.
public enum ImageSBAT {
    /// The most data read from one `.sbat` (real ones are a few hundred bytes).
    public static let limit = 1 << 20

    /// The section's bytes, or nil when the image has no usable `.sbat`. As shim: a `.sbat` with
    /// SizeOfRawData 0 or below VirtualSize is passed over; another `.sbat` after a usable one,
    /// or relocations on one, make shim refuse the image.
    public static func data(of image: PEImage) throws -> [UInt8]? {
        let path = image.file.path.string
        var usable: SectionHeader?
        for section in image.sections where section.name.rawBytes == Array(".sbat".utf8) + [0, 0, 0] {
            guard usable == nil else {
                throw SBATError(.unsupportedImage, "\(path): more than one .sbat section; shim refuses the image")
            }
            guard section.numberOfRelocations == 0, section.pointerToRelocations == 0 else {
                throw SBATError(.unsupportedImage, "\(path): .sbat has relocations; shim refuses the image")
            }
            if section.sizeOfRawData != 0, section.sizeOfRawData >= section.virtualSize { usable = section }
        }
        guard let usable else { return nil }
        guard Int(usable.sizeOfRawData) <= limit else {
            throw SBATError(
                .unsupportedImage, "\(path): .sbat of \(usable.sizeOfRawData) bytes is more than this tool reads")
        }
        return try image.file.read(at: Int(usable.pointerToRawData), count: Int(usable.sizeOfRawData), field: ".sbat")
    }

    /// The parsed section; an image without one is a ``SBATErrorCode/missingSection`` error.
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
