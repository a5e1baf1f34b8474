import BinaryIO

/// Hashes content for several digest algorithms (PCR banks) at once: the content is read once
/// by a ``ChunkStream`` and the algorithms are split into as many lanes as there are cores
/// (balanced by their cost), which hash every chunk in parallel.
public struct MultiBankHasher: Sendable {
    let groups: [[DigestAlgorithm]]

    public init(banks: [DigestAlgorithm], cores: Int = ChunkStream.activeProcessorCount) {
        groups = Self.balance(banks, into: max(1, min(cores, banks.count)))
    }

    /// Splits banks over `count` groups, largest cost first into the least loaded group.
    /// SHA-384 and SHA-512 run the same 64-bit compression, at about 2.3× the time of SHA-256
    /// (with SHA extensions) or SHA-1.
    static func balance(_ banks: [DigestAlgorithm], into count: Int) -> [[DigestAlgorithm]] {
        func cost(_ bank: DigestAlgorithm) -> Int {
            switch bank {
            case .sha1, .sha256: 10
            case .sha384, .sha512: 23
            }
        }
        var groups = [[DigestAlgorithm]](repeating: [], count: count)
        var loads = [Int](repeating: 0, count: count)
        for bank in banks.sorted(by: { cost($0) > cost($1) }) {
            let index = loads.indices.min { loads[$0] < loads[$1] }!
            groups[index].append(bank)
            loads[index] += cost(bank)
        }
        return groups.filter { !$0.isEmpty }
    }

    /// The digest of `source` in every bank.
    public func digests(of source: any ByteSource) throws -> [DigestAlgorithm: [UInt8]] {
        let digests = groups.map { $0.map { Digest($0) } }
        let range = 0..<source.count
        try ChunkStream.run(
            [source],
            lanes: digests.map { group in
                StreamLane([.init(range: range, consume: { chunk in for digest in group { digest.update(chunk) } })])
            })
        var result: [DigestAlgorithm: [UInt8]] = [:]
        for digest in digests.joined() { result[digest.algorithm] = digest.finalize() }
        return result
    }
}
