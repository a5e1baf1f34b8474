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
        /// The file or directory could not be read.
        case unreadable(String)
    }

    public struct Binary: Sendable {
        public let path: String
        public let outcome: Outcome
    }

    public let binaries: [Binary]

    /// Checks every `*.efi` file (any case) under `esp`; files that are not PE images are skipped,
    /// unreadable files and directories are listed as such. An ESP without any EFI binary is an error.
    public init(esp: FilePath, level: SBATLevel) throws {
        var binaries: [Binary] = []
        var unreadable: [Binary] = []
        let files = try Self.efiFiles(under: esp, unreadable: &unreadable)
        for path in files {
            let image: PEImage
            do {
                image = try PEImage(file: try ReadableFile(path: path))
            } catch let error as PEError where error.code != .cannotOpen && error.code != .io {
                continue
            } catch {
                binaries.append(Binary(path: path.string, outcome: .unreadable("\(error)")))
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
            } catch {
                outcome = .unreadable("\(error)")
            }
            binaries.append(Binary(path: path.string, outcome: outcome))
        }
        guard !binaries.isEmpty || !unreadable.isEmpty else {
            throw SBATError(.missingSection, "\(esp.string): no EFI binaries (*.efi) found; is this the ESP?")
        }
        self.binaries = binaries + unreadable
    }

    /// Whether at least one binary would still load.
    public var somethingBoots: Bool { binaries.contains { $0.outcome == .allowed } }

    /// The `*.efi` files under `root`, sorted; subdirectories that cannot be read go to `unreadable`.
    static func efiFiles(under root: FilePath, unreadable: inout [Binary], isRoot: Bool = true) throws -> [FilePath] {
        let names: [String]
        do {
            names = try directoryEntries(root)
        } catch {
            guard !isRoot else { throw error }
            unreadable.append(Binary(path: root.string, outcome: .unreadable("\(error)")))
            return []
        }
        var files: [FilePath] = []
        var subdirectories: [FilePath] = []
        for name in names {
            let path = root.appending(name)
            var status = stat()
            guard lstat(path.string, &status) == 0 else { continue }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                subdirectories.append(path)
            } else if (status.st_mode & S_IFMT) == S_IFREG, name.lowercased().hasSuffix(".efi") {
                files.append(path)
            }
        }
        for subdirectory in subdirectories {
            files += try efiFiles(under: subdirectory, unreadable: &unreadable, isRoot: false)
        }
        return files.sorted { $0.string < $1.string }
    }
}
