import BinaryIO

/// Hashes content for several digest algorithms (PCR banks) at once: a ``ChunkStream`` reads it
/// once and each algorithm is a lane of its own, so the stream's workers (one per core) share out
/// the algorithms chunk by chunk, whatever each one costs.
public struct MultiBankHasher: Sendable {
    let banks: [DigestAlgorithm]

    public init(banks: [DigestAlgorithm]) {
        self.banks = banks
    }

    /// The digest of `source` in every bank.
    public func digests(of source: any ByteSource) throws -> [DigestAlgorithm: [UInt8]] {
        let digests = banks.map { Digest($0) }
        let range = 0..<source.count
        try ChunkStream.run(
            [source], lanes: digests.map { digest in StreamLane([.init(range: range, consume: { digest.update($0) })]) }
        )
        var result: [DigestAlgorithm: [UInt8]] = [:]
        for digest in digests { result[digest.algorithm] = digest.finalize() }
        return result
    }
}
