import ArgumentParser
import BinaryIO
import EFIVariables
import SBATKit
import SystemPackage
import ToolSupport

/// Which SbatLevel to judge by: a payload file, one of shim's built-in levels, or the level shim
/// applied at this boot (`SbatLevelRT`).
struct SBATLevelOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "SbatLevel payload file (sbat,1,DATE then component,generation lines; an efivarfs copy works too).",
            valueName: "FILE"))
    var level: FilePath?
    @Option(
        help: ArgumentHelp(
            "One of shim's levels: automatic (default), previous (= automatic), latest, or a datestamp.",
            valueName: "NAME"))
    var policy: String?
    @Flag(help: "The level shim applied at this boot (SbatLevelRT).") public var live = false
    @Option(
        help: ArgumentHelp(
            "Read EFI variables from this directory instead of efivarfs (with --live).", valueName: "DIR"))
    var efivars: FilePath?

    func validate() throws {
        guard [level != nil, policy != nil, live].filter({ $0 }).count <= 1 else {
            throw ValidationError("--level, --policy and --live exclude each other")
        }
        if efivars != nil && !live { throw ValidationError("--efivars goes with --live") }
    }

    /// The level and how to name it in output.
    func resolve() throws -> (level: SBATLevel, name: String) {
        if let level { return (try Self.load(file: level), level.string) }
        if live {
            let directory = EFIVariableDirectory(efivars ?? EFIVariableDirectory.live)
            let level = try SBATLevel.live(from: directory)
            return (level, "SbatLevelRT \(level.datestamp ?? "(no datestamp)")")
        }
        let entry = try BuiltinLevels.named(policy ?? "automatic")
        return (entry.level(), "SbatLevel \(entry.name)")
    }

    /// A level payload from a file: plain, or an efivarfs copy (4 attribute bytes first).
    static func load(file path: FilePath) throws -> SBATLevel {
        var bytes = try ReadableFile.readAll(path: path, limit: 1 << 20)
        let header = Array("sbat,".utf8)
        if !bytes.starts(with: header), bytes.count > 4, bytes.dropFirst(4).starts(with: header) {
            bytes.removeFirst(4)
        }
        let level = try SBATLevel(parsing: bytes, origin: path.string)
        guard level.hasHeader else {
            throw SBATError(.invalidLevel, "\(path): not an SbatLevel (the first line must be sbat,1,YYYYMMDDCC)")
        }
        return level
    }

    /// A level named on the command line: one of shim's levels by name, else a file.
    static func named(_ argument: String) throws -> (level: SBATLevel, name: String) {
        if let entry = try? BuiltinLevels.named(argument) { return (entry.level(), "SbatLevel \(entry.name)") }
        let path = FilePath(argument)
        guard (try? ReadableFile(path: path)) != nil else {
            throw SBATError(
                .unknownLevel,
                "'\(argument)' is neither a level file nor one of shim's levels (automatic, previous, latest, "
                    + BuiltinLevels.all.map(\.name).joined(separator: ", ") + ")")
        }
        return (try load(file: path), argument)
    }
}
