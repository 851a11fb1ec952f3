// The lane loop of TOMS 708's bpser series (PowerSeries.sums), four
// arguments side by side. This file is compiled twice: into Limma, for the
// baseline (four lanes as two 128-bit halves), and into LimmaFMA
// (Sources/LimmaFMA/PowerSeriesLanes.swift is a link to it), built for AVX2,
// where each quantity is one 256-bit register (`fmaPowerSeriesSums`). It may
// use nothing but the standard library.

/// For each group of four arguments `x[4g ..< 4g + 4]` (`count` rounded up
/// to a multiple of four; `x` must hold that many), bpser's series in four
/// lanes, each lane with the scalar loop's IEEE operations in its order: per
/// term `n = k + 1` (two terms per pass while `k + 1 < factorCount`),
/// `c *= factors[k] * x`, `w = c / (a + n)`, `s += w` while the lane is
/// active (+0 afterwards, which leaves a sum that starts at +0 unchanged),
/// and the lane stops after the first term with `!(|w| > tol)`. `sums[i]`
/// is lane i's sum and `status[i]` 0 where the lane stopped (its sum is the
/// scalar loop's), 1 where it had not when the factors ran out (the caller
/// forms that sum).
@inline(__always)
func powerSeriesLaneSums(_ x: UnsafePointer<Double>, count: Int, factors f: UnsafePointer<Double>,
                         factorCount: Int, a: Double, tol: Double,
                         sums: UnsafeMutablePointer<Double>, status: UnsafeMutablePointer<UInt8>) {
    typealias V = SIMD4<Double>
    typealias Bits = SIMD4<UInt64>
    let up = V(repeating: tol), down = V(repeating: -tol)
    var first = 0
    while first < count {
        let xv = UnsafeRawPointer(x + first).loadUnaligned(as: V.self)
        var c = V(repeating: 1), s = V(repeating: 0)
        // all ones in an active lane, zero in a stopped one
        var active = Bits(repeating: ~0)
        var k = 0
        while k + 1 < factorCount {
            c *= V(repeating: f[k]) * xv
            var w = c / V(repeating: a + Double(k + 1))
            s += unsafeBitCast(unsafeBitCast(w, to: Bits.self) & active, to: V.self)
            active &= unsafeBitCast((w .> up) .| (w .< down), to: Bits.self)
            c *= V(repeating: f[k + 1]) * xv
            w = c / V(repeating: a + Double(k + 2))
            s += unsafeBitCast(unsafeBitCast(w, to: Bits.self) & active, to: V.self)
            active &= unsafeBitCast((w .> up) .| (w .< down), to: Bits.self)
            k += 2
            let either = active.lowHalf | active.highHalf
            if either[0] | either[1] == 0 { break }
        }
        UnsafeMutableRawPointer(sums + first).storeBytes(of: s, as: V.self)
        for lane in 0..<4 { status[first + lane] = active[lane] != 0 ? 1 : 0 }
        first += 4
    }
}
