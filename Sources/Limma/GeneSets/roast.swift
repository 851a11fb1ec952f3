// limma's roast and mroast (Wu et al. 2010): self-contained gene set tests
// by rotation of the residual space, with R's random rotations.
import CLapack

/// roast's gene set statistic (R's `set.statistic`).
public enum RoastSetStatistic: String, Sendable {
    case mean, floormean, mean50, msq
}

/// What `roast` returns: R's `p.value` data frame, rows Down, Up, UpOrDown,
/// Mixed, as two arrays in that order, and `ngenes.in.set`.
public struct RoastResult: Sendable, Equatable {
    /// `Active.Prop`: proportions of genes with z < -sqrt(2) (Down), z > sqrt(2)
    /// (Up), the larger of the two (UpOrDown), their sum (Mixed).
    public var activeProp: [Double]
    /// `P.Value`: `(count + 1) / (k nrot + 1)`, k = 2 for Down and Up.
    public var pValue: [Double]
    public var nGenesInSet: Int
    public var warnings: [LimmaWarning] = []
}

/// limma's `roast(y, index, design, contrast, set.statistic, gene.weights,
/// var.prior, df.prior, nrot, approx.zscore, legacy, ...)` for one gene set
/// (limma 3.54.1 `roast.default`), drawing its rotations from `rng` (R's
/// generator after `set.seed`), which it advances as R would.
///
/// The effects of `.lmEffects` (see `GeneSetModelOptions`) give each gene a
/// moderated t, `t_g = e_g1 / sqrt(s2.post_g)` with squeezeVar's prior on the
/// residual mean squares (or the given `varPrior`, `dfPrior`), turned into a
/// z-score: Bailey's approximation on `min(df.total, 10000)` df (default),
/// or with `legacy`/`!approxZscore` Hill's approximation / the exact
/// quantile. The set statistic (`mean`: mean z, mixed mean |z|; `floormean`:
/// |z| floored at the upper quartile of N(0,1) for the mixed and the
/// positive and negative parts for Down/Up; `mean50`: the mean of the top
/// half; `msq`: mean squares of the positive and negative parts), optionally
/// weighted by `geneWeights`, is compared with its values on `nrot` random
/// rotations of the effect vectors (R's normal draws, in chunks of 1000, or
/// one chunk with `legacy`), recomputing each gene's posterior variance per
/// rotation. `P = (b + 1)/(nrot + 1)` with b the rotations at least as
/// extreme (Down and Up count both tails over `2 nrot + 1`; for `mean`
/// UpOrDown is the smaller of those counts over `nrot + 1`).
///
/// `index` nil means all genes. Errors as R's for bad weights, no residual
/// df, a rank-deficient design, and gene weights of the wrong length.
public func roast(_ y: Matrix, index: [Int]? = nil, design: Matrix, contrast: GeneSetContrast? = nil,
                  setStatistic: RoastSetStatistic = .mean, geneWeights: [Double]? = nil, varPrior: [Double]? = nil,
                  dfPrior: [Double]? = nil, nrot: Int = 1999, approxZscore: Bool = true, legacy: Bool = false,
                  options: GeneSetModelOptions = GeneSetModelOptions(), rng: inout RRandom) throws -> RoastResult {
    let fn = "roast"
    let prep = try Roast.prepare(y, design: design, contrast: contrast, varPrior: varPrior, dfPrior: dfPrior,
                                 options: options, function: fn)
    let G = prep.effects.nrow
    let rows = index ?? Array(0..<G)
    if let bad = rows.first(where: { $0 < 0 || $0 >= G }) {
        throw LimmaError(fn, "index has row \(bad) (0-based), outside the \(G) rows of the data")
    }
    let n = rows.count
    var gw = geneWeights
    if let w = geneWeights {
        guard w.count == n || w.count == G else {
            throw LimmaError(fn, "length of gene.weights doesn't agree with number of genes or size of set")
        }
        if w.count > n { gw = rows.map { w[$0] } }
    }
    var out = try Roast.effects(prep.effects.rows(rows), geneWeights: gw, setStatistic: setStatistic,
                                varPrior: prep.varPrior.count > 1 ? rows.map { prep.varPrior[$0] } : prep.varPrior,
                                dfPrior: prep.dfPrior.count > 1 ? rows.map { prep.dfPrior[$0] } : prep.dfPrior,
                                varPost: rows.map { prep.varPost[$0] }, nrot: nrot, approxZscore: approxZscore,
                                legacy: legacy, rng: &rng)
    out.warnings = prep.warnings
    return out
}

