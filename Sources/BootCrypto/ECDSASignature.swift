import SwiftASN1

/// The two integers of a DER ECDSA-Sig-Value (`SEQUENCE { r INTEGER, s INTEGER }`), big-endian
/// with leading zero bytes stripped, as a TPM's TPMS_SIGNATURE_ECDSA wants them.
public struct ECDSASignature: Sendable, Equatable {
    public let r: [UInt8]
    public let s: [UInt8]

    public init(der: [UInt8]) throws {
        do {
            let node = try DER.parse(der)
            (r, s) = try DER.sequence(node, identifier: .sequence) { nodes in
                let r = try ArraySlice<UInt8>(derEncoded: &nodes)
                let s = try ArraySlice<UInt8>(derEncoded: &nodes)
                return (Array(r.drop { $0 == 0 }), Array(s.drop { $0 == 0 }))
            }
        } catch {
            throw BootCryptoError(.malformedSignature, detail: "not a DER ECDSA signature: \(error)")
        }
    }
}
