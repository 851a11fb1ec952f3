// The machinery behind fitFDist's covariate trend: a natural cubic spline
// basis as R's splines::ns builds it (B-splines from the C routine
// spline_basis, boundary constraints removed with a LINPACK QR), and R's
// lm.fit (LINPACK dqrdc2/dqrsl through dqrls). BLAS level-1 calls go to the
// same reference BLAS R links, so the numbers agree bit for bit.
import CLapack

/// R's LINPACK QR (`qr(x)` with `LAPACK = FALSE`, Fortran `dqrdc2`): Householder
/// reflections with R's limited pivoting, which moves a column whose remaining
/// norm falls below `tol` times its original norm to the end.
struct LinpackQR {
    /// The compact QR (`qr$qr`), n x p column-major.
    var qr: [Double]
    var n: Int
    var p: Int
    var qraux: [Double]
    /// 0-based pivot.
    var pivot: [Int]
    var rank: Int

    init(_ x: Matrix, tol: Double = 1e-7) {
        let n = x.nrow
        let p = x.ncol
        var qr = x.values
        var qraux = [Double](repeating: 0, count: p)
        var pivot = Array(0..<p)
        var work1 = [Double](repeating: 0, count: p)
        var work2 = [Double](repeating: 0, count: p)
        var k = p + 1
        let n32 = Int32(n)
        var one: Int32 = 1
        qr.withUnsafeMutableBufferPointer { xb in
            let xp = xb.baseAddress!
            func col(_ j: Int) -> UnsafeMutablePointer<Double> { xp + j * n }
            if n > 0 {
                for j in 0..<p {
                    var nn = n32
                    qraux[j] = dnrm2_(&nn, col(j), &one)
                    work1[j] = qraux[j]
                    work2[j] = qraux[j]
                    if work2[j] == 0 { work2[j] = 1 }
                }
            }
            let lup = min(n, p)
            for l in 1...max(lup, 1) where lup >= 1 {
                let l0 = l - 1
                // limited pivoting: move negligible columns to the end
                while !(l >= k || qraux[l0] >= work2[l0] * tol) {
                    for i in 0..<n {
                        let t = xp[i + l0 * n]
                        for j in (l + 1)...max(p, l + 1) where j <= p { xp[i + (j - 2) * n] = xp[i + (j - 1) * n] }
                        xp[i + (p - 1) * n] = t
                    }
                    let pi = pivot[l0], t = qraux[l0], tt = work1[l0], ttt = work2[l0]
                    if l + 1 <= p {
                        for j in (l + 1)...p {
                            pivot[j - 2] = pivot[j - 1]
                            qraux[j - 2] = qraux[j - 1]
                            work1[j - 2] = work1[j - 1]
                            work2[j - 2] = work2[j - 1]
                        }
                    }
                    pivot[p - 1] = pi
                    qraux[p - 1] = t
                    work1[p - 1] = tt
                    work2[p - 1] = ttt
                    k -= 1
                }
                if l == n { continue }
                let diagp = xp + l0 + l0 * n
                var len = Int32(n - l + 1)
                var nrmxl = dnrm2_(&len, diagp, &one)
                if nrmxl == 0 { continue }
                if diagp.pointee != 0 { nrmxl = diagp.pointee < 0 ? -Swift.abs(nrmxl) : Swift.abs(nrmxl) }
                var scale = 1.0 / nrmxl
                dscal_(&len, &scale, diagp, &one)
                diagp.pointee = 1.0 + diagp.pointee
                if p >= l + 1 {
                    for j in (l + 1)...p {
                        let j0 = j - 1
                        let cj = xp + l0 + j0 * n
                        var t = -ddot_(&len, diagp, &one, cj, &one) / diagp.pointee
                        daxpy_(&len, &t, diagp, &one, cj, &one)
                        if qraux[j0] != 0 {
                            let r = Swift.abs(cj.pointee) / qraux[j0]
                            var tt = 1.0 - r * r
                            tt = max(tt, 0)
                            if Swift.abs(tt) >= 1e-6 {
                                qraux[j0] = qraux[j0] * tt.squareRoot()
                            } else {
                                var len2 = Int32(n - l)
                                qraux[j0] = dnrm2_(&len2, cj + 1, &one)
                                work1[j0] = qraux[j0]
                            }
                        }
                    }
                }
                qraux[l0] = diagp.pointee
                diagp.pointee = -nrmxl
            }
        }
        self.n = n
        self.p = p
        self.qr = qr
        self.qraux = qraux
        self.pivot = pivot
        self.rank = min(k - 1, n)
    }

