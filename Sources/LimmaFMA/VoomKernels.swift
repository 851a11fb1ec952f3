// voom's per-observation kernels, several observations side by side: the
// trend and weight `1 / trend(v)^4` (with kernel tables, and dividing) and
// the fitted log-counts. One source compiled into LimmaFMA (four lanes) and
// LimmaAVX512 (eight lanes, through a link to this file); each module
// declares the lane width (`VoomVector`, `VoomInts`, `VoomBits`), gathers
// the interval records (`voomRecords`, `voomGather`); the public entry
// points are VoomEntryPoints.swift, linked the same way. Every lane goes through the
// same operations in the same order whatever the width, so both modules give
// the same bits, which are the plain code's in `Limma`.

/// The lanes a note records (bit l for lane l).
@inline(__always)
func voomLaneBits() -> VoomInts {
    var bits = VoomInts()
    for l in 0..<VoomInts.scalarCount { bits[l] = 1 << l }
    return bits
}

/// `x`, through a call the optimiser does not look into (once per kernel
/// call): the lane bits of the notes. Known to LLVM, they let it see that a
/// group's masked lane bits are disjoint, and it turns their sum into a
/// longer or-reduction, split around the top lanes (eight lanes: about a
/// fifth more time in the log-count kernel, an eighth in the trend kernels'
/// pass 3); unknown, the sum is a plain masked move and three additions.
@_optimize(none) @inline(never)
func voomOpaque(_ x: VoomInts) -> VoomInts { x }

/// Lanes whose value is not ±2^e (nor ±0): it differs from itself with the
/// significand bits cleared.
@inline(__always)
func notPowerOfTwo(_ y: VoomVector) -> SIMDMask<VoomInts> {
    y .!= unsafeBitCast(unsafeBitCast(y, to: VoomBits.self) & 0xFFF0_0000_0000_0000, to: VoomVector.self)
}

/// `v[k] = 1 / t^4` with `t = trend(v[k])` for `k < count`: the linear
/// interpolation of `Limma`'s `ApproxLookup` and `R_pow(t, 4)`, each value
/// the bits of the plain code (`ApproxLookup.Evaluator` and `ExactPow` in
/// `Limma`), or, for a value the kernel does not settle, `trendMiss(v[k])`
/// or `powerMiss(t)` (which the caller makes that plain code). W below is
/// the lane count, `VoomVector.scalarCount`.
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
/// The values are taken in chunks of 512 (`voomTrendChunks`):
/// 1. Each value's candidate interval `d = i + s`: i = `first[b]` (b from
///    `(v - lo) * scale` clamped to `[0, nb]`; NaN to 0), s the number of
///    `x_(i+1), x_(i+2)` at or below v (a prefix: the knots increase).
/// 2. W values at a time: their records; a lane is interpolated when
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
/// 3. `voomPowerPass`: `1 / t^4` where settled; the groups with a lane left
///    are noted, and `voomSettleNoted` settles those lanes: `trendMiss(v)`
///    (not interpolated) or `powerMiss(t)`.
/// The last `count % W` values are `trendMiss(v)`.
@inline(__always)
func voomTrendWeightsKernel(_ v: UnsafeMutablePointer<Double>, count: Int,
                            cells: UnsafePointer<Double>, reciprocals: UnsafePointer<Double>,
                            first: UnsafePointer<Int32>, x1: Double, xn: Double, lo: Double,
                            scale: Double, nb: Int, trendMiss: (Double) -> Double,
                            powerMiss: (Double) -> Double) {
    let zero = VoomVector(repeating: 0), tiny = VoomVector(repeating: 0x1p-500)
    voomTrendChunks(v, count: count, usable: x1 < xn, chunk: 512, alignment: voomTablesScratchAlignment,
                    lo: lo, scale: scale, nb: nb, first: first,
                    walk: { i, x in
                        let c = cells + 4 * i
                        return (c[1] <= x ? 1 : 0) &+ (c[5] <= x ? 1 : 0)
                    },
                    interpolate: { vin, idx in
                        let (x0, xr, y0, dy) = voomRecords(cells, idx)
                        let rcp = voomGather(reciprocals, idx)
                        let a = vin - x0
                        let atKnot = vin .== x0
                        let q = ExactQuotient.quotient(a, xr - x0, reciprocal: rcp)
                        let t = (y0 + dy * q).replacing(with: y0, where: atKnot)
                        return (t, (x0 .<= vin) .& (vin .< xr) .& (rcp .> zero) .& ((a .>= tiny) .| atKnot))
                    },
                    trendMiss: trendMiss, powerMiss: powerMiss)
}

