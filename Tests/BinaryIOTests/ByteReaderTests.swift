import Testing

@testable import BinaryIO

@Suite struct ByteReaderTests {
    @Test func readsLittleEndianIntegers() throws {
        var reader = ByteReader([
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
        ])
        #expect(try reader.readUInt8(field: "a") == 0x01)
        #expect(try reader.readUInt16(field: "b") == 0x0302)
        #expect(try reader.readUInt32(field: "c") == 0x0706_0504)
        #expect(try reader.readUInt64(field: "d") == 0x0F0E_0D0C_0B0A_0908)
        #expect(reader.remaining == 0)
    }

    @Test func truncationNamesFieldAndFileOffset() {
        var reader = ByteReader([0xAA, 0xBB, 0xCC], baseOffset: 0x100)
        #expect {
            _ = try reader.readUInt8(field: "first")
            _ = try reader.readUInt32(field: "e_lfanew")
        } throws: { error in
            let error = error as? BinaryIOError
            return error?.code == .truncated && error?.field == "e_lfanew" && error?.offset == 0x101
        }
    }

    @Test func refusesNegativeAndOverflowingCounts() {
        var reader = ByteReader([1, 2, 3])
        #expect(throws: BinaryIOError.self) { _ = try reader.readBytes(-1, field: "x") }
        #expect(throws: BinaryIOError.self) { try reader.seek(to: -1, field: "x") }
        #expect(throws: BinaryIOError.self) { try reader.seek(to: 4, field: "x") }
    }

    @Test func writerRoundTrips() throws {
        var writer = ByteWriter()
        writer.write(UInt16(0xBEEF))
        writer.write(UInt32(0xDEAD_BEEF))
        writer.write(UInt64(1))
        writer.writeZeros(2)
        var reader = ByteReader(writer.bytes)
        #expect(try reader.readUInt16(field: "a") == 0xBEEF)
        #expect(try reader.readUInt32(field: "b") == 0xDEAD_BEEF)
        #expect(try reader.readUInt64(field: "c") == 1)
        #expect(try reader.readBytes(2, field: "d") == [0, 0])
    }

    @Test func alignment() {
        #expect(alignUp(0, to: 512) == 0)
        #expect(alignUp(1, to: 512) == 512)
        #expect(alignUp(512, to: 512) == 512)
        #expect(alignUp(Int.max - 3, to: 512) == nil)
        #expect(isPowerOfTwo(4096) && !isPowerOfTwo(0) && !isPowerOfTwo(384))
    }

    @Test func hex() {
        #expect([0x00, 0xAB, 0x7F].hexString == "00ab7f")
    }
}
