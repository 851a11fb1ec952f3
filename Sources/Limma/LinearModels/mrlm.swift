// limma's mrlm: robust regression for each gene by M-estimation, as
// MASS::rlm with its defaults (Huber psi, MAD scale, least-squares start).

extension LinearModelFit {
    /// limma's `mrlm(M, design, weights)` (ndups = 1), each gene fitted by
    /// `MASS::rlm(x = X, y = y, weights = w)` with rlm's defaults:
    /// prior weights as inverse variances (rows of X and y times sqrt(w)),
    /// a least-squares start, then iteratively reweighted least squares:
    /// scale `s = median(|r|) / 0.6745`, weights `psi(r/s) = min(1, 1.345/|r/s|)`,
    /// `lm.wfit` refit, until `sqrt(sum((r_old - r)^2) / max(1e-20, sum(r_old^2))) <= 1e-4`
    /// (at most 20 steps; a zero scale stops at once).
    /// Per gene: coefficients, `stdev.unscaled = sqrt(diag(chol2inv(R)))` of the
    /// last weighted QR, `sigma = s`, `df.residual = n_obs - rank`. Genes with
    /// no more observations than coefficients are left NA with df 0.
    /// A gene whose observed design is singular is an error, as in rlm;
    /// each gene that does not converge adds rlm's warning.
    static func mrlm(_ M0: Matrix, design: Matrix, weights: Matrix?) throws -> MArrayLM {
        let fn = "lmFit"
        var M = M0
        let ngenes = M.nrow, narrays = M.ncol, nbeta = design.ncol
        let names = coefficientNames(design)
        let W = try applyWeights(&M, weights, function: fn).weights
        var beta = Matrix(nrow: ngenes, ncol: nbeta, repeating: .nan, rowNames: M.rowNames, colNames: names)
        var su = beta
        var sigma = [Double](repeating: .nan, count: ngenes)
        var dfRes = [Double](repeating: 0, count: ngenes)
        var warnings: [LimmaWarning] = []
        for g in 0..<ngenes {
            let obs = (0..<narrays).filter { M[g, $0].isFinite }
            guard obs.count > nbeta else { continue }
            var X = design.rows(obs)
            var y = obs.map { M[g, $0] }
            let w = W.map { W in obs.map { W[g, $0] } } ?? [Double](repeating: 1, count: obs.count)
            if QRDecomposition(X).rank < nbeta {
                throw LimmaError(fn, "'x' is singular: singular fits are not implemented in 'rlm' (gene \(M.rowNames?[g] ?? String(g + 1)))")
            }
            // Prior weights as inverse variances.
            let fac = w.map { $0.squareRoot() }
            for j in 0..<nbeta { for i in 0..<obs.count { X[i, j] = X[i, j] * fac[i] } }
            for i in 0..<y.count { y[i] = y[i] * fac[i] }
            var fit = lmWfit(X, y, [Double](repeating: 1, count: y.count))
            var scale = 0.0
            var done = false
            for _ in 0..<20 {
                let old = fit.residuals
                scale = RBase.median(old.map { Swift.abs($0) }) / 0.6745
                if scale == 0 { done = true; break }
                let psi = old.map { Swift.min(1, 1.345 / Swift.abs($0 / scale)) }
                fit = lmWfit(X, y, psi)
                var num: RLongDouble = 0, den: RLongDouble = 0
                for i in 0..<old.count {
                    let d = old[i] - fit.residuals[i]
                    num += RLongDouble(d * d)
                    den += RLongDouble(old[i] * old[i])
                }
                let conv = (Double(num) / Swift.max(1e-20, Double(den))).squareRoot()
                done = conv <= 1e-4
                if done { break }
            }
            if !done { warnings.append(LimmaWarning("rlm", "'rlm' failed to converge in 20 steps")) }
            for j in 0..<nbeta { beta[g, j] = fit.coefficients[j] }
            let cov = try RLinAlg.chol2inv(fit.qr.qr, size: nbeta, function: fn)
            for j in 0..<nbeta { su[g, j] = cov[j, j].squareRoot() }
            let df = obs.count - fit.qr.rank
            dfRes[g] = Double(df)
            if df > 0 { sigma[g] = scale }
        }
        let qr = QRDecomposition(design)
        var out = MArrayLM(coefficients: beta, stdevUnscaled: su, sigma: sigma, dfResidual: dfRes)
        out.covCoefficients = try covariance(qr, names: names, function: fn)
        out.pivot = qr.pivot
        out.rank = qr.rank
        out.warnings = warnings
        return out
    }

    /// R's `lm.wfit(x, y, w)` with positive weights: least squares on
    /// `sqrt(w) x`, `sqrt(w) y`; residuals divided back by `sqrt(w)`.
    static func lmWfit(_ x: Matrix, _ y: [Double], _ w: [Double]) -> (coefficients: [Double], residuals: [Double], qr: QRDecomposition) {
        let wts = w.map { $0.squareRoot() }
        var xw = x
        for j in 0..<x.ncol { for i in 0..<x.nrow { xw[i, j] = x[i, j] * wts[i] } }
        let yw = (0..<y.count).map { y[$0] * wts[$0] }
        let qr = QRDecomposition(xw)
        let ls = qr.leastSquares(yw, residuals: true)
        let r = ls.residuals ?? []
        return (ls.coefficients, (0..<r.count).map { r[$0] / wts[$0] }, qr)
    }
}
