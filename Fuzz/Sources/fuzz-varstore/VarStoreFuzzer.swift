// libFuzzer target for EFIVariables' OVMF varstore reader and writer (scripts/fuzz.sh): every
// input is an OVMF_VARS file. What parses is read as the firmware boot manager's variables; then a
// boot entry is added the way `bootctl add --varstore` adds one, and the edited store must parse
// again and give the entry back. Nothing may crash, trap, leak or hang.
import BinaryIO
import EFIVariables
import FuzzSupport

@main
enum VarStoreFuzzer {
    /// The entry added to every store that parses: active, "fuzz", an End node, one byte of optional
    /// data. Parsed from its bytes, the way a store holds it.
    static let option: LoadOption? = {
        let description = "fuzz\0".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        var reader = ByteReader([1, 0, 0, 0, 4, 0] + description + [0x7F, 0xFF, 4, 0, 1])
        return try? LoadOption(parsing: &reader)
    }()

    static func main() {
        runFuzzer(test)
    }

    static func test(_ bytes: [UInt8]) {
        guard let store = try? OVMFVarStore(bytes: bytes, origin: "fuzz") else { return }
        var manager = BootManager(store: store)
        guard let option, let number = try? manager.add(option, position: .last),
            let edited = manager.store as? OVMFVarStore
        else {
            return
        }
        let reread = try? OVMFVarStore(bytes: edited.bytes, origin: "fuzz")
        require(reread != nil, "the store does not parse after adding Boot entry \(number)")
        let entries = reread.flatMap { try? BootConfiguration(store: $0) }?.entries ?? []
        require(
            entries.first { $0.number == number }?.option == option, "the added Boot entry \(number) does not read back"
        )
    }
}
