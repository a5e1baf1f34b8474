// libFuzzer target for EFIVariables' device path text parser (scripts/fuzz.sh): every input
// is read as UTF-8 device path text (EDK2's or efibootmgr's spelling). Whatever parses must print
// as text that parses back to the same bytes: text → bytes → text → bytes is stable. Nothing may
// crash, trap, leak or hang.
import BinaryIO
import EFIVariables
import FuzzSupport

@main
enum DevicePathTextFuzzer {
    static func main() {
        runFuzzer(test)
    }

    static func test(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let path = try? DevicePath(text: text) else { return }
        let printed = path.text
        let reparsed = try? DevicePath(text: printed)
        require(
            reparsed != nil,
            "\(String(reflecting: text)) prints as \(String(reflecting: printed)), which does not parse")
        require(
            reparsed?.bytes == path.bytes,
            "\(String(reflecting: text)) prints as \(String(reflecting: printed)), which parses to other bytes: "
                + "\(path.bytes.hexString) → \(reparsed?.bytes.hexString ?? "")")
    }
}