    /// Applies the reflections to y (LINPACK `dqrsl` with `k = rank`):
    /// `transpose = true` gives Q'y (`qr.qty`), false gives Qy.
    func applyQ(_ y: [Double], transpose: Bool) -> [Double] {
        var out = y
        let ju = min(rank, n - 1)
        if ju == 0 { return out }
        var x = qr
        var one: Int32 = 1
        x.withUnsafeMutableBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let xp = xb.baseAddress!, op = ob.baseAddress!
                let order: [Int] = transpose ? Array(0..<ju) : Array((0..<ju).reversed())
                for j in order where qraux[j] != 0 {
                    let d = xp + j + j * n
                    let temp = d.pointee
                    d.pointee = qraux[j]
                    var len = Int32(n - j)
                    var t = -ddot_(&len, d, &one, op + j, &one) / d.pointee
                    daxpy_(&len, &t, d, &one, op + j, &one)
                    d.pointee = temp
                }
            }
        }
        return out
    }

    /// R's `qr.qty(qr, y)` for each column of y.
    func qty(_ y: Matrix) -> Matrix {
        var out = y
        for j in 0..<y.ncol {
            let c = applyQ(y.column(j), transpose: true)
            for i in 0..<y.nrow { out[i, j] = c[i] }
        }
        return out
    }
}

/// R's `lm.fit(x, y)` (`Cdqrls`, tol 1e-7): coefficients (NaN for aliased
/// columns, in the original column order), residuals, effects (Q'y), rank and
/// fitted values computed as R does, `y - residuals`.
struct LinpackLMFit {
    var coefficients: [Double]
    var residuals: [Double]
    var effects: [Double]
    var fittedValues: [Double]
    var rank: Int

    init(_ x: Matrix, _ y: [Double], tol: Double = 1e-7) {
        let q = LinpackQR(x, tol: tol)
        let n = x.nrow, p = x.ncol, k = q.rank
        rank = k
        var qty = y
        var b = [Double](repeating: 0, count: p)
        var rsd = y
        if k > 0 {
            qty = q.applyQ(y, transpose: true)
            // b: back-substitution on the leading k x k triangle (dqrsl job 100)
            var bk = Array(qty[0..<k])
            var one: Int32 = 1
            q.qr.withUnsafeBufferPointer { xb in
                bk.withUnsafeMutableBufferPointer { bb in
                    let xp = UnsafeMutablePointer(mutating: xb.baseAddress!)
                    let bp = bb.baseAddress!
                    for jj in 1...k {
                        let j = k - jj
                        bp[j] = bp[j] / xp[j + j * n]
                        if j > 0 {
                            var t = -bp[j]
                            var len = Int32(j)
                            daxpy_(&len, &t, xp + j * n, &one, bp, &one)
                        }
                    }
                }
            }
            for j in 0..<k { b[j] = bk[j] }
            // residuals: Q (0,...,0, qty[k..<n]) (dqrsl job 10)
            var r = [Double](repeating: 0, count: n)
            for i in k..<n { r[i] = qty[i] }
            if k >= n { r = [Double](repeating: 0, count: n) }
            rsd = q.applyQ(r, transpose: false)
        }
        var coef = b
        for j in k..<max(p, k) where j < p { coef[j] = .nan }
        var ordered = coef
        if q.pivot != Array(0..<p) { for (pos, orig) in q.pivot.enumerated() { ordered[orig] = coef[pos] } }
        coefficients = ordered
        residuals = rsd
        effects = qty
        fittedValues = zip(y, rsd).map { $0 - $1 }
    }
}

/// R's `splines::splineDesign(knots, x, ord, derivs)` for x inside the knot
/// range (no `outer.ok`): the B-spline basis (or its derivatives) as an
/// nx x (nknots - ord) matrix, computed by the C routine `spline_basis`
/// (de Boor's recurrence for values, repeated differencing for derivatives).
func splineDesign(knots: [Double], x: [Double], ord: Int = 4, derivs: [Int] = [0]) -> Matrix {
    let nk = knots.count
    let ncoef = nk - ord
    let ordm1 = ord - 1
    var design = Matrix(nrow: x.count, ncol: ncoef)
    var rdel = [Double](repeating: 0, count: ordm1)
    var ldel = [Double](repeating: 0, count: ordm1)
    var a = [Double](repeating: 0, count: ord)

    func setCursor(_ xv: Double) -> (curs: Int, boundary: Bool) {
        var curs = -1
        for i in 0..<nk {
            if knots[i] >= xv { curs = i }
            if knots[i] > xv { break }
        }
        if curs > nk - ord {
            let lastLegit = nk - ord
            if xv == knots[lastLegit] { return (lastLegit, true) }
        }
        return (curs, false)
    }
    func diffTable(_ curs: Int, _ xv: Double, _ ndiff: Int) {
        for i in 0..<ndiff {
            rdel[i] = knots[curs + i] - xv
            ldel[i] = xv - knots[curs - (i + 1)]
        }
    }
    func evaluate(_ curs: Int, _ boundary: Bool, _ xv: Double, _ nderIn: Int) -> Double {
        var outer = ordm1
        var nder = nderIn
        if boundary && nder == ordm1 { return 0 }
        while nder > 0 {
            nder -= 1
            for k in 0..<outer {
                let lo = curs - outer + k
                a[k] = Double(outer) * (a[k + 1] - a[k]) / (knots[lo + outer] - knots[lo])
            }
            outer -= 1
        }
        diffTable(curs, xv, outer)
        while outer > 0 {
            outer -= 1
            var li = outer
            for k in 0...outer {
                a[k] = (a[k + 1] * ldel[li] + a[k] * rdel[k]) / (rdel[k] + ldel[li])
                li -= 1
            }
        }
        return a[0]
    }

    for (i, xv) in x.enumerated() {
        let (curs, boundary) = setCursor(xv)
        let io = curs - ord
        let der = derivs[i % derivs.count]
        var vals = [Double](repeating: .nan, count: ord)
        if io < 0 || io > nk {
            // outside the knots: R fills NaN
        } else if der > 0 {
            for ii in 0..<ord {
                for j in 0..<ord { a[j] = 0 }
                a[ii] = 1
                vals[ii] = evaluate(curs, boundary, xv, der)
            }
        } else {
            diffTable(curs, xv, ordm1)
            vals[0] = 1
            for j in 1...ordm1 {
                var saved = 0.0
                for r in 0..<j {
                    let den = rdel[r] + ldel[j - 1 - r]
                    if den != 0 {
                        let term = vals[r] / den
                        vals[r] = saved + rdel[r] * term
                        saved = ldel[j - 1 - r] * term
                    } else {
                        if r != 0 || rdel[r] != 0 { vals[r] = saved }
                        saved = 0
                    }
                }
                vals[j] = saved
            }
        }
        for j in 0..<ord {
            let c = io + j
            if c >= 0 && c < ncoef { design[i, c] = vals[j] }
        }
    }
    return design
}

