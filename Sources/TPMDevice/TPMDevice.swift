import BinaryIO
import BootCrypto
internal import CTSS2ESYS
import TPMPolicy

/// A TPM reached through tss2's ESYS over any TCTI (`device:/dev/tpmrm0`,
/// `swtpm:host=127.0.0.1,port=2321`, ...): read and extend PCRs, compute a policy in a trial
/// session, and replay systemd's signed-PCR policy (PolicyPCR → VerifySignature →
/// PolicyAuthorize) to unseal a secret.
public final class TPMDevice {
    /// A sealed object as the TPM returns it: marshalled TPM2B_PUBLIC and TPM2B_PRIVATE.
    public struct SealedObject: Sendable, Equatable {
        public let publicArea: [UInt8]
        public let privateArea: [UInt8]

        public init(publicArea: [UInt8], privateArea: [UInt8]) {
            self.publicArea = publicArea
            self.privateArea = privateArea
        }
    }

    private let tcti: OpaquePointer
    private let context: OpaquePointer
    public let tctiConfiguration: String

    /// Connects to the TPM named by `tcti` (tss2 TCTI loader syntax).
    ///
    /// Every failure is reported as one error; tss2 3.x also logs its own warnings to stderr,
    /// which only the environment variable `TSS2_LOG` (read at tss2's first log line) turns off,
    /// so silencing them is the executable's decision (measure's `main`), not this library's.
    public init(tcti configuration: String) throws {
        var tcti: OpaquePointer?
        var rc = Tss2_TctiLdr_Initialize(configuration, &tcti)
        guard rc == TSS2_RC_SUCCESS, let tcti else {
            throw TPMPolicyError(.tpmFailure, "cannot open TPM '\(configuration)': \(tpmErrorText(rc))")
        }
        var context: OpaquePointer?
        rc = Esys_Initialize(&context, tcti, nil)
        guard rc == TSS2_RC_SUCCESS, let context else {
            var owned: OpaquePointer? = tcti
            Tss2_TctiLdr_Finalize(&owned)
            throw TPMPolicyError(.tpmFailure, "cannot talk to TPM '\(configuration)': \(tpmErrorText(rc))")
        }
        self.tcti = tcti
        self.context = context
        tctiConfiguration = configuration
    }

    deinit {
        var context: OpaquePointer? = context
        Esys_Finalize(&context)
        var tcti: OpaquePointer? = tcti
        Tss2_TctiLdr_Finalize(&tcti)
    }

    private func check(_ rc: TSS2_RC, _ operation: String) throws {
        guard rc == TSS2_RC_SUCCESS else {
            throw TPMPolicyError(.tpmFailure, "TPM '\(tctiConfiguration)': \(operation) failed: \(tpmErrorText(rc))")
        }
    }

    // MARK: PCRs

