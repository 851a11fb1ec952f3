// limma's arrayWeights: empirical array (sample) quality weights from a
// log-linear variance model, by gene-by-gene updating or by REML.
import CLapack
import Foundation

/// What `arrayWeights` returns: one weight per array (R's named vector), with
/// the warnings and messages R would have printed.
public struct ArrayWeightsResult: Sendable, Equatable {
    public var weights: [Double]
    /// The array names (column names of the expression matrix), if any.
    public var names: [String]?
    /// The method that ran: "genebygene", "reml", or "none" when R returns
    /// unit weights without fitting (fewer than 2 genes or residual df < 2).
    public var method: String
    public var warnings: [LimmaWarning] = []
    /// R's `message()` output (e.g. rows removed before REML).
    public var messages: [String] = []
}

/// limma's `arrayWeights(object, design = NULL, weights = NULL,
/// var.design = NULL, var.group = NULL, prior.n = 10, method = "auto",
/// maxiter = 50, tol = 1e-5)` for an expression matrix.
///
/// Model: the variance of array j for every gene is `sigma_g^2 / w_j` with
/// `log(1/w) = Z2 gamma`, where `Z2` is `contr.sum(narrays)` by default, or
/// the column-centred `var.design` (columns reduced to a full-rank set by
/// R's QR), or sum-to-zero contrasts of `var.group`. `gamma` is estimated
/// with a prior that shrinks towards equal weights with the strength of
/// `prior.n` genes.
///
/// - `"genebygene"` (the "auto" choice when there are missing values or
///   prior weights): one Fisher-scoring update of gamma per gene, in gene
///   order (`.arrayWeightsGeneByGene`); genes with at most 2 observations,
///   residual df < 2 or residual variance < 1e-15 are skipped.
/// - `"reml"`: Fisher scoring on the REML likelihood summed over genes,
///   until the scaled score `dl' step / ngam / (ngenes + prior.n)` is below
///   `tol` (`.arrayWeightsREML`, or `.arrayWeightsPrWtsREML` with prior
///   weights). Rows with missing values are removed first (a message).
///
/// The design is reduced to its first `rank` pivoted columns. Zero prior
/// weights turn the observation into a missing value. Unit weights are
/// returned when there are fewer than 2 genes or fewer than 2 residual df.
public func arrayWeights(_ object: Matrix, design: Matrix? = nil, weights: Matrix? = nil, varDesign: Matrix? = nil,
                         varGroup: [String]? = nil, priorN: Double = 10, method: String = "auto", maxiter: Int = 50,
                         tol: Double = 1e-5) throws -> ArrayWeightsResult {
    let fn = "arrayWeights"
    var E = object
    let ngenes = E.nrow, narrays = E.ncol
    let unit = ArrayWeightsResult(weights: [Double](repeating: 1, count: narrays), names: E.colNames, method: "none")
    let methods = ["auto", "genebygene", "reml"]
    let matched = methods.filter { !method.isEmpty && $0.hasPrefix(method) }
    guard matched.count == 1 else { throw LimmaError(fn, "'arg' should be one of \"auto\", \"genebygene\", \"reml\"") }
    guard priorN.isFinite, priorN >= 0 else { throw LimmaError(fn, "prior.n must be a non-negative number") }
    guard maxiter >= 1 else { throw LimmaError(fn, "maxiter must be a positive integer") }
    if ngenes < 2 { return unit }

    var X: Matrix
    if let d = design {
        guard d.nrow == narrays else { throw LimmaError(fn, "design has \(d.nrow) rows but the expression matrix has \(narrays) columns") }
        guard d.values.allSatisfy({ $0.isFinite }) else { throw LimmaError(fn, "design must be a numeric matrix without missing values") }
        let qr = QRDecomposition(d)
        X = qr.rank < d.ncol ? d.columns(Array(qr.pivot[0..<qr.rank])) : d
    } else {
        X = Matrix(nrow: narrays, ncol: 1, repeating: 1)
    }
    if narrays - X.ncol < 2 { return unit }

    var W = weights
    if var w = W {
        guard w.nrow == ngenes, w.ncol == narrays else {
            throw LimmaError(fn, "dimensions of weights should match those of expression object")
        }
        if w.values.contains(where: { $0.isNaN }) { throw LimmaError(fn, "NA weights not allowed") }
        if w.values.contains(where: { $0 < 0 }) { throw LimmaError(fn, "Negative weights not allowed") }
        if w.values.contains(where: { $0.isInfinite }) { throw LimmaError(fn, "Infinite weights not allowed") }
        for k in 0..<w.values.count where w.values[k] == 0 {
            E.values[k] = .nan
            w.values[k] = 1
        }
        W = w
    }

    var Z2: Matrix
    if let vg = varGroup {
        guard vg.count == narrays else { throw LimmaError(fn, "var.group has wrong length") }
        let levels = RCollation.icu.factorLevels(vg)
        guard levels.count >= 2 else { throw LimmaError(fn, "Need at least two variance groups") }
        // model.matrix(~var.group) with contr.sum, intercept dropped.
        var vd = Matrix(nrow: narrays, ncol: levels.count - 1)
        for i in 0..<narrays {
            let l = levels.firstIndex(of: vg[i])!
            for j in 0..<(levels.count - 1) { vd[i, j] = l == levels.count - 1 ? -1 : (l == j ? 1 : 0) }
        }
        Z2 = try centredVarDesign(vd)
    } else if let vd = varDesign {
        guard vd.nrow == narrays else { throw LimmaError(fn, "var.design has \(vd.nrow) rows but there are \(narrays) arrays") }
        guard vd.values.allSatisfy({ $0.isFinite }) else { throw LimmaError(fn, "var.design must be a numeric matrix without missing values") }
        Z2 = try centredVarDesign(vd)
    } else {
        Z2 = contrSum(narrays)
    }
    guard Z2.ncol >= 1 else { throw LimmaError(fn, "var.design has no columns of full rank after centring") }

    var hasNA = false
    if E.values.contains(where: { !$0.isFinite }) {
        for k in 0..<E.values.count where E.values[k].isInfinite { E.values[k] = .nan }
        hasNA = true
    }
    var m = matched[0]
    if m == "auto" { m = (hasNA || W != nil) ? "genebygene" : "reml" }

    var result: ArrayWeightsResult
    if m == "genebygene" {
        let w = try ArrayWeightsFit.geneByGene(E, design: X, weights: W, Z2: Z2, priorN: priorN)
        result = ArrayWeightsResult(weights: w, names: E.colNames, method: m)
    } else {
        var messages: [String] = []
        if hasNA {
            let keep = (0..<ngenes).filter { g in (0..<narrays).allSatisfy { !E[g, $0].isNaN } }
            messages.append("removing \(ngenes - keep.count) rows with missing or infinite values")
            E = E.rows(keep)
            W = W?.rows(keep)
            if E.nrow < 2 { var u = unit; u.messages = messages; return u }
        }
        let (w, warnings) = W == nil
            ? try ArrayWeightsFit.reml(E, design: X, Z2: Z2, priorN: priorN, maxiter: maxiter, tol: tol)
            : try ArrayWeightsFit.prWtsReml(E, design: X, weights: W!, Z2: Z2, priorN: priorN, maxiter: maxiter, tol: tol)
        result = ArrayWeightsResult(weights: w, names: E.colNames, method: m, warnings: warnings, messages: messages)
    }
    return result
}

