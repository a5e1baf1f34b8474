// libFuzzer target for EFIVariables' binary parsers (scripts/fuzz.sh): every input is read as
// an EFI_LOAD_OPTION (a Boot#### variable) and as a device path list. Whatever parses must
// serialize to the same bytes (a tool that rewrites firmware variables must not change what it
// does not understand), and its text form must print. Nothing may crash, trap, leak or hang.
import BinaryIO
import EFIVariables
import FuzzSupport

@main
enum LoadOptionFuzzer {
    static func main() {
        runFuzzer(test)
    }

    static func test(_ bytes: [UInt8]) {
        var optionReader = ByteReader(bytes)
        if let option = try? LoadOption(parsing: &optionReader) {
            require(option.bytes == bytes, "load option does not serialize to its bytes: \(bytes.hexString)")
            _ = option.filePath.text
        }
        var pathReader = ByteReader(bytes)
        if let path = try? DevicePath(parsing: &pathReader) {
            require(path.bytes == bytes, "device path does not serialize to its bytes: \(bytes.hexString)")
            _ = path.text
            _ = path.filePaths
            _ = path.nodes.compactMap(GPTPartition.init(hardDriveNode:))
        }
    }
}
