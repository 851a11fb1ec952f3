// limma's lmFit: a linear model for each row of an expression matrix, by
// ordinary or weighted least squares (lm.series) or, with a blocking factor
// and an intra-block correlation, by generalised least squares (gls.series).

import LimmaAVX512

/// Fits `y_g = X beta_g + e_g` for every gene g (row of `y`), as limma's
/// `lmFit(object, design, weights, block, correlation, method = "ls")`.
///
/// - No block (`lm.series`): when every value is finite and there are no
///   gene-specific weights, one QR of the design (weighted by the square roots
///   of the array weights, if any) serves all genes, as R's
///   `lm.fit(design, t(M))` does; then `sigma = sqrt(colMeans(effects[-(1:rank), ]^2))`.
///   Otherwise each gene is fitted on its finite observations with `lm.fit`
///   (or `lm.wfit`, weights `w`: rows of X and y multiplied by `sqrt(w)`);
///   weights `<= 0` or missing make the observation missing;
///   `sigma = sqrt(mean(effects[-(1:rank)]^2))`, `df.residual = n_obs - rank`.
/// - With `block` and `correlation` (`gls.series`): V has 1 on the diagonal
///   and `correlation` between arrays of the same block, scaled by
///   `1/sqrt(w)` on both sides when weighted; with C = chol(V) (upper), the
///   model `C^-T y = C^-T X beta` is fitted by least squares.
///
/// Non-estimable coefficients (rank-deficient designs, LINPACK pivoting at
/// tol 1e-7) are NaN (R's NA) in `coefficients` and `stdevUnscaled`.
/// `stdevUnscaled` holds `sqrt(diag((R'R)^-1))` of each gene's fit;
/// `covCoefficients` is `(R'R)^-1` of the full (unweighted) design, over the
/// estimable coefficients in pivoted order. `Amean` is `rowMeans(y, na.rm = TRUE)`.
///
/// Warnings returned (R prints them): `Coefficients not estimable: ...`
/// (lmFit prints it with `cat`) and `Partial NA coefficients for N probe(s)`.
///
/// Errors as R's: zero rows, design rows != arrays, NA in design,
/// block without correlation, |correlation| >= 1, weights of the wrong shape,
/// a gene whose observed design rows are all zero (R's chol2inv size error).
/// `method = "robust"` fits each gene by limma's `mrlm` (MASS::rlm, Huber
/// M-estimation; see `LinearModelFit.mrlm`), ignoring block and correlation.
public func lmFit(_ y: Matrix, design: Matrix, weights: Matrix? = nil, block: [String]? = nil,
                  correlation: Double? = nil, method: String = "ls") throws -> MArrayLM {
    try LinearModelFit.fit(exprs: y, design: design, weights: weights, genes: nil, block: block,
                           correlation: correlation, method: method)
}

/// `lmFit` for an `EList`: its `E` is the response, its `design` is used when
/// `design` is nil (else an intercept-only design), its `weights` when
/// `weights` is nil; its `genes` travel into the fit. `Amean` is the
/// `EList`'s remembered `rowMeans(E, na.rm = TRUE)` when it has one (voom's).
public func lmFit(_ y: EList, design: Matrix? = nil, weights: Matrix? = nil, block: [String]? = nil,
                  correlation: Double? = nil, method: String = "ls") throws -> MArrayLM {
    try LinearModelFit.fit(exprs: y.E, design: design ?? y.design, weights: weights ?? y.weights, genes: y.genes,
                           block: block, correlation: correlation, method: method,
                           rowMeans: y.rowMeansOfE?.count == y.E.nrow ? y.rowMeansOfE : nil)
}

/// limma's `nonEstimable(x)`: names of the design columns LINPACK pivoting
/// leaves out (column numbers for unnamed columns), or nil when x has full
/// column rank.
public func nonEstimable(_ x: Matrix) -> [String]? {
    let p = x.ncol
    let qr = QRDecomposition(x)
    guard qr.rank < p else { return nil }
    return (qr.rank..<p).map { k in
        let j = qr.pivot[k]
        let name = x.colNames?[j] ?? String(j + 1)
        return name.isEmpty ? String(k + 1) : name
    }
}

enum LinearModelFit {
    /// `rowMeans`, when given, is `rowMeans(exprs, na.rm = TRUE)` (bit for
    /// bit): the fit's `Amean`, and the gene-by-gene fits take no pass of their own for it.
    static func fit(exprs: Matrix, design: Matrix?, weights: Matrix?, genes: Annotation?, block: [String]?,
                    correlation: Double?, method: String, rowMeans: [Double]? = nil) throws -> MArrayLM {
        let fn = "lmFit"
        guard exprs.nrow > 0 else { throw LimmaError(fn, "expression matrix has zero rows") }
        guard exprs.ncol > 0 else { throw LimmaError(fn, "0 (non-NA) cases: the expression matrix has no columns") }
        if let g = genes, !g.isEmpty, g.count != exprs.nrow {
            throw LimmaError(fn, "genes has \(g.count) rows but the expression matrix has \(exprs.nrow)")
        }
        let design = design ?? Matrix(nrow: exprs.ncol, ncol: 1, repeating: 1)
        guard design.nrow == exprs.ncol else {
            throw LimmaError(fn, "row dimension of design doesn't match column dimension of data object (design has \(design.nrow) rows, data has \(exprs.ncol) columns)")
        }
        guard design.ncol > 0 else { throw LimmaError(fn, "design matrix has no columns") }
        if design.values.contains(where: { $0.isNaN }) { throw LimmaError(fn, "NAs not allowed in design matrix") }
        if design.values.contains(where: { !$0.isFinite }) { throw LimmaError(fn, "NA/NaN/Inf in 'x' (the design matrix has an infinite value)") }
        let m = try matchMethod(method)
        var warnings: [LimmaWarning] = []
        if let ne = nonEstimable(design) {
            warnings.append(LimmaWarning(fn, "Coefficients not estimable: " + ne.joined(separator: " ")))
        }
        var fit: MArrayLM
        if m == "robust" {
            // As limma: robust regression ignores block and correlation.
            fit = try mrlm(exprs, design: design, weights: weights)
            warnings += fit.warnings
        } else if let block {
            guard let correlation else { throw LimmaError(fn, "the correlation must be set, see duplicateCorrelation") }
            fit = try glsSeries(exprs, design: design, block: block, correlation: correlation, weights: weights)
        } else {
            fit = try lmSeries(exprs, design: design, weights: weights, rowMeans: rowMeans)
        }
        let ncoef = fit.coefficients.ncol
        if ncoef > 1 {
            var partial = 0
            for i in 0..<fit.coefficients.nrow {
                var na = 0
                for j in 0..<ncoef where fit.coefficients[i, j].isNaN { na += 1 }
                if na > 0 && na < ncoef { partial += 1 }
            }
            if partial > 0 { warnings.append(LimmaWarning(fn, "Partial NA coefficients for \(partial) probe(s)")) }
        }
        fit.genes = genes
        // lm.series' fits compute rowMeans(exprs, na.rm = TRUE) on the way.
        if let rowMeans { fit.Amean = rowMeans } else if fit.Amean == nil { fit.Amean = RBase.rowMeans(exprs, naRM: true) }
        fit.method = m
        fit.design = design
        fit.warnings = warnings
        return fit
    }

