import BinaryIO
import Glibc
import TestSupport
import Testing

@testable import BootCrypto

/// FIPS 180-2 test vectors for "abc".
@Suite struct DigestTests {
    @Test(arguments: [
        (DigestAlgorithm.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (.sha384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        (
            .sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                + "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        ),
    ])
    func abc(algorithm: DigestAlgorithm, expected: String) {
        #expect(Digest.hash(algorithm, Array("abc".utf8)).hexString == expected)
        #expect(algorithm.digestSize * 2 == expected.count)
    }

    @Test func incrementalEqualsOneShot() {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let digest = Digest(.sha256)
        for chunk in stride(from: 0, to: data.count, by: 4093) {
            digest.update(Array(data[chunk..<min(chunk + 4093, data.count)]))
        }
        #expect(digest.finalize() == Digest.hash(.sha256, data))
    }
}

/// No message shows a PKCS#11 PIN (RFC 7512 `pin-value`), whatever quotes the URI.
@Suite struct SecretRedactionTests {
    @Test func pinValuesAreRedacted() {
        let error = BootCryptoError(
            .keyLoadFailed,
            detail:
                "engine pkcs11 key pkcs11:token=t;object=k;PIN-VALUE=12%3B34;type=private: could not load pkcs11:pin-value=9)"
        )
        #expect(
            error.description
                == "cannot load private key: engine pkcs11 key pkcs11:token=t;object=k;PIN-VALUE=***;type=private: could not load pkcs11:pin-value=***)"
        )
    }
}

@Suite struct DigestNameTests {
    /// The names systemd-measure's `--bank=` takes: whatever OpenSSL resolves to the four TPM banks.
    @Test(arguments: [
        ("sha256", DigestAlgorithm?.some(.sha256)), ("SHA256", .sha256), ("SHA2-256", .sha256), ("sha-256", .sha256),
        ("SHA1", .sha1), ("sha-1", .sha1), ("SHA2-384", .sha384), ("sha512", .sha512), ("md5", nil), ("sha3-256", nil),
        ("SHA512-256", nil), ("nonsense", nil),
    ])
    func openSSLNames(name: String, algorithm: DigestAlgorithm?) {
        #expect(DigestAlgorithm(openSSLName: name) == algorithm)
    }
}

@Suite struct KeyFileAccessTests {
    /// systemd's warning for key files others can reach, with the mode in octal.
    @Test(arguments: [(UInt16(0o644), "0644"), (0o604, "0604"), (0o640, nil), (0o600, nil)])
    func warnsWhenOthersCanReachTheKey(mode: UInt16, shown: String?) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("key.pem", "not even a key")
        #expect(chmod(path, mode_t(mode)) == 0)
        let warning = PrivateKeySource.file(passphraseFile: nil).accessWarning(for: path)
        #expect(
            warning
                == shown.map {
                    "\(path) has \($0) mode that is too permissive, please adjust the ownership and access mode."
                })
        #expect(PrivateKeySource.provider("pkcs11").accessWarning(for: path) == nil)
    }
}
