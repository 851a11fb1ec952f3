// Fast evaluations of R's `x^y` (R_pow) for the two powers voom takes per
// observation, `2^f` and `t^4`, that return exactly what R_pow returns.
import CRmath

/// `2^f` and `t^4` with R's bits, several times faster than `R_pow`.
///
/// R's `x^y` for finite arguments is C `pow` (R_pow; libRmath's copy calls
/// the same glibc `pow`). glibc's `pow` (2.28 and later) computes `log(x)`
/// with a relative error below 1.5 * 2^-68 and then `exp(y log x)` with an
/// error below 0.511 ulp, so its result is within
/// `0.511 + |y log x| * 1.5 * 2^-15` ulp of the exact power (the documented
/// worst case, 0.54 ulp, is this at |y log x| = 1024 log 2). So whenever the
/// exact power lies within `1 - B` ulp of a double `s`, where `B` bounds the
/// error for the arguments at hand, every neighbour of `s` is more than `B`
/// ulp away and `pow` must return `s`, the correctly rounded power. Here:
/// - `t^4` for `2^-2 <= t < 2^2` (|y log x| < 8 ln 2 < 5.546,
///   B < 0.511 + 5.546 * 1.5 * 2^-15 < 0.51126): exact power within
///   0.4887 ulp of `s`; for `2^-8 <= t < 2^8` (|y log x| < 22.2,
///   B < 0.5121): within 0.48 ulp; for `2^-200 < t < 2^200` (B < 0.5365):
///   within 0.45 ulp;
/// - `2^f` for `|f| <= 64` (|y log x| < 44.4, B < 0.5131): within 0.48 ulp;
///   for `|f| <= 1000` (B < 0.5428): within 0.45 ulp.
///
/// Both compute the power as `s + err` (`s` the rounded sum, `err` its exact
/// rounding error), `pow2` to better than 0.01 ulp and `fourth` to better
/// than 0.002 ulp, and accept `s` when `|err|` is at most the distance above
/// less that. Otherwise, or outside the ranges above, or when `s` is a power
/// of two (where the ulp changes), they call `R_pow` itself (about 1 call in
/// 36 for `t^4` with t near 1 and 1 in 16 for `2^f`). Results are
/// bit-identical to `R_pow` by construction; the tests also compare tens of
/// millions of arguments.
enum ExactPow {
    /// Accepted distance from the computed sum, in ulps of it, for `2^f`
    /// with `|f| <= 64` and with `|f| <= 1000` (the distances above less the
    /// 0.01 ulp of the approximation).
    static let acceptNear = 0.47, acceptFar = 0.44

    /// `2^(j/256)` for j = 0...255 as a double-double: hi at 2j, lo at 2j+1
    /// (written once, at first use; read-only after).
    nonisolated(unsafe) static let exp2Table: UnsafePointer<Double> = {
        // 2^(1/256) by its series, then successive double-double products
        // (each within about 2^-104, so every entry within 2^-95).
        let t = UnsafeMutablePointer<Double>.allocate(capacity: 512)
        let step = DoubleDouble.exp(DoubleDouble.ln2.scaled(by: 1.0 / 256))
        var v = DoubleDouble(hi: 1, lo: 0)
        for j in 0..<256 {
            t[2 * j] = v.hi
            t[2 * j + 1] = v.lo
            v = v * step
        }
        return UnsafePointer(t)
    }()

    /// `ln(2)^k / k!` for k = 1...6 (k = 1: ln 2 correctly rounded).
    static let c1 = 0x1.62e42fefa39efp-1
    static let c2 = c1 * c1 / 2
    static let c3 = c2 * c1 / 3
    static let c4 = c3 * c1 / 4
    static let c5 = c4 * c1 / 5
    static let c6 = c5 * c1 / 6

    /// `ulp(s)` for a positive normal `s` at least 2^-969.
    @inline(__always)
    static func ulp(_ s: Double) -> Double {
        Double(bitPattern: (s.bitPattern & 0x7FF0_0000_0000_0000) &- 0x0340_0000_0000_0000)
    }

