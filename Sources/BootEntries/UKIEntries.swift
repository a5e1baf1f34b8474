import BinaryIO
import PEKit
import SystemPackage

extension ESP {
    /// The menu entries systemd-boot makes of the UKI `file` (at `path` on the ESP), one per profile
    /// (systemd-boot 257 `boot_entry_add_type2`). Profile N consists of the base sections overlaid
    /// with its own (``UKIProfiles``); the list ends at the first profile after 0 that does not
    /// exist; a profile without an `.osrel` that names the OS is skipped. The title is the `.osrel`
    /// name, followed by the `.profile`'s `TITLE=` in parentheses, or for profiles after the first by
    /// its `ID=` or "Profile #N+1". Throws when `file` is not a PE.
    static func ukiEntries(_ file: ReadableFile, path: String) throws -> [ESPEntry] {
        let sections = try PEImage(file: file).namedContents()
        var entries: [ESPEntry] = []
        for profile in 0..<UKIProfiles.maximum {
            guard let chosen = UKIProfiles.sections(of: sections, profile: profile) else { break }
            guard let osRelease = chosen[.osrel].flatMap({ try? Self.keyValues($0) }),
                let fields = Self.osReleaseFields(osRelease), let name = fields.title,
                let about = try? (chosen[.profile].map(Self.keyValues) ?? [:])
            else { continue }
            let label = about["TITLE"] ?? (profile == 0 ? nil : about["ID"] ?? "Profile #\(profile + 1)")
            entries.append(
                ESPEntry(
                    kind: .type2, path: path, title: label.map { "\(name) (\($0))" } ?? name,
                    version: fields.version, sortKey: fields.sortKey, machineID: nil, profile: profile,
                    profileID: about["ID"]))
        }
        return entries
    }
}
