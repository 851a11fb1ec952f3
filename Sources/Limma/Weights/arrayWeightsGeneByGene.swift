// limma's .arrayWeightsGeneByGene: the array weights updated after every
// gene by one Fisher-scoring step, without per-gene allocation.
import Foundation

extension ArrayWeightsFit {
    /// `.arrayWeightsGeneByGene(E, design, weights, var.design = Z2, prior.n)`.
    ///
    /// With `gam = 0`, `aw = 1` and `info2 = prior.n * crossprod(Z2)` to
    /// start, each gene g in turn, with `w = aw * weights[g, ]`:
    /// 1. `fit = lm.wfit(design, y, w)` over the observed values of y (a gene
    ///    with missing values needs more than two observed and residual
    ///    df of at least 2, else it is skipped); `d = w * residuals^2`,
    ///    `h1 = 1 - hat(fit$qr)` (both 0 where y is missing);
    ///    `s2 = mean(effects[-(1:rank)]^2)`, the gene skipped when `s2 < 1e-15`.
    /// 2. `info = crossprod(Z, h1 * Z)` for `Z = cbind(1, Z2)`;
    ///    `info2 += info[-1,-1] - info[-1,1] info[1,-1] / info[1,1]`.
    /// 3. `dl = crossprod(Z2, d / s2 - h1)`, `gam += solve(info2, dl)`,
    ///    `aw = exp(-Z2 gam)`.
    ///
    /// Every product is formed as R forms it (BLAS `dgemm`/`dgemv` for
    /// finite operands, R's plain loop otherwise): a double sum from 0 of the
    /// terms in index order, which the loops here reproduce; `lm.wfit` is
    /// LINPACK dqrdc2/dqrsl on `sqrt(w)`-scaled rows, `hat` the row sums (in
    /// long double) of the squared columns of `qr.qy(qr, diag(1, n, rank))`.
    /// Genes with every value observed and every weight positive and finite
    /// take this path on preallocated scratch; the others go through the
    /// general `lmWfit`. `solve` is LAPACK `dgesv` as in R; its condition
    /// check (`dgecon`) runs only when a cheap bound cannot prove it passes
    /// (see `SmallSolve`).
    static func geneByGene(_ E: Matrix, design: Matrix, weights: Matrix?, Z2: Matrix, priorN: Double) throws -> [Double] {
        let ngenes = E.nrow, n = E.ncol, p = design.ncol
        let ngam = Z2.ncol, nz = ngam + 1
        let Z = cbindOne(Z2)
        let plainDesign = Matrix(nrow: design.nrow, ncol: design.ncol, values: design.values)
        var gam = [Double](repeating: 0, count: ngam)
        var aw = [Double](repeating: 1, count: n)
        var info2 = scale(RLinAlg.crossprod(Z2), priorN).values

        let ws = LeastSquaresWorkspace(n: n, p: p)
        var w = [Double](repeating: 0, count: n), y = w, wts = w, d = w, h1 = w, z = w
        var q = [Double](repeating: 0, count: n * p)
        var info = [Double](repeating: 0, count: nz * nz)
        var dl = [Double](repeating: 0, count: ngam)
        let solver = SmallSolve(n: ngam)

        for g in 0..<ngenes {
            var clean = true
            for j in 0..<n {
                w[j] = weights.map { aw[j] * $0.values[j * ngenes + g] } ?? aw[j]
                y[j] = E.values[j * ngenes + g]
                if !(y[j].isFinite && w[j].isFinite && w[j] > 0) { clean = false }
            }
            let s2: Double
            if clean {
                // lm.wfit on all rows, with the workspace's dqrdc2/dqrsl.
                for i in 0..<n { wts[i] = w[i].squareRoot() }
                for c in 0..<p { for i in 0..<n { ws.x[c * n + i] = plainDesign.values[c * n + i] * wts[i] } }
                for i in 0..<n { ws.y[i] = y[i] * wts[i] }
                let rank = QRDecomposition.dqrdc2(ws.x, n: n, p: p, tol: 1e-7, qraux: ws.qraux, jpvt: ws.jpvt, work: ws.work)
                if rank > 0 {
                    QRDecomposition.dqrsl(ws.x, n: n, k: rank, qraux: ws.qraux, y: ws.y, qty: ws.qty, b: ws.b,
                                          rsd: ws.rsd, job: [.qty, .coef, .resid])
                } else {
                    for i in 0..<n { ws.qty[i] = ws.y[i]; ws.rsd[i] = ws.y[i] }
                }
                for i in 0..<n {
                    let r = ws.rsd[i] / wts[i]
                    d[i] = w[i] * (r * r)
                }
                q.withUnsafeMutableBufferPointer { qb in
                    h1.withUnsafeMutableBufferPointer { hb in
                        LmWfit.hatDiagonal(ws.x, n: n, rank: rank, qraux: ws.qraux, q: qb.baseAddress, into: hb.baseAddress!)
                    }
                }
                for i in 0..<n { h1[i] = 1 - h1[i] }
                s2 = GeneLeastSquares.meanOfSquares(ws.qty, from: rank, to: n, refine: true)
            } else {
                guard let s = try Self.residualsGeneral(plainDesign, y: y, w: w, d: &d, h1: &h1) else { continue }
                s2 = s
            }
            if s2 < 1e-15 { continue }

            // info = crossprod(Z, h1 * Z), then the Schur update of info2.
            for b in 0..<nz {
                for a in 0..<nz {
                    var s = 0.0
                    for i in 0..<n { s += (h1[i] * Z.values[b * n + i]) * Z.values[a * n + i] }
                    info[b * nz + a] = s
                }
            }
            Self.schurUpdate(&info2, info: info, ni: nz)
            // dl = crossprod(Z2, d / s2 - h1); the step solves info2 step = dl.
            for i in 0..<n { z[i] = d[i] / s2 - h1[i] }
            for k in 0..<ngam {
                var s = 0.0
                for i in 0..<n { s += z[i] * Z2.values[k * n + i] }
                dl[k] = s
            }
            let step = try solver.solve(info2, dl, function: "arrayWeights")
            for k in 0..<ngam { gam[k] = gam[k] + step[k] }
            // aw = drop(exp(Z2 %*% (-gam)))
            for i in 0..<n {
                var s = 0.0
                for k in 0..<ngam { s += -gam[k] * Z2.values[k * n + i] }
                aw[i] = exp(s)
            }
        }
        return aw
    }

