// limma's lmFit: a linear model for each row of an expression matrix, by
// ordinary or weighted least squares (lm.series) or, with a blocking factor
// and an intra-block correlation, by generalised least squares (gls.series).
import Synchronization

/// Fits `y_g = X beta_g + e_g` for every gene g (row of `y`), as limma's
/// `lmFit(object, design, weights, block, correlation, method = "ls")`.
///
/// - No block (`lm.series`): when every value is finite and there are no
///   gene-specific weights, one QR of the design (weighted by the square roots
///   of the array weights, if any) serves all genes, as R's
///   `lm.fit(design, t(M))` does; then `sigma = sqrt(colMeans(effects[-(1:rank), ]^2))`.
///   Otherwise each gene is fitted on its finite observations with `lm.fit`
///   (or `lm.wfit`, weights `w`: rows of X and y multiplied by `sqrt(w)`);
///   weights `<= 0` or missing make the observation missing;
///   `sigma = sqrt(mean(effects[-(1:rank)]^2))`, `df.residual = n_obs - rank`.
/// - With `block` and `correlation` (`gls.series`): V has 1 on the diagonal
///   and `correlation` between arrays of the same block, scaled by
///   `1/sqrt(w)` on both sides when weighted; with C = chol(V) (upper), the
///   model `C^-T y = C^-T X beta` is fitted by least squares.
///
/// Non-estimable coefficients (rank-deficient designs, LINPACK pivoting at
/// tol 1e-7) are NaN (R's NA) in `coefficients` and `stdevUnscaled`.
/// `stdevUnscaled` holds `sqrt(diag((R'R)^-1))` of each gene's fit;
/// `covCoefficients` is `(R'R)^-1` of the full (unweighted) design, over the
/// estimable coefficients in pivoted order. `Amean` is `rowMeans(y, na.rm = TRUE)`.
///
/// Warnings returned (R prints them): `Coefficients not estimable: ...`
/// (lmFit prints it with `cat`) and `Partial NA coefficients for N probe(s)`.
///
/// Errors as R's: zero rows, design rows != arrays, NA in design,
/// block without correlation, |correlation| >= 1, weights of the wrong shape,
/// a gene whose observed design rows are all zero (R's chol2inv size error).
/// `method = "robust"` fits each gene by limma's `mrlm` (MASS::rlm, Huber
/// M-estimation; see `LinearModelFit.mrlm`), ignoring block and correlation.
public func lmFit(_ y: Matrix, design: Matrix, weights: Matrix? = nil, block: [String]? = nil,
                  correlation: Double? = nil, method: String = "ls") throws -> MArrayLM {
    try LinearModelFit.fit(exprs: y, design: design, weights: weights, genes: nil, block: block,
                           correlation: correlation, method: method)
}

/// `lmFit` for an `EList`: its `E` is the response, its `design` is used when
/// `design` is nil (else an intercept-only design), its `weights` when
/// `weights` is nil; its `genes` travel into the fit.
public func lmFit(_ y: EList, design: Matrix? = nil, weights: Matrix? = nil, block: [String]? = nil,
                  correlation: Double? = nil, method: String = "ls") throws -> MArrayLM {
    try LinearModelFit.fit(exprs: y.E, design: design ?? y.design, weights: weights ?? y.weights, genes: y.genes,
                           block: block, correlation: correlation, method: method)
}

/// limma's `nonEstimable(x)`: names of the design columns LINPACK pivoting
/// leaves out (column numbers for unnamed columns), or nil when x has full
/// column rank.
public func nonEstimable(_ x: Matrix) -> [String]? {
    let p = x.ncol
    let qr = QRDecomposition(x)
    guard qr.rank < p else { return nil }
    return (qr.rank..<p).map { k in
        let j = qr.pivot[k]
        let name = x.colNames?[j] ?? String(j + 1)
        return name.isEmpty ? String(k + 1) : name
    }
}

