// lmFit's two hot lane fits with fewer passes over the observations:
// lm.wfit gene by gene (dqrdc2 with dqrsl's Q'y carried along as one more
// column) and lm.fit with one QR shared by all genes (dqrsl's reflections,
// each fused with the next one's dot product). Every lane performs the same
// IEEE operations in the same order as `LaneLeastSquares.decompose` +
// `solve` (and so as the scalar dqrdc2 + dqrsl); only the loops are merged.
//
// Shared with LimmaAVX512 (its LeastSquaresFused.swift is a link to this
// file), which runs the same code on eight lanes; see LaneLeastSquares.swift.

extension LaneLeastSquares {
    /// `sqrt(|x|)` lane by lane: `x.squareRoot()` for every `x >= +0`, as one
    /// vector square root (Swift's `squareRoot` on Linux branches to libm per
    /// lane for negative input, which keeps the lanes apart).
    @inline(__always)
    static func rootOfMagnitude(_ x: GeneLanes) -> GeneLanes {
        var r = x
        for l in 0..<GeneLanes.scalarCount { r[l] = x[l].magnitude.squareRoot() }
        return r
    }

    /// `v + t x` in the lanes where `t` is not zero, `v` where it is
    /// (daxpy's early return); `anySkip` says whether some lane of `t` is zero.
    @inline(__always)
    static func update(_ v: GeneLanes, _ t: GeneLanes, _ x: GeneLanes, _ skip: GeneLaneMask, _ anySkip: Bool) -> GeneLanes {
        anySkip ? (v + t * x).replacing(with: v, where: skip) : v + t * x
    }

    /// One square `v * v` added to a dnrm2 sum (mid range), with
    /// `nrm2`'s flag for a nonzero value whose square is at most 2^-1022.
    @inline(__always)
    static func addSquare(_ v: GeneLanes, _ sum: inout GeneLanes, _ tiny: inout GeneLaneMask) {
        let sq = v * v
        tiny .|= (sq .<= 0x1p-1022) .& (v .!= 0)
        sum = sum + sq
    }

    /// `nrm2`'s result and flags from a finished sum of squares.
    @inline(__always)
    static func finishNorm(_ sum: GeneLanes, _ tiny: GeneLaneMask, _ bad: inout GeneLaneMask) -> GeneLanes {
        bad .|= tiny .| .!(sum .< 0x1p972)
        return rootOfMagnitude(sum)
    }

    /// Where `weightedFit` takes each row's weight from, with what screens
    /// dnrm2's small-value range for the weighted design (`x * sqrt(w)`)
    /// once instead of value by value (see `RowWeights.screen`).
    enum RowWeights {
        /// No weights (`lm.fit`); `tinyRows`: some nonzero design value has a
        /// square of at most 2^-1022.
        case none(tinyRows: Bool)
        /// The square roots of per-array weights, all finite and > 0;
        /// `tinyRows` as for `none`, of the scaled design values.
        case arrays(UnsafePointer<Double>, tinyRows: Bool)
        /// Each gene's own weights (lanes as the values); a lane whose
        /// smallest weight is below `smallestWeight` (`smallWeightBound`) is
        /// refitted by the scalar routines.
        case lanes(UnsafePointer<GeneLanes>, smallestWeight: Double)

        /// Whether some nonzero `x_ic * s_i` (`s` nil: 1) of the n x p
        /// column-major `x` has a square of at most 2^-1022 (dnrm2 would
        /// scale it), computed as the fit computes it.
        static func hasTinyRows(_ x: UnsafePointer<Double>, n: Int, p: Int, scales s: UnsafePointer<Double>?) -> Bool {
            for c in 0..<p {
                for i in 0..<n {
                    let v = s.map { x[c * n + i] * $0[i] } ?? x[c * n + i]
                    if v != 0 && v * v <= 0x1p-1022 { return true }
                }
            }
            return false
        }

