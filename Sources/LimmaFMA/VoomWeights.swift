// voom's per-observation trend and weight, four observations at a time.

/// `v[k] = 1 / t^4` with `t = trend(v[k])` for `k < count`: the linear
/// interpolation of `Limma`'s `ApproxLookup` and `R_pow(t, 4)`, each value
/// the bits of the plain code (`ApproxLookup.Evaluator` and `ExactPow` in
/// `Limma`), or, for a value the kernel does not settle, `trendMiss(v[k])`
/// or `powerMiss(t)` (which the caller makes that plain code). Call only
/// when `FMAKernels.enabled`.
///
/// The tables (`Limma`'s `ApproxLookup`): `cells` holds per interval i the
/// record `(x_i, x_(i+1), y_i, y_(i+1) - y_i)`, then closing records from
/// i = n - 1 to n + 1 with NaN right ends; `first[b]` for bucket `b <= nb`
/// is a knot at or below every point of bucket b, where
/// `b = min(Int((v - lo) * scale), nb)` (`ApproxLookup`'s fine table);
/// `reciprocals[i]` is
/// `RN(1 / (x_(i+1) - x_i))` when that width is in `[2^-500, 2^500]`
/// (`ExactQuotient`'s divisors), else 0 (also for the closing records);
/// `x1 < xn` are the first and last knots (x1 NaN: no usable tables, every
/// value goes to `trendMiss`).
///
/// The values are taken in chunks of 512, each in three passes whose
/// dependency chains are short, so that the processor overlaps many values
/// of one pass:
/// 1. Each value's candidate interval `d = i + s`: i = `first[b]` (b from
///    `(v - lo) * scale` clamped to `[0, nb]`; NaN to 0), s the number of
///    `x_(i+1), x_(i+2)` at or below v (a prefix: the knots increase).
/// 2. Four values at a time: their records; a lane is interpolated when
///    `x_d <= v < x_(d+1)` (v's interval, unique: false for NaN, for v
///    outside `[x1, xn)` and for a walk that stopped short), the width has
///    a reciprocal, and `v - x_d` is `+0` or at least 2^-500 (it is at
///    most the width, so at most 2^500); then
///    `t = y_d + dy_d * ((v - x_d) / (x_(d+1) - x_d))`, or `y_d` when
///    `v == x_d`, as `ApproxLookup.Evaluator.interpolate`: the quotient by
///    `ExactQuotient` (the bits of the division), the product and the sum
///    rounded separately (no fused operation). Other lanes keep v (a walk
///    that stopped short, about 1 value in 1,000 for voom's trend, is
///    settled by `trendMiss`).
/// 3. Four values at a time: `t^4` as `ExactPow.fourth(t, accept:)`
///    computes it: `a = t t`, `b = a a` and their exact rounding errors
///    (here each one FMA, `t t - a`: Dekker's value, both being the exact
///    error, since for `2^-8 <= t < 2^8` no product underflows or
///    overflows), `c = eb + (2a) ea`, `s = b + c`, `err = c - (s - b)`;
///    accepted as `ExactPow.fourth` accepts (`s` not a power of two, tested
///    as `s != ulp(s) 2^52`, exact for the `s` of that band;
///    `|err| <= 0.486 ulp(s)` for `2^-2 <= t < 2^2`, `0.478 ulp(s)` for the
///    rest of `2^-8 <= t < 2^8`); then `1 / s`, a true division. A lane
///    not interpolated or not accepted keeps its value; each group of four
///    is noted, without branches, as its offset and two 4-bit masks (the
///    lanes left, the lanes interpolated), the count of notes advancing
///    when a lane is left.
/// Then each noted value is `trendMiss(v)` (not interpolated) or
/// `powerMiss(t)`. The last `count % 4` values are `trendMiss(v)`.
@inline(never)
public func fmaVoomTrendWeights(_ v: UnsafeMutablePointer<Double>, count: Int,
                                cells: UnsafePointer<Double>, reciprocals: UnsafePointer<Double>,
                                first: UnsafePointer<Int32>, x1: Double, xn: Double, lo: Double,
                                scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                powerMiss: (Double) -> Double) {
    typealias V4 = SIMD4<Double>
    let whole = x1 < xn ? count & ~3 : 0
    let chunk = 512
    // Per chunk: the candidate intervals (Int32), the lanes interpolated
    // (one SIMD4<Int64> mask per four values) and the notes
    // ((offset / 4) << 8 | interpolated << 4 | left).
    withUnsafeTemporaryAllocation(byteCount: chunk * (4 + 8 + 2), alignment: 32) { scratch in
        let base = scratch.baseAddress!
        let kinds = base                                          // SIMD4<Int64> per four values
        let idx = (base + chunk * 8).assumingMemoryBound(to: Int32.self)
        let noted = (base + chunk * 12).assumingMemoryBound(to: UInt16.self)
        let zero = V4(repeating: 0), top = V4(repeating: Double(nb)), tiny = V4(repeating: 0x1p-500)
        var k0 = 0
        while k0 < whole {
            let len = Swift.min(whole - k0, chunk)
            let rc = UnsafeMutableRawPointer(v + k0)
            // 1. Candidate intervals.
            var k = 0
            while k < len {
                let x = rc.loadUnaligned(fromByteOffset: 8 * k, as: V4.self)
                var bq = (x - lo) * scale
                bq = bq.replacing(with: zero, where: .!(bq .>= zero))        // below x1, or NaN
                bq = bq.replacing(with: top, where: bq .> top)
                for l in 0..<4 {
                    let xl = x[l]
                    let i = Int(first[Int(bq[l])])
                    let c = cells + 4 * i
                    let s = (c[1] <= xl ? 1 : 0) &+ (c[5] <= xl ? 1 : 0)
                    idx[k + l] = Int32(truncatingIfNeeded: i &+ s)
                }
                k += 4
            }
            // 2. Interpolation.
            k = 0
            while k < len {
                let vin = rc.loadUnaligned(fromByteOffset: 8 * k, as: V4.self)
                let d0 = Int(idx[k]), d1 = Int(idx[k + 1]), d2 = Int(idx[k + 2]), d3 = Int(idx[k + 3])
                let r0 = UnsafeRawPointer(cells + 4 * d0).loadUnaligned(as: V4.self)
                let r1 = UnsafeRawPointer(cells + 4 * d1).loadUnaligned(as: V4.self)
                let r2 = UnsafeRawPointer(cells + 4 * d2).loadUnaligned(as: V4.self)
                let r3 = UnsafeRawPointer(cells + 4 * d3).loadUnaligned(as: V4.self)
                let x0 = V4(r0[0], r1[0], r2[0], r3[0])
                let xr = V4(r0[1], r1[1], r2[1], r3[1])
                let y0 = V4(r0[2], r1[2], r2[2], r3[2])
                let dy = V4(r0[3], r1[3], r2[3], r3[3])
                let rcp = V4(reciprocals[d0], reciprocals[d1], reciprocals[d2], reciprocals[d3])
                let a = vin - x0
                let atKnot = vin .== x0
                let q = ExactQuotient.quotient(a, xr - x0, reciprocal: rcp)
                let t = (y0 + dy * q).replacing(with: y0, where: atKnot)
                let interpolated = (x0 .<= vin) .& (vin .< xr) .& (rcp .> zero) .& ((a .>= tiny) .| atKnot)
                rc.storeBytes(of: t.replacing(with: vin, where: .!interpolated), toByteOffset: 8 * k, as: V4.self)
                kinds.storeBytes(of: unsafeBitCast(interpolated, to: SIMD4<Int64>.self), toByteOffset: 8 * k, as: SIMD4<Int64>.self)
                k += 4
            }
            // 3. 1 / t^4, then the values left.
            let m = voomPowerPass(rc, len, kinds, noted)
            voomSettleNoted(v + k0, m, noted, trendMiss, powerMiss)
            k0 += len
        }
    }
    var k = whole
    while k < count {
        v[k] = trendMiss(v[k])
        k += 1
    }
}