enum LinearModelFit {
    static func fit(exprs: Matrix, design: Matrix?, weights: Matrix?, genes: Annotation?, block: [String]?,
                    correlation: Double?, method: String) throws -> MArrayLM {
        let fn = "lmFit"
        guard exprs.nrow > 0 else { throw LimmaError(fn, "expression matrix has zero rows") }
        guard exprs.ncol > 0 else { throw LimmaError(fn, "0 (non-NA) cases: the expression matrix has no columns") }
        if let g = genes, !g.isEmpty, g.count != exprs.nrow {
            throw LimmaError(fn, "genes has \(g.count) rows but the expression matrix has \(exprs.nrow)")
        }
        let design = design ?? Matrix(nrow: exprs.ncol, ncol: 1, repeating: 1)
        guard design.nrow == exprs.ncol else {
            throw LimmaError(fn, "row dimension of design doesn't match column dimension of data object (design has \(design.nrow) rows, data has \(exprs.ncol) columns)")
        }
        guard design.ncol > 0 else { throw LimmaError(fn, "design matrix has no columns") }
        if design.values.contains(where: { $0.isNaN }) { throw LimmaError(fn, "NAs not allowed in design matrix") }
        if design.values.contains(where: { !$0.isFinite }) { throw LimmaError(fn, "NA/NaN/Inf in 'x' (the design matrix has an infinite value)") }
        let m = try matchMethod(method)
        var warnings: [LimmaWarning] = []
        if let ne = nonEstimable(design) {
            warnings.append(LimmaWarning(fn, "Coefficients not estimable: " + ne.joined(separator: " ")))
        }
        var fit: MArrayLM
        if m == "robust" {
            // As limma: robust regression ignores block and correlation.
            fit = try mrlm(exprs, design: design, weights: weights)
            warnings += fit.warnings
        } else if let block {
            guard let correlation else { throw LimmaError(fn, "the correlation must be set, see duplicateCorrelation") }
            fit = try glsSeries(exprs, design: design, block: block, correlation: correlation, weights: weights)
        } else {
            fit = try lmSeries(exprs, design: design, weights: weights)
        }
        let ncoef = fit.coefficients.ncol
        if ncoef > 1 {
            var partial = 0
            for i in 0..<fit.coefficients.nrow {
                var na = 0
                for j in 0..<ncoef where fit.coefficients[i, j].isNaN { na += 1 }
                if na > 0 && na < ncoef { partial += 1 }
            }
            if partial > 0 { warnings.append(LimmaWarning(fn, "Partial NA coefficients for \(partial) probe(s)")) }
        }
        fit.genes = genes
        fit.Amean = RBase.rowMeans(exprs, naRM: true)
        fit.method = m
        fit.design = design
        fit.warnings = warnings
        return fit
    }

    /// R's `match.arg(method, c("ls", "robust"))` (partial matching).
    static func matchMethod(_ method: String) throws -> String {
        let choices = ["ls", "robust"]
        if choices.contains(method) { return method }
        let hits = choices.filter { !method.isEmpty && $0.hasPrefix(method) }
        if hits.count == 1 { return hits[0] }
        throw LimmaError("lmFit", "'arg' should be one of \u{201C}ls\u{201D}, \u{201C}robust\u{201D} (got \"\(method)\")")
    }

    /// limma's `asMatrixWeights(weights, dim)`: a full genes x arrays weight
    /// matrix from a full matrix, a row of array weights (flagged), a column
    /// of gene weights, or a single value.
    static func asMatrixWeights(_ w: Matrix, nrow: Int, ncol: Int, function: String) throws -> (weights: Matrix, arrayWeights: Bool) {
        if w.nrow == nrow && w.ncol == ncol { return (w, false) }
        guard Swift.min(w.nrow, w.ncol) == 1 else {
            throw LimmaError(function, "weights is of unexpected shape (\(w.nrow) x \(w.ncol); data is \(nrow) x \(ncol))")
        }
        func byRow(_ v: [Double]) -> Matrix {
            var out = Matrix(nrow: nrow, ncol: ncol)
            for j in 0..<ncol { for i in 0..<nrow { out[i, j] = v[j] } }
            return out
        }
        if w.ncol > 1 && w.ncol == ncol { return (byRow(w.values), true) }
        let lw = w.values.count
        if lw == 1 || lw == nrow {
            var out = Matrix(nrow: nrow, ncol: ncol)
            for k in 0..<(nrow * ncol) { out.values[k] = w.values[k % lw] }
            return (out, false)
        }
        if lw == ncol { return (byRow(w.values), true) }
        throw LimmaError(function, "weights is of unexpected size (\(lw) values; data is \(nrow) x \(ncol))")
    }

