import BinaryIO
import Glibc
import PEKit
import SystemPackage

/// An EFI System Partition (mounted, or a staging directory for an image): finds files the
/// way FAT does (case-insensitively), lists Boot Loader Specification entries in systemd-boot's
/// order, installs UKIs with boot counters and applies systemd-bless-boot's renames. Every write
/// is a temporary file in the same directory, fsynced, then renamed (FAT has no O_TMPFILE).
public struct ESP: Sendable {
    public let root: FilePath

    public init(root: FilePath) {
        self.root = root
    }

    /// Whether `root` is the root of a mounted FAT file system, as systemd checks an ESP: FAT by
    /// `statfs`, and on another device than its parent directory (or `/` itself). Needs no /proc.
    public var isMountedFAT: Bool {
        guard FileSystemType(path: root) == .fat else { return false }
        var own = stat()
        var parent = stat()
        guard stat(root.string, &own) == 0, stat(root.appending("..").string, &parent) == 0 else { return false }
        return own.st_dev != parent.st_dev || own.st_ino == parent.st_ino
    }

    /// Runs `body` holding an exclusive lock on the ESP's root directory, so that the installs,
    /// renames and cleanups of parallel runs do not interleave (one sees the other's result).
    public func locked<T>(_ body: () throws -> T) throws -> T {
        let directory = try DirectoryHandle(path: root)
        try directory.lockExclusively()
        return try withExtendedLifetime(directory) { try body() }
    }

    static let uki = "EFI/Linux"
    static let type1 = "loader/entries"

    /// The directory holding `relative` (`/`-separated) and the name its last component has
    /// there, each component matched case-insensitively as FAT does and walked from the root
    /// without following links; nil unless it is a regular file.
    func locate(_ relative: String) -> (directory: DirectoryHandle, name: String)? {
        let components = relative.split(separator: "/").map(String.init)
        guard let last = components.last, let directory = try? directory(components.dropLast()),
            let (name, kind) = Self.existingEntry(last, in: directory), kind == .regular
        else { return nil }
        return (directory, name)
    }

    /// Whether `relative` is a regular file on the ESP (see ``locate(_:)``).
    public func contains(_ relative: String) -> Bool { locate(relative) != nil }

    /// The directory `components` below the root, each matched case-insensitively as FAT does and
    /// walked without following links: a missing one is made when `creating` (and made durable),
    /// else a ``BootEntryErrorCode/notFound`` error; one that is not a directory (a symbolic link)
    /// is an ``BootEntryErrorCode/invalid`` error.
    func directory(_ components: some Sequence<String>, creating: Bool = false) throws -> DirectoryHandle {
        var directory = try DirectoryHandle(path: root)
        for component in components {
            guard let (name, kind) = Self.existingEntry(component, in: directory) else {
                guard creating else {
                    throw BootEntryError(.notFound, "\(directory.path.appending(component)) does not exist")
                }
                directory = try directory.makeDirectory(component)
                continue
            }
            guard kind == .directory else {
                throw BootEntryError(
                    .invalid, "\(directory.path.appending(name)): not a directory (links are not followed on an ESP)")
            }
            directory = try directory.directory(name)
        }
        return directory
    }

    /// The entry of `directory` whose name equals `name` ignoring case, and what it is.
    static func existingEntry(_ name: String, in directory: DirectoryHandle) -> (String, DirectoryHandle.Kind)? {
        try? directory.entries().first { $0.name.lowercased() == name.lowercased() }
    }

