/// shim's CSV tokenizer (`csv.c parse_csv_data`), byte for byte: an optional UTF-8 BOM is
/// skipped; lines end at CR, LF or NUL; runs of line breaks and empty lines are skipped; fields
/// are split on ',' with no quoting and no trimming; fields past `columns` are dropped. A NUL
/// ends the data when it ends a line or follows a single line break; after two or more line
/// breaks shim steps over it as an empty line and reads on.
enum SBATCSV {
    struct Row: Equatable {
        /// 1-based line number in the input (CRLF and a lone CR count as one break).
        var line: Int
        var fields: [[UInt8]]
        /// Fields present beyond `columns` (shim ignores them; lint reports them).
        var extraFields: Int
    }

    /// The rows of `data` as shim parses it (shim appends one NUL, as this does), and whether
    /// parsing stopped at a NUL with more non-NUL data after it.
    static func rows(_ data: [UInt8], columns: Int) -> (rows: [Row], stoppedAtNUL: Bool) {
        let bytes = data + [0]
        let end = bytes.count - 1
        var index = 0
        if data.count >= 3, data[0] == 0xEF, data[1] == 0xBB, data[2] == 0xBF { index = 3 }
        var line = 1
        var counted = 0
        func lineNumber(at offset: Int) -> Int {
            while counted < offset {
                let byte = data[counted]
                if byte == 0x0A || (byte == 0x0D && (counted + 1 >= data.count || data[counted + 1] != 0x0A)) {
                    line += 1
                }
                counted += 1
            }
            return line
        }
        func dataRemains(after offset: Int) -> Bool {
            offset < end && data[(offset + 1)...].contains { $0 != 0 }
        }
        var rows: [Row] = []
        while index <= end, bytes[index] != 0 {
            while index <= end, bytes[index] == 0x0D || bytes[index] == 0x0A { index += 1 }
            var lineEnd = index
            while lineEnd < end, ![0x0D, 0x0A, 0].contains(bytes[lineEnd]) { lineEnd += 1 }
            let endsData = bytes[lineEnd] == 0
            if index == end || index == lineEnd {
                index = lineEnd + 1
                continue
            }
            let fields = bytes[index..<lineEnd].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            rows.append(
                Row(
                    line: lineNumber(at: index), fields: fields.prefix(columns).map(Array.init),
                    extraFields: max(0, fields.count - columns)))
            if endsData { return (rows, dataRemains(after: lineEnd)) }
            index = lineEnd + 1
        }
        return (rows, index <= end && dataRemains(after: index))
    }
}