    /// The current value of PCR `index` in `bank`; nil when the TPM has not allocated the bank.
    public func readPCR(_ index: Int, bank: DigestAlgorithm) throws -> [UInt8]? {
        var selection = try pcrSelection(bank: bank, pcrs: [index])
        var counter: UInt32 = 0
        var selectionOut: UnsafeMutablePointer<TPML_PCR_SELECTION>?
        var values: UnsafeMutablePointer<TPML_DIGEST>?
        try check(
            Esys_PCR_Read(
                context, ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), &selection, &counter,
                &selectionOut, &values), "PCR_Read")
        defer {
            Esys_Free(selectionOut)
            Esys_Free(values)
        }
        guard let values else { throw TPMPolicyError(.tpmFailure, "PCR_Read returned nothing") }
        // A bank the TPM has not allocated reads as no digest at all.
        guard values.pointee.count == 1 else { return nil }
        return bytes(of: values.pointee.digests.0)
    }

    /// PCR `index` in each of `banks`; a bank the TPM has not allocated is an error.
    public func readPCR(_ index: Int, banks: [DigestAlgorithm]) throws -> [(bank: DigestAlgorithm, value: [UInt8])] {
        try banks.map { bank in
            guard let value = try readPCR(index, bank: bank) else {
                throw TPMPolicyError(
                    .tpmFailure, "TPM '\(tctiConfiguration)' has no \(bank.rawValue) bank (PCR \(index) cannot be read)"
                )
            }
            return (bank, value)
        }
    }

    /// Extends PCR `index` in `bank` with `digest` (what the stub and systemd-pcrphase do).
    public func extendPCR(_ index: Int, bank: DigestAlgorithm, digest: [UInt8]) throws {
        guard digest.count == bank.digestSize, (0..<24).contains(index) else {
            throw TPMPolicyError(
                .invalidArgument, "a \(bank.rawValue) extend of PCR \(index) needs \(bank.digestSize) bytes")
        }
        var values = TPML_DIGEST_VALUES()
        values.count = 1
        values.digests.0.hashAlg = bank.tpmAlgorithm
        withUnsafeMutableBytes(of: &values.digests.0.digest) { $0.copyBytes(from: digest) }
        try check(
            Esys_PCR_Extend(
                context, ESYS_TR(ESYS_TR_PCR0) + ESYS_TR(index), ESYS_TR(ESYS_TR_PASSWORD), ESYS_TR(ESYS_TR_NONE),
                ESYS_TR(ESYS_TR_NONE), &values), "PCR_Extend")
    }

    // MARK: Policies

    /// The PolicyPCR digest the TPM computes over the current values of `pcrs` in `bank`, in a
    /// trial session.
    public func trialPolicyPCR(bank: DigestAlgorithm, pcrs: [Int]) throws -> [UInt8] {
        try withSession(trial: true) { session in
            try policyPCR(session, bank: bank, pcrs: pcrs)
            return try policyDigest(session)
        }
    }

    /// Runs systemd's unseal-time flow (spec digest §5.8) in a fresh policy session: PolicyPCR over
    /// PCR 11, find the entry of `signatures` signed by `key` for the resulting digest (and for
    /// `policyRef`, the name the object was sealed with), have the
    /// TPM verify its signature and PolicyAuthorize with the ticket. Returns the final session
    /// digest (which equals ``PolicyDigest/policyAuthorize(keyName:policyRef:previous:)``).
    public func authorize(
        signatures: PCRSignatures, key: PublicKey, bank: DigestAlgorithm, policyRef: String? = nil
    ) throws -> [UInt8] {
        try withSession(trial: false) { session in
            try authorize(session, signatures: signatures, key: key, bank: bank, policyRef: policyRef)
            return try policyDigest(session)
        }
    }

    /// Seals `secret` (at most 128 bytes) to `policy` under a primary key of the owner hierarchy.
    public func seal(_ secret: [UInt8], policy: [UInt8]) throws -> SealedObject {
        guard secret.count <= 128, policy.count == 32 else {
            throw TPMPolicyError(.invalidArgument, "a sealed secret holds at most 128 bytes under a SHA-256 policy")
        }
        return try withPrimary { primary in
            var sensitive = TPM2B_SENSITIVE_CREATE()
            sensitive.sensitive.data.size = UInt16(secret.count)
            withUnsafeMutableBytes(of: &sensitive.sensitive.data.buffer) { $0.copyBytes(from: secret) }
            var template = TPM2B_PUBLIC()
            template.publicArea.type = TPMI_ALG_PUBLIC(TPM2_ALG_KEYEDHASH)
            template.publicArea.nameAlg = TPMI_ALG_HASH(TPM2_ALG_SHA256)
            template.publicArea.objectAttributes = TPMA_OBJECT(TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT)
            template.publicArea.parameters.keyedHashDetail.scheme.scheme = TPMI_ALG_KEYEDHASH_SCHEME(TPM2_ALG_NULL)
            template.publicArea.authPolicy.size = 32
            withUnsafeMutableBytes(of: &template.publicArea.authPolicy.buffer) { $0.copyBytes(from: policy) }
            var outsideInfo = TPM2B_DATA()
            var creationPCR = TPML_PCR_SELECTION()
            var privateOut: UnsafeMutablePointer<TPM2B_PRIVATE>?
            var publicOut: UnsafeMutablePointer<TPM2B_PUBLIC>?
            var creation = CreationOutputs()
            try check(
                Esys_Create(
                    context, primary, ESYS_TR(ESYS_TR_PASSWORD), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE),
                    &sensitive, &template, &outsideInfo, &creationPCR, &privateOut, &publicOut, &creation.data,
                    &creation.hash, &creation.ticket), "Create (sealed object)")
            defer {
                Esys_Free(privateOut)
                Esys_Free(publicOut)
                creation.free()
            }
            guard let privateOut, let publicOut else { throw TPMPolicyError(.tpmFailure, "Create returned nothing") }
            return SealedObject(
                publicArea: try marshal(capacity: MemoryLayout<TPM2B_PUBLIC>.size) { buffer, size, offset in
                    Tss2_MU_TPM2B_PUBLIC_Marshal(publicOut, buffer, size, offset)
                },
                privateArea: try marshal(capacity: MemoryLayout<TPM2B_PRIVATE>.size) { buffer, size, offset in
                    Tss2_MU_TPM2B_PRIVATE_Marshal(privateOut, buffer, size, offset)
                })
        }
    }

    /// Unseals `object` through the signed-PCR policy: succeeds only when the current PCR 11 in
    /// `bank` matches an entry of `signatures` signed by `key`.
    public func unseal(
        _ object: SealedObject, signatures: PCRSignatures, key: PublicKey, bank: DigestAlgorithm,
        policyRef: String? = nil
    ) throws -> [UInt8] {
        var publicArea = TPM2B_PUBLIC()
        var privateArea = TPM2B_PRIVATE()
        try unmarshal(object.publicArea) { buffer, size, offset in
            Tss2_MU_TPM2B_PUBLIC_Unmarshal(buffer, size, offset, &publicArea)
        }
        try unmarshal(object.privateArea) { buffer, size, offset in
            Tss2_MU_TPM2B_PRIVATE_Unmarshal(buffer, size, offset, &privateArea)
        }
        return try withPrimary { primary in
            var sealed = ESYS_TR(ESYS_TR_NONE)
            try check(
                Esys_Load(
                    context, primary, ESYS_TR(ESYS_TR_PASSWORD), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE),
                    &privateArea, &publicArea, &sealed), "Load (sealed object)")
            defer { Esys_FlushContext(context, sealed) }
            return try withSession(trial: false) { session in
                try authorize(session, signatures: signatures, key: key, bank: bank, policyRef: policyRef)
                var data: UnsafeMutablePointer<TPM2B_SENSITIVE_DATA>?
                try check(
                    Esys_Unseal(context, sealed, session, ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), &data),
                    "Unseal")
                defer { Esys_Free(data) }
                guard let data else { throw TPMPolicyError(.tpmFailure, "Unseal returned nothing") }
                return withUnsafeBytes(of: data.pointee.buffer) { Array($0.prefix(Int(data.pointee.size))) }
            }
        }
    }

    // MARK: Steps

    private func authorize(
        _ session: ESYS_TR, signatures: PCRSignatures, key: PublicKey, bank: DigestAlgorithm, policyRef: String?
    ) throws {
        let tpmKey = try TPMPublicKey(key)
        try policyPCR(session, bank: bank, pcrs: [PCRPolicy.pcr])
        let current = try policyDigest(session)
        let candidates = signatures.banks.first { $0.bank == bank }?.entries ?? []
        guard
            let entry = candidates.first(where: {
                $0.pcrs == [PCRPolicy.pcr] && $0.keyFingerprint == tpmKey.fingerprint && $0.policy == current
                    && $0.policyRef == policyRef
            })
        else {
            throw TPMPolicyError(
                .policyMismatch,
                "PCR \(PCRPolicy.pcr) (\(bank.rawValue)) matches no policy signed by key \(tpmKey.fingerprint.hexString)"
            )
        }
        var keyHandle = ESYS_TR(ESYS_TR_NONE)
        var publicArea = TPM2B_PUBLIC()
        try unmarshal(tpmKey.publicArea) { buffer, size, offset in
            Tss2_MU_TPMT_PUBLIC_Unmarshal(buffer, size, offset, &publicArea.publicArea)
        }
        try check(
            Esys_LoadExternal(
                context, ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), nil, &publicArea,
                ESYS_TR(ESYS_TR_RH_OWNER), &keyHandle), "LoadExternal (PCR public key)")
        defer { Esys_FlushContext(context, keyHandle) }

        var digest = digest2B(Digest.hash(.sha256, try entry.signedMessage))
        var signature = try Self.signatureStructure(entry.signature, key: key)
        var ticket: UnsafeMutablePointer<TPMT_TK_VERIFIED>?
        let verified = Esys_VerifySignature(
            context, keyHandle, ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), &digest,
            &signature, &ticket)
        defer { Esys_Free(ticket) }
        guard verified == TSS2_RC_SUCCESS, let ticket else {
            throw TPMPolicyError(
                .policyMismatch,
                "the TPM refused the signature of policy \(entry.policy.hexString): \(tpmErrorText(verified))")
        }
        var approved = digest2B(entry.policy)
        var policyRef = digest2B(entry.policyRef.map { Digest.hash(.sha256, Array($0.utf8)) } ?? [])
        var name = TPM2B_NAME()
        name.size = UInt16(tpmKey.name.count)
        withUnsafeMutableBytes(of: &name.name) { $0.copyBytes(from: tpmKey.name) }
        let authorized = Esys_PolicyAuthorize(
            context, session, ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), &approved,
            &policyRef, &name, ticket)
        guard authorized == TSS2_RC_SUCCESS else {
            throw TPMPolicyError(.policyMismatch, "PolicyAuthorize failed: \(tpmErrorText(authorized))")
        }
    }

    private func policyPCR(_ session: ESYS_TR, bank: DigestAlgorithm, pcrs: [Int]) throws {
        var selection = try pcrSelection(bank: bank, pcrs: pcrs)
        var empty = TPM2B_DIGEST()
        try check(
            Esys_PolicyPCR(
                context, session, ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), &empty,
                &selection), "PolicyPCR")
    }

    private func policyDigest(_ session: ESYS_TR) throws -> [UInt8] {
        var digest: UnsafeMutablePointer<TPM2B_DIGEST>?
        try check(
            Esys_PolicyGetDigest(
                context, session, ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), &digest),
            "PolicyGetDigest")
        defer { Esys_Free(digest) }
        guard let digest else { throw TPMPolicyError(.tpmFailure, "PolicyGetDigest returned nothing") }
        return bytes(of: digest.pointee)
    }

    private func withSession<T>(trial: Bool, _ body: (ESYS_TR) throws -> T) throws -> T {
        var session = ESYS_TR(ESYS_TR_NONE)
        var symmetric = TPMT_SYM_DEF()
        symmetric.algorithm = TPMI_ALG_SYM(TPM2_ALG_NULL)
        try check(
            Esys_StartAuthSession(
                context, ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE), ESYS_TR(ESYS_TR_NONE),
                ESYS_TR(ESYS_TR_NONE), nil, TPM2_SE(trial ? TPM2_SE_TRIAL : TPM2_SE_POLICY), &symmetric,
                TPMI_ALG_HASH(TPM2_ALG_SHA256), &session), "StartAuthSession")
        defer { Esys_FlushContext(context, session) }
        return try body(session)
    }

    /// Runs `body` with a transient storage primary key (ECC P-256, the TCG SRK template).
    private func withPrimary<T>(_ body: (ESYS_TR) throws -> T) throws -> T {
        var sensitive = TPM2B_SENSITIVE_CREATE()
        var template = TPM2B_PUBLIC()
        template.publicArea.type = TPMI_ALG_PUBLIC(TPM2_ALG_ECC)
        template.publicArea.nameAlg = TPMI_ALG_HASH(TPM2_ALG_SHA256)
        template.publicArea.objectAttributes = TPMA_OBJECT(
            TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN
                | TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT | TPMA_OBJECT_NODA)
        template.publicArea.parameters.eccDetail.symmetric.algorithm = TPMI_ALG_SYM_OBJECT(TPM2_ALG_AES)
        template.publicArea.parameters.eccDetail.symmetric.keyBits.aes = 128
        template.publicArea.parameters.eccDetail.symmetric.mode.aes = TPMI_ALG_SYM_MODE(TPM2_ALG_CFB)
        template.publicArea.parameters.eccDetail.scheme.scheme = TPMI_ALG_ECC_SCHEME(TPM2_ALG_NULL)
        template.publicArea.parameters.eccDetail.curveID = TPMI_ECC_CURVE(TPM2_ECC_NIST_P256)
        template.publicArea.parameters.eccDetail.kdf.scheme = TPMI_ALG_KDF(TPM2_ALG_NULL)
        var outsideInfo = TPM2B_DATA()
        var creationPCR = TPML_PCR_SELECTION()
        var primary = ESYS_TR(ESYS_TR_NONE)
        var publicOut: UnsafeMutablePointer<TPM2B_PUBLIC>?
        var creation = CreationOutputs()
        try check(
            Esys_CreatePrimary(
                context, ESYS_TR(ESYS_TR_RH_OWNER), ESYS_TR(ESYS_TR_PASSWORD), ESYS_TR(ESYS_TR_NONE),
                ESYS_TR(ESYS_TR_NONE), &sensitive, &template, &outsideInfo, &creationPCR, &primary, &publicOut,
                &creation.data, &creation.hash, &creation.ticket), "CreatePrimary")
        Esys_Free(publicOut)
        creation.free()
        defer { Esys_FlushContext(context, primary) }
        return try body(primary)
    }

    private static func signatureStructure(_ signature: [UInt8], key: PublicKey) throws -> TPMT_SIGNATURE {
        var structure = TPMT_SIGNATURE()
        switch try key.parameters() {
        case .rsa:
            guard signature.count <= Int(TPM2_MAX_RSA_KEY_BYTES) else {
                throw TPMPolicyError(.malformedInput, "RSA signature of \(signature.count) bytes is too long")
            }
            structure.sigAlg = TPMI_ALG_SIG_SCHEME(TPM2_ALG_RSASSA)
            structure.signature.rsassa.hash = TPMI_ALG_HASH(TPM2_ALG_SHA256)
            structure.signature.rsassa.sig.size = UInt16(signature.count)
            withUnsafeMutableBytes(of: &structure.signature.rsassa.sig.buffer) { $0.copyBytes(from: signature) }
        case .ec:
            let parts = try ECDSASignature(der: signature)
            guard parts.r.count <= Int(TPM2_MAX_ECC_KEY_BYTES), parts.s.count <= Int(TPM2_MAX_ECC_KEY_BYTES) else {
                throw TPMPolicyError(.malformedInput, "ECDSA signature too long")
            }
            structure.sigAlg = TPMI_ALG_SIG_SCHEME(TPM2_ALG_ECDSA)
            structure.signature.ecdsa.hash = TPMI_ALG_HASH(TPM2_ALG_SHA256)
            structure.signature.ecdsa.signatureR.size = UInt16(parts.r.count)
            withUnsafeMutableBytes(of: &structure.signature.ecdsa.signatureR.buffer) { $0.copyBytes(from: parts.r) }
            structure.signature.ecdsa.signatureS.size = UInt16(parts.s.count)
            withUnsafeMutableBytes(of: &structure.signature.ecdsa.signatureS.buffer) { $0.copyBytes(from: parts.s) }
        }
        return structure
    }
}

