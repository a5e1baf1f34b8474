// libFuzzer target for EFIVariables' OVMF varstore reader and writer (scripts/fuzz.sh): every
// input is an OVMF_VARS file. What parses is read as the firmware boot manager's variables; then a
// boot entry is added the way `bootctl add --varstore` adds one, and the edited store must parse
// again and give the entry back. Nothing may crash, trap, leak or hang.
import EFIVariables
import FuzzSupport

@main
enum VarStoreFuzzer {
    /// The entry added to every store that parses.
    static let option = LoadOption(
        attributes: LoadOption.active, description: "fuzz", filePath: DevicePath(nodes: [.endEntire]), optionalData: [1]
    )

    static func main() {
        runFuzzer { data, size in
            VarStoreFuzzer.test(fuzzInput(data, size))
            return 0
        }
    }

    static func test(_ bytes: [UInt8]) {
        guard let store = try? OVMFVarStore(bytes: bytes, origin: "fuzz") else { return }
        var manager = BootManager(store: store)
        guard let number = try? manager.add(option, position: .last), let edited = manager.store as? OVMFVarStore else {
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
