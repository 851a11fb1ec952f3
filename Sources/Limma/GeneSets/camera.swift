// limma's camera (Wu and Smyth 2012): a competitive gene set test that
// allows for inter-gene correlation, and interGeneCorrelation.

/// limma's `camera(y, index, design, contrast, weights, use.ranks,
/// allow.neg.cor, inter.gene.cor, trend.var, sort)` (limma 3.54.1).
///
/// The design is arranged so that the tested contrast is its last column
/// (`.coefficient`/`.name`: that column moved last; `.vector(c)`: the rows
/// of the design rotated by Q' from the QR of `c`, the first rotated column
/// negated when `qr(c)$qr[1,1] < 0`, then moved last). With Q R the QR of
/// that design (full rank required), the effects Q'y_g give each gene's
/// unscaled t `u_g` (the p-th effect, sign-corrected by R's `qr[p,p]`) and
/// its residual effects `U_g` (rows p+1..n), `sigma2_g = mean(U_g^2)`.
/// squeezeVar (with `rowMeans(y)` as covariate under `trendVar`) gives
/// `t_g = u_g / sqrt(var.post_g)`; the gene statistic is `t_g` itself with
/// `useRanks`, else Hill's z-score of `t_g` on
/// `min(df.residual + df.prior, G df.residual)` df.
///
/// For a set of m genes: with a fixed `interGeneCor` = rho (R's default
/// 0.01), `VIF = 1 + (m - 1) rho`; with `interGeneCor` nil (R's NA) rho is
/// estimated from the standardised residual effects, `VIF = m mean(colMeans(U_set)^2)`,
/// `rho = (VIF - 1)/(m - 1)` (NA and VIF 1 for a single gene), and the
/// table has a `Correlation` column. Parametric test: `delta = G/m2
/// (mean_set - mean_all)`, pooled variance `((G-1) var - delta^2 m m2/G)/(G-2)`,
/// `t = delta / sqrt(pooled (VIF/m + 1/m2))` on `G - 2` df (fixed rho) or
/// `min(df.residual, G - 2)` df (estimated rho); VIF is floored at 1 unless
/// `allowNegCor`. Rank test (`useRanks`): limma's
/// `rankSumTestWithCorrelation` with rho floored at 0 unless `allowNegCor`,
/// on infinite df (fixed rho) or `min(df.residual, G - 2)` df. The two-sided
/// p-value is twice the smaller one-sided one; `Direction` is "Down" when the
/// lower tail is smaller, else "Up"; `FDR` (BH) only with several sets; with
/// `sort` and several sets the rows are ordered by p-value (ties keep set order).
///
/// Weights: `arrayWeights` (one per sample, R's `weights` of length n) scale
/// the rows of the design and the columns of y by their square roots;
/// `weights` (genes x samples) give each gene its own weighted QR. All weights
/// must be positive.
///
/// Errors as R's: fewer than 3 genes ("Two few genes..."), no design, design
/// rows != samples, no residual df, a rank-deficient design, non-positive
/// weights; and (Swift) a set row outside the data, duplicated set names,
/// non-finite values in y.
public func camera(_ y: Matrix, index: GeneSetIndex, design: Matrix, contrast: GeneSetContrast? = nil,
                   weights: Matrix? = nil, arrayWeights: [Double]? = nil, useRanks: Bool = false,
                   allowNegCor: Bool = false, interGeneCor: Double? = 0.01, trendVar: Bool = false,
                   sort: Bool = true) throws -> GeneSetTable {
    try Camera.run(y, index: index, design: design, contrast: contrast, weights: weights, arrayWeights: arrayWeights,
                   useRanks: useRanks, allowNegCor: allowNegCor, interGeneCor: interGeneCor, trendVar: trendVar, sort: sort)
}

