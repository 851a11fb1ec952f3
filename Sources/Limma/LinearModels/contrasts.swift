// limma's contrasts.fit: re-expresses a fitted linear model in terms of
// contrasts of its coefficients.

/// limma's `contrasts.fit(fit, contrasts, coefficients)`.
///
/// With a contrast matrix C (coefficients x contrasts) the new coefficients
/// are `B C` and the new unscaled covariance is `C' V C`, V the fit's
/// `cov.coefficients` (computed as `crossprod(chol(V) %*% C)`). The new
/// unscaled standard deviations are, per gene with unscaled sds s:
/// - when the coefficients are uncorrelated (every off-diagonal of
///   `cov2cor(V)` below 1e-14 in size): `sqrt(s^2 C^2)` (elementwise squares);
/// - otherwise, with R = chol(cov2cor(V)): `sqrt(colSums((R diag(s) C)^2))`.
///
/// Edge cases as R: a rank-deficient fit (V smaller than the coefficients)
/// keeps the estimable coefficients `pivot[1:rank]` and refuses a contrast
/// that involves a non-estimable one; coefficients absent from every contrast
/// are dropped first; NA coefficients are entered as 0 with sd 1e30, and a
/// contrast whose sd then exceeds 1e20 is NA. The eBayes statistics t,
/// p.value, lods, F and F.p.value are dropped; the other eBayes fields are
/// carried, as R does. Without `cov.coefficients` the coefficients are
/// assumed orthogonal (with R's warning). Row names of the contrasts that
/// differ from the coefficient names give R's warning.
///
/// With `coefficients` (0-based column indices) the fit is subset to those
/// coefficients, as R's `fit[, coefficients]`.
public func contrastsFit(_ fit: MArrayLM, contrasts: Matrix? = nil, coefficients: [Int]? = nil) throws -> MArrayLM {
    let fn = "contrasts.fit"
    if (contrasts == nil) == (coefficients == nil) {
        throw LimmaError(fn, "Must specify exactly one of contrasts or coefficients")
    }
    if let coefficients { return try ContrastsFit.subsetCoefficients(fit, coefficients) }
    guard var C = contrasts else { throw LimmaError(fn, "Must specify exactly one of contrasts or coefficients") }
    var fit = fit
    // Only this call's warnings (R prints lmFit's when lmFit runs).
    var warnings: [LimmaWarning] = []
    fit.t = nil
    fit.pValue = nil
    fit.lods = nil
    fit.F = nil
    fit.FPValue = nil
    var ncoef = fit.coefficients.ncol
    guard fit.stdevUnscaled.nrow == fit.coefficients.nrow && fit.stdevUnscaled.ncol == ncoef else {
        throw LimmaError(fn, "stdev.unscaled (\(fit.stdevUnscaled.nrow) x \(fit.stdevUnscaled.ncol)) does not match coefficients (\(fit.coefficients.nrow) x \(ncoef))")
    }
    if C.values.contains(where: { $0.isNaN }) { throw LimmaError(fn, "NAs not allowed in contrasts") }
    guard C.nrow == ncoef else {
        throw LimmaError(fn, "Number of rows of contrast matrix must match number of coefficients in fit (contrasts has \(C.nrow) rows, fit has \(ncoef) coefficients)")
    }
    if let rn = C.rowNames, let cn = fit.coefficients.colNames, rn != cn {
        warnings.append(LimmaWarning(fn, "row names of contrasts don't match col names of coefficients"))
    }
    fit.contrasts = C
    fit.warnings = warnings
    if C.ncol == 0 {
        return try ContrastsFit.subsetColumns(fit, [], jj: [])
    }

    var cormatrix: Matrix
    if let cov = fit.covCoefficients {
        guard cov.nrow == cov.ncol, cov.nrow <= ncoef else {
            throw LimmaError(fn, "cov.coefficients is \(cov.nrow) x \(cov.ncol); expected at most \(ncoef) x \(ncoef)")
        }
        let (cm, w) = ContrastsFit.cov2cor(cov)
        cormatrix = cm
        if let w { fit.warnings.append(w) }
    } else {
        fit.warnings.append(LimmaWarning(fn, "cov.coefficients not found in fit - assuming coefficients are orthogonal"))
        var cov = Matrix(nrow: ncoef, ncol: ncoef)
        for j in 0..<ncoef {
            var s: RLongDouble = 0
            for i in 0..<fit.stdevUnscaled.nrow { let v = fit.stdevUnscaled[i, j]; s += RLongDouble(v * v) }
            cov[j, j] = Double(s / RLongDouble(fit.stdevUnscaled.nrow))
        }
        fit.covCoefficients = cov
        cormatrix = Matrix(nrow: ncoef, ncol: ncoef)
        for j in 0..<ncoef { cormatrix[j, j] = 1 }
    }

    // A rank-deficient design: keep the estimable coefficients.
    let r = cormatrix.nrow
    if r < ncoef {
        guard let pivot = fit.pivot, pivot.count >= r else {
            throw LimmaError(fn, "cor.coef not full rank but pivot column not found in fit")
        }
        let est = Array(pivot[0..<r])
        let nonEst = (0..<ncoef).filter { !est.contains($0) }
        if nonEst.contains(where: { i in (0..<C.ncol).contains { C[i, $0] != 0 } }) {
            throw LimmaError(fn, "trying to take contrast of non-estimable coefficient")
        }
        C = C.rows(est)
        fit.coefficients = fit.coefficients.columns(est)
        fit.stdevUnscaled = fit.stdevUnscaled.columns(est)
        ncoef = r
    }

    // Drop coefficients that enter no contrast.
    let allZero = (0..<ncoef).filter { i in (0..<C.ncol).allSatisfy { C[i, $0] == 0 } }
    if !allZero.isEmpty {
        let keep = (0..<ncoef).filter { !allZero.contains($0) }
        C = C.rows(keep)
        fit.coefficients = fit.coefficients.columns(keep)
        fit.stdevUnscaled = fit.stdevUnscaled.columns(keep)
        if let cov = fit.covCoefficients { fit.covCoefficients = cov.rows(keep).columns(keep) }
        cormatrix = cormatrix.rows(keep).columns(keep)
        ncoef = keep.count
    }

    let naCoef = fit.coefficients.values.contains { $0.isNaN }
    if naCoef {
        for k in 0..<fit.coefficients.values.count where fit.coefficients.values[k].isNaN {
            fit.coefficients.values[k] = 0
            fit.stdevUnscaled.values[k] = 1e30
        }
    }
    fit.coefficients = RLinAlg.matprod(fit.coefficients, C)

    var orthog = true
    if cormatrix.values.count >= 2 {
        for j in 0..<cormatrix.ncol { for i in (j + 1)..<Swift.max(cormatrix.nrow, j + 1) where !(Swift.abs(cormatrix[i, j]) < 1e-14) { orthog = false } }
    }
    guard let cov = fit.covCoefficients else { throw LimmaError(fn, "cov.coefficients missing") }
    let Rcov = try RLinAlg.chol(cov, function: fn)
    var newCov = RLinAlg.crossprod(RLinAlg.matprod(Rcov, C))
    newCov.rowNames = C.colNames
    newCov.colNames = C.colNames
    fit.covCoefficients = newCov

    let ngenes = fit.stdevUnscaled.nrow
    if orthog {
        var s2 = fit.stdevUnscaled
        s2.values = s2.values.map { $0 * $0 }
        var c2 = C
        c2.values = c2.values.map { $0 * $0 }
        var su = RLinAlg.matprod(s2, c2)
        su.values = su.values.map { $0.squareRoot() }
        fit.stdevUnscaled = su
    } else {
        let R = try RLinAlg.chol(cormatrix, function: fn)
        let ncont = C.ncol
        var U = Matrix(nrow: ngenes, ncol: ncont, repeating: 1, rowNames: fit.stdevUnscaled.rowNames, colNames: C.colNames)
        let o = Matrix(nrow: 1, ncol: ncoef, repeating: 1)
        var sc = C
        for g in 0..<ngenes {
            for j in 0..<ncont { for i in 0..<ncoef { sc[i, j] = fit.stdevUnscaled[g, i] * C[i, j] } }
            var ruc = RLinAlg.matprod(R, sc)
            ruc.values = ruc.values.map { $0 * $0 }
            let s = RLinAlg.matprod(o, ruc)
            for j in 0..<ncont { U[g, j] = s.values[j].squareRoot() }
        }
        fit.stdevUnscaled = U
    }
    if naCoef {
        for k in 0..<fit.stdevUnscaled.values.count where fit.stdevUnscaled.values[k] > 1e20 {
            fit.coefficients.values[k] = .nan
            fit.stdevUnscaled.values[k] = .nan
        }
    }
    return fit
}

