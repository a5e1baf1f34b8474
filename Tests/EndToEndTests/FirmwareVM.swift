import Foundation
import TestSupport

/// Boots an ESP image in QEMU with OVMF and an swtpm TPM 2.0 (shared/specs/firmware-testing.md)
/// and returns what the guest printed on its serial console.
struct FirmwareVM {
    static let ovmfCode = "/usr/share/OVMF/OVMF_CODE_4M.fd"
    static let ovmfSecureBootCode = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
    static let ovmfVars = "/usr/share/OVMF/OVMF_VARS_4M.fd"
    /// What OVMF prints when Secure Boot refuses an image (BdsDxe), after which it waits forever.
    static let refusals = ["Access Denied", "Security Violation"]

    /// KVM only when a real KVM module is loaded; the paravirtual /dev/kvm of these machines cannot run OVMF.
    static var accelerator: String {
        let modules = ["kvm_intel", "kvm_amd"].filter { FileManager.default.fileExists(atPath: "/sys/module/\($0)") }
        return modules.isEmpty ? "tcg" : "kvm"
    }

    let directory: TemporaryDirectory
    /// The ESP partition of ``makeGPTDisk()``.
    var espSize = 64 << 20

    /// A FAT ESP holding `uki` as the removable-media fallback \EFI\BOOT\BOOTX64.EFI.
    func makeESP(uki: String) throws -> String {
        let image = directory.file("esp.img")
        try check(run("mkfs.vfat", ["-C", image, "65536"]))
        try check(run("mmd", ["-i", image, "::/EFI", "::/EFI/BOOT"]))
        try check(run("mcopy", ["-i", image, uki, "::/EFI/BOOT/BOOTX64.EFI"]))
        return image
    }

    /// A GPT disk image with one ESP partition (fixed PARTUUID, LBA 2048, ``espSize``), empty until
    /// ``fillESP(disk:from:)`` puts a FAT file system on it.
    func makeGPTDisk() throws -> String {
        let disk = directory.file("disk.img")
        let layout = """
            label: gpt
            label-id: 5D1C0A3E-7B2F-4E8A-9C61-2B4F7A9D0E13

            start=2048, size=\(espSize / 512), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=0F6B3A52-9E1D-4C7B-8A25-6D3E1F4B9C70, name="esp"
            """
        try makeGPTImage(disk, size: "\(Self.espOffset + espSize + (1 << 20))", layout: layout)
        return disk
    }

    static let espOffset = 2048 * 512

    /// Writes a fresh FAT file system holding the files under `staging` into the disk's ESP.
    func fillESP(disk: String, from staging: String) throws {
        let fat = directory.file("esp-partition.img")
        try? FileManager.default.removeItem(atPath: fat)
        try check(run("mkfs.vfat", ["-C", fat, "\(espSize / 1024)"]))
        try check(run("/bin/sh", ["-c", "cd \"$2\" && mcopy -s -i \"$1\" ./* ::/", "sh", fat, staging]))
        try check(
            run(
                "dd",
                [
                    "if=\(fat)", "of=\(disk)", "bs=1M", "seek=\(Self.espOffset)", "oflag=seek_bytes", "conv=notrunc",
                    "status=none",
                ]))
    }

    /// mtools' name for the ESP inside a ``makeGPTDisk()`` image.
    private static func espImage(_ disk: String) -> String { "\(disk)@@\(espOffset)" }

    /// Copies a host file into the ESP of a ``makeGPTDisk()`` image as `target` (e.g. `/dir/name`), replacing it.
    func copyIntoESP(disk: String, file: String, to target: String) throws {
        try check(run("mcopy", ["-o", "-i", Self.espImage(disk), file, "::" + target]))
    }

    /// Copies a file or directory (recursively) of the ESP of a ``makeGPTDisk()`` image into `destination`.
    func copyFromESP(disk: String, path: String, to destination: String) throws {
        try check(run("mcopy", ["-s", "-n", "-o", "-i", Self.espImage(disk), "::" + path, destination]))
    }

    /// The names in a directory of the ESP of a ``makeGPTDisk()`` image.
    func listESP(disk: String, directory: String) throws -> [String] {
        let result = try run("mdir", ["-b", "-i", Self.espImage(disk), "::" + directory])
        try check(result)
        return result.stdout.split(separator: "\n").map { String($0.split(separator: "/").last ?? $0) }
    }

