import BinaryIO

/// A GUID in EFI's binary layout (first three fields little-endian), printed as text.
public struct EFIGUID: Sendable, Hashable, CustomStringConvertible {
    /// The 16 bytes as stored in variables and device paths.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "an EFI GUID is 16 bytes")
        self.bytes = bytes
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case).
    public init?(_ text: String) {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12], let raw = [UInt8](hexString: groups.joined()) else {
            return nil
        }
        bytes = Array(raw[0..<4].reversed()) + raw[4..<6].reversed() + raw[6..<8].reversed() + raw[8..<16]
    }

    /// Lowercase text (efivarfs, efivar); ``uppercase`` is EDK2's.
    public var description: String {
        let characters = Array(
            (Array(bytes[0..<4].reversed()) + bytes[4..<6].reversed() + bytes[6..<8].reversed() + bytes[8..<16])
                .hexString)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    public var uppercase: String { description.uppercased() }
}