/// `camera` for an `EList`: its `E` is y, its `design` is used when `design`
/// is nil, its `weights` when `weights` and `arrayWeights` are nil.
public func camera(_ y: EList, index: GeneSetIndex, design: Matrix? = nil, contrast: GeneSetContrast? = nil,
                   weights: Matrix? = nil, arrayWeights: [Double]? = nil, useRanks: Bool = false,
                   allowNegCor: Bool = false, interGeneCor: Double? = 0.01, trendVar: Bool = false,
                   sort: Bool = true) throws -> GeneSetTable {
    guard let d = design ?? y.design else { throw LimmaError("camera", "design matrix not specified") }
    let w = (weights == nil && arrayWeights == nil) ? y.weights : weights
    return try Camera.run(y.E, index: index, design: d, contrast: contrast, weights: w, arrayWeights: arrayWeights,
                          useRanks: useRanks, allowNegCor: allowNegCor, interGeneCor: interGeneCor, trendVar: trendVar,
                          sort: sort)
}

/// limma's `cameraPR(statistic, index, use.ranks, inter.gene.cor, sort)`:
/// camera for a pre-ranked statistic, one value per gene. The sets are tested
/// as camera tests them with a fixed inter-gene correlation (see `camera`):
/// the parametric test on `G - 2` df, or with `useRanks` the correlated
/// rank-sum test on infinite df. `interGeneCor` has one value (used for every
/// set; VIF `1 + (m - 1) rho`, not floored) or one per set, which then appears
/// as the table's `Correlation` column.
///
/// Errors as R's: missing statistics, fewer than 3 genes, a missing or
/// |rho| >= 1 correlation, a correlation vector of the wrong length.
public func cameraPR(_ statistic: [Double], index: GeneSetIndex, useRanks: Bool = false, interGeneCor: [Double] = [0.01],
                     sort: Bool = true) throws -> GeneSetTable {
    let fn = "cameraPR"
    if statistic.contains(where: { $0.isNaN }) { throw LimmaError(fn, "NA values for statistic not allowed") }
    let G = statistic.count
    if G < 3 { throw LimmaError(fn, "Two few genes in dataset: need at least 3") }
    try GeneSetSupport.checkIndex(index, genes: G, function: fn)
    let nsets = index.count
    if interGeneCor.contains(where: { $0.isNaN }) { throw LimmaError(fn, "NA inter.gene.cor not allowed") }
    if interGeneCor.contains(where: { abs($0) >= 1 }) { throw LimmaError(fn, "inter.gene.cor too large or small") }
    if interGeneCor.isEmpty { throw LimmaError(fn, "inter.gene.cor is empty") }
    let fixedCor = interGeneCor.count == 1
    if !fixedCor && interGeneCor.count != nsets { throw LimmaError(fn, "Length of inter.gene.cor doesn't match number of sets") }
    let rho = fixedCor ? [Double](repeating: interGeneCor[0], count: nsets) : interGeneCor
    let df: Double = useRanks ? .infinity : Double(G - 2)
    let meanStat = RBase.mean(statistic), varStat = RBase.variance(statistic)
    let ranks = useRanks ? RBase.rank(statistic) : []
    let ties = useRanks ? TieCorrection(ranks) : nil
    var down = [Double](repeating: 0, count: nsets), up = down
    for (i, set) in index.enumerated() {
        if useRanks {
            let pv = Camera.rankSumTestWithCorrelation(set.genes, ranks: ranks, correlation: rho[i], df: df, ties: ties)
            (down[i], up[i]) = (pv.less, pv.greater)
        } else {
            let vif = 1 + Double(set.genes.count - 1) * rho[i]
            (down[i], up[i]) = Camera.twoSampleT(statistic, set.genes, meanStat: meanStat, varStat: varStat, vif: vif, df: df)
        }
    }
    return Camera.table(index, nGenes: index.map { $0.genes.count }, correlation: fixedCor ? nil : rho, down: down, up: up,
                        sort: sort)
}