    /// Boots until the guest powers off, or the firmware prints a Secure Boot refusal, and returns the
    /// serial log. `secureBootVars`: a varstore with enrolled keys, booted with the Secure Boot (SMM) build.
    /// `persistentVars`: a varstore the firmware uses in place, so its changes (BootNext consumed)
    /// carry over to the next boot. `persistentDisk`: the guest writes `esp` in place (no snapshot), so its
    /// files carry over. `network`: a guestfwd rule (see ``LoopbackHTTPServer/qemuNetwork``).
    func boot(
        esp: String?, secureBootVars: String? = nil, persistentVars: String? = nil, persistentDisk: Bool = false,
        network: [String] = [], timeout: TimeInterval = 300
    ) throws -> String {
        let code = secureBootVars == nil ? Self.ovmfCode : Self.ovmfSecureBootCode
        for file in [code, secureBootVars ?? Self.ovmfVars] where !FileManager.default.fileExists(atPath: file) {
            throw TestFailure("\(file) is missing: install the ovmf package")
        }
        let vars = persistentVars ?? directory.file("vars.fd")
        if persistentVars == nil {
            try? FileManager.default.removeItem(atPath: vars)
            try FileManager.default.copyItem(atPath: secureBootVars ?? Self.ovmfVars, toPath: vars)
        }
        let tpmState = directory.file("tpm")
        try FileManager.default.createDirectory(atPath: tpmState, withIntermediateDirectories: true)
        let socket = tpmState + "/swtpm.sock"
        try? FileManager.default.removeItem(atPath: socket)
        let swtpm = Process()
        swtpm.executableURL = URL(fileURLWithPath: try which("swtpm"))
        swtpm.arguments = [
            "socket", "--tpm2", "--tpmstate", "dir=\(tpmState)", "--ctrl", "type=unixio,path=\(socket)", "--terminate",
        ]
        swtpm.standardOutput = FileHandle.nullDevice
        swtpm.standardError = FileHandle.nullDevice
        try swtpm.run()
        defer { if swtpm.isRunning { swtpm.terminate() } }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket) {
            guard Date() < deadline else { throw TestFailure("swtpm did not create \(socket)") }
            Thread.sleep(forTimeInterval: 0.05)
        }

        let serial = directory.file("serial.log")
        try? FileManager.default.removeItem(atPath: serial)
        let qemu = Process()
        qemu.executableURL = URL(fileURLWithPath: try which("qemu-system-x86_64"))
        let machine =
            secureBootVars == nil
            ? ["q35,accel=\(Self.accelerator)"]
            : ["q35,accel=\(Self.accelerator),smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on"]
        qemu.arguments =
            ["-machine"] + machine + [
                "-cpu", "max", "-m", "1024", "-smp", "1", "-nodefaults",
                "-display", "none", "-no-reboot",
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=\(code)",
                "-drive", "if=pflash,format=raw,unit=1,file=\(vars)",
            ]
            + (esp.map {
                [
                    "-drive", "file=\($0),format=raw,if=none,id=esp" + (persistentDisk ? "" : ",snapshot=on"),
                    "-device", "virtio-blk-pci,drive=esp",
                ]
            } ?? []) + network + [
                "-chardev", "file,id=ser0,path=\(serial)", "-serial", "chardev:ser0",
                "-chardev", "socket,id=chrtpm,path=\(socket)", "-tpmdev", "emulator,id=tpm0,chardev=chrtpm",
                "-device", "tpm-tis,tpmdev=tpm0",
            ]
        qemu.standardOutput = FileHandle.nullDevice
        let errorLog = directory.file("qemu.stderr")
        _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
        qemu.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorLog))
        try qemu.run()
        let stop = Date().addingTimeInterval(timeout)
        var refused = false
        while qemu.isRunning && Date() < stop && !refused {
            Thread.sleep(forTimeInterval: 0.2)
            refused = Self.refusals.contains(where: log(serial).contains)
        }
        if qemu.isRunning {
            kill(qemu.processIdentifier, SIGKILL)
            let grace = Date().addingTimeInterval(10)
            while qemu.isRunning && Date() < grace { Thread.sleep(forTimeInterval: 0.1) }
            if refused { return log(serial) }
            throw TestFailure("the VM did not power off within \(Int(timeout)) s; serial log:\n\(log(serial))")
        }
        guard qemu.terminationStatus == 0 else {
            throw TestFailure(
                "qemu exited with \(qemu.terminationStatus): \(log(errorLog))\nserial log:\n\(log(serial))")
        }
        return log(serial)
    }

    private func log(_ path: String) -> String {
        String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data(), as: UTF8.self)
    }
}

