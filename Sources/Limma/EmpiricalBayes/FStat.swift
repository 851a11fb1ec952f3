// The F-statistic part of limma's classifyTestsF (R/decidetests.R), which
// eBayes uses (through classifyTestsFStat) to fill `F` and `F.p.value`, and
// limma's is.fullrank, which decides whether eBayes computes it.

/// limma's `is.fullrank(x)`: the eigenvalues of `crossprod(x)` (R's
/// `eigen(symmetric = TRUE)`) have a positive largest value and
/// |smallest / largest| > 1e-13.
func isFullRank(_ x: Matrix) -> Bool {
    guard x.ncol > 0, let e = try? symmetricEigen(RLinAlg.crossprod(x), caller: "is.fullrank").values,
          let first = e.first, let last = e.last else { return false }
    return first > 0 && Swift.abs(last / first) > 1e-13
}

/// The F-statistic of limma's `classifyTestsF(fit, fstat.only = TRUE)`: for
/// each gene, the squared length of the t-statistics after decorrelating them
/// with the coefficient correlation matrix,
/// `F = rowSums((t %*% Q)^2)` with `Q = V[, 1:r] diag(1/sqrt(lambda[1:r])) / sqrt(r)`,
/// where `lambda, V` are the eigen decomposition of `cov2cor(cov.coefficients)`
/// and `r` counts eigenvalues with `lambda / lambda[1] > 1e-8` (the F
/// numerator df, `df1`). Without `cov.coefficients` the t's are taken as
/// independent (`Q = I / sqrt(ncol)`). With one column, `F = t^2` and `df1 = 1`.
/// Zero diagonal entries of `cov.coefficients` are set to 1 first, as R does.
/// A missing t gives a missing F.
public func classifyTestsFStatistic(tstat: Matrix, covCoefficients: Matrix?) throws -> (F: [Double], df1: Int) {
    let ntests = tstat.ncol
    if ntests == 0 { throw LimmaError("classifyTestsF", "tstat has no columns") }
    if ntests == 1 { return (tstat.values.map { $0 * $0 }, 1) }
    var q: Matrix
    var r: Int
    if var cov = covCoefficients {
        guard cov.nrow == cov.ncol, cov.nrow == ntests else {
            throw LimmaError("classifyTestsF", "cov.coefficients is \(cov.nrow) x \(cov.ncol) but tstat has \(ntests) columns")
        }
        let n = cov.nrow
        let diag = (0..<n).map { cov[$0, $0] }
        if let mn = diag.min(), mn == 0 { for i in 0..<n where cov[i, i] == 0 { cov[i, i] = 1 } }
        let cor = ContrastsFit.cov2cor(cov).0
        let e = try symmetricEigen(cor, caller: "classifyTestsF")
        let vec = e.vectors
        r = e.values.filter { $0 / e.values[0] > 1e-8 }.count
        q = Matrix(nrow: n, ncol: r)
        let sr = Double(r).squareRoot()
        for j in 0..<r {
            let s = 1 / e.values[j].squareRoot()
            for i in 0..<n { q[i, j] = (vec[i, j] * s) / sr }
        }
    } else {
        r = ntests
        q = Matrix(nrow: r, ncol: r)
        let s = Double(r).squareRoot()
        for i in 0..<r { q[i, i] = 1 / s }
    }
    var tq = RLinAlg.matprod(tstat, q)
    for k in 0..<tq.values.count { tq.values[k] = tq.values[k] * tq.values[k] }
    let f = RLinAlg.matprod(tq, Matrix(nrow: r, ncol: 1, repeating: 1))
    return (f.values, r)
}
