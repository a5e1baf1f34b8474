import BinaryIO
import Glibc
import PEKit
import SystemPackage

/// Every EFI binary on an ESP judged under a level, and whether anything would still boot.
public struct ESPCheck: Sendable {
    public enum Outcome: Sendable, Equatable {
        case allowed
        case revoked(component: String, generation: UInt16, minimum: UInt16, part: String?)
        /// shim refuses to load the file at all (no usable `.sbat`, several `.sbat`, bad `.sbat`).
        case refused(String)
    }

    public struct Binary: Sendable {
        public let path: String
        public let outcome: Outcome
    }

    public let binaries: [Binary]

    /// The removable-media path firmware falls back to.
    public static let fallbackPath = "EFI/BOOT/BOOTX64.EFI"

    /// Checks every `*.efi` file (any case) under `esp`; files that are not PE images are skipped.
    public init(esp: FilePath, level: SBATLevel) throws {
        var binaries: [Binary] = []
        for path in try Self.efiFiles(under: esp) {
            let image: PEImage
            do {
                image = try PEImage(file: try ReadableFile(path: path))
            } catch let error as PEError where error.code != .cannotOpen && error.code != .io {
                continue
            }
            let outcome: Outcome
            do {
                let loaded = try SBATImage.load(image)
                if let (part, verdict) = loaded.verdict(under: level),
                    case .revoked(let component, let generation, let minimum) = verdict
                {
                    outcome = .revoked(component: component, generation: generation, minimum: minimum, part: part.label)
                } else {
                    outcome = .allowed
                }
            } catch let error as SBATError {
                outcome = .refused(error.description)
            }
            binaries.append(Binary(path: path.string, outcome: outcome))
        }
        self.binaries = binaries
    }

    /// Whether at least one binary would still load.
    public var somethingBoots: Bool { binaries.contains { $0.outcome == .allowed } }

    static func efiFiles(under root: FilePath) throws -> [FilePath] {
        guard let directory = opendir(root.string) else {
            throw BinaryIOError(.cannotOpen, path: root.string, detail: Errno(rawValue: errno).osMessage)
        }
        defer { closedir(directory) }
        var files: [FilePath] = []
        var subdirectories: [FilePath] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let path = root.appending(name)
            var status = stat()
            guard lstat(path.string, &status) == 0 else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                subdirectories.append(path)
            } else if (status.st_mode & S_IFMT) == S_IFREG, name.lowercased().hasSuffix(".efi") {
                files.append(path)
            }
        }
        for subdirectory in subdirectories { files += try efiFiles(under: subdirectory) }
        return files.sorted { $0.string < $1.string }
    }
}
