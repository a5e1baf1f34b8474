import Foundation
import TestSupport
import Testing

/// Bad input: one error line on stderr naming the file and the problem, a non-zero exit, no output left.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var arguments: @Sendable (TemporaryDirectory) throws -> [String]
        var exitCode: Int32
        /// Text the one stderr line must contain (besides "ukify: ").
        var mentions: @Sendable (TemporaryDirectory) -> [String]
    }

    static let cases: [Case] = [
        Case(
            description: "missing kernel", arguments: { ["--linux=\($0.file("nope"))"] }, exitCode: 66,
            mentions: { [$0.file("nope"), "No such file"] }),
        Case(
            description: "non-PE stub", arguments: { _ in ["--stub=\(TestPaths.fixture("os-release"))"] }, exitCode: 65,
            mentions: { _ in [TestPaths.fixture("os-release"), "not a PE"] }),
        Case(
            description: "signed stub",
            arguments: { _ in ["--stub=\(TestPaths.fixture("linuxx64.efi.stub.sbsigned"))"] },
            exitCode: 65, mentions: { _ in [TestPaths.fixture("linuxx64.efi.stub.sbsigned"), "signed"] }),
        Case(
            description: "truncated stub",
            arguments: { directory in
                let bytes = try readBytes(TestPaths.fixture("linuxx64.efi.stub")).prefix(0x300)
                return ["--stub=\(try directory.write("short.stub", Array(bytes)))"]
            }, exitCode: 65, mentions: { [$0.file("short.stub"), "truncated"] }),
        Case(
            description: "lying kernel header",
            arguments: { directory in
                var bytes = [UInt8](repeating: 0, count: 0x400)
                bytes.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
                bytes[0x20E] = 0xFF
                bytes[0x20F] = 0x7F
                return ["--linux=\(try directory.write("bzImage", bytes))", "--uname="]
            }, exitCode: 65, mentions: { [$0.file("bzImage"), "kernel release"] }),
        Case(
            description: "truncated gzip kernel",
            arguments: { directory in
                let kernel = try BadInputTests.compressedDebianKernel("gzip -c", in: directory)
                let bytes = try readBytes(kernel)
                return ["--linux=\(try directory.write("vmlinuz", Array(bytes.prefix(bytes.count / 2))))", "--uname="]
            }, exitCode: 65, mentions: { [$0.file("vmlinuz"), "gzip stream ends early"] }),
        Case(
            description: "corrupt xz kernel",
            arguments: { directory in
                var bytes = try readBytes(try BadInputTests.compressedDebianKernel("xz -c", in: directory))
                bytes[bytes.count / 2] ^= 0x55
                return ["--linux=\(try directory.write("vmlinuz", bytes))"]
            }, exitCode: 65, mentions: { [$0.file("vmlinuz"), "corrupt compressed data"] }),
        Case(
            description: "duplicate section", arguments: { _ in ["--section=.cmdline:again"] }, exitCode: 65,
            mentions: { _ in ["duplicate section", ".cmdline"] }),
        Case(
            description: "name over 8 bytes", arguments: { _ in ["--section=.waytoolong:x"] }, exitCode: 65,
            mentions: { _ in [".waytoolong"] }),
        // An empty file given for a section is an error, not a section silently left out.
        Case(
            description: "empty section file",
            arguments: { ["--section=.extra:@\(try $0.write("empty", [UInt8]()))"] }, exitCode: 65,
            mentions: { [$0.file("empty"), "empty"] }),
        Case(
            description: "empty cmdline file", arguments: { ["--cmdline=@\(try $0.write("empty", [UInt8]()))"] },
            exitCode: 65, mentions: { [$0.file("empty"), "empty"] }),
        Case(
            description: "missing output directory", arguments: { ["--output=\($0.file("no/such/dir/uki.efi"))"] },
            exitCode: 74,
            mentions: { [$0.file("no/such/dir/uki.efi"), "No such file"] }),
    ]

    @Test(arguments: cases)
    func failsWithOneLineAndLeavesNothing(badCase: Case) throws {
        let directory = try TemporaryDirectory()
        let extra = try badCase.arguments(directory)
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: directory.path))
        var arguments = try ukifyArguments(directory)
        for option in extra {
            let name = option.prefix { $0 != "=" }
            if option.hasPrefix("--section") { arguments.append(option); continue }
            arguments.removeAll { $0.hasPrefix(name + "=") }
            if !option.hasSuffix("=") { arguments.append(option) }
        }
        let result = try run(TestPaths.ukify, arguments)
        #expect(result.status == badCase.exitCode, "\(result.stderr)")
        // Warnings about the inputs (the fake kernel is not a PE) may come first; the error is one line.
        let errors = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("ukify: warning: ") }
        #expect(errors.count == 1, "\(result.stderr)")
        let error = String(errors.first ?? "")
        #expect(error.hasPrefix("ukify: "))
        for text in badCase.mentions(directory) { #expect(error.contains(text), "\(error) lacks \(text)") }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == before)
        #expect(result.stdout.isEmpty)
    }

    /// Debian's kernel through `command` (a compression tool), in `directory`.
    static func compressedDebianKernel(_ command: String, in directory: TemporaryDirectory) throws -> String {
        let kernel = try TestPaths.debianKernel()
        let output = directory.file("vmlinuz.compressed")
        try check(run("/bin/sh", ["-c", "\(command) \"$1\" > \"$2\"", "sh", kernel.vmlinuz, output]))
        return output
    }

    private func ukifyArguments(_ directory: TemporaryDirectory) throws -> [String] {
        [
            "build", "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))", "--linux=\(TestPaths.fixture("linux.bin"))",
            "--initrd=\(TestPaths.fixture("initrd.bin"))", "--cmdline=quiet",
            "--os-release=@\(TestPaths.fixture("os-release"))",
            "--uname=6.1.0-test", "--output=\(directory.file("uki.efi"))",
        ]
    }
}
