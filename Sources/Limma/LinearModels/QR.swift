// R's QR decomposition: LINPACK dqrdc2 (Householder with limited column
// pivoting), dqrsl (applying Q, solving R b = Q'y) and dqrls (least squares
// for several responses), as qr(), lm.fit() and lm.wfit() use them, plus
// chol2inv() on the R factor.
import CLapack

/// The QR decomposition R's `qr(x, tol = 1e-7)` computes (LINPACK `dqrdc2`).
///
/// For each step `l = 1, ..., min(n, p)` a Householder reflection
/// `H_l = I - u u' / u_1` zeroes column `l` below the diagonal. Before the
/// step, while column `l`'s remaining norm (updated as
/// `qraux_j * sqrt(1 - (|x_lj| / qraux_j)^2)`, recomputed in full when that
/// factor falls below 1e-6) is below `tol` times its original norm, the column
/// is moved to the end (limited pivoting: the other columns keep their order).
/// The rank is the number of columns not moved, at most `n`.
///
/// The arithmetic follows dqrdc2 operation for operation and uses the same
/// BLAS level-1 routines (`dnrm2`, `ddot`, `daxpy`, `dscal`) from the
/// system BLAS R links to, so results agree with R bit for bit.
///
/// Storage is R's compact form: `qr` holds R in its upper triangle and the
/// Householder vectors below it, with their first elements in `qraux`.
/// `pivot` is 0-based (R's `pivot - 1`).
public struct QRDecomposition: Sendable, Equatable {
    /// The compact QR (R's `qr$qr`), columns in pivoted order.
    public var qr: Matrix
    /// R's `qr$qraux`.
    public var qraux: [Double]
    /// 0-based column pivot: column `k` of `qr` is column `pivot[k]` of x.
    public var pivot: [Int]
    /// Numerical rank.
    public var rank: Int
    /// The tolerance used.
    public var tol: Double

    /// Decomposes `x` (n x p) exactly as R's `qr(x, tol)` (LINPACK dqrdc2).
    public init(_ x: Matrix, tol: Double = 1e-7) {
        let n = x.nrow, p = x.ncol
        var a = x.values
        var qraux = [Double](repeating: 0, count: p)
        var jpvt = [Int](repeating: 0, count: p)
        var work = [Double](repeating: 0, count: 2 * p)
        let k = a.withUnsafeMutableBufferPointer { ab in
            qraux.withUnsafeMutableBufferPointer { qb in
                jpvt.withUnsafeMutableBufferPointer { jb in
                    work.withUnsafeMutableBufferPointer { wb in
                        QRDecomposition.dqrdc2(ab.baseAddress, n: n, p: p, tol: tol, qraux: qb.baseAddress,
                                               jpvt: jb.baseAddress, work: wb.baseAddress)
                    }
                }
            }
        }
        self.qr = Matrix(nrow: n, ncol: p, values: a, rowNames: x.rowNames, colNames: x.colNames.map { cn in jpvt.map { cn[$0] } })
        self.qraux = qraux
        self.pivot = jpvt
        self.rank = k
        self.tol = tol
    }

