// voom's per-observation kernels, eight observations at a time: the
// LimmaFMA kernels (`fmaVoomTrendWeights`, `fmaVoomTrendWeightsDividing`,
// `fmaVoomLogCounts`) with eight lanes in place of four.

/// `fmaVoomTrendWeights` (LimmaFMA) in eight lanes: `v[k] = 1 / t^4` with
/// `t = trend(v[k])` for `k < count` from the same tables (`cells`,
/// `reciprocals`, the fine bucket table `first` over `nb` buckets), each
/// value the bits of the plain code, or `trendMiss(v[k])` / `powerMiss(t)`
/// for a value the kernel does not settle. Call only when
/// `AVX512Kernels.enabled`.
///
/// Every lane goes through the four-lane kernel's operations in its order
/// (the candidate interval from the bucket and a walk of two; the
/// interpolation with `voomQuotient8`, `ExactQuotient`'s steps; the
/// accepted lanes by the same tests; `t^4` with FMA squares and `1 / s`),
/// so each lane settles with the same bits or is left to the same
/// fallbacks, which give the plain code's bits: the results are the
/// four-lane kernel's. The last `count % 8` values are `trendMiss(v)`.
@inline(never)
public func avx512VoomTrendWeights(_ v: UnsafeMutablePointer<Double>, count: Int,
                                   cells: UnsafePointer<Double>, reciprocals: UnsafePointer<Double>,
                                   first: UnsafePointer<Int32>, x1: Double, xn: Double, lo: Double,
                                   scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                   powerMiss: (Double) -> Double) {
    typealias V8 = SIMD8<Double>
    let whole = x1 < xn ? count & ~7 : 0
    let chunk = 512
    // Per chunk: the lanes interpolated (one SIMD8<Int64> mask per eight
    // values), the candidate intervals (Int32) and the notes (UInt32).
    withUnsafeTemporaryAllocation(byteCount: chunk * (8 + 4 + 1), alignment: 16) { scratch in
        let base = scratch.baseAddress!
        let kinds = base
        let idx = (base + chunk * 8).assumingMemoryBound(to: Int32.self)
        let noted = (base + chunk * 12).assumingMemoryBound(to: UInt32.self)
        let zero = V8(repeating: 0), top = V8(repeating: Double(nb)), tiny = V8(repeating: 0x1p-500)
        var k0 = 0
        while k0 < whole {
            let len = Swift.min(whole - k0, chunk)
            let rc = UnsafeMutableRawPointer(v + k0)
            // 1. Candidate intervals: first[b] and a walk of two.
            var k = 0
            while k < len {
                let x = rc.loadUnaligned(fromByteOffset: 8 * k, as: V8.self)
                var bq = (x - lo) * scale
                bq = bq.replacing(with: zero, where: .!(bq .>= zero))        // below x1, or NaN
                bq = bq.replacing(with: top, where: bq .> top)
                for l in 0..<8 {
                    let xl = x[l]
                    let i = Int(first[Int(bq[l])])
                    let c = cells + 4 * i
                    let s = (c[1] <= xl ? 1 : 0) &+ (c[5] <= xl ? 1 : 0)
                    idx[k + l] = Int32(truncatingIfNeeded: i &+ s)
                }
                k += 8
            }
            // 2. Interpolation.
            k = 0
            while k < len {
                let vin = rc.loadUnaligned(fromByteOffset: 8 * k, as: V8.self)
                var x0 = V8(), xr = V8(), y0 = V8(), dy = V8(), rcp = V8()
                for l in 0..<8 {
                    let d = Int(idx[k + l])
                    let r = cells + 4 * d
                    x0[l] = r[0]; xr[l] = r[1]; y0[l] = r[2]; dy[l] = r[3]
                    rcp[l] = reciprocals[d]
                }
                let a = vin - x0
                let atKnot = vin .== x0
                let q = voomQuotient8(a, xr - x0, reciprocal: rcp)
                let t = (y0 + dy * q).replacing(with: y0, where: atKnot)
                let interpolated = (x0 .<= vin) .& (vin .< xr) .& (rcp .> zero) .& ((a .>= tiny) .| atKnot)
                rc.storeBytes(of: t.replacing(with: vin, where: .!interpolated), toByteOffset: 8 * k, as: V8.self)
                kinds.storeBytes(of: unsafeBitCast(interpolated, to: SIMD8<Int64>.self), toByteOffset: 8 * k,
                                 as: SIMD8<Int64>.self)
                k += 8
            }
            // 3. 1 / t^4, then the values left.
            let m = voomPowerPass8(rc, len, kinds, noted)
            voomSettleNoted8(v + k0, m, noted, trendMiss, powerMiss)
            k0 += len
        }
    }
    var k = whole
    while k < count {
        v[k] = trendMiss(v[k])
        k += 1
    }
}