    /// Step 1 for a gene with a missing value or an unusual weight, through
    /// `lmWfit`: fills `d` and `h1` (0 where y is missing) and returns `s2`,
    /// or nil when the gene is skipped (at most two observed values, or
    /// residual df below 2).
    static func residualsGeneral(_ design: Matrix, y: [Double], w: [Double], d: inout [Double],
                                 h1: inout [Double]) throws -> Double? {
        let n = y.count
        for j in 0..<n { d[j] = 0; h1[j] = 0 }
        let fit: LmWfit
        if y.contains(where: { $0.isNaN }) {
            let obs = (0..<n).filter { y[$0].isFinite }
            if obs.count <= 2 { return nil }
            let f = try lmWfit(design.rows(obs), obs.map { y[$0] }, obs.map { w[$0] })
            if f.dfResidual < 2 { return nil }
            let h = f.hat()
            for (k, j) in obs.enumerated() {
                d[j] = w[j] * (f.residuals[k] * f.residuals[k])
                h1[j] = 1 - h[k]
            }
            fit = f
        } else {
            fit = try lmWfit(design, y, w)
            let h = fit.hat()
            for j in 0..<n {
                d[j] = w[j] * (fit.residuals[j] * fit.residuals[j])
                h1[j] = 1 - h[j]
            }
        }
        return RBase.mean(fit.effects[fit.rank...].map { $0 * $0 })
    }
}

/// R's `solve(a, b)` for a small square system and one right-hand side,
/// repeated many times on preallocated scratch.
///
/// The solution is LAPACK `dgesv`'s, as R's `La_solve` gets it, computed
/// here with LAPACK 3.11's and reference BLAS's operations (`dgetrf2`,
/// `dgetrs`), so bit for bit the library's. R then
/// estimates the reciprocal condition number with `dgecon` and stops when it
/// is below `.Machine$double.eps`. `dgecon`'s estimate `est` of
/// `||A^-1||_1` is the 1-norm of `A^-1 v` for a vector with `||v||_1 = 1`,
/// so it never exceeds the true norm beyond rounding, and its `rcond =
/// 1 / (||A||_1 est)` is at least the true reciprocal condition number.
/// Here an upper bound of `||A^-1||_1` is taken from the LU factors, and
/// when `||A||_1` times it is at most `1e-3 / eps` the check provably
/// passes and `dgecon` is skipped; otherwise (or with entries far from 1 in size,
/// where `dgecon` rescales) R's full `rSolve` runs, with its error.
final class SmallSolve {
    let n: Int
    let lu, x, bound: UnsafeMutablePointer<Double>
    /// Pivot rows, 1-based as LAPACK's.
    let ipiv: UnsafeMutablePointer<Int>