/// A busybox initrd whose /init prints a marker, /proc/cmdline, the file /extra (when a second
/// initrd supplies it), PCR 11 (sha256) read through the kernel's TPM driver, the SecureBoot
/// variable (through the kernel package's efivarfs module) and the lockdown mode, then powers off.
func makeBusyboxInitrd(in directory: TemporaryDirectory, marker: String) throws -> String {
    try makeBusyboxInitrd(
        in: directory, modules: ["efivarfs"],
        script: """
            echo "\(marker)"
            echo "CMDLINE=[$(cat /proc/cmdline)]"
            echo "EXTRA=[$(cat /extra 2>/dev/null)]"
            echo "PCR11=[$(cat /sys/class/tpm/tpm0/pcr-sha256/11 2>/dev/null)]"
            mount -t efivarfs efivarfs /sys/firmware/efi/efivars
            mount -t securityfs securityfs /sys/kernel/security
            sb=/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c
            echo "SECUREBOOT=[$(cat $sb | od -An -tu1 | awk '{ print $NF }')]"
            echo "LOCKDOWN=[$(cat /sys/kernel/security/lockdown 2>/dev/null)]"
            echo "BOOTCURRENT=[$(od -An -tx2 /sys/firmware/efi/efivars/BootCurrent-8be4df61-93ca-11d2-aa0d-00e098032b8c | awk '{ print $NF }')]"
            poweroff -f
            """)
}

