/// UCS-2 little-endian text, as EFI stores descriptions and file paths.
public enum UCS2 {
    public static func encode(_ text: String, terminated: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        for unit in text.utf16 + (terminated ? [0] : []) {
            bytes.append(UInt8(unit & 0xFF))
            bytes.append(UInt8(unit >> 8))
        }
        return bytes
    }

    /// Decodes up to the first NUL character (or the end); odd trailing bytes are ignored.
    public static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var units: [UInt16] = []
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            let unit = UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
            if unit == 0 { break }
            units.append(unit)
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}
