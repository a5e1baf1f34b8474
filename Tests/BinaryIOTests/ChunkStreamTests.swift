import Foundation
import Synchronization
import SystemPackage
import TestSupport
import Testing

@testable import BinaryIO

/// Bytes a lane feed collected, appended on the lane's thread and read after the stream.
final class Collected: @unchecked Sendable {
    var bytes: [UInt8] = []
    var finished: [Bool] = []
}

@Suite struct ChunkStreamTests {
    /// Content over several chunks and ring turns: every byte is a function of its offset.
    static func pattern(_ count: Int, from start: Int = 0) -> [UInt8] {
        (start..<(start + count)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 11) }
    }

    static func feed(_ range: Range<Int>, into collected: Collected) -> StreamLane.Feed {
        StreamLane.Feed(
            range: range, consume: { collected.bytes += $0 }, finish: { collected.finished.append($0) })
    }

    @Test func sourcesReadAnyRange() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("data", Self.pattern(1000))
        let lazy = try LazyFile(path: FilePath(path))
        let source = try ConcatenatedSource([
            FileRegion(file: try ReadableFile(path: FilePath(path)), offset: 10, count: 990), ZeroBytes(count: 5),
            InMemoryBytes([1, 2]), lazy, DeferredBytes(count: 3) { [9, 8, 7] },
        ])
        let whole = Array(Self.pattern(1000)[10...]) + [0, 0, 0, 0, 0, 1, 2] + Self.pattern(1000) + [9, 8, 7]
        #expect(source.count == whole.count)
        for range in [0..<whole.count, 985..<1000, 990..<1001, 996..<1998, 1990..<2000, 5..<6] {
            var buffer = [UInt8](repeating: 0xAA, count: range.count)
            try buffer.withUnsafeMutableBytes { try source.read(into: $0, at: range.lowerBound) }
            #expect(buffer == Array(whole[range]), "range \(range)")
        }
    }

    @Test func deferredBytesAreComputedOnceWhenFirstRead() throws {
        let calls = Mutex(0)
        let deferred = DeferredBytes(count: 2) {
            calls.withLock { $0 += 1 }
            return [4, 2]
        }
        #expect(calls.withLock { $0 } == 0)
        #expect(try deferred.readAll(limit: 10) == [4, 2])
        #expect(try deferred.readAll(limit: 10) == [4, 2])
        #expect(calls.withLock { $0 } == 1)
        let wrongSize = DeferredBytes(count: 3) { [1] }
        #expect(throws: BinaryIOError.self) { try wrongSize.bytes() }
    }

    /// Lanes see exactly the bytes of their ranges, in order, over many ring turns; the output
    /// sees the whole stream; each feed finishes once, complete.
    @Test func everyLaneSeesItsRangesInOrder() throws {
        let start = 4096
        let parts: [[UInt8]] = [
            Self.pattern(100, from: start), Self.pattern(ChunkStream.chunkSize * 19 + 7, from: start + 100), [],
            Self.pattern(3, from: start + 100 + ChunkStream.chunkSize * 19 + 7),
        ]
        let total = parts.reduce(0) { $0 + $1.count }
        let ranges = [
            [(start + 50)..<(start + 60), (start + 60)..<(start + 5_000_000), (start + total - 2)..<(start + total)],
            [start..<(start + total)],
            [(start + 7)..<(start + 7)],
        ]
        let collected = ranges.map { $0.map { _ in Collected() } }
        let lanes = zip(ranges, collected).map { ranges, collected in
            StreamLane(zip(ranges, collected).map { Self.feed($0, into: $1) })
        }
        var output: [UInt8] = []
        try ChunkStream.run(parts.map(InMemoryBytes.init), from: start, lanes: lanes) { output += $0 }
        let whole = Self.pattern(total, from: start)
        #expect(output == whole)
        for (ranges, collected) in zip(ranges, collected) {
            for (range, feed) in zip(ranges, collected) {
                #expect(feed.bytes == Array(whole[(range.lowerBound - start)..<(range.upperBound - start)]))
                #expect(feed.finished == [true])
            }
        }
    }

    /// A source that fails stops the stream with its error; feeds not completed finish incomplete.
    @Test func aFailingSourceStopsEveryLane() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("data", Self.pattern(ChunkStream.chunkSize * 3))
        let lazy = try LazyFile(path: FilePath(path))
        _ = try directory.write("data", Self.pattern(10))  // the file changes before it is read
        let early = Collected()
        let late = Collected()
        let lane = StreamLane([Self.feed(0..<10, into: early), Self.feed(10..<(ChunkStream.chunkSize * 4), into: late)])
        #expect(throws: BinaryIOError.self) {
            try ChunkStream.run([InMemoryBytes(Self.pattern(ChunkStream.chunkSize * 2)), lazy], lanes: [lane])
        }
        #expect(early.finished == [true])
        #expect(late.finished == [false])
    }

    /// Chunks are whole (`chunkSize` bytes from as many sources as they span) but before content
    /// that waits for the stream, which the lanes must reach first; they start on page boundaries.
    @Test func chunksSpanSourcesUpToContentThatWaits() throws {
        let deferred = DeferredBytes(count: 10) { [UInt8](repeating: 7, count: 10) }
        let sources: [any ByteSource] = [
            InMemoryBytes(Self.pattern(100)), InMemoryBytes(Self.pattern(ChunkStream.chunkSize * 2 + 5)),
            ZeroBytes(count: 7), deferred, InMemoryBytes([1, 2, 3]),
        ]
        var sizes: [Int] = []
        var aligned = true
        try ChunkStream.run(sources, lanes: []) { chunk in
            sizes.append(chunk.count)
            aligned = aligned && Int(bitPattern: chunk.baseAddress) % 4096 == 0
        }
        #expect(sizes == [ChunkStream.chunkSize, ChunkStream.chunkSize, 112, 13])
        #expect(aligned)
    }

    @Test func anOutputErrorStopsTheStream() throws {
        struct Stop: Error {}
        let feed = Collected()
        var chunks = 0
        #expect(throws: Stop.self) {
            try ChunkStream.run(
                [InMemoryBytes(Self.pattern(ChunkStream.chunkSize * 20))],
                lanes: [StreamLane([Self.feed(0..<(ChunkStream.chunkSize * 20), into: feed)])]
            ) { _ in
                chunks += 1
                if chunks == 12 { throw Stop() }
            }
        }
        // The lane got what was read before the reading stopped: at most a ring ahead of the output.
        #expect(feed.finished == [false])
        #expect((12...(12 + ChunkStream.depth)).map { $0 * ChunkStream.chunkSize }.contains(feed.bytes.count))
        #expect(feed.bytes == Array(Self.pattern(feed.bytes.count)))
    }

    /// An output larger than several writeback windows keeps every byte (whole chunks written
    /// directly, the tail through the page cache).
    @Test func largeAtomicOutputKeepsEveryByte() throws {
        let directory = try TemporaryDirectory()
        let bytes = Self.pattern((40 << 20) + 12345)
        try InMemoryBytes(bytes).save(to: FilePath(directory.file("out")))
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: directory.file("out")))) == bytes)
    }

    /// Direct writes while whole aligned blocks come, the page cache from the first that is not
    /// (and for patches), make one file: every byte where it was written, the patch on top. On
    /// ext4 (where the tests run) the aligned writes go to the device directly.
    @Test(arguments: [false, true])
    func directAndCachedWritesMakeOneFile(unalignedFirst: Bool) throws {
        let directory = try TemporaryDirectory()
        let output = try AtomicOutputFile(destination: FilePath(directory.file("out")))
        let startedDirect = output.direct
        if FileSystemType(path: FilePath(directory.path))?.magic == 0xEF53 { #expect(startedDirect) }
        let blocks = UnsafeMutableRawBufferPointer.allocate(byteCount: 3 * 4096, alignment: 4096)
        defer { blocks.deallocate() }
        let first = Self.pattern(blocks.count)
        blocks.copyBytes(from: first)
        var expected: [UInt8] = []
        if unalignedFirst {
            try [UInt8](repeating: 5, count: 100).withUnsafeBytes { try output.write($0) }
            expected += [UInt8](repeating: 5, count: 100)
            #expect(!output.direct)
        }
        try output.write(UnsafeRawBufferPointer(blocks))
        expected += first
        #expect(output.direct == (startedDirect && !unalignedFirst))
        let tail = Self.pattern(777, from: 9)
        try tail.withUnsafeBytes { try output.write($0) }
        expected += tail
        #expect(!output.direct)
        try output.write(UnsafeRawBufferPointer(blocks))
        expected += first
        try output.write([0xEE, 0xFF], at: 4095)
        expected[4095...4096] = [0xEE, 0xFF]
        try output.commit()
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: directory.file("out")))) == expected)
    }
}