/// `fmaVoomTrendWeights`' pass 3 over the `len` (a multiple of 4) trend
/// values at `rc`, whose groups of four were interpolated where `kinds`
/// says: `1 / t^4` where settled, the value kept elsewhere, and the groups
/// with a value kept noted in `noted` (`(offset / 4) << 8 | interpolated << 4
/// | left`). Returns the number of notes.
@inline(__always)
func voomPowerPass(_ rc: UnsafeMutableRawPointer, _ len: Int, _ kinds: UnsafeRawPointer,
                   _ noted: UnsafeMutablePointer<UInt16>) -> Int {
    typealias V4 = SIMD4<Double>
    var m = 0
    var k = 0
    while k < len {
        let t = rc.loadUnaligned(fromByteOffset: 8 * k, as: V4.self)
        let kind = kinds.loadUnaligned(fromByteOffset: 8 * k, as: SIMD4<Int64>.self)
        let interpolated = unsafeBitCast(kind, to: SIMDMask<SIMD4<Int64>>.self)
        let sq = t * t
        let ea = (-sq).addingProduct(t, t)                       // t t - a, exact
        let b4 = sq * sq
        let eb = (-b4).addingProduct(sq, sq)                     // a a - b, exact
        let c = eb + (2 * sq) * ea
        let s = b4 + c
        let err = c - (s - b4)
        let sBits = unsafeBitCast(s, to: SIMD4<UInt64>.self)
        let ulp = unsafeBitCast((sBits & 0x7FF0_0000_0000_0000) &- 0x0340_0000_0000_0000, to: V4.self)
        let mag = unsafeBitCast(unsafeBitCast(err, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: V4.self)
        let near = (t .>= 0x1p-2) .& (t .< 0x1p2) .& (mag .<= 0.486 * ulp)
        let far = (t .>= 0x1p-8) .& (t .< 0x1p8) .& (mag .<= 0.478 * ulp)
        let settled = interpolated .& (s .!= ulp * 0x1p52) .& (near .| far)
        rc.storeBytes(of: (1 / s).replacing(with: t, where: .!settled), toByteOffset: 8 * k, as: V4.self)
        let lanes = (unsafeBitCast(.!settled, to: SIMD4<Int64>.self) & SIMD4(1, 2, 4, 8))
            | (kind & SIMD4(16, 32, 64, 128))
        let bits = Int(truncatingIfNeeded: lanes.wrappedSum())
        noted[m] = UInt16(truncatingIfNeeded: (k << 6) | bits)
        m &+= bits & 15 == 0 ? 0 : 1
        k += 4
    }
    return m
}

/// The values `voomPowerPass` left at `vc`: `trendMiss(v)` where the group's
/// note says not interpolated, else `powerMiss(t)`.
@inline(__always)
func voomSettleNoted(_ vc: UnsafeMutablePointer<Double>, _ m: Int, _ noted: UnsafePointer<UInt16>,
                     _ trendMiss: (Double) -> Double, _ powerMiss: (Double) -> Double) {
    for i in 0..<m {
        let e = Int(noted[i]), g = (e >> 8) << 2
        for l in 0..<4 where (e >> l) & 1 != 0 {
            vc[g + l] = (e >> (4 + l)) & 1 == 0 ? trendMiss(vc[g + l]) : powerMiss(vc[g + l])
        }
    }
}

/// `fmaVoomTrendWeights` without its kernel tables, for a trend evaluated at
/// few points per knot (voom's small cases: ~12 observations per knot, where
/// the reciprocals and the fine table would cost more than they save): the
/// same values, each the bits of the plain code, or `trendMiss(v)` /
/// `powerMiss(t)` for a value it does not settle. Call only when
/// `FMAKernels.enabled`.
///
/// The tables are `ApproxLookup`'s own: `cells` (the interval records and
/// the closing records with NaN right ends), `knots` (x_1 ... x_n and three
/// NaNs: `knots[i + 1]` is record i's right end) and the coarse bucket table
/// `first` over `nb` buckets (`first[b]` a knot at or below every point of
/// bucket `b = min(Int((v - lo) * scale), nb)`, about two buckets per
/// knot); `x1 < xn` the first and last knots (x1 NaN: every value goes to
/// `trendMiss`), `yleft` and `yright` the trend's values below x1 and
/// above xn. In chunks of 64, three passes:
/// 1. The candidate interval `d = i + s`: i = `first[b]` (b clamped to
///    `[0, nb]`, NaN to 0), s the number of `x_(i+1), x_(i+2), x_(i+3)` at
///    or below v (a prefix: the knots increase; the NaNs past x_n count as
///    above v), as `ApproxLookup.Evaluator.record`, read from `knots` (a
///    quarter of the records' bytes: fewer cache misses for points in no
///    particular order).
/// 2. Four values at a time, their records: where `x_d <= v < x_(d+1)`
///    (v's interval, unique; false for NaN, outside `[x1, xn)` and for a
///    walk that stopped short), `t = y_d + dy_d * ((v - x_d) / (x_(d+1) -
///    x_d))`, or `y_d` when `v == x_d`: the operations of
///    `ApproxLookup.Evaluator.interpolate`, the quotient a true division,
///    the product and the sum rounded separately (no fused operation), so
///    its bits. Where `v < x1`, `t = yleft`; where `v > xn`, `t = yright`
///    (approx's values outside the knots). Other lanes (NaN, `v == xn`, a
///    walk that stopped short) keep v for `trendMiss`.
/// 3. `voomPowerPass` and `voomSettleNoted`, as `fmaVoomTrendWeights`.
/// The last `count % 4` values are `trendMiss(v)`.
@inline(never)
public func fmaVoomTrendWeightsDividing(_ v: UnsafeMutablePointer<Double>, count: Int,
                                        cells: UnsafePointer<Double>, knots: UnsafePointer<Double>,
                                        first: UnsafePointer<Int32>,
                                        x1: Double, xn: Double, yleft: Double, yright: Double, lo: Double,
                                        scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                        powerMiss: (Double) -> Double) {
    typealias V4 = SIMD4<Double>
    let whole = x1 < xn ? count & ~3 : 0
    // 64 values a chunk: the scratch (896 bytes, 16-byte aligned) stays on
    // the stack (`withUnsafeTemporaryAllocation` takes the heap above 1 KiB
    // or for a larger alignment).
    let chunk = 64
    withUnsafeTemporaryAllocation(byteCount: chunk * (4 + 8 + 2), alignment: 16) { scratch in
        let base = scratch.baseAddress!
        let kinds = base                                          // SIMD4<Int64> per four values
        let idx = (base + chunk * 8).assumingMemoryBound(to: Int32.self)
        let noted = (base + chunk * 12).assumingMemoryBound(to: UInt16.self)
        let zero = V4(repeating: 0), top = V4(repeating: Double(nb))
        let first1 = V4(repeating: x1), last = V4(repeating: xn)
        let left = V4(repeating: yleft), right = V4(repeating: yright)
        var k0 = 0
        while k0 < whole {
            let len = Swift.min(whole - k0, chunk)
            let rc = UnsafeMutableRawPointer(v + k0)
            // 1. Candidate intervals.
            var k = 0
            while k < len {
                let x = rc.loadUnaligned(fromByteOffset: 8 * k, as: V4.self)
                var bq = (x - lo) * scale
                bq = bq.replacing(with: zero, where: .!(bq .>= zero))        // below x1, or NaN
                bq = bq.replacing(with: top, where: bq .> top)
                for l in 0..<4 {
                    let xl = x[l]
                    let i = Int(first[Int(bq[l])])
                    let c = knots + i
                    let s = (c[1] <= xl ? 1 : 0) &+ (c[2] <= xl ? 1 : 0) &+ (c[3] <= xl ? 1 : 0)
                    idx[k + l] = Int32(truncatingIfNeeded: i &+ s)
                }
                k += 4
            }
            // 2. Interpolation.
            k = 0
            while k < len {
                let vin = rc.loadUnaligned(fromByteOffset: 8 * k, as: V4.self)
                let d0 = Int(idx[k]), d1 = Int(idx[k + 1]), d2 = Int(idx[k + 2]), d3 = Int(idx[k + 3])
                let r0 = UnsafeRawPointer(cells + 4 * d0).loadUnaligned(as: V4.self)
                let r1 = UnsafeRawPointer(cells + 4 * d1).loadUnaligned(as: V4.self)
                let r2 = UnsafeRawPointer(cells + 4 * d2).loadUnaligned(as: V4.self)
                let r3 = UnsafeRawPointer(cells + 4 * d3).loadUnaligned(as: V4.self)
                let x0 = V4(r0[0], r1[0], r2[0], r3[0])
                let xr = V4(r0[1], r1[1], r2[1], r3[1])
                let y0 = V4(r0[2], r1[2], r2[2], r3[2])
                let dy = V4(r0[3], r1[3], r2[3], r3[3])
                let q = (vin - x0) / (xr - x0)
                let below = vin .< first1, above = vin .> last
                let t = (y0 + dy * q).replacing(with: y0, where: vin .== x0)
                    .replacing(with: left, where: below).replacing(with: right, where: above)
                let settled = ((x0 .<= vin) .& (vin .< xr)) .| below .| above
                rc.storeBytes(of: t.replacing(with: vin, where: .!settled), toByteOffset: 8 * k, as: V4.self)
                kinds.storeBytes(of: unsafeBitCast(settled, to: SIMD4<Int64>.self), toByteOffset: 8 * k, as: SIMD4<Int64>.self)
                k += 4
            }
            // 3. 1 / t^4, then the values left.
            let m = voomPowerPass(rc, len, kinds, noted)
            voomSettleNoted(v + k0, m, noted, trendMiss, powerMiss)
            k0 += len
        }
    }
    var k = whole
    while k < count {
        v[k] = trendMiss(v[k])
        k += 1
    }
}

/// voom's fitted log-counts `out[k] = log2(1e-6 * (p2[k] * l1))` for
/// `k < count`, each value the bits of the system libm's `log2` of that
/// argument (computed as the plain code computes it), or, for a value the
/// kernel does not settle, `miss` of the argument (which the caller makes
/// that `log2`). `logHi`, `logLo`, `inverse` are `fmaVoomRowLogs(p2)`
/// (per gene, shared by the samples of a design row), `scale` is
/// `fmaVoomLogScale(l1)` (per sample). Call only when `FMAKernels.enabled`.
///
/// With `P = p2 l1` (the real product), `Ph = RN(P)`, `Pl = P - Ph` (one
/// FMA; exact, as `p2 >= 2^-900` and `l1 >= 1`), `x = RN(c6 Ph)` with
/// `c6` the double 1e-6 (the argument) and `e3 = c6 Ph - x` (one FMA,
/// exact): `x = c6 P (1 - ω)`, `ω = (Pl + e3/c6)/P`, `|ω| < 2^-51.99`, so
///     `log2 x = Λ + G - IL ω + δ`,  `|δ| <= IL ω^2 / (2 (1 - |ω|)^2) < 2^-103`,
/// where `Λ = log2(c6 l1)`, `G = log2 p2`, `IL = 1/ln 2`. `Ĝ = logHi + logLo`
/// is within `2^-64.27` of G (`fmaLog2Parts`; NaN where p2 is not covered),
/// `Λ̂ = scale` within `2^-63.26 + 2^-99` of Λ (`fmaVoomLogScale`), and
/// `ŵ = RN(RN(RN(Pl + e3 RN(1/c6)) inverse) κ)`, `κ = RN(-ILh RN(1/l1))`,
/// within `2^-100` of `-IL ω` (relative errors of a few 2^-53 of a term
/// below `2^-51.4`; the first sum's cancellation costs at most
/// `2^-53 |e3/c6| < 2^-105 P` absolute). Then
/// `sh + sl = logHi + scale.hi` (TwoSum, exact),
/// `lo = RN(RN(sl + RN(logLo + scale.lo)) + ŵ)` (terms below 2^-42:
/// rounding below 2^-93), `yh = RN(sh + lo)`, `yl = lo - (yh - sh)`
/// (Fast2Sum, exact when `|sh| >= |lo|`, true when `|yh| >= 1/4`), and
/// `|yh + yl - log2 x| <= 3 · 2^-64.27 + 2^-92 < 2^-62.68`.
/// Accepted (the rule in `fmaLog2Parts`' doc comment): `|yh| >= 1/4` (so
/// `ulp(yh) >= 2^-54` and the error is below `2^-8.68 = 0.0025` ulp), `yh`
/// not ±2^e, and `RN(yh + c yl) == yh` (one FMA, one rounding) with
/// `c = RN(1/(2 · 0.447))`: as yh's neighbours are `ulp(yh)` away on both
/// sides, that holds only if `|c yl| <= ulp(yh)/2`, i.e.
/// `|yl| <= 0.447 (1 + 2^-52) ulp(yh)`; so `|log2 x - yh| < 0.4495 ulp(yh)`
/// and the libm (within 0.550 ulp) returns yh. NaN in `logHi`, `scale` or
/// any step fails the test. Other lanes keep x, noted as in
/// `fmaVoomTrendWeights` (each noted lane taken by its mask's lowest set
/// bit); the last `count % 4` values are `miss(x)`.
@inline(never)
public func fmaVoomLogCounts(_ out: UnsafeMutablePointer<Double>, count: Int, p2: UnsafePointer<Double>,
                             logHi: UnsafePointer<Double>, logLo: UnsafePointer<Double>,
                             inverse: UnsafePointer<Double>, l1: Double, scale: (hi: Double, lo: Double),
                             miss: (Double) -> Double) {
    typealias V4 = SIMD4<Double>
    let c6 = 1e-6, ic6 = 1 / c6
    let kappa = -0x1.71547652b82fep+0 * (1 / l1)
    let lh = V4(repeating: scale.hi), ll = V4(repeating: scale.lo), lv = V4(repeating: l1)
    let whole = count & ~3
    let chunk = 512
    withUnsafeTemporaryAllocation(of: UInt16.self, capacity: chunk / 4) { nb in
        let noted = nb.baseAddress!
        var k0 = 0
        while k0 < whole {
            let len = Swift.min(whole - k0, chunk)
            var m = 0
            var k = k0
            while k < k0 + len {
                let p = UnsafeRawPointer(p2 + k).loadUnaligned(as: V4.self)
                let ph = p * lv
                let pl = (-ph).addingProduct(p, lv)                   // exact
                let x = c6 * ph                                       // the argument
                let e3 = (-x).addingProduct(V4(repeating: c6), ph)    // exact
                let inv = UnsafeRawPointer(inverse + k).loadUnaligned(as: V4.self)
                let w = (pl.addingProduct(e3, ic6) * inv) * kappa
                let gh = UnsafeRawPointer(logHi + k).loadUnaligned(as: V4.self)
                let gl = UnsafeRawPointer(logLo + k).loadUnaligned(as: V4.self)
                let sh = gh + lh
                let bb = sh - gh
                let sl = (gh - (sh - bb)) + (lh - bb)                 // TwoSum
                let lo = (sl + (gl + ll)) + w
                let yh = sh + lo
                let yl = lo - (yh - sh)                               // Fast2Sum
                let settled = ((yh .>= 0.25) .| (yh .<= -0.25)) .& notPowerOfTwo(yh)
                    .& (yh.addingProduct(yl, 0x1.1e5a7cd9a0ee4p+0) .== yh)
                UnsafeMutableRawPointer(out + k).storeBytes(of: yh.replacing(with: x, where: .!settled), as: V4.self)
                let bits = Int(truncatingIfNeeded: (unsafeBitCast(.!settled, to: SIMD4<Int64>.self) & SIMD4(1, 2, 4, 8)).wrappedSum())
                noted[m] = UInt16(truncatingIfNeeded: ((k - k0) << 2) | bits)
                m &+= bits == 0 ? 0 : 1
                k += 4
            }
            // Each noted lane by its mask's lowest set bit (mostly one a group:
            // a loop that rarely turns twice, not four unpredictable tests).
            let oc = out + k0
            for i in 0..<m {
                let e = Int(noted[i]), g = (e >> 4) << 2
                var lanes = e & 15
                repeat {
                    let l = g + lanes.trailingZeroBitCount
                    oc[l] = miss(oc[l])
                    lanes &= lanes &- 1
                } while lanes != 0
            }
            k0 += len
        }
    }
    var k = whole
    while k < count {
        out[k] = miss(c6 * (p2[k] * l1))
        k += 1
    }
}

/// Per gene of a design row, for `fmaVoomLogCounts`: `log2 p2[k]` as
/// `logHi[k] + logLo[k]` (`fmaLog2Parts`: within `2^-64.27`; NaN when p2 is
/// not covered there or outside `[2^-900, 2^900]`, where the products'
/// errors might not be exact) and `inverse[k] = RN(1 / p2[k])`.
@inline(never)
public func fmaVoomRowLogs(_ p2: UnsafePointer<Double>, count: Int, logHi: UnsafeMutablePointer<Double>,
                           logLo: UnsafeMutablePointer<Double>, inverse: UnsafeMutablePointer<Double>) {
    fmaLog2Parts(p2, count: count, hi: logHi, lo: logLo)
    // Four at a time (the same divisions and tests lane by lane).
    var k = 0
    while k + 4 <= count {
        let p = UnsafeRawPointer(p2 + k).loadUnaligned(as: SIMD4<Double>.self)
        UnsafeMutableRawPointer(inverse + k).storeBytes(of: 1 / p, as: SIMD4<Double>.self)
        let outside = .!((p .>= 0x1p-900) .& (p .<= 0x1p900))
        if any(outside) {
            let h = UnsafeMutableRawPointer(logHi + k), l = UnsafeMutableRawPointer(logLo + k)
            h.storeBytes(of: h.loadUnaligned(as: SIMD4<Double>.self).replacing(with: .nan, where: outside), as: SIMD4<Double>.self)
            l.storeBytes(of: l.loadUnaligned(as: SIMD4<Double>.self).replacing(with: .nan, where: outside), as: SIMD4<Double>.self)
        }
        k += 4
    }
    while k < count {
        let p = p2[k]
        inverse[k] = 1 / p
        if !(p >= 0x1p-900 && p <= 0x1p900) {
            logHi[k] = .nan
            logLo[k] = .nan
        }
        k += 1
    }
}

/// Per sample, for `fmaVoomLogCounts`: `log2(c6 l1)` (c6 the double 1e-6)
/// as `hi + lo`, from `fmaLog2Parts` of c6 and of l1 (each within
/// `2^-64.27`; c6 is covered) summed by TwoSum and one more rounding of
/// terms below 2^-47: within `2^-63.26 + 2^-99`. NaN unless
/// `1 <= l1 <= 2^60` and l1 is covered.
@inline(never)
public func fmaVoomLogScale(_ l1: Double) -> (hi: Double, lo: Double) {
    guard l1 >= 1 && l1 <= 0x1p60 else { return (.nan, .nan) }
    var x = SIMD2(1e-6, l1), h = SIMD2<Double>(repeating: 0), l = SIMD2<Double>(repeating: 0)
    withUnsafePointer(to: &x) { xp in
        xp.withMemoryRebound(to: Double.self, capacity: 2) { xs in
            withUnsafeMutablePointer(to: &h) { hp in
                withUnsafeMutablePointer(to: &l) { lp in
                    hp.withMemoryRebound(to: Double.self, capacity: 2) { hs in
                        lp.withMemoryRebound(to: Double.self, capacity: 2) { ls in
                            fmaLog2Parts(xs, count: 2, hi: hs, lo: ls)
                        }
                    }
                }
            }
        }
    }
    let s = h[0] + h[1]
    let bb = s - h[0]
    let e = (h[0] - (s - bb)) + (h[1] - bb)                        // TwoSum
    let lo = e + (l[0] + l[1])
    let hi = s + lo
    let b2 = hi - s
    let lo2 = (s - (hi - b2)) + (lo - b2)                          // TwoSum
    return hi.isFinite && lo2.isFinite ? (hi, lo2) : (.nan, .nan)
}

/// `f[k] = 2^f[k]` in place for `k < count`, each value the bits of
/// `Limma`'s `ExactPow.pow2(f, table:)` (R's `R_pow(2, f)`), four at a
/// time; a value the kernel does not settle is `miss(f)` (which the caller
/// makes that scalar code). `table` is `ExactPow.exp2Table` (`2^(j/256)` as
/// hi, lo at 2j, 2j + 1) and `c` its series coefficients `c1 ... c6`. Call
/// only when `FMAKernels.enabled`.
///
/// Each lane with `|f| <= 64` goes through the scalar operations in their
/// order, each rounded as the scalar one (products and sums, no fused
/// operation): `k = (256 f + 1.5 · 2^52) - 1.5 · 2^52`,
/// `r = (256 f - k) 2^-8`, `q = r c1 + (r r)(c2 + r (c3 + r (c4 + r (c5 + r c6))))`,
/// the table's `hi, lo` at `j = k mod 256`, `u = hi q + lo`, `s = hi + u`,
/// `err = u - (s - hi)`; settled, as `ExactPow.pow2` settles it, when `s`
/// is not a power of two (tested as `s != ulp(s) 2^52`, exact for these `s`
/// near 1) and `|err| <= 0.47 ulp(s)`: then `s 2^(k >> 8)` (exact). Other
/// lanes (`|f| > 64`, NaN, not settled; their f replaced by 0 in the
/// arithmetic) and the last `count % 4` values are `miss(f)`.
@inline(never)
public func fmaVoomPow2(_ f: UnsafeMutablePointer<Double>, count: Int, table: UnsafePointer<Double>,
                        coefficients c: (Double, Double, Double, Double, Double, Double),
                        miss: (Double) -> Double) {
    typealias V4 = SIMD4<Double>
    let shifter = V4(repeating: 0x1.8p52)
    let c1 = V4(repeating: c.0), c2 = V4(repeating: c.1), c3 = V4(repeating: c.2)
    let c4 = V4(repeating: c.3), c5 = V4(repeating: c.4), c6 = V4(repeating: c.5)
    var k = 0
    while k + 4 <= count {
        let raw = UnsafeMutableRawPointer(f + k)
        let fin = raw.loadUnaligned(as: V4.self)
        let mag = unsafeBitCast(unsafeBitCast(fin, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: V4.self)
        let inRange = mag .<= 64                                          // false for NaN
        let x = fin.replacing(with: 0, where: .!inRange)
        let f256 = x * 256
        let kk = (f256 + shifter) - shifter
        let r = (f256 - kk) * 0x1p-8
        let p5 = c5 + r * c6
        let p4 = c4 + r * p5
        let p3 = c3 + r * p4
        let p2 = c2 + r * p3
        let q = r * c1 + (r * r) * p2
        var hi = V4(), lo = V4(), scale = V4()
        for l in 0..<4 {
            let m = Int(kk[l])
            let j = m & 255
            hi[l] = table[2 * j]
            lo[l] = table[2 * j + 1]
            scale[l] = Double(bitPattern: UInt64(1023 + (m >> 8)) << 52)
        }
        let u = hi * q + lo
        let s = hi + u
        let err = u - (s - hi)
        let sBits = unsafeBitCast(s, to: SIMD4<UInt64>.self)
        let ulp = unsafeBitCast((sBits & 0x7FF0_0000_0000_0000) &- 0x0340_0000_0000_0000, to: V4.self)
        let errMag = unsafeBitCast(unsafeBitCast(err, to: SIMD4<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: V4.self)
        let settled = inRange .& (s .!= ulp * 0x1p52) .& (errMag .<= 0.47 * ulp)
        raw.storeBytes(of: (s * scale).replacing(with: fin, where: .!settled), as: V4.self)
        if !all(settled) {
            for l in 0..<4 where !settled[l] { f[k + l] = miss(fin[l]) }
        }
        k += 4
    }
    while k < count {
        f[k] = miss(f[k])
        k += 1
    }
}