/// The frame of the trend kernels: the values `v[k]`, `k < count`, in
/// chunks of `chunk` (a multiple of W; the scratch, `13 chunk` bytes, at
/// `alignment`), each in three passes whose dependency chains are short, so
/// that the processor overlaps many values of one pass:
/// 1. Each value's candidate interval `i + walk(i, v)`: i = `first[b]`, b
///    from `(v - lo) * scale` clamped to `[0, nb]` (NaN to 0).
/// 2. W values at a time, `interpolate(v, candidates)`: the trend values
///    and the lanes they settle; other lanes keep v.
/// 3. `voomPowerPass`: `1 / t^4` where settled; the groups with a lane left
///    are noted, and `voomSettleNoted` settles those lanes: `trendMiss(v)`
///    (not interpolated) or `powerMiss(t)`.
/// Without `usable` tables every value, and otherwise the last `count % W`,
/// is `trendMiss(v)`.
@inline(__always)
func voomTrendChunks(_ v: UnsafeMutablePointer<Double>, count: Int, usable: Bool, chunk: Int, alignment: Int,
                     lo: Double, scale: Double, nb: Int, first: UnsafePointer<Int32>,
                     walk: (_ i: Int, _ v: Double) -> Int,
                     interpolate: (_ v: VoomVector, _ candidates: UnsafePointer<Int32>) -> (VoomVector, SIMDMask<VoomInts>),
                     trendMiss: (Double) -> Double, powerMiss: (Double) -> Double) {
    typealias V = VoomVector
    let w = V.scalarCount
    let whole = usable ? count & ~(w - 1) : 0
    // Per chunk: the lanes interpolated (one VoomInts mask per W values),
    // the candidate intervals (Int32) and the notes (UInt32, one per W
    // values at most).
    withUnsafeTemporaryAllocation(byteCount: chunk * (8 + 4 + 1), alignment: alignment) { scratch in
        let base = scratch.baseAddress!
        let kinds = base
        let idx = (base + chunk * 8).assumingMemoryBound(to: Int32.self)
        let noted = (base + chunk * 12).assumingMemoryBound(to: UInt32.self)
        let zero = V(repeating: 0), top = V(repeating: Double(nb))
        var k0 = 0
        while k0 < whole {
            let len = Swift.min(whole - k0, chunk)
            let rc = UnsafeMutableRawPointer(v + k0)
            // 1. Candidate intervals.
            var k = 0
            while k < len {
                let x = rc.loadUnaligned(fromByteOffset: 8 * k, as: V.self)
                var bq = (x - lo) * scale
                bq = bq.replacing(with: zero, where: .!(bq .>= zero))        // below x1, or NaN
                bq = bq.replacing(with: top, where: bq .> top)
                for l in 0..<w {
                    let i = Int(first[Int(bq[l])])
                    idx[k + l] = Int32(truncatingIfNeeded: i &+ walk(i, x[l]))
                }
                k += w
            }
            // 2. Interpolation.
            k = 0
            while k < len {
                let vin = rc.loadUnaligned(fromByteOffset: 8 * k, as: V.self)
                let (t, settled) = interpolate(vin, idx + k)
                rc.storeBytes(of: t.replacing(with: vin, where: .!settled), toByteOffset: 8 * k, as: V.self)
                kinds.storeBytes(of: unsafeBitCast(settled, to: VoomInts.self), toByteOffset: 8 * k, as: VoomInts.self)
                k += w
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

/// Pass 3 of the trend kernels over the `len` (a multiple of W) trend
/// values at `rc`, whose groups of W were interpolated where `kinds` says:
/// `t^4` as `ExactPow.fourth(t, accept:)` computes it: `a = t t`, `b = a a`
/// and their exact rounding errors (here each one FMA, `t t - a`: Dekker's
/// value, both being the exact error, since for `2^-8 <= t < 2^8` no
/// product underflows or overflows), `c = eb + (2a) ea`, `s = b + c`,
/// `err = c - (s - b)`; accepted as `ExactPow.fourth` accepts (`s` not a
/// power of two, tested as `s != ulp(s) 2^52`, exact for the `s` of that
/// band; `|err| <= 0.486 ulp(s)` for `2^-2 <= t < 2^2`, `0.478 ulp(s)` for
/// the rest of `2^-8 <= t < 2^8`); then `1 / s`, a true division. A lane
/// not interpolated or not accepted keeps its value; each group of W is
/// noted, without branches, as `offset << 16 | interpolated << W | left`
/// (two W-bit lane masks; the offsets are below 2^9), the count of notes
/// advancing when a lane is left. Returns the number of notes.
@inline(__always)
func voomPowerPass(_ rc: UnsafeMutableRawPointer, _ len: Int, _ kinds: UnsafeRawPointer,
                   _ noted: UnsafeMutablePointer<UInt32>) -> Int {
    typealias V = VoomVector
    let w = V.scalarCount
    let laneBits = voomOpaque(voomLaneBits()), kindBits = laneBits &<< VoomInts(repeating: Int64(w))
    let leftMask = (1 << w) - 1
    var m = 0
    var k = 0
    while k < len {
        let t = rc.loadUnaligned(fromByteOffset: 8 * k, as: V.self)
        let kind = kinds.loadUnaligned(fromByteOffset: 8 * k, as: VoomInts.self)
        let interpolated = unsafeBitCast(kind, to: SIMDMask<VoomInts>.self)
        let sq = t * t
        let ea = (-sq).addingProduct(t, t)                       // t t - a, exact
        let b4 = sq * sq
        let eb = (-b4).addingProduct(sq, sq)                     // a a - b, exact
        let c = eb + (2 * sq) * ea
        let s = b4 + c
        let err = c - (s - b4)
        let sBits = unsafeBitCast(s, to: VoomBits.self)
        let ulp = unsafeBitCast((sBits & 0x7FF0_0000_0000_0000) &- 0x0340_0000_0000_0000, to: V.self)
        let mag = unsafeBitCast(unsafeBitCast(err, to: VoomBits.self) & 0x7FFF_FFFF_FFFF_FFFF, to: V.self)
        let near = (t .>= 0x1p-2) .& (t .< 0x1p2) .& (mag .<= 0.486 * ulp)
        let far = (t .>= 0x1p-8) .& (t .< 0x1p8) .& (mag .<= 0.478 * ulp)
        let settled = interpolated .& (s .!= ulp * 0x1p52) .& (near .| far)
        rc.storeBytes(of: (1 / s).replacing(with: t, where: .!settled), toByteOffset: 8 * k, as: V.self)
        let lanes = (unsafeBitCast(.!settled, to: VoomInts.self) & laneBits) | (kind & kindBits)
        let bits = Int(truncatingIfNeeded: lanes.wrappedSum())
        noted[m] = UInt32(truncatingIfNeeded: (k << 16) | bits)
        m &+= bits & leftMask == 0 ? 0 : 1
        k += w
    }
    return m
}

/// The values `voomPowerPass` left at `vc`: `trendMiss(v)` where the group's
/// note says not interpolated, else `powerMiss(t)`; each noted lane by its
/// mask's lowest set bit (mostly one a group).
@inline(__always)
func voomSettleNoted(_ vc: UnsafeMutablePointer<Double>, _ m: Int, _ noted: UnsafePointer<UInt32>,
                     _ trendMiss: (Double) -> Double, _ powerMiss: (Double) -> Double) {
    let w = VoomVector.scalarCount
    for i in 0..<m {
        let e = Int(noted[i]), g = e >> 16
        var lanes = e & ((1 << w) - 1)
        repeat {
            let l = lanes.trailingZeroBitCount
            vc[g + l] = (e >> (w + l)) & 1 == 0 ? trendMiss(vc[g + l]) : powerMiss(vc[g + l])
            lanes &= lanes &- 1
        } while lanes != 0
    }
}

/// `voomTrendWeightsKernel` without its kernel tables, for a trend evaluated
/// at few points per knot (voom's small cases: ~12 observations per knot,
/// where the reciprocals and the fine table would cost more than they
/// save): the same values, each the bits of the plain code, or
/// `trendMiss(v)` / `powerMiss(t)` for a value it does not settle.
///
/// The tables are `ApproxLookup`'s own: `cells` (the interval records and
/// the closing records with NaN right ends), `knots` (x_1 ... x_n and three
/// NaNs: `knots[i + 1]` is record i's right end) and the coarse bucket table
/// `first` over `nb` buckets (`first[b]` a knot at or below every point of
/// bucket `b = min(Int((v - lo) * scale), nb)`, about two buckets per
/// knot); `x1 < xn` the first and last knots (x1 NaN: every value goes to
/// `trendMiss`), `yleft` and `yright` the trend's values below x1 and
/// above xn. In chunks of 64 (`voomTrendChunks`; the scratch, 832 bytes,
/// stays on the stack: `withUnsafeTemporaryAllocation` takes the heap above
/// 1 KiB or for an alignment above 16), three passes:
/// 1. The candidate interval `d = i + s`: i = `first[b]` (b clamped to
///    `[0, nb]`, NaN to 0), s the number of `x_(i+1), x_(i+2), x_(i+3)` at
///    or below v (a prefix: the knots increase; the NaNs past x_n count as
///    above v), as `ApproxLookup.Evaluator.record`, read from `knots` (a
///    quarter of the records' bytes: fewer cache misses for points in no
///    particular order).
/// 2. W values at a time, their records: where `x_d <= v < x_(d+1)`
///    (v's interval, unique; false for NaN, outside `[x1, xn)` and for a
///    walk that stopped short), `t = y_d + dy_d * ((v - x_d) / (x_(d+1) -
///    x_d))`, or `y_d` when `v == x_d`: the operations of
///    `ApproxLookup.Evaluator.interpolate`, the quotient a true division,
///    the product and the sum rounded separately (no fused operation), so
///    its bits. Where `v < x1`, `t = yleft`; where `v > xn`, `t = yright`
///    (approx's values outside the knots). Other lanes (NaN, `v == xn`, a
///    walk that stopped short) keep v for `trendMiss`.
/// 3. `voomPowerPass` and `voomSettleNoted`, as `voomTrendWeightsKernel`.
/// The last `count % W` values are `trendMiss(v)`.
@inline(__always)
func voomTrendWeightsDividingKernel(_ v: UnsafeMutablePointer<Double>, count: Int,
                                    cells: UnsafePointer<Double>, knots: UnsafePointer<Double>,
                                    first: UnsafePointer<Int32>,
                                    x1: Double, xn: Double, yleft: Double, yright: Double, lo: Double,
                                    scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                    powerMiss: (Double) -> Double) {
    typealias V = VoomVector
    let first1 = V(repeating: x1), last = V(repeating: xn)
    let left = V(repeating: yleft), right = V(repeating: yright)
    voomTrendChunks(v, count: count, usable: x1 < xn, chunk: 64, alignment: 16, lo: lo, scale: scale, nb: nb,
                    first: first,
                    walk: { i, x in
                        let c = knots + i
                        return (c[1] <= x ? 1 : 0) &+ (c[2] <= x ? 1 : 0) &+ (c[3] <= x ? 1 : 0)
                    },
                    interpolate: { vin, idx in
                        let (x0, xr, y0, dy) = voomRecords(cells, idx)
                        let q = (vin - x0) / (xr - x0)
                        let below = vin .< first1, above = vin .> last
                        let t = (y0 + dy * q).replacing(with: y0, where: vin .== x0)
                            .replacing(with: left, where: below).replacing(with: right, where: above)
                        return (t, ((x0 .<= vin) .& (vin .< xr)) .| below .| above)
                    },
                    trendMiss: trendMiss, powerMiss: powerMiss)
}

/// voom's fitted log-counts `out[k] = log2(1e-6 * (p2[k] * l1))` for
/// `k < count`, each value the bits of the system libm's `log2` of that
/// argument (computed as the plain code computes it), or, for a value the
/// kernel does not settle, `miss` of the argument (which the caller makes
/// that `log2`). `logHi`, `logLo`, `inverse` are LimmaFMA's
/// `fmaVoomRowLogs(p2)` (per gene, shared by the samples of a design row),
/// `scale` is `fmaVoomLogScale(l1)` (per sample).
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
/// any step fails the test. Other lanes keep x; each group of W values
/// with a lane left is noted (`offset << 8 | left`) and each noted lane
/// taken by its mask's lowest set bit; the last `count % W` values are
/// `miss(x)`.
@inline(__always)
func voomLogCountsKernel(_ out: UnsafeMutablePointer<Double>, count: Int, p2: UnsafePointer<Double>,
                         logHi: UnsafePointer<Double>, logLo: UnsafePointer<Double>,
                         inverse: UnsafePointer<Double>, l1: Double, scale: (hi: Double, lo: Double),
                         miss: (Double) -> Double) {
    typealias V = VoomVector
    let width = V.scalarCount
    let c6 = 1e-6, ic6 = 1 / c6
    let kappa = -0x1.71547652b82fep+0 * (1 / l1)
    let lh = V(repeating: scale.hi), ll = V(repeating: scale.lo), lv = V(repeating: l1)
    let laneBits = voomOpaque(voomLaneBits())
    let whole = count & ~(width - 1)
    let chunk = 512
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: chunk / width) { nb in
        let noted = nb.baseAddress!
        var k0 = 0
        while k0 < whole {
            let len = Swift.min(whole - k0, chunk)
            var m = 0
            var k = k0
            while k < k0 + len {
                let p = UnsafeRawPointer(p2 + k).loadUnaligned(as: V.self)
                let ph = p * lv
                let pl = (-ph).addingProduct(p, lv)                   // exact
                let x = c6 * ph                                       // the argument
                let e3 = (-x).addingProduct(V(repeating: c6), ph)     // exact
                let inv = UnsafeRawPointer(inverse + k).loadUnaligned(as: V.self)
                let w = (pl.addingProduct(e3, ic6) * inv) * kappa
                let gh = UnsafeRawPointer(logHi + k).loadUnaligned(as: V.self)
                let gl = UnsafeRawPointer(logLo + k).loadUnaligned(as: V.self)
                let sh = gh + lh
                let bb = sh - gh
                let sl = (gh - (sh - bb)) + (lh - bb)                 // TwoSum
                let lo = (sl + (gl + ll)) + w
                let yh = sh + lo
                let yl = lo - (yh - sh)                               // Fast2Sum
                let settled = ((yh .>= 0.25) .| (yh .<= -0.25)) .& notPowerOfTwo(yh)
                    .& (yh.addingProduct(yl, 0x1.1e5a7cd9a0ee4p+0) .== yh)
                UnsafeMutableRawPointer(out + k).storeBytes(of: yh.replacing(with: x, where: .!settled), as: V.self)
                let bits = Int(truncatingIfNeeded: (unsafeBitCast(.!settled, to: VoomInts.self) & laneBits).wrappedSum())
                noted[m] = UInt32(truncatingIfNeeded: ((k - k0) << 8) | bits)
                m &+= bits == 0 ? 0 : 1
                k += width
            }
            // Each noted lane by its mask's lowest set bit (mostly one a group:
            // a loop that rarely turns twice, not W unpredictable tests).
            let oc = out + k0
            for i in 0..<m {
                let e = Int(noted[i]), g = e >> 8
                var lanes = e & 255
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
