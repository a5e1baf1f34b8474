import BootEntries
import EFIVariables
import Testing

/// The same condition exits the same way whichever library reports it.
@Suite struct ErrorCategoryTests {
    @Test func notFoundIsAUsageErrorInEveryLibrary() {
        #expect(BootEntryError(.notFound, "slot A: EFI/Linux/os-a.efi is missing").category == .usage)
        #expect(EFIVariableError(.notFound, "there is no Boot0007").category == .usage)
    }

    @Test func refusedChangesAreDataErrorsInEveryLibrary() {
        #expect(BootEntryError(.refused, "slot B is booted").category == .dataError)
        #expect(EFIVariableError(.refused, "BootOrder would be empty").category == .dataError)
    }
}