/// `roast` after R's `set.seed(seed)`.
public func roast(_ y: Matrix, index: [Int]? = nil, design: Matrix, contrast: GeneSetContrast? = nil,
                  setStatistic: RoastSetStatistic = .mean, geneWeights: [Double]? = nil, varPrior: [Double]? = nil,
                  dfPrior: [Double]? = nil, nrot: Int = 1999, approxZscore: Bool = true, legacy: Bool = false,
                  options: GeneSetModelOptions = GeneSetModelOptions(), seed: Int32) throws -> RoastResult {
    var rng = RRandom(seed: seed)
    return try roast(y, index: index, design: design, contrast: contrast, setStatistic: setStatistic,
                     geneWeights: geneWeights, varPrior: varPrior, dfPrior: dfPrior, nrot: nrot, approxZscore: approxZscore,
                     legacy: legacy, options: options, rng: &rng)
}

/// limma's `mroast(y, index, design, contrast, set.statistic, gene.weights,
/// var.prior, df.prior, nrot, approx.zscore, legacy, adjust.method, midp,
/// sort, ...)`: roast for each set in turn, drawing from one stream `rng`.
///
/// Table: `NGenes`, `PropDown`, `PropUp`, `Direction` ("Up" when the Up
/// p-value is below the Down one), `PValue` (UpOrDown), `FDR`,
/// `PValue.Mixed`, `FDR.Mixed`. FDRs adjust the p-values less
/// `1/(2(nrot + 1))` with `midp` (then floored at the p-value). Sorting
/// (directional): by PValue, larger max(PropUp, PropDown), larger sets,
/// PValue.Mixed; (mixed): by PValue.Mixed, larger PropUp + PropDown, larger
/// sets, PValue. `geneWeights` has one weight per row of y.
public func mroast(_ y: Matrix, index: GeneSetIndex, design: Matrix, contrast: GeneSetContrast? = nil,
                   setStatistic: RoastSetStatistic = .mean, geneWeights: [Double]? = nil, varPrior: [Double]? = nil,
                   dfPrior: [Double]? = nil, nrot: Int = 1999, approxZscore: Bool = true, legacy: Bool = false,
                   adjustMethod: PAdjustMethod = .BH, midp: Bool = true, sort: GeneSetSort = .directional,
                   options: GeneSetModelOptions = GeneSetModelOptions(), rng: inout RRandom) throws -> GeneSetTable {
    let fn = "mroast"
    let prep = try Roast.prepare(y, design: design, contrast: contrast, varPrior: varPrior, dfPrior: dfPrior,
                                 options: options, function: fn)
    let G = prep.effects.nrow
    try GeneSetSupport.checkIndex(index, genes: G, function: fn)
    if let w = geneWeights, w.count != G { throw LimmaError(fn, "gene.weights vector should be of length nrow(y)") }
    let nsets = index.count
    var pv = [[Double]](), active = [[Double]](), nGenes = [Int]()
    for set in index {
        let g = set.genes
        let out = try Roast.effects(prep.effects.rows(g), geneWeights: geneWeights.map { w in g.map { w[$0] } },
                                    setStatistic: setStatistic,
                                    varPrior: prep.varPrior.count > 1 ? g.map { prep.varPrior[$0] } : prep.varPrior,
                                    dfPrior: prep.dfPrior.count > 1 ? g.map { prep.dfPrior[$0] } : prep.dfPrior,
                                    varPost: g.map { prep.varPost[$0] }, nrot: nrot, approxZscore: approxZscore,
                                    legacy: legacy, rng: &rng)
        pv.append(out.pValue)
        active.append(out.activeProp)
        nGenes.append(out.nGenesInSet)
    }
    let direction = pv.map { $0[1] < $0[0] ? "Up" : "Down" }
    let pUpOrDown = pv.map { $0[2] }, pMixed = pv.map { $0[3] }
    let shift = midp ? 1 / 2 / Double(nrot + 1) : 0
    var fdr = pAdjust(pUpOrDown.map { midp ? $0 - shift : $0 }, method: adjustMethod)
    var fdrMixed = pAdjust(pMixed.map { midp ? $0 - shift : $0 }, method: adjustMethod)
    if midp {
        fdr = (0..<nsets).map { rMax(fdr[$0], pUpOrDown[$0]) }
        fdrMixed = (0..<nsets).map { rMax(fdrMixed[$0], pMixed[$0]) }
    }
    let propDown = active.map { $0[0] }, propUp = active.map { $0[1] }
    var tab = GeneSetTable(names: index.map { $0.name }, nGenes: nGenes, propDown: propDown, propUp: propUp,
                           direction: direction, pValue: pUpOrDown, fdr: fdr, pValueMixed: pMixed, fdrMixed: fdrMixed)
    tab.warnings = prep.warnings
    let negN = nGenes.map { -Double($0) }
    switch sort {
    case .none: return tab
    case .directional:
        let prop = (0..<nsets).map { -rMax(propUp[$0], propDown[$0]) }
        return tab.rows(GeneSetSupport.order([pUpOrDown, prop, negN, pMixed]))
    case .mixed:
        let prop = (0..<nsets).map { -(propUp[$0] + propDown[$0]) }
        return tab.rows(GeneSetSupport.order([pMixed, prop, negN, pUpOrDown]))
    }
}