/// limma's `ids2indices(gene.sets, identifiers, remove.empty)`: each set's
/// ids turned into the 0-based rows whose identifier is in the set, in row
/// order; sets that match no row are dropped unless `removeEmpty` is false.
public func ids2indices(_ geneSets: [(name: String, ids: [String])], identifiers: [String], removeEmpty: Bool = true)
    -> GeneSetIndex
{
    let index = geneSetIndex(ids: identifiers, sets: geneSets)
    return removeEmpty ? index.filter { !$0.genes.isEmpty } : index
}

/// limma's `interGeneCorrelation(y, design)`: the variance inflation factor
/// and mean inter-gene correlation of the rows of y (a gene set) after
/// removing the design: residual effects `Q'y` beyond the design's rank,
/// each gene's scaled to unit mean square; `vif = m mean(colMeans^2)`,
/// `correlation = (vif - 1)/(m - 1)`. Needs at least two residual df (R
/// fails otherwise).
public func interGeneCorrelation(_ y: Matrix, design: Matrix) throws -> (vif: Double, correlation: Double) {
    let fn = "interGeneCorrelation"
    let m = y.nrow, n = y.ncol
    guard design.nrow == n else { throw LimmaError(fn, "design has \(design.nrow) rows but y has \(n) columns") }
    if y.values.contains(where: { !$0.isFinite }) { throw LimmaError(fn, "y contains missing or infinite values") }
    let qr = QRDecomposition(design)
    guard n - qr.rank >= 2 else { throw LimmaError(fn, "'x' must be an array of at least two dimensions (fewer than 2 residual df)") }
    let eff = qr.leastSquares(y.transposed).effects
    let r = n - qr.rank
    var z = Matrix(nrow: m, ncol: r)
    for g in 0..<m {
        var s: RLongDouble = 0
        for k in 0..<r { let e = eff[qr.rank + k, g]; s += RLongDouble(e * e) }
        let scale = Double(s / RLongDouble(r)).squareRoot()
        for k in 0..<r { z[g, k] = eff[qr.rank + k, g] / scale }
    }
    let cm = RBase.colMeans(z).map { $0 * $0 }
    let vif = Double(m) * RBase.mean(cm)
    return (vif, (vif - 1) / Double(m - 1))
}

extension RBase {
    /// R's `var(x)` for a vector without missing values (stats' cov.c): the
    /// mean by a long-double sum with one refinement pass, rounded to double,
    /// then the long-double sum of squared deviations over n - 1.
    static func variance(_ x: [Double]) -> Double {
        let n = x.count
        if n < 2 { return .nan }
        var s: RLongDouble = 0
        for v in x { s += RLongDouble(v) }
        var t = s / RLongDouble(n)
        if Double(t).isFinite {
            var r: RLongDouble = 0
            for v in x { r += RLongDouble(v) - t }
            t += r / RLongDouble(n)
        }
        let m = Double(t)
        var ss: RLongDouble = 0
        for v in x { ss += RLongDouble(v - m) * RLongDouble(v - m) }
        return Double(ss / RLongDouble(n - 1))
    }
}

