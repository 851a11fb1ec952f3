// voom's per-observation kernels in eight lanes: VoomKernels.swift and
// VoomEntryPoints.swift (links to LimmaFMA's, the one source of the trend,
// dividing and log-count kernels and of their public entry points) with
// `VoomVector = SIMD8<Double>` and its record gathers.

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
