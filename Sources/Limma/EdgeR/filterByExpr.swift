// edgeR's filterByExpr (3.40.2): which genes have enough counts to keep.

import LimmaAVX512

/// edgeR's `filterByExpr.DGEList(y, design, group, lib.size, min.count,
/// min.total.count, large.n, min.prop)`: the library sizes default to
/// `libSize * normFactors`. With neither `design` nor `group` every sample
/// is taken as one group and R's warning "All samples appear to belong to
/// the same group." is appended to `warnings`.
/// - Throws: for missing, negative or infinite counts (naming gene and
///   sample), and as `filterByExpr(_ counts: Matrix, ...)`.
public func filterByExpr(_ y: DGEList, design: Matrix? = nil, group: [String]? = nil, libSize: [Double]? = nil,
                         minCount: Double = 10, minTotalCount: Double = 15, largeN: Double = 10,
                         minProp: Double = 0.7, warnings: inout [LimmaWarning]) throws -> [Bool] {
    // The counts are checked in the same pass that filters them; an error
    // found before that pass is raised only after the counts are checked, so
    // a bad count is reported first, as when the check runs first.
    guard y.libSize.count == y.counts.ncol, y.normFactors.count == y.counts.ncol else {
        try checkCounts(y.counts, "filterByExpr")
        throw LimmaError("filterByExpr", "the DGEList has \(y.counts.ncol) samples but \(y.libSize.count) library sizes and \(y.normFactors.count) norm factors")
    }
    let lib = libSize ?? zip(y.libSize, y.normFactors).map { $0 * $1 }
    let sameGroup = design == nil && group == nil
    return try filterByExprScanning(y.counts, design: design, group: group, libSize: lib, minCount: minCount,
                                    minTotalCount: minTotalCount, largeN: largeN, minProp: minProp) {
        if sameGroup {
            warnings.append(LimmaWarning("filterByExpr", "All samples appear to belong to the same group."))
        }
    }
}

/// `filterByExpr` for a DGEList without collecting warnings; the only one is
/// "All samples appear to belong to the same group." when neither `design`
/// nor `group` is given (use the `warnings:` form to receive it).
public func filterByExpr(_ y: DGEList, design: Matrix? = nil, group: [String]? = nil, libSize: [Double]? = nil,
                         minCount: Double = 10, minTotalCount: Double = 15, largeN: Double = 10,
                         minProp: Double = 0.7) throws -> [Bool] {
    var w = [LimmaWarning]()
    return try filterByExpr(y, design: design, group: group, libSize: libSize, minCount: minCount,
                            minTotalCount: minTotalCount, largeN: largeN, minProp: minProp, warnings: &w)
}

/// The User's Guide idiom `keep <- filterByExpr(y, ...); y <- y[keep, ,
/// keep.lib.sizes = keepLibSizes]` in one call: `y` keeps only the genes
/// `filterByExpr` keeps (`DGEList.keepRows`), and the kept vector is
/// returned. The counts were all checked on the way (and, when
/// `minTotalCount` exceeds 1e-14, every kept gene has a count above 0), so
/// `y` remembers that for `calcNormFactors` and `voom`, which then take no
/// pass of their own to check them.
/// - Throws: as `filterByExpr(_:design:group:...)`; `y` is unchanged then.
@discardableResult
public func filterByExpr(filtering y: inout DGEList, design: Matrix? = nil, group: [String]? = nil, libSize: [Double]? = nil,
                         minCount: Double = 10, minTotalCount: Double = 15, largeN: Double = 10,
                         minProp: Double = 0.7, keepLibSizes: Bool, warnings: inout [LimmaWarning]) throws -> [Bool] {
    let keep = try filterByExpr(y, design: design, group: group, libSize: libSize, minCount: minCount,
                                minTotalCount: minTotalCount, largeN: largeN, minProp: minProp, warnings: &warnings)
    try y.keepRows(keep, keepLibSizes: keepLibSizes)
    // Every count valid; a kept gene's total is at least minTotalCount - 1e-14.
    if minTotalCount - 1e-14 > 0 { y.checkedCounts = [Bool](repeating: true, count: y.counts.nrow) }
    return keep
}

/// edgeR's `filterByExpr.default` for a count matrix (genes x samples).
///
/// The minimum group size `n` is the smallest level count of `group`; with a
/// `design` instead, `1 / max(h)` for the hat values `h` of the design with
/// an intercept column prepended (R's `hat(design)`); with neither, the
/// number of samples. When `n > largeN` it becomes `largeN + (n - largeN) *
/// minProp`. A gene is kept when its CPM (with library sizes `libSize`,
/// default the column sums) is at least `minCount / median(libSize) * 1e6`
/// in at least `n - 1e-14` samples and its total count is at least
/// `minTotalCount - 1e-14`.
/// - Throws: for missing, negative or infinite counts, library sizes of the
///   wrong number or not positive, `group` or `design` not one per sample.
public func filterByExpr(_ counts: Matrix, design: Matrix? = nil, group: [String]? = nil, libSize: [Double]? = nil,
                         minCount: Double = 10, minTotalCount: Double = 15, largeN: Double = 10,
                         minProp: Double = 0.7) throws -> [Bool] {
    try filterByExprScanning(counts, design: design, group: group, libSize: libSize ?? RBase.colSums(counts),
                             minCount: minCount, minTotalCount: minTotalCount, largeN: largeN, minProp: minProp) {}
}

