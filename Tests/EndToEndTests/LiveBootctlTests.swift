import Foundation
import TestSupport
import Testing

/// bootctl on a live system (``LiveGuest``): inside an OVMF guest it edits the firmware's boot
/// entries through efivarfs and the mounted ESP; Debian's efibootmgr, the raw efivarfs files and the
/// firmware's next boot judge the result. Exit codes are bootctl's documented ones (64 usage,
/// 65 refused, 74 write failed or store full).
@Suite(.serialized) struct LiveBootctlTests {
    static let loaderA = #"\EFI\Linux\a.efi"#
    static let loaderB = #"\EFI\Linux\b.efi"#

    /// bootctl, efibootmgr and the raw variables show the same configuration.
    static func expectAgreement(_ state: BootState, _ name: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        #expect(state.bootctl == state.efibootmgr, "\(name): bootctl and efibootmgr differ", sourceLocation: sourceLocation)
        #expect(state.bootctl.withoutDevicePaths == state.raw, "\(name): bootctl and the raw variables differ", sourceLocation: sourceLocation)
    }

    static func expectSuccess(_ outcome: Outcome, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status == 0, "\(name): \(outcome)", sourceLocation: sourceLocation)
    }

    /// Every file `lsattr` listed carries the immutable flag (efivarfs restores it after a write).
    static func expectImmutable(_ outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = outcome.stdout.split(separator: "\n")
        #expect(outcome.status == 0 && !lines.isEmpty, "lsattr: \(outcome)", sourceLocation: sourceLocation)
        for line in lines {
            #expect(line.split(separator: " ").first?.contains("i") == true, "\(line)", sourceLocation: sourceLocation)
        }
    }

    @Test func entriesEditedLiveAgreeWithEfibootmgrAndBootNextThenBootOrder() throws {
        let guest = try LiveGuest()
        let a = Self.loaderA
        let b = Self.loaderB

        // Boot 1, from the fallback path of the empty varstore: add, add-uri, order, timeout.
        let first = try guest.boot(
            #"""
            state initial
            record add-esp bootctl add --esp=/mnt/esp --label='Linux A' --loader='\#(a)' --last
            record add-efibootmgr efibootmgr -c -d /dev/vda -p 1 -L 'Linux A' -l '\#(a)'
            record add-disk bootctl add --disk=/dev/vda --part=1 --label='Linux A' --loader='\#(a)' --last
            state twins
            twin=$(sed -n 's/^BootOrder: \([0-9A-F]\{4\}\).*/\1/p' "$results/add-efibootmgr.out")
            record remove-efibootmgr-twin bootctl remove "$twin"
            record remove-disk-twin bootctl remove "$(output add-disk)"
            record add-b bootctl add --esp=/mnt/esp --label='Linux B' --loader='\#(b)'
            record add-uri bootctl add-uri --label=netboot --uri=http://10.0.2.100/os.efi --last
            record order bootctl order "$(output add-b)" "$(output add-esp)" "$(output add-uri)"
            record timeout bootctl timeout 7
            record lsattr lsattr "$(var BootOrder)" "$(var Timeout)" "$(var "$(output add-b)")" "$(var "$(output add-uri)")"
            state edited
            """#)
        for name in [
            "add-esp", "add-efibootmgr", "add-disk", "remove-efibootmgr-twin", "remove-disk-twin", "add-b", "add-uri",
            "order", "timeout",
        ] {
            Self.expectSuccess(first(name), name)
        }
        #expect(first.slot == "A")
        let initial = try first.state("initial")
        let twins = try first.state("twins")
        let edited = try first.state("edited")
        for (state, name) in [(initial, "initial"), (twins, "twins"), (edited, "edited")] {
            Self.expectAgreement(state, name)
        }
        let entryA = first("add-esp").text
        let entryB = first("add-b").text
        let entryURI = first("add-uri").text
        // The same label and loader: bootctl --esp, bootctl --disk and efibootmgr -c write the same bytes.
        let added = Set(twins.variables.keys).subtracting(initial.variables.keys).filter { $0.count == 8 }
        #expect(added.count == 3, "\(added)")
        let written = Set(added.compactMap { twins.variables[$0] })
        #expect(written.count == 1, "the three entries differ: \(added.map { "\($0): \(twins.variables[$0] ?? [])" })")
        #expect(added.contains(entryA) && added.contains(first("add-disk").text))

        #expect(edited.efibootmgr.order == [entryB, entryA, entryURI])
        #expect(edited.efibootmgr.timeout == 7)
        #expect(edited.efibootmgr.entries[entryB]?.label == "Linux B")
        #expect(edited.efibootmgr.entries[entryURI]?.devicePath == "uri(http://10.0.2.100/os.efi)")
        #expect(Set(edited.efibootmgr.entries.keys) == Set(initial.efibootmgr.entries.keys).union([entryA, entryB, entryURI]))
        Self.expectImmutable(first("lsattr"))

        // Boot 2: BootOrder's head. Refusals leave everything as it was; BootNext armed.
        let second = try guest.boot(
            #"""
            state booted
            record remove-booted bootctl remove \#(entryB)
            state after-remove-booted
            record next bootctl next \#(entryA)
            record remove-uri bootctl remove \#(entryURI)
            record lsattr lsattr "$(var BootOrder)" "$(var BootNext)"
            state armed
            mount -o remount,ro $efivars
            record read-only-add bootctl add --esp=/mnt/esp --label=read-only --loader='\#(a)'
            record read-only-order bootctl order \#(entryA) \#(entryB)
            record read-only-next bootctl next --clear
            record read-only-timeout bootctl timeout 3
            mount -o remount,rw $efivars
            state after-read-only
            """#)
        #expect(second.slot == "B")
        let booted = try second.state("booted")
        #expect(booted.efibootmgr.current == entryB)
        #expect(booted.efibootmgr.next == nil)
        #expect(second("remove-booted").status == 65, "\(second("remove-booted"))")
        #expect(try second.state("after-remove-booted").variables == booted.variables)
        Self.expectSuccess(second("next"), "next")
        Self.expectSuccess(second("remove-uri"), "remove-uri")
        Self.expectImmutable(second("lsattr"))
        let armed = try second.state("armed")
        Self.expectAgreement(armed, "armed")
        #expect(armed.efibootmgr.next == entryA)
        #expect(armed.efibootmgr.entries[entryURI] == nil)
        #expect(!armed.efibootmgr.order.contains(entryURI))
        for name in ["read-only-add", "read-only-order", "read-only-next", "read-only-timeout"] {
            #expect(second(name).status == 74, "\(name): \(second(name))")
        }
        #expect(try second.state("after-read-only").variables == armed.variables)

        // Boot 3: BootNext once. A full variable store refuses changes and keeps what it had.
        let third = try guest.boot(
            #"""
            state booted
            filler=b0075eed-5afe-4f11-8e1d-000000000001
            printf '\007\000\000\000' >/tmp/attributes
            count=0
            for size in 16384 4096 1024 256 64 16 4 1; do
                head -c $size /dev/zero | cat /tmp/attributes - >/tmp/filler
                while dd if=/tmp/filler of="$(var Filler$count $filler)" bs=$((size + 4)) count=1 2>/tmp/fill.err; do
                    count=$((count + 1))
                done
            done
            record fill-count echo $count
            record fill-error cat /tmp/fill.err
            state full
            record full-add bootctl add --esp=/mnt/esp --label=full --loader='\#(b)'
            record full-order bootctl order \#(entryA) \#(entryB)
            record full-timeout bootctl timeout 4
            state after-full
            record unfill sh -c "rm $efivars/Filler*-$filler"
            """#)
        #expect(third.slot == "A")
        let afterNext = try third.state("booted")
        Self.expectAgreement(afterNext, "after BootNext")
        #expect(afterNext.efibootmgr.current == entryA)
        #expect(afterNext.efibootmgr.next == nil, "the firmware consumed BootNext")
        #expect(third("fill-error").text.contains("No space left on device"), "\(third("fill-error"))")
        for name in ["full-add", "full-order", "full-timeout"] {
            #expect(third(name).status == 74, "\(name): \(third(name))")
        }
        #expect(try third.state("after-full").variables == (try third.state("full")).variables)
        Self.expectSuccess(third("unfill"), "unfill")

        // Boot 4: BootOrder's head again; the store has room again.
        let fourth = try guest.boot(
            #"""
            state booted
            record timeout bootctl timeout 2
            record fillers sh -c "ls $efivars | grep -c Filler"
            state final
            """#)
        #expect(fourth.slot == "B")
        let final = try fourth.state("final")
        Self.expectAgreement(final, "final")
        #expect(final.efibootmgr.current == entryB)
        #expect(final.efibootmgr.timeout == 2)
        Self.expectSuccess(fourth("timeout"), "timeout")
        #expect(fourth("fillers").text == "0")
    }
}