    /// R's `match.arg(method, c("ls", "robust"))` (partial matching).
    static func matchMethod(_ method: String) throws -> String {
        let choices = ["ls", "robust"]
        if choices.contains(method) { return method }
        let hits = choices.filter { !method.isEmpty && $0.hasPrefix(method) }
        if hits.count == 1 { return hits[0] }
        throw LimmaError("lmFit", "'arg' should be one of \u{201C}ls\u{201D}, \u{201C}robust\u{201D} (got \"\(method)\")")
    }

    /// Where lm.series takes each observation's weight from: nowhere, one
    /// weight per array, or a full genes x arrays matrix (limma's
    /// `asMatrixWeights` without expanding array weights to a matrix).
    enum ObservationWeights {
        case none
        case array([Double])
        case full(Matrix)
    }

    /// limma's `asMatrixWeights(weights, dim)` as an `ObservationWeights`:
    /// a full matrix, a row of array weights, a column of gene weights or a
    /// single value (the last two expanded to a full matrix).
    static func weightSource(_ w: Matrix?, nrow: Int, ncol: Int, function: String) throws -> ObservationWeights {
        guard let w else { return .none }
        if w.nrow == nrow && w.ncol == ncol { return .full(w) }
        guard Swift.min(w.nrow, w.ncol) == 1 else {
            throw LimmaError(function, "weights is of unexpected shape (\(w.nrow) x \(w.ncol); data is \(nrow) x \(ncol))")
        }
        if w.ncol > 1 && w.ncol == ncol { return .array(w.values) }
        let lw = w.values.count
        if lw == 1 || lw == nrow {
            var out = Matrix(nrow: nrow, ncol: ncol)
            for k in 0..<(nrow * ncol) { out.values[k] = w.values[k % lw] }
            return .full(out)
        }
        if lw == ncol { return .array(w.values) }
        throw LimmaError(function, "weights is of unexpected size (\(lw) values; data is \(nrow) x \(ncol))")
    }

    /// limma's `asMatrixWeights(weights, dim)`: a full genes x arrays weight
    /// matrix from a full matrix, a row of array weights (flagged), a column
    /// of gene weights, or a single value.
    static func asMatrixWeights(_ w: Matrix, nrow: Int, ncol: Int, function: String) throws -> (weights: Matrix, arrayWeights: Bool) {
        switch try weightSource(w, nrow: nrow, ncol: ncol, function: function) {
        case .none: return (w, false)
        case .full(let m): return (m, false)
        case .array(let v):
            var out = Matrix(nrow: nrow, ncol: ncol)
            for j in 0..<ncol { for i in 0..<nrow { out[i, j] = v[j] } }
            return (out, true)
        }
    }

    static func coefficientNames(_ design: Matrix) -> [String] {
        design.colNames ?? (1...design.ncol).map { "x\($0)" }
    }

    /// `cov.coefficients`, `pivot`, `rank` from the QR of `x`.
    static func covariance(_ qr: QRDecomposition, names: [String], function: String) throws -> Matrix {
        var cov = try RLinAlg.chol2inv(qr.qr, size: qr.rank, function: function)
        let est = qr.pivot[0..<qr.rank].map { names[$0] }
        cov.rowNames = est
        cov.colNames = est
        return cov
    }

    /// What the one-QR fit does to each gene's values before least squares.
    enum RowTransform {
        /// Nothing (`lm.fit(X, t(M))`).
        case none
        /// Value j times `s[j]` (the square roots of the array weights).
        case scale([Double])
        /// `backsolve(U, y, transpose = TRUE)`: solves `U' z = y` for the
        /// upper-triangular n x n `U` (gls.series' `chol(V)`), as BLAS dtrsm
        /// ("L", "U", "T", "N", alpha 1) does for each column.
        case backsolve(Matrix)
    }

