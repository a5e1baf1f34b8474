import ArgumentParser
import BootEntries
import EFIVariables
import SystemPackage

/// Which EFI variables a command works on: this machine's (efivarfs), a directory of
/// efivarfs-style files, or an OVMF varstore file (offline VM provisioning).
public struct VariableStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A directory of Name-GUID variable files instead of efivarfs.", valueName: "DIR"))
    public var efivars: String?
    @Option(
        help: ArgumentHelp("An OVMF/edk2 variable store file (OVMF_VARS*.fd) instead of efivarfs.", valueName: "FILE"))
    public var varstore: String?

    public init() {}

    public func validate() throws {
        if efivars != nil && varstore != nil { throw ValidationError("--efivars and --varstore exclude each other") }
    }

    public func open() throws -> any VariableStore {
        if let varstore { return try OVMFVarStore.load(FilePath(varstore)) }
        return EFIVariableDirectory(efivars.map { FilePath($0) } ?? EFIVariableDirectory.live)
    }

    /// systemd's loader variables in the selected store; nil as for ``optionalStore()``.
    public func loaderVariables() throws -> LoaderVariables? {
        try optionalStore().map { try LoaderVariables(store: $0) }
    }

    /// The selected store; nil when it is the default (efivarfs) and that is absent: this
    /// machine did not boot through UEFI, so nothing on an ESP is booted now.
    public func optionalStore() throws -> (any VariableStore)? {
        if efivars == nil, varstore == nil, !EFIVariableDirectory.isReadableDirectory(EFIVariableDirectory.live) {
            return nil
        }
        return try open()
    }

    /// Runs `change` on a boot manager over the selected store and commits the store.
    public func changing<T>(_ change: (inout BootManager) throws -> T) throws -> T {
        var manager = BootManager(store: try open())
        let result = try change(&manager)
        try manager.store.commit()
        return result
    }
}

/// `--first|--last|--next`: where a new boot entry goes.
public struct EntryPlacement: ParsableArguments {
    @Flag(help: "Where the entry goes: head of BootOrder (default), its end, or BootNext only (boot it once).")
    var choice: Choice = .first

    enum Choice: String, EnumerableFlag {
        case first, last, next
    }

    public init() {}

    public var position: BootManager.Position {
        switch choice {
        case .first: .first
        case .last: .last
        case .next: .next
        }
    }
}

/// An entry named on the command line: `Boot0003` or `0003`.
public struct BootEntryArgument: ExpressibleByArgument, Sendable {
    public let number: UInt16

    public init?(argument: String) {
        guard let number = BootConfiguration.parseEntry(argument) else { return nil }
        self.number = number
    }
}
