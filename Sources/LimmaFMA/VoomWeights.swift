// voom's per-observation kernels in four lanes: the lane width and record
// gathers for VoomKernels.swift and VoomEntryPoints.swift (the sources
// shared with LimmaAVX512, which runs them in eight lanes), and the kernels
// only this module has (the per-gene and per-sample logarithms of the
// log-count kernel, `2^f`).

/// Four observations side by side, in the halves of two SSE/AVX registers
/// (or one AVX register).
typealias VoomVector = SIMD4<Double>
typealias VoomInts = SIMD4<Int64>
typealias VoomBits = SIMD4<UInt64>

/// The alignment of `voomTrendWeightsKernel`'s scratch: one `VoomInts`
/// store per four values lands within a 32-byte block.
@inline(__always) var voomTablesScratchAlignment: Int { 32 }

/// The records `(x_d, x_(d+1), y_d, dy_d)` of the intervals `d = idx[0...3]`
/// in `cells` as four vectors: each record one 32-byte load, then a
/// transpose.
@inline(__always)
func voomRecords(_ cells: UnsafePointer<Double>, _ idx: UnsafePointer<Int32>)
    -> (VoomVector, VoomVector, VoomVector, VoomVector) {
    let r0 = UnsafeRawPointer(cells + 4 * Int(idx[0])).loadUnaligned(as: VoomVector.self)
    let r1 = UnsafeRawPointer(cells + 4 * Int(idx[1])).loadUnaligned(as: VoomVector.self)
    let r2 = UnsafeRawPointer(cells + 4 * Int(idx[2])).loadUnaligned(as: VoomVector.self)
    let r3 = UnsafeRawPointer(cells + 4 * Int(idx[3])).loadUnaligned(as: VoomVector.self)
    return (VoomVector(r0[0], r1[0], r2[0], r3[0]), VoomVector(r0[1], r1[1], r2[1], r3[1]),
            VoomVector(r0[2], r1[2], r2[2], r3[2]), VoomVector(r0[3], r1[3], r2[3], r3[3]))
}

/// `table[idx[l]]` in lane l.
@inline(__always)
func voomGather(_ table: UnsafePointer<Double>, _ idx: UnsafePointer<Int32>) -> VoomVector {
    VoomVector(table[Int(idx[0])], table[Int(idx[1])], table[Int(idx[2])], table[Int(idx[3])])
}

/// Per gene of a design row, for `voomKernelLogCounts`: `log2 p2[k]` as
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

/// Per sample, for `voomKernelLogCounts`: `log2(c6 l1)` (c6 the double 1e-6)
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

/// `out[k] = a[k] / b[k]` through `ExactQuotient` (four lanes at a time) where
/// both are in its domain, by division elsewhere; for tests that hold the
/// corrections to IEEE division. Call only when `FMAKernels.enabled`.
@inline(never)
public func fmaExactQuotients(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                              _ out: UnsafeMutablePointer<Double>, count: Int) {
    var k = 0
    while k + 4 <= count {
        let av = UnsafeRawPointer(a + k).loadUnaligned(as: SIMD4<Double>.self)
        let bv = UnsafeRawPointer(b + k).loadUnaligned(as: SIMD4<Double>.self)
        var q = ExactQuotient.quotient(av, bv, reciprocal: 1 / bv)
        for l in 0..<4 where !(ExactQuotient.dividendInDomain(av[l]) && ExactQuotient.divisorInDomain(bv[l])) {
            q[l] = av[l] / bv[l]
        }
        UnsafeMutableRawPointer(out + k).storeBytes(of: q, as: SIMD4<Double>.self)
        k += 4
    }
    while k < count {
        let x = a[k], d = b[k]
        out[k] = ExactQuotient.dividendInDomain(x) && ExactQuotient.divisorInDomain(d)
            ? ExactQuotient.quotient(x, d, reciprocal: 1 / d) : x / d
        k += 1
    }
}
