import Foundation
import TestSupport
import Testing

/// `kill -9` at random points of commands that replace a file: the file is always the old or the
/// new one, byte for byte, and the next run leaves no temporary file behind.
@Suite(.serialized) struct FaultInjectionTests {
    /// Kill points per command: enough to land before, during and after the write, few enough for
    /// seconds of run time.
    static let kills = 16

    /// One command and the file it replaces.
    struct Scenario {
        var name: String
        var arguments: [String]
        var executable: String
        /// The file the command replaces, and the bytes it holds before the command.
        var target: String
        var old: [UInt8]
    }

    /// The temporary files AtomicOutputFile leaves when killed: `.NAME.tmp-PID-RANDOM`.
    static func temporaryFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter {
            $0.hasPrefix(".") && $0.contains(".tmp-")
        }
    }

    static func restore(_ scenario: Scenario) throws {
        try Data(scenario.old).write(to: URL(fileURLWithPath: scenario.target))
    }

    /// Runs the scenario to the end (the new bytes, and how long a run takes), then kills it at
    /// random points of such a run, each time from the old state; finally runs it to the end again.
    static func killAtRandomPoints(_ scenario: Scenario, seed: UInt64) throws {
        let targetDirectory = (scenario.target as NSString).deletingLastPathComponent
        // Two runs to the end; the faster one (caches warm) sets the range of the kill points.
        var duration = Double.infinity
        for _ in 0..<2 {
            try restore(scenario)
            let started = Date()
            try check(run(scenario.executable, scenario.arguments))
            duration = min(duration, Date().timeIntervalSince(started))
        }
        let new = try readBytes(scenario.target)
        #expect(new != scenario.old, "\(scenario.name): the command changed nothing")
        var generator = SeededGenerator(seed: seed)
        var outcomes = (old: 0, new: 0, temporaryFilesLeft: 0)
        for _ in 0..<kills {
            try restore(scenario)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: scenario.executable)
            process.arguments = scenario.arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Double.random(in: 0...(duration * 1.5), using: &generator) * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let bytes = try readBytes(scenario.target)
            #expect(bytes == scenario.old || bytes == new, "\(scenario.name): the target is neither old nor new")
            if bytes == scenario.old { outcomes.old += 1 } else if bytes == new { outcomes.new += 1 }
            if try !temporaryFiles(in: targetDirectory).isEmpty { outcomes.temporaryFilesLeft += 1 }
        }
        try restore(scenario)
        try check(run(scenario.executable, scenario.arguments))
        #expect(try readBytes(scenario.target) == new)
        #expect(try temporaryFiles(in: targetDirectory) == [], "\(scenario.name)")
        print(
            "\(scenario.name): \(kills) kills within \(Int(duration * 1500)) ms: \(outcomes.old) old, "
                + "\(outcomes.new) new, \(outcomes.temporaryFilesLeft) with a temporary file left by the kill")
    }

    static let signing = [
        "--secureboot-private-key=\(TestPaths.fixture("db.key"))",
        "--secureboot-certificate=\(TestPaths.fixture("db.crt"))",
    ]

    static func ukifyBuild(_ output: String, cmdline: String) -> [String] {
        [
            "build", "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))", "--linux=\(TestPaths.fixture("linux.bin"))",
            "--initrd=\(TestPaths.fixture("initrd.bin"))", "--cmdline=\(cmdline)",
            "--os-release=@\(TestPaths.fixture("os-release"))", "--uname=6.1.0-test", "--no-sign-kernel",
            "--output=\(output)",
        ] + signing
    }

    @Test func ukifyBuild() throws {
        let directory = try TemporaryDirectory()
        let output = directory.file("linux.efi")
        try check(run(TestPaths.ukify, Self.ukifyBuild(output, cmdline: "old")))
        try Self.killAtRandomPoints(
            Scenario(
                name: "ukify build", arguments: Self.ukifyBuild(output, cmdline: "root=LABEL=new quiet"),
                executable: TestPaths.ukify, target: output, old: try readBytes(output)),
            seed: 1)
    }

    @Test func ukifySignInPlace() throws {
        let directory = try TemporaryDirectory()
        let image = try directory.write("uki.efi", try readBytes(TestPaths.fixture("uki-unsigned.efi")))
        try Self.killAtRandomPoints(
            Scenario(
                name: "ukify sign (in place)", arguments: ["sign"] + Self.signing + ["-o", image, image],
                executable: TestPaths.ukify, target: image, old: try readBytes(image)),
            seed: 2)
    }

    @Test func bootctlInstall() throws {
        let directory = try TemporaryDirectory()
        let esp = directory.file("esp")
        try FileManager.default.createDirectory(atPath: esp, withIntermediateDirectories: true)
        let options = ["--esp=\(esp)", "--staged", "--no-variables", "--name=os"]
        try check(run(TestPaths.bootctl, ["install", TestPaths.fixture("uki-unsigned.efi")] + options))
        let target = esp + "/EFI/Linux/os.efi"
        try Self.killAtRandomPoints(
            Scenario(
                name: "bootctl install", arguments: ["install", TestPaths.fixture("uki-signed.efi")] + options,
                executable: TestPaths.bootctl, target: target, old: try readBytes(target)),
            seed: 3)
    }

    @Test func bootctlAddToAVarstore() throws {
        let directory = try TemporaryDirectory()
        let disk = directory.file("disk.img")
        try makeGPTImage(disk, size: "64M", layout: "label: gpt\nstart=2048, size=65536, type=U\n")
        let store = try directory.write("vars.fd", try readBytes("/usr/share/OVMF/OVMF_VARS_4M.fd"))
        try Self.killAtRandomPoints(
            Scenario(
                name: "bootctl add --varstore",
                arguments: [
                    "add", "--varstore=\(store)", "--disk=\(disk)", "--part=1", "--label=Linux",
                    "--loader=\\EFI\\Linux\\os.efi",
                ],
                executable: TestPaths.bootctl, target: store, old: try readBytes(store)),
            seed: 4)
    }
}