/// A natural cubic spline basis, R's `splines::ns(x, df, intercept = TRUE)`,
/// with what `predict()` needs to evaluate it at new points.
struct NaturalSplineBasis {
    var knots: [Double]
    var boundaryKnots: (Double, Double)

    /// The knots `ns(x, df = df, intercept = TRUE)` chooses: `df - 2` interior
    /// knots at the type-7 quantiles `seq(0, 1, length.out = df)` (ends
    /// dropped) of x, boundary knots at `range(x)`.
    init(x: [Double], df: Int) {
        let lo = x.min() ?? .nan, hi = x.max() ?? .nan
        boundaryKnots = (lo, hi)
        let nIknots = max(df - 2, 0)
        if nIknots > 0 {
            let lout = nIknots + 2
            let by = 1.0 / Double(lout - 1)
            let probs = (1..<(lout - 1)).map { Double($0) * by }
            knots = RBase.quantile(x, probs)
        } else {
            knots = []
        }
    }

    /// The basis at x (`ns(x, knots, Boundary.knots, intercept = TRUE)`):
    /// B-splines on the knots (boundary knots repeated 4 times), linear
    /// extrapolation beyond the boundary knots, then projected onto the
    /// complement of the second-derivative constraints at the boundaries
    /// (`t(qr.qty(qr(t(const)), t(basis)))[, -(1:2)]`).
    func basis(_ x: [Double]) -> Matrix {
        let (b1, b2) = boundaryKnots
        let aknots = ([b1, b1, b1, b1, b2, b2, b2, b2] + knots).sorted()
        let ncoef = aknots.count - 4
        let ol = x.map { $0 < b1 }, or = x.map { $0 > b2 }
        var basis: Matrix
        if ol.contains(true) || or.contains(true) {
            basis = Matrix(nrow: x.count, ncol: ncoef)
            for (side, pivot) in [(ol, b1), (or, b2)] {
                let idx = side.indices.filter { side[$0] }
                if idx.isEmpty { continue }
                let tt = splineDesign(knots: aknots, x: [pivot, pivot], ord: 4, derivs: [0, 1])
                var xl = Matrix(nrow: idx.count, ncol: 2)
                for (r, i) in idx.enumerated() { xl[r, 0] = 1; xl[r, 1] = x[i] - pivot }
                let part = RLinearAlgebra.matprod(xl, tt)
                for (r, i) in idx.enumerated() { for j in 0..<ncoef { basis[i, j] = part[r, j] } }
            }
            let inside = x.indices.filter { !ol[$0] && !or[$0] }
            if !inside.isEmpty {
                let part = splineDesign(knots: aknots, x: inside.map { x[$0] }, ord: 4)
                for (r, i) in inside.enumerated() { for j in 0..<ncoef { basis[i, j] = part[r, j] } }
            }
        } else {
            basis = splineDesign(knots: aknots, x: x, ord: 4)
        }
        let const = splineDesign(knots: aknots, x: [b1, b2], ord: 4, derivs: [2, 2])
        let qrc = LinpackQR(const.transposed)
        let projected = qrc.qty(basis.transposed)
        var out = Matrix(nrow: x.count, ncol: ncoef - 2)
        for i in 0..<x.count { for j in 2..<ncoef { out[i, j - 2] = projected[j, i] } }
        return out
    }
}
