import BinaryIO
import BootCrypto
import SystemPackage

/// A UKI, addon or profile PE planned from a ``UKIRequest``: all inputs opened and checked, the
/// section list in ukify's order, the PE layout computed. ``write(to:)`` streams it out.
///
/// Physical order, ukify 257's: [.profile for a standalone profile PE] .osrel .cmdline .dtb
/// .dtbauto… .hwids .uname .splash .pcrpkey .linux .initrd .ucode, the user's sections, .sbat
/// (merged; in place of the stub's when it fits), [.profile of the base profile], then every joined
/// profile: its .profile and its sections. Empty inputs give no section (the stub treats an empty
/// section as absent). A `.pcrsig` is inserted later at the end of each profile's group
/// (``inserting(_:)``).
public struct UKIBuild: Sendable {
    /// Names of the sections added to the stub, in physical order.
    public var addedSections: [String] { sections.map(\.name.string) }
    public let layout: PELayout
    /// The `.uname` embedded (given or detected).
    public let uname: String?
    /// Things a user should hear about (skipped SBAT inputs, ...), one line each.
    public let warnings: [String]
    /// Set when the output is signed.
    public let secureBoot: SecureBootSigning?
    /// Whether the embedded kernel was signed on the way in.
    public let signedKernel: Bool
    /// The stub the UKI is built on.
    public let stub: PEImage
    /// The new sections in physical order, as they will be written.
    public let sections: [NewSection]

    /// Sections imported from a `--join-profile` PE. `.sbat` is not imported: shim accepts one
    /// `.sbat` per image, and the UKI has its own.
    static let importedProfileSections: Set<String> = [
        ".linux", ".osrel", ".cmdline", ".initrd", ".efifw", ".ucode", ".splash", ".dtb", ".uname", ".profile",
    ]

    /// The most SBAT text read from one PE (real ones are a few hundred bytes).
    static let sbatLimit = 1 << 20

    /// The `.linux` content of a kernel signed on the way in (as ukify does): signed when asked
    /// (`--sign-kernel`) or when it carries no signature yet; nil when it stays as it is. A kernel
    /// that is not a PE cannot be signed: an error that says how to embed it unsigned.
    static func signedKernelSection(
        _ path: FilePath, image: PEImage?, signing: SecureBootSigning
    ) throws -> (any ByteSource)? {
        guard let image else {
            if signing.signKernel == true {
                throw PEError(.invalidInput, path: path.string, detail: "--sign-kernel needs a PE kernel")
            }
            throw PEError(
                .invalidInput, path: path.string, detail: "not a PE kernel; pass --no-sign-kernel to embed it unsigned")
        }
        guard signing.signKernel == true || image.certificateTable == nil else { return nil }
        return try image.signedCopy(
            appending: try signing.signature(for: .kernel, digest: try image.authenticodeDigest(signing.algorithm)))
    }

