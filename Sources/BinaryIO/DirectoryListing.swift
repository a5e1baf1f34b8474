import Glibc
import SystemPackage

/// The names in a directory (without `.` and `..`), unsorted.
public func directoryEntries(_ path: FilePath) throws -> [String] {
    guard let directory = opendir(path.string) else {
        throw BinaryIOError(.cannotOpen, path: path.string, detail: Errno(rawValue: errno).osMessage)
    }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != ".", name != ".." { names.append(name) }
    }
    return names
}
