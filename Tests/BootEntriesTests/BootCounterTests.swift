import BootEntries
import JSON
import TestSupport
import Testing

/// The spec's boot-counting vectors (transcriptions of systemd-boot's `boot_entry_parse_tries`
/// and systemd-bless-boot's `acquire_boot_count_path`) and systemd's strverscmp_improved results.
@Suite struct BootCounterTests {
    static func vectors(_ name: String) throws -> JSONValue {
        try JSONValue(parsing: try readBytes(TestPaths.fixture("efi/bls/\(name)")))
    }

    @Test func systemdBootReadsAndRenamesAsTheVectorsSay() throws {
        let cases = try Self.vectors("boot-counting.json")["sd_boot_parse"]!.arrayValue!
        #expect(cases.count == 16)
        for vector in cases {
            let name = vector["file_name"]!.stringValue!
            let counter = BootCounter(loaderFileName: name, suffix: vector["suffix"]!.stringValue!)
            guard let expected = vector["sd_boot"]!.objectValue else {
                #expect(counter == nil, "\(name)")
                continue
            }
            let fields = Dictionary(uniqueKeysWithValues: expected)
            #expect(counter?.triesLeft == fields["tries_left"]!.integerValue, "\(name)")
            #expect(counter?.triesDone == fields["tries_done"]!.integerValue, "\(name)")
            #expect(counter?.nextName == fields["next_name"]!.stringValue, "\(name)")
        }
    }

    @Test func blessBootNamesAsTheVectorsSay() throws {
        for vector in try Self.vectors("boot-counting.json")["bless_boot"]!.arrayValue! {
            let path = vector["LoaderBootCountPath"]!.stringValue!
            let expected = Dictionary(uniqueKeysWithValues: vector["bless_boot"]!.objectValue!)
            if expected["error"] != nil {
                #expect(throws: BootEntryError.self) { try BootCounter(blessBootPath: path) }
                continue
            }
            let counter = try BootCounter(blessBootPath: path)
            #expect(counter.stem == expected["prefix"]!.stringValue)
            #expect(counter.triesLeft == expected["tries_left"]!.integerValue)
            #expect(counter.triesDone == expected["tries_done"]!.integerValue)
            #expect(counter.suffix == expected["suffix"]!.stringValue)
            #expect(counter.goodName == expected["good_name"]!.stringValue)
            #expect(counter.badName == expected["bad_name"]!.stringValue)
        }
    }

    @Test func theWalkFromPlusThreeIsFollowed() throws {
        let walk = try Self.vectors("boot-counting.json")["walk_from_plus3"]!.arrayValue!.map { $0.stringValue! }
        var name = walk[0]
        for expected in walk.dropFirst() {
            name = BootCounter(loaderFileName: name, suffix: ".efi")!.nextName
            #expect(name == expected)
        }
    }

    @Test func versionsCompareAsSystemdDoes() throws {
        let cases = try Self.vectors("strverscmp_improved.json").arrayValue!
        #expect(cases.count == 40)
        for vector in cases {
            let a = vector["a"]!.stringValue!
            let b = vector["b"]!.stringValue!
            let expected = vector["strverscmp_improved"]!.integerValue!
            #expect(compareVersions(a, b).signum() == expected.signum(), "\(a) vs \(b)")
            #expect(compareVersions(b, a).signum() == -expected.signum(), "\(b) vs \(a)")
        }
    }
}
