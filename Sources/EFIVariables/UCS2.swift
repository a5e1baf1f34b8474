import BinaryIO

/// UCS-2 little-endian text, as EFI stores descriptions and file paths.
public enum UCS2 {
    public static func encode(_ text: String, terminated: Bool) -> [UInt8] {
        (Array(text.utf16) + (terminated ? [0] : [])).flatMap(\.littleEndianBytes)
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
}
