import Foundation
import JSON
import TestSupport
import Testing

/// Tools started at the same time on the same file or store: every change lands.
@Suite struct ParallelWritersTests {
    /// Starts every command (program and arguments) before waiting for any; their exit status and
    /// standard output in order.
    static func together(_ commands: [(String, [String])]) throws -> [(status: Int32, stdout: String)] {
        let started = try commands.map { executable, arguments in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            return (process, output)
        }
        return started.map { process, output in
            let bytes = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: bytes, as: UTF8.self))
        }
    }

    /// 20 pairs of `bootctl add` on one OVMF varstore and on one variable directory: all 40 entries
    /// are there, with 40 distinct numbers, all in BootOrder (read back by virt-fw-vars for the
    /// varstore, and by `bootctl list` for both).
    @Test(arguments: ["varstore", "efivars"])
    func parallelAddsKeepEveryEntry(store kind: String) throws {
        let directory = try TemporaryDirectory()
        let disk = directory.file("disk.img")
        try makeGPTImage(disk, size: "64M", layout: "label: gpt\nstart=2048, size=65536, type=U\n")
        let store: String
        if kind == "varstore" {
            store = try directory.write("vars.fd", try readBytes("/usr/share/OVMF/OVMF_VARS_4M.fd"))
        } else {
            store = directory.file("vars")
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        }
        var printed: [String] = []
        for pair in 0..<20 {
            let results = try Self.together(
                (0..<2).map { index in
                    (
                        TestPaths.bootctl,
                        [
                            "add", "--\(kind)=\(store)", "--disk=\(disk)", "--part=1",
                            "--label=entry \(pair * 2 + index)", "--loader=\\EFI\\Linux\\os-\(pair * 2 + index).efi",
                            "--last",
                        ]
                    )
                })
            for result in results {
                #expect(result.status == 0)
                printed.append(result.stdout.trimmingCharacters(in: .newlines))
            }
        }
        #expect(Set(printed).count == 40, "\(printed)")
        let listed = try run(TestPaths.bootctl, ["list", "--\(kind)=\(store)", "--json=short"])
        let document = try JSONValue(parsing: Array(listed.stdout.utf8))
        let entries = document["entries"]?.arrayValue ?? []
        let labels = Set(entries.compactMap { $0["description"]?.stringValue })
        #expect(labels == Set((0..<40).map { "entry \($0)" }))
        let order = document["BootOrder"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(order.count == 40 && Set(order).count == 40)
        #expect(Set(order.map { "Boot" + $0 }) == Set(printed))
        if kind == "varstore" {
            let json = directory.file("view.json")
            #expect(try run("virt-fw-vars", ["-i", store, "--output-json", json]).status == 0)
            let names = try JSONValue(parsing: try readBytes(json))["variables"]?.arrayValue?.compactMap {
                $0["name"]?.stringValue
            }
            #expect(Set(names ?? []).isSuperset(of: Set(printed)))
        }
    }

    /// Six `ukify sign` of one file in place at once: the file ends with six signatures (pesign
    /// lists them), none lost to another signer's rename.
    @Test func parallelInPlaceSignsKeepEverySignature() throws {
        let directory = try TemporaryDirectory()
        let image = try directory.write("uki.efi", try readBytes(TestPaths.fixture("uki-unsigned.efi")))
        let sign = [
            "sign", "--secureboot-private-key=\(TestPaths.fixture("db.key"))",
            "--secureboot-certificate=\(TestPaths.fixture("db.crt"))", "-o", image, image,
        ]
        let results = try Self.together(Array(repeating: (TestPaths.ukify, sign), count: 6))
        #expect(results.allSatisfy { $0.status == 0 })
        let pesign = try run("pesign", ["-S", "-i", image])
        #expect(pesign.stdout.components(separatedBy: "The signer's common name is").count - 1 == 6, "\(pesign.stdout)")
    }
}
