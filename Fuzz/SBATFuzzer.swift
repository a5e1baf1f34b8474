// libFuzzer entry point for SBATKit's parsers (built by scripts/fuzz-sbat.sh together with the
// parser sources, with -sanitize=fuzzer,address): every input is parsed as a .sbat section, as
// an SbatLevel payload and linted; what parses is judged (the section under the parsed and the
// latest level) and the never-downgrade rule runs both ways. Nothing may crash, trap or hang.

/// Parsed once: the same for every input.
let latestLevel = BuiltinLevels.latest.level()
let automaticPayload = BuiltinLevels.automatic.payload

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSBAT(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let section = try? SBATSection(parsing: bytes, origin: "fuzz")
    let level = try? SBATLevel(parsing: bytes, origin: "fuzz")
    if let section, let level { _ = level.verdict(for: section) }
    if let section { _ = latestLevel.verdict(for: section) }
    _ = SBATLint.problems(bytes)
    _ = SBATLevel.keepsCurrent(bytes, attributes: 0x3, over: automaticPayload)
    _ = SBATLevel.keepsCurrent(automaticPayload, attributes: 0x3, over: bytes)
    return 0
}
