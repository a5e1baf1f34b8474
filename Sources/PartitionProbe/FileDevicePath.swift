import BinaryIO
internal import CEFIVar
import EFIVariables
import Glibc
import Synchronization
import SystemPackage

extension DevicePath {
    /// The device path of a file on a mounted disk partition, as efibootmgr creates it:
    /// `HD(n,GPT,PARTUUID,start,size)/File(\path)` + end, from libefiboot's
    /// `efi_generate_file_device_path(…, EFIBOOT_ABBREV_HD)`. libefiboot finds the mount in
    /// /proc/self/mounts and the partition in sysfs, and reads the partition table from the disk
    /// itself: no udev database is needed (an initramfs, a container).
    ///
    /// `path` is resolved first (libefiboot compares it with mount points as text). A directory's
    /// File() path ends in `\` (`File(\)` for a mount point, which libefiboot only accepts so).
    /// Failures are one error naming `path` and libefiboot's reason.
    public static func ofFile(_ path: FilePath) throws -> DevicePath {
        func fail(_ why: String) -> EFIVariableError { EFIVariableError(.notFound, "\(path): \(why)") }
        var target: String
        do {
            target = try path.resolvingLinks().string
        } catch {
            throw fail(error.osMessage)
        }
        var status = stat()
        if stat(target, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { target += "/" }
        let bytes = try LibEFIBoot.lock.withLock { _ in
            // The error stack is the library's global state: cleared before, read, cleared after.
            efi_error_clear()
            defer { efi_error_clear() }
            let options = UInt32(EFIBOOT_ABBREV_HD)
            // Asked twice, as efibootmgr does: the size first, then the bytes.
            let needed = bootchain_efi_generate_file_device_path(nil, 0, target, options)
            guard needed > 0 else { throw fail(LibEFIBoot.reason(errno: errno)) }
            var buffer = [UInt8](repeating: 0, count: needed)
            let written = buffer.withUnsafeMutableBufferPointer {
                bootchain_efi_generate_file_device_path($0.baseAddress, needed, target, options)
            }
            guard written > 0, written <= needed else { throw fail(LibEFIBoot.reason(errno: errno)) }
            return buffer.prefix(written)
        }
        return try DevicePath(parsing: bytes, origin: "\(path) (libefiboot)")
    }
}

/// What libefiboot (and the libefivar under it) needs around a call.
private enum LibEFIBoot {
    /// libefiboot's error stack is process-wide: one call at a time.
    static let lock = Mutex(())

    /// The failing call's reason from libefiboot's error stack (`efi_error_get`): its outermost
    /// message and that message's cause, with the cause's errno, e.g. "could not canonicalize fs
    /// path: could not find mountpoint: No such file or directory". Entries further down can be
    /// warnings of steps that went on (a disk without a `device` link in sysfs), so they are left
    /// out. `errno` is the fallback when the stack is empty.
    static func reason(errno: Int32) -> String {
        var entries: [(message: String, error: Int32)] = []
        var file: UnsafeMutablePointer<CChar>?
        var function: UnsafeMutablePointer<CChar>?
        var message: UnsafeMutablePointer<CChar>?
        var line: Int32 = 0
        var error: Int32 = 0
        while efi_error_get(UInt32(entries.count), &file, &function, &line, &message, &error) > 0 {
            entries.append((message.map { String(cString: $0) } ?? "", error))
        }
        let shown = entries.suffix(2).reversed()
        let code = shown.last?.error ?? errno
        let messages = shown.map(\.message).filter { !$0.isEmpty }
        return (messages + [code == 0 ? "failed" : Errno(rawValue: code).osMessage]).joined(separator: ": ")
    }
}

extension GPTPartition {
    /// The partition holding `path` on this machine (a mounted ESP): the `HD()` node of the
    /// path's device path from libefiboot (``DevicePath/ofFile(_:)``), which reads the disk's GPT
    /// itself, as efibootmgr does.
    public static func containing(_ path: FilePath) throws -> GPTPartition {
        let devicePath = try DevicePath.ofFile(path)
        guard let node = devicePath.nodes.first(where: { $0.kind == .hardDrive }) else {
            throw EFIVariableError(.notFound, "\(path): not on a disk partition (\(devicePath.text))")
        }
        guard let partition = GPTPartition(hardDriveNode: node) else {
            throw EFIVariableError(
                .notFound,
                "\(path): \(node.text) is not a GPT partition (no valid GPT on its disk; firmware HD() "
                    + "entries need one)")
        }
        return partition
    }
}
