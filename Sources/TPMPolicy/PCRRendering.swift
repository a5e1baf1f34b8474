import BootCrypto
import JSON

/// Output of `measure calculate` and `measure status`, as systemd-measure prints it.
public enum PCRRendering {
    /// `{"<bank>":[{"phase":"…","pcr":11,"hash":"…"},…],…}`, "phase" omitted for the empty path.
    public static func json(_ values: [PCR11Prediction.Value], banks: [DigestAlgorithm], withPhases: Bool) -> JSONValue
    {
        .object(
            banks.map { bank in
                let entries = values.filter { $0.bank == bank }.map { value -> JSONValue in
                    var members: [(String, JSONValue)] = []
                    if withPhases, !value.phase.words.isEmpty {
                        members.append(("phase", .string(value.phase.description)))
                    }
                    members.append(("pcr", .integer(PCRPolicy.pcr)))
                    members.append(("hash", .string(value.value.hexString)))
                    return .object(members)
                }
                return (bank.rawValue, .array(entries))
            })
    }

    /// `11:<bank>=<hex>` lines, one per bank, for the values of one phase.
    public static func lines(_ values: [PCR11Prediction.Value]) -> String {
        values.map { "\(PCRPolicy.pcr):\($0.bank.rawValue)=\($0.value.hexString)\n" }.joined()
    }

    /// systemd-measure's header for a phase, printed on stderr: `# PCR[11] Phase <enter-initrd>`.
    public static func phaseHeader(_ phase: PhasePath) -> String {
        "# PCR[\(PCRPolicy.pcr)] Phase <\(phase.words.isEmpty ? ":" : phase.description)>"
    }

    /// The stderr header of one of several predictions (a UKI whose stub chooses among
    /// `.dtbauto`/`.efifw` candidates), before its phases.
    public static func candidateHeader(_ index: Int, of count: Int) -> String {
        "# Candidate \(index + 1) of \(count) (.dtbauto/.efifw sections, in table order)"
    }

    /// `measure policy-digest`: per bank, `{"pcrs":[11],("pkfp"),"pol","tbs"}` entries.
    public static func policyDigests(
        _ policies: [PCRPolicy], banks: [DigestAlgorithm], keyFingerprint: [UInt8]?
    )
        throws -> JSONValue
    {
        .object(
            try banks.map { bank in
                let entries = try policies.filter { $0.bank == bank }.map { policy -> JSONValue in
                    var members: [(String, JSONValue)] = [("pcrs", .array([.integer(PCRPolicy.pcr)]))]
                    if let keyFingerprint { members.append(("pkfp", .string(keyFingerprint.hexString))) }
                    members.append(("pol", .string(policy.policy.hexString)))
                    if let policyRef = policy.policyRef { members.append(("ref", .string(policyRef))) }
                    members.append(("tbs", .string(try policy.message.hexString)))
                    return .object(members)
                }
                return (bank.rawValue, .array(entries))
            })
    }

    /// `measure sign`'s document as systemd-measure 257 prints it: `off` clears its JSON flags,
    /// which leaves short JSON without the final newline; the other styles as ``systemdText(_:style:)``.
    public static func signatureText(_ value: JSONValue, style: JSONStyle) -> String {
        style == .off ? value.rendered(.short, dialect: .systemd) : systemdText(value, style: style)
    }

    /// JSON as systemd prints it: `off` and `short` on one line, `pretty` with tabs; newline-terminated.
    public static func systemdText(_ value: JSONValue, style: JSONStyle) -> String {
        value.rendered(style == .pretty ? .pretty : .short, dialect: .systemd) + "\n"
    }
}