enum Camera {
    static func run(_ yIn: Matrix, index: GeneSetIndex, design designIn: Matrix, contrast: GeneSetContrast?,
                    weights weightsIn: Matrix?, arrayWeights: [Double]?, useRanks: Bool, allowNegCor: Bool,
                    interGeneCor: Double?, trendVar: Bool, sort: Bool) throws -> GeneSetTable {
        let fn = "camera"
        let G = yIn.nrow, n = yIn.ncol
        if G < 3 { throw LimmaError(fn, "Two few genes in dataset: need at least 3") }
        try GeneSetSupport.checkIndex(index, genes: G, function: fn)
        if !GeneSetSupport.allFinite(yIn.values) { throw LimmaError(fn, "y contains missing or infinite values") }
        guard designIn.nrow == n else { throw LimmaError(fn, "row dimension of design matrix must match column dimension of data") }
        if designIn.values.contains(where: { !$0.isFinite }) { throw LimmaError(fn, "design must be a numeric matrix without missing values") }
        let p = designIn.ncol
        let dfResidual = n - p
        if dfResidual < 1 { throw LimmaError(fn, "No residual df: cannot compute t-tests") }
        let fixedCor = interGeneCor.map { !$0.isNaN } ?? false
        let dfCamera: Double = fixedCor ? (useRanks ? .infinity : Double(G - 2)) : Double(min(dfResidual, G - 2))

        var y = yIn
        var design = designIn
        if arrayWeights != nil && weightsIn != nil {
            throw LimmaError(fn, "give either array weights or observation weights, not both")
        }
        if let aw = arrayWeights {
            guard aw.count == n else { throw LimmaError(fn, "weights not conformal with y (\(aw.count) array weights for \(n) samples)") }
            if aw.contains(where: { !($0 > 0) }) { throw LimmaError(fn, "weights must be positive") }
            let sw = aw.map { $0.squareRoot() }
            for j in 0..<n { for g in 0..<G { y[g, j] = y[g, j] * sw[j] } }
            design = GeneSetSupport.scaleRows(design, sw)
        }
        if let w = weightsIn {
            guard w.nrow == G && w.ncol == n else { throw LimmaError(fn, "weights not conformal with y") }
            if !GeneSetSupport.allPositive(w.values) { throw LimmaError(fn, "weights must be positive") }
        }

        // Put the contrast last.
        if let j = try GeneSetSupport.contrastColumn(contrast, design: design, function: fn) {
            if j < p - 1 { design = GeneSetSupport.moveLast(design, j) }
        } else if case .vector(let c)? = contrast {
            guard p >= 2 else { throw LimmaError(fn, "a contrast vector needs a design with at least two columns") }
            let qrc = QRDecomposition(Matrix(nrow: p, ncol: 1, values: c))
            var d = qrc.leastSquares(design.transposed).effects.transposed
            if qrc.qr[0, 0] < 0 { for i in 0..<n { d[i, 0] = -d[i, 0] } }
            design = d.columns(Array(1..<p) + [0])
        }

        // One pass over the genes: Q'y (per gene with observation weights),
        // the p-th effect giving the unscaled t, the residual effects their
        // mean square and (for an estimated correlation) U, each gene's
        // residual effects standardised by its residual sd.
        let r = dfResidual
        var sigma2 = [Double](repeating: 0, count: G)
        var unscaledt = [Double](repeating: 0, count: G)
        var U = Matrix(nrow: fixedCor ? 0 : G, ncol: fixedCor ? 0 : r)
        let weighted = weightsIn != nil
        let bad = sigma2.withUnsafeMutableBufferPointer { s2b in
            unscaledt.withUnsafeMutableBufferPointer { tb in
                U.values.withUnsafeMutableBufferPointer { ub in
                    let out = UncheckedBox((s2b, tb, ub))
                    return GeneEffects.forEachGene(y, design: design, weights: weightsIn) { g, e, rpp in
                        let (s2b, tb, ub) = out.value
                        tb[g] = rpp < 0 ? -e[p - 1] : e[p - 1]
                        var s: RLongDouble = 0
                        for k in 0..<r { let v = e[p + k]; s += RLongDouble(v * v) }
                        let s2 = Double(s / RLongDouble(r))
                        s2b[g] = s2
                        if !fixedCor {
                            let sd = Swift.max(s2, 1e-8).squareRoot()
                            for k in 0..<r { ub[g + k * G] = e[p + k] / sd }
                        }
                    }
                }
            }
        }
        if let g = bad {
            if weighted { throw LimmaError(fn, "weighted design matrix not of full rank for gene \(g + 1)") }
            throw LimmaError(fn, "design matrix is not of full rank")
        }
        let A: [Double]? = trendVar ? RBase.rowMeans(y) : nil
        let sv = try squeezeVar(sigma2, df: [Double(dfResidual)], covariate: A)
        let modt = (0..<G).map { unscaledt[$0] / sv.varPost[$0].squareRoot() }
        let stat: [Double]
        if useRanks {
            stat = modt
        } else {
            let dfTotal = Swift.min(sv.dfPrior.map { Double(dfResidual) + $0 }.min() ?? .nan, Double(G * dfResidual))
            stat = modt.map { zscoreTHill($0, df: dfTotal) }
        }
        let meanStat = RBase.mean(stat)
        let varStat = RBase.variance(stat)
        let ranks = useRanks ? RBase.rank(stat) : []
        let ties = useRanks ? TieCorrection(ranks) : nil

        let nsets = index.count
        var nGenes = [Int](repeating: 0, count: nsets)
        var correlations = [Double](repeating: 0, count: nsets)
        var down = [Double](repeating: 0, count: nsets)
        var up = [Double](repeating: 0, count: nsets)
        for (i, set) in index.enumerated() {
            let iset = set.genes
            let m = iset.count
            var correlation: Double
            var vif: Double
            if let rho = interGeneCor, fixedCor {
                correlation = rho
                vif = 1 + Double(m - 1) * rho
            } else if m > 1 {
                let cm = (0..<r).map { k -> Double in
                    var s: RLongDouble = 0
                    for g in iset { s += RLongDouble(U[g, k]) }
                    let v = Double(s / RLongDouble(m))
                    return v * v
                }
                vif = Double(m) * RBase.mean(cm)
                correlation = (vif - 1) / Double(m - 1)
            } else {
                vif = 1
                correlation = .nan
            }
            nGenes[i] = m
            correlations[i] = correlation
            if useRanks {
                if !allowNegCor { correlation = rMax(0, correlation) }
                let pv = rankSumTestWithCorrelation(iset, ranks: ranks, correlation: correlation, df: dfCamera, ties: ties)
                down[i] = pv.less
                up[i] = pv.greater
            } else {
                if !allowNegCor { vif = rMax(1, vif) }
                (down[i], up[i]) = twoSampleT(stat, iset, meanStat: meanStat, varStat: varStat, vif: vif, df: dfCamera)
            }
        }
        var tab = table(index, nGenes: nGenes, correlation: fixedCor ? nil : correlations, down: down, up: up, sort: sort)
        tab.warnings = sv.warnings
        return tab
    }

