import BinaryIO
import PEKit

/// The sections systemd-stub uses from a UKI for one profile (spec digest §3.3-§3.4): the base
/// (everything before the first `.profile`) overridden by name by the selected profile's own
/// sections; within a range the first section of a name wins (for `.dtbauto`/`.efifw` the stub
/// takes the first that matches the hardware; this takes the first); empty sections count as absent.
public enum UKIProfileSections {
    /// The measurable sections of `image` for profile `profile` (0 when the UKI has no profiles).
    public static func sections(of image: PEImage, profile: Int) throws -> [MeasuredSection] {
        let all = try image.sections.map { header in
            (name: header.name.string, content: try image.memoryContent(of: header))
        }
        return try sections(of: all, profile: profile, origin: image.file.path.string)
    }

    /// The same selection over sections in table order (a UKI being built); `origin` names it in errors.
    public static func sections(
        of all: [(name: String, content: any ByteSource)], profile: Int, origin: String
    ) throws -> [MeasuredSection] {
        let profileStarts = all.indices.filter { all[$0].name == UKISectionKind.profile.rawValue }
        var ranges = [0..<(profileStarts.first ?? all.count)]
        if profileStarts.isEmpty {
            guard profile == 0 else {
                throw TPMPolicyError(.invalidArgument, "\(origin) has no profiles; only profile 0 exists")
            }
        } else {
            guard profile >= 0, profile < profileStarts.count else {
                throw TPMPolicyError(
                    .invalidArgument,
                    "\(origin) has profiles 0 to \(profileStarts.count - 1); there is no profile \(profile)")
            }
            let end = profile + 1 < profileStarts.count ? profileStarts[profile + 1] : all.count
            ranges.append(profileStarts[profile]..<end)
        }
        var chosen: [UKISectionKind: any ByteSource] = [:]
        for range in ranges {
            var seen: Set<UKISectionKind> = []
            for (name, content) in all[range] {
                guard let kind = UKISectionKind(rawValue: name), content.count > 0, !seen.contains(kind) else {
                    continue
                }
                seen.insert(kind)
                chosen[kind] = content
            }
        }
        guard chosen[.linux] != nil else {
            throw TPMPolicyError(.malformedInput, "\(origin): no .linux section, so this is not a UKI")
        }
        return UKISectionKind.allCases.compactMap { kind in
            chosen[kind].map { MeasuredSection(kind: kind, content: $0) }
        }
    }
}