/// `mroast` after R's `set.seed(seed)`.
public func mroast(_ y: Matrix, index: GeneSetIndex, design: Matrix, contrast: GeneSetContrast? = nil,
                   setStatistic: RoastSetStatistic = .mean, geneWeights: [Double]? = nil, varPrior: [Double]? = nil,
                   dfPrior: [Double]? = nil, nrot: Int = 1999, approxZscore: Bool = true, legacy: Bool = false,
                   adjustMethod: PAdjustMethod = .BH, midp: Bool = true, sort: GeneSetSort = .directional,
                   options: GeneSetModelOptions = GeneSetModelOptions(), seed: Int32) throws -> GeneSetTable {
    var rng = RRandom(seed: seed)
    return try mroast(y, index: index, design: design, contrast: contrast, setStatistic: setStatistic,
                      geneWeights: geneWeights, varPrior: varPrior, dfPrior: dfPrior, nrot: nrot,
                      approxZscore: approxZscore, legacy: legacy, adjustMethod: adjustMethod, midp: midp, sort: sort,
                      options: options, rng: &rng)
}

enum Roast {
    struct Prepared {
        var effects: Matrix
        var varPrior: [Double]
        var dfPrior: [Double]
        var varPost: [Double]
        var warnings: [LimmaWarning]
    }

