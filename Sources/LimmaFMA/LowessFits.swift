// lowess's group fits with the quotients by two-term reciprocals and FMA
// (LowessGroupFits.swift, shared with Limma and LimmaAVX512, through
// `LowessExactQuotients`; the entry point LowessEntryPoint.swift, shared
// with LimmaAVX512), four fits side by side.

/// Four fits side by side, in the halves of two SSE/AVX registers.
typealias LowessVector = SIMD4<Double>
typealias LowessMask = SIMD4<UInt64>

/// A point's value (stored twice side by side) in all four lanes.
@inline(__always) func lowessSplat(_ p: SIMD2<Double>) -> LowessVector { SIMD4(lowHalf: p, highHalf: p) }

/// `out[k] = a[k] / b[k]` through `TwoTermInverse` (four lanes at a time)
/// where both are in its domain, by division elsewhere; for tests that hold
/// it to IEEE division. Call only when `FMAKernels.enabled`.
@inline(never)
public func fmaTwoTermQuotients(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>,
                                _ out: UnsafeMutablePointer<Double>, count: Int) {
    func inDomain(_ x: Double, _ d: Double) -> Bool {
        let m = abs(x)
        return d >= TwoTermInverse.low && d <= TwoTermInverse.high
            && ((m >= TwoTermInverse.dividendLow && m <= TwoTermInverse.high) || (x == 0 && x.sign == .plus))
    }
    var k = 0
    while k + 4 <= count {
        let av = UnsafeRawPointer(a + k).loadUnaligned(as: SIMD4<Double>.self)
        let bv = UnsafeRawPointer(b + k).loadUnaligned(as: SIMD4<Double>.self)
        var q = TwoTermInverse(bv).quotient(av)
        for l in 0..<4 where !inDomain(av[l], bv[l]) { q[l] = av[l] / bv[l] }
        UnsafeMutableRawPointer(out + k).storeBytes(of: q, as: SIMD4<Double>.self)
        k += 4
    }
    while k < count {
        out[k] = a[k] / b[k]
        if inDomain(a[k], b[k]) { out[k] = TwoTermInverse(SIMD4(repeating: b[k])).quotient(SIMD4(repeating: a[k]))[0] }
        k += 1
    }
}