    /// The Type #1 and Type #2 entries (of `kinds`; with `baseName`, only that entry's copies),
    /// in systemd-boot's menu order (bad entries last). Files systemd-boot would skip (names
    /// starting with `.` or `auto-`, UKIs without a usable `.osrel`) are left out.
    public func entries(_ kinds: Set<ESPEntry.Kind> = [.type1, .type2], baseName: String? = nil) throws -> [ESPEntry] {
        var entries: [ESPEntry] = []
        for (directory, kind) in [(Self.type1, ESPEntry.Kind.type1), (Self.uki, .type2)] where kinds.contains(kind) {
            let handle: DirectoryHandle
            do {
                handle = try self.directory(directory.split(separator: "/").map(String.init))
            } catch let error as BootEntryError where error.code == .notFound {
                continue
            }
            let relative = String(handle.path.string.dropFirst(root.string.count).drop { $0 == "/" })
            // Only regular files: a FIFO or device is skipped without being opened.
            for name in try handle.entries().filter({ $0.kind == .regular }).map(\.name).sorted()
            where name.lowercased().hasSuffix(kind.suffix) && !name.hasPrefix(".")
                && !name.lowercased().hasPrefix("auto-")
                && baseName.map({ ESPEntry.baseName(of: name, kind: kind) == $0 }) ?? true
            {
                guard let file = try? handle.file(name) else { continue }
                guard kind == .type1 else {
                    entries += (try? Self.ukiEntries(file, path: relative + "/" + name)) ?? []
                    continue
                }
                guard let fields = Self.type1Fields(file) else { continue }
                entries.append(
                    ESPEntry(
                        kind: kind, path: relative + "/" + name, title: fields.title, version: fields.version,
                        sortKey: fields.sortKey, machineID: fields.machineID))
            }
        }
        return entries.sorted { $0.sortsBefore($1) }
    }

    typealias Fields = (title: String?, version: String?, sortKey: String?, machineID: String?)

    /// `title`, `version`, `sort-key`, `machine-id` of a Type #1 file (first word is the key).
    static func type1Fields(_ file: ReadableFile) -> Fields? {
        guard let bytes = try? FileRegion(wholeFile: file).readAll(limit: 1 << 20) else { return nil }
        var values: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count == 2 else { continue }
            values[String(parts[0])] = String(parts[1].drop { $0 == " " || $0 == "\t" })
        }
        return (values["title"], values["version"], values["sort-key"], values["machine-id"])
    }

    /// Title, version and sort key from a UKI's `.osrel` as systemd-boot picks them
    /// (`bootspec_pick_name_version_sort_key`); nil when it names nothing.
    static func osReleaseFields(_ osRelease: [String: String]) -> Fields? {
        func first(_ keys: String...) -> String? { keys.lazy.compactMap { osRelease[$0] }.first }
        guard let title = first("PRETTY_NAME", "IMAGE_ID", "NAME", "ID") else { return nil }
        return (title, first("IMAGE_VERSION", "VERSION", "VERSION_ID", "BUILD_ID"), first("IMAGE_ID", "ID"), nil)
    }

    /// The first `.osrel` of a UKI as key/value pairs.
    static func osRelease(of file: ReadableFile) throws -> [String: String] {
        let image = try PEImage(file: file)
        guard let section = image.section(named: ".osrel") else {
            throw BootEntryError(.invalid, "\(file.path): not a UKI (no .osrel section)")
        }
        return try keyValues(image.memoryContent(of: section))
    }

    /// The key/value pairs of env-file text (`.osrel`, `.profile`) up to its first NUL, shell-style
    /// quotes removed; at most 1 MiB is read.
    static func keyValues(_ content: any ByteSource) throws -> [String: String] {
        let bytes = try content.readAll(limit: 1 << 20)
        var values: [String: String] = [:]
        for line in String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, !pair[0].hasPrefix("#") else { continue }
            var value = Substring(pair[1])
            if let quote = value.first, quote == "\"" || quote == "'", value.count >= 2, value.last == quote {
                value = value.dropFirst().dropLast()
            }
            values[String(pair[0])] = String(value.filter { $0 != "\\" })
        }
        return values
    }
}

extension ESPEntry {
    /// The file name without its counter, lowercased: the same entry across systemd-boot's and
    /// systemd-bless-boot's renames.
    public var baseName: String { (counter?.goodName ?? fileName).lowercased() }

    /// ``baseName`` of a file name, without reading the file.
    static func baseName(of fileName: String, kind: Kind) -> String {
        (BootCounter(loaderFileName: fileName, suffix: kind.suffix)?.goodName ?? fileName).lowercased()
    }

    /// The base name of the entry this system booted, from systemd-boot's LoaderBootCountPath or
    /// LoaderEntrySelected, or the stub's LoaderImageIdentifier (direct firmware boot).
    public static func bootedBaseName(_ loader: LoaderVariables) -> String? {
        for name in ["LoaderBootCountPath", "LoaderEntrySelected", "LoaderImageIdentifier"] {
            guard let value = loader[name] else { continue }
            // LoaderEntrySelected of a multi-profile UKI is `file@profile`.
            let path = name == "LoaderEntrySelected" ? String(value.prefix { $0 != "@" }) : value
            let file = String(ESP.relativePath(path).split(separator: "/").last ?? "")
            let suffix = file.lowercased().hasSuffix(".conf") ? ".conf" : ".efi"
            return (BootCounter(loaderFileName: file, suffix: suffix)?.goodName ?? file).lowercased()
        }
        return nil
    }
}

