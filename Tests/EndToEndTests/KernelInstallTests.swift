import Foundation
import TestSupport
import Testing

/// The package's kernel-install plugin (`make deb`'s tree, usr/lib/kernel/install.d/60-bootchain.install)
/// driven by Debian's kernel-install with only that plugin, a configuration root of its own and a staged
/// ESP as BOOT_ROOT: `add` builds a UKI signed for Secure Boot with a signed PCR 11 policy and installs it
/// with boot counting; it boots under Secure Boot in OVMF with the PCR 11 `measure` predicts; `remove`
/// removes it; a later 90-uki-copy.install is left the copy; with another uki_generator, or another
/// layout, nothing happens.
@Suite(.serialized) struct KernelInstallTests {
    static let entryToken = "bootchain-test"
    static let kernelVersion = "6.1.0-bootchain-test"

    /// A kernel-install setup: configuration root, staged ESP, and what kernel-install is run with.
    struct Setup {
        let directory: TemporaryDirectory
        let keys: SecureBootTests.Keys
        let conf: String
        let esp: String
        let kernel: String
        let initrd: String
        let marker: String

        init(installConf: String) throws {
            directory = try TemporaryDirectory()
            keys = try SecureBootTests.Keys(directory)
            conf = directory.file("conf")
            esp = directory.file("esp")
            for path in [conf, esp] {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            }
            kernel = try TestPaths.debianKernel().vmlinuz
            marker = "BOOTCHAIN-KERNEL-INSTALL-\(UInt32.random(in: 0...UInt32.max))"
            initrd = try makeBusyboxInitrd(in: directory, marker: marker)
            let pcrKeys = TestPaths.fixture("measure")
            _ = try directory.write("conf/install.conf", installConf)
            _ = try directory.write("conf/entry-token", "\(KernelInstallTests.entryToken)\n")
            _ = try directory.write("conf/cmdline", "console=ttyS0 panic=-1\n  bootchain.test=kernel-install\n")
            _ = try directory.write("conf/tries", "3\n")
            let ukiConf = """
                [UKI]
                OSRelease=ID=bootchain-test
                SBAT=sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md
                    bootchain-test,1,bootchain,bootchain-test,1,https://example.invalid/
                SecureBootPrivateKey=\(directory.file("db.key"))
                SecureBootCertificate=\(directory.file("db.crt"))

                [PCRSignature:initrd]
                PCRPrivateKey=\(pcrKeys)/pcr-priv.pem
                PCRPublicKey=\(pcrKeys)/pcr-pub.pem
                Phases=: enter-initrd

                """
            _ = try directory.write("conf/uki.conf", ukiConf)
        }

        /// Debian's kernel-install with the package's plugin (and `later` plugins) and the package's
        /// tools first on PATH.
        func kernelInstall(_ arguments: [String], later: [String] = []) throws -> ProcessResult {
            let plugin = TestPaths.installedTree + "/usr/lib/kernel/install.d/60-bootchain.install"
            guard FileManager.default.isExecutableFile(atPath: plugin) else {
                throw TestFailure("\(plugin) is missing: run make deb (scripts/test.sh runs it)")
            }
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            return try run(
                "/usr/bin/kernel-install", ["--verbose"] + arguments,
                environment: [
                    "KERNEL_INSTALL_CONF_ROOT": conf, "BOOT_ROOT": esp,
                    "KERNEL_INSTALL_PLUGINS": ([plugin] + later).joined(separator: " "),
                    "MACHINE_ID": "0123456789abcdef0123456789abcdef",
                    "PATH": TestPaths.installedTree + "/usr/bin:" + path,
                ])
        }

