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
    /// terms in index order, which `ZTerms` reproduces (leaving out the terms
    /// that provably change no partial sum); `lm.wfit` is
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
        let terms = ZTerms(Z)
        let ws = LeastSquaresWorkspace(n: n, p: p)
        let solver = SmallSolve(n: ngam)
        let s = GeneByGeneScratch(n: n, p: p, ngam: ngam)
        let info2 = s.info2, gam = s.gam, aw = s.aw, w = s.w, y = s.y, wts = s.wts, d = s.d, h1 = s.h1, z = s.z
        let dl = s.dl, info = s.info
        let small = n >= 2 && p >= 1 && p <= n
        let start = scale(RLinAlg.crossprod(Z2), priorN).values
        for k in 0..<(ngam * ngam) { info2[k] = start[k] }

        try E.values.withUnsafeBufferPointer { eb in
            try (weights?.values ?? []).withUnsafeBufferPointer { wb in
                let ep = eb.baseAddress!, wp = weights == nil ? nil : wb.baseAddress
                for g in 0..<ngenes {
                    var clean = true
                    for j in 0..<n {
                        let wj = wp.map { aw[j] * $0[j * ngenes + g] } ?? aw[j], yj = ep[j * ngenes + g]
                        w[j] = wj
                        y[j] = yj
                        if !(yj.isFinite && wj.isFinite && wj > 0) { clean = false }
                    }
                    let s2: Double
                    if clean {
                        // lm.wfit on all rows: SmallWeightedQR while no column is
                        // pivoted, else the workspace's dqrdc2/dqrsl from the start.
                        for i in 0..<n { wts[i] = w[i].squareRoot() }
                        for c in 0..<p { for i in 0..<n { ws.x[c * n + i] = plainDesign.values[c * n + i] * wts[i] } }
                        for i in 0..<n { ws.y[i] = y[i] * wts[i] }
                        var rank = -1
                        if small, let r = SmallWeightedQR.fit(ws.x, n: n, p: p, tol: 1e-7, qraux: ws.qraux, norm0: ws.work,
                                                              y: ws.y, qty: ws.qty, rsd: ws.rsd) {
                            rank = r
                        }
                        if rank < 0 {
                            if small {
                                for c in 0..<p { for i in 0..<n { ws.x[c * n + i] = plainDesign.values[c * n + i] * wts[i] } }
                            }
                            rank = QRDecomposition.dqrdc2(ws.x, n: n, p: p, tol: 1e-7, qraux: ws.qraux, jpvt: ws.jpvt, work: ws.work)
                            if rank > 0 {
                                QRDecomposition.dqrsl(ws.x, n: n, k: rank, qraux: ws.qraux, y: ws.y, qty: ws.qty, b: ws.b,
                                                      rsd: ws.rsd, job: [.qty, .resid])
                            } else {
                                for i in 0..<n { ws.qty[i] = ws.y[i]; ws.rsd[i] = ws.y[i] }
                            }
                        }
                        for i in 0..<n {
                            let r = ws.rsd[i] / wts[i]
                            d[i] = w[i] * (r * r)
                        }
                        LmWfit.hatDiagonal(ws.x, n: n, rank: rank, qraux: ws.qraux, q: s.q, into: h1)
                        for i in 0..<n { h1[i] = 1 - h1[i] }
                        s2 = GeneLeastSquares.meanOfSquares(ws.qty, from: rank, to: n, refine: true)
                    } else {
                        var da = [Double](repeating: 0, count: n), ha = da
                        guard let v = try Self.residualsGeneral(plainDesign, y: Array(UnsafeBufferPointer(start: y, count: n)),
                                                                w: Array(UnsafeBufferPointer(start: w, count: n)), d: &da, h1: &ha)
                        else { continue }
                        for i in 0..<n { d[i] = da[i]; h1[i] = ha[i] }
                        s2 = v
                    }
                    if s2 < 1e-15 { continue }

                    // info = crossprod(Z, h1 * Z), then the Schur update of info2.
                    terms.crossprod(h1, into: info)
                    Self.schurUpdate(info2, info: info, ni: nz)
                    // dl = crossprod(Z2, d / s2 - h1); the step solves info2 step = dl.
                    for i in 0..<n { z[i] = d[i] / s2 - h1[i] }
                    terms.z2Products(z, into: dl)
                    let step = try solver.solve(info2, dl, function: "arrayWeights")
                    for k in 0..<ngam { gam[k] = gam[k] + step[k] }
                    // aw = drop(exp(Z2 %*% (-gam)))
                    terms.negatedLinear(gam, into: aw)
                    for i in 0..<n { aw[i] = exp(aw[i]) }
                }
            }
        }
        return Array(UnsafeBufferPointer(start: aw, count: n))
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

