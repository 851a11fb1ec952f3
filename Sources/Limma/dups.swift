// limma's duplicateCorrelation (intra-block or between-duplicate
// correlation from a two-level mixed model per gene, statmod's
// mixedModel2Fit), and unwrapdups.
import CLapack
import Foundation

/// What `duplicateCorrelation` returns.
public struct DuplicateCorrelationResult: Sendable, Equatable {
    /// The consensus correlation `tanh(trimmed mean(atanh(rho)))` (R's
    /// `consensus.correlation`, also returned as `cor`).
    public var consensusCorrelation: Double
    /// Per gene (per unwrapped row with duplicates) `atanh` of the
    /// correlation, clamped to `[1/(1-m) + 0.01, 0.99]`, NaN (R's NA) where
    /// the mixed model could not be fitted.
    public var atanhCorrelations: [Double]
    public var warnings: [LimmaWarning] = []
    /// R's `message()` output (e.g. a design not of full rank).
    public var messages: [String] = []
}

/// limma's `unwrapdups(M, ndups, spacing)`: rows holding duplicate spots
/// `spacing` apart become extra columns, giving
/// `(nrow / ndups) x (ncol * ndups)`: entry `[s + spacing*g, d + ndups*j]`
/// is `M[s + spacing*(d + ndups*g), j]` (0-based).
public func unwrapdups(_ M: Matrix, ndups: Int = 2, spacing: Int = 1) throws -> Matrix {
    if ndups == 1 { return M }
    guard ndups >= 1, spacing >= 1, M.nrow % (ndups * spacing) == 0 else {
        throw LimmaError("unwrapdups", "dims [product \(M.nrow * M.ncol)] do not match the length of object: \(M.nrow) rows are not a multiple of ndups * spacing = \(ndups * spacing)")
    }
    let ngroups = M.nrow / ndups / spacing
    var out = Matrix(nrow: spacing * ngroups, ncol: ndups * M.ncol)
    for j in 0..<M.ncol {
        for g in 0..<ngroups {
            for d in 0..<ndups {
                for s in 0..<spacing {
                    out[s + spacing * g, d + ndups * j] = M[s + spacing * (d + ndups * g), j]
                }
            }
        }
    }
    return out
}