        func ukis() throws -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: esp + "/EFI/Linux"))?.sorted() ?? []
        }
    }

    @Test func addBuildsASignedCountedUKIThatBootsAndRemoveRemovesIt() throws {
        let setup = try Setup(installConf: "layout=uki\nuki_generator=bootchain\n")
        let add = try setup.kernelInstall(["add", Self.kernelVersion, setup.kernel, setup.initrd])
        #expect(add.status == 0, "\(add.stdout)\(add.stderr)")
        let name = "\(Self.entryToken)-\(Self.kernelVersion)+3-0.efi"
        #expect(try setup.ukis() == [name])
        let uki = setup.esp + "/EFI/Linux/" + name

        let ukify = TestPaths.installedTool("ukify")
        let verify = try run(ukify, ["verify", "--cert=\(setup.directory.file("db.crt"))", uki])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let inspect = try run(ukify, ["inspect", "--json=short", uki])
        for section in [".pcrsig", ".pcrpkey", ".sbat", ".uname"] {
            #expect(inspect.stdout.contains("\"\(section)\""), "\(section) missing: \(inspect.stdout)")
        }
        #expect(inspect.stdout.contains(Self.kernelVersion))
        #expect(inspect.stdout.contains("bootchain-test,1,bootchain"))
        let predicted = try run(
            TestPaths.installedTool("measure"),
            ["calculate", "--uki=\(uki)", "--bank=sha256", "--phase=", "--json=short"])
        let hash = try #require(
            (try JSONSerialization.jsonObject(with: Data(predicted.stdout.utf8)) as? [String: [[String: Any]]])?[
                "sha256"]?.first?["hash"] as? String, "\(predicted.stderr)")

        let vm = FirmwareVM(directory: setup.directory)
        let log = try vm.boot(esp: try vm.makeESP(uki: uki), secureBootVars: setup.keys.vars)
        #expect(log.contains(setup.marker), "serial log:\n\(log)")
        #expect(reported("SECUREBOOT", in: log) == "1")
        // The cmdline file's words, one space apart (the entry token is not the machine ID: no systemd.machine_id=).
        #expect(reported("CMDLINE", in: log) == "console=ttyS0 panic=-1 bootchain.test=kernel-install")
        #expect(reported("PCR11", in: log)?.lowercased() == hash)

        let remove = try setup.kernelInstall(["remove", Self.kernelVersion])
        #expect(remove.status == 0, "\(remove.stdout)\(remove.stderr)")
        #expect(try setup.ukis() == [])
    }

    /// With systemd's 90-uki-copy.install after it (systemd 254+; here a stand-in that copies the staged
    /// uki.efi as that plugin does), the plugin only builds the UKI and leaves the copy to it.
    @Test func aLaterUKICopyPluginInstallsTheStagedUKI() throws {
        let setup = try Setup(installConf: "layout=uki\nuki_generator=bootchain\n")
        let copier = try setup.directory.write(
            "90-uki-copy.install",
            """
            #!/bin/sh
            [ "$1" = add ] || exit 0
            mkdir -p "$KERNEL_INSTALL_BOOT_ROOT/EFI/Linux"
            cp "$KERNEL_INSTALL_STAGING_AREA/uki.efi" "$KERNEL_INSTALL_BOOT_ROOT/EFI/Linux/copied-$2.efi"

            """)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copier)
        let add = try setup.kernelInstall(["add", Self.kernelVersion, setup.kernel, setup.initrd], later: [copier])
        #expect(add.status == 0, "\(add.stdout)\(add.stderr)")
        #expect(try setup.ukis() == ["copied-\(Self.kernelVersion).efi"])
        let verify = try run(
            TestPaths.installedTool("ukify"),
            ["verify", "--cert=\(setup.directory.file("db.crt"))", setup.esp + "/EFI/Linux/" + (try setup.ukis()[0])])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test(arguments: ["layout=uki\nuki_generator=ukify\n", "layout=uki\n", "layout=bls\nuki_generator=bootchain\n"])
    func otherwiseItDoesNothing(installConf: String) throws {
        let setup = try Setup(installConf: installConf)
        let add = try setup.kernelInstall(["add", Self.kernelVersion, setup.kernel, setup.initrd])
        #expect(add.status == 0, "\(add.stdout)\(add.stderr)")
        #expect(try setup.ukis() == [])
    }
}
