/// The UKI section kinds, in the order systemd-stub measures them into PCR 11 (systemd
/// `src/fundamental/uki.h`, enum UnifiedSection; spec digest §3.1, §4.1).
///
/// PLEASE DO NOT REORDER: `allCases` is the measurement order. Tests pin it to systemd-measure.
public enum UKISectionKind: String, CaseIterable, Sendable {
    case linux = ".linux"
    case osrel = ".osrel"
    case cmdline = ".cmdline"
    case initrd = ".initrd"
    case ucode = ".ucode"
    case splash = ".splash"
    case dtb = ".dtb"
    case uname = ".uname"
    case sbat = ".sbat"
    case pcrsig = ".pcrsig"
    case pcrpkey = ".pcrpkey"
    case profile = ".profile"
    case dtbauto = ".dtbauto"
    case hwids = ".hwids"
    case efifw = ".efifw"

    /// Whether systemd-stub extends PCR 11 with this section (when its version knows the kind).
    /// `.pcrsig` holds the signatures of the expected values, so it can never be measured.
    public var isMeasured: Bool { self != .pcrsig }

    /// Sections whose content is text (ukify inspect prints them).
    public var isText: Bool {
        switch self {
        case .cmdline, .osrel, .uname, .pcrpkey, .pcrsig, .sbat, .profile: true
        default: false
        }
    }

    /// Kinds that may occur several times in one profile (the stub picks the one matching the hardware).
    public var allowsSeveral: Bool { self == .dtbauto || self == .efifw }
}