/// limma's `duplicateCorrelation(object, design = NULL, ndups = 2,
/// spacing = 1, block = NULL, trim = 0.15, weights = NULL)`.
///
/// For each gene, with its finite observations, the mixed model
/// `y = X b + Z u + e` (Z the block indicators, `var(u) = s2_block`,
/// `var(e) = s2_res`, rows scaled by sqrt(weights)) is fitted by statmod's
/// `mixedModel2Fit(only.varcomp = TRUE, maxit = 20)`: the residual space of X
/// is rotated by the SVD of `Q2'Z` so that the squared rotated residuals have
/// expectations `s2_res + d_k s2_block`, and those are fitted by a gamma GLM
/// with identity link (statmod's `glmgam.fit`, Levenberg-damped Fisher
/// scoring). The gene's correlation is `s2_block / (s2_res + s2_block)`;
/// genes need more than `ncol(design) + 2` observations and between 2 and
/// `nobs - 2` blocks, and failed fits give NA. Correlations are clamped to
/// `[1/(1 - m) + 0.01, 0.99]` (m the largest block size, or `ndups`), and
/// the consensus is `tanh` of the `trim`-trimmed mean of their `atanh`.
///
/// Without `block`, duplicates are `ndups` spots `spacing` rows apart
/// (unwrapped by `unwrapdups`) and the design is repeated for each duplicate.
/// R's early returns (correlation 0 with a warning) are kept: blocks all of
/// size 1, a block factor already in the design, or `ndups < 2`.
public func duplicateCorrelation(_ object: Matrix, design: Matrix? = nil, ndups: Int = 2, spacing: Int = 1,
                                 block: [String]? = nil, trim: Double = 0.15, weights: Matrix? = nil) throws -> DuplicateCorrelationResult {
    let fn = "duplicateCorrelation"
    var M = object
    let narrays = M.ncol
    let X0 = design ?? Matrix(nrow: narrays, ncol: 1, repeating: 1)
    guard X0.nrow == narrays else { throw LimmaError(fn, "Number of rows of design matrix does not match number of arrays") }
    guard X0.values.allSatisfy({ $0.isFinite }) else { throw LimmaError(fn, "design must be a numeric matrix") }
    guard trim.isFinite, trim >= 0 else { throw LimmaError(fn, "'trim' must be numeric of length one") }
    let nbeta = X0.ncol
    let QR = QRDecomposition(X0)
    var messages: [String] = []
    if QR.rank < nbeta { messages.append("Note: design matrix not of full rank (\(nbeta - QR.rank) coef not estimable).") }
    func zero(_ message: String) -> DuplicateCorrelationResult {
        DuplicateCorrelationResult(consensusCorrelation: 0, atanhCorrelations: [Double](repeating: 0, count: M.nrow),
                                   warnings: [LimmaWarning(fn, message)], messages: messages)
    }

    var blockCode: [Int] = []
    var maxBlockSize = 0
    if let block {
        guard block.count == narrays else { throw LimmaError(fn, "block has \(block.count) values but there are \(narrays) arrays") }
        let levels = RCollation.icu.factorLevels(block)
        blockCode = block.map { levels.firstIndex(of: $0)! }
        maxBlockSize = (0..<levels.count).map { l in blockCode.filter { $0 == l }.count }.max() ?? 0
        if maxBlockSize == 1 { return zero("Blocks all of size 1: setting intrablock correlation to zero.") }
        // model.matrix(~factor(block))[, -1]: treatment indicators of levels 2...
        var db = Matrix(nrow: narrays, ncol: levels.count - 1)
        for i in 0..<narrays where blockCode[i] > 0 { db[i, blockCode[i] - 1] = 1 }
        let qtBlock = QR.leastSquares(db).effects
        var mx = 0.0
        for j in 0..<qtBlock.ncol { for i in QR.rank..<narrays { mx = max(mx, abs(qtBlock[i, j])) } }
        if mx < 1e-8 { return zero("Block factor already encoded in the design matrix: setting intrablock correlation to zero.") }
    }

    var W: Matrix? = nil
    if let w = weights {
        var ww: Matrix
        if w.nrow == M.nrow && w.ncol == narrays {
            ww = w
        } else if w.values.count == narrays && min(w.nrow, w.ncol) == 1 {
            ww = Matrix(nrow: M.nrow, ncol: narrays)
            for j in 0..<narrays { for i in 0..<M.nrow { ww[i, j] = w.values[j] } }
        } else {
            throw LimmaError(fn, "weights is of unexpected size")
        }
        for k in 0..<ww.values.count where ww.values[k] <= 0 { ww.values[k] = .nan }
        for k in 0..<ww.values.count where !ww.values[k].isFinite { M.values[k] = .nan }
        W = ww
    }

    var X = X0
    var arrayCode: [Int]
    if block == nil {
        guard ndups >= 1, spacing >= 1 else { throw LimmaError(fn, "ndups and spacing must be positive integers") }
        if ndups < 2 { return zero("No duplicates: setting correlation between duplicates to zero.") }
        arrayCode = (0..<(narrays * ndups)).map { $0 / ndups }
        M = try unwrapdups(M, ndups: ndups, spacing: spacing)
        if let w = W { W = try unwrapdups(w, ndups: ndups, spacing: spacing) }
        // design %x% rep(1, ndups): each row repeated ndups times.
        var Xd = Matrix(nrow: narrays * ndups, ncol: nbeta)
        for j in 0..<nbeta { for i in 0..<(narrays * ndups) { Xd[i, j] = X0[i / ndups, j] } }
        X = Xd
    } else {
        arrayCode = blockCode
    }
    let ngenes = M.nrow
    let X1 = Matrix(nrow: X.nrow, ncol: X.ncol, values: X.values)

    var rho = [Double](repeating: .nan, count: ngenes)
    for i in 0..<ngenes {
        let o = (0..<M.ncol).filter { M[i, $0].isFinite }
        let present = Array(Set(o.map { arrayCode[$0] })).sorted()
        let nobs = o.count, nblocks = present.count
        guard nobs > nbeta + 2 && nblocks > 1 && nblocks < nobs - 1 else { continue }
        let y = o.map { M[i, $0] }
        let Xo = X1.rows(o)
        var Z = Matrix(nrow: nobs, ncol: nblocks)
        for (k, c) in o.enumerated() { Z[k, present.firstIndex(of: arrayCode[c])!] = 1 }
        let w = W.map { wm in o.map { wm[i, $0] } }
        guard let s = try? MixedModel2.varcomp(y: y, X: Xo, Z: Z, w: w, maxit: 20), !s.0.isNaN else { continue }
        rho[i] = s.1 / RBase.sum([s.0, s.1])
    }

    let rhomax = 0.99
    let rhomin = block == nil ? 1 / (1 - Double(ndups)) + 0.01 : 1 / (1 - Double(maxBlockSize)) + 0.01
    let finite = rho.filter { !$0.isNaN }
    if min(finite.min() ?? 0, 0) < rhomin { for k in 0..<ngenes where rho[k] < rhomin { rho[k] = rhomin } }
    if max(finite.max() ?? 0, 0) > rhomax { for k in 0..<ngenes where rho[k] > rhomax { rho[k] = rhomax } }
    let arho = rho.map { atanh($0) }
    let mrho = tanh(trimmedMean(arho, trim: trim))
    return DuplicateCorrelationResult(consensusCorrelation: mrho, atanhCorrelations: arho, warnings: [], messages: messages)
}

