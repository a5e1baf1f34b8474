import BinaryIO
internal import CLibFuzzer
import Glibc
import SystemPackage

/// What ``runFuzzer(_:)`` hands each input to: libFuzzer calls a C function, which captures nothing.
nonisolated(unsafe) private var fuzzTarget: ([UInt8]) -> Void = { _ in }

/// Hands the process to libFuzzer's driver, which reads its options and corpus directories from the
/// command line and calls `test` with the bytes of each input; exits with the driver's status. What a
/// fuzz target's `main` does.
public func runFuzzer(_ test: @escaping ([UInt8]) -> Void) -> Never {
    fuzzTarget = test
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(
        LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            fuzzTarget(Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        })
}

/// Stops the fuzzer with `message` when an invariant does not hold: libFuzzer records the input
/// that broke it as a crash, like any trap in the code under test.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// One file the parsers that read files (PE images, GPT disk images) open by path: each input is
/// written over the previous one. It lives in /dev/shm (on ext4, closing a file truncated to 0
/// starts a disk write every time), is unlinked at once and reached through `/proc/self/fd`, so no
/// run leaves it behind.
public final class FuzzInputFile: Sendable {
    private let descriptor: FileDescriptor

    public init() {
        var template = Array("/dev/shm/bootchain-fuzz-XXXXXX".utf8CString)
        let raw = mkstemp(&template)
        guard raw >= 0 else { fatalError("mkstemp: \(Errno(rawValue: errno))") }
        unlink(template)
        descriptor = FileDescriptor(rawValue: raw)
    }

    /// A path whose file now holds exactly `bytes`.
    public func path(holding bytes: [UInt8]) -> FilePath {
        do {
            try descriptor.resize(to: 0)
            _ = try descriptor.writeAll(toAbsoluteOffset: 0, bytes)
        } catch {
            fatalError("scratch file: \(error)")
        }
        return FilePath("/proc/self/fd/\(descriptor.rawValue)")
    }

    /// The scratch file, holding exactly `bytes`, opened for the parsers.
    public func file(holding bytes: [UInt8]) -> ReadableFile {
        do {
            return try ReadableFile(path: path(holding: bytes))
        } catch {
            fatalError("scratch file: \(error)")
        }
    }
}