/// Scratch for `geneByGene`, one allocation: `info2` (ngam x ngam), `gam`,
/// `dl` (ngam), `info` ((ngam+1)^2), `aw` (n, starting at 1), `w`, `y`,
/// `wts`, `d`, `h1`, `z` (n each), and `q` (n x p) for the hat values.
final class GeneByGeneScratch {
    let info2, gam, dl, info, aw, w, y, wts, d, h1, z, q: UnsafeMutablePointer<Double>
    private let base: UnsafeMutablePointer<Double>

    init(n: Int, p: Int, ngam: Int) {
        let nz = ngam + 1
        let sizes = [ngam * ngam, ngam, ngam, nz * nz, n, n, n, n, n, n, n, n * p]
        base = .allocate(capacity: sizes.reduce(1, +))
        base.initialize(repeating: 0, count: sizes.reduce(1, +))
        var offsets: [Int] = []
        var o = 0
        for c in sizes { offsets.append(o); o += c }
        info2 = base + offsets[0]; gam = base + offsets[1]; dl = base + offsets[2]; info = base + offsets[3]
        aw = base + offsets[4]; w = base + offsets[5]; y = base + offsets[6]; wts = base + offsets[7]
        d = base + offsets[8]; h1 = base + offsets[9]; z = base + offsets[10]; q = base + offsets[11]
        for i in 0..<n { aw[i] = 1 }
    }

    deinit { base.deallocate() }
}

/// The three products of the gene-by-gene update with the variance design
/// `Z = cbind(1, Z2)` (n x nz, column-major): `crossprod(Z, h * Z)`,
/// `crossprod(Z2, v)` and `Z2 %*% (-gam)`, each entry a sum from +0 of its
/// terms in index order, as the loops R's BLAS runs form it, but over the
/// terms whose Z factors are all non-zero.
///
/// A left-out term has a zero Z factor; when every entry of Z and of the
/// vector is finite it is a signed zero, and adding a signed zero changes
/// no partial sum: a sum started at +0 is never -0 (round to nearest gives
/// +0 for `x + (-x)` and for `+0 + -0`), so each partial sum is +0, which a
/// signed zero leaves +0, or non-zero, which it leaves alone. When Z or the
/// vector holds an Inf or NaN (whose product with 0 is NaN) every term is
/// added.
///
/// In the first product a term `(h_i Z_ib) Z_ia` with `|Z_ib| = 1` or
/// `|Z_ia| = 1` is `h_i (Z_ib Z_ia)` bit for bit (the factor of size 1 only
/// moves the sign, `Z_ib Z_ia` is exact, and both sides round `|h_i Z|` with
/// the product's sign), so it is written as `(h_i c) 1` with `c = Z_ib Z_ia`;
/// entries whose terms (row and factors) then agree are one sum, computed
/// once. With R's default `Z2 = contr.sum(n)` that is 2n sums of 5n - 3
/// terms in all, for the n^3 terms of the plain product (`info[a, b]` and
/// `info[b, a]` agree, and every `info[k, l]`, `1 <= k != l`, is `h_n`).
final class ZTerms {
    let n: Int, nz: Int
    /// Z, column-major; Z2 is its columns 1..<nz.
    let z: UnsafeMutablePointer<Double>
    /// Whether every entry of Z is finite.
    let finite: Bool
    /// The first product's distinct sums: sum u adds `(h[sumRow[t]] *
    /// sumM1[t]) * sumM2[t]` for t in `sumStart[u] ..< sumStart[u + 1]`
    /// (the rows i with `Z[i, b] != 0` and `Z[i, a] != 0`, in order), and
    /// entry `b * nz + a` is sum `entrySum[b * nz + a]`.
    private let sums: Int
    private let sumStart, sumRow, entrySum: UnsafeMutablePointer<Int>
    private let sumM1, sumM2, sumValue: UnsafeMutablePointer<Double>
    /// For column k of Z2 the rows with `Z2[i, k] != 0` (`colRows`, with
    /// the values in `colValue`), and for row i of Z2 the columns with
    /// `Z2[i, k] != 0` (`rowCols`, `rowValue`); each list follows the last.
    private let colStart, colRows, rowStart, rowCols: UnsafeMutablePointer<Int>
    private let colValue, rowValue: UnsafeMutablePointer<Double>