    /// Effects and the variance prior, as roast.default and mroast.default
    /// compute them before looking at the sets.
    static func prepare(_ y: Matrix, design: Matrix, contrast: GeneSetContrast?, varPrior: [Double]?, dfPrior: [Double]?,
                        options: GeneSetModelOptions, function fn: String) throws -> Prepared {
        let effects = try LmEffects.compute(y, design: design, contrast: contrast, options: options, function: fn)
        let G = effects.nrow, k = effects.ncol
        let d = Double(k - 1)
        let s2 = (0..<G).map { g -> Double in
            var s: RLongDouble = 0
            for j in 1..<k { let e = effects[g, j]; s += RLongDouble(e * e) }
            return Double(s / RLongDouble(k - 1))
        }
        if let vp = varPrior, let dp = dfPrior {
            for (name, v) in [("var.prior", vp), ("df.prior", dp)] where v.count != 1 && v.count != G {
                throw LimmaError(fn, "\(name) should have length 1 or nrow(y)")
            }
            let post = squeezeVarPosterior(s2, df: [d], varPrior: vp, dfPrior: dp)
            return Prepared(effects: effects, varPrior: vp, dfPrior: dp, varPost: post, warnings: [])
        }
        let covariate: [Double]? = options.trendVar ? RBase.rowMeans(y) : nil
        let sv = try squeezeVar(s2, df: [d], covariate: covariate, robust: options.robust, winsorTailP: options.winsorTailP)
        return Prepared(effects: effects, varPrior: sv.varPrior, dfPrior: sv.dfPrior, varPost: sv.varPost, warnings: sv.warnings)
    }

