/// One row of a `.sbat` section: `component,generation,vendor,package,version,url`.
public struct SBATEntry: Sendable, Equatable {
    /// The six fields as bytes (shim compares them bytewise).
    public let fields: [[UInt8]]

    public var component: String { text(0) }
    public var generationText: String { text(1) }
    /// The generation as shim reads it (see ``SBATGeneration``).
    public var generation: UInt16 { SBATGeneration.value(fields[1]) }
    public var vendorName: String { text(2) }
    public var vendorPackage: String { text(3) }
    public var vendorVersion: String { text(4) }
    public var vendorURL: String { text(5) }

    func text(_ index: Int) -> String { String(decoding: fields[index], as: UTF8.self) }
}

/// The `.sbat` metadata of an image, parsed as shim parses it (`parse_sbat_section`): six
/// columns per row, none empty; extra columns ignored; zero rows allowed.
public struct SBATSection: Sendable, Equatable {
    public static let columns = 6

    public let entries: [SBATEntry]

    /// Parses `data` (a section's raw bytes, padding included). `origin` names it in errors.
    public init(parsing data: [UInt8], origin: String) throws {
        var entries: [SBATEntry] = []
        for row in SBATCSV.rows(data, columns: Self.columns).rows {
            guard row.fields.count == Self.columns else {
                throw SBATError(
                    .invalidSection,
                    "\(origin): line \(row.line): \(row.fields.count) of \(Self.columns) SBAT columns; shim rejects the image"
                )
            }
            if let empty = row.fields.firstIndex(where: \.isEmpty) {
                throw SBATError(
                    .invalidSection, "\(origin): line \(row.line): column \(empty + 1) is empty; shim rejects the image"
                )
            }
            entries.append(SBATEntry(fields: row.fields))
        }
        self.entries = entries
    }
}

/// shim's reading of a generation (`AsciiStrDecimalToUintn` into a UINT16): leading spaces and
/// tabs and zeros skipped, decimal digits up to the first other character, no digits → 0,
/// truncated to 16 bits.
public enum SBATGeneration {
    public static func value(_ bytes: [UInt8]) -> UInt16 {
        var index = 0
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
        var value: UInt16 = 0
        while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
            value = value &* 10 &+ UInt16(bytes[index] - 0x30)
            index += 1
        }
        return value
    }

    /// Whether shim reads the whole field as a number (lint: anything else is a likely mistake).
    public static func isPlainNumber(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { (0x30...0x39).contains($0) }
    }
}