/// `arrayWeights` for an `EList`: `weights` defaults to the object's
/// observation weights (as R's `getEAWP` supplies them). As in R, the
/// object's own `design` is not used; pass `design` explicitly.
public func arrayWeights(_ object: EList, design: Matrix? = nil, weights: Matrix? = nil, varDesign: Matrix? = nil,
                         varGroup: [String]? = nil, priorN: Double = 10, method: String = "auto", maxiter: Int = 50,
                         tol: Double = 1e-5) throws -> ArrayWeightsResult {
    try arrayWeights(object.E, design: design, weights: weights ?? object.weights, varDesign: varDesign, varGroup: varGroup,
                     priorN: priorN, method: method, maxiter: maxiter, tol: tol)
}

/// R's `contr.sum(n)`: n x (n-1), the identity on top of a row of -1s.
func contrSum(_ n: Int) -> Matrix {
    var z = Matrix(nrow: n, ncol: max(n - 1, 0))
    for j in 0..<(n - 1) { z[j, j] = 1; z[n - 1, j] = -1 }
    return z
}

/// arrayWeights' treatment of a variance design: columns centred by their
/// (long-double) means, then reduced to R's QR rank-revealing column subset.
func centredVarDesign(_ vd: Matrix) throws -> Matrix {
    var z = vd
    let cm = RBase.colMeans(vd)
    for j in 0..<z.ncol { for i in 0..<z.nrow { z[i, j] = vd[i, j] - cm[j] } }
    let qr = QRDecomposition(z)
    return z.columns(Array(qr.pivot[0..<qr.rank]))
}

