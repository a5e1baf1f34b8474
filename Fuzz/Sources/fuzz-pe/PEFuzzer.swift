// libFuzzer target for PEKit's image reader (scripts/fuzz.sh): every input is a PE file.
// What parses must give back its header bytes exactly (the parser is lossless); then the
// certificate table, every Authenticode PKCS#7 in it, the Authenticode layout and digest, and
// verification (trusting the certificates the signatures carry, so the chain checks run too).
// Nothing may crash, trap, leak or hang.
import BinaryIO
import BootCrypto
import FuzzSupport
import PEKit

@main
enum PEFuzzer {
    static let input = FuzzInputFile()

    static func main() {
        runFuzzer(test)
    }

    static func test(_ bytes: [UInt8]) {
        guard let image = try? PEImage(file: input.file(holding: bytes)) else { return }
        let headers = image.serializeHeaders()
        require(
            headers.count == Int(image.optionalHeader.sizeOfHeaders) && headers[...] == bytes.prefix(headers.count),
            "the parsed headers do not serialize to the file's first SizeOfHeaders bytes")
        _ = image.unhashedGaps()
        _ = try? image.authenticodeDigest(.sha256)
        let entries = (try? CertificateTable(image: image))??.entries ?? []
        let signatures = entries.compactMap { entry -> AuthenticodeSignature? in
            guard case .pkcs7(let der) = entry.content else { return nil }
            return try? AuthenticodeSignature(der: der)
        }
        _ = try? image.verifySignatures(trusted: signatures.flatMap(\.certificates))
    }
}
