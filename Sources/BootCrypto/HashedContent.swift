import BinaryIO
import Dispatch
import Synchronization

/// Content whose digests are computed in the pass that writes it. When the ``ChunkStream``
/// writing an image meets it among its sources (see ``lanes(for:startingAt:)``), lanes on
/// other cores hash its bytes as they go by, and ``digests()`` hands the results to content
/// written after it (a `.pcrsig` signing the PCR 11 value they make), with no second read.
public final class HashedContent: ByteSource, Sendable {
    public let content: any ByteSource
    public let algorithms: [DigestAlgorithm]
    private let state = Mutex<State>(.unclaimed)
    /// Signalled once when the lanes hashing the content are done.
    private let finished = DispatchSemaphore(value: 0)

    private enum State {
        /// No stream has met the content yet.
        case unclaimed
        /// Lanes are hashing it; `lanes` of them have not finished.
        case hashing(digests: LaneDigests, lanes: Int, complete: Bool)
        case done([DigestAlgorithm: [UInt8]])
        /// The stream stopped before the content's end.
        case failed
    }

    /// The digests lanes feed: each is updated by one lane only, and finalized after the last
    /// lane has finished.
    private final class LaneDigests: @unchecked Sendable {
        let digests: [Digest]
        init(_ digests: [Digest]) { self.digests = digests }
    }

    public init(_ content: any ByteSource, algorithms: [DigestAlgorithm]) {
        self.content = content
        var seen: Set<DigestAlgorithm> = []
        self.algorithms = algorithms.filter { seen.insert($0).inserted }
    }

    public var count: Int { content.count }
    public var waitsForStream: Bool { content.waitsForStream }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        try content.read(into: buffer, at: offset)
    }

    /// The digest of the content in each of ``algorithms``: waits for the lanes of the stream that
    /// hashes it; hashes the content here when no stream has met it.
    public func digests() throws -> [DigestAlgorithm: [UInt8]] {
        let ready = try state.withLock { state -> [DigestAlgorithm: [UInt8]]? in
            switch state {
            case .unclaimed:
                let digests = try MultiBankHasher(banks: algorithms).digests(of: content)
                state = .done(digests)
                return digests
            case .done(let digests): return digests
            case .hashing, .failed: return nil
            }
        }
        if let ready { return ready }
        finished.wait()
        finished.signal()
        return try state.withLock { state in
            guard case .done(let digests) = state else {
                throw BinaryIOError(.readFailed, detail: "the content was not hashed to its end")
            }
            return digests
        }
    }

    /// The lanes that hash, while `sources` are streamed from stream offset `start`, every
    /// ``HashedContent`` among them that no stream has met before: one lane per algorithm. No
    /// lanes when there is none.
    public static func lanes(for sources: [any ByteSource], startingAt start: Int) -> [StreamLane] {
        var met: [(range: Range<Int>, content: HashedContent)] = []
        var offset = start
        for source in sources {
            if let hashed = source as? HashedContent, hashed.count > 0 {
                met.append((offset..<(offset + hashed.count), hashed))
            }
            offset += source.count
        }
        var all: [DigestAlgorithm] = []
        for algorithm in met.flatMap(\.content.algorithms) where !all.contains(algorithm) { all.append(algorithm) }
        let claimed = met.compactMap { range, content in
            let digests = content.algorithms.map { Digest($0) }
            return content.claim(LaneDigests(digests), lanes: digests.count) ? (range, digests, content) : nil
        }
        return all.map { algorithm in
            StreamLane(
                claimed.compactMap { range, digests, content in
                    guard let digest = digests.first(where: { $0.algorithm == algorithm }) else { return nil }
                    return StreamLane.Feed(
                        range: range, consume: { digest.update($0) }, finish: { content.laneFinished(complete: $0) })
                })
        }.filter { !$0.feeds.isEmpty }
    }

    /// Marks the content as hashed by `lanes` lanes feeding `digests`; false when it was met before.
    private func claim(_ digests: LaneDigests, lanes: Int) -> Bool {
        state.withLock { state in
            guard case .unclaimed = state else { return false }
            state = .hashing(digests: digests, lanes: lanes, complete: true)
            return true
        }
    }

    private func laneFinished(complete: Bool) {
        let last = state.withLock { state in
            guard case .hashing(let digests, let lanes, let allComplete) = state else { return false }
            let complete = allComplete && complete
            guard lanes == 1 else {
                state = .hashing(digests: digests, lanes: lanes - 1, complete: complete)
                return false
            }
            state =
                complete
                ? .done(Dictionary(uniqueKeysWithValues: digests.digests.map { ($0.algorithm, $0.finalize()) }))
                : .failed
            return true
        }
        if last { finished.signal() }
    }
}
