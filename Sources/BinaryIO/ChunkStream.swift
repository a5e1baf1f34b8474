import Dispatch
import Glibc
import Synchronization

/// One consumer of a ``ChunkStream``: it is handed, in stream order and one chunk at a time, the
/// parts of the stream that fall inside its feeds' ranges.
public struct StreamLane: @unchecked Sendable {
    /// A range of stream offsets and what consumes its bytes.
    public struct Feed {
        public let range: Range<Int>
        public let consume: (UnsafeRawBufferPointer) -> Void
        /// Called once: `true` when the whole range has been consumed, `false` when the stream
        /// stopped (an error) before its end.
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
/// parallel: `output` (writing it out) and every ``StreamLane`` (a hash). Chunks go through a ring
/// of buffers; memory is the ring alone, whatever the size of the content.
///
/// The work is a few sequential streams (reading the chunks; passing each to `output`; each lane's
/// consumption of it) done by worker threads, the calling thread among them: a worker reads the
/// next chunk whenever the ring has room, and otherwise takes the chunk that `output` or a lane
/// waits for, the one furthest behind first. There is one worker per core, so the cores stay busy
/// whatever each stream costs (a thread per stream would leave a core idle whenever the scheduler
/// keeps two busy streams on one core), and one more with an `output`, which waits for the device
/// (``AtomicOutputFile`` writes whole chunks directly). A signed build thus hashes for
/// Authenticode and for PCR 11 on two cores while it writes, and measuring four banks spreads them
/// over the cores.
///
/// Every chunk but the last is `chunkSize` bytes at a multiple of `chunkSize` from `start`, read
/// from as many sources as it spans, and starts on a huge page, so that it can be written
/// directly. A chunk ends early only before a source that waits for the stream
/// (``ByteSource/waitsForStream``).
public enum ChunkStream {
    /// Bytes per chunk and chunks in the ring (8 MiB): large enough that the hand-offs cost
    /// nothing and a lane may fall a few chunks behind, small enough that memory stays flat and
    /// the lanes have little left to do when the reading ends.
    static let chunkSize = 2 << 20
    static let depth = 4

    /// Streams `sources` one after another as one stream starting at offset `start`, to `lanes`
    /// and to `output`. Content read from a source may wait for a lane (a `.pcrsig` signing
    /// digests of earlier chunks): there are always at least two workers besides the one for
    /// `output`, so the lanes go on meanwhile.
    public static func run(
        _ sources: [any ByteSource], from start: Int = 0, lanes: [StreamLane],
        output: ((UnsafeRawBufferPointer) throws -> Void)? = nil
    ) throws {
        let schedule = try Schedule(sources: sources, start: start, lanes: lanes, output: output ?? { _ in })
        let workers = max(2, min(activeProcessorCount, lanes.count + 1)) + (output == nil ? 0 : 1)
        let helpers = DispatchGroup()
        for index in 1..<workers {
            DispatchQueue(label: "ChunkStream.worker\(index)").async(group: helpers) { schedule.work() }
        }
        schedule.work()
        helpers.wait()
        if let failure = schedule.failure { throw failure }
    }

    /// Online cores.
    public static var activeProcessorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// The state of one run, guarded by `monitor`: which chunks are read, which each lane has
    /// consumed, which stream a worker is on. A stream is worked on by one worker at a time, and
    /// the monitor orders one worker's writes before the next one's reads.
    private final class Schedule: @unchecked Sendable {
        private let sources: [any ByteSource]
        private let lanes: [StreamLane]
        private let output: (UnsafeRawBufferPointer) throws -> Void
        private let ring: ChunkRing
        /// The stream offset and size of the chunk in each buffer.
        private var chunks: [(offset: Int, count: Int)]
        private let monitor = Monitor()

        // The reading stream: where it is (touched only by the worker on it), whether a worker is
        // on it, chunks handed to the lanes.
        private var source = 0
        private var doneInSource = 0
        private var offset: Int
        private var reading = false
        private var published = 0
        /// Set when the reading stream is over: at the end of the content, or on an error.
        private var readingEnded = false
        private(set) var failure: (any Error)?

        // Each lane, and `output` as the last one: the next chunk it consumes, its first unfinished
        // feed, whether a worker is on it, whether it is over.
        private var laneChunk: [Int]
        private var laneFeed: [Int]
        private var laneBusy: [Bool]
        private var laneClosed: [Bool]

        /// A task with what it needs from the shared state, taken under the monitor.
        private enum Task {
            case read
            /// Lane `lane` consumes the chunk in buffer `slot`, from feed `feed` on.
            case consume(lane: Int, slot: Int, chunk: (offset: Int, count: Int), feed: Int)
            /// Lane `lane`'s feeds from `feed` on end with the stream.
            case close(lane: Int, feed: Int, complete: Bool)
        }

        init(
            sources: [any ByteSource], start: Int, lanes: [StreamLane],
            output: @escaping (UnsafeRawBufferPointer) throws -> Void
        ) throws {
            self.sources = sources
            self.lanes = lanes
            self.output = output
            offset = start
            ring = try ChunkRing.take()
            chunks = Array(repeating: (0, 0), count: depth)
            laneChunk = Array(repeating: 0, count: lanes.count + 1)
            laneFeed = Array(repeating: 0, count: lanes.count + 1)
            laneBusy = Array(repeating: false, count: lanes.count + 1)
            laneClosed = Array(repeating: false, count: lanes.count + 1)
        }

        deinit { ring.give() }

