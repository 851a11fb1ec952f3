// lowess's group fits eight at a time in AVX-512 registers, with the
// quotients by two-term reciprocals and FMA: LowessGroupFits.swift (a link
// to Limma's, shared with LimmaFMA) and LowessEntryPoint.swift (a link to
// LimmaFMA's) with eight lanes.

/// Eight fits side by side, one zmm register.
///
/// Every step of the group sweep is lane by lane (the sums keep one chain
/// of additions per lane, in step order), so a lane's fit does not depend
/// on how many lanes run beside it: each fit is the bits of a lone fit, as
/// with four lanes. What changes is which fits share a group, and so the
/// steps a lane walks outside its window: the union of eight windows rather
/// than four. Those steps add +0 or -0 to sums that start at +0 (see
/// `LowessGroupTables.fitGroups`), whatever their number, so they change
/// nothing. A group of one to seven fits repeats its first fit in the spare
/// lanes, whose results are dropped. The quotients' domain check
/// (`LowessExactQuotients`) covers the eight lanes at once: a sweep whose
/// divisors it refuses in any lane divides in all of them, which gives the
/// same bits.
typealias LowessVector = SIMD8<Double>
typealias LowessMask = SIMD8<UInt64>

/// A point's value (stored twice side by side; the first copy is read) in
/// all eight lanes: one broadcast from memory.
@inline(__always) func lowessSplat(_ p: SIMD2<Double>) -> LowessVector { SIMD8(repeating: p[0]) }