/// The three fitting algorithms behind arrayWeights.
enum ArrayWeightsFit {
    /// `.arrayWeightsREML` (no prior weights, no missing values).
    static func reml(_ y0: Matrix, design: Matrix, Z2: Matrix, priorN: Double, maxiter: Int, tol: Double) throws -> ([Double], [LimmaWarning]) {
        var y = y0
        let narrays = y.ncol
        var ngenes = y.nrow
        let p = design.ncol
        let Z = cbindOne(Z2)
        let ngam = Z2.ncol
        var warnings: [LimmaWarning] = []
        var gam = Matrix(nrow: ngam, ncol: 1)
        var w = [Double](repeating: 1, count: narrays)
        var convcritLast = Double.infinity

        let qr0 = QRDecomposition(design)
        var yt = y.transposed
        let ls0 = qr0.leastSquares(yt, residuals: true)
        var qrCur = qr0
        var rank = qr0.rank
        var effects = ls0.effects
        var residuals = ls0.residuals!
        var s2 = effectsColMeans(effects, from: rank)
        if let mn = s2.min(), mn < 1e-15 {
            let ok = s2.indices.filter { s2[$0] >= 1e-15 }
            y = y.rows(ok)
            ngenes = y.nrow
            if ngenes < 2 { return ([Double](repeating: 1, count: narrays), warnings) }
            yt = y.transposed
            residuals = residuals.columns(ok)
            effects = effects.columns(ok)
            s2 = ok.map { s2[$0] }
        }
        let p2 = (p * (p + 1)) / 2
        let crossZ2 = RLinAlg.crossprod(Z2)
        var iter = 0
        while true {
            iter += 1
            if iter > 1 {
                let f = try lmWfitMatrix(design, yt, w)
                qrCur = f.qr
                rank = f.qr.rank
                residuals = f.residuals
                s2 = effectsColMeans(f.effects, from: rank)
            }
            let Q = qrQy(qrCur, identity(narrays, p))
            let (h, info2raw) = remlInfo(Q: Q, Z: Z, p: p, p2: p2)
            // z <- colMeans(t(w * residuals^2) / s2) - (1 - h)
            var z = [Double](repeating: 0, count: narrays)
            for i in 0..<narrays {
                var acc: RLongDouble = 0
                for g in 0..<ngenes {
                    let r = residuals[i, g]
                    acc += RLongDouble((w[i] * (r * r)) / s2[g])
                }
                z[i] = Double(acc / RLongDouble(ngenes)) - (1 - h[i])
            }
            var info2 = info2raw
            for k in 0..<info2.values.count { info2.values[k] = Double(ngenes) * info2.values[k] + priorN * crossZ2.values[k] }
            for i in 0..<narrays { z[i] = Double(ngenes) * z[i] + priorN * (w[i] - 1) }
            let dl = rCrossprod(Z2, Matrix(nrow: narrays, ncol: 1, values: z))
            let step = try rSolve(info2, dl, function: "arrayWeights")
            let convcrit = rCrossprod(dl, step).values[0] / Double(ngam) / (Double(ngenes) + priorN)
            if convcrit.isNaN || convcrit >= convcritLast {
                warnings.append(LimmaWarning("arrayWeights", "convergence tolerance not achievable, stopping prematurely"))
                break
            }
            convcritLast = convcrit
            for k in 0..<ngam { gam.values[k] = gam.values[k] + step.values[k] }
            w = expNegLinear(Z2, gam)
            if convcrit < tol { break }
            if iter == maxiter {
                warnings.append(LimmaWarning("arrayWeights", "iteration limit reached"))
                break
            }
        }
        return (w, warnings)
    }