    /// Plans `request`. `loadableKernel` turns the kernel input into what the stub can start (a
    /// compressed stream decompressed: KernelProbe's `CompressedKernel.loadable`); everything
    /// after it (`.linux`, SBAT, signing, `.uname`) uses its result. `kernelRelease` finds the
    /// `.uname` of the kernel when the request has none (KernelProbe's `KernelRelease.detect`).
    /// With Secure Boot signing, planning includes signing the kernel
    /// (``signedKernelSection(_:image:signing:)``): the signed kernel's size is part of the
    /// layout, so it is signed before anything is written.
    public init(
        _ request: UKIRequest, loadableKernel: (ReadableFile) throws -> ReadableFile,
        kernelRelease: (ReadableFile) throws -> String
    ) throws {
        let stubFile = try Self.open(request.stub)
        let stub = try PEImage(file: stubFile)
        var collector = SectionCollector()
        var warnings: [String] = []

        var linux: ReadableFile?
        var linuxImage: PEImage?
        var uname = request.uname
        if let linuxPath = request.linux {
            let input = try Self.open(linuxPath)
            let loadable = try loadableKernel(input)
            if loadable !== input {
                warnings.append("\(linuxPath): a compressed kernel, embedded decompressed (UEFI loads PE images only)")
            }
            linux = loadable
            do {
                linuxImage = try PEImage(file: loadable)
            } catch let error as PEError where error.code != .cannotOpen && error.code != .io {
                warnings.append(
                    "\(error); the kernel's SBAT entries are not merged (systemd-stub boots PE kernels only)")
            }
            if uname == nil { uname = try kernelRelease(loadable) }
        }
        let standaloneProfile = request.profile != nil && request.joinProfiles.isEmpty

        if standaloneProfile, let profile = request.profile {
            try collector.add(.profile, try Self.source(profile))
        }
        try collector.add(.osrel, try Self.source(request.osRelease))
        try collector.add(.cmdline, try Self.commandLine(request.cmdline))
        try collector.add(.dtb, try request.devicetree.map(Self.wholeFile))
        for path in request.devicetreeAuto { try collector.add(.dtbauto, try Self.wholeFile(path)) }
        try collector.add(.hwids, request.hwids.map(InMemoryBytes.init))
        try collector.add(.uname, uname.map { InMemoryBytes(Array($0.utf8)) })
        try collector.add(.splash, try request.splash.map(Self.wholeFile))
        try collector.add(.pcrpkey, try Self.source(request.pcrpkey))
        var linuxContent = try linux.map { try Self.nonEmpty(FileRegion(wholeFile: $0), path: $0.path.string) }
        var signedKernel = false
        if let signing = request.secureBoot, signing.signKernel != false, let linuxPath = request.linux,
            let signed = try Self.signedKernelSection(linuxPath, image: linuxImage, signing: signing)
        {
            linuxContent = signed
            signedKernel = true
        }
        try collector.add(.linux, linuxContent, characteristics: SectionHeader.readableCode)
        try collector.add(.initrd, try Self.initrd(request.initrds))
        try collector.add(.ucode, try request.microcode.map(Self.wholeFile))
        for extra in request.extraSections {
            try collector.add(name: extra.name, try Self.source(extra.content))
        }
        if !standaloneProfile {
            var inputs: [SBATMerge.Input] = []
            if request.linux != nil {
                for image in [stub] + (linuxImage.map { [$0] } ?? []) {
                    if let section = image.section(named: ".sbat") {
                        let bytes = try withPEErrors(path: image.file.path.string) {
                            try image.memoryContent(of: section).readAll(limit: Self.sbatLimit)
                        }
                        inputs.append(
                            .init(origin: image.file.path.string, text: String(decoding: bytes, as: UTF8.self)))
                    }
                }
            }
            let texts =
                request.sbat.isEmpty
                ? [TextOrFile.text(request.linux == nil ? SBATMerge.defaultAddon : SBATMerge.defaultUKI)] : request.sbat
            for text in texts {
                inputs.append(.init(origin: text.origin, text: try Self.reading(text)))
            }
            let merged = SBATMerge.merge(inputs)
            warnings += merged.warnings
            try collector.add(.sbat, InMemoryBytes(Array(merged.sbat.utf8)), placement: .replaceExisting)
        }
        if !standaloneProfile, let profile = request.profile ?? (request.joinProfiles.isEmpty ? nil : .text("ID=main"))
        {
            try collector.add(.profile, try Self.source(profile))
        }
        for path in request.joinProfiles {
            try Self.importProfile(path, into: &collector)
        }

        self.stub = stub
        sections = collector.sections
        layout = try PELayout(editing: stub, adding: sections)
        self.uname = uname
        self.warnings = warnings
        self.secureBoot = request.secureBoot
        self.signedKernel = signedKernel
    }

    private init(_ build: UKIBuild, sections: [NewSection]) throws {
        stub = build.stub
        self.sections = sections
        layout = try PELayout(editing: build.stub, adding: sections)
        uname = build.uname
        warnings = build.warnings
        secureBoot = build.secureBoot
        signedKernel = build.signedKernel
    }

    /// A section to add to a planned build, before the section at index `before` of
    /// ``sections`` (`sections.count`: at the end).
    public struct Insertion: Sendable {
        public var before: Int
        public var kind: UKISectionKind
        public var content: any ByteSource

        public init(before: Int, kind: UKISectionKind, content: any ByteSource) {
            self.before = before
            self.kind = kind
            self.content = content
        }
    }

    /// This build with sections added whose content depends on the others (each profile's
    /// `.pcrsig`): only the layout is planned again, nothing is read.
    public func inserting(_ insertions: [Insertion]) throws -> UKIBuild {
        guard !insertions.isEmpty else { return self }
        var collector = SectionCollector()
        var pending = insertions.sorted { $0.before < $1.before }[...]
        for (index, section) in sections.enumerated() {
            while let next = pending.first, next.before == index {
                try collector.add(next.kind, next.content)
                pending.removeFirst()
            }
            try collector.add(section)
        }
        for rest in pending { try collector.add(rest.kind, rest.content) }
        return try UKIBuild(self, sections: collector.sections)
    }

    /// This build with the content of every non-empty section named in `names` hashed in
    /// `algorithms` on other cores while it is written (``HashedContent``), for content inserted
    /// after it that is made from those digests (each profile's `.pcrsig`). Nothing is read.
    public func hashingWhileWritten(_ names: Set<String>, algorithms: [DigestAlgorithm]) throws -> UKIBuild {
        try UKIBuild(
            self,
            sections: sections.map { section in
                guard names.contains(section.name.string), section.content.count > 0 else { return section }
                var hashed = section
                hashed.content = HashedContent(section.content, algorithms: algorithms)
                return hashed
            })
    }

