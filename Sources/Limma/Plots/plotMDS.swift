// limma's plotMDS(x, plot = FALSE): classical multidimensional scaling of the
// samples, with distances from the leading log-fold-changes.
import CLapack

/// What `plotMDS(..., plot = FALSE)` returns in limma 3.54 (an `MDS` object).
public struct MDS: Sendable, Equatable {
    /// Eigenvalues of `-D/2` (D the double-centred squared distances), decreasing.
    public var eigenValues: [Double]
    /// The matching unit eigenvectors as columns (nsamples x nsamples). Signs
    /// are LAPACK's (`dsyevr`, the routine R's `eigen(symmetric = TRUE)` calls).
    public var eigenVectors: Matrix
    /// `pmax(eigen.values, 0) / sum(pmax(eigen.values, 0))`.
    public var varExplained: [Double]
    /// `dim.plot` (1-based dimensions).
    public var dimPlot: (Int, Int)
    /// limma 3.54's `distance.matrix.squared`: note that 3.54 stores the
    /// double-centred matrix here (what was eigen-decomposed, times -2), not
    /// the raw squared distances.
    public var distanceMatrixSquared: Matrix
    public var top: Int
    public var geneSelection: String
    public var axislabel: String
    /// Coordinates of the samples on the two plotted dimensions:
    /// `eigen.vectors[, d] * sqrt(max(eigen.values[d], 0))`.
    public var x: [Double]
    public var y: [Double]
    public var warnings: [LimmaWarning] = []

    public static func == (a: MDS, b: MDS) -> Bool {
        a.eigenValues == b.eigenValues && a.eigenVectors == b.eigenVectors && a.varExplained == b.varExplained
            && a.dimPlot == b.dimPlot && a.distanceMatrixSquared == b.distanceMatrixSquared && a.top == b.top
            && a.geneSelection == b.geneSelection && a.axislabel == b.axislabel && a.x == b.x && a.y == b.y
            && a.warnings == b.warnings
    }
}

/// limma 3.54's `plotMDS.default(x, top = 500, dim.plot = c(1, 2),
/// gene.selection = "pairwise", plot = FALSE)`.
///
/// Rows with any non-finite value are dropped. The squared distance between
/// samples i and j is, for `"pairwise"`, the mean of the `top` largest
/// `(x_i - x_j)^2` over genes (the genes chosen separately for each pair); for
/// `"common"`, the mean of `(x_i - x_j)^2` over the `top` genes with largest
/// variance `rowMeans((x - rowMeans(x))^2)`, the same genes for all pairs.
/// The matrix is double-centred and `-D/2` is eigen-decomposed; the sample
/// coordinates are the eigenvectors scaled by the square roots of the
/// (non-negative parts of the) eigenvalues. A plotted dimension with
/// eigenvalue below 1e-13 gives R's warning "dimension d is degenerate or all zero".
public func plotMDS(_ x: Matrix, top: Int = 500, geneSelection: String = "pairwise", dimPlot: (Int, Int) = (1, 2)) throws -> MDS {
    let ns = x.ncol
    guard ns >= 3 else { throw LimmaError("plotMDS", "Only \(ns) columns of data: need at least 3") }
    guard dimPlot.0 != dimPlot.1 else { throw LimmaError("plotMDS", "dim.plot must specify two dimensions to plot") }
    guard dimPlot.0 >= 1, dimPlot.1 >= 1 else { throw LimmaError("plotMDS", "dim.plot must be positive") }
    let ndim = max(dimPlot.0, dimPlot.1)
    guard ns >= ndim else { throw LimmaError("plotMDS", "ndim is greater than number of samples") }
    let choices = ["pairwise", "common"]
    let matched = choices.filter { !geneSelection.isEmpty && $0.hasPrefix(geneSelection) }
    guard matched.count == 1 else {
        throw LimmaError("plotMDS", "'arg' should be one of \"pairwise\", \"common\" (gene.selection = \"\(geneSelection)\")")
    }
    let selection = matched[0]
    guard top >= 1 else { throw LimmaError("plotMDS", "top must be a positive integer") }

    let good = (0..<x.nrow).filter { i in (0..<ns).allSatisfy { x[i, $0].isFinite } }
    var data = good.count == x.nrow ? x : x.rows(good)
    let nprobes = data.nrow
    guard nprobes >= ndim else { throw LimmaError("plotMDS", "ndim is greater than number of rows of data") }
    let topN = min(top, nprobes)

    var dd = Matrix(nrow: ns, ncol: ns, rowNames: x.colNames, colNames: x.colNames)
    let axislabel: String
    if selection == "pairwise" {
        let k = nprobes - topN  // 0-based position of the partial sort
        var d2 = [Double](repeating: 0, count: nprobes)
        for i in 1..<ns {
            for j in 0..<i {
                for g in 0..<nprobes { let d = data[g, i] - data[g, j]; d2[g] = d * d }
                rPartialSort(&d2, k)
                dd[i, j] = RBase.mean(Array(d2[k..<nprobes]))
            }
        }
        axislabel = "Leading logFC dim"
    } else {
        if nprobes > topN {
            let rm = RBase.rowMeans(data)
            var centred = data
            for j in 0..<ns { for g in 0..<nprobes { let d = data[g, j] - rm[g]; centred[g, j] = d * d } }
            let s = RBase.rowMeans(centred)
            let o = RBase.order(s, decreasing: true)
            data = data.rows(Array(o[0..<topN]))
        }
        let ng = data.nrow
        for i in 1..<ns {
            for j in 0..<i {
                var acc: RLongDouble = 0
                for g in 0..<ng { let d = data[g, i] - data[g, j]; acc += RLongDouble(d * d) }
                dd[i, j] = Double(acc / RLongDouble(ng))
            }
        }
        axislabel = "Principal Component"
    }

    // dd + t(dd), then double centring as R writes it:
    // dd <- dd - rowMeans(dd); dd <- t(dd) - (rm - mean(rm)).
    var sym = dd
    for j in 0..<ns { for i in 0..<ns { sym[i, j] = dd[i, j] + dd[j, i] } }
    let rm = RBase.rowMeans(sym)
    let mrm = RBase.mean(rm)
    var a = sym
    for j in 0..<ns { for i in 0..<ns { a[i, j] = sym[i, j] - rm[i] } }
    var centred = sym
    for j in 0..<ns { for i in 0..<ns { centred[i, j] = a[j, i] - (rm[i] - mrm) } }

    var half = centred
    for k in 0..<half.values.count { half.values[k] = -centred.values[k] / 2 }
    let (values, vectors) = try symmetricEigen(half, caller: "plotMDS")

    let lambda = values.map { max($0, 0) }
    let total = RBase.sum(lambda)
    var mds = MDS(eigenValues: values, eigenVectors: vectors, varExplained: lambda.map { $0 / total },
                  dimPlot: dimPlot, distanceMatrixSquared: centred, top: topN, geneSelection: selection,
                  axislabel: axislabel, x: [], y: [])
    for (which, d) in [dimPlot.0, dimPlot.1].enumerated() {
        let sc = lambda[d - 1].squareRoot()
        let coord = vectors.column(d - 1).map { $0 * sc }
        if which == 0 { mds.x = coord } else { mds.y = coord }
        if lambda[d - 1] < 1e-13 {
            mds.warnings.append(LimmaWarning("plotMDS", "dimension \(d) is degenerate or all zero"))
        }
    }
    return mds
}