/// R's `mean(x, trim, na.rm = TRUE)`: missing values dropped; for
/// `0 < trim < 0.5` the values between order statistics `lo = floor(n*trim)+1`
/// and `n+1-lo` (placed by R's partial sort, whose arrangement the
/// long-double sum sees) are averaged; `trim >= 0.5` gives the median.
func trimmedMean(_ x: [Double], trim: Double) -> Double {
    var v = x.filter { !$0.isNaN }
    let n = v.count
    if trim > 0 && n > 0 {
        if trim >= 0.5 { return RBase.median(v) }
        let lo = Int((Double(n) * trim).rounded(.down)) + 1
        let hi = n + 1 - lo
        let idx = Array(Set([lo, hi])).sorted()
        rPsort0(&v, lo: 0, hi: n - 1, indices: idx[...])
        v = Array(v[(lo - 1)..<hi])
    }
    return RBase.mean(v)
}

/// R's `Psort0`: partial sorting at several 1-based positions, splitting at
/// the position nearest the middle and recursing on each side.
func rPsort0(_ x: inout [Double], lo: Int, hi: Int, indices: ArraySlice<Int>) {
    if indices.isEmpty || hi - lo < 1 { return }
    if indices.count == 1 {
        rPartialSort(&x, indices.first! - 1, lo: lo, hi: hi)
        return
    }
    let mid = (lo + hi) / 2
    var this = indices.startIndex
    for k in indices.indices where indices[k] - 1 <= mid { this = k }
    let z = indices[this] - 1
    rPartialSort(&x, z, lo: lo, hi: hi)
    rPsort0(&x, lo: lo, hi: z - 1, indices: indices[indices.startIndex..<this])
    rPsort0(&x, lo: z + 1, hi: hi, indices: indices[(this + 1)...])
}