        /// A weight bound B such that every nonzero `x_ic * sqrt(w)` with
        /// `w >= B` has a square above 2^-1022: with m the smallest nonzero
        /// `|x_ic|`, `B = 2^-1016 / m^2` (`m^2 w >= 2^-1016` leaves a factor
        /// 64 above 2^-1022 for the roundings of `sqrt`, the product and the
        /// square, each within a factor 1 + 2^-52). 0 when x has no nonzero
        /// value or m^2 overflows (then |x| sqrt(w) >= 2^511 * 2^-537 for any
        /// positive double w), infinite when m^2 underflows.
        static func smallWeightBound(_ x: UnsafePointer<Double>, count: Int) -> Double {
            var m = Double.infinity
            for k in 0..<count where x[k] != 0 { m = Swift.min(m, Swift.abs(x[k])) }
            if m == .infinity { return 0 }
            return 0x1p-1016 / (m * m)
        }
    }

    /// The lane scratch of `weightedFit`, carved from one region of
    /// `count(n:p:)` lanes in this order: X (n x p), y (n), qraux, work,
    /// coefficients, diagonal (p each), chol2inv's p x p, and n of scratch.
    struct LaneBuffers {
        let lx, ly, lqraux, lwork, lb, ldiag, lu, lscratch: UnsafeMutablePointer<GeneLanes>

        static func count(n: Int, p: Int) -> Int { n * p + 2 * n + 4 * p + p * p }

        init(_ base: UnsafeMutablePointer<GeneLanes>, n: Int, p: Int) {
            lx = base; ly = lx + n * p; lqraux = ly + n; lwork = lqraux + p
            lb = lwork + p; ldiag = lb + p; lu = ldiag + p; lscratch = lu + p * p
        }
    }

    /// What `weightedFit` returns besides the buffers' `lb` (pivoted
    /// coefficients) and `ldiag` (chol2inv's diagonal).
    struct WeightedFitResult {
        /// Lanes whose values are all finite and whose weights are all finite and > 0.
        var complete: GeneLaneMask
        /// Lanes the scalar routines must refit (see `decompose`).
        var bad: GeneLaneMask
        /// `rowMeans` of the values as given (NaN for a lane with a NaN), or
        /// the means the caller gave.
        var means: GeneLanes
        /// `sqrt(mean(effects[-(1:p)]^2))` (R's `mean`, refined).
        var sigma: GeneLanes
    }