    /// LINPACK dqrdc2 in place on the n x p column-major `a` (see the type's
    /// documentation): fills `qraux` (p) and the 0-based pivot `jpvt` (p),
    /// uses `work` (2p) as scratch, and returns the rank `min(k - 1, n)`.
    /// Pointers may be nil only when p (or n * p) is 0. Allocation-free, so
    /// per-gene fits can call it on preallocated workspaces.
    static func dqrdc2(_ a: UnsafeMutablePointer<Double>?, n: Int, p: Int, tol: Double,
                       qraux: UnsafeMutablePointer<Double>?, jpvt: UnsafeMutablePointer<Int>?,
                       work: UnsafeMutablePointer<Double>?) -> Int {
        guard p > 0, let qraux, let jpvt, let work else { return 0 }
        for j in 0..<p { jpvt[j] = j }
        let work1 = work, work2 = work + p
        var k = p + 1
        guard let base = a, n > 0 else { return Swift.min(k - 1, n) }
        // Column norms.
        for j in 0..<p {
            qraux[j] = BLAS1.nrm2(n, base + j * n)
            work1[j] = qraux[j]
            work2[j] = qraux[j]
            if work2[j] == 0 { work2[j] = 1 }
        }
        let lup = Swift.min(n, p)
        var l = 1
        while l <= lup {
            let l0 = l - 1
            // Move negligible columns to the end.
            while !(l >= k || qraux[l0] >= work2[l0] * tol) {
                for i in 0..<n {
                    let t = base[l0 * n + i]
                    if l0 + 1 < p {
                        for j in (l0 + 1)..<p { base[(j - 1) * n + i] = base[j * n + i] }
                    }
                    base[(p - 1) * n + i] = t
                }
                let ip = jpvt[l0], t = qraux[l0], tt = work1[l0], ttt = work2[l0]
                if l0 + 1 < p {
                    for j in (l0 + 1)..<p {
                        jpvt[j - 1] = jpvt[j]
                        qraux[j - 1] = qraux[j]
                        work1[j - 1] = work1[j]
                        work2[j - 1] = work2[j]
                    }
                }
                jpvt[p - 1] = ip
                qraux[p - 1] = t
                work1[p - 1] = tt
                work2[p - 1] = ttt
                k -= 1
            }
            if l != n {
                // Householder transformation for column l.
                let m = n - l + 1
                let xl = base + l0 * n + l0
                var nrmxl = BLAS1.nrm2(m, xl)
                if nrmxl != 0 {
                    if xl[0] != 0 { nrmxl = Double(signOf: xl[0], magnitudeOf: nrmxl) }
                    BLAS1.scal(m, 1.0 / nrmxl, xl)
                    xl[0] = 1.0 + xl[0]
                    if p >= l + 1 {
                        for j in l..<p {
                            let xj = base + j * n + l0
                            let t = -BLAS1.dot(m, xl, xj) / xl[0]
                            BLAS1.axpy(m, t, xl, xj)
                            if qraux[j] != 0 {
                                let r = Swift.abs(xj[0]) / qraux[j]
                                var tt = 1.0 - r * r
                                tt = Swift.max(tt, 0.0)
                                if Swift.abs(tt) >= 1e-6 {
                                    qraux[j] = qraux[j] * tt.squareRoot()
                                } else {
                                    qraux[j] = BLAS1.nrm2(n - l, xj + 1)
                                    work1[j] = qraux[j]
                                }
                            }
                        }
                    }
                    qraux[l0] = xl[0]
                    xl[0] = -nrmxl
                }
            }
            l += 1
        }
        return Swift.min(k - 1, n)
    }

    /// Whether any column was moved (R's `z$pivoted`).
    public var pivoted: Bool { pivot.enumerated().contains { $0.offset != $0.element } }

    /// What dqrsl should compute.
    struct Job: OptionSet {
        let rawValue: Int
        static let qty = Job(rawValue: 1)
        static let coef = Job(rawValue: 2)
        static let resid = Job(rawValue: 4)
    }

    /// One response: Q'y (`effects`), the coefficients of the first `rank`
    /// pivoted columns (`b`, length `rank`), and the residuals, as LINPACK
    /// dqrsl computes them with `k = rank`. `x` is a scratch copy of `qr`
    /// whose diagonal is swapped temporarily, as dqrsl does.
    static func dqrsl(_ x: UnsafeMutablePointer<Double>, n: Int, k: Int, qraux: UnsafePointer<Double>,
                      y: UnsafePointer<Double>, qty: UnsafeMutablePointer<Double>,
                      b: UnsafeMutablePointer<Double>, rsd: UnsafeMutablePointer<Double>, job: Job) {
        let ju = Swift.min(k, n - 1)
        if ju == 0 {
            qty[0] = y[0]
            if job.contains(.coef) && x[0] != 0 { b[0] = y[0] / x[0] }
            if job.contains(.resid) { rsd[0] = 0 }
            return
        }
        for i in 0..<n { qty[i] = y[i] }
        for j in 0..<ju where qraux[j] != 0 {
            let xj = x + j * n + j
            let temp = xj[0]
            xj[0] = qraux[j]
            let t = -BLAS1.dot(n - j, xj, qty + j) / xj[0]
            BLAS1.axpy(n - j, t, xj, qty + j)
            xj[0] = temp
        }
        if job.contains(.coef) {
            for i in 0..<k { b[i] = qty[i] }
            var jj = 0
            while jj < k {
                let j = k - 1 - jj
                let d = x[j * n + j]
                if d == 0 { break }
                b[j] = b[j] / d
                if j > 0 { BLAS1.axpy(j, -b[j], x + j * n, b) }
                jj += 1
            }
        }
        if job.contains(.resid) {
            for i in 0..<n { rsd[i] = i < k ? 0 : qty[i] }
            applyQ(x, n: n, k: k, qraux: qraux, y: rsd)
        }
    }

