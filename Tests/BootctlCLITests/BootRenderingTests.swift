import BinaryIO
import Testing

@testable import BootctlCLI

@Suite struct BootRenderingTests {
    static func ucs2(_ text: String) -> [UInt8] { text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }

    /// Text only for printable ASCII in UCS-2, with or without its NUL; everything else is hex.
    @Test func loadOptionsAreTextOnlyWhenTheyAreACommandLine() {
        // EDK2's auto-created-option GUID 8108ac4e-9f11-4d59-850e-e21a522c59b2: valid UCS-2 (U+AC4E
        // U+8108 …), but binary.
        let guid: [UInt8] = [
            0x4E, 0xAC, 0x08, 0x81, 0x11, 0x9F, 0x59, 0x4D, 0x85, 0x0E, 0xE2, 0x1A, 0x52, 0x2C, 0x59, 0xB2,
        ]
        #expect(BootRendering.optionalData(guid) == " data 4eac0881119f594d850ee21a522c59b2")
        #expect(BootRendering.optionalData([]) == "")
        #expect(BootRendering.optionalData(Self.ucs2("root=PARTLABEL=root_b")) == " args \"root=PARTLABEL=root_b\"")
        #expect(BootRendering.optionalData(Self.ucs2("quiet") + [0, 0]) == " args \"quiet\"")
        for binary: [UInt8] in [
            Self.ucs2("quiet") + [0x71],  // odd length
            Self.ucs2("a") + [0, 0] + Self.ucs2("b"),  // NUL before the end
            Self.ucs2("a") + [0x00, 0xD8],  // unpaired high surrogate
            Self.ucs2("tab\there"),  // control character
            Self.ucs2("caf\u{E9}"),  // not ASCII
            [0, 0],  // only the terminator
        ] {
            #expect(BootRendering.optionalData(binary) == " data \(binary.hexString)")
        }
    }
}
