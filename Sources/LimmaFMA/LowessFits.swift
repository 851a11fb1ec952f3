// lowess's group fits with the quotients by reciprocals and FMA
// (LowessGroupFits.swift, shared with Limma, through `LowessExactQuotients`).

/// The quotients of lowess's fits through `ExactQuotient`: the bits of
/// division, for the divisors it accepts.
///
/// Why every quotient it is asked for lies in `ExactQuotient`'s domain
/// (`b` in `[2^-500, 2^500]`, `a` = +0 or `|a|` in `[2^-500, 2^500]`):
/// - `r / h` (tricube): accepted when every lane's half-width `h` lies in
///   `[2^-480, 2^480]`. The ratio is used only where
///   `RN(0.001 h) < r <= RN(0.999 h)`, so there `r > 2^-491` and `r <= h`;
///   elsewhere the fits replace it, whatever it is (and an inactive lane's
///   weight is cleared).
/// - `w / a` (normalising): accepted when every lane's sum of weights `a`
///   lies in `[2^-500, 2^500]`. Each weight `w` is `u^3 rw` or +0 (cleared or
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
    static func accepts(halfWidths h: SIMD4<Double>) -> Bool {
        all((h .>= SIMD4(repeating: 0x1p-480)) .& (h .<= SIMD4(repeating: 0x1p480)))
    }

    @inline(__always)
    static func accepts(weightSums a: SIMD4<Double>) -> Bool {
        all((a .>= SIMD4(repeating: ExactQuotient.low)) .& (a .<= SIMD4(repeating: ExactQuotient.high)))
    }

    @inline(__always)
    static func quotient(_ a: SIMD4<Double>, _ b: SIMD4<Double>, reciprocal y: SIMD4<Double>) -> SIMD4<Double> {
        ExactQuotient.quotient(a, b, reciprocal: y)
    }
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