/// `fmaVoomTrendWeightsDividing` (LimmaFMA) in eight lanes, from the same
/// tables (`cells`, the packed `knots`, the coarse bucket table `first`
/// over `nb` buckets) and with the same operations per lane (a walk of
/// three; the true division; `yleft` below x1 and `yright` above xn;
/// `t^4` and `1 / s` as `avx512VoomTrendWeights`), so each value has the
/// four-lane kernel's bits: the plain code's, or `trendMiss(v)` /
/// `powerMiss(t)` for a value it does not settle. In chunks of 64 (the
/// scratch stays on the stack); the last `count % 8` values are
/// `trendMiss(v)`. Call only when `AVX512Kernels.enabled`.
@inline(never)
public func avx512VoomTrendWeightsDividing(_ v: UnsafeMutablePointer<Double>, count: Int,
                                           cells: UnsafePointer<Double>, knots: UnsafePointer<Double>,
                                           first: UnsafePointer<Int32>,
                                           x1: Double, xn: Double, yleft: Double, yright: Double, lo: Double,
                                           scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                           powerMiss: (Double) -> Double) {
    typealias V8 = SIMD8<Double>
    let whole = x1 < xn ? count & ~7 : 0
    let chunk = 64
    withUnsafeTemporaryAllocation(byteCount: chunk * (8 + 4 + 1), alignment: 16) { scratch in
        let base = scratch.baseAddress!
        let kinds = base
        let idx = (base + chunk * 8).assumingMemoryBound(to: Int32.self)
        let noted = (base + chunk * 12).assumingMemoryBound(to: UInt32.self)
        let zero = V8(repeating: 0), top = V8(repeating: Double(nb))
        let first1 = V8(repeating: x1), last = V8(repeating: xn)
        let left = V8(repeating: yleft), right = V8(repeating: yright)
        var k0 = 0
        while k0 < whole {
            let len = Swift.min(whole - k0, chunk)
            let rc = UnsafeMutableRawPointer(v + k0)
            // 1. Candidate intervals: first[b] and a walk of three over the knots.
            var k = 0
            while k < len {
                let x = rc.loadUnaligned(fromByteOffset: 8 * k, as: V8.self)
                var bq = (x - lo) * scale
                bq = bq.replacing(with: zero, where: .!(bq .>= zero))        // below x1, or NaN
                bq = bq.replacing(with: top, where: bq .> top)
                for l in 0..<8 {
                    let xl = x[l]
                    let i = Int(first[Int(bq[l])])
                    let c = knots + i
                    let s = (c[1] <= xl ? 1 : 0) &+ (c[2] <= xl ? 1 : 0) &+ (c[3] <= xl ? 1 : 0)
                    idx[k + l] = Int32(truncatingIfNeeded: i &+ s)
                }
                k += 8
            }
            // 2. Interpolation.
            k = 0
            while k < len {
                let vin = rc.loadUnaligned(fromByteOffset: 8 * k, as: V8.self)
                var x0 = V8(), xr = V8(), y0 = V8(), dy = V8()
                for l in 0..<8 {
                    let r = cells + 4 * Int(idx[k + l])
                    x0[l] = r[0]; xr[l] = r[1]; y0[l] = r[2]; dy[l] = r[3]
                }
                let q = (vin - x0) / (xr - x0)
                let below = vin .< first1, above = vin .> last
                let t = (y0 + dy * q).replacing(with: y0, where: vin .== x0)
                    .replacing(with: left, where: below).replacing(with: right, where: above)
                let settled = ((x0 .<= vin) .& (vin .< xr)) .| below .| above
                rc.storeBytes(of: t.replacing(with: vin, where: .!settled), toByteOffset: 8 * k, as: V8.self)
                kinds.storeBytes(of: unsafeBitCast(settled, to: SIMD8<Int64>.self), toByteOffset: 8 * k,
                                 as: SIMD8<Int64>.self)
                k += 8
            }
            // 3. 1 / t^4, then the values left.
            let m = voomPowerPass8(rc, len, kinds, noted)
            voomSettleNoted8(v + k0, m, noted, trendMiss, powerMiss)
            k0 += len
        }
    }
    var k = whole
    while k < count {
        v[k] = trendMiss(v[k])
        k += 1
    }
}

