import Foundation

/// Paths and helpers shared by the test targets.
public enum TestPaths {
    /// The repository root (this file is Tests/TestSupport/TestSupport.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static func fixture(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(name).path
    }

    /// The ukify binary built by `swift build`.
    public static var ukify: String { builtBinary("ukify") }

    /// The measure binary built by `swift build`.
    public static var measure: String { builtBinary("measure") }

    /// The sbat binary built by `swift build`.
    public static var sbat: String { builtBinary("sbat") }

    /// The bootctl binary built by `swift build`.
    public static var bootctl: String { builtBinary("bootctl") }

    /// The `make install PREFIX=/usr` tree that `make deb` packages (scripts/test.sh runs `make deb`).
    public static var installedTree: String { repositoryRoot.appendingPathComponent("out/deb").path }

    /// A tool as the package installs it (static Swift runtime, stripped): usr/lib/bootchain/bin/NAME.
    public static func installedTool(_ name: String) -> String { installedTree + "/usr/lib/bootchain/bin/" + name }

    /// A binary of this package built by `swift build` (override with <NAME>_BIN).
    static func builtBinary(_ name: String) -> String {
        ProcessInfo.processInfo.environment[name.uppercased() + "_BIN"]
            ?? repositoryRoot.appendingPathComponent(".build/debug/" + name).path
    }

    /// Debian's systemd-measure (v252), the reference our `measure` is compared with.
    public static let systemdMeasure = "/usr/lib/systemd/systemd-measure"

    /// Debian 13's systemd 257 as scripts/fetch-systemd.sh unpacked it: `ukify` and
    /// `systemd-measure` (wrappers that run them from the unpacked tree) and the stubs.
    public static var systemd257: Systemd257 {
        Systemd257(root: repositoryRoot.appendingPathComponent(".cache/systemd257").path)
    }

    public struct Systemd257: Sendable {
        public let root: String
        /// The directory holding `ukify` and `systemd-measure` (ukify's `--tools`).
        public var tools: String { root + "/bin" }
        public var ukify: String { tools + "/ukify" }
        public var systemdMeasure: String { tools + "/systemd-measure" }
        public var linuxStub: String { root + "/root/usr/lib/systemd/boot/efi/linuxx64.efi.stub" }
        public var addonStub: String { root + "/root/usr/lib/systemd/boot/efi/addonx64.efi.stub" }

        /// Fails (never skips) when the fetch has not run.
        public func check() throws {
            guard FileManager.default.isExecutableFile(atPath: ukify), FileManager.default.fileExists(atPath: linuxStub)
            else { throw TestFailure("no systemd 257 under \(root): run scripts/fetch-systemd.sh") }
        }
    }

    /// systemd-stub of the releases users run, by version: Debian 12's own (252), bookworm-backports'
    /// (254) and Debian 13's (257), the latter two unpacked by scripts/fetch-systemd.sh.
    public static func linuxStub(_ version: Int) -> String {
        switch version {
        case 252: "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
        case 257: systemd257.linuxStub
        default:
            repositoryRoot.appendingPathComponent(
                ".cache/systemd\(version)/root/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
            ).path
        }
    }

    /// Where scripts/fetch-kernel.sh unpacked Debian's kernel package (override with BOOTCHAIN_KERNEL_DIR).
    public static var kernelDirectory: String {
        ProcessInfo.processInfo.environment["BOOTCHAIN_KERNEL_DIR"]
            ?? repositoryRoot.appendingPathComponent(".cache/kernel").path
    }

    /// The Debian kernel (vmlinuz) and its release, from the unpacked package.
    public static func debianKernel() throws -> (vmlinuz: String, release: String) {
        let boot = kernelDirectory + "/boot"
        guard
            let name = try? FileManager.default.contentsOfDirectory(atPath: boot).first(where: {
                $0.hasPrefix("vmlinuz-")
            })
        else {
            throw TestFailure("no Debian kernel under \(boot): run scripts/fetch-kernel.sh")
        }
        return (boot + "/" + name, String(name.dropFirst("vmlinuz-".count)))
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A directory removed when the value goes away.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        let base =
            NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        var template = Array((base + "/bootchain-test.XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        path = String(cString: created)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    public func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutBytes: [UInt8]
}

/// Output read on another thread; the DispatchGroup wait orders the write before the read.
private final class CollectedOutput: @unchecked Sendable {
    var data = Data()
}

/// Runs a program to completion (no shell), capturing its output.
@discardableResult
public func run(
    _ executable: String, _ arguments: [String], currentDirectory: String? = nil,
    environment: [String: String]? = nil
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try which(executable))
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let errorOutput = CollectedOutput()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errorOutput.data = errPipe.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errorOutput.data, as: UTF8.self), stdoutBytes: Array(outData))
}

/// Throws unless the command succeeded.
public func check(_ result: ProcessResult) throws {
    guard result.status == 0 else { throw TestFailure("command failed (\(result.status)): \(result.stderr)") }
}

/// Full path of a program on PATH (or in /usr/sbin, /sbin), failing when it is not installed.
public func which(_ program: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"] {
        let candidate = directory + "/" + program
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestFailure("\(program) is not installed (scripts/install-deps.sh installs it)")
}

public func readBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// A sparse disk image of `size` (truncate's syntax, e.g. `64M`) partitioned by sfdisk from the
/// script `layout` (sfdisk's input format).
public func makeGPTImage(_ path: String, size: String, layout: String) throws {
    try check(run("truncate", ["-s", size, path]))
    try check(run("/bin/sh", ["-c", "printf '%s\\n' \"$1\" | sfdisk -q \"$2\"", "sh", layout, path]))
}

/// A small deterministic generator (SplitMix64), so random test inputs and kill points repeat
/// from run to run.
public struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