    /// `.arrayWeightsPrWtsREML` (REML with prior observation weights).
    static func prWtsReml(_ y: Matrix, design: Matrix, weights: Matrix, Z2: Matrix, priorN: Double, maxiter: Int, tol: Double) throws -> ([Double], [LimmaWarning]) {
        let narrays = y.ncol, ngenes = y.nrow
        let p = design.ncol
        let Z = cbindOne(Z2)
        let ngam = Z2.ncol
        var warnings: [LimmaWarning] = []
        var gam = Matrix(nrow: ngam, ncol: 1)
        var w = [Double](repeating: 1, count: narrays)
        let p2 = (p * (p + 1)) / 2
        let eye = identity(narrays, p)
        let crossZ2 = RLinAlg.crossprod(Z2)
        let denom = Double(ngenes) + priorN
        var iter = 0
        while true {
            iter += 1
            var info2 = scale(crossZ2, priorN)
            var z = w.map { priorN * ($0 - 1) }
            for g in 0..<ngenes {
                let wg = (0..<narrays).map { w[$0] * weights[g, $0] }
                let fit = try lmWfit(design, y.row(g), wg)
                let s2 = RBase.mean(fit.effects[fit.rank...].map { $0 * $0 })
                let Q = qrQy(fit.qr, eye)
                let (h, info) = remlInfo(Q: Q, Z: Z, p: p, p2: p2, schur: false)
                info2 = schurUpdate(info2, info)
                if s2 > 1e-15 {
                    for i in 0..<narrays {
                        let r = fit.residuals[i]
                        z[i] = (z[i] + (wg[i] * (r * r)) / s2) - (1 - h[i])
                    }
                }
            }
            for k in 0..<info2.values.count { info2.values[k] /= denom }
            for i in 0..<narrays { z[i] /= denom }
            let dl = rCrossprod(Z2, Matrix(nrow: narrays, ncol: 1, values: z))
            let step = try rSolve(info2, dl, function: "arrayWeights")
            for k in 0..<ngam { gam.values[k] = gam.values[k] + step.values[k] }
            w = expNegLinear(Z2, gam)
            let convcrit = rCrossprod(dl, step).values[0] / denom / Double(ngam)
            if convcrit.isNaN {
                warnings.append(LimmaWarning("arrayWeights", "convergence tolerance not achievable, stopping prematurely"))
                break
            }
            if convcrit < tol { break }
            if iter == maxiter {
                warnings.append(LimmaWarning("arrayWeights", "iteration limit reached"))
                break
            }
        }
        return (w, warnings)
    }

    /// The REML information pieces from `Q = qr.qy(qr, diag(1, n, p))`:
    /// `Q2` holds the products of pairs of Q's columns (off-diagonal pairs
    /// times sqrt(2)), `h = rowSums(Q2[, 1:p])` the leverages, and
    /// `info = crossprod(Z, (1 - 2h) * Z) + crossprod(crossprod(Q2, Z))`.
    /// With `schur` the result is reduced to the gamma block
    /// `info[-1,-1] - info[-1,1] info[1,-1] / info[1,1]`; otherwise `info`
    /// itself is returned for `schurUpdate`.
    static func remlInfo(Q: Matrix, Z: Matrix, p: Int, p2: Int, schur: Bool = true) -> ([Double], Matrix) {
        let n = Q.nrow
        var Q2 = Matrix(nrow: n, ncol: p2)
        var j0 = 0
        for k in 0..<p {
            for c in 0..<(p - k) {
                for i in 0..<n { Q2[i, j0 + c] = Q[i, c] * Q[i, k + c] }
            }
            j0 += p - k
        }
        if p > 1 {
            let r2 = 2.0.squareRoot()
            for c in p..<p2 { for i in 0..<n { Q2[i, c] = r2 * Q2[i, c] } }
        }
        let h = RBase.rowSums(Q2.columns(Array(0..<p)))
        var hZ = Z
        for c in 0..<Z.ncol { for i in 0..<n { hZ[i, c] = (1 - 2 * h[i]) * Z[i, c] } }
        let a = rCrossprod(Z, hZ)
        let b = RLinAlg.crossprod(rCrossprod(Q2, Z))
        var info = a
        for k in 0..<info.values.count { info.values[k] = a.values[k] + b.values[k] }
        if !schur { return (h, info) }
        let zero = Matrix(nrow: Z.ncol - 1, ncol: Z.ncol - 1)
        return (h, schurUpdate(zero, info))
    }

