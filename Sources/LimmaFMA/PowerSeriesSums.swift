// The series sums of TOMS 708's bpser (Limma's PowerSeries.sums), four
// arguments at a time in one 256-bit register per quantity (Limma itself is
// compiled for the baseline, where four lanes take two 128-bit halves).

/// For each group of four arguments `x[4g ..< 4g + 4]` (`count` rounded up
/// to a multiple of four; `x` must hold that many), the lane loop of
/// `PowerSeries.sums` in `Limma`, with the same IEEE operations in the same
/// order: per term `n = k + 1` (two terms per pass while
/// `k + 1 < factorCount`), `c *= factors[k] * x`, `w = c / (a + n)`,
/// `s += w` while the lane is active (+0 afterwards), and the lane stops
/// after the first term with `!(|w| > tol)`. `sums[i]` is lane i's sum and
/// `status[i]` 0 where the lane stopped (its sum is the scalar loop's), 1
/// where it had not when the factors ran out (the caller forms that sum).
/// Call only when `FMAKernels.enabled`.
@inline(never)
public func fmaPowerSeriesSums(_ x: UnsafePointer<Double>, count: Int, factors f: UnsafePointer<Double>,
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

