import Foundation
import SystemPackage
import TestSupport
import Testing

@testable import BinaryIO

@Suite struct FileTests {
    @Test func readableFileReadsRangesAndRejectsShortReads() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("data", Array(0..<200).map { UInt8($0) })
        let file = try ReadableFile(path: FilePath(path))
        #expect(file.size == 200)
        #expect(try file.read(at: 190, count: 10, field: "tail") == Array(190..<200).map { UInt8($0) })
        #expect { _ = try file.read(at: 195, count: 10, field: "past") } throws: { error in
            let error = error as? BinaryIOError
            return error?.code == .truncated && error?.path == path && error?.field == "past" && error?.offset == 195
        }
    }

    @Test func missingAndDirectoryInputsAreCannotOpen() throws {
        let directory = try TemporaryDirectory()
        #expect { _ = try ReadableFile(path: FilePath(directory.file("nope"))) } throws: { error in
            (error as? BinaryIOError)?.code == .cannotOpen && "\(error)".contains("No such file")
        }
        #expect { _ = try ReadableFile(path: FilePath(directory.path)) } throws: { error in
            (error as? BinaryIOError)?.code == .cannotOpen && "\(error)".contains("is a directory")
        }
    }

    /// procfs reports size 0 and sysfs one page: such files are read to end of file, and refused
    /// as random-access files (whose size must be their length).
    @Test func pseudoFilesAreReadToEndOfFile() throws {
        #expect(try ReadableFile.readAll(path: "/proc/sys/kernel/ostype", limit: 64) == Array("Linux\n".utf8))
        let mounts = try ReadableFile.readAll(path: "/proc/self/mounts", limit: 4 << 20)
        #expect(String(decoding: mounts, as: UTF8.self).contains(" /proc proc "))
        #expect(try ReadableFile.readAll(path: "/sys/kernel/mm/transparent_hugepage/enabled", limit: 4096).count < 4096)
        for path in ["/proc/sys/kernel/ostype", "/sys/kernel/mm/transparent_hugepage/enabled"] {
            #expect(throws: BinaryIOError.self) { try ReadableFile(path: FilePath(path)) }
        }
        #expect { try ReadableFile.readAll(path: "/proc/self/mounts", limit: 8) } throws: { error in
            (error as? BinaryIOError)?.code == .tooLarge && (error as? BinaryIOError)?.path == "/proc/self/mounts"
        }
    }

    @Test func sourcesStreamInChunksOfTheScratchSize() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("data", Array(repeating: 7, count: 1000))
        let file = try ReadableFile(path: FilePath(path))
        let source = try ConcatenatedSource([
            FileRegion(file: file, offset: 10, count: 990), ZeroBytes(count: 5), InMemoryBytes([1, 2]),
        ])
        #expect(source.count == 997)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64, alignment: 8)
        defer { scratch.deallocate() }
        var collected: [UInt8] = []
        try source.forEachChunk(scratch: scratch) { chunk in
            #expect(chunk.count <= 64)
            collected += chunk
        }
        #expect(collected == Array(repeating: 7, count: 990) + [0, 0, 0, 0, 0, 1, 2])
        #expect(throws: BinaryIOError.self) { _ = try FileRegion(file: file, offset: 999, count: 2) }
    }

    @Test func atomicOutputAppearsOnlyOnCommit() throws {
        let directory = try TemporaryDirectory()
        let target = FilePath(directory.file("out.efi"))
        do {
            let output = try AtomicOutputFile(destination: target)
            try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try output.write($0) }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)

        let output = try AtomicOutputFile(destination: target)
        try [UInt8](repeating: 1, count: 10).withUnsafeBytes { try output.write($0) }
        try output.write([9, 9], at: 4)
        try output.commit()
        #expect(try readBytes(target.string) == [1, 1, 1, 1, 9, 9, 1, 1, 1, 1])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.efi"])
    }

    /// A write removes what killed writers left (`.NAME.tmp-PID-RANDOM` of a process that is
    /// gone) and leaves the temporary files of running processes and everything else alone.
    @Test func abandonedTemporaryFilesAreRemoved() throws {
        let directory = try TemporaryDirectory()
        let dead = try run("sh", ["-c", "echo $$"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let abandoned = [".os-a.efi.tmp-\(dead)-1f2e", ".other.efi.tmp-\(dead)-0"]
        let kept = [".os-a.efi.tmp-\(getpid())-abc", ".os-a.efi.tmp-1-xyz", "notes.tmp-\(dead)", "os-b.efi"]
        for name in abandoned + kept { _ = try directory.write(name, [1]) }
        try InMemoryBytes([2]).save(to: FilePath(directory.file("os-a.efi")))
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
                == (kept + ["os-a.efi"]).sorted())
    }

    @Test func outputInMissingDirectoryNamesIt() throws {
        let directory = try TemporaryDirectory()
        #expect { _ = try AtomicOutputFile(destination: FilePath(directory.file("missing/out.efi"))) } throws: {
            error in
            let text = "\(error)"
            return (error as? BinaryIOError)?.code == .writeFailed && text.contains("missing/out.efi")
                && text.contains("No such file")
        }
    }
}