    static func coefficientNames(_ design: Matrix) -> [String] {
        design.colNames ?? (1...design.ncol).map { "x\($0)" }
    }

    /// `cov.coefficients`, `pivot`, `rank` from the QR of `x`.
    static func covariance(_ qr: QRDecomposition, names: [String], function: String) throws -> Matrix {
        var cov = try RLinAlg.chol2inv(qr.qr, size: qr.rank, function: function)
        let est = qr.pivot[0..<qr.rank].map { names[$0] }
        cov.rowNames = est
        cov.colNames = est
        return cov
    }

    /// The one-QR fit shared by lm.series and gls.series when no value is
    /// missing and weights (if any) are per array: `lm.fit(X, Y)` with Y
    /// arrays x genes, columns of `yt`.
    static func commonFit(yt: Matrix, x: Matrix, rowNames: [String]?, names: [String], function: String) throws -> MArrayLM {
        let n = x.nrow, p = x.ncol, ngenes = yt.ncol
        let qr = QRDecomposition(x)
        let ls = qr.leastSquares(yt)
        let rank = qr.rank
        let df = n - rank
        var sigma = [Double](repeating: .nan, count: ngenes)
        if df > 0 {
            for g in 0..<ngenes {
                var e2 = [Double](repeating: 0, count: df)
                for i in rank..<n { let e = ls.effects[i, g]; e2[i - rank] = e * e }
                // R: colMeans(effects^2) for a matrix response; mean() when there is one gene (lm.fit drops y to a vector).
                sigma[g] = (ngenes == 1 ? RBase.mean(e2) : columnMean(e2)).squareRoot()
            }
        }
        let cov = try covariance(qr, names: names, function: function)
        var coef = ls.coefficients.transposed
        coef.rowNames = rowNames
        coef.colNames = names
        var su = Matrix(nrow: ngenes, ncol: p, repeating: .nan, rowNames: rowNames, colNames: names)
        for k in 0..<rank {
            let s = cov[k, k].squareRoot()
            let j = qr.pivot[k]
            for g in 0..<ngenes { su[g, j] = s }
        }
        var fit = MArrayLM(coefficients: coef, stdevUnscaled: su, sigma: sigma,
                           dfResidual: [Double](repeating: Double(df), count: ngenes))
        fit.covCoefficients = cov
        fit.pivot = qr.pivot
        fit.rank = rank
        return fit
    }

    /// R's `colMeans` of one column: a long-double sum divided by n.
    static func columnMean(_ x: [Double]) -> Double {
        var s: RLongDouble = 0
        for v in x { s += RLongDouble(v) }
        return Double(s / RLongDouble(x.count))
    }

    /// The weights step of lm.series and mrlm: full weight matrix; weights
    /// `<= 0` become NA and every observation with a non-finite weight is
    /// made missing.
    static func applyWeights(_ M: inout Matrix, _ weights: Matrix?, function: String) throws -> (weights: Matrix?, arrayWeights: Bool) {
        guard let weights else { return (nil, false) }
        var (w, aw) = try asMatrixWeights(weights, nrow: M.nrow, ncol: M.ncol, function: function)
        for k in 0..<w.values.count {
            if w.values[k] <= 0 { w.values[k] = .nan }
            if !w.values[k].isFinite { M.values[k] = .nan }
        }
        return (w, aw)
    }

