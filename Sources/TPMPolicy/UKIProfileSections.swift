import BinaryIO
import PEKit

/// The sections systemd-stub uses from a UKI for one profile (spec digest §3.3-§3.4): the base
/// (everything before the first `.profile`) overridden by name by the selected profile's own
/// sections; within a range the first section of a name wins; empty sections count as absent.
public enum UKIProfileSections {
    /// The measurable sections of `image` for profile `profile` (0 when the UKI has no profiles).
    public static func sections(of image: PEImage, profile: Int) throws -> [MeasuredSection] {
        let path = image.file.path.string
        let profileStarts = image.sections.indices.filter { image.sections[$0].name.string == ".profile" }
        let baseEnd = profileStarts.first ?? image.sections.count
        var ranges = [0..<baseEnd]
        if profileStarts.isEmpty {
            guard profile == 0 else {
                throw TPMPolicyError(.invalidArgument, "\(path) has no profiles; only profile 0 exists")
            }
        } else {
            guard profile >= 0, profile < profileStarts.count else {
                throw TPMPolicyError(
                    .invalidArgument,
                    "\(path) has profiles 0 to \(profileStarts.count - 1); there is no profile \(profile)")
            }
            let start = profileStarts[profile]
            let end = profile + 1 < profileStarts.count ? profileStarts[profile + 1] : image.sections.count
            ranges.append(start..<end)
        }
        var chosen: [UKISectionKind: SectionHeader] = [:]
        for range in ranges {
            var seen: Set<UKISectionKind> = []
            for header in image.sections[range] {
                guard let kind = UKISectionKind(rawValue: header.name.string), header.virtualSize > 0,
                    !seen.contains(kind)
                else { continue }
                seen.insert(kind)
                chosen[kind] = header
            }
        }
        guard chosen[.linux] != nil else {
            throw TPMPolicyError(.malformedInput, "\(path): no .linux section, so this is not a UKI")
        }
        return try UKISectionKind.allCases.compactMap { kind in
            try chosen[kind].map { MeasuredSection(kind: kind, content: try image.memoryContent(of: $0)) }
        }
    }
}