    /// limma's `.roastEffects(effects, gene.weights, set.statistic, var.prior,
    /// df.prior, var.post, nrot, approx.zscore, chunk = 1000, legacy)`.
    static func effects(_ effects: Matrix, geneWeights gwIn: [Double]?, setStatistic: RoastSetStatistic,
                        varPrior: [Double], dfPrior: [Double], varPost: [Double], nrot: Int, approxZscore: Bool,
                        legacy: Bool, rng: inout RRandom) throws -> RoastResult {
        let fn = "roast"
        guard nrot >= 1 else { throw LimmaError(fn, "nrot must be a positive number of rotations") }
        let nset = effects.nrow, neffects = effects.ncol
        guard nset >= 1 else { throw LimmaError(fn, "the gene set is empty") }
        var gw = gwIn
        let dfResidual = Double(neffects - 1)
        let dfTotal = dfPrior.map { $0 + dfResidual }
        let rec = { (v: [Double], i: Int) -> Double in v.count == 1 ? v[0] : v[i] }
        let bailey = approxZscore && !legacy
        let dfWinsor = dfTotal.map { Swift.min($0, 10000) }
        func z(_ t: Double, _ i: Int) -> Double {
            if bailey { return zscoreTBailey(t, df: rec(dfWinsor, i)) }
            if approxZscore { return zscoreTHill(t, df: rec(dfTotal, i)) }
            return RMath.qnorm(RMath.pt(abs(t), df: rec(dfTotal, i), lowerTail: false, logP: true), lowerTail: false, logP: true)
                * rSign(t)
        }
        var modt = (0..<nset).map { z(effects[$0, 0] / varPost[$0].squareRoot(), $0) }

        let sqrt2 = 2.0.squareRoot()
        var a1: Double, a2: Double
        if let w = gw {
            let s = w.map(rSign)
            let ss = RBase.sum(s.map(abs))
            a1 = Double((0..<nset).filter { s[$0] * modt[$0] > sqrt2 }.count) / ss
            a2 = Double((0..<nset).filter { s[$0] * modt[$0] < -sqrt2 }.count) / ss
        } else {
            a1 = logicalMean((0..<nset).map { modt[$0] > sqrt2 })
            a2 = logicalMean((0..<nset).map { modt[$0] < -sqrt2 })
        }

        // Observed statistics: down, up, upordown, mixed.
        var obs = [Double](repeating: 0, count: 4)
        let chimed = RMath.qnorm(0.25, lowerTail: false)
        let half1: Int, half2: Int
        if nset % 2 == 0 { half1 = nset / 2; half2 = half1 + 1 } else { half1 = nset / 2 + 1; half2 = half1 }
        switch setStatistic {
        case .mean:
            if let w = gw { modt = (0..<nset).map { w[$0] * modt[$0] } }
            let m = RBase.mean(modt)
            obs[0] = -m
            obs[1] = m
            obs[3] = RBase.mean(modt.map(abs))
        case .floormean:
            var amodt = modt.map { rMax(abs($0), chimed) }
            if let w = gw {
                amodt = (0..<nset).map { w[$0] * amodt[$0] }
                modt = (0..<nset).map { w[$0] * modt[$0] }
            }
            obs[0] = RBase.mean(modt.map { rMax(-$0, 0) })
            obs[1] = RBase.mean(modt.map { rMax($0, 0) })
            obs[2] = rMax(obs[0], obs[1])
            obs[3] = RBase.mean(amodt)
        case .mean50:
            if let w = gw { modt = (0..<nset).map { w[$0] * modt[$0] } }
            let h = halfMeans(modt, half1: half1, half2: half2)
            obs[0] = h.down
            obs[1] = h.up
            obs[2] = rMax(h.down, h.up)
            obs[3] = h.mixed
        case .msq:
            var modt2 = modt.map { $0 * $0 }
            if let w = gw {
                modt2 = (0..<nset).map { abs(w[$0]) * modt2[$0] }
                modt = (0..<nset).map { w[$0] * modt[$0] }
            }
            obs[0] = RBase.sum((0..<nset).filter { modt[$0] < 0 }.map { modt2[$0] }) / Double(nset)
            obs[1] = RBase.sum((0..<nset).filter { modt[$0] > 0 }.map { modt2[$0] }) / Double(nset)
            obs[2] = rMax(obs[0], obs[1])
            obs[3] = RBase.mean(modt2)
        }

        // Rotations, in chunks.
        let chunk = legacy ? nrot : 1000
        let nchunk = (nrot + chunk - 1) / chunk
        var nroti = (nrot + nchunk - 1) / nchunk
        let overshoot = nchunk * nroti - nrot
        var count = [Int](repeating: 0, count: 4)
        let finDf = dfPrior.map { $0.isFinite }
        let allFin = !finDf.contains(false), anyFin = finDf.contains(true)
        var rowSS = [Double](repeating: 0, count: nset)
        for g in 0..<nset {
            var s: RLongDouble = 0
            for j in 0..<neffects { let e = effects[g, j]; s += RLongDouble(e * e) }
            rowSS[g] = Double(s)
        }
        for chunki in 1...nchunk {
            if chunki == nchunk { nroti -= overshoot }
            // R: matrix(rnorm(nroti * neffects), nroti, neffects), rows scaled to unit length.
            var rot = Matrix(nrow: nroti, ncol: neffects, values: rng.rnorm(nroti * neffects))
            for r in 0..<nroti {
                var s: RLongDouble = 0
                for j in 0..<neffects { let v = rot[r, j]; s += RLongDouble(v * v) }
                let len = Double(s).squareRoot()
                for j in 0..<neffects { rot[r, j] = rot[r, j] / len }
            }
            var modtr = tcrossprod(effects, rot)  // nset x nroti
            for r in 0..<nroti {
                for g in 0..<nset {
                    let x = modtr[g, r]
                    var s2r: Double
                    if allFin {
                        s2r = (rowSS[g] - x * x) / dfResidual
                        s2r = (rec(dfPrior, g) * rec(varPrior, g) + dfResidual * s2r) / dfTotal[dfTotal.count == 1 ? 0 : g]
                    } else if anyFin {
                        s2r = (rowSS[g] - x * x) / dfResidual
                        if finDf[finDf.count == 1 ? 0 : g] {
                            s2r = (dfPrior[g] * rec(varPrior, g) + dfResidual * s2r) / dfTotal[g]
                        }
                    } else {
                        s2r = rec(varPrior, g)
                    }
                    modtr[g, r] = z(x / s2r.squareRoot(), g)
                }
            }
            var stat = [[Double]](repeating: [0, 0, 0, 0], count: nroti)
            switch setStatistic {
            case .mean:
                if let w = gw { for r in 0..<nroti { for g in 0..<nset { modtr[g, r] = w[g] * modtr[g, r] } } }
                for r in 0..<nroti {
                    let m = colMean(modtr, r) { $0 }
                    stat[r][0] = -m
                    stat[r][1] = m
                    stat[r][3] = colMean(modtr, r) { abs($0) }
                }
            case .floormean:
                for r in 0..<nroti {
                    var down: RLongDouble = 0, up: RLongDouble = 0, mixed: RLongDouble = 0
                    for g in 0..<nset {
                        let x = modtr[g, r]
                        var ax = rMax(abs(x), chimed)
                        var xw = x
                        if let w = gw { ax = w[g] * ax; xw = w[g] * x }
                        down += RLongDouble(rMax(-xw, 0))
                        up += RLongDouble(rMax(xw, 0))
                        mixed += RLongDouble(ax)
                    }
                    let nn = RLongDouble(nset)
                    stat[r][0] = Double(down / nn)
                    stat[r][1] = Double(up / nn)
                    stat[r][2] = stat[r][1] > stat[r][0] ? stat[r][1] : stat[r][0]
                    stat[r][3] = Double(mixed / nn)
                }
            case .mean50:
                if let w = gw { for r in 0..<nroti { for g in 0..<nset { modtr[g, r] = w[g] * modtr[g, r] } } }
                for r in 0..<nroti {
                    let h = halfMeans(modtr.column(r), half1: half1, half2: half2)
                    stat[r][0] = h.down
                    stat[r][1] = h.up
                    stat[r][2] = rMax(h.down, h.up)
                    stat[r][3] = h.mixed
                }
            case .msq:
                if let w = gw {
                    // R reassigns gene.weights <- sqrt(abs(gene.weights)) in every chunk.
                    let s = w.map { abs($0).squareRoot() }
                    gw = s
                    for r in 0..<nroti { for g in 0..<nset { modtr[g, r] = s[g] * modtr[g, r] } }
                }
                for r in 0..<nroti {
                    stat[r][0] = colMean(modtr, r) { let v = rMax(-$0, 0); return v * v }
                    stat[r][1] = colMean(modtr, r) { let v = rMax($0, 0); return v * v }
                    stat[r][2] = stat[r][1] > stat[r][0] ? stat[r][1] : stat[r][0]
                    stat[r][3] = colMean(modtr, r) { $0 * $0 }
                }
            }
            for r in 0..<nroti {
                if stat[r][0] > obs[0] { count[0] += 1 }
                if stat[r][1] > obs[0] { count[0] += 1 }
                if stat[r][0] > obs[1] { count[1] += 1 }
                if stat[r][1] > obs[1] { count[1] += 1 }
                if setStatistic != .mean && stat[r][2] > obs[2] { count[2] += 1 }
                if stat[r][3] > obs[3] { count[3] += 1 }
            }
        }
        if setStatistic == .mean { count[2] = Swift.min(count[0], count[1]) }
        let mult = [2, 2, 1, 1]
        let p = (0..<4).map { Double(count[$0] + 1) / (Double(mult[$0]) * Double(nrot) + 1) }
        return RoastResult(activeProp: [a2, a1, rMax(a1, a2), a1 + a2], pValue: p, nGenesInSet: nset)
    }

