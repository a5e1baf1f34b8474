/// The SbatLevel payloads shim ships (its `SbatLevel_Variable.txt`, shim main as of 2025-05),
/// and the ones its policies select: `automatic` (what shim applies by itself, also what
/// mokutil calls "previous") and `latest` (opt-in, `mokutil --set-sbat-policy latest`).
public enum BuiltinLevels {
    public struct Entry: Sendable {
        public let datestamp: String
        /// The datestamp, with `-opt-in` for the second payload of 2022052400.
        public let name: String
        /// `component,generation` rows after the `sbat,1,<datestamp>` row.
        public let revocations: [(String, Int)]
        /// What the level revokes, in short.
        public let summary: String

        init(datestamp: String, revocations: [(String, Int)], summary: String, optIn: Bool = false) {
            self.datestamp = datestamp
            name = optIn ? datestamp + "-opt-in" : datestamp
            self.revocations = revocations
            self.summary = summary
        }

        /// The variable payload: `sbat,1,<datestamp>\n` and one line per row, no NUL.
        public var payload: [UInt8] {
            Array((["sbat,1,\(datestamp)"] + revocations.map { "\($0.0),\($0.1)" }).map { $0 + "\n" }.joined().utf8)
        }

        public func level() -> SBATLevel {
            // The table is ours and well-formed.
            try! SBATLevel(parsing: payload, origin: "built-in level \(datestamp)")
        }
    }

    /// Every payload, oldest first. 2022052400 has two: the automatic one, then the opt-in one
    /// that also revokes shim 1.
    public static let all: [Entry] = [
        Entry(datestamp: "2021030218", revocations: [], summary: "shim's original value: nothing revoked"),
        Entry(datestamp: "2022052400", revocations: [("grub", 2)], summary: "GRUB CVEs of 2021-2022"),
        Entry(
            datestamp: "2022052400", revocations: [("shim", 2), ("grub", 2)],
            summary: "GRUB CVEs of 2021-2022 and shim CVE-2022-28737", optIn: true),
        Entry(
            datestamp: "2022111500", revocations: [("shim", 2), ("grub", 3)],
            summary: "GRUB CVE-2022-2601, CVE-2022-3775"),
        Entry(
            datestamp: "2023012900", revocations: [("shim", 2), ("grub", 3), ("grub.debian", 4)],
            summary: "Debian GRUB builds that missed fixes"),
        Entry(
            datestamp: "2023012950", revocations: [("shim", 3), ("grub", 3), ("grub.debian", 4)],
            summary: "a shim bug without exploit (never delivered)"),
        Entry(
            datestamp: "2023091900", revocations: [("shim", 2), ("grub", 4)],
            summary: "GRUB NTFS CVE-2023-4692, CVE-2023-4693"),
        Entry(
            datestamp: "2024010900", revocations: [("shim", 4), ("grub", 3), ("grub.debian", 4)],
            summary: "shim CVE-2023-40546 to CVE-2023-40551"),
        Entry(
            datestamp: "2024040900", revocations: [("shim", 4), ("grub", 4), ("grub.peimage", 2)],
            summary: "shim 2024, GRUB 2023, Debian/Ubuntu peimage CVE-2024-2312"),
        Entry(datestamp: "2025021800", revocations: [("shim", 4), ("grub", 5)], summary: "GRUB CVEs of February 2025"),
        Entry(
            datestamp: "2025051000", revocations: [("shim", 4), ("grub", 5), ("grub.proxmox", 2)],
            summary: "Proxmox GRUB PSA-2025-00012-1"),
    ]

    /// The payload shim applies by itself in Secure Boot mode (its SBAT_AUTOMATIC_DATE).
    public static let automaticDatestamp = "2024040900"

    public static var automatic: Entry { all.first { $0.datestamp == automaticDatestamp }! }

    /// The newest payload.
    public static var latest: Entry { all.max { $0.datestamp < $1.datestamp }! }

    /// A policy name as `sbat check --policy` takes it: `automatic`, `previous` (mokutil's name
    /// for automatic), `latest`, or an entry's ``Entry/name``.
    public static func named(_ name: String) throws -> Entry {
        switch name {
        case "automatic", "previous": return automatic
        case "latest": return latest
        default:
            guard let entry = all.first(where: { $0.name == name }) else {
                throw SBATError(
                    .unknownLevel,
                    "unknown SBAT level '\(name)' (automatic, previous, latest, or one of "
                        + all.map(\.name).joined(separator: " ") + ")")
            }
            return entry
        }
    }
}
