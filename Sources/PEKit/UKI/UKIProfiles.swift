import BinaryIO

/// The profiles of a UKI (spec digest §3.4; systemd `pe_locate_profile_sections`): each `.profile`
/// section starts one, numbered from 0 in table order, and its range runs to the next `.profile`;
/// everything before the first `.profile` is the base. A UKI without `.profile` has only profile 0,
/// the base alone. systemd-stub boots, and systemd-boot lists, at most ``maximum`` profiles.
public enum UKIProfiles {
    /// systemd's `UNIFIED_PROFILES_MAX`.
    public static let maximum = 256

    /// The number of `.profile` sections among `names`: 0 for a UKI without profiles.
    public static func count(_ names: some Sequence<String>) -> Int {
        names.count { $0 == UKISectionKind.profile.rawValue }
    }

    /// The sections of UKI kinds that profile `profile` consists of: the base overridden by name by
    /// the profile's own sections. Within a range the first section of a name wins (for
    /// `.dtbauto`/`.efifw` the stub takes the first that matches the hardware; this takes the first:
    /// ``candidates(of:profile:)`` has them all); empty sections count as absent. nil when the UKI
    /// has no such profile.
    public static func sections(
        of all: [(name: String, content: any ByteSource)], profile: Int
    ) -> [UKISectionKind: any ByteSource]? {
        candidates(of: all, profile: profile)?.compactMapValues(\.first)
    }

    /// ``sections(of:profile:)`` with every candidate of the kinds the stub picks one of by the
    /// hardware (`.dtbauto`, `.efifw`; ``UKISectionKind/allowsSeveral``), in table order; one
    /// element for the other kinds. A profile's candidates of a kind replace the base's.
    public static func candidates(
        of all: [(name: String, content: any ByteSource)], profile: Int
    ) -> [UKISectionKind: [any ByteSource]]? {
        let profileStarts = all.indices.filter { all[$0].name == UKISectionKind.profile.rawValue }
        var ranges = [0..<(profileStarts.first ?? all.count)]
        if profileStarts.isEmpty {
            guard profile == 0 else { return nil }
        } else {
            guard profile >= 0, profile < profileStarts.count else { return nil }
            let end = profile + 1 < profileStarts.count ? profileStarts[profile + 1] : all.count
            ranges.append(profileStarts[profile]..<end)
        }
        var chosen: [UKISectionKind: [any ByteSource]] = [:]
        for range in ranges {
            var inRange: [UKISectionKind: [any ByteSource]] = [:]
            for (name, content) in all[range] {
                guard let kind = UKISectionKind(rawValue: name), content.count > 0,
                    kind.allowsSeveral || inRange[kind] == nil
                else {
                    continue
                }
                inRange[kind, default: []].append(content)
            }
            chosen.merge(inRange) { _, profiles in profiles }
        }
        return chosen
    }
}

extension PEImage {
    /// Every section's name and ``memoryContent(of:)``, in table order: the input of
    /// ``UKIProfiles/sections(of:profile:)``.
    public func namedContents() throws -> [(name: String, content: any ByteSource)] {
        try sections.map { (name: $0.name.string, content: try memoryContent(of: $0)) }
    }
}