        /// One worker: takes tasks until every stream is over.
        func work() {
            monitor.lock()
            while !laneClosed.allSatisfy({ $0 }) {
                guard let task = nextTask() else {
                    monitor.wait()
                    continue
                }
                monitor.unlock()
                perform(task)
                monitor.lock()
                monitor.broadcast()
            }
            monitor.unlock()
        }

        /// Reading first when the ring has room (so the lanes never starve), else the lane that is
        /// furthest behind. Called with the monitor locked; marks the stream taken.
        private func nextTask() -> Task? {
            if !reading, !readingEnded, published < (laneChunk.min() ?? 0) + depth {
                reading = true
                return .read
            }
            let waiting = laneChunk.indices.filter { !laneBusy[$0] && !laneClosed[$0] }
            if let lane = waiting.filter({ laneChunk[$0] < published }).min(by: { laneChunk[$0] < laneChunk[$1] }) {
                laneBusy[lane] = true
                let slot = laneChunk[lane] % depth
                return .consume(lane: lane, slot: slot, chunk: chunks[slot], feed: laneFeed[lane])
            }
            if readingEnded, let lane = waiting.first(where: { laneChunk[$0] == published }) {
                laneBusy[lane] = true
                return .close(lane: lane, feed: laneFeed[lane], complete: failure == nil)
            }
            return nil
        }

        private func perform(_ task: Task) {
            switch task {
            case .read:
                let ended: Bool
                do {
                    ended = try readChunk()
                } catch {
                    monitor.withLock {
                        fail(error)
                        reading = false
                    }
                    return
                }
                monitor.withLock {
                    readingEnded = readingEnded || ended
                    reading = false
                }
            case .consume(let lane, let slot, let chunk, let feed):
                let bytes = UnsafeRawBufferPointer(rebasing: ring[slot][0..<chunk.count])
                var next = feed
                if lane < lanes.count {
                    next = lanes[lane].consume(bytes, at: chunk.offset, from: feed)
                } else if feed == 0 {
                    do {
                        try output(bytes)
                    } catch {
                        // `output` takes no more chunks; the reading stops.
                        next = 1
                        monitor.withLock { fail(error) }
                    }
                }
                monitor.withLock {
                    laneFeed[lane] = next
                    laneChunk[lane] += 1
                    laneBusy[lane] = false
                }
            case .close(let lane, let feed, let complete):
                if lane < lanes.count {
                    for feed in lanes[lane].feeds[feed...] { feed.finish(complete && feed.range.isEmpty) }
                }
                monitor.withLock {
                    laneClosed[lane] = true
                    laneBusy[lane] = false
                }
            }
        }

        /// Stops the reading with `error` (the first one is kept). Called with the monitor locked.
        private func fail(_ error: any Error) {
            if failure == nil { failure = error }
            readingEnded = true
        }

        /// Reads the next chunk into its buffer, from as many sources as it spans, and hands it to
        /// the lanes and to `output`. Returns true when there was nothing left to read.
        private func readChunk() throws -> Bool {
            let slot = published % depth
            var filled = 0
            while source < sources.count, filled < chunkSize {
                let current = sources[source]
                if doneInSource == current.count {
                    source += 1
                    doneInSource = 0
                    continue
                }
                // The lanes must see what comes before it first.
                if current.waitsForStream, doneInSource == 0, filled > 0 { break }
                let part = UnsafeMutableRawBufferPointer(
                    rebasing: ring[slot][filled..<min(chunkSize, filled + current.count - doneInSource)])
                try current.read(into: part, at: doneInSource)
                doneInSource += part.count
                filled += part.count
            }
            guard filled > 0 else { return true }
            monitor.withLock {
                chunks[slot] = (offset, filled)
                published += 1
                monitor.broadcast()
            }
            offset += filled
            return false
        }
    }
}

/// The memory of a ``ChunkStream``'s ring: `depth` buffers of `chunkSize` bytes in one mapping of
/// transparent huge pages where the kernel offers them, so that filling it costs a few page faults
/// rather than one per 4 KiB. Rings are kept for the next stream of the process (a build streams
/// every section, then the output), so the pages are touched once.
private final class ChunkRing: @unchecked Sendable {
    private static let spare = Mutex<[ChunkRing]>([])
    private static let hugePageSize = 2 << 20
    private let base: UnsafeMutableRawPointer

    /// A spare ring, or a new one.
    static func take() throws -> ChunkRing {
        try spare.withLock { $0.popLast() } ?? ChunkRing()
    }

    /// Returns the ring for the next stream.
    func give() {
        Self.spare.withLock { $0.append(self) }
    }

    private init() throws {
        let size = ChunkStream.chunkSize * ChunkStream.depth
        // With room to align the start to a huge page.
        let mapped = size + Self.hugePageSize
        guard let start = mmap(nil, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            start != MAP_FAILED
        else {
            throw BinaryIOError(
                .readFailed,
                detail: "cannot map \(mapped) bytes of memory to stream through: \(String(cString: strerror(errno)))")
        }
        let misalignment = Int(bitPattern: start) % Self.hugePageSize
        base = start + (misalignment == 0 ? 0 : Self.hugePageSize - misalignment)
        madvise(base, size, MADV_HUGEPAGE)
    }

    subscript(slot: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base + slot * ChunkStream.chunkSize, count: ChunkStream.chunkSize)
    }
}

/// A pthread mutex with its condition variable.
private final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }
    func wait() { pthread_cond_wait(condition, mutex) }
    func broadcast() { pthread_cond_broadcast(condition) }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
