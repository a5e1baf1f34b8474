/// A PE section name: up to 8 bytes, NUL-padded, no NUL when exactly 8 long (PE/COFF
/// "Section Table", Name). Names from files are kept byte-exact.
public struct SectionName: Hashable, Sendable, CustomStringConvertible {
    /// The 8 raw bytes of the header field.
    public let rawBytes: [UInt8]

    public init(rawBytes: [UInt8]) {
        precondition(rawBytes.count == 8, "section name field is 8 bytes")
        self.rawBytes = rawBytes
    }

    /// A name for a section we create: printable ASCII, 1...8 bytes (UKI sections never use
    /// the `/n` string-table form).
    public init(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 8, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw PEError(.invalidSectionName, detail: "'\(name)': must be 1 to 8 printable ASCII characters")
        }
        rawBytes = bytes + [UInt8](repeating: 0, count: 8 - bytes.count)
    }

    /// The name up to the first NUL, as systemd-stub compares names (`pe_section_name_equal`).
    public var string: String {
        String(decoding: rawBytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    public var description: String { string }
}
