// Per-gene least squares without per-gene allocation: the scratch one
// thread needs for lm.fit / lm.wfit of gene after gene (scalar and SIMD
// lanes), the scalar fit on it, and the diagonal of chol2inv.

/// Scratch for one thread's per-gene fits with up to `n` observations and
/// `p` coefficients. Allocated once per parallel chunk, never per gene.
final class LeastSquaresWorkspace {
    let n: Int
    let p: Int
    /// Scalar fit: x (n x p), y, qty, residuals (n each), qraux, b, diag (p),
    /// dqrdc2's work (2p), chol2inv's scratch (p x p), pivot (p).
    let x, y, qty, rsd, qraux, b, diag, work, u: UnsafeMutablePointer<Double>
    let jpvt: UnsafeMutablePointer<Int>
    /// Lanes fit: the same, one `GeneLanes` per value, and n of scratch.
    let lx, ly, lqraux, lb, ldiag, lwork, lu, lscratch: UnsafeMutablePointer<GeneLanes>
    /// A block of `LaneLeastSquares.blockGenes` genes' values and weights,
    /// row by row (see `LaneLeastSquares.copyBlock`); weights only when
    /// asked for.
    let blockY, blockW: UnsafeMutablePointer<GeneLanes>

    init(n: Int, p: Int, blockWeights: Bool = false) {
        self.n = n
        self.p = p
        func doubles(_ c: Int) -> UnsafeMutablePointer<Double> {
            let ptr = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(c, 1))
            ptr.initialize(repeating: 0, count: Swift.max(c, 1))
            return ptr
        }
        func lanes(_ c: Int) -> UnsafeMutablePointer<GeneLanes> {
            let ptr = UnsafeMutablePointer<GeneLanes>.allocate(capacity: Swift.max(c, 1))
            ptr.initialize(repeating: GeneLanes(repeating: 0), count: Swift.max(c, 1))
            return ptr
        }
        x = doubles(n * p); y = doubles(n); qty = doubles(n); rsd = doubles(n)
        qraux = doubles(p); b = doubles(p); diag = doubles(p); work = doubles(2 * p); u = doubles(p * p)
        jpvt = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(p, 1))
        jpvt.initialize(repeating: 0, count: Swift.max(p, 1))
        lx = lanes(n * p); ly = lanes(n); lqraux = lanes(p); lb = lanes(p); ldiag = lanes(p); lwork = lanes(p); lu = lanes(p * p)
        lscratch = lanes(n)
        let groups = LaneLeastSquares.blockGenes / LaneLeastSquares.width
        blockY = lanes(groups * n)
        blockW = lanes(blockWeights ? groups * n : 0)
    }

    deinit {
        for ptr in [x, y, qty, rsd, qraux, b, diag, work, u] { ptr.deallocate() }
        jpvt.deallocate()
        for ptr in [lx, ly, lqraux, lb, ldiag, lwork, lu, lscratch, blockY, blockW] { ptr.deallocate() }
    }

    /// R's `lm.fit(x, y)` on the first `nobs` rows held in `x` (leading
    /// dimension `nobs`) and `y`: dqrdc2 (tol 1e-7), then dqrsl (k = rank)
    /// for Q'y into `qty`, the pivoted coefficients into `b`, and, when
    /// `residuals` is true, the residuals into `rsd`; then the diagonal of
    /// `chol2inv(qr, size = rank)` into `diag`. Returns the rank (pivot in
    /// `jpvt`). With rank 0, `qty` is y and no coefficient is estimable.
    /// Throws chol2inv's errors (rank 0, a zero diagonal).
    func fit(nobs: Int, residuals: Bool, function: String) throws -> Int {
        let rank = QRDecomposition.dqrdc2(x, n: nobs, p: p, tol: 1e-7, qraux: qraux, jpvt: jpvt, work: work)
        if rank > 0 {
            let job: QRDecomposition.Job = residuals ? [.qty, .coef, .resid] : [.qty, .coef]
            QRDecomposition.dqrsl(x, n: nobs, k: rank, qraux: qraux, y: y, qty: qty, b: b, rsd: rsd, job: job)
        } else {
            for i in 0..<nobs { qty[i] = y[i] }
            if residuals { for i in 0..<nobs { rsd[i] = y[i] } }
        }
        try GeneLeastSquares.chol2invDiagonal(x, lda: nobs, size: rank, u: u, diag: diag, function: function)
        return rank
    }

    /// Writes the last fit's estimable coefficients and `sqrt(diag)` (the
    /// unscaled standard deviations), in the design's column order, to gene
    /// g's entries of column-major ngenes x p outputs.
    func store(rank: Int, gene g: Int, ngenes: Int, coefficients: UnsafeMutableBufferPointer<Double>,
               stdev: UnsafeMutableBufferPointer<Double>) {
        for k in 0..<rank {
            let j = jpvt[k]
            coefficients[j * ngenes + g] = b[k]
            stdev[j * ngenes + g] = diag[k].squareRoot()
        }
    }
}