    /// limma's `lm.series` (ndups = 1).
    static func lmSeries(_ M0: Matrix, design: Matrix, weights: Matrix?) throws -> MArrayLM {
        let fn = "lmFit"
        var M = M0
        let ngenes = M.nrow, narrays = M.ncol, nbeta = design.ncol
        let names = coefficientNames(design)
        let (W, arrayWeights) = try applyWeights(&M, weights, function: fn)
        let noProbeWts = M.values.allSatisfy { $0.isFinite } && (W == nil || arrayWeights)
        if noProbeWts {
            var x = design
            var yt = M.transposed
            if let W {
                let wts = (0..<narrays).map { W[0, $0].squareRoot() }
                for j in 0..<nbeta { for i in 0..<narrays { x[i, j] = x[i, j] * wts[i] } }
                for g in 0..<ngenes { for i in 0..<narrays { yt[i, g] = yt[i, g] * wts[i] } }
            }
            return try commonFit(yt: yt, x: x, rowNames: M.rowNames, names: names, function: fn)
        }
        var beta = Matrix(nrow: ngenes, ncol: nbeta, repeating: .nan, rowNames: M.rowNames, colNames: names)
        var su = beta
        var sigma = [Double](repeating: .nan, count: ngenes)
        var dfRes = [Double](repeating: 0, count: ngenes)
        // Genes in parallel chunks: each gene's fit is the serial arithmetic
        // and writes only its own row, so any thread count gives the same bits.
        let failure = Mutex<(gene: Int, error: any Error)?>(nil)
        let Mc = M
        beta.values.withUnsafeMutableBufferPointer { bb in
            su.values.withUnsafeMutableBufferPointer { sb in
                sigma.withUnsafeMutableBufferPointer { sgb in
                    dfRes.withUnsafeMutableBufferPointer { db in
                        let out = UncheckedBox((bb, sb, sgb, db))
                        LimmaThreads.forEachChunk(ngenes, minChunk: 64) { range in
                            let (bb, sb, sgb, db) = out.value
                            var obs = [Int]()
                            obs.reserveCapacity(narrays)
                            for g in range {
                                obs.removeAll(keepingCapacity: true)
                                for j in 0..<narrays where Mc[g, j].isFinite { obs.append(j) }
                                if obs.isEmpty { continue }
                                let nobs = obs.count
                                // The observed rows of X and y, scaled by sqrt(w) when weighted (R's lm.wfit).
                                var X = Matrix(nrow: nobs, ncol: nbeta)
                                var yv = [Double](repeating: 0, count: nobs)
                                for (i, j) in obs.enumerated() {
                                    if let W {
                                        let wt = W[g, j].squareRoot()
                                        for c in 0..<nbeta { X.values[c * nobs + i] = design[j, c] * wt }
                                        yv[i] = Mc[g, j] * wt
                                    } else {
                                        for c in 0..<nbeta { X.values[c * nobs + i] = design[j, c] }
                                        yv[i] = Mc[g, j]
                                    }
                                }
                                let qr = QRDecomposition(X)
                                let ls = qr.leastSquares(yv)
                                for j in 0..<nbeta { bb[j * ngenes + g] = ls.coefficients[j] }
                                do {
                                    let cov = try RLinAlg.chol2inv(qr.qr, size: qr.rank, function: fn)
                                    for k in 0..<qr.rank { sb[qr.pivot[k] * ngenes + g] = cov[k, k].squareRoot() }
                                } catch {
                                    failure.withLock { f in if f == nil || g < f!.gene { f = (g, error) } }
                                    return
                                }
                                let df = nobs - qr.rank
                                db[g] = Double(df)
                                if df > 0 {
                                    let e2 = (qr.rank..<nobs).map { ls.effects[$0] * ls.effects[$0] }
                                    sgb[g] = RBase.mean(e2).squareRoot()
                                }
                            }
                        }
                    }
                }
            }
        }
        if let f = failure.withLock({ $0 }) { throw f.error }
        let qr = QRDecomposition(design)
        var fit = MArrayLM(coefficients: beta, stdevUnscaled: su, sigma: sigma, dfResidual: dfRes)
        fit.covCoefficients = try covariance(qr, names: names, function: fn)
        fit.pivot = qr.pivot
        fit.rank = qr.rank
        return fit
    }