    init(n: Int) {
        self.n = n
        lu = .allocate(capacity: Swift.max(n * n, 1))
        x = .allocate(capacity: Swift.max(n, 1))
        bound = .allocate(capacity: Swift.max(n, 1))
        ipiv = .allocate(capacity: Swift.max(n, 1))
    }

    deinit {
        lu.deallocate(); x.deallocate(); bound.deallocate(); ipiv.deallocate()
    }

    /// `solve(a, b)` for `a` (n x n, column-major) and `b` (n); the result
    /// is valid until the next call. Errors as `rSolve`.
    func solve(_ a: [Double], _ b: [Double], function: String) throws -> UnsafeBufferPointer<Double> {
        guard n > 0 else {
            let r = try rSolve(Matrix(nrow: n, ncol: n, values: a), Matrix(nrow: n, ncol: 1, values: b), function: function)
            return UnsafeBufferPointer(start: x, count: r.values.count)
        }
        for k in 0..<(n * n) { lu[k] = a[k] }
        for k in 0..<n { x[k] = b[k] }
        var info = Self.dgetrf2(m: n, n: n, lu, lda: n, ipiv: ipiv)
        if info == 0 { Self.dgetrs(n: n, lu, ipiv: ipiv, b: x) } else { info = 1 }
        var finite = true
        for k in 0..<(n * n) where !lu[k].isFinite { finite = false; break }
        if info != 0 || (finite && !wellConditioned(a)) {
            // R's own path: the same dgesv, then dlange/dgecon and R's errors.
            let r = try rSolve(Matrix(nrow: n, ncol: n, values: a), Matrix(nrow: n, ncol: 1, values: b), function: function)
            for k in 0..<n { x[k] = r.values[k] }
        }
        return UnsafeBufferPointer(start: x, count: n)
    }

    /// LAPACK 3.11 `dgetrf2` (what `dgetrf`, hence `dgesv`, runs for
    /// n < 64): recursive LU with partial pivoting of the m x n matrix at
    /// `a` (leading dimension `lda`), splitting the columns at
    /// `min(m, n) / 2`; the triangular solve, the update and the row swaps
    /// with reference BLAS 3.11's operations (its `dtrsm` skips zero
    /// multipliers, its `dgemm` does not, `dscal` multiplies by the
    /// reciprocal pivot). Returns
    /// LAPACK's info (0, or the first zero pivot, 1-based); `ipiv` 1-based.
    static func dgetrf2(m: Int, n: Int, _ a: UnsafeMutablePointer<Double>, lda: Int,
                        ipiv: UnsafeMutablePointer<Int>) -> Int {
        if m == 0 || n == 0 { return 0 }
        if m == 1 {
            ipiv[0] = 1
            return a[0] == 0 ? 1 : 0
        }
        if n == 1 {
            var i = 0, big = abs(a[0])
            for k in 1..<m where abs(a[k]) > big { i = k; big = abs(a[k]) }
            ipiv[0] = i + 1
            guard a[i] != 0 else { return 1 }
            if i != 0 { let t = a[0]; a[0] = a[i]; a[i] = t }
            if abs(a[0]) >= Double.leastNormalMagnitude {
                let r = 1 / a[0]
                for k in 1..<m { a[k] = r * a[k] }
            } else {
                for k in 1..<m { a[k] = a[k] / a[0] }
            }
            return 0
        }
        let n1 = Swift.min(m, n) / 2, n2 = n - n1
        var info = dgetrf2(m: m, n: n1, a, lda: lda, ipiv: ipiv)
        let a12 = a + n1 * lda, a21 = a + n1, a22 = a + n1 * lda + n1
        swapRows(columns: n2, a12, lda: lda, from: 0, to: n1, ipiv: ipiv)
        // A12 <- L11^-1 A12 (dtrsm L, L, N, U).
        for j in 0..<n2 {
            let b = a12 + j * lda
            for k in 0..<n1 where b[k] != 0 {
                for i in (k + 1)..<n1 { b[i] = b[i] - b[k] * a[k * lda + i] }
            }
        }
        // A22 <- A22 - A21 A12 (dgemm N, N, alpha -1, beta 1; every term added).
        for j in 0..<n2 {
            let c = a22 + j * lda
            for l in 0..<n1 {
                let t = -a12[j * lda + l]
                for i in 0..<(m - n1) { c[i] = c[i] + t * a21[l * lda + i] }
            }
        }
        let info2 = dgetrf2(m: m - n1, n: n2, a22, lda: lda, ipiv: ipiv + n1)
        if info == 0 && info2 > 0 { info = info2 + n1 }
        for i in n1..<Swift.min(m, n) { ipiv[i] += n1 }
        swapRows(columns: n1, a, lda: lda, from: n1, to: Swift.min(m, n), ipiv: ipiv)
        return info
    }

