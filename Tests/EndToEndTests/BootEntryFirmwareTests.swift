import Foundation
import TestSupport
import Testing

/// Boot entries written by our bootctl into an OVMF varstore are the ones the firmware boots:
/// in BootOrder's order, BootNext exactly once, an HTTP boot URI, and the A/B slot flow
/// (trial through BootNext, fallback, promotion). Two UKIs A and B differ only in their command
/// line (`bootchain.slot=A|B`), which the guest prints.
@Suite(.serialized) struct BootEntryFirmwareTests {
    /// UKIs A and B whose busybox initrd prints their command line and BootCurrent.
    static func makeUKIs(in directory: TemporaryDirectory) throws -> (a: String, b: String) {
        try makeSlotUKIs(in: directory, initrd: try makeBusyboxInitrd(in: directory, marker: "BOOTCHAIN-ENTRIES"))
    }

    static func bootctl(_ arguments: [String]) throws -> String {
        let result = try run(TestPaths.bootctl, arguments)
        guard result.status == 0 else {
            throw TestFailure("bootctl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Which UKI booted (from its command line) and the BootCurrent the guest read.
    static func booted(
        _ vm: FirmwareVM, disk: String?, vars: String, network: [String] = []
    ) throws -> (
        slot: String?, bootCurrent: String?
    ) {
        let log = try vm.boot(esp: disk, persistentVars: vars, network: network)
        let slot = reported("CMDLINE", in: log)?.split(separator: " ").first { $0.hasPrefix("bootchain.slot=") }
        return (slot.map { String($0.dropFirst("bootchain.slot=".count)) }, reported("BOOTCURRENT", in: log))
    }

    @Test func entriesBootInBootOrderAndBootNextBootsOnce() throws {
        let directory = try TemporaryDirectory()
        let (a, b) = try Self.makeUKIs(in: directory)
        let vm = FirmwareVM(directory: directory)
        let disk = try vm.makeGPTDisk()
        let staging = directory.file("esp")
        try FileManager.default.createDirectory(atPath: staging + "/EFI/Linux", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: a, toPath: staging + "/EFI/Linux/a.efi")
        try FileManager.default.copyItem(atPath: b, toPath: staging + "/EFI/Linux/b.efi")
        try vm.fillESP(disk: disk, from: staging)
        let vars = directory.file("persistent-vars.fd")
        try FileManager.default.copyItem(atPath: FirmwareVM.ovmfVars, toPath: vars)
        let store = ["--varstore=\(vars)"]
        let entryA = try Self.bootctl(
            ["add", "--label=Slot A", "--loader=\\EFI\\Linux\\a.efi", "--disk=\(disk)", "--part=1"] + store)
        let entryB = try Self.bootctl(
            ["add", "--label=Slot B", "--loader=\\EFI\\Linux\\b.efi", "--disk=\(disk)", "--part=1", "--first"] + store)
        #expect([entryA, entryB] == ["Boot0000", "Boot0001"])

        #expect(try Self.booted(vm, disk: disk, vars: vars) == ("B", "0001"))
        _ = try Self.bootctl(["next", entryA] + store)
        #expect(try Self.booted(vm, disk: disk, vars: vars) == ("A", "0000"))
        #expect(!(try Self.bootctl(["list"] + store)).contains("BootNext"), "the firmware consumed BootNext")
        #expect(try Self.booted(vm, disk: disk, vars: vars) == ("B", "0001"))
    }

    @Test func slotTrialFallsBackUntilMarkedGoodThenStaysFirst() throws {
        let directory = try TemporaryDirectory()
        let (a, b) = try Self.makeUKIs(in: directory)
        let vm = FirmwareVM(directory: directory)
        let disk = try vm.makeGPTDisk()
        let staging = directory.file("esp")
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        let vars = directory.file("persistent-vars.fd")
        try FileManager.default.copyItem(atPath: FirmwareVM.ovmfVars, toPath: vars)
        let options = ["--esp=\(staging)", "--staged", "--disk=\(disk)", "--part=1", "--varstore=\(vars)"]

        // The first install is a trial too: it boots once, and only mark-good puts it in BootOrder.
        let entryA = try Self.bootctl(["slot", "install", a] + options)
        try vm.fillESP(disk: disk, from: staging)
        #expect(try Self.booted(vm, disk: disk, vars: vars).slot == "A")
        #expect(try Self.bootctl(["slot", "mark-good", "--slot=a"] + options) == "a")
        let entryB = try Self.bootctl(["slot", "install", b] + options)
        #expect(entryA != entryB)
        try vm.fillESP(disk: disk, from: staging)
        let trial = try Self.booted(vm, disk: disk, vars: vars)
        #expect(trial.slot == "B")
        #expect(trial.bootCurrent.map { "Boot" + $0.uppercased() } == entryB)
        // Not marked good: the firmware consumed BootNext, so the next boot is the known-good A.
        #expect(try Self.booted(vm, disk: disk, vars: vars).slot == "A")

        _ = try Self.bootctl(["slot", "install", b] + options)
        try vm.fillESP(disk: disk, from: staging)
        #expect(try Self.booted(vm, disk: disk, vars: vars).slot == "B")
        #expect(try Self.bootctl(["slot", "mark-good", "--slot=b"] + options) == "b")
        #expect(try Self.booted(vm, disk: disk, vars: vars).slot == "B")
        let status = try Self.bootctl(["slot", "status", "--json=short"] + options)
        #expect(status.hasPrefix("{\"primary\":\"b\","), "\(status)")
    }

    @Test func uriEntryHTTPBootsAUKIServedFromLoopback() throws {
        let directory = try TemporaryDirectory()
        let (a, _) = try Self.makeUKIs(in: directory)
        let served = directory.file("served")
        try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: a, toPath: served + "/os.efi")
        let server = try LoopbackHTTPServer(root: served, directory: directory)
        defer { server.stop() }
        let vars = directory.file("persistent-vars.fd")
        try FileManager.default.copyItem(atPath: FirmwareVM.ovmfVars, toPath: vars)
        let entry = try Self.bootctl(
            ["add-uri", "--label=netboot", "--uri=http://10.0.2.100/os.efi", "--next", "--varstore=\(vars)"])
        let vm = FirmwareVM(directory: directory)
        let result = try Self.booted(vm, disk: nil, vars: vars, network: server.qemuNetwork)
        #expect(result.slot == "A")
        #expect(result.bootCurrent.map { "Boot" + $0.uppercased() } == entry)
        #expect(server.requests().contains("GET /os.efi"), "\(server.requests())")
    }
}

/// Python's http.server on 127.0.0.1 (a free port), reached from the guest only through QEMU's
/// restricted user network: `guestfwd` relays http://10.0.2.100:80 to it, nothing else is
/// reachable (shared/specs/firmware-testing.md).
final class LoopbackHTTPServer {
    let process = Process()
    let port: Int
    let log: String
    let relay: String

    init(root: String, directory: TemporaryDirectory) throws {
        let logPath = directory.file("httpd.log")
        log = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let portFile = directory.file("httpd.port")
        let script = """
            import functools, http.server, sys
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
            server = http.server.HTTPServer(("127.0.0.1", 0), handler)
            open(sys.argv[2], "w").write(str(server.server_address[1]))
            server.serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, root, portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap({ Int($0) }) == nil {
            guard Date() < deadline else {
                throw TestFailure(
                    "the HTTP server did not start: \((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        port = Int(try String(contentsOfFile: portFile, encoding: .utf8))!
        relay = try directory.write(
            "relay.py",
            """
            import os, socket, threading
            upstream = socket.create_connection(("127.0.0.1", \(port)))
            def forward():
                while True:
                    data = os.read(0, 65536)
                    if not data:
                        upstream.shutdown(socket.SHUT_WR)
                        return
                    upstream.sendall(data)
            threading.Thread(target=forward, daemon=True).start()
            while True:
                data = upstream.recv(65536)
                if not data:
                    break
                os.write(1, data)
            """)
    }

    /// QEMU arguments: a virtio NIC without option ROM on a restricted user network whose only
    /// way out is the relay to this server.
    var qemuNetwork: [String] {
        [
            "-netdev", "user,id=n0,restrict=on,ipv6=off,guestfwd=tcp:10.0.2.100:80-cmd:/usr/bin/python3 \(relay)",
            "-device", "virtio-net-pci,netdev=n0,romfile=",
        ]
    }

    func requests() -> String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning { process.terminate() }
    }
}