/// `filterByExpr` on counts not yet checked: the arguments are checked
/// first, then one pass over the counts checks them and filters
/// (`filterScan`). When an argument is wrong, or a count, the counts'
/// error (`checkCounts`) comes first. `countsValid` runs once the counts
/// are known to be valid, before any argument error is thrown (where the
/// DGEList form appends its warning).
func filterByExprScanning(_ counts: Matrix, design: Matrix?, group: [String]?, libSize lib: [Double],
                          minCount: Double, minTotalCount: Double, largeN: Double, minProp: Double,
                          countsValid: () -> Void) throws -> [Bool] {
    let fn = "filterByExpr"
    func fail(_ error: LimmaError) throws -> Never {
        try checkCounts(counts, fn)
        countsValid()
        throw error
    }
    let nsamples = counts.ncol
    do { try checkLibSizes(lib, ncol: nsamples, fn) } catch let e as LimmaError { try fail(e) }
    var minSampleSize: Double
    if let group {
        guard group.count == nsamples else {
            try fail(LimmaError(fn, "group has \(group.count) entries for \(nsamples) samples"))
        }
        var sizes = [String: Int]()
        for g in group { sizes[g, default: 0] += 1 }
        minSampleSize = Double(sizes.values.min() ?? 0)
    } else if let design {
        guard design.nrow == nsamples else {
            try fail(LimmaError(fn, "the design has \(design.nrow) rows but there are \(nsamples) samples"))
        }
        if let i = design.values.firstIndex(where: { !$0.isFinite }) {
            try fail(LimmaError(fn, "the design has a missing or infinite value in row \(i % max(design.nrow, 1) + 1)"))
        }
        minSampleSize = 1 / (hatValues(design).max() ?? .nan)
    } else {
        minSampleSize = Double(nsamples)
    }
    if minSampleSize > largeN { minSampleSize = largeN + (minSampleSize - largeN) * minProp }
    let cutoff = minCount / RBase.median(lib) * 1e6
    let tol = 1e-14
    guard let keep = filterScan(counts, scale: lib.map { 1e6 / $0 }, cutoff: cutoff,
                                minSamples: minSampleSize - tol, minTotal: minTotalCount - tol) else {
        try checkCounts(counts, fn)   // throws: the scan found a missing, negative or infinite count
        preconditionFailure("filterScan and checkCounts disagree")
    }
    countsValid()
    return keep
}

/// The kept genes, from one pass over the counts by blocks of rows, in
/// parallel over the blocks (each gene's numbers computed by one worker in
/// sample order, so independent of the thread count); nil when a count is
/// missing, negative or infinite.
///
/// A gene is kept when the number of samples with `count * scale[j] >=
/// cutoff` (its CPM, as cpm() computes it, against the CPM cutoff) is at
/// least `minSamples` and its total (R's `rowSums`) at least `minTotal`.
/// The totals are summed in double where that is exact: every count of the
/// block a non-negative integer and each total below 2^53, so each partial
/// sum is an integer below 2^53, the same in double as in R's long double.
/// Otherwise the block's totals are summed again in long double.
///
/// Where the processor has AVX-512 (`wide`, default `AVX512Kernels.enabled`)
/// each sample's counts go through `avx512FilterAccumulate`, eight rows at
/// a time with the same operations per row.
func filterScan(_ counts: Matrix, scale: [Double], cutoff: Double, minSamples: Double, minTotal: Double,
                wide: Bool = AVX512Kernels.enabled) -> [Bool]? {
    let ngenes = counts.nrow, nsamples = counts.ncol
    return scanCountBlocks(counts, initial: false) { v, i0, len, buffers, keep in
        let (total, above) = buffers
        total.initialize(repeating: 0, count: len)
        above.initialize(repeating: 0, count: len)
        var flags = CountFlags()
        if wide {
            for j in 0..<nsamples {
                flags.accumulateWide(v.baseAddress! + j * ngenes + i0, len, scale: scale[j], cutoff: cutoff, total: total, above: above)
            }
        } else {
            for j in 0..<nsamples {
                flags.accumulate(v.baseAddress! + j * ngenes + i0, len, scale: scale[j], cutoff: cutoff, total: total, above: above)
            }
        }
        guard flags.valid else { return false }
        if !flags.exactTotals(total, len) {
            for i in 0..<len {
                var s: RLongDouble = 0
                for j in 0..<nsamples { s += RLongDouble(v[j * ngenes + i0 + i]) }
                total[i] = Double(s)
            }
        }
        // Both tests, joined without a branch (`&&` would branch on the
        // first, which is as unpredictable as the data).
        for i in 0..<len {
            let a = above[i] >= minSamples, t = total[i] >= minTotal
            keep[i0 + i] = unsafeBitCast(unsafeBitCast(a, to: UInt8.self) & unsafeBitCast(t, to: UInt8.self), to: Bool.self)
        }
        return true
    }
}

