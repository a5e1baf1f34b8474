import BinaryIO
import Glibc
import SystemPackage

/// systemd-bless-boot on an ESP (spec digest §5.3): the state of the entry this system booted,
/// and the renames that mark it good (counter removed) or bad (no tries left).
public enum BootAssessment: String, Sendable {
    /// No boot counting this boot (no LoaderBootCountPath).
    case clean
    /// The booted entry still has its counter and tries left.
    case indeterminate
    /// The booted entry still has its counter and no tries left.
    case dirty
    case good
    case bad

    /// The state of `bootCountPath` (LoaderBootCountPath, `\`-separated) on `esp`.
    public static func of(_ bootCountPath: String?, on esp: ESP) throws -> BootAssessment {
        guard let bootCountPath else { return .clean }
        let counter = try BootCounter(blessBootPath: bootCountPath)
        if esp.contains(ESP.relativePath(bootCountPath)) {
            return counter.triesLeft > 0 ? .indeterminate : .dirty
        }
        if esp.contains(ESP.relativePath(counter.goodName)) { return .good }
        if esp.contains(ESP.relativePath(counter.badName)) { return .bad }
        throw BootEntryError(.notFound, "\(bootCountPath): neither it nor its good or bad name is on \(esp.root)")
    }

    /// Renames the booted entry to its good or bad name, as `systemd-bless-boot good|bad` does:
    /// from the booted name, else from the opposite verdict's name; a target that already exists
    /// means it is done. Returns the rename made (nil when there was nothing to do).
    @discardableResult
    public static func mark(_ bootCountPath: String, good: Bool, on esp: ESP) throws -> (from: String, to: String)? {
        let counter = try BootCounter(blessBootPath: bootCountPath)
        let target = ESP.relativePath(good ? counter.goodName : counter.badName)
        if esp.contains(target) { return nil }
        for source in [ESP.relativePath(bootCountPath), ESP.relativePath(good ? counter.badName : counter.goodName)]
        where esp.contains(source) {
            try esp.rename(source, to: String(target.split(separator: "/").last ?? ""))
            return (source, target)
        }
        throw BootEntryError(.notFound, "\(bootCountPath): the booted entry is not on \(esp.root)")
    }

}

extension ESP {
    /// The Type #2 UKIs in `EFI/Linux` that `cleanup` removes: the bad ones (no tries left) and
    /// those beyond the first `keep` in systemd-boot's order (the booted one counts). Never chosen:
    /// the booted one (`booted`, a base name), files a firmware entry boots (`referenced`,
    /// ESP-relative paths such as A/B slots), and the last entry that is not bad. Changes nothing.
    public func cleanupCandidates(keep: Int, booted: String?, referenced: [String]) throws -> [String] {
        guard keep >= 1 else { throw BootEntryError(.invalid, "--keep \(keep): keep at least one entry") }
        let protected = Set(referenced.map { Self.relativePath($0).lowercased() })
        let ukis = try entries([.type2]).firstOfEachFile.filter { !protected.contains($0.path.lowercased()) }
        var kept = ukis.contains { $0.baseName == booted && !$0.isBad } ? 1 : 0
        var doomed: [ESPEntry] = []
        for entry in ukis where entry.baseName != booted {
            if !entry.isBad && kept < keep {
                kept += 1
                continue
            }
            doomed.append(entry)
        }
        // All bad and none booted: keep the best of them rather than an empty EFI/Linux.
        if kept == 0, !ukis.contains(where: { $0.baseName == booted }), !doomed.isEmpty { doomed.removeFirst() }
        return doomed.map(\.path)
    }

    /// Removes the ``cleanupCandidates(keep:booted:referenced:)`` and returns their paths.
    public func cleanup(keep: Int, booted: String?, referenced: [String]) throws -> [String] {
        let doomed = try cleanupCandidates(keep: keep, booted: booted, referenced: referenced)
        for path in doomed { try remove(path) }
        return doomed
    }
}
