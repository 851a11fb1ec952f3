// lowess's group fits with the quotients by two-term reciprocals and FMA
// (LowessGroupFits.swift, shared with Limma, through `LowessExactQuotients`).

/// A divisor `b` with its reciprocal in two terms: `hi = RN(1/b)` and
/// `lo = RN(e hi)` with `e = 1 - b hi` (exact: `hi` is within an ulp of
/// `1/b`), so that `hi + lo` is `1/b` within a relative `2^-104`.
struct TwoTermInverse {
    let b: SIMD4<Double>, hi: SIMD4<Double>, lo: SIMD4<Double>

    @inline(__always)
    init(_ b: SIMD4<Double>) {
        self.b = b
        hi = 1 / b
        lo = SIMD4<Double>(repeating: 1).addingProduct(-b, hi) * hi
    }

    /// `a / b`, correctly rounded (the bits of IEEE division), for `b` in
    /// `[2^-400, 2^400]` and `a` = +0 or `|a|` in `[2^-420, 2^400]`, by a
    /// multiplication and three fused multiply-adds:
    ///
    ///     q0 = RN(a hi + RN(a lo))
    ///     r  = RN(a - b q0),  q = RN(q0 + r hi)
    ///
    /// Why, with `u = 2^-53` and `z = a / b`:
    /// - `e = 1 - b hi` is a multiple of `2^-105` (`b hi` is near 1 and a
    ///   product of two 53-bit significands) with `|e| <= u`, and
    ///   `1/b = hi + e/b`; `lo = e hi (1 + e_1) = (e/b)(1 - e)(1 + e_1)` with
    ///   `|e_1| <= u`, so `|hi + lo - 1/b| <= |e/b| (|e| + 2u) <= 2^-105 (1 + 2^-52) / b`.
    /// - `RN(a lo) = a lo (1 + e_2)`, `|e_2| <= u` (in this domain `a lo` is
    ///   +0, -0 or of magnitude above `2^-930`: normal), so
    ///   `a hi + RN(a lo) = z + a (hi + lo - 1/b) + a lo e_2` lies within
    ///   `(2^-105 + 2^-106)(1 + 2^-50) z < 2^-104 z` of `z`: within `2^-51`
    ///   ulp of z. Its rounding `q0` is then a faithful rounding of `z`:
    ///   `z` itself when `z` is a double (every other double lies at least
    ///   half an ulp of `z` away from it); else one of the two doubles
    ///   around `z` (the next ones out lie at least half an ulp beyond them).
    /// - Markstein's theorem (see `ExactQuotient`, whose last step this is,
    ///   in a subset of its domain): with `hi` within half an ulp of `1/b`
    ///   and `q0` faithful, `a - b q0` is a double, so `r` is exact, and
    ///   `RN(q0 + r hi) = RN(z)`.
    /// For `a = +0`: `RN(a lo)` is +0 or -0, `q0 = RN(+0 + ±0) = +0`,
    /// `r = RN(+0 - b 0) = +0` and `q = +0`, as `+0 / b`.
    @inline(__always)
    func quotient(_ a: SIMD4<Double>) -> SIMD4<Double> {
        let q0 = (a * lo).addingProduct(a, hi)
        return q0.addingProduct(a.addingProduct(-b, q0), hi)
    }

    static let low = 0x1p-400, high = 0x1p400, dividendLow = 0x1p-420
}

/// The quotients of lowess's fits through `TwoTermInverse`: the bits of
/// division, for the divisors it accepts.
///
/// Why every quotient it is asked for lies in `TwoTermInverse`'s domain
/// (`b` in `[2^-400, 2^400]`, `a` = +0 or `|a|` in `[2^-420, 2^400]`):
/// - `r / h` (tricube): accepted when every lane's half-width `h` lies in
///   `[2^-400, 2^400]`. The ratio is used only where
///   `RN(0.001 h) < r <= RN(0.999 h)`, so there `r > 2^-410` and `r <= h`;
///   elsewhere the fits replace it, whatever it is (and an inactive lane's
///   weight is cleared).
/// - `w / a` (normalising): accepted when every lane's sum of weights `a`
///   lies in `[2^-400, 2^400]`. Each weight `w` is `u^3 rw` or +0 (cleared or
///   replaced, never -0). The tricube factor `u = 1 - q^3` is 1 or, with
///   `q = RN(r / h) <= RN(0.999 (1 + 2^-53)) < 0.9991`, at least 0.0026,
///   so `u^3 > 2^-26`. The robustness weight `rw` is 1, +0 or
///   `v^2` with `v = 1 - RN(r / c)^2`, `r <= RN(0.999 c) <= c`: the ratio is
///   at most 1, so `v` is +0 or at least `2^-53` (the gap below 1), and
///   `rw` is +0 or at least `2^-106`. So `w` is +0 or in `[2^-133, 1]`.
/// A sum of weights of +0 (a window without weight, a fit the curve does
/// not use) is refused, and that sweep divides.
enum LowessExactQuotients: LowessDivider {
    @inline(__always)
    static func accepts(halfWidths h: SIMD4<Double>) -> Bool { inDomain(h) }

