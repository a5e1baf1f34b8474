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

    /// Lanes see exactly the bytes of their ranges, in order, over many ring turns; the inline
    /// consumer sees the whole stream; each feed finishes once, complete.
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
        var inline: [UInt8] = []
        try ChunkStream.run(parts.map(InMemoryBytes.init), from: start, lanes: lanes) { inline += $0 }
        let whole = Self.pattern(total, from: start)
        #expect(inline == whole)
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

    @Test func anInlineErrorStopsTheStream() throws {
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
        // The lane got what was read before the reading stopped: at most a ring ahead of `inline`.
        #expect(feed.finished == [false])
        #expect((12...(12 + ChunkStream.depth)).map { $0 * ChunkStream.chunkSize }.contains(feed.bytes.count))
        #expect(feed.bytes == Array(Self.pattern(feed.bytes.count)))
    }

    /// An output larger than several writeback windows keeps every byte (the windows written
    /// back and dropped from the page cache on the way).
    @Test func largeAtomicOutputKeepsEveryByte() throws {
        let directory = try TemporaryDirectory()
        let bytes = Self.pattern((40 << 20) + 12345)
        try InMemoryBytes(bytes).save(to: FilePath(directory.file("out")))
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: directory.file("out")))) == bytes)
    }
}