    /// `info2 + info[-1,-1] - (info[-1,1] / info[1,1]) %*% info[1,-1]`.
    /// The outer product is formed as the products `a_i * b_j`, which is
    /// exactly what BLAS returns for a rank-one `%*%` (0 + 1 * b * a).
    static func schurUpdate(_ info2: Matrix, _ info: Matrix) -> Matrix {
        var out = info2
        if info.nrow <= 1 { return out }
        info.values.withUnsafeBufferPointer { a in
            out.values.withUnsafeMutableBufferPointer { o in
                schurUpdate(o.baseAddress!, info: a.baseAddress!, ni: info.nrow)
            }
        }
        return out
    }

    /// `schurUpdate` in place on the (ni-1) x (ni-1) `info2` (column-major),
    /// for the ni x ni `info`.
    static func schurUpdate(_ info2: UnsafeMutablePointer<Double>, info a: UnsafePointer<Double>, ni: Int) {
        let m = ni - 1
        let d = a[0]
        for j in 0..<m {
            let rj = a[(j + 1) * ni]
            for i in 0..<m {
                let ci = a[i + 1] / d
                info2[j * m + i] = (info2[j * m + i] + a[(j + 1) * ni + i + 1]) - ci * rj
            }
        }
    }

    static func effectsColMeans(_ effects: Matrix, from rank: Int) -> [Double] {
        let n = effects.nrow
        return (0..<effects.ncol).map { g in
            var acc: RLongDouble = 0
            for i in rank..<n { let e = effects[i, g]; acc += RLongDouble(e * e) }
            return Double(acc / RLongDouble(n - rank))
        }
    }

    static func cbindOne(_ z: Matrix) -> Matrix {
        Matrix(nrow: z.nrow, ncol: z.ncol + 1, values: [Double](repeating: 1, count: z.nrow) + z.values)
    }

    static func identity(_ n: Int, _ p: Int) -> Matrix {
        var m = Matrix(nrow: n, ncol: p)
        for j in 0..<min(n, p) { m[j, j] = 1 }
        return m
    }

    static func scale(_ m: Matrix, _ s: Double) -> Matrix {
        var out = m
        for k in 0..<out.values.count { out.values[k] = s * m.values[k] }
        return out
    }

    /// `drop(exp(Z2 %*% (-gam)))`.
    static func expNegLinear(_ Z2: Matrix, _ gam: Matrix) -> [Double] {
        var neg = gam
        for k in 0..<neg.values.count { neg.values[k] = -gam.values[k] }
        return RLinAlg.matprod(Z2, neg).values.map { exp($0) }
    }
}

// MARK: - R's stats/base linear algebra used here

/// One weighted least-squares fit, as R's `lm.wfit(x, y, w)` returns it:
/// rows with zero weight are left out of the QR and get fitted values
/// `x0 %*% coef`; the others get `y - residuals`, the residuals being the
/// weighted-fit residuals divided by `sqrt(w)`.
struct LmWfit {
    var qr: QRDecomposition
    var rank: Int { qr.rank }
    var coefficients: [Double]
    /// Q'(sqrt(w) y) for the positive-weight rows.
    var effects: [Double]
    /// All rows, in input order.
    var residuals: [Double]
    var fitted: [Double]
    var dfResidual: Int

    /// `stats::hat(qr)`: `rowSums(qr.qy(qr, diag(1, n, rank))^2)`.
    func hat() -> [Double] {
        let n = qr.qr.nrow, rank = qr.rank
        var x = qr.qr.values
        var q = [Double](repeating: 0, count: n * rank)
        var h = [Double](repeating: 0, count: n)
        x.withUnsafeMutableBufferPointer { xb in
            qr.qraux.withUnsafeBufferPointer { ab in
                q.withUnsafeMutableBufferPointer { qb in
                    h.withUnsafeMutableBufferPointer { hb in
                        Self.hatDiagonal(xb.baseAddress!, n: n, rank: rank, qraux: ab.baseAddress!,
                                         q: qb.baseAddress, into: hb.baseAddress!)
                    }
                }
            }
        }
        return h
    }

