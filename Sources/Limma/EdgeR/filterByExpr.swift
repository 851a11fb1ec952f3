// edgeR's filterByExpr (3.40.2): which genes have enough counts to keep.

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
    try checkCounts(y.counts, "filterByExpr")
    guard y.libSize.count == y.counts.ncol, y.normFactors.count == y.counts.ncol else {
        throw LimmaError("filterByExpr", "the DGEList has \(y.counts.ncol) samples but \(y.libSize.count) library sizes and \(y.normFactors.count) norm factors")
    }
    if design == nil && group == nil {
        warnings.append(LimmaWarning("filterByExpr", "All samples appear to belong to the same group."))
    }
    let lib = libSize ?? zip(y.libSize, y.normFactors).map { $0 * $1 }
    return try filterByExprChecked(y.counts, design: design, group: group, libSize: lib, minCount: minCount,
                                   minTotalCount: minTotalCount, largeN: largeN, minProp: minProp)
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
    try checkCounts(counts, "filterByExpr")
    return try filterByExprChecked(counts, design: design, group: group, libSize: libSize, minCount: minCount,
                                   minTotalCount: minTotalCount, largeN: largeN, minProp: minProp)
}

/// `filterByExpr` on counts already checked by `checkCounts`.
func filterByExprChecked(_ counts: Matrix, design: Matrix?, group: [String]?, libSize: [Double]?,
                         minCount: Double, minTotalCount: Double, largeN: Double, minProp: Double) throws -> [Bool] {
    let fn = "filterByExpr"
    let nsamples = counts.ncol
    let lib = libSize ?? RBase.colSums(counts)
    try checkLibSizes(lib, ncol: nsamples, fn)
    var minSampleSize: Double
    if let group {
        guard group.count == nsamples else {
            throw LimmaError(fn, "group has \(group.count) entries for \(nsamples) samples")
        }
        var sizes = [String: Int]()
        for g in group { sizes[g, default: 0] += 1 }
        minSampleSize = Double(sizes.values.min() ?? 0)
    } else if let design {
        guard design.nrow == nsamples else {
            throw LimmaError(fn, "the design has \(design.nrow) rows but there are \(nsamples) samples")
        }
        if let i = design.values.firstIndex(where: { !$0.isFinite }) {
            throw LimmaError(fn, "the design has a missing or infinite value in row \(i % max(design.nrow, 1) + 1)")
        }
        minSampleSize = 1 / (hatValues(design).max() ?? .nan)
    } else {
        minSampleSize = Double(nsamples)
    }
    if minSampleSize > largeN { minSampleSize = largeN + (minSampleSize - largeN) * minProp }
    let cutoff = minCount / RBase.median(lib) * 1e6
    let totals = RBase.rowSums(counts)
    let tol = 1e-14
    // The CPM of each count, `count * (1e6 / lib)` as cpm() computes it,
    // compared with the cutoff without keeping the CPM matrix.
    let ngenes = counts.nrow
    var above = [Int32](repeating: 0, count: ngenes)
    counts.values.withUnsafeBufferPointer { v in
        for j in 0..<nsamples {
            let s = 1e6 / lib[j]
            let base = j * ngenes
            for i in 0..<ngenes where v[base + i] * s >= cutoff { above[i] += 1 }
        }
    }
    return (0..<ngenes).map { i in
        Double(above[i]) >= minSampleSize - tol && totals[i] >= minTotalCount - tol
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
