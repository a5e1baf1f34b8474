import JSON
import PEKit

/// `ukify inspect` output: ukify's text layout (with whether the stub measures each section, and
/// each profile's sections under `profile @N:`), and its JSON shape
/// (`{".linux": {"size": N, "sha256": "..."}, ".cmdline": {..., "text": "..."}}`).
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

    /// ukify 257's shape: one flat object keyed by section name in table order, a repeated name
    /// keeping its first position and its last content (as a Python dict does); our extra,
    /// `"_profiles"`, lists each profile's own sections the same way.
    static func json(_ inspection: UKIInspection, keep: (UKIInspection.Section) -> Bool) -> JSONValue {
        func object(_ sections: [UKIInspection.Section]) -> [(String, JSONValue)] {
            var members: [(String, JSONValue)] = []
            var positions: [String: Int] = [:]
            for section in sections where keep(section) {
                var fields: [(String, JSONValue)] = [
                    ("size", .integer(section.size)), ("sha256", .string(section.sha256)),
                ]
                if let text = section.text { fields.append(("text", .string(text))) }
                if let position = positions[section.name] {
                    members[position].1 = .object(fields)
                } else {
                    positions[section.name] = members.count
                    members.append((section.name, .object(fields)))
                }
            }
            return members
        }
        var members = object(inspection.base + inspection.profiles.flatMap { $0 })
        if !inspection.profiles.isEmpty {
            members.append(("_profiles", .array(inspection.profiles.map { .object(object($0)) })))
        }
        return .object(members)
    }
}
