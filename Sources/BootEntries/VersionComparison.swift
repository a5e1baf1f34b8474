/// systemd's `strverscmp_improved()`, the version order of the Boot Loader Specification
/// (UAPI.10): negative when `a` is older than `b`, 0 when equal, positive when newer.
public func compareVersions(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8)
    let b = Array(b.utf8)
    var i = 0
    var j = 0
    func at(_ bytes: [UInt8], _ index: Int) -> UInt8 { index < bytes.count ? bytes[index] : 0 }
    func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    func isValid(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) || c == 0x7E || c == 0x2D || c == 0x5E || c == 0x2E }
    func compare(_ x: Int, _ y: Int) -> Int { x < y ? -1 : x > y ? 1 : 0 }
    func compare(_ x: ArraySlice<UInt8>, _ y: ArraySlice<UInt8>) -> Int {
        for (p, q) in zip(x, y) where p != q { return compare(Int(p), Int(q)) }
        return 0
    }
    while true {
        while i < a.count, !isValid(a[i]) { i += 1 }
        while j < b.count, !isValid(b[j]) { j += 1 }
        var x = at(a, i)
        var y = at(b, j)
        if x == 0x7E || y == 0x7E {
            if x != 0x7E || y != 0x7E { return compare(x != 0x7E ? 1 : 0, y != 0x7E ? 1 : 0) }
            // One pair per round, then straight on to the end check ("1.0~~" is newer than "1.0~").
            i += 1
            j += 1
            x = at(a, i)
            y = at(b, j)
        }
        if x == 0 || y == 0 { return compare(Int(x), Int(y)) }
        var separated = false
        for separator: UInt8 in [0x2D, 0x5E, 0x2E] where x == separator || y == separator {
            if x != separator { return 1 }
            if y != separator { return -1 }
            i += 1
            j += 1
            separated = true
            break
        }
        if separated { continue }
        if isDigit(x) || isDigit(y) {
            var p = i
            while p < a.count, isDigit(a[p]) { p += 1 }
            var q = j
            while q < b.count, isDigit(b[q]) { q += 1 }
            if p == i || q == j { return compare(p - i, q - j) }
            while i < p, a[i] == 0x30 { i += 1 }
            while j < q, b[j] == 0x30 { j += 1 }
            if p - i != q - j { return compare(p - i, q - j) }
            let order = compare(a[i..<p], b[j..<q])
            if order != 0 { return order }
            i = p
            j = q
        } else {
            var p = i
            while p < a.count, isAlpha(a[p]) { p += 1 }
            var q = j
            while q < b.count, isAlpha(b[q]) { q += 1 }
            let order = compare(a[i..<(i + min(p - i, q - j))], b[j..<(j + min(p - i, q - j))])
            if order != 0 { return order }
            if p - i != q - j { return compare(p - i, q - j) }
            i = p
            j = q
        }
    }
}
