import JSON
import SBATKit

/// Output of the `sbat` tool.
enum SBATRendering {
    /// `FILE:` then its rows as CSV; a UKI's kernel rows under `  .linux:`.
    static func text(_ image: SBATImage) -> String {
        var output = "\(image.path):\n"
        for part in image.parts {
            if let label = part.label { output += "  \(label):\n" }
            for entry in part.section.entries {
                output += "  " + entry.fields.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "\n"
            }
        }
        return output
    }

    /// `{"file":…,"sbat":[{component,generation,vendor_name,…}],"kernel_sbat":[…]}` (field names as SBAT.md).
    static func json(_ image: SBATImage) -> JSONValue {
        var members: [(String, JSONValue)] = [("file", .string(image.path))]
        for part in image.parts {
            members.append((part.label == nil ? "sbat" : "kernel_sbat", .array(part.section.entries.map(json))))
        }
        return .object(members)
    }

    static func json(_ entry: SBATEntry) -> JSONValue {
        .object([
            ("component_name", .string(entry.component)), ("component_generation", .string(entry.generationText)),
            ("vendor_name", .string(entry.vendorName)), ("vendor_package_name", .string(entry.vendorPackage)),
            ("vendor_version", .string(entry.vendorVersion)), ("vendor_url", .string(entry.vendorURL)),
        ])
    }

    /// One line: `FILE: allowed by LEVEL` or `FILE: revoked by LEVEL: grub generation 3 < 4 (.linux)`.
    static func verdictLine(
        path: String, result: (part: SBATImage.Part, verdict: SBATVerdict)?, level: String
    )
        -> String
    {
        guard let (part, verdict) = result, case .revoked(let component, let generation, let minimum) = verdict else {
            return "\(path): allowed by \(level)"
        }
        let where_ = part.label.map { " (\($0))" } ?? ""
        return "\(path): revoked by \(level): \(component) generation \(generation) < \(minimum)\(where_)"
    }

    static func verdictJSON(
        path: String, result: (part: SBATImage.Part, verdict: SBATVerdict)?, level: String
    )
        -> JSONValue
    {
        var members: [(String, JSONValue)] = [("file", .string(path)), ("level", .string(level))]
        if let (part, verdict) = result, case .revoked(let component, let generation, let minimum) = verdict {
            members += [
                ("verdict", .string("revoked")), ("component", .string(component)),
                ("generation", .integer(Int(generation))), ("minimum", .integer(Int(minimum))),
            ]
            if let label = part.label { members.append(("part", .string(label))) }
        } else {
            members.append(("verdict", .string("allowed")))
        }
        return .object(members)
    }
}

extension SBATRendering {
    static func levelText(_ level: SBATLevel, name: String) -> String {
        var output = "\(name)\n"
        let rows = firstRows(of: level)
        for row in rows { output += "  \(row.componentName) < \(row.generation) revoked\n" }
        if rows.isEmpty { output += "  nothing revoked\n" }
        return output
    }

    /// The component rows that decide (shim uses the first row of each name), header excluded.
    static func firstRows(of level: SBATLevel) -> [SBATLevel.Row] {
        var seen: Set<[UInt8]> = []
        return level.rows.dropFirst(level.hasHeader ? 1 : 0).filter { seen.insert($0.component).inserted }
    }

    static func levelJSON(_ level: SBATLevel, name: String) -> JSONValue {
        .object([
            ("name", .string(name)), ("datestamp", level.datestamp.map(JSONValue.string) ?? .null),
            (
                "minimum_generations",
                .object(
                    level.rows.dropFirst(level.hasHeader ? 1 : 0).map {
                        ($0.componentName, .integer(Int($0.generation)))
                    })
            ),
        ])
    }

    /// Which level is newer by datestamp, and shim's decision when B meets A as the current variable.
    static func comparison(current: (SBATLevel, String), candidate: (SBATLevel, String)) -> String {
        let (a, aName) = current
        let (b, bName) = candidate
        let aStamp = a.datestamp ?? ""
        let bStamp = b.datestamp ?? ""
        var output = "A: \(aName) (\(aStamp))\nB: \(bName) (\(bStamp))\n"
        output += aStamp == bStamp ? "same datestamp\n" : "newer: \(aStamp > bStamp ? "A" : "B")\n"
        let keeps = SBATLevel.keepsCurrent(a.payload, attributes: 0x3, over: b.payload)
        output +=
            keeps
            ? "applying B over A: refused, shim keeps A (it never downgrades)\n"
            : "applying B over A: allowed, shim replaces A with B\n"
        return output
    }
}

extension SBATRendering {
    static func describe(_ outcome: SBATKit.ESPCheck.Outcome) -> String {
        switch outcome {
        case .allowed: "allowed"
        case .revoked(let component, let generation, let minimum, let part):
            "revoked: \(component) generation \(generation) < \(minimum)" + (part.map { " (\($0))" } ?? "")
        case .refused(let reason): "refused by shim: \(reason)"
        case .unreadable(let reason): "unreadable: \(reason)"
        }
    }

    static func verdictWord(_ outcome: SBATKit.ESPCheck.Outcome) -> String {
        switch outcome {
        case .allowed: "allowed"
        case .revoked: "revoked"
        case .refused: "refused"
        case .unreadable: "unreadable"
        }
    }

    static func espText(_ check: SBATKit.ESPCheck, level: String) -> String {
        var output = "level: \(level)\n"
        for binary in check.binaries { output += "\(binary.path): \(describe(binary.outcome))\n" }
        if check.binaries.isEmpty { output += "no EFI binaries found\n" }
        return output
    }

    static func espJSON(_ check: SBATKit.ESPCheck, level: String) -> JSONValue {
        .object([
            ("level", .string(level)), ("boots", .bool(check.somethingBoots)),
            (
                "binaries",
                .array(
                    check.binaries.map {
                        .object([
                            ("file", .string($0.path)), ("verdict", .string(verdictWord($0.outcome))),
                            ("reason", .string(describe($0.outcome))),
                        ])
                    })
            ),
        ])
    }
}