    /// The one-QR fit shared by lm.series and gls.series when no value is
    /// missing and weights (if any) are per array: R's `lm.fit(x, Y)` with
    /// `Y` the transformed `t(M)`, then
    /// `sigma = sqrt(colMeans(effects[-(1:rank), ]^2))` (`mean` for one gene).
    /// Also sets `Amean` (`rowMeans(M)`). Returns nil, having done nothing
    /// the caller keeps, when some value of `M` is not finite (the caller
    /// then fits gene by gene).
    ///
    /// Genes go in blocks (`LaneLeastSquares.copyBlock`, no transposed
    /// copy of M), `GeneLanes.scalarCount` at a time through the lane form of
    /// dqrsl with the shared QR broadcast to every lane, in parallel over
    /// blocks: the same operations as dqrsl on each column, so bit-identical.
    static func commonFit(_ M: Matrix, transform: RowTransform, x: Matrix, names: [String], function: String) throws -> MArrayLM? {
        let n = x.nrow, p = x.ncol, ngenes = M.nrow
        let qr = QRDecomposition(x)
        let rank = qr.rank
        let ju = Swift.min(rank, n - 1)
        // The lane dqrsl covers every case but degenerate QRs (a zero qraux
        // or diagonal, nothing to reflect); those take the matrix route.
        let laneable = ju > 0 && (0..<ju).allSatisfy { qr.qraux[$0] != 0 } && (0..<rank).allSatisfy { qr.qr[$0, $0] != 0 }
        guard laneable else {
            if M.values.contains(where: { !$0.isFinite }) { return nil }
            var yt = M.transposed
            switch transform {
            case .none: break
            case .scale(let s): for g in 0..<ngenes { for i in 0..<n { yt[i, g] = yt[i, g] * s[i] } }
            case .backsolve(let u): yt = try RLinAlg.backsolve(u, yt, transpose: true, function: function)
            }
            return try commonFitMatrix(yt: yt, qr: qr, rowNames: M.rowNames, names: names, function: function)
        }
        let width = LaneLeastSquares.width, blockGenes = LaneLeastSquares.blockGenes
        let nblocks = (ngenes + blockGenes - 1) / blockGenes
        var coef = Matrix(nrow: ngenes, ncol: p, repeating: .nan, rowNames: M.rowNames, colNames: names)
        var sigma = [Double](repeating: .nan, count: ngenes)
        var amean = [Double](repeating: .nan, count: ngenes)
        let df = n - rank
        let refine = ngenes == 1
        // The shared QR, broadcast to all lanes once.
        let shared = LeastSquaresWorkspace(n: n, p: p)
        for v in 0..<(n * p) { shared.lx[v] = GeneLanes(repeating: qr.qr.values[v]) }
        for j in 0..<p { shared.lqraux[j] = GeneLanes(repeating: qr.qraux[j]) }
        let nonFinite = RaisedFlag()
        var scale: [Double] = [], upper: [Double] = []
        switch transform {
        case .none: break
        case .scale(let s): scale = s
        case .backsolve(let u): upper = u.values
        }
        // Eight genes at a time in LimmaAVX512 (the same sharedFit) where the
        // processor has AVX-512; gls.series' backsolve stays on four lanes.
        let wide = upper.isEmpty && AVX512Kernels.enabled
        // The shared QR, its qraux and the row scales as scalars (broadcast when used).
        let qrValues = UncheckedBox(UnsafeMutablePointer<Double>.allocate(capacity: n * p + p + n))
        defer { qrValues.value.deallocate() }
        for v in 0..<(n * p) { qrValues.value[v] = qr.qr.values[v] }
        for j in 0..<p { qrValues.value[n * p + j] = qr.qraux[j] }
        for i in 0..<n { qrValues.value[n * p + p + i] = scale.isEmpty ? 1 : scale[i] }
        M.values.withUnsafeBufferPointer { mb in
            coef.values.withUnsafeMutableBufferPointer { cb in
                sigma.withUnsafeMutableBufferPointer { sb in
                    amean.withUnsafeMutableBufferPointer { ab in
                        let io = UncheckedBox((mb, cb, sb, ab, shared, scale, upper, qr.pivot))
                        LimmaThreads.forEachChunk(nblocks, minChunk: Swift.max(1, 8192 / Swift.max(n * blockGenes, 1))) { blocks in
                            let (mb, cb, sb, ab, shared, scale, upper, pivot) = io.value
                            let ws = LeastSquaresWorkspace(n: n, p: p, wide: wide)
                            let qrb = qrValues.value, qab = qrValues.value + n * p, scb = qrValues.value + n * p + p
                            /// Eight genes from `g` (two four-lane groups from q) through LimmaAVX512's sharedFit.
                            func fitWide(_ q: Int, _ g: Int, _ count: Int) -> Bool {
                                let out = ws.wideResults!
                                let coef = out, means = out + 8 * p, ms = means + 8
                                avx512LeastSquaresSharedFit(UnsafeRawPointer(ws.blockY + q), stride: LaneLeastSquares.laneStride / 2, n: n, p: p,
                                                            rank: rank, qr: qrb, qraux: qab, scale: scale.isEmpty ? nil : scb, refine: refine,
                                                            scratch: ws.wideLanes!, coefficients: coef, means: means, meanSquares: ms)
                                // As `finiteMeans`: a mean that is not finite is checked value by value.
                                if !(0..<8).allSatisfy({ means[$0].isFinite }) {
                                    for h in 0..<2 {
                                        let source = ws.blockY + q + h
                                        var finite = GeneLaneMask(repeating: true)
                                        for i in 0..<n { finite .&= (source[i * LaneLeastSquares.laneStride] - source[i * LaneLeastSquares.laneStride]) .== 0 }
                                        if !all(finite) {
                                            nonFinite.raise()
                                            return false
                                        }
                                    }
                                }
                                for l in 0..<count {
                                    for j in 0..<rank { cb[pivot[j] * ngenes + g + l] = coef[8 * j + l] }
                                    sb[g + l] = df > 0 ? ms[l].squareRoot() : .nan
                                    ab[g + l] = means[l]
                                }
                                return true
                            }
                            for blk in blocks {
                                if nonFinite.isRaised { return }
                                let g0 = blk * blockGenes, bcount = Swift.min(blockGenes, ngenes - g0)
                                LaneLeastSquares.copyBlock(mb.baseAddress!, ngenes: ngenes, n: n, g0: g0, count: bcount, into: ws.blockY,
                                                           lanes: wide ? 8 : width)
                                if wide {
                                    for q8 in 0..<((bcount + 7) / 8) where !fitWide(2 * q8, g0 + 8 * q8, Swift.min(8, bcount - 8 * q8)) { return }
                                    continue
                                }
                                for q in 0..<((bcount + width - 1) / width) {
                                    // The group's values (row i at `source[i * stride]`), and Q'y in `ly`.
                                    let source = UnsafePointer(ws.blockY + q), stride = LaneLeastSquares.laneStride
                                    let y = ws.ly
                                    let count = Swift.min(width, bcount - q * width)
                                    // rowMeans (sums taken in sharedFit's first pass, or a pass of
                                    // their own): a lane's long-double sum of finite values is
                                    // finite; a mean that is not finite is checked value by value,
                                    // and a value that is not finite gives up the whole fit.
                                    var sums = LaneLeastSquares.LongDoubleSums()
                                    func finiteMeans() -> GeneLanes? {
                                        let means = sums.means(of: source, n, refine: false, stride: stride)
                                        if !all((means - means) .== 0) {
                                            var finite = GeneLaneMask(repeating: true)
                                            for i in 0..<n { finite .&= (source[i * stride] - source[i * stride]) .== 0 }
                                            if !all(finite) {
                                                nonFinite.raise()
                                                return nil
                                            }
                                        }
                                        return means
                                    }
                                    let s: GeneLanes, means: GeneLanes
                                    if upper.isEmpty {
                                        let ms = LaneLeastSquares.sharedFit(y, from: source, stride: stride, n: n, rank: rank, qr: qrb, qraux: qab,
                                                                            scale: scale.isEmpty ? nil : scb, refine: refine, b: ws.lb, scratch: ws.lscratch,
                                                                            valueSums: &sums)
                                        guard let m = finiteMeans() else { return }
                                        means = m
                                        s = df > 0 ? ms.squareRoot() : GeneLanes(repeating: .nan)
                                    } else {
                                        let x = UnsafeRawPointer(source).assumingMemoryBound(to: Double.self)
                                        for i in 0..<n { sums.add(x + 4 * stride * i) }
                                        guard let m = finiteMeans() else { return }
                                        means = m
                                        // dtrsm("L", "U", "T", "N"): z_i = (y_i - sum_{k<i} U_ki z_k) / U_ii.
                                        for i in 0..<n { y[i] = source[i * stride] }
                                        for i in 0..<n {
                                            var t = y[i]
                                            for k in 0..<i { t = t - upper[i * n + k] * y[k] }
                                            y[i] = t / upper[i * n + i]
                                        }
                                        _ = LaneLeastSquares.solve(shared.lx, n: n, k: rank, qraux: shared.lqraux, qty: y, b: ws.lb)
                                        s = df > 0
                                            ? LaneLeastSquares.meanOfSquares(y, from: rank, to: n, refine: refine, scratch: ws.lscratch).squareRoot()
                                            : GeneLanes(repeating: .nan)
                                    }
                                    for l in 0..<count {
                                        let g = g0 + q * width + l
                                        for j in 0..<rank { cb[pivot[j] * ngenes + g] = ws.lb[j][l] }
                                        sb[g] = s[l]
                                        ab[g] = means[l]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if nonFinite.isRaised { return nil }
        var fit = try commonFitResult(coef: coef, sigma: sigma, qr: qr, rowNames: M.rowNames, names: names, function: function)
        fit.Amean = amean
        return fit
    }

    /// The one-QR fit on an explicit arrays x genes response (`lm.fit(x, yt)`
    /// through `QRDecomposition.leastSquares`), for QRs the lanes do not take.
    static func commonFitMatrix(yt: Matrix, qr: QRDecomposition, rowNames: [String]?, names: [String], function: String) throws -> MArrayLM {
        let n = yt.nrow, ngenes = yt.ncol
        let ls = qr.leastSquares(yt)
        let rank = qr.rank
        let df = n - rank
        var sigma = [Double](repeating: .nan, count: ngenes)
        if df > 0 {
            ls.effects.values.withUnsafeBufferPointer { eb in
                for g in 0..<ngenes {
                    sigma[g] = GeneLeastSquares.meanOfSquares(eb.baseAddress! + g * n, from: rank, to: n, refine: ngenes == 1).squareRoot()
                }
            }
        }
        var coef = ls.coefficients.transposed
        coef.rowNames = rowNames
        coef.colNames = names
        return try commonFitResult(coef: coef, sigma: sigma, qr: qr, rowNames: rowNames, names: names, function: function)
    }

    /// The one-QR fit's object: the shared unscaled standard deviations
    /// `sqrt(diag(chol2inv(R)))`, `cov.coefficients`, pivot, rank.
    static func commonFitResult(coef: Matrix, sigma: [Double], qr: QRDecomposition, rowNames: [String]?, names: [String],
                                function: String) throws -> MArrayLM {
        let ngenes = coef.nrow, p = coef.ncol, rank = qr.rank, n = qr.qr.nrow
        let cov = try covariance(qr, names: names, function: function)
        var su = Matrix(nrow: ngenes, ncol: p, repeating: .nan, rowNames: rowNames, colNames: names)
        for k in 0..<rank {
            let s = cov[k, k].squareRoot()
            let j = qr.pivot[k]
            for g in 0..<ngenes { su.values[j * ngenes + g] = s }
        }
        var fit = MArrayLM(coefficients: coef, stdevUnscaled: su, sigma: sigma,
                           dfResidual: [Double](repeating: Double(n - rank), count: ngenes))
        fit.covCoefficients = cov
        fit.pivot = qr.pivot
        fit.rank = rank
        return fit
    }

    /// The weights step of lm.series and mrlm: full weight matrix; weights
    /// `<= 0` become NA and every observation with a non-finite weight is
    /// made missing.
    static func applyWeights(_ M: inout Matrix, _ weights: Matrix?, function: String) throws -> (weights: Matrix?, arrayWeights: Bool) {
        guard let weights else { return (nil, false) }
        var (w, aw) = try asMatrixWeights(weights, nrow: M.nrow, ncol: M.ncol, function: function)
        for k in 0..<w.values.count {
            if w.values[k] <= 0 { w.values[k] = .nan }
            if !w.values[k].isFinite { M.values[k] = .nan }
        }
        return (w, aw)
    }

    /// limma's `lm.series` (ndups = 1). Without gene-specific weights and
    /// with every value finite, one QR serves all genes (`commonFit`);
    /// otherwise each gene is fitted on its own observations (`geneFits`).
    static func lmSeries(_ M: Matrix, design: Matrix, weights: Matrix?, rowMeans: [Double]? = nil) throws -> MArrayLM {
        let fn = "lmFit"
        let narrays = M.ncol, nbeta = design.ncol
        let names = coefficientNames(design)
        let source = try weightSource(weights, nrow: M.nrow, ncol: narrays, function: fn)
        var transform = RowTransform.none
        var common = true
        switch source {
        case .none: break
        case .full: common = false
        case .array(let aw):
            // A weight <= 0 or not finite makes that array missing for every gene.
            if aw.allSatisfy({ $0.isFinite && $0 > 0 }) { transform = .scale(aw.map { $0.squareRoot() }) } else { common = false }
        }
        if common {
            var x = design
            if case .scale(let wts) = transform {
                for j in 0..<nbeta { for i in 0..<narrays { x[i, j] = x[i, j] * wts[i] } }
            }
            if let fit = try commonFit(M, transform: transform, x: x, names: names, function: fn) { return fit }
        }
        return try geneFits(M, design: design, weights: source, names: names, function: fn, rowMeans: rowMeans)
    }

    /// lm.series gene by gene: each gene's observations are those with a
    /// finite value and (weighted) a finite positive weight; `lm.wfit` on
    /// them (rows of X and y times `sqrt(w)`), `sigma = sqrt(mean(effects[-(1:rank)]^2))`.
    /// Also sets `Amean` (`rowMeans(M, na.rm = TRUE)`), or takes it from
    /// `rowMeans` when given (then no lane computes means).
    ///
    /// Genes go in blocks (`LaneLeastSquares.copyBlock`), in parallel over
    /// blocks. Fully observed genes go `GeneLanes.scalarCount` at a time
    /// through the lane kernels (`LaneLeastSquares`); genes with missing
    /// values, fewer than 2 arrays, 64 or more coefficients, or that a lane
    /// flags, through the scalar routines on a per-thread workspace. Both
    /// give the scalar fit's bits, so neither the grouping nor the thread
    /// count matters.
    static func geneFits(_ M: Matrix, design: Matrix, weights: ObservationWeights, names: [String], function fn: String,
                         rowMeans: [Double]? = nil) throws -> MArrayLM {
        let ngenes = M.nrow, narrays = M.ncol, nbeta = design.ncol
        var beta = Matrix(nrow: ngenes, ncol: nbeta, repeating: .nan, rowNames: M.rowNames, colNames: names)
        var su = beta
        var sigma = [Double](repeating: .nan, count: ngenes)
        var dfRes = [Double](repeating: 0, count: ngenes)
        var amean = rowMeans ?? [Double](repeating: .nan, count: ngenes)
        let knownMeans = rowMeans != nil
        let failure = FirstFailure()
        var wvalues: [Double] = []
        var fullWeights = false
        switch weights {
        case .none: break
        case .array(let v): wvalues = v
        case .full(let m): wvalues = m.values; fullWeights = true
        }
        let weighted = !wvalues.isEmpty
        let width = LaneLeastSquares.width, blockGenes = LaneLeastSquares.blockGenes
        let nblocks = (ngenes + blockGenes - 1) / blockGenes
        let lanesAllowed = narrays >= 2 && nbeta < 64
        let kLanes = Swift.min(narrays, nbeta)
        // The fused kernel (`LaneLeastSquares.weightedFit`) when every gene has
        // more arrays than coefficients and array weights (if any) are all
        // usable; otherwise (no lane could be complete, or n <= p) the step-by-step kernels.
        var roots: [Double] = []
        var fused = narrays > nbeta && nbeta < 64
        if weighted && !fullWeights {
            if wvalues.allSatisfy({ $0.isFinite && $0 > 0 }) { roots = wvalues.map { $0.squareRoot() } } else { fused = false }
        }
        // The fused kernel on eight lanes (LimmaAVX512, the same code) where the processor has AVX-512.
        let wide = fused && AVX512Kernels.enabled
        let rootsBox = UncheckedBox(UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(roots.count, 1)))
        defer { rootsBox.value.deallocate() }
        for i in 0..<roots.count { rootsBox.value[i] = roots[i] }
        let (tinyRows, smallestWeight) = design.values.withUnsafeBufferPointer { xb in
            (fused && !fullWeights
                ? LaneLeastSquares.RowWeights.hasTinyRows(xb.baseAddress!, n: narrays, p: nbeta, scales: weighted ? UnsafePointer(rootsBox.value) : nil)
                : false,
             fullWeights ? LaneLeastSquares.RowWeights.smallWeightBound(xb.baseAddress!, count: narrays * nbeta) : 0)
        }
        M.values.withUnsafeBufferPointer { mb in
            wvalues.withUnsafeBufferPointer { wb in
                design.values.withUnsafeBufferPointer { xb in
                    beta.values.withUnsafeMutableBufferPointer { bb in
                        su.values.withUnsafeMutableBufferPointer { sb in
                            sigma.withUnsafeMutableBufferPointer { sgb in
                                dfRes.withUnsafeMutableBufferPointer { db in
                                    amean.withUnsafeMutableBufferPointer { ab in
                                        let io = UncheckedBox((mb, wb, xb, bb, sb, sgb, db, ab))
                                        LimmaThreads.forEachChunk(nblocks, minChunk: 1) { blocks in
                                            let (mb, wb, xb, bb, sb, sgb, db, ab) = io.value
                                            let ws = LeastSquaresWorkspace(n: narrays, p: nbeta, blockWeights: fullWeights, wide: wide)
                                            // Row i of a group's values (and weights) is y[i * S] (`copyBlock`).
                                            let S = LaneLeastSquares.laneStride
                                            // Gene g (lane l of the group at y, w) by the scalar routines.
                                            func fitScalar(_ g: Int, _ y: UnsafePointer<GeneLanes>, _ w: UnsafePointer<GeneLanes>?, _ l: Int) {
                                                @inline(__always) func weight(_ i: Int) -> Double { w.map { $0[i * S][l] } ?? wb[i] }
                                                @inline(__always) func observed(_ i: Int) -> Bool {
                                                    guard y[i * S][l].isFinite else { return false }
                                                    guard weighted else { return true }
                                                    let wt = weight(i)
                                                    return wt.isFinite && wt > 0
                                                }
                                                var nobs = 0
                                                for i in 0..<narrays where observed(i) { nobs += 1 }
                                                if nobs == 0 { return }
                                                var r = 0
                                                for i in 0..<narrays where observed(i) {
                                                    let wt = weighted ? weight(i).squareRoot() : 1
                                                    for c in 0..<nbeta {
                                                        ws.x[c * nobs + r] = weighted ? xb[c * narrays + i] * wt : xb[c * narrays + i]
                                                    }
                                                    ws.y[r] = weighted ? y[i * S][l] * wt : y[i * S][l]
                                                    r += 1
                                                }
                                                do {
                                                    let rank = try ws.fit(nobs: nobs, residuals: false, function: fn)
                                                    ws.store(rank: rank, gene: g, ngenes: ngenes, coefficients: bb, stdev: sb)
                                                    let df = nobs - rank
                                                    db[g] = Double(df)
                                                    if df > 0 {
                                                        sgb[g] = GeneLeastSquares.meanOfSquares(ws.qty, from: rank, to: nobs, refine: true).squareRoot()
                                                    }
                                                } catch {
                                                    failure.record(g, error)
                                                }
                                            }
                                            // Amean of the group at y (genes from g): the lanes' means, or
                                            // rowMeans(na.rm = TRUE) for a lane whose mean is NaN.
                                            func storeMeans(_ y: UnsafePointer<GeneLanes>, _ means: GeneLanes, _ g: Int, _ count: Int) {
                                                if knownMeans { return }
                                                for l in 0..<count {
                                                    if !means[l].isNaN { ab[g + l] = means[l]; continue }
                                                    var acc: RLongDouble = 0
                                                    var c = 0
                                                    for i in 0..<narrays where !y[i * S][l].isNaN { acc += RLongDouble(y[i * S][l]); c += 1 }
                                                    ab[g + l] = Double(acc / RLongDouble(c))
                                                }
                                            }
                                            // The group's genes side by side; returns the lanes to refit.
                                            func fitLanes(_ y: UnsafePointer<GeneLanes>, _ w: UnsafePointer<GeneLanes>?) -> GeneLaneMask {
                                                // Rows of X and y times sqrt(w) (sqrt of a broadcast weight is the broadcast sqrt).
                                                func load(_ i: Int, _ sw: GeneLanes) {
                                                    ws.ly[i] = y[i * S] * sw
                                                    for c in 0..<nbeta { ws.lx[c * narrays + i] = GeneLanes(repeating: xb[c * narrays + i]) * sw }
                                                }
                                                if let w {
                                                    for i in 0..<narrays { load(i, w[i * S].squareRoot()) }
                                                } else if weighted {
                                                    for i in 0..<narrays { load(i, GeneLanes(repeating: wb[i].squareRoot())) }
                                                } else {
                                                    for i in 0..<narrays {
                                                        ws.ly[i] = y[i * S]
                                                        for c in 0..<nbeta { ws.lx[c * narrays + i] = GeneLanes(repeating: xb[c * narrays + i]) }
                                                    }
                                                }
                                                var bad = LaneLeastSquares.decompose(ws.lx, n: narrays, p: nbeta, tol: 1e-7, qraux: ws.lqraux, work: ws.lwork)
                                                bad .|= LaneLeastSquares.solve(ws.lx, n: narrays, k: kLanes, qraux: ws.lqraux, qty: ws.ly, b: ws.lb)
                                                bad .|= LaneLeastSquares.chol2invDiagonal(ws.lx, lda: narrays, size: kLanes, u: ws.lu, diag: ws.ldiag)
                                                return bad
                                            }
                                            // Eight genes (two four-lane groups from q) through LimmaAVX512's weightedFit.
                                            func fitWide(_ q: Int, _ g: Int, _ count: Int) {
                                                let out = ws.wideResults!
                                                let coef = out, diag = out + 8 * nbeta, means = diag + 8 * nbeta
                                                let sig = means + 8, known = sig + 8
                                                let rows: LeastSquaresRowWeights = fullWeights
                                                    ? .lanes(UnsafeRawPointer(ws.blockW + q), smallestWeight: smallestWeight)
                                                    : (weighted ? .arrays(rootsBox.value, tinyRows: tinyRows) : .none(tinyRows: tinyRows))
                                                if knownMeans { for l in 0..<8 { known[l] = ab[g + Swift.min(l, count - 1)] } }
                                                let flags = avx512LeastSquaresWeightedFit(
                                                    UnsafeRawPointer(ws.blockY + q), stride: S / 2, weights: rows, design: xb.baseAddress!,
                                                    n: narrays, p: nbeta, scratch: ws.wideLanes!, knownMeans: knownMeans ? UnsafePointer(known) : nil,
                                                    coefficients: coef, diagonal: diag, means: means, sigma: sig)
                                                let m = UnsafeRawPointer(means)
                                                storeMeans(UnsafePointer(ws.blockY + q), m.loadUnaligned(as: GeneLanes.self), g, Swift.min(count, width))
                                                if count > width {
                                                    storeMeans(UnsafePointer(ws.blockY + q + 1), m.loadUnaligned(fromByteOffset: 32, as: GeneLanes.self), g + width, count - width)
                                                }
                                                let redo = ~flags.complete | flags.bad
                                                for l in 0..<count {
                                                    if redo & (1 << UInt8(l)) != 0 {
                                                        let w: UnsafePointer<GeneLanes>? = fullWeights ? UnsafePointer(ws.blockW + q + l / width) : nil
                                                        fitScalar(g + l, UnsafePointer(ws.blockY + q + l / width), w, l % width)
                                                        continue
                                                    }
                                                    for j in 0..<nbeta {
                                                        bb[j * ngenes + g + l] = coef[8 * j + l]
                                                        sb[j * ngenes + g + l] = diag[8 * j + l].squareRoot()
                                                    }
                                                    db[g + l] = Double(narrays - nbeta)
                                                    sgb[g + l] = sig[l]
                                                }
                                            }
                                            for blk in blocks {
                                                let g0 = blk * blockGenes, bcount = Swift.min(blockGenes, ngenes - g0)
                                                let lanes = wide ? 8 : width
                                                LaneLeastSquares.copyBlock(mb.baseAddress!, ngenes: ngenes, n: narrays, g0: g0, count: bcount, into: ws.blockY, lanes: lanes)
                                                if fullWeights {
                                                    LaneLeastSquares.copyBlock(wb.baseAddress!, ngenes: ngenes, n: narrays, g0: g0, count: bcount, into: ws.blockW, lanes: lanes)
                                                }
                                                if wide {
                                                    for q8 in 0..<((bcount + 7) / 8) { fitWide(2 * q8, g0 + 8 * q8, Swift.min(8, bcount - 8 * q8)) }
                                                    continue
                                                }
                                                for q in 0..<((bcount + width - 1) / width) {
                                                    let y = UnsafePointer(ws.blockY + q)
                                                    let w: UnsafePointer<GeneLanes>? = fullWeights ? UnsafePointer(ws.blockW + q) : nil
                                                    let count = Swift.min(width, bcount - q * width)
                                                    if fused {
                                                        let rows: LaneLeastSquares.RowWeights = w.map { .lanes($0, smallestWeight: smallestWeight) }
                                                            ?? (weighted ? .arrays(rootsBox.value, tinyRows: tinyRows) : .none(tinyRows: tinyRows))
                                                        // The known means of the group's genes (lanes past `count` repeat the last, as y does).
                                                        var known: GeneLanes? = nil
                                                        if knownMeans {
                                                            var v = GeneLanes()
                                                            for l in 0..<width { v[l] = ab[g0 + q * width + Swift.min(l, count - 1)] }
                                                            known = v
                                                        }
                                                        let r = LaneLeastSquares.weightedFit(y, rows, design: xb.baseAddress!, n: narrays, p: nbeta, ws: ws,
                                                                                             means: known, stride: S)
                                                        storeMeans(y, r.means, g0 + q * width, count)
                                                        let redo = .!r.complete .| r.bad
                                                        for l in 0..<count where !redo[l] {
                                                            let g = g0 + q * width + l
                                                            for j in 0..<nbeta {
                                                                bb[j * ngenes + g] = ws.lb[j][l]
                                                                sb[j * ngenes + g] = ws.ldiag[j][l].squareRoot()
                                                            }
                                                            db[g] = Double(narrays - nbeta)
                                                            sgb[g] = r.sigma[l]
                                                        }
                                                        for l in 0..<count where redo[l] { fitScalar(g0 + q * width + l, y, w, l) }
                                                        continue
                                                    }
                                                    // Fully observed lanes: every value finite (a sum of
                                                    // `v * 0` stays 0 exactly then), every weight finite and > 0.
                                                    var zeroY = GeneLanes(repeating: 0), zeroW = zeroY
                                                    var minW = GeneLanes(repeating: 1)
                                                    for i in 0..<narrays { zeroY = zeroY + y[i * S] * 0 }
                                                    if let w {
                                                        for i in 0..<narrays {
                                                            zeroW = zeroW + w[i * S] * 0
                                                            minW = pointwiseMin(minW, w[i * S])
                                                        }
                                                    } else if weighted {
                                                        for i in 0..<narrays where !(wb[i].isFinite && wb[i] > 0) { minW = GeneLanes(repeating: 0) }
                                                    }
                                                    let complete = (zeroY .== 0) .& (zeroW .== 0) .& (minW .> 0)
                                                    // Amean: rowMeans(M, na.rm = TRUE) of the values as given; a
                                                    // lane's long-double sum is NaN unless it has no NaN.
                                                    if !knownMeans { storeMeans(y, LaneLeastSquares.longDoubleMeans(y, narrays, refine: false, stride: S), g0 + q * width, count) }
                                                    var redo = .!complete
                                                    if lanesAllowed && any(complete) {
                                                        redo .|= fitLanes(y, w)
                                                        let df = narrays - kLanes
                                                        let s = df > 0
                                                            ? LaneLeastSquares.meanOfSquares(ws.ly, from: kLanes, to: narrays, refine: true, scratch: ws.lscratch).squareRoot()
                                                            : GeneLanes(repeating: .nan)
                                                        for l in 0..<count where !redo[l] {
                                                            let g = g0 + q * width + l
                                                            for j in 0..<kLanes {
                                                                bb[j * ngenes + g] = ws.lb[j][l]
                                                                sb[j * ngenes + g] = ws.ldiag[j][l].squareRoot()
                                                            }
                                                            db[g] = Double(df)
                                                            if df > 0 { sgb[g] = s[l] }
                                                        }
                                                    } else {
                                                        redo = GeneLaneMask(repeating: true)
                                                    }
                                                    for l in 0..<count where redo[l] { fitScalar(g0 + q * width + l, y, w, l) }
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
        }
        try failure.rethrow()
        let qr = QRDecomposition(design)
        var fit = MArrayLM(coefficients: beta, stdevUnscaled: su, sigma: sigma, dfResidual: dfRes)
        fit.covCoefficients = try covariance(qr, names: names, function: fn)
        fit.pivot = qr.pivot
        fit.rank = qr.rank
        fit.Amean = amean
        return fit
    }

    /// limma's `gls.series` with a block factor (ndups = 1).
    static func glsSeries(_ M0: Matrix, design: Matrix, block: [String], correlation: Double, weights: Matrix?) throws -> MArrayLM {
        let fn = "lmFit"
        var M = M0
        let ngenes = M.nrow, narrays = M.ncol, nbeta = design.ncol
        let names = coefficientNames(design)
        guard correlation.isFinite else { throw LimmaError(fn, "correlation must be a finite number (got \(correlation))") }
        if Swift.abs(correlation) >= 1 { throw LimmaError(fn, "correlation is 1 or -1, so the model is degenerate") }
        var W: Matrix? = nil
        var arrayWeights = false
        if let weights {
            var w0 = weights
            for k in 0..<w0.values.count where w0.values[k].isNaN { w0.values[k] = 0 }
            var (w, aw) = try asMatrixWeights(w0, nrow: ngenes, ncol: narrays, function: fn)
            for k in 0..<w.values.count where w.values[k] < 1e-15 {
                M.values[k] = .nan
                w.values[k] = .nan
            }
            W = w
            arrayWeights = aw
        }
        guard block.count == narrays else { throw LimmaError(fn, "Length of block does not match number of arrays (\(block.count) vs \(narrays))") }
        var cormatrix = Matrix(nrow: narrays, ncol: narrays)
        for j in 0..<narrays {
            for i in 0..<narrays {
                cormatrix[i, j] = i == j ? 1 : (block[i] == block[j] ? correlation : 0)
            }
        }
        /// V with 1/sqrt(w) scaling on both sides: V[i,j] = wrs[i] * (wrs[j] * V[i,j]).
        func weighted(_ V: Matrix, _ w: [Double]) -> Matrix {
            let wrs = w.map { 1 / $0.squareRoot() }
            var out = V
            for j in 0..<V.ncol { for i in 0..<V.nrow { out[i, j] = wrs[i] * (wrs[j] * V[i, j]) } }
            return out
        }
        let noProbeWts = M.values.allSatisfy { $0.isFinite } && (W == nil || arrayWeights)
        if noProbeWts {
            var V = cormatrix
            if let W { V = weighted(V, (0..<narrays).map { W[0, $0] }) }
            let cholV = try RLinAlg.chol(V, function: fn)
            // R backsolves t(M) first; X meets the same checks with the same message.
            let X = try RLinAlg.backsolve(cholV, design, transpose: true, function: fn)
            guard var fit = try commonFit(M, transform: .backsolve(cholV), x: X, names: names, function: fn) else {
                throw LimmaError(fn, "internal: non-finite value in the one-QR fit")
            }
            fit.correlation = correlation
            return fit
        }
        var fit = try glsGeneFits(M, weights: W, design: design, cormatrix: cormatrix, names: names, function: fn)
        let cholV = try RLinAlg.chol(cormatrix, function: fn)
        let qr = QRDecomposition(try RLinAlg.backsolve(cholV, design, transpose: true, function: fn))
        fit.covCoefficients = try covariance(qr, names: names, function: fn)
        fit.pivot = qr.pivot
        fit.rank = qr.rank
        fit.correlation = correlation
        return fit
    }

    /// gls.series gene by gene (values made missing where a weight is below
    /// 1e-15 already): for gene g's n observed arrays, V = the correlation
    /// matrix on them scaled by `1/sqrt(w)` on both sides
    /// (`V_ij = r_i (r_j C_ij)`), its Cholesky factor U (dpotrf), `y` and
    /// the observed design rows solved by `U' z = .` (dtrsm), least squares
    /// with residuals, `stdev.unscaled` from chol2inv, and
    /// `sigma = sqrt(sum(r^2 * (1/df)))` as R's `matrix(1/df, 1, n) %*% r^2`
    /// adds it. A gene whose observed design rows are all zero gets df = n
    /// and `sigma = sqrt(mean of z^2)` only. Errors (chol, backsolve,
    /// chol2inv) as R's, the lowest gene's first.
    ///
    /// Each gene on a per-thread workspace with the allocation-free forms of
    /// those routines (`RLinAlg.cholUpperInPlace`, `trsmUpperTransposed`,
    /// `LeastSquaresWorkspace.fit`), genes in parallel chunks.
    static func glsGeneFits(_ M: Matrix, weights W: Matrix?, design: Matrix, cormatrix: Matrix, names: [String],
                            function fn: String) throws -> MArrayLM {
        let ngenes = M.nrow, narrays = M.ncol, nbeta = design.ncol
        var beta = Matrix(nrow: ngenes, ncol: nbeta, repeating: .nan, rowNames: M.rowNames, colNames: names)
        var su = beta
        var sigma = [Double](repeating: .nan, count: ngenes)
        var dfRes = [Double](repeating: 0, count: ngenes)
        let failure = FirstFailure()
        let wvalues = W?.values ?? []
        M.values.withUnsafeBufferPointer { mb in
            wvalues.withUnsafeBufferPointer { wb in
                design.values.withUnsafeBufferPointer { xb in
                    cormatrix.values.withUnsafeBufferPointer { cb in
                        beta.values.withUnsafeMutableBufferPointer { bb in
                            su.values.withUnsafeMutableBufferPointer { sb in
                                sigma.withUnsafeMutableBufferPointer { sgb in
                                    dfRes.withUnsafeMutableBufferPointer { db in
                                        let io = UncheckedBox((mb, wb, xb, cb, bb, sb, sgb, db))
                                        LimmaThreads.forEachChunk(ngenes, minChunk: 64) { range in
                                            let (mb, wb, xb, cb, bb, sb, sgb, db) = io.value
                                            let ws = LeastSquaresWorkspace(n: narrays, p: nbeta)
                                            let v = UnsafeMutablePointer<Double>.allocate(capacity: narrays * narrays)
                                            let obs = UnsafeMutablePointer<Int>.allocate(capacity: narrays)
                                            let wrs = UnsafeMutablePointer<Double>.allocate(capacity: narrays)
                                            defer { v.deallocate(); obs.deallocate(); wrs.deallocate() }
                                            func fitGene(_ g: Int, _ n: Int) throws {
                                                if !wb.isEmpty { for i in 0..<n { wrs[i] = 1 / wb[obs[i] * ngenes + g].squareRoot() } }
                                                for j in 0..<n {
                                                    for i in 0...j {
                                                        let c = cb[obs[j] * narrays + obs[i]]
                                                        v[j * n + i] = wb.isEmpty ? c : wrs[i] * (wrs[j] * c)
                                                    }
                                                }
                                                let info = RLinAlg.cholUpperInPlace(v, n: n, lda: n)
                                                if info > 0 { throw LimmaError(fn, "the leading minor of order \(info) is not positive definite") }
                                                for i in 0..<n where v[i * n + i] == 0 {
                                                    throw LimmaError(fn, "singular matrix in 'backsolve'. First zero in diagonal [\(i + 1)]")
                                                }
                                                for i in 0..<n { ws.y[i] = mb[obs[i] * ngenes + g] }
                                                RLinAlg.trsmUpperTransposed(v, lda: n, m: n, b: ws.y, ldb: n, ncols: 1)
                                                var zeroDesign = true
                                                for c in 0..<nbeta { for i in 0..<n where xb[c * narrays + obs[i]] != 0 { zeroDesign = false } }
                                                if zeroDesign {
                                                    db[g] = Double(n)
                                                    sgb[g] = sumOfScaledSquares(ws.y, n, 1 / Double(n)).squareRoot()
                                                    return
                                                }
                                                for c in 0..<nbeta { for i in 0..<n { ws.x[c * n + i] = xb[c * narrays + obs[i]] } }
                                                RLinAlg.trsmUpperTransposed(v, lda: n, m: n, b: ws.x, ldb: n, ncols: nbeta)
                                                let rank = try ws.fit(nobs: n, residuals: true, function: fn)
                                                ws.store(rank: rank, gene: g, ngenes: ngenes, coefficients: bb, stdev: sb)
                                                let df = n - rank
                                                db[g] = Double(df)
                                                if df > 0 { sgb[g] = sumOfScaledSquares(ws.rsd, n, 1 / Double(df)).squareRoot() }
                                            }
                                            for g in range {
                                                var n = 0
                                                for j in 0..<narrays where mb[j * ngenes + g].isFinite {
                                                    obs[n] = j
                                                    n += 1
                                                }
                                                if n == 0 { continue }
                                                do { try fitGene(g, n) } catch {
                                                    failure.record(g, error)
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
        }
        try failure.rethrow()
        return MArrayLM(coefficients: beta, stdevUnscaled: su, sigma: sigma, dfResidual: dfRes)
    }

    /// R's `matrix(c, 1, n) %*% x^2` (BLAS dgemv, or R's plain loop when a
    /// value is not finite; both add `x_i^2 * c` to +0 in index order).
    static func sumOfScaledSquares(_ x: UnsafePointer<Double>, _ n: Int, _ c: Double) -> Double {
        var s = 0.0
        for i in 0..<n { s = s + (x[i] * x[i]) * c }
        return s
    }
}
