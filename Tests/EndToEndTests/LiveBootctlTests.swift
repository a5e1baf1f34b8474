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
    static func expectAgreement(_ state: BootState, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            state.bootctl == state.efibootmgr, "\(name): bootctl and efibootmgr differ", sourceLocation: sourceLocation)
        #expect(
            state.bootctl.withoutDevicePaths == state.raw, "\(name): bootctl and the raw variables differ",
            sourceLocation: sourceLocation)
    }

    static func expectSuccess(_ outcome: Outcome, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status == 0, "\(name): \(outcome)", sourceLocation: sourceLocation)
    }

    /// Every file `lsattr` listed carries the immutable flag.
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
            control=b0075eed-5afe-4f11-8e1d-000000000002
            printf '\007\000\000\000\001' >/tmp/control
            record control-create dd if=/tmp/control of="$(var Control $control)" bs=5 count=1
            record control-lsattr lsattr "$(var Control $control)"
            record control-remove sh -c "chattr -i $(var Control $control) && rm $(var Control $control)"
            record make-immutable chattr +i "$(var BootOrder)"
            record order bootctl order "$(output add-b)" "$(output add-esp)" "$(output add-uri)"
            record timeout bootctl timeout 7
            record set-default bootctl set-default 'a*'
            record replace-default bootctl set-default 'b*'
            record lsattr lsattr "$(var BootOrder)" "$(var LoaderEntryDefault $loader)"
            record default cat "$(var LoaderEntryDefault $loader)"
            record remove-default bootctl set-default ''
            record default-removed test ! -e "$(var LoaderEntryDefault $loader)"
            state edited
            """#)
        for name in [
            "add-esp", "add-efibootmgr", "add-disk", "remove-efibootmgr-twin", "remove-disk-twin", "add-b", "add-uri",
            "control-create", "control-remove", "make-immutable", "order", "timeout", "set-default", "replace-default",
            "remove-default", "default-removed",
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
        let entryA = first("add-esp").entry
        let entryB = first("add-b").entry
        let entryURI = first("add-uri").entry
        // The same label and loader: bootctl --esp, bootctl --disk and efibootmgr -c write the same bytes.
        let added = Set(twins.variables.keys).subtracting(initial.variables.keys)
        #expect(
            added.count == 3 && added.isSuperset(of: ["Boot" + entryA, "Boot" + first("add-disk").entry]), "\(added)")
        let written = Set(added.compactMap { twins.variables[$0] })
        #expect(written.count == 1, "the three entries differ: \(added.map { "\($0): \(twins.variables[$0] ?? [])" })")

        #expect(edited.efibootmgr.order == [entryB, entryA, entryURI])
        #expect(edited.efibootmgr.timeout == 7)
        #expect(edited.efibootmgr.entries[entryB]?.label == "Linux B")
        #expect(edited.efibootmgr.entries[entryURI]?.devicePath == "uri(http://10.0.2.100/os.efi)")
        #expect(
            Set(edited.efibootmgr.entries.keys)
                == Set(initial.efibootmgr.entries.keys).union([entryA, entryB, entryURI]))
        // The kernel makes a new non-standard variable immutable (Control, written with dd). bootctl
        // clears the flag to write BootOrder (made immutable) and LoaderEntryDefault, and restores it.
        Self.expectImmutable(first("control-lsattr"))
        Self.expectImmutable(first("lsattr"))
        #expect(Array(first("default").stdout.utf8.dropFirst(4)) == Array("b*\0".utf16).flatMap { [UInt8($0), 0] })

        // Boot 2: BootOrder's head. Refusals leave everything as it was; BootNext armed.
        let second = try guest.boot(
            #"""
            state booted
            record remove-booted bootctl remove \#(entryB)
            state after-remove-booted
            record next bootctl next \#(entryA)
            record remove-uri bootctl remove \#(entryURI)
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
            # Fill with ever smaller variables until even one byte does not fit. A failed create leaves
            # an empty file behind (no variable), so every attempt takes a new name.
            for size in 16384 4096 1024 256 64 16 4 1; do
                head -c $size /dev/zero | cat /tmp/attributes - >/tmp/filler
                while dd if=/tmp/filler of="$(var Filler$count $filler)" bs=$((size + 4)) count=1 2>/tmp/fill.err; do
                    count=$((count + 1))
                done
                count=$((count + 1))
            done
            # unfill: delete the fillers that became variables (non-empty files); the kernel made them immutable.
            unfill() {
                for file in "$efivars"/Filler*-$filler; do
                    [ -s "$file" ] || continue
                    chattr -i "$file" && rm "$file" || return 1
                done
            }
            record fill-error cat /tmp/fill.err
            state full
            record full-add bootctl add --esp=/mnt/esp --label=full --loader='\#(b)'
            record full-order bootctl order \#(entryA) \#(entryB)
            record full-timeout bootctl timeout 4
            state after-full
            record unfill unfill
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

    @Test func slotTrialsAndSystemdBootCountingLive() throws {
        let guest = try LiveGuest()
        let slot = "--esp=/mnt/esp"

        // Boot 1 (fallback path): the first slot install is a trial too.
        let first = try guest.boot(
            #"""
            state initial
            record install-a bootctl slot install /mnt/esp/EFI/Linux/a.efi \#(slot)
            record status bootctl slot status \#(slot) --json=short
            state installed
            """#)
        Self.expectSuccess(first("install-a"), "install-a")
        let entryA = first("install-a").entry
        let installed = try first.state("installed")
        Self.expectAgreement(installed, "installed")
        #expect(installed.efibootmgr.next == entryA)
        #expect(!installed.efibootmgr.order.contains(entryA))
        #expect(installed.efibootmgr.entries[entryA]?.devicePath?.hasSuffix(#"/\efi\linux\os-a.efi"#) == true)
        let status = try JSONSerialization.jsonObject(with: Data(first("status").stdout.utf8)) as? [String: Any]
        #expect(status?["trial"] as? String == "a", "\(first("status"))")

        // Boot 2: slot A's trial; marked good, then B installed for its trial.
        let second = try guest.boot(
            #"""
            state booted
            record mark-good-a bootctl slot mark-good \#(slot)
            record install-b bootctl slot install /mnt/esp/EFI/Linux/b.efi \#(slot)
            state armed
            """#)
        #expect(second.slot == "A")
        #expect(try second.state("booted").efibootmgr.current == entryA)
        #expect(second("mark-good-a").text == "a", "\(second("mark-good-a"))")
        Self.expectSuccess(second("install-b"), "install-b")
        let entryB = second("install-b").entry
        let armed = try second.state("armed")
        Self.expectAgreement(armed, "armed")
        #expect(armed.efibootmgr.order.first == entryA)
        #expect(armed.efibootmgr.next == entryB)

        // Boot 3: B's trial, not marked good; installing during a trial is refused and changes nothing.
        let third = try guest.boot(
            #"""
            state booted
            record install-during-trial bootctl slot install /mnt/esp/EFI/Linux/a.efi \#(slot)
            state after-refusal
            """#)
        #expect(third.slot == "B")
        let trial = try third.state("booted")
        Self.expectAgreement(trial, "trial")
        #expect(trial.efibootmgr.current == entryB)
        #expect(trial.efibootmgr.next == nil, "the firmware consumed BootNext")
        #expect(third("install-during-trial").status == 65, "\(third("install-during-trial"))")
        #expect(try third.state("after-refusal").variables == trial.variables)

        // Boot 4: the trial was not marked good, so the firmware falls back to A; B is armed again.
        let fourth = try guest.boot(
            #"""
            state booted
            record install-b bootctl slot install /mnt/esp/EFI/Linux/b.efi \#(slot)
            """#)
        #expect(fourth.slot == "A")
        #expect(try fourth.state("booted").efibootmgr.current == entryA)
        #expect(fourth("install-b").entry == entryB, "\(fourth("install-b"))")

        // Boot 5: B's second trial, marked good.
        let fifth = try guest.boot(
            #"""
            record mark-good-b bootctl slot mark-good \#(slot)
            state promoted
            """#)
        #expect(fifth.slot == "B")
        #expect(fifth("mark-good-b").text == "b", "\(fifth("mark-good-b"))")
        let promoted = try fifth.state("promoted")
        Self.expectAgreement(promoted, "promoted")
        #expect(promoted.efibootmgr.order.prefix(2) == [entryB, entryA])

        // Boot 6: B stays. Counted UKIs for systemd-boot, which boots once through BootNext.
        let systemdBoot = #"\EFI\systemd\systemd-bootx64.efi"#
        let sixth = try guest.boot(
            #"""
            record install-counted bootctl install /mnt/esp/EFI/Linux/a.efi \#(slot) --name=counted --tries=3
            record install-other bootctl install /mnt/esp/EFI/Linux/b.efi \#(slot) --name=other --tries=2
            record add-systemd-boot bootctl add \#(slot) --label=systemd-boot --loader='\#(systemdBoot)' --next
            state armed
            """#)
        #expect(sixth.slot == "B")
        #expect(sixth("install-counted").text == "EFI/Linux/counted+3-0.efi", "\(sixth("install-counted"))")
        #expect(sixth("install-other").text == "EFI/Linux/other+2-0.efi", "\(sixth("install-other"))")
        Self.expectSuccess(sixth("add-systemd-boot"), "add-systemd-boot")
        let systemdBootEntry = sixth("add-systemd-boot").entry
        let withLoader = try sixth.state("armed")
        Self.expectAgreement(withLoader, "armed")
        #expect(withLoader.efibootmgr.current == entryB)
        #expect(withLoader.efibootmgr.next == systemdBootEntry)

        // Boot 7: systemd-boot counts a try of counted+3-0 (now +2-1) and boots it; bootctl blesses it
        // through LoaderBootCountPath and marks the other one bad.
        let seventh = try guest.boot(
            #"""
            record count-path cat "$(var LoaderBootCountPath $loader)"
            record before ls /mnt/esp/EFI/Linux
            record list bootctl list \#(slot) --json=short
            record mark-good bootctl mark-good \#(slot)
            record mark-bad bootctl mark-bad other+2-0.efi \#(slot)
            record after ls /mnt/esp/EFI/Linux
            state blessed
            """#)
        #expect(seventh.slot == "A")
        let blessed = try seventh.state("blessed")
        Self.expectAgreement(blessed, "blessed")
        #expect(blessed.efibootmgr.current == systemdBootEntry)
        let countPath = Array(seventh("count-path").stdout.utf8.dropFirst(4))
        #expect(
            String(
                decoding: stride(from: 0, to: countPath.count - 1, by: 2).map {
                    UInt16(countPath[$0]) | UInt16(countPath[$0 + 1]) << 8
                }, as: UTF16.self)
                == "\\EFI\\Linux\\counted+2-1.efi\0")
        #expect(seventh("before").stdout.split(separator: "\n").contains("counted+2-1.efi"), "\(seventh("before"))")
        let listed = try JSONSerialization.jsonObject(with: Data(seventh("list").stdout.utf8)) as? [String: Any]
        let espEntries = (listed?["esp"] as? [String: Any])?["entries"] as? [[String: Any]] ?? []
        #expect(
            espEntries.filter { $0["booted"] as? Bool == true }.map { $0["path"] as? String }
                == ["EFI/Linux/counted+2-1.efi"], "\(seventh("list"))")
        #expect(seventh("mark-good").text == "EFI/Linux/counted.efi", "\(seventh("mark-good"))")
        #expect(seventh("mark-bad").text == "EFI/Linux/other+0.efi", "\(seventh("mark-bad"))")
        let names = try guest.vm.listESP(disk: guest.disk, directory: "/EFI/Linux")
        #expect(
            Set(names) == ["a.efi", "b.efi", "os-a.efi", "os-b.efi", "counted.efi", "other+0.efi"], "\(names)")
    }
}