enum GeneLeastSquares {
    /// The diagonal of R's `chol2inv(r, size)` (LAPACK dpotri on the leading
    /// `size` x `size` upper triangle of `r`, leading dimension `lda`), with
    /// dpotri's arithmetic (see `LaneLeastSquares`) for size < 64 and a
    /// dpotri call beyond. `u` holds size^2 values of scratch. Errors as
    /// `RLinAlg.chol2inv`.
    static func chol2invDiagonal(_ a: UnsafePointer<Double>, lda: Int, size r: Int, u: UnsafeMutablePointer<Double>,
                                 diag: UnsafeMutablePointer<Double>, function: String) throws {
        guard r >= 1 else { throw LimmaError(function, "'size' argument must be a positive integer") }
        if r >= 64 {
            let m = Matrix(nrow: lda, ncol: r, values: Array(UnsafeBufferPointer(start: a, count: lda * r)))
            let inv = try RLinAlg.chol2inv(m, size: r, function: function)
            for i in 0..<r { diag[i] = inv[i, i] }
            return
        }
        for i in 0..<r where a[i * lda + i] == 0 {
            throw LimmaError(function, "element (\(i + 1), \(i + 1)) is zero, so the inverse cannot be computed")
        }
        for j in 0..<r {
            let ujj = 1.0 / a[j * lda + j]
            let x = u + j * r
            x[j] = ujj
            for i in 0..<j { x[i] = a[j * lda + i] }
            for c in 0..<j where x[c] != 0 {
                let xc = x[c], uc = u + c * r
                for i in 0..<c { x[i] = x[i] + xc * uc[i] }
                x[c] = xc * uc[c]
            }
            let s = -ujj
            for i in 0..<j { x[i] = s * x[i] }
        }
        for i in 0..<(r - 1) {
            var sum = 0.0
            for k in i..<r { let v = u[k * r + i]; sum = sum + v * v }
            diag[i] = sum
        }
        let v = u[(r - 1) * r + (r - 1)]
        diag[r - 1] = v * v
    }

    /// R's `mean(x^2)` (`refine`: long-double sum over n with summary.c's
    /// refinement pass, as `RBase.mean`) or `colMeans(x^2)` (no refinement)
    /// over `x[from..<to]`.
    static func meanOfSquares(_ x: UnsafePointer<Double>, from: Int, to: Int, refine: Bool) -> Double {
        var s: RLongDouble = 0
        for i in from..<to { s += RLongDouble(x[i] * x[i]) }
        let nn = RLongDouble(to - from)
        s /= nn
        if refine && Double(s).isFinite {
            var t: RLongDouble = 0
            for i in from..<to { t += RLongDouble(x[i] * x[i]) - s }
            s += t / nn
        }
        return Double(s)
    }

    /// R's `mean(x)` of `x[0..<n]` exactly as `RBase.mean` (long-double sum
    /// over n, one refinement pass), NaN for n = 0.
    static func mean(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        if n == 0 { return .nan }
        var s: RLongDouble = 0
        for i in 0..<n { s += RLongDouble(x[i]) }
        let nn = RLongDouble(n)
        s /= nn
        if Double(s).isFinite {
            var t: RLongDouble = 0
            for i in 0..<n { t += RLongDouble(x[i]) - s }
            s += t / nn
        }
        return Double(s)
    }
}
