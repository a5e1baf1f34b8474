import BinaryIO
import PEKit

/// Which UKI sections a given systemd-stub measures into PCR 11 (spec digest §4.2). The set
/// grew over releases; the relative order never changes (``UKISectionKind`` order).
public struct StubRules: Sendable, Equatable {
    /// The systemd release of the stub.
    public let version: Int
    /// How the version was found ("--stub-version", or the stub's LoaderInfo string).
    public let evidence: String

    public init(version: Int, evidence: String) {
        self.version = version
        self.evidence = evidence
    }

    /// systemd-measure (and a current stub) measure every kind except `.pcrsig`.
    public static let current = StubRules(version: Int.max, evidence: "all sections systemd-measure knows")

    /// The kinds this stub extends PCR 11 with.
    public var measuredKinds: [UKISectionKind] {
        var kinds: [UKISectionKind] = [.linux, .osrel, .cmdline, .initrd, .splash, .dtb, .pcrpkey]
        if version >= 254 { kinds += [.uname, .sbat] }
        if version >= 256 { kinds += [.ucode] }
        if version >= 257 { kinds += [.profile, .dtbauto, .hwids] }
        if version >= 258 { kinds += [.efifw] }
        return UKISectionKind.allCases.filter { kinds.contains($0) }
    }

    /// A one-line account of the rules, for diagnostics.
    public var summary: String {
        let name = version == Int.max ? "current systemd-stub" : "systemd-stub \(version)"
        return "\(name) rules (\(evidence)): " + measuredKinds.map(\.rawValue).joined(separator: " ")
    }

    /// The rules of the stub inside `image`, from its `.sdmagic` text
    /// (`#### LoaderInfo: systemd-stub 252.39-1~deb12u2 ####`).
    public static func detect(in image: PEImage) throws -> StubRules {
        let path = image.file.path.string
        guard let section = image.section(named: ".sdmagic") else {
            throw TPMPolicyError(
                .malformedInput, "\(path): no .sdmagic section, so the stub's version is unknown; pass --stub-version")
        }
        let bytes = try image.memoryContent(of: section).readAll(limit: 4096)
        let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        let marker = "systemd-stub "
        guard let start = text.firstRange(of: marker)?.upperBound,
            let version = Int(text[start...].prefix { $0.isNumber }), version > 0
        else {
            throw TPMPolicyError(
                .malformedInput, "\(path): .sdmagic '\(text)' names no systemd-stub version; pass --stub-version")
        }
        return StubRules(version: version, evidence: "\(path) .sdmagic: \(text.trimmingSpacesAndHashes)")
    }
}

extension String {
    fileprivate var trimmingSpacesAndHashes: String {
        var characters = Substring(self)
        while let first = characters.first, first == "#" || first == " " { characters.removeFirst() }
        while let last = characters.last, last == "#" || last == " " { characters.removeLast() }
        return String(characters)
    }
}
