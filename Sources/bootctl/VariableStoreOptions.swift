import ArgumentParser
import BinaryIO
import BootEntries
import EFIVariables
import SystemPackage
import ToolSupport

/// Which EFI variables a command works on: this machine's (efivarfs), a directory of
/// efivarfs-style files, or an OVMF varstore file (offline VM provisioning).
struct VariableStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A directory of Name-GUID variable files instead of efivarfs.", valueName: "DIR"))
    var efivars: FilePath?
    @Option(
        help: ArgumentHelp("An OVMF/edk2 variable store file (OVMF_VARS*.fd) instead of efivarfs.", valueName: "FILE"))
    var varstore: FilePath?

    func validate() throws {
        if efivars != nil && varstore != nil { throw ValidationError("--efivars and --varstore exclude each other") }
    }

    /// The selected store. Without --efivars/--varstore it is this machine's efivarfs, and a
    /// machine without one (not booted through UEFI, efivarfs not mounted) is an error, never an
    /// empty store.
    func open() throws -> any VariableStore {
        try open(alternatives: "give --efivars=DIR or --varstore=FILE")
    }

    func open(alternatives: String) throws -> any VariableStore {
        if let varstore { return try OVMFVarStore.load(varstore) }
        if let efivars { return EFIVariableDirectory(efivars) }
        guard EFIVariableDirectory.isReadableDirectory(EFIVariableDirectory.live) else {
            throw ToolError(
                "\(EFIVariableDirectory.live) is not readable (not booted through UEFI, or efivarfs is not mounted); "
                    + alternatives,
                category: .unavailable)
        }
        return EFIVariableDirectory(EFIVariableDirectory.live)
    }

    /// Runs `change` on a boot manager over the selected store and commits the store, holding
    /// the store's lock from the read to the commit: parallel runs (two agents, an agent and an
    /// admin) take turns instead of picking the same free Boot#### or losing each other's writes.
    func changing<T>(_ change: (inout BootManager) throws -> T) throws -> T {
        let lock: DirectoryHandle?
        if let varstore {
            // The file is replaced by a rename on commit: its directory holds the lock.
            lock = try DirectoryHandle.lockingDirectory(of: varstore)
        } else {
            // A directory that cannot be opened holds no store either: open() then says what is wrong.
            lock = try? DirectoryHandle(path: efivars ?? EFIVariableDirectory.live)
            try lock?.lockExclusively()
        }
        return try withExtendedLifetime(lock) {
            var manager = BootManager(store: try open())
            let result = try change(&manager)
            try manager.store.commit()
            return result
        }
    }
}

/// The EFI variables an ESP command consults (the booted entry, what Boot#### entries start):
/// this machine's, a copy (--efivars, --varstore), or explicitly none (--no-variables) for an ESP
/// copy or an image being built. Missing variables are never taken to mean "nothing is booted".
struct ESPVariableOptions: ParsableArguments {
    @OptionGroup public var store: VariableStoreOptions
    @Flag(help: "Work on the ESP alone, without EFI variables (an ESP copy or an image being built).")
    var noVariables = false

    func validate() throws {
        if noVariables && (store.efivars != nil || store.varstore != nil) {
            throw ValidationError("--no-variables excludes --efivars and --varstore")
        }
    }

    /// The store; nil with --no-variables.
    func optionalStore() throws -> (any VariableStore)? {
        if noVariables { return nil }
        return try store.open(alternatives: "give --efivars=DIR, --varstore=FILE, or --no-variables for the ESP alone")
    }

    /// systemd's loader variables; nil with --no-variables.
    func loaderVariables() throws -> LoaderVariables? {
        try optionalStore().map { try LoaderVariables(store: $0) }
    }
}

/// `--first|--last|--next`: where a new boot entry goes.
struct EntryPlacement: ParsableArguments {
    @Flag(help: "Where the entry goes: head of BootOrder (default), its end, or BootNext only (boot it once).")
    var choice: Choice = .first

    enum Choice: String, EnumerableFlag {
        case first, last, next
    }

    var position: BootManager.Position {
        switch choice {
        case .first: .first
        case .last: .last
        case .next: .next
        }
    }
}

/// An entry named on the command line: `Boot0003` or `0003`.
struct BootEntryArgument: ExpressibleByArgument, Sendable {
    let number: UInt16

    init?(argument: String) {
        guard let number = BootConfiguration.parseEntry(argument) else { return nil }
        self.number = number
    }
}
