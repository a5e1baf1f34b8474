import Glibc
import SystemPackage

/// This process's mounts (/proc/self/mounts), read once.
public struct MountTable: Sendable {
    public struct Mount: Sendable {
        public let point: String
        public let type: String
    }

    /// In table order (a later mount on the same point is mounted over the earlier one).
    public let mounts: [Mount]

    /// Reads the table; an unreadable table is empty.
    public init() {
        let bytes = (try? ReadableFile.readAll(path: "/proc/self/mounts", limit: 4 << 20)) ?? []
        mounts = String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count >= 3 ? Mount(point: String(fields[1]), type: String(fields[2])) : nil
        }
    }

    /// The mount in effect at `path` (the longest mount point above its real path; of equal ones
    /// the last) and that real path; nil when the path does not resolve.
    public func mount(containing path: FilePath) -> (mount: Mount, realPath: String)? {
        guard let resolved = realpath(path.string, nil) else { return nil }
        defer { free(resolved) }
        let real = String(cString: resolved)
        var best: Mount?
        for mount in mounts where mount.point == "/" || real == mount.point || real.hasPrefix(mount.point + "/") {
            if mount.point.count >= best?.point.count ?? 0 { best = mount }
        }
        return best.map { ($0, real) }
    }
}
