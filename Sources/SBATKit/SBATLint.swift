/// What shim would reject or read differently from what the author likely meant in `.sbat`
/// text, with line numbers.
public enum SBATLint {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        /// shim refuses an image with this `.sbat` (otherwise shim accepts it but reads it differently).
        public let rejected: Bool

        public var description: String { "line \(line): \(message)" }
    }

    public static let header = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md"

    public static func problems(_ data: [UInt8]) -> [Problem] {
        let (rows, stoppedAtNUL) = SBATCSV.rows(data, columns: SBATSection.columns)
        var problems: [Problem] = []
        func add(_ line: Int, _ message: String, rejected: Bool = false) {
            problems.append(Problem(line: line, message: message, rejected: rejected))
        }
        if rows.isEmpty { add(1, "no SBAT rows: nothing can ever revoke this image") }
        if let first = rows.first, first.fields.first != Array("sbat".utf8) || first.fields.dropFirst().first != [0x31]
        {
            add(first.line, "the first row should be the header '\(header)'")
        }
        for row in rows {
            if row.fields.count < SBATSection.columns {
                add(row.line, "\(row.fields.count) of \(SBATSection.columns) columns", rejected: true)
            }
            for (index, field) in row.fields.enumerated() {
                if field.isEmpty { add(row.line, "column \(index + 1) is empty", rejected: true) }
                if field.contains(UInt8(ascii: "\"")) {
                    add(row.line, "column \(index + 1) has a quote; SBAT has no CSV quoting, so it is part of the text")
                }
                if let first = field.first, let last = field.last,
                    [0x20, 0x09].contains(first) || [0x20, 0x09].contains(last)
                {
                    add(row.line, "column \(index + 1) has leading or trailing blanks, which shim keeps")
                }
            }
            if row.fields.count > 1, !row.fields[1].isEmpty, !SBATGeneration.isPlainNumber(row.fields[1]) {
                let text = String(decoding: row.fields[1], as: UTF8.self)
                add(
                    row.line,
                    "generation '\(text)' is not a number; shim reads it as \(SBATGeneration.value(row.fields[1]))")
            }
            if row.extraFields > 0 { add(row.line, "\(row.extraFields) columns after the sixth are ignored by shim") }
        }
        if stoppedAtNUL {
            add((rows.last?.line ?? 0) + 1, "data after a NUL byte is ignored by shim")
        }
        return problems
    }
}
