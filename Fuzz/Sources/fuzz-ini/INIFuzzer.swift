// libFuzzer target for UKIAssembly's INI reader (`ukify.conf`; scripts/fuzz.sh): every input
// is read as UTF-8 config text and every entry looked up again. Nothing may crash, trap, leak or
// hang.
import FuzzSupport
import UKIAssembly

@main
enum INIFuzzer {
    static func main() {
        runFuzzer(test)
    }

    static func test(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let file = try? INIFile(text: text, path: "fuzz") else { return }
        for entry in file.entries {
            require(
                file.value(entry.key, in: entry.section) == entry.value,
                "[\(String(reflecting: entry.section))] \(String(reflecting: entry.key)) does not look up to its value")
        }
    }
}
