import ArgumentParser
import BootCrypto
import PCRCLI
import PEKit
import SystemPackage
import TPMPolicy
import ToolSupport
import UKIAssembly

/// `ukify build`'s PCR options, with systemd-ukify's names: signing keys in groups (each
/// `--pcr-private-key` with the `--pcr-public-key` and `--phases` at the same position, or a
/// `[PCRSignature:NAME]` config section), banks, `--measure`, and offline signing.
public struct UKIPCROptions: ParsableArguments {
    @Option(
        name: .customLong("pcr-private-key"),
        help: ArgumentHelp("Key that signs the PCR 11 policies (.pcrsig); repeatable, one per group.", valueName: "KEY")
    )
    public var privateKeys: [String] = []
    @Option(
        name: .customLong("pcr-public-key"),
        help: ArgumentHelp("Public key of the group's --pcr-private-key (checked against it).", valueName: "PATH"))
    public var publicKeys: [FilePath] = []
    @Option(
        name: .customLong("phases"),
        help: ArgumentHelp(
            "Space-separated phase paths the group signs for (default: the four of systemd-measure).",
            valueName: "PHASE-PATHS"))
    public var phases: [ArgumentList<PhasePath>] = []
    @Option(
        name: .customLong("pcr-banks"),
        help: ArgumentHelp(
            "PCR banks to predict and sign for, comma-separated; repeatable (default: all four, as ukify 257). "
                + "Every bank's policy is signed with SHA-256, which is what systemd verifies.",
            valueName: "BANKS"))
    public var banks: [ArgumentList<DigestAlgorithm>] = []
    @Flag(
        name: .customLong("measure"), inversion: .prefixedNo,
        help: "Print the PCR 11 values the UKI will produce (as measure calculate), for each profile.")
    public var measure = false
    /// `--json`/`-j`: `--measure` prints JSON, as `measure calculate --json` does.
    @OptionGroup public var json: JSONOptions
    @Flag(
        name: .customLong("policy-digest"),
        help: "Print the PCR 11 policy digests to sign elsewhere (as measure policy-digest) instead of signing.")
    public var policyDigest = false
    @Option(
        name: .customLong("pcrsig"),
        help: ArgumentHelp(
            "Signatures made elsewhere: a .pcrsig document to embed (each signature in the profiles it matches).",
            valueName: "TEXT|@PATH"))
    public var pcrsig: TextOrFile?
    @Option(
        name: .customLong("join-pcrsig"),
        help: ArgumentHelp("Another .pcrsig document whose signatures are merged in; repeatable.", valueName: "PATH"))
    public var joinPCRSignatures: [FilePath] = []

    public init() {}

    /// The options as settings.
    public var settings: PCRSettings {
        var settings = PCRSettings()
        settings.privateKeys = privateKeys
        settings.publicKeys = publicKeys
        settings.phases = phases.map(\.elements)
        settings.banks = banks.isEmpty ? nil : banks.flatMap(\.elements)
        settings.measure = measure
        settings.measureJSON = json.effective
        settings.policyDigest = policyDigest
        settings.pcrsig = pcrsig
        settings.joinPCRSignatures = joinPCRSignatures
        return settings
    }
}
