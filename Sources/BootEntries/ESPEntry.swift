/// A Boot Loader Specification entry on an ESP: a Type #1 `loader/entries/*.conf` file or a
/// Type #2 UKI `EFI/Linux/*.efi`, with what systemd-boot reads from it to list and sort it.
public struct ESPEntry: Sendable {
    public enum Kind: String, Sendable {
        case type1 = "type1"
        case type2 = "type2"

        /// The file name suffix of the kind.
        var suffix: String { self == .type1 ? ".conf" : ".efi" }
    }

    public let kind: Kind
    /// Relative to the ESP, with `/` separators (`EFI/Linux/os+3-0.efi`).
    public let path: String
    /// systemd-boot's ID (what LoaderEntryDefault and LoaderEntryOneShot match): ``idWithoutProfile``,
    /// and for a profile after the first of a multi-profile UKI `@` and the `.profile`'s ID= (or
    /// the profile number), as `boot_entry_add_type2` of systemd-boot 257 spells it.
    public let id: String
    /// systemd-boot 257's ID of the file: its name, lowercased, counter and suffix included.
    public var idWithoutProfile: String { fileName.lowercased() }
    public var fileName: String { String(path.split(separator: "/").last ?? "") }
    /// The profile of a multi-profile UKI this entry boots; 0 for Type #1 entries and other UKIs.
    public let profile: Int
    /// nil when the file name has no boot counter.
    public let counter: BootCounter?
    public let title: String?
    public let version: String?
    public let sortKey: String?
    public let machineID: String?

    /// `profileID` is the ID= of the profile's `.profile` section (used for profiles after the first).
    public init(
        kind: Kind, path: String, title: String?, version: String?, sortKey: String?, machineID: String?,
        profile: Int = 0, profileID: String? = nil
    ) {
        let fileName = String(path.split(separator: "/").last ?? "")
        self.kind = kind
        self.path = path
        counter = BootCounter(loaderFileName: fileName, suffix: kind.suffix)
        self.title = title
        self.version = version
        self.sortKey = sortKey
        self.machineID = machineID
        self.profile = profile
        id = fileName.lowercased() + (profile == 0 ? "" : "@\(profileID ?? String(profile))")
    }

    /// Counted with no tries left: sorted last, and what `cleanup` removes.
    public var isBad: Bool { counter?.triesLeft == 0 }

    /// systemd-boot's `boot_entry_compare` (spec digest §5.4): true when `self` is listed first.
    public func sortsBefore(_ other: ESPEntry) -> Bool { Self.compare(self, other) < 0 }

    static func compare(_ a: ESPEntry, _ b: ESPEntry) -> Int {
        func order<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x > y ? 1 : 0 }
        /// strcmp16 with NULL before any string, as systemd-boot compares.
        func order(_ x: String?, _ y: String?) -> Int {
            guard let x, let y else { return order(x == nil ? 0 : 1, y == nil ? 0 : 1) }
            return x.utf8.elementsEqual(y.utf8) ? 0 : x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : 1
        }
        let bothHaveSortKeys = a.sortKey != nil && b.sortKey != nil
        let steps: [() -> Int] = [
            { order(a.isBad ? 1 : 0, b.isBad ? 1 : 0) },
            { order(a.sortKey == nil ? 1 : 0, b.sortKey == nil ? 1 : 0) },
            { bothHaveSortKeys ? order(a.sortKey, b.sortKey) : 0 },
            { bothHaveSortKeys ? order(a.machineID, b.machineID) : 0 },
            { bothHaveSortKeys ? -compareVersions(a.version ?? "", b.version ?? "") : 0 },
            // `id_without_profile ?: id`, then profiles of one UKI by number; profile 0 has no
            // id_without_profile in systemd-boot, so it compares equal to the others (a stable sort
            // keeps it first, where it was added).
            { -compareVersions(a.idWithoutProfile, b.idWithoutProfile) },
            { a.profile > 0 && b.profile > 0 ? order(a.profile, b.profile) : 0 },
            { a.counter != nil && b.counter != nil ? order(b.counter!.triesLeft, a.counter!.triesLeft) : 0 },
            { a.counter != nil && b.counter != nil ? order(a.counter!.triesDone, b.counter!.triesDone) : 0 },
        ]
        for step in steps {
            let result = step()
            if result != 0 { return result }
        }
        return 0
    }
}

extension [ESPEntry] {
    /// The first entry of each file, in order: what file operations (install, cleanup) work on, as a
    /// multi-profile UKI makes several entries.
    var firstOfEachFile: [ESPEntry] {
        var seen: Set<String> = []
        return filter { seen.insert($0.path).inserted }
    }
}
