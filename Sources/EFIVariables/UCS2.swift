import BinaryIO

/// UCS-2 little-endian text, as EFI stores descriptions and file paths.
public enum UCS2 {
    public static func encode(_ text: String, terminated: Bool) -> [UInt8] {
        encode(units: Array(text.utf16), terminated: terminated)
    }

    /// Code units as stored, optionally followed by a NUL.
    public static func encode(units: [UInt16], terminated: Bool) -> [UInt8] {
        (units + (terminated ? [0] : [])).flatMap(\.littleEndianBytes)
    }

    /// The 16-bit code units of `bytes` (an odd trailing byte is ignored).
    public static func units(_ bytes: ArraySlice<UInt8>) -> [UInt16] {
        stride(from: bytes.startIndex, to: bytes.endIndex - 1, by: 2).map {
            UInt16(littleEndianBytes: bytes[$0..<($0 + 2)])
        }
    }

    /// Decodes up to the first NUL character (or the end); odd trailing bytes are ignored.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: units(bytes).prefix { $0 != 0 }, as: UTF16.self)
    }

    /// The code units of a label the firmware shows (a load option's description), or an error
    /// naming the first character that UCS-2 cannot carry. CHAR16 text is UCS-2 (UEFI 2.10 2.3.1
    /// "Data Types"): a character beyond U+FFFF would be stored as a surrogate pair, which the
    /// firmware prints as two unknown characters, and a NUL would end the label early.
    public static func labelUnits(_ label: String) throws -> [UInt16] {
        for (index, scalar) in label.unicodeScalars.enumerated() where scalar.value == 0 || scalar.value > 0xFFFF {
            let code = String(scalar.value, radix: 16, uppercase: true)
            let why = scalar.value == 0 ? "a NUL would end it" : "U+\(code) is outside UCS-2 (U+0001-U+FFFF)"
            throw EFIVariableError(.invalidArgument, "label '\(label)': character \(index + 1): \(why)")
        }
        return Array(label.utf16)
    }
}
