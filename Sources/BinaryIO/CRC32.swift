internal import CZlib

/// CRC-32 (IEEE 802.3, reflected), as the UEFI GPT headers use it: zlib's `crc32`.
public enum CRC32 {
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let contiguous = Array(bytes)
        return contiguous.withUnsafeBufferPointer { buffer in
            UInt32(crc32(0, buffer.baseAddress, UInt32(buffer.count)))
        }
    }
}
