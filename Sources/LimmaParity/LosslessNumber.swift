// C's `%.17g` for a double, byte for byte as glibc's printf writes it, without
// printf: the harness writes millions of numbers per case (OutputsCSV), and
// printf through Swift's varargs costs a microsecond each.
import Foundation

/// `%.17g`: the double rounded to 17 significant decimal digits (round half
/// to even on the exact binary value, as glibc does), trailing zeros removed;
/// fixed notation when the decimal exponent X of the rounded value satisfies
/// -4 <= X < 17, else `d.ddde+XX` (at least two exponent digits).
///
/// The 17 digits are N = round(|x| * 10^(16-X)). The product is formed in
/// double-double arithmetic (about 104 significant bits; the powers of ten
/// come from a table built by exact-then-rounded double-double steps, with a
/// relative error below 1e-29), so for N near 1e17 its absolute error is
/// below 1e-11. When the fractional part of the product is within 1e-7 of
/// one half, where that error could flip the rounding (ties included), the
/// number is handed to the C library instead; so is anything subnormal or
/// beyond 10^±290. Everything else is decided exactly. Zero, integers below
/// 2^53 and the special values have their own exact paths.
enum Lossless {
    /// A double-double: hi + lo, |lo| <= ulp(hi) / 2.
    struct DD {
        var hi: Double
        var lo: Double
    }

    /// Exact sum of two doubles as a double-double (|a| >= |b|).
    @inline(__always)
    static func quickTwoSum(_ a: Double, _ b: Double) -> DD {
        let s = a + b
        return DD(hi: s, lo: b - (s - a))
    }

    /// a * b for a double-double and a double (error about 2^-105 relative).
    @inline(__always)
    static func mul(_ a: DD, _ b: Double) -> DD {
        let p = a.hi * b
        let e = (-p).addingProduct(a.hi, b)  // exact: fused multiply-add
        return quickTwoSum(p, e + a.lo * b)
    }

    /// 1 / a for a double-double (error about 2^-104 relative).
    static func reciprocal(_ a: DD) -> DD {
        let q1 = 1 / a.hi
        let p = q1 * a.hi
        let pe = (-p).addingProduct(q1, a.hi)
        let r = ((1 - p) - pe) - q1 * a.lo
        return quickTwoSum(q1, r / a.hi)
    }

    static let maxPower = 300

    /// 10^q and 10^-q, q = 0...maxPower. 10^q is exact in a double up to
    /// q = 22 and exact in the double-double somewhat beyond; each further
    /// step adds at most about 2^-105 relative error.
    static let powers: (up: [DD], down: [DD]) = {
        var up = [DD(hi: 1, lo: 0)]
        for _ in 1...maxPower { up.append(mul(up[up.count - 1], 10)) }
        return (up, up.map(reciprocal))
    }()

    /// Appends `%.17g` of `x` (finite) to `out`.
    static func append(_ x: Double, to out: inout [UInt8]) {
        if x == 0 {
            if x.sign == .minus { out.append(UInt8(ascii: "-")) }
            out.append(UInt8(ascii: "0"))
            return
        }
        // Whole numbers below 2^53 print as their digits (X <= 15 < 17).
        if x == x.rounded(.towardZero), Swift.abs(x) < 9_007_199_254_740_992 {
            if x < 0 { out.append(UInt8(ascii: "-")) }
            appendDigits(UInt64(Swift.abs(x)), to: &out)
            return
        }
        if !appendFast(x, to: &out) { appendPrintf(x, to: &out) }
    }

