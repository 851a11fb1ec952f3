// The F-statistic part of limma's classifyTestsF (R/decidetests.R), which
// eBayes uses to fill `F` and `F.p.value`, with the R matrix arithmetic it
// relies on: `%*%` (R's matprod: BLAS dgemm/dgemv, or a plain double loop
// when an operand holds NaN or Inf), `crossprod`, and `eigen(symmetric = TRUE)`
// (LAPACK dsyevr, as R's La_rs calls it).
import CLapack

/// R's matrix arithmetic, reproduced call for call so results agree bit for bit.
enum RLinearAlgebra {
    /// R's `x %*% y` (array.c `matprod`, default mode): when either operand may
    /// hold NaN/Inf (R's pairwise-sum test), a plain double-accumulated triple
    /// loop; otherwise BLAS `dgemv` (y one column, or x one row) or `dgemm`.
    static func matprod(_ x: Matrix, _ y: Matrix) -> Matrix {
        let nrx = x.nrow, ncx = x.ncol, nry = y.nrow, ncy = y.ncol
        var z = Matrix(nrow: nrx, ncol: ncy)
        if nrx == 0 || ncx == 0 || nry == 0 || ncy == 0 { return z }
        if mayHaveNaNOrInf(x.values) || mayHaveNaNOrInf(y.values) {
            for i in 0..<nrx {
                for k in 0..<ncy {
                    var sum = 0.0
                    for j in 0..<ncx { sum += x.values[i + j * nrx] * y.values[j + k * nry] }
                    z.values[i + k * nrx] = sum
                }
            }
            return z
        }
        var one = 1.0, zero = 0.0, ione: Int32 = 1
        var m = Int32(nrx), n = Int32(ncx), ldy = Int32(nry), nc = Int32(ncy)
        x.values.withUnsafeBufferPointer { xp in
            y.values.withUnsafeBufferPointer { yp in
                z.values.withUnsafeMutableBufferPointer { zp in
                    if ncy == 1 {
                        dgemv_("N", &m, &n, &one, xp.baseAddress, &m, yp.baseAddress, &ione, &zero, zp.baseAddress, &ione)
                    } else if nrx == 1 {
                        dgemv_("T", &ldy, &nc, &one, yp.baseAddress, &ldy, xp.baseAddress, &ione, &zero, zp.baseAddress, &ione)
                    } else {
                        dgemm_("N", "N", &m, &nc, &n, &one, xp.baseAddress, &m, yp.baseAddress, &ldy, &zero, zp.baseAddress, &m)
                    }
                }
            }
        }
        return z
    }

    /// R's imprecise NaN/Inf screen: odd length checks x[0], then pairs are
    /// summed and the sum tested for finiteness.
    static func mayHaveNaNOrInf(_ x: [Double]) -> Bool {
        let n = x.count
        if n & 1 != 0 && !x[0].isFinite { return true }
        var i = n & 1
        while i < n {
            if !(x[i] + x[i + 1]).isFinite { return true }
            i += 2
        }
        return false
    }

    /// R's `crossprod(x)` = t(x) %*% x (array.c `symcrossprod`): BLAS `dsyrk`
    /// on the upper triangle, mirrored; a plain double loop when x may hold
    /// NaN/Inf.
    static func crossprod(_ x: Matrix) -> Matrix {
        let nr = x.nrow, nc = x.ncol
        var z = Matrix(nrow: nc, ncol: nc)
        if nr == 0 || nc == 0 { return z }
        if mayHaveNaNOrInf(x.values) {
            for i in 0..<nc {
                for j in 0...i {
                    var sum = 0.0
                    for k in 0..<nr { sum += x.values[k + i * nr] * x.values[k + j * nr] }
                    z.values[i + j * nc] = sum
                    z.values[j + i * nc] = sum
                }
            }
            return z
        }
        var one = 1.0, zero = 0.0
        var n = Int32(nc), k = Int32(nr)
        x.values.withUnsafeBufferPointer { xp in
            z.values.withUnsafeMutableBufferPointer { zp in
                dsyrk_("U", "T", &n, &k, &one, xp.baseAddress, &k, &zero, zp.baseAddress, &n)
            }
        }
        for i in 1..<max(nc, 1) { for j in 0..<i { z.values[i + nc * j] = z.values[j + nc * i] } }
        return z
    }

