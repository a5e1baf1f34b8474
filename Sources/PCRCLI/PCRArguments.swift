import ArgumentParser
import BootCrypto
import TPMPolicy

/// PCR banks (and ukify's `--hash`) by name, any case: an unknown name exits 64 listing the banks.
extension DigestAlgorithm: ExpressibleByArgument {
    public init?(argument: String) {
        guard let bank = try? DigestAlgorithm(bankName: argument) else { return nil }
        self = bank
    }
}

/// A boot phase path (`enter-initrd:leave-initrd`, `:` for the empty path): a path with a word
/// systemd does not extend exits 64 listing the words.
extension PhasePath: ExpressibleByArgument {
    public init?(argument: String) {
        guard let path = try? PhasePath(parsing: argument) else { return nil }
        self = path
    }

    /// The words a path is made of, joined with ':'.
    public static var allValueStrings: [String] { knownWords }
}