    /// lm.wfit (or lm.fit) of the lanes' genes' values `y` (n rows) on the n x p
    /// column-major design `xd`, n > p, `p < 64`: rows of X and y times
    /// `sqrt(w)`, dqrdc2 (tol 1e-7, flagged instead of pivoting) with dqrsl's
    /// qty applied to y as an extra column, coefficients by back
    /// substitution, the diagonal of chol2inv, sigma. Uses the lane buffers
    /// `ws` (`lx`, `ly`, `lqraux`, `lwork`, `lb`, `ldiag`, `lu`, `lscratch`).
    /// Row i of y (and of lane weights) is `y[i * stride]` (a `copyBlock`
    /// block: `LaneLeastSquares.laneStride`). `means`, when given, must be the lanes' `rowMeans(na.rm = TRUE)` bit
    /// for bit (then the result is the same as without).
    ///
    /// Passes over the rows: one to load X, y and the first two column
    /// norms (with the completeness checks), the long-double sums of
    /// `rowMeans` (unless given), then per Householder step one to scale its vector and take
    /// the dot products with the later columns and y (the first two fused),
    /// one to update them (the first two fused with the next column's norm),
    /// and R's `mean` of the squared effects (two long-double passes). A
    /// column whose daxpy multiplier is zero in every lane (say, orthogonal
    /// to the Householder vector, as group indicators are) is only read for
    /// its norm. Each dot product and sum
    /// still runs in index order from +0, as ddot/dnrm2 do; a column's
    /// update in step l is dqrdc2's daxpy, y's is dqrsl's (the same vector,
    /// whose first element is `qraux[l]` in both).
    static func weightedFit(_ y: UnsafePointer<GeneLanes>, _ weights: RowWeights, design xd: UnsafePointer<Double>,
                            n: Int, p: Int, ws: LaneBuffers, means known: GeneLanes? = nil,
                            stride: Int = 1) -> WeightedFitResult {
        let a = ws.lx, qy = ws.ly, qraux = ws.lqraux, work = ws.lwork
        var bad = GeneLaneMask(repeating: false)
        let zero = GeneLanes(repeating: 0)
        // rowMeans first (unless the caller knows them): a lane's long-double
        // sum of finite doubles is finite, so its mean is finite only if every
        // value is (a mean that rounds to infinity merely sends the lane to the
        // scalar routines). Known means (`na.rm = TRUE`) may be finite for a
        // lane with a NaN: such lanes are found from sigma at the end.
        let means = known ?? longDoubleMeans(y, n, refine: false, stride: stride)
        var complete = (means - means) .== 0
        // Pass 0: load X and y, norms of columns 0 and 1, the weights' checks
        // (finite when `w * 0` is zero, so a lane's sum of those is zero
        // exactly when all are; the smallest). dnrm2's small-value range is
        // screened once (`RowWeights`), not per value. Columns from 2 on are
        // loaded after (the row scales kept in `lscratch`).
        var norm0 = zero, norm1 = zero
        let x1 = p > 1 ? xd + n : xd
        let scales = ws.lscratch
        /// Row i of y and of columns 0 and 1 times `sw`, and their squares into the norms.
        @inline(__always) func loadRow(_ i: Int, _ sw: GeneLanes, _ norm0: inout GeneLanes, _ norm1: inout GeneLanes) {
            qy[i] = y[i * stride] * sw
            let c0 = GeneLanes(repeating: xd[i]) * sw
            a[i] = c0
            norm0 = norm0 + c0 * c0
            if p > 1 {
                let c1 = GeneLanes(repeating: x1[i]) * sw
                a[n + i] = c1
                norm1 = norm1 + c1 * c1
            }
        }
        switch weights {
        case .none(let tinyRows):
            for i in 0..<n {
                qy[i] = y[i * stride]
                let c0 = GeneLanes(repeating: xd[i])
                a[i] = c0
                norm0 = norm0 + c0 * c0
                if p > 1 {
                    let c1 = GeneLanes(repeating: x1[i])
                    a[n + i] = c1
                    norm1 = norm1 + c1 * c1
                }
            }
            for c in 2..<Swift.max(p, 2) { for i in 0..<n { a[c * n + i] = GeneLanes(repeating: xd[c * n + i]) } }
            if tinyRows { bad = GeneLaneMask(repeating: true) }
        case .arrays(let roots, let tinyRows):
            for i in 0..<n { loadRow(i, GeneLanes(repeating: roots[i]), &norm0, &norm1) }
            for c in 2..<Swift.max(p, 2) { for i in 0..<n { a[c * n + i] = GeneLanes(repeating: xd[c * n + i]) * GeneLanes(repeating: roots[i]) } }
            if tinyRows { bad = GeneLaneMask(repeating: true) }
        case .lanes(let w, let smallestWeight):
            var zeroW = zero, minW = GeneLanes(repeating: 1)
            for i in 0..<n {
                let wv = w[i * stride]
                zeroW = zeroW + wv * 0
                for l in 0..<GeneLanes.scalarCount { minW[l] = Swift.min(minW[l], wv[l]) }
                // Lanes with a weight <= 0 are not complete, so |w| changes no kept result.
                let sw = rootOfMagnitude(wv)
                if p > 2 { scales[i] = sw }
                loadRow(i, sw, &norm0, &norm1)
            }
            for c in 2..<Swift.max(p, 2) { for i in 0..<n { a[c * n + i] = GeneLanes(repeating: xd[c * n + i]) * scales[i] } }
            complete .&= (zeroW .== 0) .& (minW .> 0)
            bad .|= .!(minW .>= smallestWeight)
        }
        // Column norms (dqrdc2's qraux and work).
        for j in 0..<p {
            let q: GeneLanes
            switch j {
            case 0: q = finishNorm(norm0, GeneLaneMask(repeating: false), &bad)
            case 1: q = finishNorm(norm1, GeneLaneMask(repeating: false), &bad)
            default: q = nrm2(n, a + j * n, &bad)
            }
            qraux[j] = q
            work[j] = q.replacing(with: 1, where: q .== 0)
        }
        // Householder steps; `nextNorm` is column l's norm over rows l..<n.
        var nextNorm = qraux[0]
        for l in 0..<p {
            bad .|= .!(qraux[l] .>= work[l] * 1e-7)
            let m = n - l
            let xl = a + l * n + l
            var nrmxl = nextNorm
            bad .|= nrmxl .== 0
            let x0 = xl[0]
            nrmxl = nrmxl.replacing(with: -nrmxl, where: x0 .< 0)
            let s = 1.0 / nrmxl
            let first = 1.0 + s * x0
            xl[0] = first
            bad .|= first .== 0
            // Targets: columns l+1..<p, then y, all from row l.
            let ntargets = p - l
            @inline(__always) func target(_ k: Int) -> UnsafeMutablePointer<GeneLanes> {
                k < ntargets - 1 ? a + (l + 1 + k) * n + l : qy + l
            }
            // Pass A: scale the Householder vector; dot products with the first two targets.
            let ta = target(0)
            var d0 = zero + first * ta[0]
            var ts: (GeneLanes, GeneLanes) = (zero, zero)
            if ntargets >= 2 {
                let tb = target(1)
                var d1 = zero + first * tb[0]
                for i in 1..<m {
                    let v = s * xl[i]
                    xl[i] = v
                    d0 = d0 + v * ta[i]
                    d1 = d1 + v * tb[i]
                }
                ts = (-d0 / first, -d1 / first)
            } else {
                for i in 1..<m {
                    let v = s * xl[i]
                    xl[i] = v
                    d0 = d0 + v * ta[i]
                }
                ts.0 = -d0 / first
            }
            // Later targets: their own dot products and updates (no fusing).
            if ntargets > 2 {
                for k in 2..<ntargets {
                    let tk = target(k)
                    let t = -dot(m, xl, tk) / first
                    let skip = t .== 0
                    tk[0] = (tk[0] + t * first).replacing(with: tk[0], where: skip)
                    axpy(m - 1, t, xl + 1, tk + 1)
                }
            }
            // Pass B: update the first two targets.
            let skipA = ts.0 .== 0, anyA = any(skipA)
            ta[0] = update(ta[0], ts.0, first, skipA, anyA)
            if l < p - 1 {
                // ta is column l+1: its norm over rows l+1..<n on the way.
                var ns = zero
                var tiny = GeneLaneMask(repeating: false)
                if ntargets >= 2 {
                    let tb = target(1)
                    let skipB = ts.1 .== 0, anyB = any(skipB)
                    tb[0] = update(tb[0], ts.1, first, skipB, anyB)
                    if all(skipA) && !anyB {
                        // Column l+1 is left alone in every lane (its t is zero: daxpy
                        // returns at once; e.g. a column orthogonal to this one, as
                        // with `~0 + group` designs): only its norm, and y's update.
                        for i in 1..<m {
                            let xv = xl[i]
                            addSquare(ta[i], &ns, &tiny)
                            tb[i] = tb[i] + ts.1 * xv
                        }
                    } else if anyA || anyB {
                        for i in 1..<m {
                            let xv = xl[i]
                            let va = update(ta[i], ts.0, xv, skipA, anyA)
                            ta[i] = va
                            addSquare(va, &ns, &tiny)
                            tb[i] = update(tb[i], ts.1, xv, skipB, anyB)
                        }
                    } else {
                        // No lane skips (the usual case): the same sums without the selects.
                        for i in 1..<m {
                            let xv = xl[i]
                            let va = ta[i] + ts.0 * xv
                            ta[i] = va
                            addSquare(va, &ns, &tiny)
                            tb[i] = tb[i] + ts.1 * xv
                        }
                    }
                }
                nextNorm = finishNorm(ns, tiny, &bad)
            } else {
                // ta is y in the last step: the squares of the effects (rows p..<n) on the way.
                if anyA {
                    for i in 1..<m {
                        let v = update(ta[i], ts.0, xl[i], skipA, anyA)
                        ta[i] = v
                        ws.lscratch[i - 1] = v * v
                    }
                } else {
                    for i in 1..<m {
                        let v = ta[i] + ts.0 * xl[i]
                        ta[i] = v
                        ws.lscratch[i - 1] = v * v
                    }
                }
            }
            // dqrdc2's norm downdates for the columns after l (row l of each).
            for j in (l + 1)..<Swift.max(p, l + 1) {
                let qj = qraux[j]
                let live = qj .!= 0
                let r = magnitude(a[j * n + l]) / qj
                var tt = 1.0 - r * r
                tt = tt.replacing(with: 0, where: tt .< 0)
                bad .|= live .& .!(magnitude(tt) .>= 1e-6)
                qraux[j] = (qj * rootOfMagnitude(tt)).replacing(with: qj, where: .!live)
            }
            qraux[l] = first
            xl[0] = -nrmxl
        }
        // Coefficients: back substitution on the p x p triangle.
        bad .|= backSubstitute(a, n: n, k: p, qty: qy, b: ws.lb)
        bad .|= chol2invDiagonal(a, lda: n, size: p, u: ws.lu, diag: ws.ldiag)
        // sigma: R's mean of the squared effects (long-double sum, then the refinement pass).
        let sigma = longDoubleMeans(ws.lscratch, n - p, refine: true).squareRoot()
        if known != nil {
            // A value that is not finite (the weights being finite and > 0)
            // makes every effect from its Householder step on not finite (its
            // dot product is not, so neither is any update, `t * 0` included),
            // so sigma is not finite: such lanes, and any whose squared
            // effects overflow (which the scalar routines fit to the same
            // bits), are left to the scalar routines.
            complete .&= (sigma - sigma) .== 0
        }
        return WeightedFitResult(complete: complete, bad: bad, means: means, sigma: sigma)
    }

