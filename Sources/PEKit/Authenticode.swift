import BinaryIO
import BootCrypto

/// The byte ranges the Authenticode image digest covers (spec digest §2.1; EDK2 `HashPeImage`,
/// shim `generate_hash`): the headers without CheckSum and the Certificate Table directory entry,
/// every section's raw data in file order, then the data after the sections up to the certificate
/// table. An unsigned file whose size is not a multiple of 8 is hashed as if zero-padded to one,
/// because a signer pads it before appending the table (shim and systemd do the same).
public struct AuthenticodeLayout: Sendable, Equatable {
    public let ranges: [Range<Int>]
    /// Zero bytes hashed after the last range.
    public let zeroPadding: Int
}

extension PEImage {
    /// File offset of the Certificate Table entry (DataDirectory[4]), if the header has one.
    public var certificateDirectoryOffset: Int? {
        optionalHeader.dataDirectories.count > OptionalHeader.certificateTableIndex
            ? optionalHeaderOffset + optionalHeader.dataDirectoryOffset + 8 * OptionalHeader.certificateTableIndex : nil
    }

    public func authenticodeLayout() throws -> AuthenticodeLayout {
        let sizeOfHeaders = Int(optionalHeader.sizeOfHeaders)
        var ranges: [Range<Int>] = [0..<checkSumOffset]
        if let directory = certificateDirectoryOffset {
            ranges += [(checkSumOffset + 4)..<directory, (directory + 8)..<sizeOfHeaders]
        } else {
            ranges.append((checkSumOffset + 4)..<sizeOfHeaders)
        }
        var sum = sizeOfHeaders
        for section in sections.filter({ $0.sizeOfRawData > 0 }).sorted(by: {
            $0.pointerToRawData < $1.pointerToRawData
        }) {
            let start = Int(section.pointerToRawData)
            ranges.append(start..<(start + Int(section.sizeOfRawData)))
            sum += Int(section.sizeOfRawData)
        }
        let certificateSize = certificateTable?.count ?? 0
        guard file.size >= sum + certificateSize else {
            throw PEError(
                .invalidField, path: file.path.string, field: "SizeOfRawData",
                detail: "sections and certificate table add up to more than the file (\(hex(sum + certificateSize)))")
        }
        if file.size > sum + certificateSize { ranges.append(sum..<(file.size - certificateSize)) }
        let padding = certificateTable == nil && file.size % 8 != 0 ? 8 - file.size % 8 : 0
        return AuthenticodeLayout(ranges: ranges.filter { !$0.isEmpty }, zeroPadding: padding)
    }

    /// The Authenticode image digest, reading each hashed byte once (and hashing on another
    /// core while the next bytes are read).
    public func authenticodeDigest(_ algorithm: DigestAlgorithm) throws -> [UInt8] {
        let layout = try authenticodeLayout()
        return try withPEErrors(path: file.path.string) {
            let pieces: [any ByteSource] =
                try layout.ranges.map { try FileRegion(file: file, offset: $0.lowerBound, count: $0.count) }
                + [ZeroBytes(count: layout.zeroPadding)]
            return try MultiBankHasher(banks: [algorithm]).digests(of: try ConcatenatedSource(pieces))[algorithm]!
        }
    }
}