/// R's `eigen(x, symmetric = TRUE)`: LAPACK `dsyevr` on the lower triangle
/// (all eigenpairs, abstol 0), reordered to decreasing eigenvalues.
func symmetricEigen(_ m: Matrix, caller: String) throws -> (values: [Double], vectors: Matrix) {
    var n = Int32(m.nrow)
    guard m.nrow == m.ncol else { throw LimmaError(caller, "'x' must be a square numeric matrix") }
    guard m.values.allSatisfy({ $0.isFinite }) else { throw LimmaError(caller, "infinite or missing values in 'x'") }
    if n == 0 { return ([], Matrix(nrow: 0, ncol: 0)) }
    var a = m.values
    var w = [Double](repeating: 0, count: m.nrow)
    var z = [Double](repeating: 0, count: m.nrow * m.nrow)
    var isuppz = [Int32](repeating: 0, count: 2 * m.nrow)
    var vl = 0.0, vu = 0.0, abstol = 0.0
    var il: Int32 = 0, iu: Int32 = 0, found: Int32 = 0, info: Int32 = 0
    var lwork: Int32 = -1, liwork: Int32 = -1
    var wq = 0.0
    var iq: Int32 = 0
    var jobz = Int8(UInt8(ascii: "V")), range = Int8(UInt8(ascii: "A")), uplo = Int8(UInt8(ascii: "L"))
    dsyevr_(&jobz, &range, &uplo, &n, &a, &n, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &n, &isuppz,
            &wq, &lwork, &iq, &liwork, &info)
    guard info == 0 else { throw LimmaError(caller, "error code \(info) from Lapack routine 'dsyevr'") }
    lwork = Int32(wq)
    liwork = iq
    var work = [Double](repeating: 0, count: Int(lwork))
    var iwork = [Int32](repeating: 0, count: Int(liwork))
    dsyevr_(&jobz, &range, &uplo, &n, &a, &n, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &n, &isuppz,
            &work, &lwork, &iwork, &liwork, &info)
    guard info == 0 else { throw LimmaError(caller, "error code \(info) from Lapack routine 'dsyevr'") }
    let k = m.nrow
    var vec = Matrix(nrow: k, ncol: k)
    for j in 0..<k {
        let src = k - 1 - j
        for i in 0..<k { vec[i, j] = z[src * k + i] }
    }
    return (Array(w.reversed()), vec)
}

/// R's partial sort `sort.int(x, partial = k + 1)` for doubles (`rPsort2`
/// on `lo...hi`, by default the whole array): Hoare-style selection leaving
/// x[k] in its sorted place, smaller values before it and larger after, in
/// the arrangement R leaves them (which matters for the order of later
/// sums). NaN sorts last.
func rPartialSort(_ x: inout [Double], _ k: Int, lo: Int = 0, hi: Int? = nil) {
    func less(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN { return false }
        if b.isNaN { return true }
        return a < b
    }
    var lo = lo, hi = hi ?? x.count - 1
    while lo < hi {
        let v = x[k]
        var i = lo, j = hi
        while i <= j {
            while less(x[i], v) { i += 1 }
            while less(v, x[j]) { j -= 1 }
            if i <= j { x.swapAt(i, j); i += 1; j -= 1 }
        }
        if j < k { lo = i }
        if k < i { hi = j }
    }
}

/// `plotMDS` for an `EList`: MDS of its log-expression values `E`.
public func plotMDS(_ x: EList, top: Int = 500, geneSelection: String = "pairwise", dimPlot: (Int, Int) = (1, 2)) throws -> MDS {
    try plotMDS(x.E, top: top, geneSelection: geneSelection, dimPlot: dimPlot)
}
