import Foundation
import TestSupport
import Testing

/// Builds from the spec-vector inputs, with extra arguments.
func ukifyBuild(
    _ directory: TemporaryDirectory, output: String = "uki.efi", _ extra: [String] = []
) throws -> ProcessResult {
    try run(
        TestPaths.ukify,
        [
            "build",
            "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))", "--linux=\(TestPaths.fixture("linux.bin"))",
            "--initrd=\(TestPaths.fixture("initrd.bin"))", "--cmdline=@\(TestPaths.fixture("cmdline"))",
            "--os-release=@\(TestPaths.fixture("os-release"))", "--uname=6.1.0-test",
            "--pcrpkey=\(TestPaths.fixture("pcrpkey.pem"))", "--output=\(directory.file(output))",
        ] + extra)
}

func sectionNamesByObjdump(_ path: String) throws -> [String] {
    let result = try run("objdump", ["-h", path])
    #expect(result.status == 0, "\(result.stderr)")
    return result.stdout.split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count >= 7, Int(fields[0]) != nil else { return nil }
        return String(fields[1])
    }
}

@Suite struct UkifyBuildCLITests {
    @Test func objdumpAndPefileAcceptTheOutput() throws {
        let directory = try TemporaryDirectory()
        let result = try ukifyBuild(directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("ukify: warning: \(TestPaths.fixture("linux.bin")): not a PE/EFI image"))
        let path = directory.file("uki.efi")
        let expected = [
            ".text", ".reloc", ".data", ".dynamic", ".rela", ".dynsym", ".sdmagic",
            ".osrel", ".cmdline", ".uname", ".pcrpkey", ".linux", ".initrd", ".sbat",
        ]
        #expect(try sectionNamesByObjdump(path) == expected)

        // Debian's python3-pefile: section names, no warnings beyond the stub's own (its .reloc), and a
        // correct CheckSum.
        let script = """
            import pefile, sys
            pe = pefile.PE(sys.argv[1])
            print(" ".join(s.Name.rstrip(b"\\0").decode() for s in pe.sections))
            print("warnings:", pe.get_warnings())
            print("checksum:", pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum())
            """
        let pefile = try run("/usr/bin/python3", ["-c", script, path])
        #expect(pefile.status == 0, "\(pefile.stderr)")
        let stubWarnings = try run("/usr/bin/python3", ["-c", script, TestPaths.fixture("linuxx64.efi.stub")])
            .stdout.split(separator: "\n")[1]
        #expect(pefile.stdout == expected.joined(separator: " ") + "\n\(stubWarnings)\nchecksum: True\n")
    }

