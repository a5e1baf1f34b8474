import BinaryIO
import BootCrypto
import Dispatch
import Glibc

/// Hashes content for several PCR banks at once: every chunk is read once into one buffer and
/// all banks are fed from it. The banks are split into as many groups as there are cores
/// (balanced by their cost), and the groups hash each chunk in parallel. Memory is one chunk
/// buffer, whatever the size of the content.
public struct MultiBankHasher: Sendable {
    private let groups: [[DigestAlgorithm]]

    /// The chunk size: large enough that the per-chunk hand-off to the workers costs nothing.
    static let chunkSize = 4 << 20

    public init(banks: [DigestAlgorithm], cores: Int = System.activeProcessorCount) {
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
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.chunkSize, alignment: 64)
        defer { scratch.deallocate() }
        try source.forEachChunk(scratch: scratch) { chunk in
            if digests.count == 1 {
                for digest in digests[0] { digest.update(chunk) }
                return
            }
            // Each group's digests are touched by exactly one worker, and the chunk outlives them.
            nonisolated(unsafe) let shared = (digests, chunk)
            DispatchQueue.concurrentPerform(iterations: digests.count) { group in
                for digest in shared.0[group] { digest.update(shared.1) }
            }
        }
        var result: [DigestAlgorithm: [UInt8]] = [:]
        for digest in digests.joined() { result[digest.algorithm] = digest.finalize() }
        return result
    }
}

/// Facts about the machine the work is spread over.
public enum System {
    /// Online cores.
    public static var activeProcessorCount: Int {
        Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }
}