    /// Streams the result to a temporary file next to `path` (signing it on the way when asked),
    /// fsyncs it and renames it into place.
    public func write(to path: FilePath) throws {
        try withPEErrors(path: path.string) {
            let output = try AtomicOutputFile(destination: path)
            if let secureBoot {
                try layout.write(to: output, algorithm: secureBoot.algorithm) {
                    try secureBoot.signature(for: .uki, digest: $0)
                }
            } else {
                try layout.write(to: output)
            }
            try output.commit()
        }
    }

    private static func open(_ path: FilePath) throws -> ReadableFile {
        try withPEErrors(path: path.string) { try ReadableFile(path: path) }
    }

    private static func wholeFile(_ path: FilePath) throws -> any ByteSource {
        try nonEmpty(FileRegion(wholeFile: try open(path)), path: path.string)
    }

    private static func source(_ input: TextOrFile?) throws -> (any ByteSource)? {
        guard let input else { return nil }
        let source = try withPEErrors(path: input.origin) { try input.source() }
        guard case .file = input else { return source }
        return try nonEmpty(source, path: input.origin)
    }

    /// A file given for a section must have content: an empty section is left
    /// out of the image, and leaving out what was asked for without a word is wrong. Literal empty
    /// text (`--cmdline=`) still means "no section".
    private static func nonEmpty(_ source: any ByteSource, path: String) throws -> any ByteSource {
        guard source.count > 0 else {
            throw PEError(.invalidInput, path: path, detail: "the file is empty; a section cannot be empty")
        }
        return source
    }

    private static func reading(_ text: TextOrFile) throws -> String {
        try withPEErrors(path: text.origin) { try text.readText() }
    }

    /// ukify joins the words of a literal command line with single spaces; a file is taken as is.
    private static func commandLine(_ cmdline: TextOrFile?) throws -> (any ByteSource)? {
        switch cmdline {
        case .text(let text):
            InMemoryBytes(Array(text.split(whereSeparator: \.isWhitespace).joined(separator: " ").utf8))
        case .file:
            try source(cmdline)
        case nil:
            nil
        }
    }

    private static func initrd(_ paths: [FilePath]) throws -> (any ByteSource)? {
        guard paths.count > 1 else { return try paths.first.map(wholeFile) }
        var parts: [any ByteSource] = []
        for path in paths {
            // Opened again only while streamed: one descriptor at a time, however many initrds.
            let file = try nonEmpty(try withPEErrors(path: path.string) { try LazyFile(path: path) }, path: path.string)
            parts.append(file)
            let padding = (4 - file.count % 4) % 4
            if padding > 0 { parts.append(ZeroBytes(count: padding)) }
        }
        return try ConcatenatedSource(parts)
    }

    private static func importProfile(_ path: FilePath, into collector: inout SectionCollector) throws {
        let image = try PEImage(file: try open(path))
        let imported = image.sections.filter { importedProfileSections.contains($0.name.string) }
        guard imported.first?.name.string == ".profile" else {
            throw PEError(
                .invalidInput, path: path.string, detail: "not a profile PE: its first UKI section must be .profile")
        }
        guard imported.filter({ $0.name.string == ".profile" }).count == 1 else {
            throw PEError(.invalidInput, path: path.string, detail: "profile PE has more than one .profile section")
        }
        for section in imported {
            let content = try image.memoryContent(of: section)
            try collector.add(
                name: section.name.string, content,
                characteristics: section.name.string == ".linux"
                    ? SectionHeader.readableCode : SectionHeader.readableData)
        }
    }
}

/// The new sections in order, with ukify's duplicate rule: a name may occur once per profile
/// (from the last `.profile` on), except the kinds the stub selects among several.
struct SectionCollector {
    private(set) var sections: [NewSection] = []
    private var namesInProfile: Set<String> = []

    init() {}

    mutating func add(
        _ kind: UKISectionKind, _ content: (any ByteSource)?,
        characteristics: UInt32 = SectionHeader.readableData, placement: NewSection.Placement = .append
    ) throws {
        try add(name: kind.rawValue, content, characteristics: characteristics, placement: placement)
    }

    mutating func add(
        name: String, _ content: (any ByteSource)?,
        characteristics: UInt32 = SectionHeader.readableData, placement: NewSection.Placement = .append
    ) throws {
        let sectionName = try SectionName(name)
        guard let content, content.count > 0 else { return }
        try add(NewSection(name: sectionName, content: content, characteristics: characteristics, placement: placement))
    }

    mutating func add(_ section: NewSection) throws {
        let name = section.name.string
        if name == UKISectionKind.profile.rawValue { namesInProfile = [] }
        let several = UKISectionKind(rawValue: name)?.allowsSeveral ?? false
        guard several || !namesInProfile.contains(name) else {
            throw PEError(.duplicateSection, detail: "\(name) is given twice")
        }
        namesInProfile.insert(name)
        sections.append(section)
    }
}
