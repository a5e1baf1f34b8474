import Foundation
import TestSupport

/// An OVMF guest for live tests of bootctl (shared/specs/firmware-testing.md, "Live tests inside
/// the guest"). Its GPT disk and varstore persist across boots. The ESP holds UKIs A and B
/// (`\EFI\Linux\a.efi`, `b.efi`, A also as the fallback `\EFI\BOOT\BOOTX64.EFI` for the first boot
/// of the empty varstore) and Debian's systemd-boot. Their initrd holds busybox, the package's bootctl
/// (`make deb`'s tree: static, stripped), Debian's efibootmgr, lsattr and chattr; its /init mounts
/// efivarfs and the ESP (/mnt/esp), runs the step script the host put on the ESP, and powers off. The step records each command's exit status,
/// stdout and stderr in bootchain-test/results on the ESP, which the host reads with mtools.
final class LiveGuest {
    let directory: TemporaryDirectory
    let vm: FirmwareVM
    let disk: String
    let vars: String
    private(set) var boots = 0

    static let stepDirectory = "/bootchain-test"

    init() throws {
        directory = try TemporaryDirectory()
        let bootctl = TestPaths.installedTool("bootctl")
        guard FileManager.default.isExecutableFile(atPath: bootctl) else {
            throw TestFailure("\(bootctl) is missing: run make deb (scripts/test.sh runs it)")
        }
        let programs = [
            "/bin/bootctl": bootctl, "/usr/bin/efibootmgr": try which("efibootmgr"),
            "/usr/bin/lsattr": try which("lsattr"), "/usr/bin/chattr": try which("chattr"),
        ]
        let initrd = try makeBusyboxInitrd(
            in: directory, modules: ["virtio_pci", "virtio_blk", "vfat", "nls_cp437", "nls_ascii", "efivarfs"],
            programs: programs, script: Self.initScript)
        let (a, b) = try makeSlotUKIs(in: directory, initrd: initrd)

        vm = FirmwareVM(directory: directory, espSize: 256 << 20)
        disk = try vm.makeGPTDisk()
        let staging = directory.file("esp")
        for sub in ["EFI/BOOT", "EFI/Linux", "EFI/systemd", "loader", String(Self.stepDirectory.dropFirst())] {
            try FileManager.default.createDirectory(atPath: staging + "/" + sub, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: a, toPath: staging + "/EFI/BOOT/BOOTX64.EFI")
        try FileManager.default.copyItem(atPath: a, toPath: staging + "/EFI/Linux/a.efi")
        try FileManager.default.copyItem(atPath: b, toPath: staging + "/EFI/Linux/b.efi")
        let systemdBoot = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
        guard FileManager.default.fileExists(atPath: systemdBoot) else {
            throw TestFailure("\(systemdBoot) is missing: install systemd-boot-efi")
        }
        try FileManager.default.copyItem(atPath: systemdBoot, toPath: staging + "/EFI/systemd/systemd-bootx64.efi")
        // systemd-boot boots the counted UKI the boot counting test installs, without a menu.
        _ = try directory.write("esp/loader/loader.conf", "timeout 0\ndefault counted*\n")
        try vm.fillESP(disk: disk, from: staging)
        vars = directory.file("persistent-vars.fd")
        try FileManager.default.copyItem(atPath: FirmwareVM.ovmfVars, toPath: vars)
    }

    /// /init after the modules are loaded: efivarfs, the ESP, the step between markers, power off.
    static let initScript = """
        mount -t efivarfs efivarfs /sys/firmware/efi/efivars
        mkdir -p /mnt/esp /tmp
        tries=0
        while [ ! -b /dev/vda1 ] && [ $tries -lt 100 ]; do usleep 100000; tries=$((tries + 1)); done
        mount -t vfat /dev/vda1 /mnt/esp
        echo BOOTCHAIN-STEP-BEGIN
        sh /mnt/esp\(stepDirectory)/step.sh
        echo BOOTCHAIN-STEP-END
        sync
        umount /mnt/esp
        poweroff -f
        """

    /// Shell functions every step script starts with.
    static let prelude = #"""
        efivars=/sys/firmware/efi/efivars
        global=8be4df61-93ca-11d2-aa0d-00e098032b8c
        loader=4a67b082-0a4c-41cf-b6c7-440b29bb8c4f
        results=/mnt/esp/bootchain-test/results
        rm -rf "$results" && mkdir -p "$results"
        # record NAME COMMAND...: the command's exit status, stdout and stderr as NAME.status, .out, .err
        record() {
            local name=$1
            shift
            "$@" >"$results/$name.out" 2>"$results/$name.err"
            echo $? >"$results/$name.status"
            echo "$name: exit $(cat "$results/$name.status")"
        }
        # output NAME: what the command recorded as NAME printed (an entry name bootctl printed)
        output() { cat "$results/$1.out"; }
        # var NAME [GUID]: the efivarfs file of a variable (default: the global GUID)
        var() { echo "$efivars/$1-${2:-$global}"; }
        # variables: every global Boot* variable and Timeout as "NAME HEX" (attributes, then data)
        variables() {
            local file base
            for file in "$efivars"/Boot*-$global "$efivars"/Timeout-$global; do
                [ -e "$file" ] || continue
                base=${file##*/}
                echo "${base%-$global} $(od -An -tx1 -v "$file" | tr -d ' \n')"
            done
        }
        # state NAME: bootctl's and efibootmgr's listings and the raw variables at this moment
        state() {
            record "$1.bootctl" bootctl list --json=short
            record "$1.efibootmgr" efibootmgr -v
            record "$1.variables" variables
        }
        record cmdline cat /proc/cmdline

        """#

    /// Puts `step` (shell, after ``prelude``) on the ESP, boots until the guest powers off, and
    /// returns what the step recorded.
    func boot(_ step: String) throws -> StepResults {
        boots += 1
        let script = try directory.write("step-\(boots).sh", Self.prelude + step)
        try vm.copyIntoESP(disk: disk, file: script, to: Self.stepDirectory + "/step.sh")
        let serial = try vm.boot(esp: disk, persistentVars: vars, persistentDisk: true)
        guard serial.contains("BOOTCHAIN-STEP-END") else {
            throw TestFailure("boot \(boots): the step did not finish; serial log:\n\(serial)")
        }
        let copy = directory.file("results-\(boots)")
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try vm.copyFromESP(disk: disk, path: Self.stepDirectory + "/results", to: copy)
        return StepResults(directory: copy + "/results", serial: serial)
    }
}

/// What one command of a step did.
struct Outcome: CustomStringConvertible {
    /// nil: the step never ran it.
    let status: Int32?
    let stdout: String
    let stderr: String

    /// stdout without surrounding white space (a path, a slot).
    var text: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The entry number in a `Boot####` that bootctl printed (the spelling of BootOrder and the listings).
    var entry: String { String(text.dropFirst("Boot".count)) }

    var description: String { "exit \(status.map(String.init) ?? "none"), stdout [\(stdout)], stderr [\(stderr)]" }
}

/// What a boot's step recorded, and the boot's serial log.
struct StepResults {
    let directory: String
    let serial: String

    func callAsFunction(_ name: String) -> Outcome {
        func read(_ suffix: String) -> String? {
            try? String(contentsOfFile: "\(directory)/\(name).\(suffix)", encoding: .utf8)
        }
        return Outcome(
            status: read("status").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) },
            stdout: read("out") ?? "", stderr: read("err") ?? "")
    }

    /// The UKI that booted: its `bootchain.slot=` marker.
    var slot: String? {
        self("cmdline").text.split(separator: " ").first { $0.hasPrefix("bootchain.slot=") }
            .map { String($0.dropFirst("bootchain.slot=".count)) }
    }

    /// The boot variables as the step's `state NAME` recorded them.
    func state(_ name: String) throws -> BootState {
        let listings = [self("\(name).bootctl"), self("\(name).efibootmgr"), self("\(name).variables")]
        guard listings.allSatisfy({ $0.status == 0 }) else {
            throw TestFailure("state \(name) was not recorded: \(listings)\nserial log:\n\(serial)")
        }
        return try BootState(bootctl: listings[0].stdout, efibootmgr: listings[1].stdout, variables: listings[2].stdout)
    }
}

/// Boot variables at one moment, as bootctl lists them, as efibootmgr lists them, and the raw
/// efivarfs files (attributes + data).
struct BootState {
    let bootctl: BootListing
    let efibootmgr: BootListing
    let variables: [String: [UInt8]]

    init(bootctl json: String, efibootmgr text: String, variables dump: String) throws {
        bootctl = try BootListing(bootctlJSON: json)
        efibootmgr = BootListing(efibootmgr: text)
        var variables: [String: [UInt8]] = [:]
        for line in dump.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2 else { throw TestFailure("unexpected variable dump line: \(line)") }
            variables[String(fields[0])] = try hexBytes(fields[1])
        }
        self.variables = variables
    }

    /// BootCurrent, BootNext, BootOrder, Timeout and the entries' numbers, labels and active flags
    /// decoded from the raw variables.
    var raw: BootListing {
        func words(_ name: String) -> [String] {
            guard let bytes = variables[name], bytes.count >= 4 else { return [] }
            return stride(from: 4, to: bytes.count - 1, by: 2).map {
                hex4(UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8)
            }
        }
        var entries: [String: BootListing.Entry] = [:]
        for (name, bytes) in variables where name.count == 8 && UInt16(name.dropFirst(4), radix: 16) != nil {
            guard bytes.count >= 10 else { continue }
            let units = stride(from: 10, to: bytes.count - 1, by: 2).lazy.map {
                UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8
            }.prefix { $0 != 0 }
            entries[String(name.dropFirst(4))] = BootListing.Entry(
                active: bytes[4] & 1 == 1, label: String(decoding: Array(units), as: UTF16.self), devicePath: nil)
        }
        return BootListing(
            current: words("BootCurrent").first, next: words("BootNext").first,
            timeout: words("Timeout").first
                .flatMap { Int($0, radix: 16) }, order: words("BootOrder"), entries: entries)
    }
}

/// The part of a boot configuration every reader shows. Entry numbers are four upper-case hex digits.
struct BootListing: Equatable {
    struct Entry: Equatable {
        var active: Bool
        var label: String
        /// Device path text and load options as `efibootmgr -v` shows them, in one notation (see
        /// ``normalizedDevicePath(_:)``); nil where not decoded.
        var devicePath: String?
    }

    var current: String?
    var next: String?
    var timeout: Int?
    var order: [String]
    /// By number (0003 for Boot0003).
    var entries: [String: Entry]

    /// Without device paths, to compare with what ``BootState/raw`` decodes.
    var withoutDevicePaths: BootListing {
        var copy = self
        for name in copy.entries.keys { copy.entries[name]?.devicePath = nil }
        return copy
    }

    init(current: String?, next: String?, timeout: Int?, order: [String], entries: [String: Entry]) {
        self.current = current
        self.next = next
        self.timeout = timeout
        self.order = order
        self.entries = entries
    }

    /// `bootctl list --json=short`.
    init(bootctlJSON json: String) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw TestFailure("bootctl list printed no JSON object: \(json)")
        }
        current = object["BootCurrent"] as? String
        next = object["BootNext"] as? String
        timeout = object["Timeout"] as? Int
        order = object["BootOrder"] as? [String] ?? []
        var entries: [String: Entry] = [:]
        for entry in object["entries"] as? [[String: Any]] ?? [] {
            guard let name = entry["name"] as? String else { continue }
            entries[String(name.dropFirst("Boot".count))] = Entry(
                active: entry["active"] as? Bool ?? false, label: entry["description"] as? String ?? "",
                devicePath: normalizedDevicePath(
                    (entry["device_path"] as? String ?? "")
                        + (try efibootmgrOptionalData(entry["optional_data"] as? String ?? ""))))
        }
        self.entries = entries
    }

    /// `efibootmgr -v` (efibootmgr 17).
    init(efibootmgr text: String) {
        var entries: [String: Entry] = [:]
        var current: String?
        var next: String?
        var timeout: Int?
        var order: [String] = []
        for line in text.split(separator: "\n").map(String.init) {
            if let value = line.value(after: "BootCurrent: ") {
                current = value
            } else if let value = line.value(after: "BootNext: ") {
                next = value
            } else if let value = line.value(after: "Timeout: ") {
                timeout = Int(value.prefix { $0.isNumber })
            } else if let value = line.value(after: "BootOrder: ") {
                order = value.split(separator: ",").map(String.init)
            } else if line.count > 9, line.hasPrefix("Boot"), UInt16(line.dropFirst(4).prefix(4), radix: 16) != nil {
                let number = String(line.dropFirst(4).prefix(4))
                let rest = line.dropFirst(10)
                let (label, path) =
                    rest.firstIndex(of: "\t").map { (rest[..<$0], rest[rest.index(after: $0)...]) }
                    ?? (rest, "")
                entries[number] = Entry(
                    active: line.dropFirst(8).first == "*", label: String(label),
                    devicePath: normalizedDevicePath(String(path)))
            }
        }
        self.init(current: current, next: next, timeout: timeout, order: order, entries: entries)
    }
}

/// Device path text in one spelling for EDK2's (bootctl) and libefivar's (efibootmgr) notation:
/// lower case, libefivar's `File(PATH)` nodes as EDK2's bare `PATH`, `FvVol(` as `Fv(`.
func normalizedDevicePath(_ text: String) -> String {
    var text = text.lowercased().replacingOccurrences(of: "fvvol(", with: "fv(")
    for prefix in ["/file(", "file("] {
        while let start = text.range(of: prefix), start.lowerBound == text.startIndex || prefix.hasPrefix("/"),
            let end = text[start.upperBound...].firstIndex(of: ")")
        {
            let separator = prefix.hasPrefix("/") ? "/" : ""
            text =
                text[..<start.lowerBound] + separator + text[start.upperBound..<end] + text[text.index(after: end)...]
        }
    }
    return text
}

/// Load options as efibootmgr 17 prints them after the device path: each byte, `.` when not printable ASCII.
func efibootmgrOptionalData(_ hex: String) throws -> String {
    String(try hexBytes(Substring(hex)).map { (0x20...0x7E).contains($0) ? Character(UnicodeScalar($0)) : "." })
}

func hex4(_ number: UInt16) -> String {
    let digits = String(number, radix: 16).uppercased()
    return String(repeating: "0", count: 4 - digits.count) + digits
}

func hexBytes(_ text: Substring) throws -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2, limitedBy: text.endIndex) ?? text.endIndex
        guard let byte = UInt8(text[index..<next], radix: 16) else { throw TestFailure("not hex: \(text)") }
        bytes.append(byte)
        index = next
    }
    return bytes
}

extension String {
    /// The rest of the line after `prefix`, or nil when it does not start with it.
    fileprivate func value(after prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