    /// `y <- Q y` in place for one column of length n, Q from the first `k`
    /// Householder reflections of a dqrdc2 factor in `x` (dqrsl's qy: the
    /// reflections applied last to first, each as
    /// `y -= (x_j'y / x_jj) x_j` over rows j..<n with `x_jj` swapped for
    /// `qraux[j]` meanwhile and restored).
    @inline(__always)
    static func applyQ(_ x: UnsafeMutablePointer<Double>, n: Int, k: Int, qraux: UnsafePointer<Double>,
                       y: UnsafeMutablePointer<Double>) {
        let ju = Swift.min(k, n - 1)
        var jj = 0
        while jj < ju {
            let j = ju - 1 - jj
            if qraux[j] != 0 {
                let xj = x + j * n + j
                let temp = xj[0]
                xj[0] = qraux[j]
                let t = -BLAS1.dot(n - j, xj, y + j) / xj[0]
                BLAS1.axpy(n - j, t, xj, y + j)
                xj[0] = temp
            }
            jj += 1
        }
    }

    /// Least squares for the columns of `y` (n x ny), as R's `lm.fit(x, y)`
    /// (C `Cdqrls` -> Fortran `dqrls`) computes it:
    /// `coefficients` p x ny in the ORIGINAL column order with NaN (R's NA)
    /// for the `p - rank` non-estimable columns, `effects` = Q'y (n x ny),
    /// and, when `residuals` is true, y - X b (n x ny).
    public func leastSquares(_ y: Matrix, residuals: Bool = false) -> (coefficients: Matrix, effects: Matrix, residuals: Matrix?) {
        let n = qr.nrow, p = qr.ncol, ny = y.ncol
        precondition(y.nrow == n, "QRDecomposition.leastSquares: y has \(y.nrow) rows, x has \(n)")
        var coef = [Double](repeating: .nan, count: p * ny)
        var eff = y.values
        var rsd = residuals ? y.values : []
        let k = rank
        if k > 0 {
            // Responses in parallel chunks; each chunk has its own scratch copy
            // of qr (dqrsl swaps its diagonal temporarily) and writes only its
            // own columns, so the result does not depend on the thread count.
            let qrValues = qr.values, qraux = qraux, pivot = pivot
            coef.withUnsafeMutableBufferPointer { cb in
                eff.withUnsafeMutableBufferPointer { eb in
                    rsd.withUnsafeMutableBufferPointer { rb in
                        y.values.withUnsafeBufferPointer { yb in
                            let bufs = UncheckedBox((cb, eb, rb, yb))
                            LimmaThreads.forEachChunk(ny, minChunk: 256) { range in
                                let (cb, eb, rb, yb) = bufs.value
                                var x = qrValues
                                var b = [Double](repeating: 0, count: Swift.max(k, 1))
                                var scratch = [Double](repeating: 0, count: n)
                                let job: Job = residuals ? [.qty, .coef, .resid] : [.qty, .coef]
                                x.withUnsafeMutableBufferPointer { xb in
                                    b.withUnsafeMutableBufferPointer { bb in
                                        scratch.withUnsafeMutableBufferPointer { sb in
                                            for c in range {
                                                let r = residuals ? rb.baseAddress! + c * n : sb.baseAddress!
                                                QRDecomposition.dqrsl(xb.baseAddress!, n: n, k: k, qraux: qraux, y: yb.baseAddress! + c * n,
                                                                      qty: eb.baseAddress! + c * n, b: bb.baseAddress!, rsd: r, job: job)
                                                for i in 0..<k { cb[c * p + pivot[i]] = bb[i] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let coefNames = qr.colNames.map { cn in (0..<p).map { j in cn[pivot.firstIndex(of: j)!] } }
        let cm = Matrix(nrow: p, ncol: ny, values: coef, rowNames: coefNames, colNames: y.colNames)
        let em = Matrix(nrow: n, ncol: ny, values: eff, rowNames: nil, colNames: y.colNames)
        let rm = residuals ? Matrix(nrow: n, ncol: ny, values: rsd, rowNames: y.rowNames, colNames: y.colNames) : nil
        return (cm, em, rm)
    }

    /// Least squares for one response vector (see `leastSquares(_:residuals:)`).
    public func leastSquares(_ y: [Double], residuals: Bool = false) -> (coefficients: [Double], effects: [Double], residuals: [Double]?) {
        let r = leastSquares(Matrix(nrow: y.count, ncol: 1, values: y), residuals: residuals)
        return (r.coefficients.values, r.effects.values, r.residuals?.values)
    }

    /// R's `qr.coef(qr, y)`: coefficients in the original column order, NaN
    /// (R's NA) for the non-estimable columns.
    public func coef(_ y: [Double]) -> [Double] { leastSquares(y).coefficients }

    /// R's `qr.qty(qr, y)`: Q'y (the effects).
    public func qty(_ y: [Double]) -> [Double] { leastSquares(y).effects }

    /// R's `qr.resid(qr, y)`: y minus its projection on the first `rank` columns.
    public func resid(_ y: [Double]) -> [Double] { leastSquares(y, residuals: true).residuals ?? [] }

    /// R's `chol2inv(qr$qr, size = rank)`: `(R'R)^-1` for the leading
    /// `size` x `size` block of the R factor, by LAPACK `dpotri`. This is the
    /// unscaled covariance of the estimable coefficients, in pivoted order.
    public func chol2inv(size: Int? = nil) throws -> Matrix {
        let sz = size ?? rank
        let r = try RLinAlg.chol2inv(qr, size: sz)
        return r
    }
}

/// The BLAS level-1 routines dqrdc2 and dqrsl call, written out in Swift with
/// reference BLAS 3.11's arithmetic (the library R links to here), so small
/// per-gene QRs pay no call overhead and the bits stay the library's
/// (`LinearModelKernelTests` compares them with it, special values included):
/// - `ddot` (unit stride): products added to a running sum from +0 in index
///   order (the library's unrolling by 5 adds left to right, the same sums).
/// - `daxpy`: `y_i + a x_i`, nothing done when `a` is zero.
/// - `dscal`: `a x_i`.
/// - `dnrm2` (`dnrm2.f90`, Blue's algorithm): squares of values in
///   [2^-511, 2^486] summed as they are, larger ones scaled by 2^-538,
///   smaller ones by 2^537 (ignored once a large one is seen), the
///   accumulators combined as the library does.
/// Where a result is NaN it may be another NaN than the library's (sign or
/// payload: IEEE 754 leaves open which operand's NaN an operation returns,
/// and the compiler may order a commutative operation's operands either way);
/// every NaN is NaN to R.
enum BLAS1 {
    @inline(__always) static func nrm2(_ n: Int, _ x: UnsafePointer<Double>) -> Double {
        if n <= 0 { return 0 }
        let tsml = 0x1p-511, tbig = 0x1p486, ssml = 0x1p537, sbig = 0x1p-538
        var notbig = true
        var asml = 0.0, amed = 0.0, abig = 0.0
        for i in 0..<n {
            let ax = Swift.abs(x[i])
            if ax > tbig {
                let t = ax * sbig
                abig = abig + t * t
                notbig = false
            } else if ax < tsml {
                if notbig { let t = ax * ssml; asml = asml + t * t }
            } else {
                amed = amed + ax * ax
            }
        }
        var scl = 1.0, sumsq = 0.0
        let amedUsed = amed > 0 || amed > Double.greatestFiniteMagnitude || amed != amed
        if abig > 0 {
            if amedUsed { abig = abig + (amed * sbig) * sbig }
            scl = 1 / sbig
            sumsq = abig
        } else if asml > 0 {
            if amedUsed {
                let med = amed.squareRoot(), sml = asml.squareRoot() / ssml
                let (ymin, ymax) = sml > med ? (med, sml) : (sml, med)
                let r = ymin / ymax
                scl = 1
                sumsq = (ymax * ymax) * (1 + r * r)
            } else {
                scl = 1 / ssml
                sumsq = asml
            }
        } else {
            sumsq = amed
        }
        return scl * sumsq.squareRoot()
    }
    @inline(__always) static func dot(_ n: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        var sum = 0.0
        for i in 0..<Swift.max(n, 0) { sum = sum + x[i] * y[i] }
        return sum
    }
    @inline(__always) static func axpy(_ n: Int, _ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        if n <= 0 || a == 0 { return }
        for i in 0..<n { y[i] = y[i] + a * x[i] }
    }
    @inline(__always) static func scal(_ n: Int, _ a: Double, _ x: UnsafeMutablePointer<Double>) {
        for i in 0..<Swift.max(n, 0) { x[i] = a * x[i] }
    }
}
