import Foundation
import TestSupport
import Testing

/// Our UKIs boot in real UEFI firmware (OVMF, TCG) with the Debian kernel, and the PCR 11 the
/// guest reads from its (swtpm) TPM equals systemd-measure's prediction for the same sections.
/// These tests fail, never skip, when QEMU, OVMF, swtpm or the kernel are missing.
@Suite(.serialized) struct FirmwareBootTests {
    @Test func singleInitrdUKIBootsWithItsCommandLineAndPredictedPCR11() throws {
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let marker = "BOOTCHAIN-E2E-SINGLE-\(UInt32.random(in: 0...UInt32.max))"
        let initrd = try makeBusyboxInitrd(in: directory, marker: marker)
        let cmdline = "console=ttyS0 panic=-1 quiet bootchain.test=single"
        let cmdlineFile = try directory.write("cmdline", cmdline)
        let osrel = try directory.write("os-release", "ID=bootchain-test\nPRETTY_NAME=\"bootchain test\"\n")
        let uki = directory.file("single.efi")
        let build = try run(
            TestPaths.ukify,
            [
                "build", "--linux=\(kernel.vmlinuz)", "--initrd=\(initrd)",
                "--cmdline=\(cmdline)", "--os-release=@\(osrel)", "-o", uki,
            ])
        #expect(build.status == 0, "\(build.stderr)")

        let vm = FirmwareVM(directory: directory)
        let log = try vm.boot(esp: try vm.makeESP(uki: uki))
        #expect(log.contains(marker), "marker missing; serial log:\n\(log)")
        #expect(reported("CMDLINE", in: log) == cmdline)
        let expected = try systemdMeasurePCR11(
            linux: kernel.vmlinuz, osrel: osrel, cmdline: cmdlineFile, initrd: initrd)
        #expect(reported("PCR11", in: log)?.lowercased() == expected)
    }

    @Test func multiInitrdUKIBootsWithBothInitrds() throws {
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let marker = "BOOTCHAIN-E2E-MULTI-\(UInt32.random(in: 0...UInt32.max))"
        let first = try makeBusyboxInitrd(in: directory, marker: marker)
        let second = try makeExtraInitrd(in: directory, text: "from-the-second-initrd")
        let cmdline = "console=ttyS0 panic=-1 quiet bootchain.test=multi"
        let cmdlineFile = try directory.write("cmdline", cmdline)
        let osrel = try directory.write("os-release", "ID=bootchain-test\n")
        let uki = directory.file("multi.efi")
        let build = try run(
            TestPaths.ukify,
            [
                "build", "--linux=\(kernel.vmlinuz)", "--initrd=\(first)", "--initrd=\(second)",
                "--cmdline=@\(cmdlineFile)", "--os-release=@\(osrel)", "-o", uki,
            ])
        #expect(build.status == 0, "\(build.stderr)")

        let vm = FirmwareVM(directory: directory)
        let log = try vm.boot(esp: try vm.makeESP(uki: uki))
        #expect(log.contains(marker), "marker missing; serial log:\n\(log)")
        #expect(reported("EXTRA", in: log) == "from-the-second-initrd")
        #expect(reported("CMDLINE", in: log) == cmdline)
        // The .initrd section as ukify defines it: each file zero-padded to 4 bytes, concatenated.
        let joined = directory.file("joined-initrd")
        try check(
            run(
                "/bin/sh",
                [
                    "-c",
                    "for f in \"$2\" \"$3\"; do cat \"$f\"; s=$(stat -c %s \"$f\"); "
                        + "head -c $(( (4 - s % 4) % 4 )) /dev/zero; done > \"$1\"", "sh", joined, first, second,
                ]))
        let expected = try systemdMeasurePCR11(
            linux: kernel.vmlinuz, osrel: osrel, cmdline: cmdlineFile, initrd: joined)
        #expect(reported("PCR11", in: log)?.lowercased() == expected)
    }

    /// A UKI with .pcrsig and .pcrpkey from our ukify boots, and the PCR 11 the guest reads equals
    /// `measure calculate --uki` (the stub's own rules) for the empty phase path (a busybox initrd
    /// extends no phases), and the embedded signature set covers that value.
    @Test func pcrSignedUKIBootsWithThePCR11MeasurePredicts() throws {
        let directory = try TemporaryDirectory()
        let kernel = try TestPaths.debianKernel()
        let marker = "BOOTCHAIN-E2E-PCRSIG-\(UInt32.random(in: 0...UInt32.max))"
        let initrd = try makeBusyboxInitrd(in: directory, marker: marker)
        let keys = TestPaths.fixture("measure")
        let uki = directory.file("pcrsig.efi")
        let build = try run(
            TestPaths.ukify,
            [
                "build", "--linux=\(kernel.vmlinuz)", "--initrd=\(initrd)",
                "--cmdline=console=ttyS0 panic=-1 quiet bootchain.test=pcrsig",
                "--os-release=ID=bootchain-test", "--pcr-private-key=\(keys)/pcr-priv.pem",
                "--phases=: enter-initrd", "-o", uki,
            ])
        #expect(build.status == 0, "\(build.stderr)")
        let predicted = try run(
            TestPaths.measure, ["calculate", "--uki=\(uki)", "--bank=sha256", "--phase=", "--json=short"])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let hash = try #require(
            (try JSONSerialization.jsonObject(with: Data(predicted.stdout.utf8)) as? [String: [[String: Any]]])?[
                "sha256"]?.first?["hash"] as? String)

        let vm = FirmwareVM(directory: directory)
        let log = try vm.boot(esp: try vm.makeESP(uki: uki))
        #expect(log.contains(marker), "marker missing; serial log:\n\(log)")
        #expect(reported("PCR11", in: log)?.lowercased() == hash)

        let signed = try run(
            TestPaths.measure,
            ["policy-digest", "--uki=\(uki)", "--bank=sha256", "--phase=", "--json=short"])
        let pol = try #require(
            (try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: [[String: Any]]])?[
                "sha256"]?.first?["pol"] as? String)
        let inspect = try run(TestPaths.ukify, ["inspect", uki, "--json=short"])
        #expect(inspect.stdout.contains(pol))
    }
}
