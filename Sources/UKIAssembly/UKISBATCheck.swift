import PEKit
import SBATKit

/// `ukify build --sbat` checks what it embeds with shim's parser: `.sbat` shim would reject is an
/// error; text shim would read differently from what was likely meant is a warning.
enum UKISBATCheck {
    static func warnings(for build: UKIBuild) throws -> [String] {
        guard let section = build.sections.first(where: { $0.name.string == ".sbat" }) else { return [] }
        let bytes = try section.content.readAll(limit: ImageSBAT.limit)
        _ = try SBATSection(parsing: bytes, origin: "merged .sbat")
        return SBATLint.problems(bytes).map { "merged .sbat: \($0)" }
    }
}