    /// R's `2^f` (`R_pow(2, f)`). `table` is `exp2Table`.
    ///
    /// For `|f| <= 1000`: `f = e + j/256 + r` with `m = 256 e + j` the
    /// nearest integer to `256 f` and `|r| <= 1/512` (exact, by Sterbenz);
    /// `2^r - 1 = q` by its Taylor series to degree 6 (truncation below
    /// 2^-79, rounding below 2^-61); `2^(j/256) (1 + q) = hi + (hi q + lo)`
    /// summed with its exact error; then scaled by `2^e` (exact).
    @inline(__always)
    static func pow2(_ f: Double, table: UnsafePointer<Double>) -> Double {
        guard abs(f) <= 1000 else { return R_pow(2, f) }
        let shifter = 0x1.8p52
        let k = (f * 256 + shifter) - shifter          // nearest integer to 256 f
        let r = (f * 256 - k) * 0x1p-8
        let q = r * c1 + (r * r) * (c2 + r * (c3 + r * (c4 + r * (c5 + r * c6))))
        let m = Int(k)
        let j = m & 255
        let hi = table[2 * j], lo = table[2 * j + 1]
        let u = hi * q + lo
        let s = hi + u
        let err = u - (s - hi)                           // exact: |hi| >= |u|
        let accept = abs(f) <= 64 ? acceptNear : acceptFar
        guard s.significandBitPattern != 0, abs(err) <= accept * ulp(s) else { return R_pow(2, f) }
        return s * Double(bitPattern: UInt64(1023 + (m >> 8)) << 52)
    }

    /// `2^f` for two values at once, each lane bit-identical to
    /// `pow2(f, table:)`: when both `|f| <= 64`, both lanes go through its
    /// operations as two-lane vector arithmetic (each lane rounded as the
    /// scalar operation; the table entries and the scale `2^e` per lane),
    /// `s` a power of two tested as `s == ulp(s) * 2^52` (`s` near 1 here);
    /// otherwise, or when a lane is not accepted, each lane is
    /// `pow2(f, table:)` itself.
    @inline(__always)
    static func pow2(_ f: SIMD2<Double>, table: UnsafePointer<Double>) -> SIMD2<Double> {
        guard all(magnitude(f) .<= 64) else { return SIMD2(pow2(f.x, table: table), pow2(f.y, table: table)) }
        let shifter = 0x1.8p52
        let f256: SIMD2<Double> = f * 256
        let k: SIMD2<Double> = (f256 + shifter) - shifter
        let r: SIMD2<Double> = (f256 - k) * 0x1p-8
        // q = r c1 + r^2 (c2 + r (c3 + r (c4 + r (c5 + r c6)))), innermost first
        let p5: SIMD2<Double> = c5 + r * c6
        let p4: SIMD2<Double> = c4 + r * p5
        let p3: SIMD2<Double> = c3 + r * p4
        let p2: SIMD2<Double> = c2 + r * p3
        let q: SIMD2<Double> = r * c1 + (r * r) * p2
        let ma = Int(k.x), mb = Int(k.y)
        let ja = ma & 255, jb = mb & 255
        let hi = SIMD2(table[2 * ja], table[2 * jb]), lo = SIMD2(table[2 * ja + 1], table[2 * jb + 1])
        let u: SIMD2<Double> = hi * q + lo
        let s: SIMD2<Double> = hi + u
        guard accepted(s, error: u - (s - hi), within: acceptNear) else {
            return SIMD2(pow2(f.x, table: table), pow2(f.y, table: table))
        }
        return s * SIMD2(Double(bitPattern: UInt64(1023 + (ma >> 8)) << 52),
                         Double(bitPattern: UInt64(1023 + (mb >> 8)) << 52))
    }

    /// R's `t^4` (`R_pow(t, 4)`).
    ///
    /// For `2^-200 < t < 2^200`: `a = t^2` and `b = a^2` with their exact
    /// rounding errors (Dekker's square), so
    /// `t^4 = b + (eb + 2 a ea) + ea^2`, where `ea^2` and the roundings of
    /// `2 a ea` and of the sum `c` are each below 2^-104 t^4: `s = b + c` and
    /// its exact error give the distance from `s` to t^4 within 2^-50 ulp.
    /// Accepted when at most 0.486 ulp for `2^-2 <= t < 2^2` and 0.478 ulp
    /// for the rest of `2^-8 <= t < 2^8` (inline, unsigned comparisons of
    /// the bits; the distances above less 0.002 ulp), 0.448 ulp otherwise
    /// (`fourthWide`).
    @inline(__always)
    static func fourth(_ t: Double) -> Double {
        guard t.bitPattern &- 0x3F70_0000_0000_0000 < 0x0100_0000_0000_0000 else { return fourthWide(t) }
        return fourth(t, accept: acceptFourth(t))
    }