extension ESP {
    /// An ESP path as a loader or device path spells it (`\EFI\Linux\x.efi`), relative to the ESP
    /// root with `/` separators (`EFI/Linux/x.efi`).
    public static func relativePath(_ loaderPath: String) -> String {
        loaderPath.split(whereSeparator: { $0 == "\\" || $0 == "/" }).joined(separator: "/")
    }

    /// Copies `source` to `relative` on the ESP: temporary file, fsync, rename, directory fsync,
    /// all inside the directory reached from the root without following links.
    public func writeFile(copying source: FilePath, to relative: String) throws {
        let input = try ReadableFile(path: source)
        let wanted = String(relative.split(separator: "/").last ?? "")
        let directory = try directory(relative.split(separator: "/").dropLast().map(String.init), creating: true)
        // FAT has one file for both spellings; a staging directory must not get two.
        var name = wanted
        if let (existing, kind) = Self.existingEntry(wanted, in: directory) {
            guard kind == .regular else {
                throw BootEntryError(.invalid, "\(directory.path.appending(existing)): not a regular file")
            }
            name = existing
        }
        try FileRegion(wholeFile: input).save(in: directory, as: name)
    }

    /// Installs a UKI as `EFI/Linux/<name>.efi`, or with `tries` as `<name>+<tries>-0.efi` (the
    /// done counter pre-allocated, so systemd-boot's rename keeps the name's length). Earlier
    /// copies of the same entry (any counter) are removed after the new one is in place; the one
    /// this system booted (`booted`, a base name) is refused. Returns the new path and the removed ones.
    public func installUKI(
        _ uki: FilePath, name: String, tries: Int?, booted: String?
    ) throws -> (
        path: String, removed: [String]
    ) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !name.isEmpty, name.count <= 200, name.allSatisfy(allowed.contains), !name.hasPrefix("."),
            !name.lowercased().hasPrefix("auto-")
        else {
            throw BootEntryError(
                .invalid,
                "'\(name)': an entry name is ASCII letters, digits, '-', '_' and '.', not starting with '.' or 'auto-'")
        }
        if let tries, !(1...Int(Int32.max)).contains(tries) {
            throw BootEntryError(.invalid, "--tries \(tries): give a number of tries from 1")
        }
        let fields = try Self.osRelease(of: try ReadableFile(path: uki))
        guard ["PRETTY_NAME", "IMAGE_ID", "NAME", "ID"].contains(where: { fields[$0] != nil }) else {
            throw BootEntryError(
                .invalid, "\(uki): its .osrel has no PRETTY_NAME, IMAGE_ID, NAME or ID (systemd-boot would not list it)"
            )
        }
        let baseName = "\(name).efi".lowercased()
        guard booted != baseName else {
            throw BootEntryError(
                .refused, "EFI/Linux/\(name).efi is the entry this system booted; install under another name")
        }
        let previous = try entries([.type2], baseName: baseName).firstOfEachFile
        let path = "\(Self.uki)/\(name)" + (tries.map { "+\($0)-0" } ?? "") + ".efi"
        try writeFile(copying: uki, to: path)
        var removed: [String] = []
        for entry in previous where entry.path.lowercased() != path.lowercased() {
            try remove(entry.path)
            removed.append(entry.path)
        }
        return (path, removed)
    }

    /// Deletes a file of the ESP and fsyncs its directory.
    public func remove(_ relative: String) throws {
        guard let (directory, name) = locate(relative) else {
            throw BootEntryError(.notFound, "\(root)/\(relative) does not exist")
        }
        try directory.remove(name)
    }

    /// Renames a file of the ESP within its directory and fsyncs the directory.
    func rename(_ relative: String, to newName: String) throws {
        guard let (directory, name) = locate(relative) else {
            throw BootEntryError(.notFound, "\(root)/\(relative) does not exist")
        }
        try directory.rename(name, to: newName)
    }
}
