import ArgumentParser
import BinaryIO
import JSON
import PEKit
import SystemPackage
import ToolSupport

extension Ukify {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the sections of a UKI, addon or any PE: size, SHA-256 and text.",
            discussion: """
                The UKI's sections are listed (with --all every section), as ukify 257 lists them; text \
                output adds whether the stub measures each and groups each profile's sections. JSON has \
                ukify's shape: one object keyed by section name, where a name repeated in profiles shows \
                its last occurrence; our addition, "_profiles", lists each profile's sections. With \
                --section only the named sections are shown; NAME:text or NAME:binary chooses the \
                rendering and @PATH writes the section's content (its VirtualSize bytes) to PATH.
                """
        )

        @Argument(help: "PE files to inspect.")
        var files: [FilePath]
        @OptionGroup var json: JSONOptions
        @Option(
            name: .customLong("section"),
            help: ArgumentHelp(
                "Show (and save) only this section; repeatable.",
                valueName: "NAME[:text|binary][@PATH]"))
        var sections: [SectionSelector] = []
        @Flag(help: "Show every section, the stub's own too.")
        var all = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("no file to inspect") }
            if files.count > 1 && json.effective != .off { throw ValidationError("JSON output takes a single file") }
        }

        func run() throws {
            try reportingErrors(tool: "ukify") {
                // Every file and every selected section is checked before anything is written.
                let images = try files.map { try PEImage(file: ReadableFile(path: $0)) }
                for image in images {
                    for selector in sections where image.section(named: selector.name) == nil {
                        throw ToolError(
                            "\(image.file.path): no section \(selector.name)", category: .dataError)
                    }
                }
                var overrides: [String: Bool] = [:]
                for selector in sections { if let text = selector.text { overrides[selector.name] = text } }
                for image in images {
                    let inspection = try UKIInspection(image: image, textOverrides: overrides)
                    for selector in sections {
                        if let path = selector.path, let header = image.section(named: selector.name) {
                            try image.saveContent(of: header, to: path)
                        }
                    }
                    let wanted = Set(sections.map(\.name))
                    let keep: (UKIInspection.Section) -> Bool = {
                        wanted.isEmpty
                            ? all || UKIInspection.shownByDefault.contains($0.name) : wanted.contains($0.name)
                    }
                    switch json.effective {
                    case .off:
                        print(InspectionRendering.text(inspection, keep: keep), terminator: "")
                    case let style:
                        print(InspectionRendering.json(inspection, keep: keep).rendered(style))
                    }
                }
            }
        }
    }
}

/// `NAME[:text|binary][@PATH]`.
struct SectionSelector: ExpressibleByArgument {
    var name: String
    /// true: text, false: binary, nil: the kind's default.
    var text: Bool?
    var path: FilePath?

    init?(argument: String) {
        var rest = Substring(argument)
        if let at = rest.firstIndex(of: "@") {
            path = FilePath(String(rest[rest.index(after: at)...]))
            rest = rest[..<at]
        }
        if let colon = rest.firstIndex(of: ":") {
            switch rest[rest.index(after: colon)...] {
            case "text": text = true
            case "binary": text = false
            default: return nil
            }
            rest = rest[..<colon]
        }
        guard !rest.isEmpty else { return nil }
        name = String(rest)
    }
}