    /// The accepted distance of `fourth` for `2^-8 <= t < 2^8`: 0.486 ulp
    /// for `2^-2 <= t < 2^2` (the bits of t, less those of 2^-2, below
    /// those of 2^2 less 2^-2), else 0.478.
    @inline(__always)
    static func acceptFourth(_ t: Double) -> Double {
        t.bitPattern &- 0x3FD0_0000_0000_0000 < 0x0040_0000_0000_0000 ? 0.486 : 0.478
    }

    /// `t^4` outside `[2^-8, 2^8)`.
    @inline(never)
    static func fourthWide(_ t: Double) -> Double {
        guard t > 0x1p-200 && t < 0x1p200 else { return R_pow(t, 4) }
        return fourth(t, accept: 0.448)
    }

    /// `t^4` for `2^-200 < t < 2^200`, accepted within `accept` ulp.
    @inline(__always)
    static func fourth(_ t: Double, accept: Double) -> Double {
        let a = t * t
        let ea = squareError(t, a)
        let b = a * a
        let eb = squareError(a, b)
        let c = eb + 2 * a * ea
        let s = b + c
        let err = c - (s - b)                            // exact: |b| >= |c|
        guard s.significandBitPattern != 0, abs(err) <= accept * ulp(s) else { return R_pow(t, 4) }
        return s
    }

    /// `x^2 - p` exactly, for `p = x * x` rounded (Dekker: x split in halves
    /// of 26 and 27 bits whose products are exact).
    @inline(__always)
    static func squareError(_ x: Double, _ p: Double) -> Double {
        let cs = 134217729.0 * x
        let hi = cs - (cs - x)
        let lo = x - hi
        return ((hi * hi - p) + 2 * hi * lo) + lo * lo
    }

    /// `1 / t^4` for two values at once, each lane bit-identical to
    /// `1 / fourth(t)`.
    ///
    /// Both lanes go through the operations of `fourth(_:accept:)` as
    /// two-lane vector arithmetic (each lane rounded exactly as the scalar
    /// operation: IEEE products, sums and quotients, no fused operations).
    /// The bands are tested as two comparisons each (false for NaN and
    /// negative t, as the scalar bit tests), and `s` a power of two as
    /// `s == ulp(s) * 2^52` (exact for the `s` of `2^-8 <= t < 2^8`,
    /// between 2^-33 and 2^32; the tests of the lanes outside the band
    /// play no part). When both lanes are in `2^-2 <= t < 2^2`
    /// and within 0.486 ulp (the scalar acceptance of each lane), or both
    /// in `2^-8 <= t < 2^8` and within 0.478 ulp (which each lane's scalar
    /// acceptance, 0.478 or 0.486, then also passes), the reciprocals are
    /// one two-lane division;
    /// otherwise each lane is `1 / fourth(t)` itself (the same operations
    /// again, or `fourthWide`, or `R_pow`).
    @inline(__always)
    static func reciprocalFourth(_ t: SIMD2<Double>) -> SIMD2<Double> {
        let a = t * t
        let ea = squareError(t, a)
        let b = a * a
        let eb = squareError(a, b)
        let c = eb + 2 * a * ea
        let s = b + c
        let err = c - (s - b)
        if all((t .>= 0x1p-2) .& (t .< 0x1p2) .& acceptance(s, error: err, within: 0.486))
            || all((t .>= 0x1p-8) .& (t .< 0x1p8) .& acceptance(s, error: err, within: 0.478)) { return 1 / s }
        return SIMD2(1 / fourth(t.x), 1 / fourth(t.y))
    }

