import Dispatch
import Glibc

/// One consumer of a ``ChunkStream``: it is handed, on a thread of its own and in stream order,
/// the parts of the stream that fall inside its feeds' ranges.
public struct StreamLane: @unchecked Sendable {
    /// A range of stream offsets and what consumes its bytes.
    public struct Feed {
        public let range: Range<Int>
        public let consume: (UnsafeRawBufferPointer) -> Void
        /// Called once on the lane's thread: `true` when the whole range has been consumed,
        /// `false` when the stream stopped (an error) before its end.
        public let finish: (_ complete: Bool) -> Void

        public init(
            range: Range<Int>, consume: @escaping (UnsafeRawBufferPointer) -> Void,
            finish: @escaping (_ complete: Bool) -> Void = { _ in }
        ) {
            self.range = range
            self.consume = consume
            self.finish = finish
        }
    }

    /// Ascending, disjoint ranges.
    public let feeds: [Feed]

    public init(_ feeds: [Feed]) {
        precondition(zip(feeds, feeds.dropFirst()).allSatisfy { $0.range.upperBound <= $1.range.lowerBound })
        self.feeds = feeds
    }

    /// Feeds the part of `chunk` (at stream offset `offset`) inside the ranges, from feed
    /// `next` on, and finishes the feeds the chunk completes. Returns the first unfinished feed.
    fileprivate func consume(_ chunk: UnsafeRawBufferPointer, at offset: Int, from next: Int) -> Int {
        var next = next
        let chunkRange = offset..<(offset + chunk.count)
        while next < feeds.count {
            let feed = feeds[next]
            if feed.range.overlaps(chunkRange) {
                let part = feed.range.clamped(to: chunkRange)
                feed.consume(
                    UnsafeRawBufferPointer(rebasing: chunk[(part.lowerBound - offset)..<(part.upperBound - offset)]))
            }
            guard feed.range.upperBound <= chunkRange.upperBound else { break }
            feed.finish(true)
            next += 1
        }
        return next
    }
}

/// Reads content once, in order, and hands every chunk to several consumers that work in
/// parallel: the calling thread reads each chunk and passes it to `inline` (writing it out),
/// while every ``StreamLane`` (a hash) consumes it on a thread of its own. Chunks go through a
/// ring of buffers, so a lane may run a few chunks behind the others; memory is the ring alone,
/// whatever the size of the content. A signed build thus hashes for Authenticode and for PCR 11 on
/// two cores while it writes, and measuring four banks spreads them over the cores.
public enum ChunkStream {
    /// Bytes per chunk and chunks in the ring: large enough that the hand-offs cost nothing, small
    /// enough that the ring stays a few MiB.
    static let chunkSize = 2 << 20
    static let depth = 8

    /// Streams `sources` one after another as one stream starting at offset `start`.
    public static func run(
        _ sources: [any ByteSource], from start: Int = 0, lanes: [StreamLane],
        inline: (UnsafeRawBufferPointer) throws -> Void = { _ in }
    ) throws {
        guard !lanes.isEmpty else {
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
            defer { scratch.deallocate() }
            for source in sources { try source.forEachChunk(scratch: scratch, inline) }
            return
        }
        let ring = Ring(lanes: lanes.count)
        let running = DispatchGroup()
        for (index, lane) in lanes.enumerated() {
            DispatchQueue(label: "ChunkStream.lane\(index)").async(group: running) { ring.drive(lane, index: index) }
        }
        var failure: (any Error)?
        var sequence = 0
        var offset = start
        // A buffer taken but not handed out (the read failed): it carries the end marker.
        var unpublished: Int?
        do {
            for source in sources {
                var done = 0
                while done < source.count {
                    let slot = ring.acquire(sequence)
                    unpublished = slot
                    let chunk = UnsafeMutableRawBufferPointer(
                        rebasing: ring.buffers[slot][0..<min(chunkSize, source.count - done)])
                    try source.read(into: chunk, at: done)
                    ring.publish(slot, Ring.Chunk(offset: offset, count: chunk.count))
                    unpublished = nil
                    sequence += 1
                    try inline(UnsafeRawBufferPointer(chunk))
                    done += chunk.count
                    offset += chunk.count
                }
            }
        } catch {
            failure = error
        }
        ring.publish(unpublished ?? ring.acquire(sequence), Ring.Chunk(offset: offset, count: failure == nil ? 0 : -1))
        running.wait()
        if let failure { throw failure }
    }

    /// The buffers and the hand-offs. A buffer is reused only after every lane has released the
    /// chunk it held; a semaphore's signal orders the producer's writes before the lane's reads.
    /// Every lane releases every buffer it was handed, the end marker's too, so the semaphores end
    /// at their initial values.
    private final class Ring: @unchecked Sendable {
        struct Chunk {
            var offset: Int
            /// 0: the stream ended; -1: it stopped on an error.
            var count: Int
        }

        let buffers: [UnsafeMutableRawBufferPointer]
        /// What each buffer holds: written by the producer before it publishes the buffer, read by
        /// the lanes after.
        private let chunks: UnsafeMutableBufferPointer<Chunk>
        private let published: [DispatchSemaphore]
        private let released: [DispatchSemaphore]

        init(lanes: Int) {
            buffers = (0..<depth).map { _ in
                UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
            }
            chunks = .allocate(capacity: depth)
            chunks.initialize(repeating: Chunk(offset: 0, count: 0))
            published = (0..<lanes).map { _ in DispatchSemaphore(value: 0) }
            released = (0..<lanes).map { _ in DispatchSemaphore(value: depth) }
        }

        deinit {
            for buffer in buffers { buffer.deallocate() }
            chunks.deallocate()
        }

        /// The buffer for chunk number `sequence`, once every lane is done with its previous chunk.
        func acquire(_ sequence: Int) -> Int {
            for semaphore in released { semaphore.wait() }
            return sequence % depth
        }

        func publish(_ slot: Int, _ chunk: Chunk) {
            chunks[slot] = chunk
            for semaphore in published { semaphore.signal() }
        }

        /// Lane `index`'s thread: every chunk in order until the end marker.
        func drive(_ lane: StreamLane, index: Int) {
            var next = 0
            var sequence = 0
            while true {
                published[index].wait()
                let slot = sequence % depth
                let chunk = chunks[slot]
                guard chunk.count > 0 else {
                    for feed in lane.feeds[next...] { feed.finish(chunk.count == 0 && feed.range.isEmpty) }
                    released[index].signal()
                    return
                }
                next = lane.consume(
                    UnsafeRawBufferPointer(rebasing: buffers[slot][0..<chunk.count]), at: chunk.offset, from: next)
                released[index].signal()
                sequence += 1
            }
        }
    }
}