    @Test func inspectJSONDescribesEverySection() throws {
        let directory = try TemporaryDirectory()
        #expect(try ukifyBuild(directory).status == 0)
        let result = try run(TestPaths.ukify, ["inspect", "--json=short", directory.file("uki.efi")])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: Any]])
        let linux = try #require(json[".linux"])
        #expect(linux["size"] as? Int == 10000)
        let sha = try run("sha256sum", [TestPaths.fixture("linux.bin")]).stdout.prefix(64)
        #expect(linux["sha256"] as? String == String(sha))
        #expect(
            json[".cmdline"]?["text"] as? String
                == String(decoding: try readBytes(TestPaths.fixture("cmdline")), as: UTF8.self))
        // ukify's default set: the UKI's sections, not the stub's code.
        #expect(json[".text"] == nil && json[".sbat"]?["text"] != nil && json["_profiles"] == nil)
        let all = try run(TestPaths.ukify, ["inspect", "--json=short", "--all", directory.file("uki.efi")])
        #expect(all.stdout.hasPrefix("{\".text\": {\"size\": 49136, \"sha256\": "), "\(all.stdout)")
    }

    @Test func inspectSavesASection() throws {
        let directory = try TemporaryDirectory()
        #expect(try ukifyBuild(directory).status == 0)
        let saved = directory.file("linux.out")
        let result = try run(
            TestPaths.ukify, ["inspect", "--section=.linux:binary@\(saved)", directory.file("uki.efi")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(".linux:\n  size: 10000 bytes\n"))
        #expect(try readBytes(saved) == readBytes(TestPaths.fixture("linux.bin")))
    }

    @Test func configFileGivesTheSameImageAsTheCommandLine() throws {
        let directory = try TemporaryDirectory()
        #expect(try ukifyBuild(directory, output: "cli.efi").status == 0)
        let config = try directory.write(
            "ukify.conf",
            """
            [UKI]
            Stub=\(TestPaths.fixture("linuxx64.efi.stub"))
            Linux=\(TestPaths.fixture("linux.bin"))
            Initrd=\(TestPaths.fixture("initrd.bin"))
            Cmdline=@\(TestPaths.fixture("cmdline"))
            OSRelease=@\(TestPaths.fixture("os-release"))
            Uname=ignored-because-the-command-line-wins
            PCRPKey=\(TestPaths.fixture("pcrpkey.pem"))
            """)
        let result = try run(
            TestPaths.ukify, ["build", "--config=\(config)", "--uname=6.1.0-test", "-o", directory.file("conf.efi")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try readBytes(directory.file("cli.efi")) == readBytes(directory.file("conf.efi")))
    }

    @Test func twoRunsGiveIdenticalFiles() throws {
        let directory = try TemporaryDirectory()
        #expect(try ukifyBuild(directory, output: "a.efi").status == 0)
        #expect(try ukifyBuild(directory, output: "b.efi").status == 0)
        #expect(try readBytes(directory.file("a.efi")) == readBytes(directory.file("b.efi")))
    }

    @Test func addonNeedsAnOutputAndGetsItsOwnSBAT() throws {
        let directory = try TemporaryDirectory()
        let stub = "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))"
        let missing = try run(TestPaths.ukify, ["build", stub, "--cmdline=debug"], currentDirectory: directory.path)
        #expect(missing.status == 64)
        let result = try run(
            TestPaths.ukify, ["build", stub, "--cmdline=debug", "-o", directory.file("debug.addon.efi")])
        #expect(result.status == 0, "\(result.stderr)")
        let inspect = try run(TestPaths.ukify, ["inspect", "--section=.sbat", directory.file("debug.addon.efi")])
        #expect(inspect.stdout.contains("uki-addon,1,UKI Addon,addon,1,"))
        #expect(try !sectionNamesByObjdump(directory.file("debug.addon.efi")).contains(".linux"))
    }

    @Test func textInputsMayComeFromAPipe() throws {
        let directory = try TemporaryDirectory()
        let script = "\"$0\" build --stub=\"$1\" --cmdline=@<(printf 'from a pipe') -o \"$2\""
        let result = try run(
            "bash", ["-c", script, TestPaths.ukify, TestPaths.fixture("linuxx64.efi.stub"), directory.file("p.efi")])
        #expect(result.status == 0, "\(result.stderr)")
        let inspect = try run(
            TestPaths.ukify, ["inspect", "--json=short", "--section=.cmdline", directory.file("p.efi")])
        #expect(inspect.stdout.contains("\"text\": \"from a pipe\""), "\(inspect.stdout)")
    }

    /// procfs files report size 0: their text is read to end of file, for --cmdline as for --section.
    @Test func procfsInputsAreReadWhole() throws {
        let directory = try TemporaryDirectory()
        let result = try run(
            TestPaths.ukify,
            [
                "build", "--stub=\(TestPaths.fixture("linuxx64.efi.stub"))", "--cmdline=@/proc/sys/kernel/ostype",
                "--section=.ostype:@/proc/sys/kernel/ostype", "-o", directory.file("p.efi"),
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let inspect = try run(
            TestPaths.ukify,
            ["inspect", "--json=short", "--section=.cmdline", "--section=.ostype", directory.file("p.efi")])
        #expect(inspect.stdout.contains("\"text\": \"Linux\\n\""), "\(inspect.stdout)")
        // sha256sum of "Linux\n"
        #expect(
            inspect.stdout.contains(
                "\".ostype\": {\"size\": 6, \"sha256\": \"533e1007b450ba293f5e2cb35b768cf963d0a74c6943558059086eda254939c2\"}"
            ), "\(inspect.stdout)")
    }

    @Test func sectionSpecsTakeExactlyOneColon() throws {
        let directory = try TemporaryDirectory()
        let result = try ukifyBuild(directory, ["--section=.x:a:measure"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("exactly one ':'"))
    }

    /// pesign 0.112 knows sha1 and sha256; osslsigncode reports the digest it computes for any of them.
    @Test(arguments: ["sha1", "sha256", "sha384", "sha512"])
    func digestEqualsThePeers(hash: String) throws {
        let directory = try TemporaryDirectory()
        #expect(try ukifyBuild(directory).status == 0)
        let ours = try run(TestPaths.ukify, ["digest", "--hash", hash, directory.file("uki.efi")])
        #expect(ours.status == 0, "\(ours.stderr)")
        if hash == "sha1" || hash == "sha256" {
            let pesign = try run("pesign", ["-h", "-d", hash, "-i", directory.file("uki.efi")])
            #expect("hash: " + ours.stdout == pesign.stdout)
        }
        let signed = directory.file("signed.efi")
        let sign = try run(
            "osslsigncode",
            [
                "sign", "-h", hash, "-key", TestPaths.fixture("db.key"), "-certs", TestPaths.fixture("db.crt"),
                "-in", directory.file("uki.efi"), "-out", signed,
            ])
        #expect(sign.status == 0, "\(sign.stderr)")
        let verify = try run("osslsigncode", ["verify", "-in", signed, "-CAfile", TestPaths.fixture("db.crt")])
        let digest = ours.stdout.trimmingCharacters(in: .whitespacesAndNewlines).uppercased()
        #expect(verify.stdout.contains("Calculated message digest : \(digest)"), "\(verify.stdout)")
    }
}