    /// R's `eigen(x, symmetric = TRUE)`: LAPACK `dsyevr` (jobz V or N, range A,
    /// lower triangle, abstol 0, workspace from a size query), values returned
    /// in decreasing order and the vector columns reordered to match.
    /// Returns nil when LAPACK reports an error.
    static func symmetricEigen(_ x: Matrix, onlyValues: Bool = false) -> (values: [Double], vectors: Matrix?)? {
        let n = x.nrow
        guard n == x.ncol, n > 0 else { return nil }
        var a = x.values
        var nn = Int32(n)
        var vl = 0.0, vu = 0.0, abstol = 0.0
        var il: Int32 = 0, iu: Int32 = 0, m: Int32 = 0, info: Int32 = 0
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: onlyValues ? 1 : n * n)
        var isuppz = [Int32](repeating: 0, count: 2 * n)
        var lwork: Int32 = -1, liwork: Int32 = -1
        var wq = 0.0
        var iwq: Int32 = 0
        let jobz = onlyValues ? "N" : "V"
        dsyevr_(jobz, "A", "L", &nn, &a, &nn, &vl, &vu, &il, &iu, &abstol, &m, &w, &z, &nn, &isuppz, &wq, &lwork, &iwq, &liwork, &info)
        if info != 0 { return nil }
        lwork = Int32(wq)
        liwork = iwq
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevr_(jobz, "A", "L", &nn, &a, &nn, &vl, &vu, &il, &iu, &abstol, &m, &w, &z, &nn, &isuppz, &work, &lwork, &iwork, &liwork, &info)
        if info != 0 { return nil }
        let values = Array(w.reversed())
        if onlyValues { return (values, nil) }
        var v = Matrix(nrow: n, ncol: n)
        for j in 0..<n {
            let src = n - 1 - j
            for i in 0..<n { v.values[i + j * n] = z[i + src * n] }
        }
        return (values, v)
    }

    /// limma's `is.fullrank(x)`: the eigenvalues of `crossprod(x)` have a
    /// positive largest value and |smallest / largest| > 1e-13.
    static func isFullRank(_ x: Matrix) -> Bool {
        guard x.ncol > 0, let e = symmetricEigen(crossprod(x), onlyValues: true) else { return false }
        let first = e.values[0], last = e.values[e.values.count - 1]
        return first > 0 && Swift.abs(last / first) > 1e-13
    }

    /// R's `cov2cor(V)`: `Is * V * rep(Is, each = p)` with `Is = sqrt(1/diag(V))`,
    /// then an exact unit diagonal.
    static func cov2cor(_ v: Matrix) -> Matrix {
        let p = v.nrow
        let isd = (0..<p).map { (1 / v[$0, $0]).squareRoot() }
        var r = v
        for j in 0..<p { for i in 0..<p { r.values[i + j * p] = isd[i] * v.values[i + j * p] * isd[j] } }
        for i in 0..<p { r.values[i + i * p] = 1 }
        return r
    }
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
        let cor = RLinearAlgebra.cov2cor(cov)
        guard !cor.values.contains(where: { !$0.isFinite }), let e = RLinearAlgebra.symmetricEigen(cor), let vec = e.vectors else {
            throw LimmaError("classifyTestsF", "eigen decomposition of the coefficient correlation matrix failed")
        }
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
    var tq = RLinearAlgebra.matprod(tstat, q)
    for k in 0..<tq.values.count { tq.values[k] = tq.values[k] * tq.values[k] }
    let f = RLinearAlgebra.matprod(tq, Matrix(nrow: r, ncol: 1, repeating: 1))
    return (f.values, r)
}