    /// The scalar acceptance test lane by lane, true when both lanes pass:
    /// `s` (positive, normal, at least 2^-969) not a power of two, tested as
    /// `s != ulp(s) * 2^52`, and `|err| <= accept * ulp(s)`.
    @inline(__always)
    static func accepted(_ s: SIMD2<Double>, error err: SIMD2<Double>, within accept: Double) -> Bool {
        all(acceptance(s, error: err, within: accept))
    }

    /// The lanes that pass the scalar acceptance test (see `accepted`).
    @inline(__always)
    static func acceptance(_ s: SIMD2<Double>, error err: SIMD2<Double>, within accept: Double) -> SIMDMask<SIMD2<Int64>> {
        let sBits = unsafeBitCast(s, to: SIMD2<UInt64>.self)
        let u = unsafeBitCast((sBits & 0x7FF0_0000_0000_0000) &- 0x0340_0000_0000_0000, to: SIMD2<Double>.self)
        return (s .!= u * 0x1p52) .& (magnitude(err) .<= accept * u)
    }

    /// `|x|` lane by lane (the sign bit cleared).
    @inline(__always)
    static func magnitude(_ x: SIMD2<Double>) -> SIMD2<Double> {
        unsafeBitCast(unsafeBitCast(x, to: SIMD2<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: SIMD2<Double>.self)
    }

    /// `squareError` lane by lane (the same operations).
    @inline(__always)
    static func squareError(_ x: SIMD2<Double>, _ p: SIMD2<Double>) -> SIMD2<Double> {
        let cs = 134217729.0 * x
        let hi = cs - (cs - x)
        let lo = x - hi
        return ((hi * hi - p) + 2 * hi * lo) + lo * lo
    }
}

/// A double-double `hi + lo` (|lo| <= ulp(hi) / 2) with the few operations
/// `ExactPow` needs to build its table, accurate to about 2^-104.
struct DoubleDouble {
    var hi: Double
    var lo: Double

    /// ln 2 = 0x1.62e42fefa39efp-1 + 0x1.abc9e3b39803fp-56.
    static let ln2 = DoubleDouble(hi: 0x1.62e42fefa39efp-1, lo: 0x1.abc9e3b39803fp-56)

    /// `a * b` exactly, as `(p, e)` (Dekker's product).
    static func twoProduct(_ a: Double, _ b: Double) -> (Double, Double) {
        func split(_ x: Double) -> (Double, Double) {
            let c = 134217729.0 * x
            let h = c - (c - x)
            return (h, x - h)
        }
        let p = a * b
        let (ah, al) = split(a), (bh, bl) = split(b)
        return (p, ((ah * bh - p) + ah * bl + al * bh) + al * bl)
    }

    static func + (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        let s = x.hi + y.hi
        let v = s - x.hi
        let e = (x.hi - (s - v)) + (y.hi - v)
        let t = e + x.lo + y.lo
        let h = s + t
        return DoubleDouble(hi: h, lo: t - (h - s))
    }

    static func * (x: DoubleDouble, y: DoubleDouble) -> DoubleDouble {
        let (p, e) = twoProduct(x.hi, y.hi)
        let t = e + (x.hi * y.lo + x.lo * y.hi)
        let h = p + t
        return DoubleDouble(hi: h, lo: t - (h - p))
    }

    /// `self * d` for a double `d`.
    func scaled(by d: Double) -> DoubleDouble { self * DoubleDouble(hi: d, lo: 0) }

    /// `self / d` for a double `d`: the quotient of hi, then of the exact
    /// remainder.
    func divided(by d: Double) -> DoubleDouble {
        let q1 = hi / d
        let (p, e) = Self.twoProduct(q1, d)
        let q2 = (((hi - p) - e) + lo) / d
        let h = q1 + q2
        return DoubleDouble(hi: h, lo: q2 - (h - q1))
    }

    /// `e^x` for `0 <= x < 1` by its Taylor series (terms to 2^-110).
    static func exp(_ x: DoubleDouble) -> DoubleDouble {
        var sum = DoubleDouble(hi: 1, lo: 0)
        var term = DoubleDouble(hi: 1, lo: 0)
        for k in 1...40 {
            term = (term * x).divided(by: Double(k))
            sum = sum + term
            if abs(term.hi) < 0x1p-110 { break }
        }
        return sum
    }
}
