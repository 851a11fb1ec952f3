// filterByExpr's pass over the counts and colSums' exact integer sums on
// eight lanes (Limma's EdgeR/filterByExpr.swift `CountFlags.accumulate` and
// Support/RBase.swift `exactIntegerSum` run the same per-value operations
// on two).

/// Adds one sample's counts `c[0..<len]` to `total` and, where
/// `c * scale >= cutoff`, 1 to `above`, eight rows at a time; returns
/// whether some count was missing, negative or infinite (`bad`: not
/// `0 <= c <= greatestFiniteMagnitude`) and whether some count was not an
/// integer (`(c + 2^52) - 2^52 != c`, true for NaN). Each row sees the
/// operations of Limma's `CountFlags.accumulate` (one addition to its total,
/// the same product compared, +1 or +0 to its count), so the bits are the
/// same. Call only when `AVX512Kernels.enabled`.
@inline(never)
public func avx512FilterAccumulate(_ c: UnsafePointer<Double>, _ len: Int, scale: Double, cutoff: Double,
                                   total: UnsafeMutablePointer<Double>, above: UnsafeMutablePointer<Double>)
    -> (bad: Bool, notInteger: Bool) {
    typealias V = SIMD8<Double>
    let two52 = V(repeating: 4503599627370496)
    let s = V(repeating: scale), cut = V(repeating: cutoff)
    let zero = V(repeating: 0), one = V(repeating: 1), big = V(repeating: .greatestFiniteMagnitude)
    var bad = SIMDMask<SIMD8<Int64>>(repeating: false), notInteger = bad
    let raw = UnsafeRawPointer(c), tRaw = UnsafeMutableRawPointer(total), aRaw = UnsafeMutableRawPointer(above)
    var i = 0
    while i + 8 <= len {
        let a = raw.loadUnaligned(fromByteOffset: i * 8, as: V.self)
        bad .|= .!((a .>= zero) .& (a .<= big))
        notInteger .|= ((a + two52) - two52) .!= a
        let t = tRaw.loadUnaligned(fromByteOffset: i * 8, as: V.self)
        tRaw.storeBytes(of: t + a, toByteOffset: i * 8, as: V.self)
        let u = aRaw.loadUnaligned(fromByteOffset: i * 8, as: V.self)
        aRaw.storeBytes(of: u + zero.replacing(with: one, where: a * s .>= cut), toByteOffset: i * 8, as: V.self)
        i += 8
    }
    var tailBad = false, tailNotInteger = false
    while i < len {
        let a = c[i]
        tailBad = tailBad || !(a >= 0 && a <= .greatestFiniteMagnitude)
        tailNotInteger = tailNotInteger || (a + 4503599627370496) - 4503599627370496 != a
        total[i] += a
        if a * scale >= cutoff { above[i] += 1 }
        i += 1
    }
    return (any(bad) || tailBad, any(notInteger) || tailNotInteger)
}

/// The first part of Limma's `exactIntegerSum` (`RBase`), eight lanes at a
/// time in four accumulators: over the whole groups of eight of
/// `c[0..<count]` (`done` values), their sum, and `bad` when one is not a
/// non-negative integer (`(a + 2^52) - 2^52 == a`, exact for the integers
/// in `[0, 2^52)`, false for NaN). While none is bad and the sum stays below
/// 2^53, every partial sum, in any order, is an exact integer, so the sum is
/// the one the two-lane loop and R's long-double `colSums` give. Limma adds
/// the rest and gives the verdict. Call only when `AVX512Kernels.enabled`.
@inline(never)
public func avx512FilterExactIntegerSumLanes(_ c: UnsafePointer<Double>, count n: Int)
    -> (sum: Double, done: Int, bad: Bool) {
    typealias V = SIMD8<Double>
    let two52 = V(repeating: 4503599627370496), zero = V(repeating: 0)
    var s0 = zero, s1 = zero, s2 = zero, s3 = zero
    var bad = SIMDMask<SIMD8<Int64>>(repeating: false)
    let raw = UnsafeRawPointer(c)
    @inline(__always) func add(_ k: Int, _ s: inout V) {
        let a = raw.loadUnaligned(fromByteOffset: k * 8, as: V.self)
        bad .|= .!(a .>= zero) .| (((a + two52) - two52) .!= a)
        s += a
    }
    var i = 0
    while i + 32 <= n {
        add(i, &s0); add(i + 8, &s1); add(i + 16, &s2); add(i + 24, &s3)
        i += 32
    }
    while i + 8 <= n {
        add(i, &s0)
        i += 8
    }
    return (((s0 + s1) + (s2 + s3)).sum(), i, any(bad))
}