    /// R's `mean` of a logical vector: a long-double count over n.
    static func logicalMean(_ x: [Bool]) -> Double {
        Double(RLongDouble(x.filter { $0 }.count) / RLongDouble(x.count))
    }

    /// R's `colMeans(f(x))[r]`: the long-double mean of column r after f.
    static func colMean(_ x: Matrix, _ r: Int, _ f: (Double) -> Double) -> Double {
        var s: RLongDouble = 0
        for g in 0..<x.nrow { s += RLongDouble(f(x[g, r])) }
        return Double(s / RLongDouble(x.nrow))
    }

    /// The mean50 statistics of z: `-mean(s[1:half1])`, `mean(s[half2:n])`
    /// with s = `sort(z, partial = half2)`, and `mean(s[half2:n])` for
    /// s = `sort(abs(z), partial = half2)` (R's partial sort, whose element
    /// order the means sum in).
    static func halfMeans(_ z: [Double], half1: Int, half2: Int) -> (down: Double, up: Double, mixed: Double) {
        var s = z
        partialSort(&s, half2 - 1)
        let down = -RBase.mean(Array(s[0..<half1]))
        let up = RBase.mean(Array(s[(half2 - 1)...]))
        var a = z.map(abs)
        partialSort(&a, half2 - 1)
        return (down, up, RBase.mean(Array(a[(half2 - 1)...])))
    }

