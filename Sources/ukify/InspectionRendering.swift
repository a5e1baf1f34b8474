import JSON
import PEKit

/// `ukify inspect` output: ukify's text layout, and its JSON shape
/// (`{".linux": {"size": N, "sha256": "..."}, ".cmdline": {..., "text": "..."}}`, profiles as an
/// array under `"_profiles"`). A name repeated inside one group gets a `#N` suffix as its key.
enum InspectionRendering {
    static func text(_ inspection: UKIInspection, keep: (UKIInspection.Section) -> Bool) -> String {
        var output = ""
        func render(_ section: UKIInspection.Section, indent: String) {
            output += "\(indent)\(section.name):\n"
            output += "\(indent)  size: \(section.size) bytes\n"
            output += "\(indent)  sha256: \(section.sha256)\n"
            if let measured = section.measured { output += "\(indent)  measured: \(measured ? "yes" : "no")\n" }
            if let text = section.text {
                output += "\(indent)  text:\n"
                var body = Substring(text)
                while let last = body.last, last.isWhitespace || last == "\0" { body = body.dropLast() }
                for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
                    output += "\(indent)    \(line)\n"
                }
            }
        }
        for section in inspection.base where keep(section) { render(section, indent: "") }
        for (number, profile) in inspection.profiles.enumerated() {
            let shown = profile.filter(keep)
            guard !shown.isEmpty else { continue }
            output += "profile @\(number):\n"
            for section in shown { render(section, indent: "  ") }
        }
        return output
    }

    static func json(_ inspection: UKIInspection, keep: (UKIInspection.Section) -> Bool) -> JSONValue {
        func object(_ sections: [UKIInspection.Section]) -> [(String, JSONValue)] {
            var seen: [String: Int] = [:]
            return sections.filter(keep).map { section in
                let count = seen[section.name, default: 0]
                seen[section.name] = count + 1
                var members: [(String, JSONValue)] = [
                    ("size", .integer(section.size)), ("sha256", .string(section.sha256)),
                ]
                if let text = section.text { members.append(("text", .string(text))) }
                return (count == 0 ? section.name : "\(section.name)#\(count)", .object(members))
            }
        }
        var members = object(inspection.base)
        if !inspection.profiles.isEmpty {
            members.append(("_profiles", .array(inspection.profiles.map { .object(object($0)) })))
        }
        return .object(members)
    }
}