    init(_ Z: Matrix) {
        n = Z.nrow
        nz = Z.ncol
        let zv = Z.values
        z = .allocate(capacity: Swift.max(zv.count, 1))
        for k in 0..<zv.count { z[k] = zv[k] }
        finite = zv.allSatisfy { $0.isFinite }
        func pointer<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let ptr = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(a.count, 1))
            for k in 0..<a.count { (ptr + k).initialize(to: a[k]) }
            return ptr
        }
        let n = self.n, nz = self.nz
        // Each entry's terms as (row, m1, m2); equal lists share one sum.
        var lists: [[(row: Int, m1: Double, m2: Double)]] = []
        var entry: [Int] = []
        for b in 0..<nz {
            for a in 0..<nz {
                var terms: [(row: Int, m1: Double, m2: Double)] = []
                for i in 0..<n where zv[b * n + i] != 0 && zv[a * n + i] != 0 {
                    let zb = zv[b * n + i], za = zv[a * n + i]
                    terms.append(abs(zb) == 1 || abs(za) == 1 ? (i, zb * za, 1) : (i, zb, za))
                }
                let found = lists.firstIndex { l in
                    l.count == terms.count && zip(l, terms).allSatisfy {
                        $0.row == $1.row && $0.m1.bitPattern == $1.m1.bitPattern && $0.m2.bitPattern == $1.m2.bitPattern
                    }
                }
                if let u = found { entry.append(u) } else { entry.append(lists.count); lists.append(terms) }
            }
        }
        sums = lists.count
        var starts = [0]
        for l in lists { starts.append(starts.last! + l.count) }
        let flat = lists.flatMap { $0 }
        sumStart = pointer(starts); sumRow = pointer(flat.map(\.row)); entrySum = pointer(entry)
        sumM1 = pointer(flat.map(\.m1)); sumM2 = pointer(flat.map(\.m2))
        sumValue = pointer([Double](repeating: 0, count: lists.count))
        starts = [0]
        var rows: [Int] = [], values: [Double] = []
        for k in 1..<Swift.max(nz, 1) {
            for i in 0..<n where zv[k * n + i] != 0 { rows.append(i); values.append(zv[k * n + i]) }
            starts.append(rows.count)
        }
        colStart = pointer(starts); colRows = pointer(rows); colValue = pointer(values)
        starts = [0]; rows = []; values = []
        for i in 0..<n {
            for k in 1..<Swift.max(nz, 1) where zv[k * n + i] != 0 { rows.append(k - 1); values.append(zv[k * n + i]) }
            starts.append(rows.count)
        }
        rowStart = pointer(starts); rowCols = pointer(rows); rowValue = pointer(values)
    }

    deinit {
        z.deallocate()
        for p in [sumStart, sumRow, entrySum, colStart, colRows, rowStart, rowCols] { p.deallocate() }
        for p in [sumM1, sumM2, sumValue, colValue, rowValue] { p.deallocate() }
    }

    @inline(__always)
    private static func allFinite(_ v: UnsafePointer<Double>, _ count: Int) -> Bool {
        var ok = true
        for i in 0..<count { ok = ok && v[i].isFinite }
        return ok
    }

    /// `info[b * nz + a] = sum_i (h_i Z[i, b]) Z[i, a]`.
    func crossprod(_ h: UnsafePointer<Double>, into info: UnsafeMutablePointer<Double>) {
        let n = self.n, nz = self.nz, z = self.z
        if finite && Self.allFinite(h, n) {
            let ends = sumStart + 1, rows = sumRow, m1 = sumM1, m2 = sumM2, value = sumValue
            var t = 0
            for u in 0..<sums {
                let end = ends[u]
                var s = 0.0
                while t < end {
                    s += (h[rows[t]] * m1[t]) * m2[t]
                    t &+= 1
                }
                value[u] = s
            }
            let map = entrySum
            for e in 0..<(nz &* nz) { info[e] = value[map[e]] }
            return
        }
        for b in 0..<nz {
            let zb = z + b * n
            for a in 0..<nz {
                let za = z + a * n
                var s = 0.0
                for i in 0..<n { s += (h[i] * zb[i]) * za[i] }
                info[b * nz + a] = s
            }
        }
    }

    /// `out[r] = sum_t (sign x[index[t]]) value[t]` over list r (t from
    /// `ends[r - 1]`, or 0, to `ends[r]`), from +0 in order; `sign` is 1 or
    /// -1, so `sign x` is `x` or `-x` exactly.
    @inline(__always)
    private static func listSums(_ x: UnsafePointer<Double>, sign: Double, index: UnsafePointer<Int>,
                                 value: UnsafePointer<Double>, ends: UnsafePointer<Int>, count: Int,
                                 into out: UnsafeMutablePointer<Double>) {
        var t = 0
        for r in 0..<count {
            let end = ends[r]
            var s = 0.0
            while t < end { s += (sign * x[index[t]]) * value[t]; t &+= 1 }
            out[r] = s
        }
    }

    /// `out[k] = sum_i v_i Z2[i, k]`.
    @_optimize(size)
    func z2Products(_ v: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = self.n, ngam = nz - 1
        if finite && Self.allFinite(v, n) {
            Self.listSums(v, sign: 1, index: colRows, value: colValue, ends: colStart + 1, count: ngam, into: out)
            return
        }
        for k in 0..<ngam {
            let zk = z + (k + 1) * n
            var s = 0.0
            for i in 0..<n { s += v[i] * zk[i] }
            out[k] = s
        }
    }

    /// `out[i] = sum_k (-gam_k) Z2[i, k]`.
    @_optimize(size)
    func negatedLinear(_ gam: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        let n = self.n, ngam = nz - 1
        if finite && Self.allFinite(gam, ngam) {
            Self.listSums(gam, sign: -1, index: rowCols, value: rowValue, ends: rowStart + 1, count: n, into: out)
            return
        }
        let z2 = z + n
        for i in 0..<n {
            var s = 0.0
            for k in 0..<ngam { s += -gam[k] * z2[k * n + i] }
            out[i] = s
        }
    }
}