    @inline(__always)
    static func accepts(weightSums a: SIMD4<Double>) -> Bool { inDomain(a) }

    @inline(__always)
    static func inDomain(_ b: SIMD4<Double>) -> Bool {
        all((b .>= SIMD4(repeating: TwoTermInverse.low)) .& (b .<= SIMD4(repeating: TwoTermInverse.high)))
    }

    @inline(__always) static func inverse(_ b: SIMD4<Double>) -> TwoTermInverse { TwoTermInverse(b) }

    @inline(__always)
    static func quotient(_ a: SIMD4<Double>, by inverse: TwoTermInverse) -> SIMD4<Double> { inverse.quotient(a) }
}

/// `LowessGroupTables.fitGroups` over the groups `lower ..< upper` with
/// `LowessExactQuotients`: the same fits, bit for bit, as Limma's copy of
/// it with division. The arguments are the fields of `LowessGroupTables`
/// and `LowessPoints` and the scratch and outputs of `fitGroups` (see
/// there). Call only when `FMAKernels.enabled`.
@inline(never)
public func lowessFitGroupsFMA(
    groups lower: Int, _ upper: Int,
    center: UnsafePointer<Int>, halfWidth: UnsafePointer<Double>,
    groupFirst: UnsafePointer<Int>, groupBase: UnsafePointer<Int>, groupLength: UnsafePointer<Int>,
    segmentFirst: UnsafePointer<Int>, segmentStart: UnsafePointer<Int>, segmentLanes: UnsafePointer<UInt8>,
    range: Double,
    x: UnsafePointer<Double>, x2: UnsafePointer<SIMD2<Double>>, y2: UnsafePointer<SIMD2<Double>>,
    rw2: UnsafePointer<SIMD2<Double>>,
    scratch: UnsafeMutablePointer<SIMD4<Double>>, window: Int, finiteY: Bool,
    fits: UnsafeMutablePointer<Double>, ok: UnsafeMutablePointer<Bool>) {
    let tables = LowessGroupTables(center: center, halfWidth: halfWidth, groupFirst: groupFirst, groupBase: groupBase,
                                   groupLength: groupLength, segmentFirst: segmentFirst, segmentStart: segmentStart,
                                   segmentLanes: segmentLanes, range: range)
    tables.fitGroups(lower..<upper, LowessPoints(x: x, x2: x2, y2: y2, rw2: rw2), scratch, window, finiteY, fits, ok,
                     LowessExactQuotients.self)
}

/// `out[k] = a[k] / b[k]` through `TwoTermInverse` (four lanes at a time)
/// where both are in its domain, by division elsewhere; for tests that hold
/// it to IEEE division. Call only when `FMAKernels.enabled`.
@inline(never)
public func fmaTwoTermQuotients(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                _ out: UnsafeMutablePointer<Double>, count: Int) {
    func inDomain(_ x: Double, _ d: Double) -> Bool {
        let m = abs(x)
        return d >= TwoTermInverse.low && d <= TwoTermInverse.high
            && ((m >= TwoTermInverse.dividendLow && m <= TwoTermInverse.high) || (x == 0 && x.sign == .plus))
    }
    var k = 0
    while k + 4 <= count {
        let av = UnsafeRawPointer(a + k).loadUnaligned(as: SIMD4<Double>.self)
        let bv = UnsafeRawPointer(b + k).loadUnaligned(as: SIMD4<Double>.self)
        var q = TwoTermInverse(bv).quotient(av)
        for l in 0..<4 where !inDomain(av[l], bv[l]) { q[l] = av[l] / bv[l] }
        UnsafeMutableRawPointer(out + k).storeBytes(of: q, as: SIMD4<Double>.self)
        k += 4
    }
    while k < count {
        out[k] = a[k] / b[k]
        if inDomain(a[k], b[k]) { out[k] = TwoTermInverse(SIMD4(repeating: b[k])).quotient(SIMD4(repeating: a[k]))[0] }
        k += 1
    }
}
