// limma's fry: a fast approximation to roast with infinitely many rotations,
// directional and mixed, for many gene sets at once.
import CLapack
import Foundation

/// How fry standardises each gene's effects (R's `standardize`).
public enum FryStandardize: String, Sendable {
    case none
    case residualSD = "residual.sd"
    case posteriorSD = "posterior.sd"
    case p2
}

/// limma's `fry(y, index, design, contrast, gene.weights, standardize, sort, ...)`
/// (limma 3.54.1 `fry.default`).
///
/// Effects come from `.lmEffects` (see `GeneSetModelOptions`): per gene the
/// contrast effect and d = n - p residual effects. Standardisation (default
/// "posterior.sd"): with `E[u2max]` the expected largest of d + 1 squared
/// standard normals, `E = sum((d+1) x^d qchisq(x, 1) w)` over statmod's
/// 128-node Gauss-Legendre rule on (0, 1), the robust variance is
/// `(sum(e^2) - max(e^2)) / (d + 1 - E)`; "posterior.sd" shrinks it towards
/// the `fitFDist` prior of the residual mean squares (`fitFDistRobustly` when
/// robust) with 0.92 d df, "p2" squeezes it with `squeezeVar` on 0.92 d df,
/// "residual.sd" uses it as is; every effect is divided by its gene's sd.
///
/// For a set (rows of the effects, optionally times `geneWeights`): the
/// column means `M`, `t = M_1 / sqrt(mean(M_2..^2))` on d df gives `PValue`
/// (two-sided) and `Direction`; for two or more genes the mixed test refers
/// `F = (sum(E_1^2) - A_min)/(A_max - A_min)`, with A the squared singular
/// values of the set's effects (LAPACK dgesdd, as R's `svd`), to a beta
/// distribution matching the first two moments of F under rotation
/// (`PValue.Mixed`); a single gene's mixed p-value is its directional one.
/// `FDR`, `FDR.Mixed` (BH) only with several sets. Sorting: directional by
/// `PValue`, then larger sets, then `PValue.Mixed`; mixed by `PValue.Mixed`,
/// larger sets, `PValue`.
public func fry(_ y: Matrix, index: GeneSetIndex, design: Matrix, contrast: GeneSetContrast? = nil,
                geneWeights: [Double]? = nil, standardize: FryStandardize = .posteriorSD, sort: GeneSetSort = .directional,
                options: GeneSetModelOptions = GeneSetModelOptions()) throws -> GeneSetTable {
    let fn = "fry"
    if let gw = geneWeights {
        guard gw.count == y.nrow else { throw LimmaError(fn, "length of gene.weights should equal nrow(y)") }
        if gw.contains(where: { !$0.isFinite }) { throw LimmaError(fn, "gene.weights should be numeric") }
    }
    try GeneSetSupport.checkIndex(index, genes: y.nrow, function: fn)
    // One pass over the genes: the effects of the genes in some set, and
    // every gene's sums of squares the standardisation needs.
    let rows = SetRows(index.map { $0.genes }, genes: y.nrow)
    let G = y.nrow, k = Swift.max(y.ncol - design.ncol + 1, 1), nk = rows.kept.count
    var effects = Matrix(nrow: nk, ncol: k)
    let sums = standardize != .none, residual = standardize == .posteriorSD
    // The robust variance `(sum(e^2) - max(e^2)) / (d + 1 - E[u2max])` of every gene.
    let d = Double(k - 1)
    let robustDenominator = sums ? d + 1 - Fry.expectedMaxSquare(df: d) : 1
    var s2Robust = [Double](repeating: 0, count: sums ? G : 0)
    var s2 = [Double](repeating: 0, count: residual ? G : 0)
    try effects.values.withUnsafeMutableBufferPointer { eb in
        try s2Robust.withUnsafeMutableBufferPointer { sb in
            try s2.withUnsafeMutableBufferPointer { rb in
                let out = UncheckedBox((eb, sb, rb))
                try rows.slot.withUnsafeBufferPointer { slot in
                    try LmEffects.forEachGene(y, design: design, contrast: contrast, options: options, function: fn) { g, e in
                        let (eb, sb, rb) = out.value
                        let r = slot[g]
                        if r >= 0 { for j in 0..<k { eb[r + j * nk] = e[j] } }
                        if sums {
                            var s: RLongDouble = 0
                            var mx = -Double.infinity
                            for j in 0..<k {
                                let e2 = e[j] * e[j]
                                s += RLongDouble(e2)
                                mx = Swift.max(mx, e2)
                            }
                            sb[g] = (Double(s) - mx) / robustDenominator
                        }
                        if residual {
                            var s: RLongDouble = 0
                            for j in 1..<k { let v = e[j]; s += RLongDouble(v * v) }
                            rb[g] = Double(s / RLongDouble(k - 1))
                        }
                    }
                }
            }
        }
    }
    var warnings: [LimmaWarning] = []
    if standardize != .none {
        let covariate: [Double]? = options.trendVar ? RBase.rowMeans(y) : nil
        switch standardize {
        case .p2:
            let sv = try squeezeVar(s2Robust, df: [0.92 * d], covariate: covariate, robust: options.robust,
                                    winsorTailP: options.winsorTailP)
            warnings += sv.warnings
            s2Robust = sv.varPost
        case .posteriorSD:
            let fit: FDistFit
            let dfPrior: [Double]
            if options.robust {
                fit = try fitFDistRobustly(s2, df1: [d], covariate: covariate, winsorTailP: options.winsorTailP)
                dfPrior = fit.df2Shrunk ?? [fit.df2]
            } else {
                fit = try fitFDist(s2, df1: [d], covariate: covariate)
                dfPrior = [fit.df2]
            }
            warnings += fit.warnings
            s2Robust = squeezeVarPosterior(s2Robust, df: [0.92 * d], varPrior: fit.scale, dfPrior: dfPrior)
        default:
            break
        }
        // Only the kept genes' effects are standardised (the others are not used).
        for (r, g) in rows.kept.enumerated() {
            let sd = s2Robust[g].squareRoot()
            for j in 0..<k { effects[r, j] = effects[r, j] / sd }
        }
    }
    let keptIndex: GeneSetIndex = index.map { ($0.name, rows.places($0.genes)) }
    var tab = try Fry.effectsTable(effects, index: keptIndex, geneWeights: geneWeights.map { w in rows.kept.map { w[$0] } },
                                   sort: sort)
    tab.warnings = warnings
    return tab
}