    /// The decimal digits of `v`.
    @inline(__always)
    static func appendDigits(_ v: UInt64, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var n = v, k = 20
            repeat {
                k -= 1
                buf[k] = UInt8(truncatingIfNeeded: n % 10) &+ 0x30
                n /= 10
            } while n != 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[k..<20]))
        }
    }

    /// The C library's `%.17g` (the rare undecided cases).
    static func appendPrintf(_ x: Double, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 40) { buf in
            let n = withVaList([x]) { vsnprintf(buf.baseAddress, 40, "%.17g", $0) }
            buf.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: 40) { p in
                out.append(contentsOf: UnsafeBufferPointer(start: p, count: Int(Swift.min(n, 39))))
            }
        }
    }

    static let e16: Int64 = 10_000_000_000_000_000
    static let e17: Int64 = 100_000_000_000_000_000

    /// `floor(x)` for `|x| < 2^63` by truncation (a zero result may carry the
    /// other sign, which no caller looks at).
    @inline(__always)
    static func floorSmall(_ x: Double) -> Double {
        let t = Double(Int64(x))
        return t > x ? t - 1 : t
    }

    /// The decimal exponent of a positive normal `a`, `floor(log10(a))`, or
    /// one below it near a power of ten: `floor(e log10(2))` for `a`'s binary
    /// exponent `e` (`(e * 78913) >> 18`, exact for every double exponent),
    /// plus one when `a` reaches the double nearest `10^(that + 1)`. The
    /// caller's scaling corrects a remaining off-by-one.
    @inline(__always)
    static func decimalExponent(_ a: Double) -> Int {
        let k = (Int(a.exponent) &* 78913) >> 18
        let next = k + 1
        guard Swift.abs(next) <= maxPower else { return k }
        let p = next >= 0 ? powers.up[next].hi : powers.down[-next].hi
        return a >= p ? next : k
    }

    /// The double-double path; false (nothing written) when it cannot decide.
    static func appendFast(_ x: Double, to out: inout [UInt8]) -> Bool {
        let a = Swift.abs(x)
        guard a.isNormal else { return false }
        var k = decimalExponent(a)
        var n: Int64 = 0
        var frac = 0.0
        var settled = false
        for _ in 0..<3 {
            let p = 16 - k
            guard Swift.abs(p) <= maxPower else { return false }
            let scale = p >= 0 ? powers.up[p] : powers.down[-p]
            // y = a * scale, then its integer and fractional parts.
            let yh = a * scale.hi
            let ye = (-yh).addingProduct(a, scale.hi) + a * scale.lo
            let fl = floorSmall(yh)
            let r = (yh - fl) + ye
            let rf = floorSmall(r)
            n = Int64(fl) + Int64(rf)
            frac = r - rf
            if n >= e17 { k += 1; continue }
            if n < e16 { k -= 1; continue }
            settled = true
            break
        }
        guard settled, Swift.abs(frac - 0.5) > 1e-7 else { return false }
        if frac > 0.5 { n += 1 }
        if n == e17 { n = e16; k += 1 }
        // The 17 digits (two halves of 8 and 9, converted side by side), then
        // the text in a buffer on the stack, appended at once.
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &buffer) { raw in
            let b = raw.bindMemory(to: UInt8.self)
            let d = b.baseAddress! + 32    // the digits, after the 32 bytes of text
            var hi = UInt32(truncatingIfNeeded: n / 1_000_000_000), lo = UInt32(truncatingIfNeeded: n % 1_000_000_000)
            for i in stride(from: 8, through: 0, by: -1) {
                d[8 + i] = UInt8(truncatingIfNeeded: lo % 10) &+ 0x30
                lo /= 10
                if i > 0 {
                    d[i - 1] = UInt8(truncatingIfNeeded: hi % 10) &+ 0x30
                    hi /= 10
                }
            }
            var nd = 17
            while nd > 1 && d[nd - 1] == 0x30 { nd -= 1 }
            var w = 0
            @inline(__always) func put(_ c: UInt8) { b[w] = c; w += 1 }
            @inline(__always) func copy(_ from: Int, _ to: Int) { for i in from..<to { put(d[i]) } }
            if x < 0 { put(UInt8(ascii: "-")) }
            if k >= -4 && k < 17 {
                if k >= 0 {
                    copy(0, k + 1)
                    if nd > k + 1 {
                        put(UInt8(ascii: "."))
                        copy(k + 1, nd)
                    }
                } else {
                    put(UInt8(ascii: "0"))
                    put(UInt8(ascii: "."))
                    for _ in 0..<(-k - 1) { put(UInt8(ascii: "0")) }
                    copy(0, nd)
                }
            } else {
                put(d[0])
                if nd > 1 {
                    put(UInt8(ascii: "."))
                    copy(1, nd)
                }
                put(UInt8(ascii: "e"))
                put(UInt8(ascii: k < 0 ? "-" : "+"))
                let e = Swift.abs(k)
                if e >= 100 { put(UInt8(truncatingIfNeeded: e / 100) &+ 0x30) }
                put(UInt8(truncatingIfNeeded: (e / 10) % 10) &+ 0x30)
                put(UInt8(truncatingIfNeeded: e % 10) &+ 0x30)
            }
            out.append(contentsOf: UnsafeBufferPointer(start: b.baseAddress!, count: w))
        }
        return true
    }
}
