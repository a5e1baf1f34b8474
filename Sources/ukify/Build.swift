import ArgumentParser
import Glibc
import ToolSupport
import UKIAssembly
import UkifyCLI

extension Ukify {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a UKI from a stub, a kernel and its companions (an addon without --linux).",
            discussion: """
                Options take the names of systemd-ukify; `ukify LINUX [INITRD...]` without a verb is this \
                command too. TEXT|@PATH values are literal text, or the contents of PATH. Settings of the \
                [UKI] section of --config fill in what the command line leaves unset; a setting that would \
                change what is signed, measured or embedded is honoured or refused, never ignored. With \
                --pcr-private-key the PCR 11 values each profile of the UKI will produce are predicted with \
                the rules of the stub inside it, their policies signed and embedded as that profile's \
                .pcrsig (and the key as .pcrpkey), without a second pass over the output. Sections are \
                laid out in ukify 257's order, so an unsigned UKI is byte-identical to ukify's but for the \
                PE checksum, which is filled in. The output appears atomically: it is written next to the \
                target, fsynced and renamed. The same inputs always give the same bytes.

                Server-side signatures: --export-signatures=FILE writes a signature bundle, JSON \
                {"format": "bootchain-signatures", "version": 1, "kernel"/"uki": {"algorithm", "digest" (the \
                Authenticode digest signed), "signer" (SHA-256 of the certificate), "pkcs7" (base64)}, "pcr": \
                {"publicKey", "profiles": [{"profile", "values": [{"bank", "phase", "pcr"}], "pcrsig"}]}}; \
                --import-signatures=FILE rebuilds the same inputs without keys into the same bytes, or names \
                what differs. Hash-only signers: give --secureboot-certificate and --pcr-public-key without \
                their keys; --export-digests=FILE lists, per round (1: the kernel signed on the way in, 2: the \
                PCR policies, 3: the UKI), {"format": "bootchain-digests", "version": 1, "round", "sign": \
                [{"key": "secureboot"|"pcr", "fingerprint", "keyAlgorithm", "for", "algorithm", "tbs", \
                "digest"}]}; answer with a bundle {"format": "bootchain-signatures", "version": 1, "raw": \
                [{"digest", "signature" (base64 PKCS#1 v1.5 or DER ECDSA over the digest)}]} and run again \
                with --import-signatures until the UKI is written. Other formats and versions are refused.
                """
        )

        @OptionGroup var options: UKIBuildOptions

        func run() throws {
            try reportingErrors(tool: "ukify") {
                if !options.positional.isEmpty {
                    printDiagnostic("ukify: assuming ukify's command line syntax with no verb; please use 'build'")
                }
                let (settings, notes) = try options.resolvedSettings()
                for note in notes { printDiagnostic("ukify: \(note)") }
                if options.summary {
                    print(settings.summary, terminator: "")
                    return
                }
                let assembly = try UKIAssembly(
                    settings, environment: ProcessInfoEnvironment.current, now: { Int64(time(nil)) })
                for note in assembly.notes { printDiagnostic("ukify: \(note)") }
                let summary = try assembly.run(
                    .init(print: { print($0, terminator: "") }, note: { printDiagnostic("ukify: \($0)") }))
                printDiagnostic("ukify: \(summary)")
            }
        }
    }
}