    /// limma's `gls.series` with a block factor (ndups = 1).
    static func glsSeries(_ M0: Matrix, design: Matrix, block: [String], correlation: Double, weights: Matrix?) throws -> MArrayLM {
        let fn = "lmFit"
        var M = M0
        let ngenes = M.nrow, narrays = M.ncol, nbeta = design.ncol
        let names = coefficientNames(design)
        guard correlation.isFinite else { throw LimmaError(fn, "correlation must be a finite number (got \(correlation))") }
        if Swift.abs(correlation) >= 1 { throw LimmaError(fn, "correlation is 1 or -1, so the model is degenerate") }
        var W: Matrix? = nil
        var arrayWeights = false
        if let weights {
            var w0 = weights
            for k in 0..<w0.values.count where w0.values[k].isNaN { w0.values[k] = 0 }
            var (w, aw) = try asMatrixWeights(w0, nrow: ngenes, ncol: narrays, function: fn)
            for k in 0..<w.values.count where w.values[k] < 1e-15 {
                M.values[k] = .nan
                w.values[k] = .nan
            }
            W = w
            arrayWeights = aw
        }
        guard block.count == narrays else { throw LimmaError(fn, "Length of block does not match number of arrays (\(block.count) vs \(narrays))") }
        var cormatrix = Matrix(nrow: narrays, ncol: narrays)
        for j in 0..<narrays {
            for i in 0..<narrays {
                cormatrix[i, j] = i == j ? 1 : (block[i] == block[j] ? correlation : 0)
            }
        }
        /// V with 1/sqrt(w) scaling on both sides: V[i,j] = wrs[i] * (wrs[j] * V[i,j]).
        func weighted(_ V: Matrix, _ w: [Double]) -> Matrix {
            let wrs = w.map { 1 / $0.squareRoot() }
            var out = V
            for j in 0..<V.ncol { for i in 0..<V.nrow { out[i, j] = wrs[i] * (wrs[j] * V[i, j]) } }
            return out
        }
        let noProbeWts = M.values.allSatisfy { $0.isFinite } && (W == nil || arrayWeights)
        if noProbeWts {
            var V = cormatrix
            if let W { V = weighted(V, (0..<narrays).map { W[0, $0] }) }
            let cholV = try RLinAlg.chol(V, function: fn)
            let yt = try RLinAlg.backsolve(cholV, M.transposed, transpose: true, function: fn)
            let X = try RLinAlg.backsolve(cholV, design, transpose: true, function: fn)
            var fit = try commonFit(yt: yt, x: X, rowNames: M.rowNames, names: names, function: fn)
            fit.correlation = correlation
            return fit
        }
        var beta = Matrix(nrow: ngenes, ncol: nbeta, repeating: .nan, rowNames: M.rowNames, colNames: names)
        var su = beta
        var sigma = [Double](repeating: .nan, count: ngenes)
        var dfRes = [Double](repeating: 0, count: ngenes)
        for g in 0..<ngenes {
            let o = (0..<narrays).filter { M[g, $0].isFinite }
            let n = o.count
            if n == 0 { continue }
            let X0 = design.rows(o)
            var V = cormatrix.rows(o).columns(o)
            if let W { V = weighted(V, o.map { W[g, $0] }) }
            let cholV = try RLinAlg.chol(V, function: fn)
            let yv = try RLinAlg.backsolve(cholV, Matrix(nrow: n, ncol: 1, values: o.map { M[g, $0] }), transpose: true, function: fn)
            if X0.values.allSatisfy({ $0 == 0 }) {
                dfRes[g] = Double(n)
                let y2 = Matrix(nrow: n, ncol: 1, values: yv.values.map { $0 * $0 })
                sigma[g] = RLinAlg.matprod(Matrix(nrow: 1, ncol: n, repeating: 1 / Double(n)), y2).values[0].squareRoot()
                continue
            }
            let X = try RLinAlg.backsolve(cholV, X0, transpose: true, function: fn)
            let qr = QRDecomposition(X)
            let ls = qr.leastSquares(yv.values, residuals: true)
            for j in 0..<nbeta { beta[g, j] = ls.coefficients[j] }
            let cov = try RLinAlg.chol2inv(qr.qr, size: qr.rank, function: fn)
            for k in 0..<qr.rank { su[g, qr.pivot[k]] = cov[k, k].squareRoot() }
            let df = n - qr.rank
            dfRes[g] = Double(df)
            if df > 0, let r = ls.residuals {
                let r2 = Matrix(nrow: n, ncol: 1, values: r.map { $0 * $0 })
                sigma[g] = RLinAlg.matprod(Matrix(nrow: 1, ncol: n, repeating: 1 / Double(df)), r2).values[0].squareRoot()
            }
        }
        let cholV = try RLinAlg.chol(cormatrix, function: fn)
        let qr = QRDecomposition(try RLinAlg.backsolve(cholV, design, transpose: true, function: fn))
        var fit = MArrayLM(coefficients: beta, stdevUnscaled: su, sigma: sigma, dfResidual: dfRes)
        fit.covCoefficients = try covariance(qr, names: names, function: fn)
        fit.pivot = qr.pivot
        fit.rank = qr.rank
        fit.correlation = correlation
        return fit
    }
}
