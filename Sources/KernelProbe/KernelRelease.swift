import BinaryIO
internal import CElf
import Glibc
import PEKit

/// Finds a Linux kernel's release string (`uname -r`) in a kernel image.
///
/// * x86 bzImage: the real-mode setup header ("HdrS" at 0x202) holds at 0x20E a pointer to the
///   version string, which lives at that value + 0x200 and reads
///   `<release> (<builder>) #<build> ...` (Linux Documentation/arch/x86/boot.rst).
/// * ELF vmlinux: the `linux_banner` in `.rodata`, `Linux version <release> (`, found through libelf.
/// * Anything else (an uncompressed arm64 or riscv `Image`): the same banner, by a streamed scan of
///   the whole file (ukify's `scrape_generic`, without decompression).
///
/// A kernel where none of these finds the release, or a header that points at something that is
/// not a version string, is an error: a guessed release would silently break addon matching and
/// `.uname` measurements.
public enum KernelRelease {
    public static func detect(in file: ReadableFile) throws -> String {
        try withPEErrors(path: file.path.string) {
            let magic = try file.read(at: 0, count: min(4, file.size), field: "kernel magic")
            if file.size >= 0x210, try file.read(at: 0x202, count: 4, field: "setup header magic") == Array("HdrS".utf8)
            {
                return try fromSetupHeader(file)
            }
            if magic == [0x7F, 0x45, 0x4C, 0x46] {
                return try fromELF(file)
            }
            return try scanningWholeFile(file)
        }
    }

    private static func fromSetupHeader(_ file: ReadableFile) throws -> String {
        var reader = ByteReader(try file.read(at: 0x20E, count: 2, field: "kernel_version"), baseOffset: 0x20E)
        let pointer = Int(try reader.readUInt16(field: "kernel_version"))
        guard pointer != 0 else {
            throw PEError(
                .kernelReleaseNotFound, field: "kernel_version", offset: 0x20E,
                detail: "the setup header has no version string")
        }
        let start = 0x200 + pointer
        guard start < file.size else {
            throw PEError(
                .kernelReleaseNotFound, field: "kernel_version", offset: 0x20E,
                detail: "points at \(hex(start)), beyond the end of the file")
        }
        let text = try file.read(at: start, count: min(128, file.size - start), field: "kernel version string").prefix {
            $0 != 0
        }
        guard let release = parseVersionString(Array(text)) else {
            throw PEError(
                .kernelReleaseNotFound, field: "kernel version string", offset: start,
                detail: "'\(String(decoding: text.prefix(64), as: UTF8.self))' is not '<release> (<builder>) #...'")
        }
        return release
    }

    /// `<release> (<builder>) #...` → release; release characters `[a-z0-9._-]` (ukify's VERSION_PATTERN).
    static func parseVersionString(_ text: [UInt8]) -> String? {
        let releaseBytes = text.prefix { byte in
            (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        var rest = text.dropFirst(releaseBytes.count)
        guard !releaseBytes.isEmpty, rest.starts(with: Array(" (".utf8)) else { return nil }
        rest = rest.dropFirst(2)
        let builder = rest.prefix { $0 != 0x20 && $0 != 0x29 }
        rest = rest.dropFirst(builder.count)
        guard !builder.isEmpty, rest.starts(with: Array(") #".utf8)) else { return nil }
        return String(decoding: releaseBytes, as: UTF8.self)
    }

    /// `Linux version <release> (` in a buffer, release starting with `<digit>.` (ukify's TEXT_PATTERN).
    static func findBanner(in bytes: UnsafeRawBufferPointer) -> String? {
        let prefix = Array("Linux version ".utf8)
        guard bytes.count > prefix.count else { return nil }
        var index = 0
        while index + prefix.count < bytes.count {
            if bytes[index] == prefix[0], prefix.indices.allSatisfy({ bytes[index + $0] == prefix[$0] }) {
                var end = index + prefix.count
                while end < bytes.count, bytes[end] > 0x20, bytes[end] < 0x7F { end += 1 }
                let release = Array(bytes[(index + prefix.count)..<end])
                if release.count >= 3, (0x30...0x39).contains(release[0]), release[1] == 0x2E,
                    end + 1 < bytes.count, bytes[end] == 0x20, bytes[end + 1] == 0x28
                {
                    return String(decoding: release, as: UTF8.self)
                }
            }
            index += 1
        }
        return nil
    }

    /// The banner anywhere in the file, read in 1 MiB windows that overlap by more than a banner's length.
    private static func scanningWholeFile(_ file: ReadableFile) throws -> String {
        let window = 1 << 20
        let overlap = 512
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: window, alignment: 16)
        defer { buffer.deallocate() }
        var offset = 0
        while offset < file.size {
            let count = min(window, file.size - offset)
            try file.readFully(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]), at: offset)
            if let release = findBanner(in: UnsafeRawBufferPointer(rebasing: buffer[0..<count])) {
                return release
            }
            guard offset + count < file.size else { break }
            offset += count - overlap
        }
        throw PEError(
            .kernelReleaseNotFound,
            detail:
                "no x86 setup header, no ELF banner and no 'Linux version' string (compressed kernel?); pass --uname")
    }

    private static func fromELF(_ file: ReadableFile) throws -> String {
        guard elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE) else {
            throw PEError(.kernelReleaseNotFound, detail: "libelf: \(String(cString: elf_errmsg(-1)))")
        }
        let descriptor = open(file.path.string, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw PEError(.io, detail: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard let elf = elf_begin(descriptor, ELF_C_READ_MMAP, nil) else {
            throw PEError(.kernelReleaseNotFound, detail: "libelf: \(String(cString: elf_errmsg(-1)))")
        }
        defer { elf_end(elf) }
        var stringSection = 0
        guard elf_getshdrstrndx(elf, &stringSection) == 0 else {
            throw PEError(.kernelReleaseNotFound, detail: "libelf: \(String(cString: elf_errmsg(-1)))")
        }
        var section = elf_nextscn(elf, nil)
        while let current = section {
            var header = GElf_Shdr()
            if gelf_getshdr(current, &header) != nil, header.sh_type == UInt32(SHT_PROGBITS),
                let name = elf_strptr(elf, stringSection, Int(header.sh_name)), String(cString: name) == ".rodata",
                let data = elf_getdata(current, nil), let buffer = data.pointee.d_buf
            {
                if let release = findBanner(in: UnsafeRawBufferPointer(start: buffer, count: data.pointee.d_size)) {
                    return release
                }
            }
            section = elf_nextscn(elf, current)
        }
        throw PEError(.kernelReleaseNotFound, detail: "no 'Linux version <release> (' banner in .rodata; pass --uname")
    }
}
