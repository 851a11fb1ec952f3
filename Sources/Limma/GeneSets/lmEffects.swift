// limma's .lmEffects: the rotated residual space fry and roast work in.

/// Options fry and roast pass through to the linear model (R's `...`):
/// sample weights, observation weights, gene weights (fitting), a block with
/// its intra-block correlation, the variance trend and robust prior.
public struct GeneSetModelOptions: Sendable, Equatable {
    /// R's `array.weights`: one positive weight per sample.
    public var arrayWeights: [Double]?
    /// R's `weights` as a genes x samples matrix of positive weights.
    public var weights: Matrix?
    /// R's `block` (one label per sample); needs `correlation`.
    public var block: [String]?
    public var correlation: Double?
    /// R's `trend.var`: a mean-variance trend (covariate `rowMeans(y)`).
    public var trendVar: Bool
    /// R's `robust` and `winsor.tail.p` for the variance prior.
    public var robust: Bool
    public var winsorTailP: (Double, Double)

    public init(arrayWeights: [Double]? = nil, weights: Matrix? = nil, block: [String]? = nil, correlation: Double? = nil,
                trendVar: Bool = false, robust: Bool = false, winsorTailP: (Double, Double) = (0.05, 0.1)) {
        self.arrayWeights = arrayWeights
        self.weights = weights
        self.block = block
        self.correlation = correlation
        self.trendVar = trendVar
        self.robust = robust
        self.winsorTailP = winsorTailP
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.arrayWeights == b.arrayWeights && a.weights == b.weights && a.block == b.block && a.correlation == b.correlation
            && a.trendVar == b.trendVar && a.robust == b.robust && a.winsorTailP == b.winsorTailP
    }
}

enum LmEffects {
    /// limma's `.lmEffects(y, design, contrast, array.weights, weights, block,
    /// correlation)`, gene by gene: after R's checks (and errors),
    /// `body(g, e)` receives gene g's k = n - p + 1 effects (row g of R's
    /// genes x k matrix), valid only during the call. `e[0]` is the gene's
    /// contrast effect (sign fixed by R's `qr[p, p]`), the rest its residual
    /// effects, from `Q'y` for the design rearranged with the contrast last
    /// (`contrastAsCoef(first = FALSE)` for a contrast vector). Array weights
    /// scale design rows and y columns by their square roots; observation
    /// weights give each gene its own weighted QR; a block gives
    /// `V = chol(correlation matrix)` and the model premultiplied by `V^-T`.
    /// The callers keep what they need (fry and roast: every gene's sums of
    /// squares, the effects of the genes in their sets). Calls for different
    /// genes may run concurrently (see `GeneEffects.forEachGene`); `body`
    /// must write only gene g's outputs. Every gene is visited once when no
    /// error is thrown.
    static func forEachGene(_ yIn: Matrix, design: Matrix, contrast: GeneSetContrast?, options: GeneSetModelOptions,
                            function fn: String, body: (Int, UnsafePointer<Double>) -> Void) throws {
        let G = yIn.nrow, n = yIn.ncol
        if !GeneSetSupport.allFinite(yIn.values) { throw LimmaError(fn, "All y values must be finite and non-NA") }
        guard design.nrow == n else { throw LimmaError(fn, "row dimension of design matrix must match column dimension of data") }
        if design.values.contains(where: { !$0.isFinite }) { throw LimmaError(fn, "design must be a numeric matrix without missing values") }
        let p = design.ncol
        if n <= p { throw LimmaError(fn, "No residual degrees of freedom") }
        if G == 0 { throw LimmaError(fn, "y has no rows") }

        var X: Matrix
        if let j = try GeneSetSupport.contrastColumn(contrast, design: design, function: fn) {
            X = j < p - 1 ? GeneSetSupport.moveLast(design, j) : design
        } else if case .vector(let c)? = contrast {
            if c.allSatisfy({ $0 == 0 }) { throw LimmaError(fn, "contrast all zero") }
            X = try contrastAsCoefLast(design, c)
        } else {
            X = design
        }
        var y = yIn
        if let aw = options.arrayWeights {
            guard aw.count == n else { throw LimmaError(fn, "Length of array.weights doesn't match number of arrays") }
            if aw.contains(where: { !($0 > 0) }) { throw LimmaError(fn, "array.weights must be positive") }
            let ws = aw.map { $0.squareRoot() }
            X = GeneSetSupport.scaleRows(X, ws)
            for j in 0..<n { for g in 0..<G { y[g, j] = y[g, j] * ws[j] } }
        }
        if let w = options.weights {
            guard w.nrow == G && w.ncol == n else { throw LimmaError(fn, "weights must have same dimensions as y") }
            if !GeneSetSupport.allPositive(w.values) { throw LimmaError(fn, "weights must be positive") }
        }
        var cholR: Matrix? = nil
        if let block = options.block {
            guard let rho = options.correlation else { throw LimmaError(fn, "Intra-block correlation must be specified") }
            let R = try blockCholesky(block, correlation: rho, n: n, function: fn)
            cholR = R
            if options.weights == nil {
                y = try RLinAlg.backsolve(R, y.transposed, transpose: true, function: fn).transposed
                X = try RLinAlg.backsolve(R, X, transpose: true, function: fn)
            }
        }
        let k0 = p - 1
        if let w = options.weights, let R = cholR {
            var e = [Double](repeating: 0, count: n - k0)
            for g in 0..<G {
                let ws = (0..<n).map { w[g, $0].squareRoot() }
                let wy = try RLinAlg.backsolve(R, Matrix(nrow: n, ncol: 1, values: (0..<n).map { y[g, $0] * ws[$0] }),
                                               transpose: true, function: fn)
                let wX = try RLinAlg.backsolve(R, GeneSetSupport.scaleRows(X, ws), transpose: true, function: fn)
                let qr = QRDecomposition(wX)
                if qr.rank < p { throw LimmaError(fn, "design must be full column rank") }
                let signc = rSign(qr.qr[p - 1, p - 1])
                let q = qr.qty(wy.values)
                for k in k0..<n { e[k - k0] = q[k] }
                e[0] = signc * e[0]
                e.withUnsafeBufferPointer { body(g, $0.baseAddress!) }
            }
        } else {
            // One pass over the genes: Q'y from each gene's weighted QR, or
            // from the design's QR when there are no observation weights.
            let weighted = options.weights != nil
            let bad = GeneEffects.forEachGene(y, design: X, weights: options.weights) { g, e, rpp in
                e[k0] = weighted ? rSign(rpp) * e[k0] : (rpp < 0 ? -e[k0] : e[k0])
                body(g, e + k0)
            }
            if bad != nil { throw LimmaError(fn, "design must be full column rank") }
        }
    }

