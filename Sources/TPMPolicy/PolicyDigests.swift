import BinaryIO
import BootCrypto
internal import CTSS2MU

/// TPM2 policy digests computed in software, as a TPM computes them in a trial session (spec
/// digest §5.2-§5.5). Policy sessions always hash with SHA-256; structures are marshalled by
/// tss2-mu.
public enum PolicyDigest {
    /// The initial policy digest of a session.
    public static let zero = [UInt8](repeating: 0, count: 32)

    /// PolicyPCR: `SHA256(previous || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || SHA256(values))`
    /// where `values` are the PCRs' values in `bank`, in ascending PCR order.
    public static func policyPCR(
        bank: DigestAlgorithm, values: [(pcr: Int, value: [UInt8])], previous: [UInt8] = zero
    ) throws -> [UInt8] {
        let sorted = values.sorted { $0.pcr < $1.pcr }
        let selection = try pcrSelection(bank: bank, pcrs: sorted.map(\.pcr))
        let pcrDigest = Digest.hash(.sha256, sorted.flatMap(\.value))
        return Digest.hash(.sha256, previous + UInt32(TPM2_CC_PolicyPCR).bigEndianBytes + selection + pcrDigest)
    }

    /// PolicyAuthorize: `SHA256(SHA256(previous || TPM_CC_PolicyAuthorize || keyName) || policyRef)`.
    /// It replaces the session digest, so `previous` is the zero digest in systemd's policies.
    public static func policyAuthorize(
        keyName: [UInt8], policyRef: [UInt8] = [], previous: [UInt8] = zero
    ) -> [UInt8] {
        let inner = Digest.hash(.sha256, previous + UInt32(TPM2_CC_PolicyAuthorize).bigEndianBytes + keyName)
        return Digest.hash(.sha256, inner + policyRef)
    }

    /// A marshalled TPML_PCR_SELECTION of `pcrs` (0-23) in one bank.
    public static func pcrSelection(bank: DigestAlgorithm, pcrs: [Int]) throws -> [UInt8] {
        var selection = try selectionStructure(bank: bank, pcrs: pcrs)
        return try marshal(capacity: MemoryLayout<TPML_PCR_SELECTION>.size) { buffer, size, offset in
            Tss2_MU_TPML_PCR_SELECTION_Marshal(&selection, buffer, size, offset)
        }
    }

    private static func selectionStructure(bank: DigestAlgorithm, pcrs: [Int]) throws -> TPML_PCR_SELECTION {
        var selection = TPML_PCR_SELECTION()
        selection.count = 1
        selection.pcrSelections.0.hash = bank.tpmAlgorithm
        selection.pcrSelections.0.sizeofSelect = 3
        for pcr in pcrs {
            guard (0..<24).contains(pcr) else {
                throw TPMPolicyError(.invalidArgument, "PCR \(pcr) is out of range (0-23)")
            }
            withUnsafeMutableBytes(of: &selection.pcrSelections.0.pcrSelect) { bytes in
                bytes[pcr / 8] |= UInt8(1 << (pcr % 8))
            }
        }
        return selection
    }
}

/// Runs a tss2-mu marshal function into a buffer of `capacity` bytes and returns what it wrote.
/// Package-wide so that TPMDevice marshals with the same helper (the closure's result is a
/// TSS2_RC, a `UInt32`, so no C type crosses the module boundary).
package func marshal(
    capacity: Int, _ body: (UnsafeMutablePointer<UInt8>, Int, UnsafeMutablePointer<Int>) -> UInt32
) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: capacity)
    var offset = 0
    let rc = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, capacity, &offset) }
    guard rc == TSS2_RC_SUCCESS else {
        throw TPMPolicyError(.malformedInput, "marshalling a TPM2 structure failed: \(tpmErrorText(rc))")
    }
    return Array(buffer.prefix(offset))
}

/// tss2-rc's text for a response code (a TSS2_RC); package-wide for TPMDevice's errors.
package func tpmErrorText(_ rc: UInt32) -> String {
    guard let text = Tss2_RC_Decode(rc) else { return hex(rc) }
    return String(cString: text)
}
