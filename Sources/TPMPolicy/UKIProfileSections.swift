import BinaryIO
import PEKit

/// The sections systemd-stub measures from a UKI for one profile (spec digest §3.3-§3.4), selected
/// by ``UKIProfiles/sections(of:profile:)``, in measurement order.
public enum UKIProfileSections {
    /// The measurable sections of `image` for profile `profile` (0 when the UKI has no profiles).
    public static func sections(of image: PEImage, profile: Int) throws -> [MeasuredSection] {
        try sections(of: try image.namedContents(), profile: profile, origin: image.file.path.string)
    }

    /// The same selection over sections in table order (a UKI being built); `origin` names it in errors.
    public static func sections(
        of all: [(name: String, content: any ByteSource)], profile: Int, origin: String
    ) throws -> [MeasuredSection] {
        guard let chosen = UKIProfiles.sections(of: all, profile: profile) else {
            let count = UKIProfiles.count(all.map(\.name))
            throw TPMPolicyError(
                .invalidArgument,
                count == 0
                    ? "\(origin) has no profiles; only profile 0 exists"
                    : "\(origin) has profiles 0 to \(count - 1); there is no profile \(profile)")
        }
        guard chosen[.linux] != nil else {
            throw TPMPolicyError(.malformedInput, "\(origin): no .linux section, so this is not a UKI")
        }
        return UKISectionKind.allCases.compactMap { kind in
            chosen[kind].map { MeasuredSection(kind: kind, content: $0) }
        }
    }
}