    /// `chol` of the intra-block correlation matrix (1 on the diagonal, rho
    /// between samples of the same block), as limma's gene set tests build it.
    static func blockCholesky(_ block: [String], correlation rho: Double, n: Int, function fn: String) throws -> Matrix {
        guard block.count == n else { throw LimmaError(fn, "Length of block does not match number of arrays") }
        var cm = Matrix(nrow: n, ncol: n)
        for i in 0..<n { for k in 0..<n { cm[i, k] = i == k ? 1 : (block[i] == block[k] ? rho : 0) } }
        return try RLinAlg.chol(cm, function: fn)
    }

    /// limma's `contrastAsCoef(design, contrast, first = FALSE)$design` for
    /// one contrast vector c: with Q R the QR of c, the design rows rotated by
    /// Q', the first rotated column divided by R[1,1] (R's `backsolve`), and
    /// that column moved last.
    static func contrastAsCoefLast(_ design: Matrix, _ c: [Double]) throws -> Matrix {
        let p = design.ncol, n = design.nrow
        let qrc = QRDecomposition(Matrix(nrow: p, ncol: 1, values: c))
        var dt = qrc.leastSquares(design.transposed).effects  // p x n
        let r11 = Matrix(nrow: 1, ncol: 1, values: [qrc.qr[0, 0]])
        let first = Matrix(nrow: 1, ncol: n, values: (0..<n).map { dt[0, $0] })
        let solved = try RLinAlg.backsolve(r11, first, transpose: false, function: "contrastAsCoef")
        for j in 0..<n { dt[0, j] = solved.values[j] }
        let d = dt.transposed
        return p > 1 ? d.columns(Array(1..<p) + [0]) : d
    }
}