/// statmod's `mixedModel2Fit(..., only.varcomp = TRUE)` and `glmgam.fit`.
enum MixedModel2 {
    /// The variance components (residual, block); NaN pair when R's would be NA.
    static func varcomp(y y0: [Double], X X0: Matrix, Z: Matrix, w: [Double]?, tol: Double = 1e-6, maxit: Int) throws -> (Double, Double) {
        var y = y0, X = X0
        if let w {
            let sw = w.map { $0.squareRoot() }
            y = (0..<y.count).map { sw[$0] * y0[$0] }
            for j in 0..<X.ncol { for i in 0..<X.nrow { X[i, j] = sw[i] * X0[i, j] } }
        }
        let mx = X.nrow, nz = Z.ncol
        let qr = QRDecomposition(X)
        let ls = qr.leastSquares(Matrix(nrow: mx, ncol: nz + 1, values: Z.values + y))
        let r = qr.rank
        let mq = mx - r
        if mq == 0 { return (.nan, .nan) }
        var qtz = Matrix(nrow: mq, ncol: nz)
        for j in 0..<nz { for i in 0..<mq { qtz[i, j] = ls.effects[r + i, j] } }
        let qty = Matrix(nrow: mq, ncol: 1, values: (0..<mq).map { ls.effects[r + $0, nz] })
        let (sv, u) = try laSvdU(qtz, nu: mq)
        let uqy = RLinAlg.matprod(u.transposed, qty)
        var d = [Double](repeating: 0, count: mq)
        for k in 0..<sv.count { d[k] = sv[k] * sv[k] }
        let dx = Matrix(columns: [[Double](repeating: 1, count: mq), d])
        let dy = uqy.values.map { $0 * $0 }
        let dqr = QRDecomposition(dx)
        let dls = dqr.leastSquares(dy, residuals: true)
        var coef = dls.coefficients
        let fitted = (0..<mq).map { dy[$0] - dls.residuals![$0] }
        if mq > 2 && d.filter({ abs($0) > 1e-15 }).count > 1 && rVar(d) > 1e-15 {
            let start = fitted.allSatisfy({ $0 >= 0 }) ? coef : [RBase.mean(dy), 0]
            coef = try glmgamFit(dx, dy, start: start, tol: tol, maxit: maxit)
        }
        return (coef[0], coef[1])
    }

    /// statmod's `glmgam.fit(X, y, coef.start, tol, maxit)`: gamma GLM with
    /// identity link by Levenberg-damped Fisher scoring. Returns the
    /// coefficients; throws where R stops (negative starting fitted values,
    /// a non-positive-definite damped information).
    static func glmgamFit(_ X: Matrix, _ y: [Double], start: [Double], tol: Double, maxit: Int) throws -> [Double] {
        let n = X.nrow, p = X.ncol
        guard y.allSatisfy({ $0 >= 0 }) else { throw LimmaError("glmgam.fit", "y must be non-negative") }
        let maxy = y.max() ?? 0
        if maxy == 0 { return [Double](repeating: 0, count: p) }
        var beta = Matrix(nrow: p, ncol: 1, values: start)
        var mu = RLinAlg.matprod(X, beta).values
        if mu.contains(where: { $0 < 0 }) { throw LimmaError("glmgam.fit", "Starting values give negative fitted values") }
        var dev = devianceGamma(y, mu)
        var iter = 0
        var lambda = 0.0
        while true {
            iter += 1
            var v = mu.map { $0 * $0 }
            let vmax = (v.max() ?? 0) / 1000
            v = v.map { max($0, vmax) }
            var vx = X
            for j in 0..<p { for i in 0..<n { vx[i, j] = (1 / v[i]) * X[i, j] } }
            let xvx = rCrossprod(X, vx)
            let diag = (0..<p).map { xvx[$0, $0] }
            let maxinfo = diag.max() ?? 0
            if iter == 1 { lambda = abs(RBase.mean(diag)) / Double(p) }
            let dl = rCrossprod(X, Matrix(nrow: n, ncol: 1, values: (0..<n).map { (y[$0] - mu[$0]) / v[$0] }))
            let betaold = beta
            let devold = dev
            var lev = 0
            var dbeta = Matrix(nrow: p, ncol: 1)
            while true {
                lev += 1
                var a = xvx
                for k in 0..<p { a[k, k] = xvx[k, k] + lambda * 1 }
                for j in 0..<p { for i in 0..<p where i != j { a[i, j] = xvx[i, j] + lambda * 0 } }
                let R = try RLinAlg.chol(a, function: "chol")
                dbeta = try RLinAlg.backsolve(R, try RLinAlg.backsolve(R, dl, transpose: true, function: "backsolve"),
                                              transpose: false, function: "backsolve")
                beta = Matrix(nrow: p, ncol: 1, values: (0..<p).map { betaold.values[$0] + dbeta.values[$0] })
                mu = RLinAlg.matprod(X, beta).values
                dev = devianceGamma(y, mu)
                if dev <= devold || dev / (mu.max() ?? .nan) < 1e-15 { break }
                if lambda / maxinfo > 1e15 {
                    beta = betaold
                    break
                }
                lambda = 2 * lambda
            }
            if lambda / maxinfo > 1e15 { break }
            if lev == 1 { lambda = lambda / 10 }
            if rCrossprod(dl, dbeta).values[0] < tol || dev / (mu.max() ?? .nan) < 1e-15 { break }
            if iter > maxit { break }
        }
        return beta.values
    }