    /// camera's parametric test of a set: `delta = G/m2 (mean_set - mean_all)`,
    /// pooled variance `((G-1) var - delta^2 m m2/G)/(G-2)`,
    /// `t = delta/sqrt(pooled (vif/m + 1/m2))`; lower and upper t tails on `df`.
    static func twoSampleT(_ stat: [Double], _ iset: [Int], meanStat: Double, varStat: Double, vif: Double, df: Double)
        -> (down: Double, up: Double)
    {
        let G = stat.count, m = iset.count, m2 = G - m
        let meanSet = RBase.mean(iset.map { stat[$0] })
        let delta = Double(G) / Double(m2) * (meanSet - meanStat)
        let pooled = (Double(G - 1) * varStat - delta * delta * Double(m) * Double(m2) / Double(G)) / Double(G - 2)
        let t = delta / (pooled * (vif / Double(m) + 1 / Double(m2))).squareRoot()
        return (RMath.pt(t, df: df), RMath.pt(t, df: df, lowerTail: false))
    }

    /// camera's result table: two-sided p = 2 min(down, up), Direction,
    /// BH FDR with several sets, sorted by p-value when asked.
    static func table(_ index: GeneSetIndex, nGenes: [Int], correlation: [Double]?, down: [Double], up: [Double],
                      sort: Bool) -> GeneSetTable {
        let nsets = index.count
        let pValue = (0..<nsets).map { 2 * rMin(down[$0], up[$0]) }
        let direction = (0..<nsets).map { down[$0] < up[$0] ? "Down" : "Up" }
        let tab = GeneSetTable(names: index.map { $0.name }, nGenes: nGenes, correlation: correlation,
                               direction: direction, pValue: pValue,
                               fdr: nsets > 1 ? pAdjust(pValue, method: .BH) : nil)
        return sort && nsets > 1 ? tab.rows(RBase.order(pValue)) : tab
    }

