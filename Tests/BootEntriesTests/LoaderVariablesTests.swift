import BootEntries
import EFIVariables
import SystemPackage
import TestSupport
import Testing

/// systemd's loader variables of the efivarfs vector: strings decoded, others (LoaderFeatures) hex.
@Suite struct LoaderVariablesTests {
    @Test func vectorVariablesRead() throws {
        let loader = try LoaderVariables(store: EFIVariableDirectory(FilePath(TestPaths.fixture("efi/efivarfs"))))
        #expect(
            loader.values.map(\.name) == [
                "LoaderBootCountPath", "LoaderConfigTimeout", "LoaderDevicePartUUID", "LoaderEntryDefault",
                "LoaderEntryOneShot", "LoaderFeatures",
            ])
        #expect(loader["LoaderBootCountPath"] == "\\EFI\\Linux\\os-a+2-1.efi")
        #expect(loader["LoaderConfigTimeout"] == "menu-force")
        #expect(loader["LoaderDevicePartUUID"] == "2F4A8E1C-6B3D-4C1E-9A7F-0123456789AB")
        #expect(loader["LoaderFeatures"] == "ffff030000000000")
        #expect(ESPEntry.bootedBaseName(loader) == "os-a.efi")
    }
}