enum ContrastsFit {
    /// R's `cov2cor(V)`: `V[i,j] / sqrt(V[i,i] V[j,j])` computed as
    /// `(Is[i] * V[i,j]) * Is[j]` with `Is = sqrt(1/diag(V))`, unit diagonal.
    static func cov2cor(_ V: Matrix) -> (Matrix, LimmaWarning?) {
        let p = V.nrow
        let Is = (0..<p).map { (1 / V[$0, $0]).squareRoot() }
        var r = V
        for j in 0..<p { for i in 0..<p { r[i, j] = Is[i] * V[i, j] * Is[j] } }
        for i in 0..<p { r[i, i] = 1 }
        let w = Is.allSatisfy { $0.isFinite } ? nil : LimmaWarning("cov2cor", "diag(.) had 0 or NA entries; non-finite result is doubtful")
        return (r, w)
    }

    /// limma's `fit[, j]` for the coefficient columns `j` (0-based).
    static func subsetCoefficients(_ fit: MArrayLM, _ j: [Int]) throws -> MArrayLM {
        let fn = "contrasts.fit"
        let ncoef = fit.coefficients.ncol
        if let bad = j.first(where: { $0 < 0 || $0 >= ncoef }) {
            throw LimmaError(fn, "subscript out of bounds: coefficient \(bad) (0-based) of \(ncoef)")
        }
        var jj = j
        if let cov = fit.covCoefficients, cov.ncol < ncoef {
            guard let pivot = fit.pivot else { throw LimmaError(fn, "design matrix not of full rank but pivot is missing") }
            let r = cov.ncol
            let nonEst = Set(pivot[r..<ncoef])
            if j.contains(where: { nonEst.contains($0) }) {
                throw LimmaError(fn, "Subsetting to non-estimable coefficients is not allowed.")
            }
            jj = (0..<pivot.count).filter { j.contains(pivot[$0]) }
        }
        var fit = fit
        fit.warnings = []
        if fit.contrasts == nil {
            let cn = fit.coefficients.colNames
            var I = Matrix(nrow: ncoef, ncol: ncoef, rowNames: cn, colNames: cn)
            for k in 0..<ncoef { I[k, k] = 1 }
            fit.contrasts = I
        }
        return try subsetColumns(fit, j, jj: jj)
    }