/// The creation data, hash and ticket that Create and CreatePrimary return (unused here).
private struct CreationOutputs {
    var data: UnsafeMutablePointer<TPM2B_CREATION_DATA>?
    var hash: UnsafeMutablePointer<TPM2B_DIGEST>?
    var ticket: UnsafeMutablePointer<TPMT_TK_CREATION>?

    func free() {
        Esys_Free(data)
        Esys_Free(hash)
        Esys_Free(ticket)
    }
}

/// The TPML_PCR_SELECTION of `pcrs` in `bank`, from TPMPolicy's marshalled form.
private func pcrSelection(bank: DigestAlgorithm, pcrs: [Int]) throws -> TPML_PCR_SELECTION {
    var selection = TPML_PCR_SELECTION()
    try unmarshal(try PolicyDigest.pcrSelection(bank: bank, pcrs: pcrs)) { buffer, size, offset in
        Tss2_MU_TPML_PCR_SELECTION_Unmarshal(buffer, size, offset, &selection)
    }
    return selection
}

private func digest2B(_ bytes: [UInt8]) -> TPM2B_DIGEST {
    var digest = TPM2B_DIGEST()
    digest.size = UInt16(bytes.count)
    withUnsafeMutableBytes(of: &digest.buffer) { $0.copyBytes(from: bytes) }
    return digest
}

private func bytes(of digest: TPM2B_DIGEST) -> [UInt8] {
    withUnsafeBytes(of: digest.buffer) { Array($0.prefix(Int(digest.size))) }
}

/// Runs a tss2-mu unmarshal function over all of `bytes`.
private func unmarshal(
    _ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int, UnsafeMutablePointer<Int>) -> TSS2_RC
)
    throws
{
    var offset = 0
    let rc = bytes.withUnsafeBufferPointer { body($0.baseAddress!, bytes.count, &offset) }
    guard rc == TSS2_RC_SUCCESS, offset == bytes.count else {
        throw TPMPolicyError(.malformedInput, "not a marshalled TPM2 object: \(tpmErrorText(rc))")
    }
}
