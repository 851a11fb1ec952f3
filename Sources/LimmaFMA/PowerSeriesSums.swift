// The series sums of TOMS 708's bpser (Limma's PowerSeries.sums), four
// arguments at a time in one 256-bit register per quantity (Limma itself is
// compiled for the baseline, where four lanes take two 128-bit halves).

/// `powerSeriesLaneSums` (PowerSeriesLanes.swift, the loop Limma runs on the
/// baseline) compiled for AVX2: the same IEEE operations in the same order,
/// so the same `sums` and `status`. Call only when `FMAKernels.enabled`.
@inline(never)
public func fmaPowerSeriesSums(_ x: UnsafePointer<Double>, count: Int, factors f: UnsafePointer<Double>,
                               factorCount: Int, a: Double, tol: Double,
                               sums: UnsafeMutablePointer<Double>, status: UnsafeMutablePointer<UInt8>) {
    powerSeriesLaneSums(x, count: count, factors: f, factorCount: factorCount, a: a, tol: tol, sums: sums, status: status)
}
