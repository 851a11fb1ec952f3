// voom's per-observation kernels in eight lanes: VoomKernels.swift (a link
// to LimmaFMA's, the one source of the trend, dividing and log-count
// kernels) with `VoomVector = SIMD8<Double>`, its record gathers and the
// public entry points.

/// Eight observations side by side, one zmm register. Every lane goes
/// through the four-lane kernels' operations in their order, so each lane
/// settles with the same bits or is left to the same fallbacks: the results
/// are LimmaFMA's (and the plain code's).
typealias VoomVector = SIMD8<Double>
typealias VoomInts = SIMD8<Int64>
typealias VoomBits = SIMD8<UInt64>

/// The alignment of `voomTrendWeightsKernel`'s scratch (the heap's: the
/// scratch is above 1 KiB).
@inline(__always) var voomTablesScratchAlignment: Int { 16 }

/// The records `(x_d, x_(d+1), y_d, dy_d)` of the intervals `d = idx[0...7]`
/// in `cells` as four vectors, gathered one value at a time.
@inline(__always)
func voomRecords(_ cells: UnsafePointer<Double>, _ idx: UnsafePointer<Int32>)
    -> (VoomVector, VoomVector, VoomVector, VoomVector) {
    var x0 = VoomVector(), xr = VoomVector(), y0 = VoomVector(), dy = VoomVector()
    for l in 0..<8 {
        let r = cells + 4 * Int(idx[l])
        x0[l] = r[0]; xr[l] = r[1]; y0[l] = r[2]; dy[l] = r[3]
    }
    return (x0, xr, y0, dy)
}

/// `table[idx[l]]` in lane l.
@inline(__always)
func voomGather(_ table: UnsafePointer<Double>, _ idx: UnsafePointer<Int32>) -> VoomVector {
    var g = VoomVector()
    for l in 0..<8 { g[l] = table[Int(idx[l])] }
    return g
}

/// LimmaFMA's `fmaVoomTrendWeights` in eight lanes: voom's trend weights
/// `v[k] = 1 / trend(v[k])^4` from the same kernel tables through
/// `voomTrendWeightsKernel` (VoomKernels.swift), so each value has the
/// four-lane kernel's bits: the plain code's, or `trendMiss(v)` /
/// `powerMiss(t)`. The last `count % 8` values are `trendMiss(v)`. Call
/// only when `AVX512Kernels.enabled`.
@inline(never)
public func avx512VoomTrendWeights(_ v: UnsafeMutablePointer<Double>, count: Int,
                                   cells: UnsafePointer<Double>, reciprocals: UnsafePointer<Double>,
                                   first: UnsafePointer<Int32>, x1: Double, xn: Double, lo: Double,
                                   scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                   powerMiss: (Double) -> Double) {
    voomTrendWeightsKernel(v, count: count, cells: cells, reciprocals: reciprocals, first: first, x1: x1, xn: xn,
                           lo: lo, scale: scale, nb: nb, trendMiss: trendMiss, powerMiss: powerMiss)
}

/// LimmaFMA's `fmaVoomTrendWeightsDividing` in eight lanes:
/// `voomTrendWeightsDividingKernel` (VoomKernels.swift) from `ApproxLookup`'s
/// own tables, the four-lane kernel's bits. Call only when
/// `AVX512Kernels.enabled`.
@inline(never)
public func avx512VoomTrendWeightsDividing(_ v: UnsafeMutablePointer<Double>, count: Int,
                                           cells: UnsafePointer<Double>, knots: UnsafePointer<Double>,
                                           first: UnsafePointer<Int32>,
                                           x1: Double, xn: Double, yleft: Double, yright: Double, lo: Double,
                                           scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                           powerMiss: (Double) -> Double) {
    voomTrendWeightsDividingKernel(v, count: count, cells: cells, knots: knots, first: first, x1: x1, xn: xn,
                                   yleft: yleft, yright: yright, lo: lo, scale: scale, nb: nb,
                                   trendMiss: trendMiss, powerMiss: powerMiss)
}

/// LimmaFMA's `fmaVoomLogCounts` in eight lanes: `voomLogCountsKernel`
/// (VoomKernels.swift) from the same inputs (`logHi`, `logLo`, `inverse`
/// from `fmaVoomRowLogs`, `scale` from `fmaVoomLogScale`), the libm's
/// `log2` bits or `miss(x)`. Call only when `AVX512Kernels.enabled`.
@inline(never)
public func avx512VoomLogCounts(_ out: UnsafeMutablePointer<Double>, count: Int, p2: UnsafePointer<Double>,
                                logHi: UnsafePointer<Double>, logLo: UnsafePointer<Double>,
                                inverse: UnsafePointer<Double>, l1: Double, scale: (hi: Double, lo: Double),
                                miss: (Double) -> Double) {
    voomLogCountsKernel(out, count: count, p2: p2, logHi: logHi, logLo: logLo, inverse: inverse, l1: l1,
                        scale: scale, miss: miss)
}
