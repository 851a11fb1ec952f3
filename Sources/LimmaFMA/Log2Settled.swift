// log2 with the system libm's bits, four values at a time: fmaLog2Parts'
// two-part approximation where it proves the libm's result, the libm itself
// elsewhere (voom's log-CPM values).

/// `out[k] = log2(x[k])` with the bits of the libm's `log2`, for `k <
/// count`: where `fmaLog2Parts` proves the libm's result (see its doc
/// comment, "What it is for"), that result; every other value is
/// `miss(x[k])` (which the caller makes the libm's `log2`). `lo` is scratch
/// of `count` doubles; `out` and `lo` must not overlap `x`. Call only when
/// `FMAKernels.enabled`.
///
/// ## When a value is settled
/// `yh + yl` from `fmaLog2Parts` is within `E` of `Y = log2 x`, with
/// `E <= 2^-10.27 ulp(yh)` when x is outside `[0.70703125, 1.4140625)` and
/// `E <= 2^-6.6 ulp(yh)` inside (x covered, so `|Y| > 2^-7.47` and
/// `ulp(yh) >= 2^-60`): `E < 0.0104 ulp(yh)` either way. Accepted when `yh`
/// is not 0 nor ±2^e and `RN(yh + c yl) == yh` (one FMA, one rounding) with
/// `c = RN(1/(2 · 0.438))`: yh's neighbours lie `ulp(yh)` away on both sides,
/// so that holds only if `|c yl| <= ulp(yh)/2`, i.e.
/// `|yl| <= 0.438 (1 + 2^-52) ulp(yh)`; then `|Y - yh| < 0.4485 ulp(yh)`,
/// below the 0.45 ulp that proves the libm's result (which is within 0.550
/// ulp of Y) is yh. Uncovered lanes are NaN in both parts and fail the test.
/// About one value in nine is left to `miss`.
@inline(never)
public func fmaLog2Settled(_ x: UnsafePointer<Double>, count: Int, into out: UnsafeMutablePointer<Double>,
                           lo: UnsafeMutablePointer<Double>, miss: (Double) -> Double) {
    fmaLog2Parts(x, count: count, hi: out, lo: lo)
    let c = SIMD4<Double>(repeating: 0x1.243cc90f3243dp+0)      // RN(1 / (2 · 0.438))
    // Whole groups of four through `settleInGroups`, the rest one at a time.
    var k = settleInGroups(count: count, group: { k in
        let yh = UnsafeRawPointer(out + k).loadUnaligned(as: SIMD4<Double>.self)
        let yl = UnsafeRawPointer(lo + k).loadUnaligned(as: SIMD4<Double>.self)
        return (yh .!= 0) .& notPowerOfTwo(yh) .& (yh.addingProduct(yl, c) .== yh)
    }, miss: { m in out[m] = miss(x[m]) }).end
    while k < count {
        let yh = out[k], yl = lo[k]
        let settled = yh != 0 && notPowerOfTwo(SIMD4(repeating: yh))[0] && yh.addingProduct(yl, c[0]) == yh
        if !settled { out[k] = miss(x[k]) }
        k += 1
    }
}