    /// `hat()` on a dqrdc2 factor held in `x` (n rows; its diagonal is swapped
    /// and restored meanwhile): the first `rank` columns of Q in `q` (n * rank
    /// of scratch), then each `h[i]`, the sum over them of `Q[i, c]^2`, in
    /// long double in column order as `rowSums` forms it.
    @_optimize(size) @inline(never)
    static func hatDiagonal(_ x: UnsafeMutablePointer<Double>, n: Int, rank: Int, qraux: UnsafePointer<Double>,
                            q: UnsafeMutablePointer<Double>?, into h: UnsafeMutablePointer<Double>) {
        guard rank > 0, let q else {
            for i in 0..<n { h[i] = 0 }
            return
        }
        for i in 0..<(n * rank) { q[i] = 0 }
        // Reflection j > c leaves e_c alone when the factor (and qraux) is
        // finite: rows j..<n of e_c are +0, so the dot product is +0 (a sum
        // from +0 of signed zeros), the multiplier a signed zero, and daxpy
        // skips it; so only reflections c, ..., 0 are applied.
        let ju = Swift.min(rank, n - 1)
        var finite = true
        for i in 0..<(n * ju) { finite = finite && x[i].isFinite }
        for j in 0..<ju { finite = finite && qraux[j].isFinite }
        for c in 0..<rank {
            q[c * n + c] = 1
            QRDecomposition.applyQ(x, n: n, k: finite ? c + 1 : rank, qraux: qraux, y: q + c * n)
        }
        for i in 0..<n {
            var s: RLongDouble = 0
            for c in 0..<rank { let v = q[c * n + i]; s += RLongDouble(v * v) }
            h[i] = Double(s)
        }
    }
}

func lmWfit(_ x: Matrix, _ y: [Double], _ w: [Double]) throws -> LmWfit {
    let n = x.nrow, p = x.ncol
    guard n > 0 else { throw LimmaError("lm.wfit", "0 (non-NA) cases") }
    guard y.count == n, w.count == n else { throw LimmaError("lm.wfit", "incompatible dimensions") }
    if w.contains(where: { $0 < 0 || $0.isNaN }) { throw LimmaError("lm.wfit", "missing or negative weights not allowed") }
    let ok = (0..<n).filter { w[$0] != 0 }
    let xs = ok.count == n ? x : x.rows(ok)
    let ys = ok.map { y[$0] }, ws = ok.map { w[$0] }
    guard !ok.isEmpty else { throw LimmaError("lm.wfit", "all weights are zero") }
    let wts = ws.map { $0.squareRoot() }
    var xw = xs
    for j in 0..<p { for i in 0..<ok.count { xw[i, j] = xs[i, j] * wts[i] } }
    let yw = (0..<ok.count).map { ys[$0] * wts[$0] }
    let qr = QRDecomposition(xw)
    let ls = qr.leastSquares(yw, residuals: true)
    let coef = ls.coefficients
    var residuals = [Double](repeating: 0, count: n)
    var fitted = [Double](repeating: 0, count: n)
    let res = ls.residuals!
    for (k, i) in ok.enumerated() {
        residuals[i] = res[k] / wts[k]
        fitted[i] = y[i] - residuals[i]
    }
    if ok.count < n {
        // Zero-weight rows: x0 %*% coef, non-estimable coefficients as 0.
        let zero = (0..<n).filter { w[$0] == 0 }
        let x0 = x.rows(zero)
        let f0 = RLinAlg.matprod(x0, Matrix(nrow: p, ncol: 1, values: coef.map { $0.isNaN ? 0 : $0 }))
        for (k, i) in zero.enumerated() { fitted[i] = f0.values[k]; residuals[i] = y[i] - fitted[i] }
    }
    return LmWfit(qr: qr, coefficients: coef, effects: ls.effects, residuals: residuals, fitted: fitted,
                  dfResidual: ok.count - qr.rank)
}

