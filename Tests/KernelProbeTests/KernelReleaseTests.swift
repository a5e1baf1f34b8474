import BinaryIO
import Foundation
import PEKit
import SystemPackage
import TestSupport
import Testing

@testable import KernelProbe

@Suite struct KernelReleaseTests {
    @Test func parsesTheSetupHeaderVersionString() {
        #expect(
            KernelRelease.parseVersionString(Array("6.1.0-13-amd64 (debian-kernel@lists.debian.org) #1 SMP".utf8))
                == "6.1.0-13-amd64")
        #expect(KernelRelease.parseVersionString(Array("6.1.0 (x) #1".utf8)) == "6.1.0")
        #expect(KernelRelease.parseVersionString(Array("6.1.0-13-amd64".utf8)) == nil)
        #expect(KernelRelease.parseVersionString(Array("garbage (with space) #1".utf8)) == nil)
        #expect(KernelRelease.parseVersionString([]) == nil)
    }

    /// A bzImage-like header: "HdrS" at 0x202, version pointer at 0x20E.
    private func setupHeader(pointer: UInt16, string: String?, size: Int = 0x1000) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: size)
        bytes[0] = 0x4D
        bytes[1] = 0x5A
        bytes.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
        bytes[0x20E] = UInt8(pointer & 0xFF)
        bytes[0x20F] = UInt8(pointer >> 8)
        if let string {
            let start = 0x200 + Int(pointer)
            bytes.replaceSubrange(start..<(start + string.utf8.count), with: Array(string.utf8))
        }
        return bytes
    }

    @Test func readsAnX86SetupHeader() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "bzImage", setupHeader(pointer: 0x300, string: "6.6.9-arch1-1 (linux@archlinux) #1 SMP PREEMPT\0"))
        #expect(try KernelRelease.detect(in: ReadableFile(path: FilePath(path))) == "6.6.9-arch1-1")
    }

    @Test(arguments: [
        ("no pointer", UInt16(0), String?.none),
        ("pointer past the end", UInt16(0xF000), nil),
        ("pointer at garbage", UInt16(0x300), "\u{1}\u{2}\u{3} not a version"),
    ])
    func lyingSetupHeadersAreErrors(label: String, pointer: UInt16, string: String?) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("bzImage", setupHeader(pointer: pointer, string: string))
        #expect(label.isEmpty == false)
        #expect { _ = try KernelRelease.detect(in: ReadableFile(path: FilePath(path))) } throws: { error in
            (error as? PEError)?.code == .kernelReleaseNotFound && (error as? PEError)?.path == path
        }
    }

    @Test func truncatedKernelIsAnError() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("bzImage", Array(setupHeader(pointer: 0x300, string: nil).prefix(0x100)))
        #expect { _ = try KernelRelease.detect(in: ReadableFile(path: FilePath(path))) } throws: { error in
            (error as? PEError)?.code == .kernelReleaseNotFound
        }
    }

    /// An ELF object with a linux_banner in .rodata, compiled by the system C compiler.
    @Test func readsAnELFBannerThroughLibelf() throws {
        let directory = try TemporaryDirectory()
        let source = try directory.write(
            "banner.c",
            """
            const char linux_banner[] = "Linux version 6.12.7-test+ (builder@host) (gcc) #1 SMP PREEMPT_DYNAMIC\\n";
            const char *use(void) { return linux_banner; }
            """)
        let object = directory.file("vmlinux.o")
        let compile = try run("cc", ["-c", "-O0", "-o", object, source])
        #expect(compile.status == 0, "\(compile.stderr)")
        #expect(try KernelRelease.detect(in: ReadableFile(path: FilePath(object))) == "6.12.7-test+")
    }

    @Test func realDebianKernel() throws {
        let kernel = try TestPaths.debianKernel()
        #expect(try KernelRelease.detect(in: ReadableFile(path: FilePath(kernel.vmlinuz))) == kernel.release)
    }
}

@Suite struct KernelReleaseScanTests {
    /// An arm64-style Image: "MZ", no setup header, the banner somewhere past the first MiB window.
    @Test func scansOtherKernelsForTheBanner() throws {
        let directory = try TemporaryDirectory()
        var bytes = [UInt8](repeating: 0x41, count: (1 << 20) + 4096)
        bytes[0] = 0x4D
        bytes[1] = 0x5A
        let banner = Array("Linux version 6.12.1-arm64 (builder@host) (gcc) #1 SMP\0".utf8)
        let start = (1 << 20) - 20
        bytes.replaceSubrange(start..<(start + banner.count), with: banner)
        let path = try directory.write("Image", bytes)
        #expect(try KernelRelease.detect(in: ReadableFile(path: FilePath(path))) == "6.12.1-arm64")
    }

    @Test func aKernelWithoutABannerIsAnError() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("Image.gz", [0x1F, 0x8B] + [UInt8](repeating: 0x55, count: 5000))
        #expect { _ = try KernelRelease.detect(in: ReadableFile(path: FilePath(path))) } throws: { error in
            (error as? PEError)?.code == .kernelReleaseNotFound && "\(error)".contains("--uname")
        }
    }
}
