// The public entry points of voom's per-observation kernels
// (VoomKernels.swift), in this module's lanes. The file is LimmaFMA's (four
// lanes) and linked into LimmaAVX512 (eight lanes), so both modules export
// the same names with the same parameters; Limma calls them module-qualified
// (`LimmaFMA.voomKernelTrendWeights`, `LimmaAVX512.voomKernelTrendWeights`).
// Call them only where the module's kernels run: `FMAKernels.enabled` for
// LimmaFMA, `AVX512Kernels.enabled` for LimmaAVX512.

/// voom's trend weights `v[k] = 1 / trend(v[k])^4` with the kernel tables,
/// `VoomVector.scalarCount` observations at a time:
/// `voomTrendWeightsKernel` (VoomKernels.swift states the tables, the passes
/// and why each value is the plain code's bits, or `trendMiss(v)` /
/// `powerMiss(t)`). The lane width does not change a value: each lane goes
/// through the same operations in the same order.
@inline(never)
public func voomKernelTrendWeights(_ v: UnsafeMutablePointer<Double>, count: Int,
                                   cells: UnsafePointer<Double>, reciprocals: UnsafePointer<Double>,
                                   first: UnsafePointer<Int32>, x1: Double, xn: Double, lo: Double,
                                   scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                   powerMiss: (Double) -> Double) {
    voomTrendWeightsKernel(v, count: count, cells: cells, reciprocals: reciprocals, first: first, x1: x1, xn: xn,
                           lo: lo, scale: scale, nb: nb, trendMiss: trendMiss, powerMiss: powerMiss)
}

/// voom's trend weights from `ApproxLookup`'s own tables (a trend evaluated
/// at few points per knot): `voomTrendWeightsDividingKernel`
/// (VoomKernels.swift), the same bits as `voomKernelTrendWeights`.
@inline(never)
public func voomKernelTrendWeightsDividing(_ v: UnsafeMutablePointer<Double>, count: Int,
                                           cells: UnsafePointer<Double>, knots: UnsafePointer<Double>,
                                           first: UnsafePointer<Int32>,
                                           x1: Double, xn: Double, yleft: Double, yright: Double, lo: Double,
                                           scale: Double, nb: Int, trendMiss: (Double) -> Double,
                                           powerMiss: (Double) -> Double) {
    voomTrendWeightsDividingKernel(v, count: count, cells: cells, knots: knots, first: first, x1: x1, xn: xn,
                                   yleft: yleft, yright: yright, lo: lo, scale: scale, nb: nb,
                                   trendMiss: trendMiss, powerMiss: powerMiss)
}

/// voom's fitted log-counts `out[k] = log2(1e-6 * (p2[k] * l1))`, each the
/// libm's `log2` bits or `miss` of the argument: `voomLogCountsKernel`
/// (VoomKernels.swift), with `logHi`, `logLo`, `inverse` from LimmaFMA's
/// `fmaVoomRowLogs(p2)` and `scale` from its `fmaVoomLogScale(l1)`.
@inline(never)
public func voomKernelLogCounts(_ out: UnsafeMutablePointer<Double>, count: Int, p2: UnsafePointer<Double>,
                                logHi: UnsafePointer<Double>, logLo: UnsafePointer<Double>,
                                inverse: UnsafePointer<Double>, l1: Double, scale: (hi: Double, lo: Double),
                                miss: (Double) -> Double) {
    voomLogCountsKernel(out, count: count, p2: p2, logHi: logHi, logLo: logLo, inverse: inverse, l1: l1,
                        scale: scale, miss: miss)
}
