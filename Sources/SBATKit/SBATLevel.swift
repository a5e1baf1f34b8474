/// An SbatLevel payload: `sbat,1,YYYYMMDDCC` then `component,generation` rows (shim's
/// `parse_sbat_var_data`: at least two columns, none empty, a third kept as the datestamp).
public struct SBATLevel: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public let component: [UInt8]
        public let generationText: [UInt8]
        public let datestamp: [UInt8]?

        public var componentName: String { String(decoding: component, as: UTF8.self) }
        public var generation: UInt16 { SBATGeneration.value(generationText) }
    }

    public let rows: [Row]
    /// The payload as given (what a variable holds, without a NUL).
    public let payload: [UInt8]

    public init(parsing payload: [UInt8], origin: String) throws {
        guard !payload.isEmpty else { throw SBATError(.invalidLevel, "\(origin): empty SbatLevel") }
        var rows: [Row] = []
        for row in SBATCSV.rows(payload, columns: 3).rows {
            guard row.fields.count >= 2 else {
                throw SBATError(
                    .invalidLevel, "\(origin): line \(row.line): an SbatLevel row needs component,generation")
            }
            if let empty = row.fields.firstIndex(where: \.isEmpty) {
                throw SBATError(.invalidLevel, "\(origin): line \(row.line): column \(empty + 1) is empty")
            }
            rows.append(
                Row(
                    component: row.fields[0], generationText: row.fields[1],
                    datestamp: row.fields.count > 2 ? row.fields[2] : nil))
        }
        self.rows = rows
        self.payload = payload
    }

    /// The `YYYYMMDDCC` datestamp of the leading `sbat` row, if the payload has one.
    public var datestamp: String? {
        guard let first = rows.first, first.component == Array("sbat".utf8), let stamp = first.datestamp else {
            return nil
        }
        return String(decoding: stamp, as: UTF8.self)
    }

    /// Whether the payload looks like a level at all: a first row `sbat,<version>,<datestamp>`.
    public var hasHeader: Bool { datestamp != nil }

    /// shim's decision for an image with `section` (`verify_sbat_helper`): every image row is
    /// compared with the first level row of the same component; a lower generation revokes.
    public func verdict(for section: SBATSection) -> SBATVerdict {
        guard !rows.isEmpty else { return .allowed }
        for entry in section.entries {
            guard let row = rows.first(where: { $0.component == entry.fields[0] }) else { continue }
            if entry.generation < row.generation {
                return .revoked(component: entry.component, generation: entry.generation, minimum: row.generation)
            }
        }
        return .allowed
    }
}

/// What shim decides for an image under a level.
public enum SBATVerdict: Sendable, Equatable {
    case allowed
    /// The first image row whose generation is below the level's.
    case revoked(component: String, generation: UInt16, minimum: UInt16)
}

extension SBATLevel {
    /// EFI variable attributes shim accepts on SbatLevel: NV|BS, or NV|BS|TIME_BASED_AUTH.
    public static let trustedAttributes: Set<UInt32> = [0x3, 0x23]

    /// shim's never-downgrade rule (`preserve_sbat_uefi_variable`): whether the current variable
    /// content (with its attributes) is kept rather than replaced by `candidate`. Fields are found
    /// by commas alone (line breaks are not separators) in the bytes up to the first NUL; the
    /// version is field 1, compared by length then bytes; the datestamps (from field 2 on) are
    /// compared over 10 bytes like strncmp.
    public static func keepsCurrent(_ current: [UInt8], attributes: UInt32, over candidate: [UInt8]) -> Bool {
        guard trustedAttributes.contains(attributes), current.count >= 18, current.starts(with: Array("sbat,".utf8))
        else { return false }
        let currentText = Array(current.prefix { $0 != 0 })
        let candidateText = Array(candidate.prefix { $0 != 0 })
        func fieldStart(_ index: Int, in text: [UInt8]) -> Int {
            var found = 0
            for (offset, byte) in text.enumerated() where byte == UInt8(ascii: ",") {
                found += 1
                if found == index { return offset + 1 }
            }
            return text.count
        }
        func version(_ text: [UInt8]) -> ArraySlice<UInt8> {
            let start = fieldStart(1, in: text)
            return text[start..<max(start, fieldStart(2, in: text) - 1)]
        }
        let currentVersion = version(currentText)
        let candidateVersion = version(candidateText)
        if currentVersion.count > candidateVersion.count
            || (currentVersion.count == candidateVersion.count
                && candidateVersion.lexicographicallyPrecedes(currentVersion))
        {
            return true
        }
        let currentDate = currentText[fieldStart(2, in: currentText)...].prefix(10)
        let candidateDate = candidateText[fieldStart(2, in: candidateText)...].prefix(10)
        return !currentDate.lexicographicallyPrecedes(candidateDate)
    }
}