    /// statmod's unit gamma deviance `2 * sum((y - mu)/mu - log(y/mu))`, pairs
    /// with both y and mu below 1e-15 left out; Inf for negative mu.
    static func devianceGamma(_ y: [Double], _ mu: [Double]) -> Double {
        if mu.contains(where: { $0 < 0 }) { return .infinity }
        let keep = (0..<y.count).filter { !(y[$0] < 1e-15 && mu[$0] < 1e-15) }
        if keep.isEmpty { return 0 }
        return 2 * RBase.sum(keep.map { (y[$0] - mu[$0]) / mu[$0] - log(y[$0] / mu[$0]) })
    }

    /// R's `var(x)` for one vector (cov.c: long-double two-pass mean, then
    /// the long-double sum of squared deviations over n - 1).
    static func rVar(_ x: [Double]) -> Double {
        let n = x.count
        if n < 2 { return .nan }
        var s: RLongDouble = 0
        for v in x { s += RLongDouble(v) }
        var m = s / RLongDouble(n)
        if Double(m).isFinite {
            var t: RLongDouble = 0
            for v in x { t += RLongDouble(v) - m }
            m = m + t / RLongDouble(n)
        }
        let xm = Double(m)
        var ss: RLongDouble = 0
        for v in x { let d = v - xm; ss += RLongDouble(d * d) }
        return Double(ss / RLongDouble(n - 1))
    }

    /// R's `La.svd(x, nu, nv = 0)`: LAPACK `dgesdd` with job "A" when `nu`
    /// exceeds min(n, p), else "S"; returns the singular values and the first
    /// `nu` left singular vectors.
    static func laSvdU(_ x: Matrix, nu: Int) throws -> ([Double], Matrix) {
        let n = x.nrow, p = x.ncol
        let np = min(n, p)
        let jobA = nu > np
        var job = CChar(UInt8(ascii: jobA ? "A" : "S"))
        let ucols = jobA ? n : np
        let vrows = jobA ? p : np
        var a = x.values
        var s = [Double](repeating: 0, count: np)
        var u = [Double](repeating: 0, count: n * ucols)
        var vt = [Double](repeating: 0, count: vrows * p)
        var iwork = [Int32](repeating: 0, count: 8 * np)
        var nn = Int32(n), pp = Int32(p), ldu = Int32(n), ldvt = Int32(vrows), info: Int32 = 0
        var lwork: Int32 = -1
        var tmp = 0.0
        dgesdd_(&job, &nn, &pp, &a, &nn, &s, &u, &ldu, &vt, &ldvt, &tmp, &lwork, &iwork, &info)
        guard info == 0 else { throw LimmaError("La.svd", "error code \(info) from Lapack routine 'dgesdd'") }
        lwork = Int32(tmp)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(&job, &nn, &pp, &a, &nn, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { throw LimmaError("La.svd", "error code \(info) from Lapack routine 'dgesdd'") }
        let k = min(nu, ucols)
        return (s, Matrix(nrow: n, ncol: k, values: Array(u[0..<(n * k)])))
    }
}

/// `duplicateCorrelation` for an `EList` (R's `getEAWP`): the design defaults
/// to the object's `design`, the weights to its observation weights.
public func duplicateCorrelation(_ object: EList, design: Matrix? = nil, ndups: Int = 2, spacing: Int = 1,
                                 block: [String]? = nil, trim: Double = 0.15, weights: Matrix? = nil) throws -> DuplicateCorrelationResult {
    try duplicateCorrelation(object.E, design: design ?? object.design, ndups: ndups, spacing: spacing, block: block,
                             trim: trim, weights: weights ?? object.weights)
}