/// What `filterScan` gathers over a block's counts besides the sums: whether
/// any count was missing, negative or infinite, and whether any was not an
/// integer (`(a + 2^52) - 2^52 == a` holds exactly for the integers in
/// `[0, 2^52)`, and fails for NaN).
struct CountFlags {
    private var bad = SIMDMask<SIMD2<Int64>>(repeating: false)
    private var notInteger = SIMDMask<SIMD2<Int64>>(repeating: false)

    var valid: Bool { !any(bad) }

    /// Adds one sample's counts `c[0..<len]` to `total` and, where
    /// `c * scale >= cutoff`, 1 to `above`.
    @inline(__always)
    mutating func accumulate(_ c: UnsafePointer<Double>, _ len: Int, scale: Double, cutoff: Double,
                             total: UnsafeMutablePointer<Double>, above: UnsafeMutablePointer<Double>) {
        let two52 = SIMD2<Double>(repeating: 4503599627370496)
        let s = SIMD2<Double>(repeating: scale), cut = SIMD2<Double>(repeating: cutoff)
        let zero = SIMD2<Double>(repeating: 0), one = SIMD2<Double>(repeating: 1)
        let big = SIMD2<Double>(repeating: .greatestFiniteMagnitude)
        let raw = UnsafeRawPointer(c), tRaw = UnsafeMutableRawPointer(total), aRaw = UnsafeMutableRawPointer(above)
        var i = 0
        while i + 2 <= len {
            let a = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD2<Double>.self)
            bad .|= .!((a .>= zero) .& (a .<= big))
            notInteger .|= ((a + two52) - two52) .!= a
            let t = tRaw.loadUnaligned(fromByteOffset: i * 8, as: SIMD2<Double>.self)
            tRaw.storeBytes(of: t + a, toByteOffset: i * 8, as: SIMD2<Double>.self)
            let u = aRaw.loadUnaligned(fromByteOffset: i * 8, as: SIMD2<Double>.self)
            aRaw.storeBytes(of: u + zero.replacing(with: one, where: a * s .>= cut), toByteOffset: i * 8, as: SIMD2<Double>.self)
            i += 2
        }
        if i < len {
            let a = c[i]
            let ok = a >= 0 && a <= .greatestFiniteMagnitude
            bad .|= SIMDMask(repeating: !ok)
            notInteger .|= SIMDMask(repeating: (a + 4503599627370496) - 4503599627370496 != a)
            total[i] += a
            if a * scale >= cutoff { above[i] += 1 }
        }
    }

    /// `accumulate` through LimmaAVX512's eight lanes (`avx512FilterAccumulate`:
    /// the same totals, counts and flags). Call only when `AVX512Kernels.enabled`.
    @inline(__always)
    mutating func accumulateWide(_ c: UnsafePointer<Double>, _ len: Int, scale: Double, cutoff: Double,
                                 total: UnsafeMutablePointer<Double>, above: UnsafeMutablePointer<Double>) {
        let r = avx512FilterAccumulate(c, len, scale: scale, cutoff: cutoff, total: total, above: above)
        bad .|= SIMDMask(repeating: r.bad)
        notInteger .|= SIMDMask(repeating: r.notInteger)
    }

    /// Whether the double totals are R's: every count a non-negative integer
    /// and every total below 2^53.
    func exactTotals(_ total: UnsafeMutablePointer<Double>, _ len: Int) -> Bool {
        if any(notInteger) { return false }
        var below = true
        for i in 0..<len { below = below && total[i] < 9007199254740992 }
        return below
    }
}

/// R's `hat(x, intercept = TRUE)`: the diagonal of the projection onto the
/// column space of `cbind(1, x)`, from its LINPACK QR (rank found with
/// tolerance 1e-7): `h_i = sum_{k <= rank} Q[i, k]^2`, here as the squared
/// leading effects `Q' e_i` of the unit vectors.
func hatValues(_ x: Matrix) -> [Double] {
    let n = x.nrow
    let withIntercept = Matrix(nrow: n, ncol: x.ncol + 1, values: [Double](repeating: 1, count: n) + x.values)
    let qr = QRDecomposition(withIntercept)
    var identity = Matrix(nrow: n, ncol: n)
    for i in 0..<n { identity[i, i] = 1 }
    let effects = qr.leastSquares(identity).effects
    return (0..<n).map { i in
        var s = 0.0
        for k in 0..<qr.rank { s += effects[k, i] * effects[k, i] }
        return s
    }
}
