// libFuzzer target for the JSON parser and the `.pcrsig` reader (scripts/fuzz.sh): every input
// is read as a JSON document and as a `.pcrsig`. A document must parse back from each of its
// renderings (Python's and systemd's, short and pretty) to the same value, and a `.pcrsig` from its
// JSON to the same signatures. Nothing may crash, trap, leak or hang.
import FuzzSupport
import JSON
import TPMPolicy

@main
enum PCRSigFuzzer {
    static func main() {
        runFuzzer(test)
    }

    static func test(_ bytes: [UInt8]) {
        if let document = try? JSONValue(parsing: bytes) {
            for dialect in [JSONDialect.python, .systemd] {
                for style in [JSONStyle.short, .pretty] {
                    let text = document.rendered(style, dialect: dialect)
                    require(
                        (try? JSONValue(parsing: Array(text.utf8))) == document,
                        "JSON rendered as \(style), \(dialect) does not parse back to the same value: \(text)")
                }
            }
        }
        if let signatures = try? PCRSignatures(parsing: bytes, origin: "fuzz") {
            let text = signatures.json.rendered(.short)
            require(
                (try? PCRSignatures(parsing: Array(text.utf8), origin: "fuzz")) == signatures,
                ".pcrsig does not parse back from its JSON: \(text)")
        }
    }
}
