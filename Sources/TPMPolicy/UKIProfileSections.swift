import BinaryIO
import PEKit

/// The sections systemd-stub measures from a UKI for one profile (spec digest §3.3-§3.4), selected
/// by ``UKIProfiles/candidates(of:profile:)``, in measurement order.
public enum UKIProfileSections {
    /// The measurable sections of `image` for profile `profile` (0 when the UKI has no profiles),
    /// taking the first of several `.dtbauto`/`.efifw` candidates.
    public static func sections(of image: PEImage, profile: Int) throws -> [MeasuredSection] {
        try sections(of: try image.namedContents(), profile: profile, origin: image.file.path.string)
    }

    /// The same selection over sections in table order (a UKI being built); `origin` names it in errors.
    public static func sections(
        of all: [(name: String, content: any ByteSource)], profile: Int, origin: String
    ) throws -> [MeasuredSection] {
        try candidates(of: all, profile: profile, origin: origin)[0]
    }

    /// What the stub may measure for profile `profile` of `image`: one section list per choice it
    /// can make by the hardware, one `.dtbauto` and one `.efifw` candidate each (every combination,
    /// the first candidates first), as ukify predicts one PCR 11 value per `.dtbauto`. A UKI
    /// without candidates has one list.
    public static func candidates(of image: PEImage, profile: Int) throws -> [[MeasuredSection]] {
        try candidates(of: try image.namedContents(), profile: profile, origin: image.file.path.string)
    }

    /// ``candidates(of:profile:)`` over sections in table order; `origin` names them in errors.
    public static func candidates(
        of all: [(name: String, content: any ByteSource)], profile: Int, origin: String
    ) throws -> [[MeasuredSection]] {
        guard let chosen = UKIProfiles.candidates(of: all, profile: profile) else {
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
        var lists: [[MeasuredSection]] = [[]]
        for kind in UKISectionKind.allCases {
            guard let contents = chosen[kind] else { continue }
            lists = lists.flatMap { list in contents.map { list + [MeasuredSection(kind: kind, content: $0)] } }
        }
        return lists
    }
}