    /// The column subset of `[.MArrayLM`: coefficient-wise matrices by `j`,
    /// cov.coefficients by `jj`, contrasts' columns by `j`, var.prior by `j`.
    /// When the fit carries an F statistic it is recomputed for the kept
    /// coefficients, as R does: `classifyTestsF(fit, fstat.only = TRUE)` with
    /// df = df.prior + df.residual, p-values from pf (pchisq when df2 > 1e6).
    static func subsetColumns(_ fit: MArrayLM, _ j: [Int], jj: [Int]) throws -> MArrayLM {
        var fit = fit
        fit.coefficients = fit.coefficients.columns(j)
        fit.stdevUnscaled = fit.stdevUnscaled.columns(j)
        fit.t = fit.t?.columns(j)
        fit.pValue = fit.pValue?.columns(j)
        fit.lods = fit.lods?.columns(j)
        fit.covCoefficients = fit.covCoefficients.map { $0.rows(jj).columns(jj) }
        if let c = fit.contrasts, c.ncol >= (j.max() ?? -1) + 1 { fit.contrasts = c.columns(j) }
        if let vp = fit.varPrior, vp.count > 1 { fit.varPrior = j.map { vp[$0] } }
        if fit.F != nil {
            if j.isEmpty {
                fit.F = nil
                fit.FPValue = nil
            } else {
                let fs = try classifyTestsFStat(fit)
                fit.F = fs.F
                fit.FPValue = fs.pValues()
            }
        }
        return fit
    }
}
