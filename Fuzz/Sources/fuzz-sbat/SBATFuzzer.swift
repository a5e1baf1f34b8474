// libFuzzer target for SBATKit's parsers (scripts/fuzz.sh): every input is parsed as a .sbat
// section, as an SbatLevel payload and linted; what parses is judged (the section under the parsed
// and the latest level) and the never-downgrade rule runs both ways. Nothing may crash, trap, leak
// or hang.
import FuzzSupport
import SBATKit

@main
enum SBATFuzzer {
    /// Parsed once: the same for every input.
    static let latestLevel = BuiltinLevels.latest.level()
    static let automaticPayload = BuiltinLevels.automatic.payload

    static func main() {
        runFuzzer(test)
    }

    static func test(_ bytes: [UInt8]) {
        let section = try? SBATSection(parsing: bytes, origin: "fuzz")
        let level = try? SBATLevel(parsing: bytes, origin: "fuzz")
        if let section, let level { _ = level.verdict(for: section) }
        if let section { _ = latestLevel.verdict(for: section) }
        _ = SBATLint.problems(bytes)
        _ = SBATLevel.keepsCurrent(bytes, attributes: 0x3, over: automaticPayload)
        _ = SBATLevel.keepsCurrent(automaticPayload, attributes: 0x3, over: bytes)
    }
}