    /// limma's `rankSumTestWithCorrelation(index, statistics, correlation, df)`
    /// given the average ranks of the statistics: the Mann-Whitney U of the
    /// set, `mu = n1 n2/2`, its variance `n1 n2 (n+1)/12` for rho = 0 or one
    /// gene, else Barry et al.'s
    /// `(asin(1) n1 n2 + asin(1/2) n1 n2 (n2-1) + asin(rho/2) n1 (n1-1) n2 (n2-1)
    /// + asin((rho+1)/2) n1 (n1-1) n2) / (2 pi)`, times the ties correction
    /// `1 - sum(t^3 - t)/(n^3 - n)`; continuity-corrected z on `df` t
    /// tails: `less = P(T > (U - 1/2 - mu)/sigma)`, `greater = P(T < (U + 1/2 - mu)/sigma)`.
    static func rankSumTestWithCorrelation(_ index: [Int], ranks r: [Double], correlation: Double, df: Double,
                                           ties: TieCorrection? = nil) -> (less: Double, greater: Double)
    {
        let n = r.count
        let n1 = index.count
        let n2 = n - n1
        let sumR1 = RBase.sum(index.map { r[$0] })
        let u = Double(n1 * n2) + Double(n1) * Double(n1 + 1) / 2 - sumR1
        let mu = Double(n1 * n2) / 2
        var sigma2: Double
        // R: `if (correlation == 0 || n1 == 1)`; an NA correlation with one gene is TRUE.
        if correlation == 0 || n1 == 1 {
            sigma2 = Double(n1 * n2) * Double(n + 1) / 12
        } else {
            let d1 = Double(n1), d2 = Double(n2)
            sigma2 = asin(1.0) * d1 * d2 + asin(0.5) * d1 * d2 * (d2 - 1)
                + asin(correlation / 2) * d1 * (d1 - 1) * d2 * (d2 - 1) + asin((correlation + 1) / 2) * d1 * (d1 - 1) * d2
            sigma2 = sigma2 / 2 / Double.pi
        }
        if let adjustment = (ties ?? TieCorrection(r)).adjustment {
            sigma2 = sigma2 * (1 - adjustment)
        }
        let zLower = (u + 0.5 - mu) / sigma2.squareRoot()
        let zUpper = (u - 0.5 - mu) / sigma2.squareRoot()
        return (RMath.pt(zUpper, df: df, lowerTail: false), RMath.pt(zLower, df: df))
    }
}

/// The ties correction of the rank-sum variance, a property of the ranks
/// alone (so computed once for all sets): with t the size of each group of
/// tied ranks, `sum(t^3 - t) / (n^3 - n)` (summed as R sums
/// `t * (t + 1) * (t - 1)` over `table(r)`, exactly, since the terms are
/// integers), nil when there are no ties.
struct TieCorrection {
    var adjustment: Double?

    init(_ r: [Double]) {
        let n = r.count
        let sorted = r.sorted()
        var s: RLongDouble = 0
        var groups = 0
        var i = 0
        while i < n {
            var j = i + 1
            while j < n && sorted[j] == sorted[i] { j += 1 }
            let td = Double(j - i)
            s += RLongDouble(td * (td + 1) * (td - 1))
            groups += 1
            i = j
        }
        adjustment = groups == n ? nil : Double(s) / (Double(n) * Double(n + 1) * Double(n - 1))
    }
}

/// R's `max(a, b)` / `min(a, b)` for two numbers: NaN (R's NA) wins.
func rMax(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.max(a, b) }
func rMin(_ a: Double, _ b: Double) -> Double { a.isNaN || b.isNaN ? .nan : Swift.min(a, b) }

import Foundation