/// `ExactQuotient.quotient` (LimmaFMA) in eight lanes: `a / b` correctly
/// rounded from `y = RN(1 / b)` by one product and four FMAs, the same
/// steps lane by lane (so the same bits; exact in its domain, which the
/// callers check).
@inline(__always)
func voomQuotient8(_ a: SIMD8<Double>, _ b: SIMD8<Double>, reciprocal y: SIMD8<Double>) -> SIMD8<Double> {
    let q0 = a * y
    let q1 = q0.addingProduct(a.addingProduct(-b, q0), y)
    return q1.addingProduct(a.addingProduct(-b, q1), y)
}

/// LimmaFMA's `voomPowerPass` in eight lanes over the `len` (a multiple of
/// 8) trend values at `rc`: `t^4` as `s + err` (`a = t t`, `b = a a` and
/// their exact errors by FMA, `c = eb + (2a) ea`, `s = b + c`,
/// `err = c - (s - b)`), settled where the lane was interpolated (`kinds`),
/// `s` is not a power of two and `|err|` is within 0.486 ulp(s) for
/// `2^-2 <= t < 2^2` or 0.478 ulp(s) for `2^-8 <= t < 2^8`: then `1 / s`;
/// else the value is kept and the group noted (`(offset / 8) << 16 |
/// interpolated << 8 | left`). Returns the number of notes.
@inline(__always)
func voomPowerPass8(_ rc: UnsafeMutableRawPointer, _ len: Int, _ kinds: UnsafeRawPointer,
                    _ noted: UnsafeMutablePointer<UInt32>) -> Int {
    typealias V8 = SIMD8<Double>
    let laneBits = SIMD8<Int64>(1, 2, 4, 8, 16, 32, 64, 128)
    var m = 0
    var k = 0
    while k < len {
        let t = rc.loadUnaligned(fromByteOffset: 8 * k, as: V8.self)
        let kind = kinds.loadUnaligned(fromByteOffset: 8 * k, as: SIMD8<Int64>.self)
        let interpolated = unsafeBitCast(kind, to: SIMDMask<SIMD8<Int64>>.self)
        let sq = t * t
        let ea = (-sq).addingProduct(t, t)                       // t t - a, exact
        let b4 = sq * sq
        let eb = (-b4).addingProduct(sq, sq)                     // a a - b, exact
        let c = eb + (2 * sq) * ea
        let s = b4 + c
        let err = c - (s - b4)
        let sBits = unsafeBitCast(s, to: SIMD8<UInt64>.self)
        let ulp = unsafeBitCast((sBits & 0x7FF0_0000_0000_0000) &- 0x0340_0000_0000_0000, to: V8.self)
        let mag = unsafeBitCast(unsafeBitCast(err, to: SIMD8<UInt64>.self) & 0x7FFF_FFFF_FFFF_FFFF, to: V8.self)
        let near = (t .>= 0x1p-2) .& (t .< 0x1p2) .& (mag .<= 0.486 * ulp)
        let far = (t .>= 0x1p-8) .& (t .< 0x1p8) .& (mag .<= 0.478 * ulp)
        let settled = interpolated .& (s .!= ulp * 0x1p52) .& (near .| far)
        rc.storeBytes(of: (1 / s).replacing(with: t, where: .!settled), toByteOffset: 8 * k, as: V8.self)
        let left = Int(truncatingIfNeeded: (unsafeBitCast(.!settled, to: SIMD8<Int64>.self) & laneBits).wrappedSum())
        let inter = Int(truncatingIfNeeded: (kind & laneBits).wrappedSum())
        noted[m] = UInt32(truncatingIfNeeded: (k << 13) | (inter << 8) | left)
        m &+= left == 0 ? 0 : 1
        k += 8
    }
    return m
}

/// The values `voomPowerPass8` left at `vc`: `trendMiss(v)` where the
/// group's note says not interpolated, else `powerMiss(t)`.
@inline(__always)
func voomSettleNoted8(_ vc: UnsafeMutablePointer<Double>, _ m: Int, _ noted: UnsafePointer<UInt32>,
                      _ trendMiss: (Double) -> Double, _ powerMiss: (Double) -> Double) {
    for i in 0..<m {
        let e = Int(noted[i]), g = (e >> 16) << 3
        var lanes = e & 255
        repeat {
            let l = lanes.trailingZeroBitCount
            vc[g + l] = (e >> (8 + l)) & 1 == 0 ? trendMiss(vc[g + l]) : powerMiss(vc[g + l])
            lanes &= lanes &- 1
        } while lanes != 0
    }
}