    /// dqrsl's qty and coef for the lanes' genes on one QR shared by all (the
    /// one-QR lm.fit): `y` (n rows, already transformed) is overwritten with
    /// Q'y and the first `k` (the rank) pivoted coefficients go to `b`; the
    /// mean of the squared effects from row k on (R's long-double
    /// `colMeans`, with `refine` `mean`'s second pass) is returned, NaN when
    /// k = n. `qr` is the n x p compact QR (scalars, column-major), `qraux`
    /// its first Householder elements; `min(k, n - 1) > 0`, every `qraux[j]`
    /// (j below that) and every diagonal element up to k nonzero.
    /// `scratch` holds n lanes.
    ///
    /// Reflection j is `y[j...] += t_j u_j` with `t_j = -(u_j'y[j...]) / qraux[j]`
    /// (u_j the Householder vector with `qraux[j]` first, a lane with `t_j`
    /// zero left alone); the pass that applies reflection j also takes the
    /// dot product of reflection j + 1 (over rows j + 1..<n, in index order,
    /// from +0), and the first dot product comes with the row scaling
    /// `scale` (when given, y times it first), so k reflections take k + 1
    /// passes instead of 2k. With `source`, y's values are read from
    /// `source[i * stride]` in that first pass (a `copyBlock` block) and `y`
    /// is only the place for Q'y. With `valueSums`, the long-double sums of
    /// y's values as given (before any scaling: `rowMeans`' sums,
    /// `LongDoubleSums.means` finishes them) are left there. Where
    /// `LongDoubleSums.fused` (four lanes) the first pass takes them, and the
    /// last reflection's pass the squared effects' sums; with eight lanes
    /// (too many x87 sums to keep beside the loop's values) both are summed
    /// after, from the values and the stored squares, in the same order.
    static func sharedFit(_ y: UnsafeMutablePointer<GeneLanes>, from source: UnsafePointer<GeneLanes>? = nil, stride: Int = 1,
                          n: Int, rank k: Int, qr: UnsafePointer<Double>,
                          qraux: UnsafePointer<Double>, scale: UnsafePointer<Double>?, refine: Bool,
                          b: UnsafeMutablePointer<GeneLanes>, scratch: UnsafeMutablePointer<GeneLanes>,
                          valueSums: UnsafeMutablePointer<LongDoubleSums>? = nil) -> GeneLanes {
        let ju = Swift.min(k, n - 1)
        let zero = GeneLanes(repeating: 0)
        let src = source ?? UnsafePointer(y), st = source == nil ? 1 : stride
        let values = UnsafeRawPointer(src).assumingMemoryBound(to: Double.self)
        var sums = LongDoubleSums()
        // Pass 0: the scaling and reflection 0's dot product (and the values'
        // sums when `summing`; inlined with a constant, so no test per row).
        @inline(__always) func pass0(_ summing: Bool) -> GeneLanes {
            var d: GeneLanes
            if let scale {
                let v0 = src[0] * GeneLanes(repeating: scale[0])
                if summing { sums.add(values) }
                y[0] = v0
                d = zero + GeneLanes(repeating: qraux[0]) * v0
                for i in 1..<n {
                    let v = src[i * st] * GeneLanes(repeating: scale[i])
                    if summing { sums.add(values + GeneLanes.scalarCount * st * i) }
                    y[i] = v
                    d = d + GeneLanes(repeating: qr[i]) * v
                }
            } else {
                let v0 = src[0]
                if summing { sums.add(values) }
                y[0] = v0
                d = zero + GeneLanes(repeating: qraux[0]) * v0
                for i in 1..<n {
                    let v = src[i * st]
                    if summing { sums.add(values + GeneLanes.scalarCount * st * i) }
                    y[i] = v
                    d = d + GeneLanes(repeating: qr[i]) * v
                }
            }
            return d
        }
        var d = valueSums == nil || !LongDoubleSums.fused ? pass0(false) : pass0(true)
        if let valueSums { valueSums.pointee = LongDoubleSums.fused ? sums : LongDoubleSums(summing: src, n, stride: st) }
        // The long-double sums of the squared effects, taken in the last reflection's pass.
        var squareSums = LongDoubleSums()
        for j in 0..<ju {
            let qj = GeneLanes(repeating: qraux[j])
            let t = -d / qj
            let skip = t .== 0, anySkip = any(skip)
            let u = qr + j * n
            y[j] = update(y[j], t, qj, skip, anySkip)
            if j + 1 < ju {
                // Reflection j on rows j+1..<n, and reflection j+1's dot product.
                let un = qr + (j + 1) * n
                let v1 = update(y[j + 1], t, GeneLanes(repeating: u[j + 1]), skip, anySkip)
                y[j + 1] = v1
                var dn = zero + GeneLanes(repeating: qraux[j + 1]) * v1
                if anySkip {
                    for i in (j + 2)..<Swift.max(n, j + 2) {
                        let v = update(y[i], t, GeneLanes(repeating: u[i]), skip, anySkip)
                        y[i] = v
                        dn = dn + GeneLanes(repeating: un[i]) * v
                    }
                } else {
                    for i in (j + 2)..<Swift.max(n, j + 2) {
                        let v = y[i] + t * GeneLanes(repeating: u[i])
                        y[i] = v
                        dn = dn + GeneLanes(repeating: un[i]) * v
                    }
                }
                d = dn
            } else {
                // The last reflection; the squares of the effects from row k on.
                for i in (j + 1)..<Swift.max(k, j + 1) { y[i] = update(y[i], t, GeneLanes(repeating: u[i]), skip, anySkip) }
                let sq = UnsafeRawPointer(scratch).assumingMemoryBound(to: Double.self)
                if anySkip {
                    for i in Swift.max(k, j + 1)..<Swift.max(n, k, j + 1) {
                        let v = update(y[i], t, GeneLanes(repeating: u[i]), skip, anySkip)
                        y[i] = v
                        scratch[i - k] = v * v
                        if LongDoubleSums.fused { squareSums.add(sq + GeneLanes.scalarCount * (i - k)) }
                    }
                } else {
                    for i in Swift.max(k, j + 1)..<Swift.max(n, k, j + 1) {
                        let v = y[i] + t * GeneLanes(repeating: u[i])
                        y[i] = v
                        scratch[i - k] = v * v
                        if LongDoubleSums.fused { squareSums.add(sq + GeneLanes.scalarCount * (i - k)) }
                    }
                }
            }
        }
        // Coefficients: back substitution (dqrsl's dtrsl-like loop with daxpy).
        for i in 0..<k { b[i] = y[i] }
        var j = k - 1
        while j >= 0 {
            b[j] = b[j] / GeneLanes(repeating: qr[j * n + j])
            if j > 0 {
                let t = -b[j], skip = t .== 0, anySkip = any(skip)
                for i in 0..<j { b[i] = update(b[i], t, GeneLanes(repeating: qr[j * n + i]), skip, anySkip) }
            }
            j -= 1
        }
        guard k < n else { return GeneLanes(repeating: .nan) }
        if !LongDoubleSums.fused { squareSums = LongDoubleSums(summing: scratch, n - k) }
        return squareSums.means(of: scratch, n - k, refine: refine)
    }
}