/// `lm.wfit(x, Y, w)` for several responses (the columns of Y) with positive
/// weights: the QR of `sqrt(w) * x`, effects and residuals per column.
func lmWfitMatrix(_ x: Matrix, _ Y: Matrix, _ w: [Double]) throws -> (qr: QRDecomposition, effects: Matrix, residuals: Matrix) {
    let n = x.nrow
    guard w.allSatisfy({ $0 > 0 }) else { throw LimmaError("lm.wfit", "weights must be positive here") }
    let wts = w.map { $0.squareRoot() }
    var xw = x
    for j in 0..<x.ncol { for i in 0..<n { xw[i, j] = x[i, j] * wts[i] } }
    var yw = Y
    for j in 0..<Y.ncol { for i in 0..<n { yw[i, j] = Y[i, j] * wts[i] } }
    let qr = QRDecomposition(xw)
    let ls = qr.leastSquares(yw, residuals: true)
    var res = ls.residuals!
    for j in 0..<res.ncol { for i in 0..<n { res[i, j] = res[i, j] / wts[i] } }
    return (qr, ls.effects, res)
}

/// R's `qr.qy(qr, y)`: Q times each column of y (LINPACK dqrsl, job 10000),
/// applying the first `rank` Householder reflections in reverse order.
func qrQy(_ qr: QRDecomposition, _ y: Matrix) -> Matrix {
    let n = qr.qr.nrow
    var out = y
    if Swift.min(qr.rank, n - 1) <= 0 { return out }
    var x = qr.qr.values
    x.withUnsafeMutableBufferPointer { xb in
        out.values.withUnsafeMutableBufferPointer { ob in
            qr.qraux.withUnsafeBufferPointer { qb in
                for c in 0..<y.ncol {
                    QRDecomposition.applyQ(xb.baseAddress!, n: n, k: qr.rank, qraux: qb.baseAddress!, y: ob.baseAddress! + c * n)
                }
            }
        }
    }
    return out
}

/// R's `crossprod(x, y)` = x'y. R calls BLAS `dgemv`/`dgemm` with
/// transposed x (or a plain loop when NaN/Inf may be present); reference BLAS
/// forms each entry as the same in-order sum of the same products for
/// `t(x) %*% y`, so the product of the explicit transpose is bit-identical.
func rCrossprod(_ x: Matrix, _ y: Matrix) -> Matrix {
    RLinAlg.matprod(x.transposed, y)
}

/// R's `solve(a, b)` (`La_solve`): LAPACK `dgesv`, then the reciprocal
/// condition number from `dlange`/`dgecon` must reach `tol`
/// (`.Machine$double.eps`), else R's "computationally singular" error.
func rSolve(_ a: Matrix, _ b: Matrix, tol: Double = Double.ulpOfOne, function: String) throws -> Matrix {
    let n = a.nrow
    guard n > 0, a.ncol == n else { throw LimmaError(function, "'a' (\(a.nrow) x \(a.ncol)) must be square") }
    guard b.nrow == n else { throw LimmaError(function, "'b' (\(b.nrow) x \(b.ncol)) must be compatible with 'a' (\(n) x \(n))") }
    var nn = Int32(n), nrhs = Int32(b.ncol), info: Int32 = 0
    var lu = a.values
    var x = b.values
    var ipiv = [Int32](repeating: 0, count: n)
    dgesv_(&nn, &nrhs, &lu, &nn, &ipiv, &x, &nn, &info)
    if info < 0 { throw LimmaError(function, "argument \(-info) of Lapack routine dgesv had invalid value") }
    if info > 0 { throw LimmaError(function, "Lapack routine dgesv: system is exactly singular: U[\(info),\(info)] = 0") }
    if lu.allSatisfy({ $0.isFinite }) && tol > 0 {
        var norm = CChar(UInt8(ascii: "1"))
        var anorm = 0.0
        var work = [Double](repeating: 0, count: 4 * n)
        a.values.withUnsafeBufferPointer { ab in anorm = dlange_(&norm, &nn, &nn, ab.baseAddress, &nn, &work) }
        var rcond = 0.0
        dgecon_(&norm, &nn, &lu, &nn, &anorm, &rcond, &work, &ipiv, &info)
        if rcond < tol {
            throw LimmaError(function, "system is computationally singular: reciprocal condition number = \(rcond)")
        }
    }
    return Matrix(nrow: n, ncol: b.ncol, values: x)
}
