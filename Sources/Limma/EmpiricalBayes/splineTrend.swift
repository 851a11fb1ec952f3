// The machinery behind fitFDist's covariate trend: a natural cubic spline
// basis as R's splines::ns builds it (B-splines from the C routine
// spline_basis, boundary constraints removed with R's LINPACK QR), and R's
// lm.fit, both on the engine's QRDecomposition (dqrdc2/dqrsl).

/// R's `lm.fit(x, y)` for one response (`Cdqrls`, tol 1e-7): coefficients
/// (NaN for aliased columns, original column order), effects (Q'y), rank, and
/// fitted values computed as R does, `y - residuals`.
struct SplineLMFit {
    var coefficients: [Double]
    var effects: [Double]
    var fittedValues: [Double]
    var rank: Int

    init(_ x: Matrix, _ y: [Double]) {
        let qr = QRDecomposition(x, tol: 1e-7)
        let ls = qr.leastSquares(y, residuals: true)
        coefficients = ls.coefficients
        effects = ls.effects
        rank = qr.rank
        let rsd = ls.residuals ?? y
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
    let nx = x.count
    // The working vectors of spline_basis (rdel, ldel, a, vals) live in one
    // scratch block, the design is written column-major straight into its storage.
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * ordm1 + 2 * ord)
    defer { scratch.deallocate() }
    scratch.initialize(repeating: 0, count: 2 * ordm1 + 2 * ord)
    let rdel = scratch, ldel = scratch + ordm1, a = scratch + 2 * ordm1, vals = scratch + 2 * ordm1 + ord
    var values = [Double](repeating: 0, count: nx * ncoef)
    knots.withUnsafeBufferPointer { kb in
        values.withUnsafeMutableBufferPointer { design in
            func setCursor(_ xv: Double) -> (curs: Int, boundary: Bool) {
                var curs = -1
                for i in 0..<nk {
                    if kb[i] >= xv { curs = i }
                    if kb[i] > xv { break }
                }
                if curs > nk - ord {
                    let lastLegit = nk - ord
                    if xv == kb[lastLegit] { return (lastLegit, true) }
                }
                return (curs, false)
            }
            func diffTable(_ curs: Int, _ xv: Double, _ ndiff: Int) {
                for i in 0..<ndiff {
                    rdel[i] = kb[curs + i] - xv
                    ldel[i] = xv - kb[curs - (i + 1)]
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
                        a[k] = Double(outer) * (a[k + 1] - a[k]) / (kb[lo + outer] - kb[lo])
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
                for j in 0..<ord { vals[j] = .nan }
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
                    if c >= 0 && c < ncoef { design[c * nx + i] = vals[j] }
                }
            }
        }
    }
    return Matrix(nrow: nx, ncol: ncoef, values: values)
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
                let part = RLinAlg.matprod(xl, tt)
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
        return Self.project(basis, QRDecomposition(const.transposed))
    }

    /// `t(qr.qty(qr, t(basis)))[, -(1:2)]`: R's `qr.qty` (LINPACK `dqrqty`,
    /// dqrsl with `k = rank` on a copy of each column) applied to each row
    /// of `basis` (a column of `t(basis)`), dropping the first two results.
    /// Row by row, without building the transpose or its product, and with
    /// dqrsl's steps written out: each of the first `min(rank, ncol - 1)`
    /// reflections with a non-zero `qraux[j]` is applied as
    /// `qty[j...] += t x_j` with `t = -(x_j . qty[j...]) / x_j[0]`, where x_j
    /// is column j of the factor from row j down with `qraux[j]` in place of
    /// its first element (dqrsl swaps it in for the step; here a copy of the
    /// factor holds it throughout), by the same dot and axpy.
    static func project(_ basis: Matrix, _ qr: QRDecomposition) -> Matrix {
        let n = basis.nrow, ncoef = basis.ncol
        let ju = Swift.min(qr.rank, ncoef - 1)
        var x = qr.qr.values
        for j in 0..<Swift.max(ju, 0) where qr.qraux[j] != 0 { x[j * ncoef + j] = qr.qraux[j] }
        let reflections = (0..<Swift.max(ju, 0)).filter { qr.qraux[$0] != 0 }
        var out = Matrix(nrow: n, ncol: ncoef - 2)
        var qty = [Double](repeating: 0, count: ncoef)
        x.withUnsafeBufferPointer { xb in
            basis.values.withUnsafeBufferPointer { vb in
                out.values.withUnsafeMutableBufferPointer { ob in
                    qty.withUnsafeMutableBufferPointer { qb in
                        let q = qb.baseAddress!
                        for i in 0..<n {
                            for j in 0..<ncoef { q[j] = vb[j * n + i] }
                            for j in reflections {
                                let xj = xb.baseAddress! + j * ncoef + j
                                let t = -BLAS1.dot(ncoef - j, xj, q + j) / xj[0]
                                BLAS1.axpy(ncoef - j, t, xj, q + j)
                            }
                            for j in 2..<ncoef { ob[(j - 2) * n + i] = q[j] }
                        }
                    }
                }
            }
        }
        return out
    }
}