enum Fry {
    /// `sum((d + 1) x^d qchisq(x, 1) w)` over statmod's
    /// `gauss.quad.prob(128, "uniform")` nodes x and weights w: the expected
    /// largest of d + 1 squared standard normals, as fry computes it (a
    /// long-double sum in node order; the rule and the quantiles from
    /// `quadrature`).
    static func expectedMaxSquare(df d: Double) -> Double {
        let (nodes, weights, q) = quadrature
        var s: RLongDouble = 0
        for i in 0..<nodes.count {
            s += RLongDouble((d + 1) * rPow(nodes[i], d) * q[i] * weights[i])
        }
        return Double(s)
    }

    /// The singular values of x (R's `svd(x, nu = 0)$d`): LAPACK dgesdd with
    /// jobz "S", as R's La.svd calls it.
    static func singularValues(_ x: Matrix) throws -> [Double] {
        var m = Int32(x.nrow), n = Int32(x.ncol)
        let np = Swift.min(x.nrow, x.ncol)
        var a = x.values
        var s = [Double](repeating: 0, count: np)
        var u = [Double](repeating: 0, count: x.nrow * np)
        var vt = [Double](repeating: 0, count: np * x.ncol)
        var ldu = m, ldvt = Int32(np)
        var iwork = [Int32](repeating: 0, count: 8 * np)
        var jobz = CChar(UInt8(ascii: "S"))
        var lwork: Int32 = -1, info: Int32 = 0
        var tmp = 0.0
        dgesdd_(&jobz, &m, &n, &a, &m, &s, &u, &ldu, &vt, &ldvt, &tmp, &lwork, &iwork, &info)
        if info != 0 { throw LimmaError("fry", "error code \(info) from Lapack routine 'dgesdd'") }
        lwork = Int32(tmp)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(&jobz, &m, &n, &a, &m, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        if info != 0 { throw LimmaError("fry", "error code \(info) from Lapack routine 'dgesdd'") }
        return s
    }

    /// limma's `.fryEffects(effects, index, gene.weights, sort)`.
    static func effectsTable(_ effects: Matrix, index: GeneSetIndex, geneWeights: [Double]?, sort: GeneSetSort) throws
        -> GeneSetTable
    {
        let k = effects.ncol
        let dfResidual = Double(k - 1)
        let nsets = index.count
        var nGenes = [Int](repeating: 0, count: nsets)
        var tStat = [Double](repeating: 0, count: nsets)
        var pMixed = [Double](repeating: 0, count: nsets)
        for (i, set) in index.enumerated() {
            var es = effects.rows(set.genes)
            if let gw = geneWeights {
                for j in 0..<k { for (r, g) in set.genes.enumerated() { es[r, j] = gw[g] * es[r, j] } }
            }
            let m = es.nrow
            let means = RBase.colMeans(es)
            tStat[i] = means[0] / RBase.mean(means.dropFirst().map { $0 * $0 }).squareRoot()
            nGenes[i] = m
            if m > 1 {
                let A = try singularValues(es).map { $0 * $0 }
                let d1 = A.count
                let d = d1 - 1
                let betaMean = 1 / Double(d1)
                let betaVar = Double(d) / Double(d1) / Double(d1) / (Double(d1) / 2 + 1)
                let range = A[0] - A[d1 - 1]
                var ss: RLongDouble = 0
                for r in 0..<m { ss += RLongDouble(es[r, 0] * es[r, 0]) }
                let fObs = (Double(ss) - A[d1 - 1]) / range
                let fMean = (RBase.sum(A) * betaMean - A[d1 - 1]) / range
                var cov = Matrix(nrow: d1, ncol: d1, repeating: -betaVar / Double(d))
                for q in 0..<d1 { cov[q, q] = betaVar }
                let aRow = Matrix(nrow: 1, ncol: d1, values: A)
                let quad = RLinAlg.matprod(RLinAlg.matprod(aRow, cov), Matrix(nrow: d1, ncol: 1, values: A)).values[0]
                let fVar = quad / (range * range)
                let alphaPlusBeta = fMean * (1 - fMean) / fVar - 1
                let alpha = alphaPlusBeta * fMean
                let beta = alphaPlusBeta - alpha
                pMixed[i] = RMath.pbeta(fObs, a: alpha, b: beta, lowerTail: false)
            }
        }
        let direction = tStat.map { $0 < 0 ? "Down" : "Up" }
        let pValue = tStat.map { 2 * RMath.pt(-abs($0), df: dfResidual) }
        for i in 0..<nsets where nGenes[i] == 1 { pMixed[i] = pValue[i] }
        var tab = GeneSetTable(names: index.map { $0.name }, nGenes: nGenes, direction: direction, pValue: pValue,
                               pValueMixed: pMixed)
        if nsets > 1 {
            tab.fdr = pAdjust(pValue, method: .BH)
            tab.fdrMixed = pAdjust(pMixed, method: .BH)
        }
        let negN = nGenes.map { -Double($0) }
        switch sort {
        case .none: return tab
        case .directional: return tab.rows(GeneSetSupport.order([pValue, negN, pMixed]))
        case .mixed: return tab.rows(GeneSetSupport.order([pMixed, negN, pValue]))
        }
    }
}

/// R's `x ^ y` for doubles (arithmetic.c `R_POW`): `x * x` for y = 2, 1 for
/// x = 1 or y = 0, else C's `pow`.
func rPow(_ x: Double, _ y: Double) -> Double {
    if y == 2 { return x * x }
    if x == 1 || y == 0 { return 1 }
    return pow(x, y)
}
