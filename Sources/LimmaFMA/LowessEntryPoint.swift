// The public entry point of lowess's group fits with the quotients by
// two-term reciprocals and FMA, in this module's lanes. The file is
// LimmaFMA's (four fits side by side) and linked into LimmaAVX512 (eight),
// so both modules export the same name with the same parameters; Limma
// calls it module-qualified (`LimmaFMA.lowessKernelFitGroups`,
// `LimmaAVX512.lowessKernelFitGroups`). Call it only where the module's
// kernels run: `FMAKernels.enabled` for LimmaFMA, `AVX512Kernels.enabled`
// for LimmaAVX512 (and only for a plan whose groups hold up to
// `LowessVector.scalarCount` fits).

/// `LowessGroupTables.fitGroups` over the groups `lower ..< upper` with
/// `LowessExactQuotients` in `LowessVector.scalarCount` lanes: the same
/// fits, bit for bit, as Limma's copy of it with division (each lane's sums
/// are one chain of additions in step order, whatever the width). The
/// arguments are the fields of `LowessGroupTables` and `LowessPoints` and
/// the scratch and outputs of `fitGroups` (see there; `scratch` holds
/// `3 window` `LowessVector`).
@inline(never)
public func lowessKernelFitGroups(
    groups lower: Int, _ upper: Int,
    center: UnsafePointer<Int>, halfWidth: UnsafePointer<Double>,
    groupFirst: UnsafePointer<Int>, groupBase: UnsafePointer<Int>, groupLength: UnsafePointer<Int>,
    segmentFirst: UnsafePointer<Int>, segmentStart: UnsafePointer<Int>, segmentLanes: UnsafePointer<UInt8>,
    range: Double,
    x: UnsafePointer<Double>, x2: UnsafePointer<SIMD2<Double>>, y2: UnsafePointer<SIMD2<Double>>,
    rw2: UnsafePointer<SIMD2<Double>>,
    scratch: UnsafeMutableRawPointer, window: Int, finiteY: Bool,
    fits: UnsafeMutablePointer<Double>, ok: UnsafeMutablePointer<Bool>) {
    let tables = LowessGroupTables(center: center, halfWidth: halfWidth, groupFirst: groupFirst, groupBase: groupBase,
                                   groupLength: groupLength, segmentFirst: segmentFirst, segmentStart: segmentStart,
                                   segmentLanes: segmentLanes, range: range)
    tables.fitGroups(lower..<upper, LowessPoints(x: x, x2: x2, y2: y2, rw2: rw2),
                     scratch.assumingMemoryBound(to: LowessVector.self), window, finiteY, fits, ok,
                     LowessExactQuotients.self)
}