    /// `dlaswp(ncols, a, lda, from + 1, to, ipiv, 1)`: row i swapped with
    /// row ipiv[i] for i = from..<to in turn.
    static func swapRows(columns: Int, _ a: UnsafeMutablePointer<Double>, lda: Int, from: Int, to: Int,
                         ipiv: UnsafePointer<Int>) {
        for i in from..<to {
            let r = ipiv[i] - 1
            if r == i { continue }
            for k in 0..<columns { let t = a[k * lda + i]; a[k * lda + i] = a[k * lda + r]; a[k * lda + r] = t }
        }
    }

    /// LAPACK `dgetrs('N')` for one right-hand side: the row swaps, then
    /// `dtrsm` with the unit lower and the upper factor.
    static func dgetrs(n: Int, _ lu: UnsafePointer<Double>, ipiv: UnsafePointer<Int>, b: UnsafeMutablePointer<Double>) {
        swapRows(columns: 1, b, lda: n, from: 0, to: n, ipiv: ipiv)
        for k in 0..<n where b[k] != 0 {
            for i in (k + 1)..<n { b[i] = b[i] - b[k] * lu[k * n + i] }
        }
        for k in stride(from: n - 1, through: 0, by: -1) where b[k] != 0 {
            b[k] = b[k] / lu[k * n + k]
            for i in 0..<k { b[i] = b[i] - b[k] * lu[k * n + i] }
        }
    }

    /// Whether `||a||_1 ||a^-1||_1 <= 1e-3 / eps` can be shown cheaply
    /// from the LU factors in `lu`, with every entry of `a` and of the
    /// factors zero or between 1e-100 and 1e100 in size.
    ///
    /// `a^-1 = U^-1 L^-1 P'`, so `||a^-1||_1 <= ||U^-1||_1 ||L^-1||_1`, and
    /// for a triangular T with comparison matrix M(T) (|diagonal|, minus
    /// |off-diagonal|), `|T^-1| <= M(T)^-1` entrywise, whose largest column
    /// sum is the largest entry of the solution of `M(T)' v = 1` (one
    /// triangular solve, all terms positive). Rounding moves these bounds by
    /// a few ulps, far inside the 1e3 margin.
    private func wellConditioned(_ a: [Double]) -> Bool {
        let lo = 1e-100, hi = 1e100
        var anorm = 0.0
        for j in 0..<n {
            var s = 0.0
            for i in 0..<n {
                let v = abs(a[j * n + i]), f = abs(lu[j * n + i])
                if (v != 0 && !(v > lo && v < hi)) || (f != 0 && !(f > lo && f < hi)) { return false }
                s += v
            }
            anorm = Swift.max(anorm, s)
        }
        // M(U)' v = 1 (forward over U's columns): v_j = (1 + sum_{i<j} |u_ij| v_i) / |u_jj|.
        var boundU = 0.0
        for j in 0..<n {
            var s = 1.0
            for i in 0..<j { s += abs(lu[j * n + i]) * bound[i] }
            let d = abs(lu[j * n + j])
            if d == 0 { return false }
            bound[j] = s / d
            boundU = Swift.max(boundU, bound[j])
        }
        // M(L)' v = 1 for the unit lower L (backward): v_j = 1 + sum_{i>j} |l_ij| v_i.
        var boundL = 0.0
        for j in stride(from: n - 1, through: 0, by: -1) {
            var s = 1.0
            for i in (j + 1)..<n { s += abs(lu[j * n + i]) * bound[i] }
            bound[j] = s
            boundL = Swift.max(boundL, s)
        }
        let kappa = anorm * boundU * boundL
        return kappa.isFinite && anorm > 0 && kappa <= 1e-3 / Double.ulpOfOne
    }
}