/// A busybox-static initrd (cpio.gz) whose /init installs busybox's applets, mounts proc, sysfs
/// and devtmpfs, loads `modules` (from the kernel package, dependencies first) and runs `script`.
/// `programs` maps paths in the initrd to host executables, copied stripped with the shared
/// libraries and the dynamic loader `ldd` names (at their host paths).
func makeBusyboxInitrd(
    in directory: TemporaryDirectory, modules: [String], programs: [String: String] = [:], script: String
) throws -> String {
    let root = directory.file("initrd-root")
    for sub in ["bin", "proc", "sys", "dev", "modules"] {
        try FileManager.default.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
    }
    let busybox = "/bin/busybox"
    guard FileManager.default.fileExists(atPath: busybox) else { throw TestFailure("busybox-static is not installed") }
    try FileManager.default.copyItem(atPath: busybox, toPath: root + "/bin/busybox")
    var insmods: [String] = []
    for module in try kernelModules(modules) {
        let name = URL(fileURLWithPath: module).lastPathComponent
        try FileManager.default.copyItem(atPath: module, toPath: root + "/modules/" + name)
        insmods.append("insmod /modules/\(name)")
    }
    for (target, program) in programs.sorted(by: { $0.key < $1.key }) {
        try FileManager.default.createDirectory(
            atPath: root + (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try check(run("strip", ["-o", root + target, program]))
        for library in try sharedLibraries(of: program) where !FileManager.default.fileExists(atPath: root + library) {
            try FileManager.default.createDirectory(
                atPath: root + (library as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: URL(fileURLWithPath: library).resolvingSymlinksInPath().path, toPath: root + library)
        }
    }
    let initScript = """
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        export PATH=/bin:/usr/bin
        mount -t proc proc /proc
        mount -t sysfs sys /sys
        mount -t devtmpfs dev /dev
        \(insmods.joined(separator: "\n"))
        \(script)
        """
    guard
        FileManager.default.createFile(
            atPath: root + "/init", contents: Data(initScript.utf8),
            attributes: [.posixPermissions: 0o755])
    else {
        throw TestFailure("cannot write \(root)/init")
    }
    let output = directory.file("initrd.cpio.gz")
    try check(
        run(
            "/bin/sh",
            ["-c", "cd \"$1\" && find . | cpio -o -H newc --quiet | gzip -n -9 > \"$2\"", "sh", root, output]))
    return output
}

/// The kernel package's module files for `names` and everything they depend on (the `depends=`
/// field of each module's .modinfo), dependencies first; modules built into the kernel are skipped.
func kernelModules(_ names: [String]) throws -> [String] {
    let modules = TestPaths.kernelDirectory + "/lib/modules"
    guard let release = try FileManager.default.contentsOfDirectory(atPath: modules).first else {
        throw TestFailure("no kernel modules under \(modules)")
    }
    let tree = "\(modules)/\(release)"
    func moduleName(_ path: Substring) -> String {
        String(path.split(separator: "/").last ?? path).replacingOccurrences(of: ".ko", with: "")
            .replacingOccurrences(of: "-", with: "_")
    }
    let builtin = Set(
        try String(contentsOfFile: tree + "/modules.builtin", encoding: .utf8).split(separator: "\n").map(moduleName))
    var files: [String: String] = [:]
    for case let path as String in FileManager.default.enumerator(atPath: tree + "/kernel")!
    where path.hasSuffix(".ko") {
        files[moduleName(Substring(path))] = tree + "/kernel/" + path
    }
    var ordered: [String] = []
    func add(_ name: String) throws {
        let name = name.replacingOccurrences(of: "-", with: "_")
        guard let file = files[name] else {
            if builtin.contains(name) { return }
            throw TestFailure("kernel module \(name) is neither in \(tree)/kernel nor built in")
        }
        guard !ordered.contains(file) else { return }
        let info = String(decoding: try readBytes(file), as: UTF8.self)
        let depends = info.range(of: "\0depends=").map { info[$0.upperBound...].prefix { $0 != "\0" } } ?? ""
        for dependency in depends.split(separator: ",") { try add(String(dependency)) }
        ordered.append(file)
    }
    for name in names { try add(name) }
    return ordered
}

/// The shared libraries and the dynamic loader `ldd` lists for `program` (absolute host paths).
func sharedLibraries(of program: String) throws -> [String] {
    let result = try run("ldd", [program])
    try check(result)
    return result.stdout.split(separator: "\n").compactMap { line in
        line.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("/") }.map(String.init)
    }
}

/// UKIs A and B built by our ukify from Debian's kernel and `initrd`; they differ only in their
/// command line (`bootchain.slot=A|B`), which the guest can print.
func makeSlotUKIs(in directory: TemporaryDirectory, initrd: String) throws -> (a: String, b: String) {
    let kernel = try TestPaths.debianKernel()
    let osrel = try directory.write("os-release", "ID=bootchain-test\nPRETTY_NAME=\"bootchain test\"\n")
    var ukis: [String] = []
    for slot in ["A", "B"] {
        let uki = directory.file("uki-\(slot).efi")
        try check(
            run(
                TestPaths.ukify,
                [
                    "build", "--linux=\(kernel.vmlinuz)", "--initrd=\(initrd)", "--os-release=@\(osrel)",
                    "--cmdline=console=ttyS0 panic=-1 quiet bootchain.slot=\(slot)", "-o", uki,
                ]))
        ukis.append(uki)
    }
    return (ukis[0], ukis[1])
}

/// An uncompressed cpio holding one file, /extra.
func makeExtraInitrd(in directory: TemporaryDirectory, text: String) throws -> String {
    let root = directory.file("extra-root")
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    guard FileManager.default.createFile(atPath: root + "/extra", contents: Data(text.utf8)) else {
        throw TestFailure("cannot write \(root)/extra")
    }
    let output = directory.file("extra.cpio")
    try check(run("/bin/sh", ["-c", "cd \"$1\" && echo extra | cpio -o -H newc --quiet > \"$2\"", "sh", root, output]))
    return output
}

/// PCR 11 for the phase before any phase word, from Debian's systemd-measure (v252).
func systemdMeasurePCR11(linux: String, osrel: String, cmdline: String, initrd: String) throws -> String {
    let result = try run(
        "/usr/lib/systemd/systemd-measure",
        [
            "calculate", "--linux=\(linux)", "--osrel=\(osrel)",
            "--cmdline=\(cmdline)", "--initrd=\(initrd)", "--bank=sha256",
            "--phase=", "--json=short",
        ])
    try check(result)
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [[String: Any]]]
    guard let hash = json?["sha256"]?.first?["hash"] as? String else {
        throw TestFailure("unexpected systemd-measure output: \(result.stdout)")
    }
    return hash
}

/// The value between "KEY=[" and the last "]" of that line in the serial log.
func reported(_ key: String, in log: String) -> String? {
    guard let start = log.range(of: "\(key)=[") else { return nil }
    let line = log[start.upperBound...].prefix { $0 != "\n" && $0 != "\r" && $0 != "\r\n" }
    guard let end = line.lastIndex(of: "]") else { return nil }
    return String(line[..<end])
}