    /// R's `rPsort2(x, 0, n - 1, k)` (sort.c): Hoare's selection, leaving
    /// x[k] in its sorted place, smaller values before and larger after.
    static func partialSort(_ x: inout [Double], _ k: Int) {
        func cmp(_ a: Double, _ b: Double) -> Int {
            let na = a.isNaN, nb = b.isNaN
            if na && nb { return 0 }
            if na { return 1 }
            if nb { return -1 }
            return a < b ? -1 : (a > b ? 1 : 0)
        }
        var lo = 0, hi = x.count - 1
        while lo < hi {
            let v = x[k]
            var i = lo, j = hi
            while i <= j {
                while cmp(x[i], v) < 0 { i += 1 }
                while cmp(v, x[j]) < 0 { j -= 1 }
                if i <= j {
                    x.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if j < k { lo = i }
            if k < i { hi = j }
        }
    }

    /// R's `tcrossprod(x, y)` = x y' (array.c): a plain double loop when
    /// either may hold NaN/Inf, else BLAS dgemv (one row in y, or one row in
    /// x) or dgemm("N", "T").
    static func tcrossprod(_ x: Matrix, _ y: Matrix) -> Matrix {
        let nrx = x.nrow, ncx = x.ncol, nry = y.nrow, ncy = y.ncol
        var z = [Double](repeating: 0, count: nrx * nry)
        if nrx == 0 || ncx == 0 || nry == 0 || ncy == 0 { return Matrix(nrow: nrx, ncol: nry, values: z) }
        if RLinAlg.mayHaveNaNOrInf(x.values) || RLinAlg.mayHaveNaNOrInf(y.values) {
            for i in 0..<nrx {
                for k in 0..<nry {
                    var sum = 0.0
                    for j in 0..<ncx { sum += x.values[i + j * nrx] * y.values[k + j * nry] }
                    z[i + k * nrx] = sum
                }
            }
            return Matrix(nrow: nrx, ncol: nry, values: z)
        }
        var one = 1.0, zero = 0.0, ione: Int32 = 1
        var m = Int32(nrx), n = Int32(ncx), ny = Int32(nry), nc = Int32(ncy)
        var tN = CChar(UInt8(ascii: "N")), tT = CChar(UInt8(ascii: "T"))
        x.values.withUnsafeBufferPointer { xb in
            y.values.withUnsafeBufferPointer { yb in
                z.withUnsafeMutableBufferPointer { zb in
                    if nry == 1 {
                        dgemv_(&tN, &m, &n, &one, xb.baseAddress, &m, yb.baseAddress, &ione, &zero, zb.baseAddress, &ione)
                    } else if nrx == 1 {
                        dgemv_(&tN, &ny, &nc, &one, yb.baseAddress, &ny, xb.baseAddress, &ione, &zero, zb.baseAddress, &ione)
                    } else {
                        dgemm_(&tN, &tT, &m, &ny, &n, &one, xb.baseAddress, &m, yb.baseAddress, &ny, &zero, zb.baseAddress, &m)
                    }
                }
            }
        }
        return Matrix(nrow: nrx, ncol: nry, values: z)
    }
}
