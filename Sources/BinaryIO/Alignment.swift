/// Rounds `value` up to a multiple of `alignment` (a power of two), or nil when the result
/// would overflow. Alignment values usually come from files, so overflow is an input error.
@inlinable
public func alignUp(_ value: Int, to alignment: Int) -> Int? {
    precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
    let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
    if overflow { return nil }
    return sum & ~(alignment - 1)
}

/// True when `value` is a power of two greater than zero.
@inlinable
public func isPowerOfTwo(_ value: Int) -> Bool {
    value > 0 && value & (value - 1) == 0
}
