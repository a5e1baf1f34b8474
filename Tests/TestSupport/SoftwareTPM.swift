import Foundation

/// An swtpm TPM 2.0 on a Unix socket in a temporary directory, manufactured fresh and started
/// (`startup-clear`), for tests that talk to a TPM through tss2's swtpm TCTI.
public final class SoftwareTPM {
    private let directory: TemporaryDirectory
    private let process: Process
    public let socket: String

    /// The TCTI configuration for tss2 (`swtpm:path=...`).
    public var tcti: String { "swtpm:path=\(socket)" }

    public init() throws {
        directory = try TemporaryDirectory()
        socket = directory.file("sock")
        process = Process()
        process.executableURL = URL(fileURLWithPath: try which("swtpm"))
        process.arguments = [
            "socket", "--tpm2", "--tpmstate", "dir=\(directory.path)",
            "--server", "type=unixio,path=\(socket)", "--ctrl", "type=unixio,path=\(socket).ctrl",
            "--flags", "not-need-init,startup-clear",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket)
            || !FileManager.default.fileExists(atPath: socket + ".ctrl")
        {
            guard Date() < deadline, process.isRunning else { throw TestFailure("swtpm did not create \(socket)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    deinit {
        // swtpm does not exit on SIGTERM while a client may reconnect.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
