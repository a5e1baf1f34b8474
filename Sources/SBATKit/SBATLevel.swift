/// An SbatLevel payload: `sbat,1,YYYYMMDDCC` then `component,generation` rows (shim's
/// `parse_sbat_var_data`: at least two columns, none empty, a third kept as the datestamp).
public struct SBATLevel: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public let component: [UInt8]
        public let generationText: [UInt8]
        public let datestamp: [UInt8]?
        public let line: Int

        public var componentName: String { String(decoding: component, as: UTF8.self) }
        public var generation: UInt16 { SBATGeneration.value(generationText) }
    }

    public let rows: [Row]
    /// The payload as given (what a variable holds, without a NUL).
    public let payload: [UInt8]

    public init(parsing payload: [UInt8], origin: String) throws {
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
                    datestamp: row.fields.count > 2 ? row.fields[2] : nil, line: row.line))
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
    /// content (with its attributes) is kept rather than replaced by `candidate`.
    public static func keepsCurrent(_ current: [UInt8], attributes: UInt32, over candidate: [UInt8]) -> Bool {
        guard trustedAttributes.contains(attributes), current.count >= 18, current.starts(with: Array("sbat,".utf8))
        else { return false }
        func field(_ index: Int, of bytes: [UInt8]) -> [UInt8] {
            let text = bytes.prefix { $0 != 0 }
            let fields = text.split(separator: UInt8(ascii: ","), maxSplits: 3, omittingEmptySubsequences: false)
            return fields.count > index ? Array(fields[index].prefix { $0 != 0x0A }) : []
        }
        let currentVersion = field(1, of: current)
        let candidateVersion = field(1, of: candidate)
        if currentVersion.count > candidateVersion.count
            || (currentVersion.count == candidateVersion.count
                && currentVersion.lexicographicallyPrecedes(candidateVersion) == false
                && currentVersion != candidateVersion)
        {
            return true
        }
        let currentDate = Array(field(2, of: current).prefix(10))
        let candidateDate = Array(field(2, of: candidate).prefix(10))
        return !currentDate.lexicographicallyPrecedes(candidateDate)
    }
}

extension SBATLevel {
    /// shim's SbatLevel variables (vendor GUID 605dab50-…): `SbatLevel` (boot services only) and
    /// `SbatLevelRT`, the copy shim mirrors at every boot for the running OS.
    public static let vendor = "605dab50-e046-4300-abb6-3dd810dd8b23"
}