/// R's `solve(a, b)` for a small square system and one right-hand side,
/// repeated many times on preallocated scratch.
///
/// The solution is LAPACK `dgesv`'s, as R's `La_solve` gets it, computed
/// here with LAPACK 3.11's and reference BLAS's operations, so bit for bit
/// the library's (see `factor`). R then
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
    /// `split[k * n + j]` for `k < j`: the row where `dgetrf2`'s update of
    /// column j by column k passes from `dtrsm` to `dgemm` (see `factor`).
    private let split: UnsafeMutablePointer<Int>

    init(n: Int) {
        self.n = n
        lu = .allocate(capacity: Swift.max(n * n, 1))
        x = .allocate(capacity: Swift.max(n, 1))
        bound = .allocate(capacity: Swift.max(n, 1))
        ipiv = .allocate(capacity: Swift.max(n, 1))
        split = .allocate(capacity: Swift.max(n * n, 1))
        split.initialize(repeating: 0, count: Swift.max(n * n, 1))
        // dgetrf2's recursion on the columns c0..<c0+w (rows c0..<n): the
        // left half c0..<s, s = c0 + w/2, then the right half updated by the
        // left (rows c0..<s by dtrsm, rows s..<n by dgemm), then each half.
        func recurse(_ c0: Int, _ w: Int) {
            if w <= 1 { return }
            let s = c0 + w / 2
            for k in c0..<s { for j in s..<(c0 + w) { split[k * n + j] = s } }
            recurse(c0, w / 2)
            recurse(s, w - w / 2)
        }
        recurse(0, n)
    }

    deinit {
        lu.deallocate(); x.deallocate(); bound.deallocate(); ipiv.deallocate(); split.deallocate()
    }

    /// `solve(a, b)` for `a` (n x n, column-major) and `b` (n); the result
    /// is valid until the next call. Errors as `rSolve`.
    func solve(_ a: [Double], _ b: [Double], function: String) throws -> UnsafeBufferPointer<Double> {
        try a.withUnsafeBufferPointer { ab in
            try b.withUnsafeBufferPointer { bb in
                try solve(ab.baseAddress ?? UnsafePointer(lu), bb.baseAddress ?? UnsafePointer(x), function: function)
            }
        }
    }

    /// `solve` on pointers to `a` (n * n) and `b` (n).
    func solve(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, function: String) throws -> UnsafeBufferPointer<Double> {
        func general() throws -> Matrix {
            try rSolve(Matrix(nrow: n, ncol: n, values: Array(UnsafeBufferPointer(start: a, count: n * n))),
                       Matrix(nrow: n, ncol: 1, values: Array(UnsafeBufferPointer(start: b, count: n))), function: function)
        }
        guard n > 0 else {
            let r = try general()
            return UnsafeBufferPointer(start: x, count: r.values.count)
        }
        for k in 0..<n { x[k] = b[k] }
        let info = decompose(a)
        if info == 0 { Self.dgetrs(n: n, lu, ipiv: ipiv, b: x) }
        if info != 0 || !accepted(a) {
            // R's own path: the same dgesv, then dlange/dgecon and R's errors.
            let r = try general()
            for k in 0..<n { x[k] = r.values[k] }
        }
        return UnsafeBufferPointer(start: x, count: n)
    }

    /// LAPACK 3.11 `dgetrf` of `a` (n x n) into `lu`, with the pivots in
    /// `ipiv` (1-based); returns LAPACK's info (0, or the first zero pivot,
    /// 1-based). `factor` when it can, else the recursive `dgetrf2`.
    func decompose(_ a: UnsafePointer<Double>) -> Int {
        for k in 0..<(n * n) { lu[k] = a[k] }
        let info = factor()
        if info >= 0 { return info }
        for k in 0..<(n * n) { lu[k] = a[k] }
        return Self.dgetrf2(m: n, n: n, lu, lda: n, ipiv: ipiv)
    }

    /// `dgetrf` on the n x n matrix in `lu`, in place, column by column;
    /// -1 (and `lu` spoilt) when that cannot be shown to give `dgetrf2`'s
    /// bits.
    ///
    /// For n < 64 dgetrf runs `dgetrf2`: recursive LU with partial pivoting
    /// that factors the left half of the columns, swaps and updates the right
    /// half (`dtrsm` for the rows of the left half's diagonal block, `dgemm`
    /// below it), and factors the right half; a single column takes the first
    /// row of largest magnitude as pivot (none when it is zero: info is set
    /// and nothing is swapped or scaled) and is multiplied by the pivot's
    /// reciprocal (divided by it when it is subnormal). Every entry thus
    /// receives `a_ij - u_kj l_ik` for k = 0, 1, ... in turn, and row swaps
    /// only move values, so the same arithmetic done column by column
    /// (right-looking, each pivot's swap applied to whole rows at once) gives
    /// the same bits, as long as no update depends on which of the two routines
    /// makes it: reference `dtrsm` skips a zero multiplier `u_kj` (so a `-0`
    /// is not turned into `+0`, nor a NaN spread) where `dgemm` adds
    /// `(-u_kj) l_ik`, and whether a row is in the `dtrsm` block is only known
    /// after the later pivots of the same half (they can swap a row into or out
    /// of it). So a zero multiplier whose update reaches a `dtrsm` block
    /// (`k + 1 < split`, the block's end fixed by the recursion, made in
    /// `init`) returns -1; otherwise the update is the same either way.
    ///
    /// The 6 x 6 systems of the shipped quality-weights case take `factor6`,
    /// the same source with n fixed (so the compiler unrolls it); other
    /// sizes `factorAnySize`.
    func factor() -> Int { n == 6 ? factor6() : factorAnySize() }

    /// `factor` for n == 6.
    @inline(never)
    func factor6() -> Int { Self.factorBody(n: 6, lu, ipiv, split) }

    /// `factor` for any n.
    @_optimize(size) @inline(never)
    func factorAnySize() -> Int { Self.factorBody(n: n, lu, ipiv, split) }

    @inline(__always)
    private static func factorBody(n: Int, _ lu: UnsafeMutablePointer<Double>, _ ipiv: UnsafeMutablePointer<Int>,
                                   _ split: UnsafeMutablePointer<Int>) -> Int {
        var info = 0
        var k = 0
        while k < n {
            let colk = lu + k &* n
            if k == n &- 1 {
                ipiv[k] = n
                if colk[k] == 0 && info == 0 { info = n }
                break
            }
            var p = k, big = Swift.abs(colk[k])
            var i = k &+ 1
            while i < n {
                let v = Swift.abs(colk[i])
                if v > big { p = i; big = v }
                i &+= 1
            }
            ipiv[k] = p &+ 1
            if colk[p] != 0 {
                if p != k {
                    var c = 0
                    while c < n {
                        let col = lu + c &* n
                        let t = col[k]; col[k] = col[p]; col[p] = t
                        c &+= 1
                    }
                }
                let pivot = colk[k]
                i = k &+ 1
                if Swift.abs(pivot) >= Double.leastNormalMagnitude {
                    let r = 1 / pivot
                    while i < n { colk[i] = r * colk[i]; i &+= 1 }
                } else {
                    while i < n { colk[i] = colk[i] / pivot; i &+= 1 }
                }
            } else if info == 0 {
                info = k &+ 1
            }
            var j = k &+ 1
            let splits = split + k &* n
            while j < n {
                let colj = lu + j &* n
                let u = colj[k]
                i = k &+ 1
                if u == 0 && i < splits[j] { return -1 }
                let t = -u
                while i < n { colj[i] = colj[i] + t * colk[i]; i &+= 1 }
                j &+= 1
            }
            k &+= 1
        }
        return info
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

    /// LAPACK `dgetrs('N')` for one right-hand side: the row swaps
    /// (`dlaswp`), then `dtrsm` with the unit lower and the upper factor
    /// (reference `dtrsm` skips a zero `b[k]`). n == 6 takes `dgetrs6`, the
    /// same source with n fixed.
    static func dgetrs(n: Int, _ lu: UnsafePointer<Double>, ipiv: UnsafePointer<Int>, b: UnsafeMutablePointer<Double>) {
        if n == 6 { dgetrs6(lu, ipiv: ipiv, b: b) } else { dgetrsAnySize(n: n, lu, ipiv: ipiv, b: b) }
    }

    /// `dgetrs` for n == 6.
    @inline(never)
    static func dgetrs6(_ lu: UnsafePointer<Double>, ipiv: UnsafePointer<Int>, b: UnsafeMutablePointer<Double>) {
        dgetrsBody(n: 6, lu, ipiv: ipiv, b: b)
    }

    /// `dgetrs` for any n.
    @_optimize(size) @inline(never)
    static func dgetrsAnySize(n: Int, _ lu: UnsafePointer<Double>, ipiv: UnsafePointer<Int>, b: UnsafeMutablePointer<Double>) {
        dgetrsBody(n: n, lu, ipiv: ipiv, b: b)
    }

    @inline(__always)
    private static func dgetrsBody(n: Int, _ lu: UnsafePointer<Double>, ipiv: UnsafePointer<Int>, b: UnsafeMutablePointer<Double>) {
        var i = 0
        while i < n {
            let r = ipiv[i] &- 1
            if r != i { let t = b[i]; b[i] = b[r]; b[r] = t }
            i &+= 1
        }
        var k = 0
        while k < n {
            let bk = b[k], col = lu + k &* n
            if bk != 0 {
                i = k &+ 1
                while i < n { b[i] = b[i] - bk * col[i]; i &+= 1 }
            }
            k &+= 1
        }
        k = n &- 1
        while k >= 0 {
            if b[k] != 0 {
                let col = lu + k &* n
                let bk = b[k] / col[k]
                b[k] = bk
                i = 0
                while i < k { b[i] = b[i] - bk * col[i]; i &+= 1 }
            }
            k &-= 1
        }
    }

    /// Whether R's `solve` would return the solution now in `x` for `a`
    /// factored in `lu` without error: when a factor is not finite (R's
    /// `dgecon` then gives a NaN or no estimate below the tolerance, and R
    /// returns), or when `||a||_1 ||a^-1||_1 <= 1e-3 / eps` can be shown
    /// cheaply from the factors, with every entry of the factors zero or
    /// between 2^-331 and 2^332 in size (inside 1e-100 and 1e100, where
    /// `dgecon`'s triangular solves, `dlatrs`, do not rescale). False means:
    /// ask R's path.
    ///
    /// `a^-1 = U^-1 L^-1 P'`, so `||a^-1||_1 <= ||U^-1||_1 ||L^-1||_1`, and
    /// for a triangular T with comparison matrix M(T) (|diagonal|, minus
    /// |off-diagonal|), `|T^-1| <= M(T)^-1` entrywise, whose largest column
    /// sum is the largest entry of the solution of `M(T)' v = 1` (one
    /// triangular solve, all terms positive). For the unit lower L partial
    /// pivoting keeps `|l_ij| <= (1 + eps)^2` (a multiplier is an entry no
    /// larger than its pivot times the pivot's rounded reciprocal), and
    /// `M(L)^-1` grows with its entries; with all of them 1 its column sums
    /// are `2^(n-1-j)`, so `||L^-1||_1 <= 2^(n-1)` up to a factor below 1.01.
    /// Rounding moves these bounds by a few ulps, far inside the 1e3 margin.
    /// `||a||_1` is `dlange`'s (the largest column sum of |a|). A NaN or Inf
    /// in `a` leaves one in the factors (no operation of the LU turns them
    /// finite), which is accepted above, as R accepts it. n == 6 takes
    /// `accepted6`, the same source with n fixed.
    func accepted(_ a: UnsafePointer<Double>) -> Bool { n == 6 ? accepted6(a) : acceptedAnySize(a) }

    /// `accepted` for n == 6.
    @inline(never)
    func accepted6(_ a: UnsafePointer<Double>) -> Bool { Self.acceptedBody(n: 6, a, lu, bound) }

    /// `accepted` for any n.
    @_optimize(size) @inline(never)
    func acceptedAnySize(_ a: UnsafePointer<Double>) -> Bool { Self.acceptedBody(n: n, a, lu, bound) }

    @inline(__always)
    private static func acceptedBody(n: Int, _ a: UnsafePointer<Double>, _ lu: UnsafePointer<Double>,
                                     _ bound: UnsafeMutablePointer<Double>) -> Bool {
        let nn = n &* n
        // On the magnitudes' bits: zero, or 2^-331 <= |v| < 2^332.
        let mask: UInt64 = 0x7fff_ffff_ffff_ffff
        let lo: UInt64 = (1023 - 331) << 52, span: UInt64 = 663 << 52
        // The largest of the magnitudes' bits less lo (0 for a zero), unsigned.
        var worst: UInt64 = 0
        var k = 0
        while k < nn {
            let m = lu[k].bitPattern & mask
            worst = Swift.max(worst, (m == 0 ? lo : m) &- lo)
            k &+= 1
        }
        if worst >= span {
            // Outside: accepted only when some factor is not finite.
            for i in 0..<nn where !lu[i].isFinite { return true }
            return false
        }
        var anorm = 0.0
        var j = 0
        while j < n {
            let col = a + j &* n
            var s = 0.0
            var i = 0
            while i < n { s += Swift.abs(col[i]); i &+= 1 }
            anorm = Swift.max(anorm, s)
            j &+= 1
        }
        // M(U)' v = 1 (forward over U's columns): v_j = (1 + sum_{i<j} |u_ij| v_i) / |u_jj|.
        var boundU = 0.0
        j = 0
        while j < n {
            let col = lu + j &* n
            var s = 1.0
            var i = 0
            while i < j { s += Swift.abs(col[i]) * bound[i]; i &+= 1 }
            let d = Swift.abs(col[j])
            if d == 0 { return false }
            bound[j] = s / d
            boundU = Swift.max(boundU, bound[j])
            j &+= 1
        }
        let boundL = Double(sign: .plus, exponent: n - 1, significand: 1.01)
        let kappa = anorm * boundU * boundL
        return kappa.isFinite && anorm > 0 && kappa <= 1e-3 / Double.ulpOfOne
    }
}