/// `fmaVoomLogCounts` (LimmaFMA) in eight lanes: voom's fitted log-counts
/// `out[k] = log2(1e-6 * (p2[k] * l1))` for `k < count` from the same
/// inputs (`logHi`, `logLo`, `inverse` from `fmaVoomRowLogs`, `scale` from
/// `fmaVoomLogScale`), each lane through the four-lane kernel's operations
/// in its order (the exact product and its error by FMA, the correction
/// `ŵ`, TwoSum and Fast2Sum, the acceptance `|yh| >= 1/4`, not ±2^e,
/// `RN(yh + c yl) == yh`), so the values it settles are the libm's `log2`
/// bits, and the rest are `miss(x)` (the caller's `log2`). The last
/// `count % 8` values are `miss(x)`. Call only when `AVX512Kernels.enabled`.
@inline(never)
public func avx512VoomLogCounts(_ out: UnsafeMutablePointer<Double>, count: Int, p2: UnsafePointer<Double>,
                                logHi: UnsafePointer<Double>, logLo: UnsafePointer<Double>,
                                inverse: UnsafePointer<Double>, l1: Double, scale: (hi: Double, lo: Double),
                                miss: (Double) -> Double) {
    typealias V8 = SIMD8<Double>
    let c6 = 1e-6, ic6 = 1 / c6
    let kappa = -0x1.71547652b82fep+0 * (1 / l1)
    let lh = V8(repeating: scale.hi), ll = V8(repeating: scale.lo), lv = V8(repeating: l1)
    let laneBits = SIMD8<Int64>(1, 2, 4, 8, 16, 32, 64, 128)
    let whole = count & ~7
    let chunk = 512
    withUnsafeTemporaryAllocation(of: UInt16.self, capacity: chunk / 8) { nb in
        let noted = nb.baseAddress!
        var k0 = 0
        while k0 < whole {
            let len = Swift.min(whole - k0, chunk)
            var m = 0
            var k = k0
            while k < k0 + len {
                let p = UnsafeRawPointer(p2 + k).loadUnaligned(as: V8.self)
                let ph = p * lv
                let pl = (-ph).addingProduct(p, lv)                   // exact
                let x = c6 * ph                                       // the argument
                let e3 = (-x).addingProduct(V8(repeating: c6), ph)    // exact
                let inv = UnsafeRawPointer(inverse + k).loadUnaligned(as: V8.self)
                let w = (pl.addingProduct(e3, ic6) * inv) * kappa
                let gh = UnsafeRawPointer(logHi + k).loadUnaligned(as: V8.self)
                let gl = UnsafeRawPointer(logLo + k).loadUnaligned(as: V8.self)
                let sh = gh + lh
                let bb = sh - gh
                let sl = (gh - (sh - bb)) + (lh - bb)                 // TwoSum
                let lo = (sl + (gl + ll)) + w
                let yh = sh + lo
                let yl = lo - (yh - sh)                               // Fast2Sum
                let notPower = yh .!= unsafeBitCast(unsafeBitCast(yh, to: SIMD8<UInt64>.self) & 0xFFF0_0000_0000_0000,
                                                    to: V8.self)
                let settled = ((yh .>= 0.25) .| (yh .<= -0.25)) .& notPower
                    .& (yh.addingProduct(yl, 0x1.1e5a7cd9a0ee4p+0) .== yh)
                UnsafeMutableRawPointer(out + k).storeBytes(of: yh.replacing(with: x, where: .!settled), as: V8.self)
                let bits = Int(truncatingIfNeeded: (unsafeBitCast(.!settled, to: SIMD8<Int64>.self) & laneBits).wrappedSum())
                noted[m] = UInt16(truncatingIfNeeded: ((k - k0) << 5) | bits)
                m &+= bits == 0 ? 0 : 1
                k += 8
            }
            // Each noted lane by its mask's lowest set bit.
            let oc = out + k0
            for i in 0..<m {
                let e = Int(noted[i]), g = (e >> 8) << 3
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
        out[k] = miss(1e-6 * (p2[k] * l1))
        k += 1
    }
}
