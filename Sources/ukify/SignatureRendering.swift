import JSON
import PEKit

/// `ukify verify` output: one block (text) or object (JSON) per signature.
enum SignatureRendering {
    static func text(_ checks: [SignatureCheck], file: String) -> String {
        guard !checks.isEmpty else { return "\(file): no signatures\n" }
        var output = ""
        for check in checks {
            output += "signature \(check.index): \(check.isValid ? "valid" : "INVALID")\n"
            if let signer = check.signer { output += "  signer: \(signer)\n" }
            if let algorithm = check.digestAlgorithm { output += "  digest: \(algorithm.rawValue)\n" }
            if let problem = check.problem { output += "  problem: \(problem)\n" }
            if let verdict = check.verdict {
                output += "  image digest matches: \(yes(verdict.imageDigestMatches))\n"
                output += "  signed attributes match: \(yes(verdict.attributesMatch))\n"
                output += "  signature correct: \(yes(verdict.signatureValid))\n"
                output += "  chains to trusted certificate: \(yes(verdict.trusted))\n"
                if verdict.signerCount > 1 {
                    output += "  signer infos: \(verdict.signerCount), failing: \(verdict.failingSigners)\n"
                }
            }
        }
        return output
    }

    static func json(_ checks: [SignatureCheck], file: String, verified: Bool) -> JSONValue {
        .object([
            ("file", .string(file)),
            ("verified", .bool(verified)),
            (
                "signatures",
                .array(
                    checks.map { check in
                        var members: [(String, JSONValue)] = [
                            ("index", .integer(check.index)), ("valid", .bool(check.isValid)),
                        ]
                        if let signer = check.signer { members.append(("signer", .string(signer))) }
                        if let algorithm = check.digestAlgorithm {
                            members.append(("digest", .string(algorithm.rawValue)))
                        }
                        if let problem = check.problem { members.append(("problem", .string(problem))) }
                        if let verdict = check.verdict {
                            members += [
                                ("imageDigestMatches", .bool(verdict.imageDigestMatches)),
                                ("attributesMatch", .bool(verdict.attributesMatch)),
                                ("signatureValid", .bool(verdict.signatureValid)),
                                ("trusted", .bool(verdict.trusted)),
                                ("signerInfos", .integer(verdict.signerCount)),
                                ("failingSignerInfos", .array(verdict.failingSigners.map { .integer($0) })),
                            ]
                        }
                        return .object(members)
                    })
            ),
        ])
    }

    private static func yes(_ value: Bool) -> String { value ? "yes" : "no" }
}
