import JSON

/// A `.pcrsig` JSON document that `measure sign --append` adds signatures to, as systemd-measure
/// does: whatever the document holds (other top-level keys, entries of any shape) is kept as it
/// is; only the bank arrays grow.
public struct PCRSignatureDocument: Sendable {
    /// The top-level members, in document order.
    public private(set) var members: [(String, JSONValue)]
    /// The document's name in errors.
    private let origin: String

    /// Parses `bytes` (one trailing NUL accepted, as for ``PCRSignatures``), which must be a JSON
    /// object; `origin` names the input in errors.
    public init(parsing bytes: [UInt8], origin: String) throws {
        let text = bytes.last == 0 ? Array(bytes.dropLast()) : bytes
        let document: JSONValue
        do {
            document = try JSONValue(parsing: text)
        } catch {
            throw TPMPolicyError(.malformedInput, "\(origin): not a .pcrsig document: \(error)")
        }
        guard let members = document.objectValue else {
            throw TPMPolicyError(.malformedInput, "\(origin): not a .pcrsig document: the top level is not an object")
        }
        self.members = members
        self.origin = origin
    }

    /// Appends each entry of `signatures` to its bank's array unless an equal entry is there. As
    /// sd_json's set_field does, each bank signed for moves to the end of the document, in
    /// `signatures`' bank order, after the members left as they were.
    public mutating func add(_ signatures: PCRSignatures) throws {
        for (bank, entries) in signatures.banks {
            var list: [JSONValue] = []
            if let index = members.firstIndex(where: { $0.0 == bank.rawValue }) {
                guard let existing = members.remove(at: index).1.arrayValue else {
                    throw TPMPolicyError(.malformedInput, "\(origin): .pcrsig bank \(bank.rawValue) is not an array")
                }
                list = existing
            }
            var present = Set(list.map { $0.rendered(.short) })
            for entry in entries.map(\.json) where present.insert(entry.rendered(.short)).inserted {
                list.append(entry)
            }
            members.append((bank.rawValue, .array(list)))
        }
    }

    public var json: JSONValue { .object(members) }
}
