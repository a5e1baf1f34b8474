import BinaryIO
import TestSupport
import Testing

@testable import BootCrypto

@Suite struct StreamHashingTests {
    static let allBanks = DigestAlgorithm.allCases

    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
    }

    /// Four banks, each a lane, give OpenSSL's one-shot digests over multi-chunk content.
    @Test func multiBankHashingMatchesOneShot() throws {
        let bytes = Self.pattern((5 << 20) + 12345)
        let digests = try MultiBankHasher(banks: Self.allBanks).digests(of: InMemoryBytes(bytes))
        for bank in Self.allBanks {
            #expect(digests[bank] == Digest.hash(bank, bytes))
        }
    }

    /// Content met by a stream is hashed by its lanes (one per algorithm); content written after
    /// it can ask for the digests while the stream runs; a second stream does not hash it again.
    @Test func hashedContentIsHashedOnItsWayOut() throws {
        let first = Self.pattern((7 << 20) + 3)
        let second = Array(Self.pattern(1000).reversed())
        let hashedFirst = HashedContent(InMemoryBytes(first), algorithms: [.sha256, .sha384, .sha256])
        let hashedSecond = HashedContent(InMemoryBytes(second), algorithms: [.sha1])
        #expect(hashedFirst.algorithms == [.sha256, .sha384])
        let late = DeferredBytes(count: 32) { try hashedFirst.digests()[.sha256]! }
        let sources: [any ByteSource] = [
            InMemoryBytes([1, 2, 3]), hashedFirst, ZeroBytes(count: 9), hashedSecond, late,
        ]
        let lanes = HashedContent.lanes(for: sources, startingAt: 100)
        #expect(lanes.map(\.feeds.count) == [1, 1, 1])
        var written: [UInt8] = []
        try ChunkStream.run(sources, from: 100, lanes: lanes) { written += $0 }
        let sha256 = Digest.hash(.sha256, first)
        #expect(written == [1, 2, 3] + first + [UInt8](repeating: 0, count: 9) + second + sha256)
        #expect(try hashedFirst.digests() == [.sha256: sha256, .sha384: Digest.hash(.sha384, first)])
        #expect(try hashedSecond.digests() == [.sha1: Digest.hash(.sha1, second)])
        #expect(HashedContent.lanes(for: sources, startingAt: 0).isEmpty)
    }

    @Test func hashedContentNoStreamMetIsHashedWhenAsked() throws {
        let bytes = Self.pattern(5000)
        let hashed = HashedContent(InMemoryBytes(bytes), algorithms: [.sha512])
        #expect(try hashed.digests() == [.sha512: Digest.hash(.sha512, bytes)])
        #expect(HashedContent.lanes(for: [hashed], startingAt: 0).isEmpty)
    }

    /// A stream that stops before the content's end (the writer fails; the reading stops at most
    /// a ring of chunks further) leaves no digests to sign: an error, no hang.
    @Test func hashedContentCutShortHasNoDigests() throws {
        struct Stop: Error {}
        let hashed = HashedContent(InMemoryBytes(Self.pattern(64 << 20)), algorithms: [.sha256])
        var chunks = 0
        #expect(throws: Stop.self) {
            try ChunkStream.run([hashed], lanes: HashedContent.lanes(for: [hashed], startingAt: 0)) { _ in
                chunks += 1
                if chunks == 2 { throw Stop() }
            }
        }
        #expect(throws: BinaryIOError.self) { try hashed.digests() }
    }
}
