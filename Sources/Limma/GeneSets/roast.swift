// limma's roast and mroast (Wu et al. 2010): self-contained gene set tests
// by rotation of the residual space, with R's random rotations.
import Foundation

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
                                 options: options, keep: index.map { [$0] }, function: fn)
    let G = prep.genes
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
    var out = try Roast.effects(prep.effects(of: rows), geneWeights: gw, setStatistic: setStatistic,
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
                                 options: options, keep: index.map { $0.genes }, function: fn)
    let G = prep.genes
    try GeneSetSupport.checkIndex(index, genes: G, function: fn)
    if let w = geneWeights, w.count != G { throw LimmaError(fn, "gene.weights vector should be of length nrow(y)") }
    let nsets = index.count
    var pv = [[Double]](), active = [[Double]](), nGenes = [Int]()
    for set in index {
        let g = set.genes
        let out = try Roast.effects(prep.effects(of: g), geneWeights: geneWeights.map { w in g.map { w[$0] } },
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

/// How roast turns a gene's (rotated) contrast effect into a z-score, with
/// everything that depends on the gene alone worked out once per set.
///
/// `z(t, g)`: Bailey's approximation on `min(df.total, 10000)` df (default),
/// Hill's on `df.total` (`legacy`), or the exact `qnorm(pt(|t|))` with the sign
/// of t (`approxZscore` false), `df.total = df.prior + d`.
///
/// `rotated(x, rowSS, g)`: for a rotated effect x of a gene whose effects have
/// sum of squares `rowSS`, the residual variance `(rowSS - x^2)/d` squeezed
/// to `(df.prior var.prior + d s2)/df.total` when df.prior is finite (all of
/// them finite, or this gene's when some are), left as is when only some are
/// finite and this gene's is not, or `var.prior` itself when none is finite;
/// then `z(x / sqrt(s2), g)`. The same operations as limma's `.roastEffects`.
struct RotationZScore {
    enum Method { case bailey, hill, exact }
    enum Variance: UInt8 { case squeezed, residual, prior }

    let method: Method
    let dfResidual: Double
    /// Per gene: df.total, Bailey's constants, the variance rule, the prior
    /// term `df.prior var.prior`, the prior variance.
    let dfTotal: [Double]
    let bailey: [BaileyZScore]
    let variance: [Variance]
    let priorTerm: [Double]
    let varPrior: [Double]

    init(dfPrior: [Double], varPrior vp: [Double], dfResidual d: Double, genes: Int, approxZscore: Bool, legacy: Bool) {
        func rec(_ v: [Double], _ i: Int) -> Double { v.count == 1 ? v[0] : v[i] }
        method = approxZscore ? (legacy ? .hill : .bailey) : .exact
        dfResidual = d
        let total = dfPrior.map { $0 + d }
        dfTotal = (0..<genes).map { rec(total, $0) }
        bailey = method == .bailey ? dfTotal.map { BaileyZScore(df: Swift.min($0, 10000)) } : []
        let finite = dfPrior.map { $0.isFinite }
        let allFinite = !finite.contains(false), anyFinite = finite.contains(true)
        variance = (0..<genes).map { g in
            if allFinite { return .squeezed }
            if anyFinite { return finite[finite.count == 1 ? 0 : g] ? .squeezed : .residual }
            return .prior
        }
        priorTerm = (0..<genes).map { g in
            allFinite ? rec(dfPrior, g) * rec(vp, g) : (anyFinite && rec(finite.map { $0 ? 1 : 0 }, g) == 1 ? dfPrior[g] * rec(vp, g) : 0)
        }
        varPrior = (0..<genes).map { rec(vp, $0) }
    }

    @inline(__always) func z(_ t: Double, _ g: Int) -> Double {
        switch method {
        case .bailey: return bailey[g](t)
        case .hill: return zscoreTHill(t, df: dfTotal[g])
        case .exact:
            return RMath.qnorm(RMath.pt(abs(t), df: dfTotal[g], lowerTail: false, logP: true), lowerTail: false, logP: true)
                * rSign(t)
        }
    }

    @inline(__always) func rotated(_ x: Double, rowSS: Double, _ g: Int) -> Double {
        var s2r: Double
        switch variance[g] {
        case .squeezed:
            s2r = (rowSS - x * x) / dfResidual
            s2r = (priorTerm[g] + dfResidual * s2r) / dfTotal[g]
        case .residual:
            s2r = (rowSS - x * x) / dfResidual
        case .prior:
            s2r = varPrior[g]
        }
        return z(x / s2r.squareRoot(), g)
    }
}

/// `RotationZScore.rotated` for a whole rotation (one rotated effect per gene
/// of the set) when every gene's variance is squeezed and the z-score is
/// Bailey's (roast's defaults), with the divisions and square roots four
/// genes at a time: per gene, `s2 = (rowSS - x x) / d`,
/// `s2 = (priorTerm + d s2) / dfTotal`, `t = x / sqrt(s2)`, `u = t / c * t`,
/// then `log1p(u)` gene by gene (libm), then `z = a sqrt(b log1p(u)) sign(t)`:
/// the operations of `rotated` in its order, each IEEE-exact lane by lane, so
/// the same bits (a NaN may be another NaN). The per-gene constants are kept
/// in arrays padded to a multiple of four (padding lanes compute harmless
/// values that are never stored).
///
/// `rotate` forms a rotation's effects as `tcrossprod(effects, rot)`'s column
/// does (see `Roast.tcrossprod`): for each gene the sum from +0 over the
/// effects l in order of `rot[r, l] * effects[g, l]`, every term added (the
/// BLAS routine skips zero multipliers, which with finite operands and a sum
/// from +0 changes no bit; R's plain loop for NaN/Inf operands adds them all).
struct SqueezedBaileyColumn {
    let count: Int, padded: Int
    let d: Double
    /// Padded per-gene arrays: rowSS, priorTerm, dfTotal, Bailey's a, b, c;
    /// then scratch for x, t and u.
    let rowSS, prior, total, a, b, c, xs, ts, us: UnsafeMutablePointer<Double>
    /// The effects, padded x k column-major (padding rows zero).
    let k: Int
    let ep: UnsafeMutablePointer<Double>
    /// The current rotation's row (k values).
    let bs: UnsafeMutablePointer<Double>

    init?(_ zs: RotationZScore, rowSS ss: [Double], effects: Matrix) {
        guard zs.method == .bailey, zs.variance.allSatisfy({ $0 == .squeezed }) else { return nil }
        count = ss.count
        padded = (count + 3) & ~3
        d = zs.dfResidual
        k = effects.ncol
        ep = .allocate(capacity: Swift.max(padded * k, 1))
        ep.initialize(repeating: 0, count: Swift.max(padded * k, 1))
        for l in 0..<k { for g in 0..<count { ep[g + l * padded] = effects[g, l] } }
        bs = .allocate(capacity: Swift.max(k, 1))
        let n = count, np = padded
        func make(_ f: (Int) -> Double, pad: Double) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: np)
            for g in 0..<np { p[g] = g < n ? f(g) : pad }
            return p
        }
        rowSS = make({ ss[$0] }, pad: 1)
        prior = make({ zs.priorTerm[$0] }, pad: 1)
        total = make({ zs.dfTotal[$0] }, pad: 1)
        a = make({ zs.bailey[$0].a }, pad: 1)
        b = make({ zs.bailey[$0].b }, pad: 1)
        c = make({ zs.bailey[$0].c }, pad: 1)
        xs = make({ _ in 0 }, pad: 0)
        ts = make({ _ in 0 }, pad: 0)
        us = make({ _ in 0 }, pad: 0)
    }

    func free() {
        for p in [rowSS, prior, total, a, b, c, xs, ts, us, ep, bs] { p.deallocate() }
    }

    /// Row r of the n x k column-major rotation matrix `rot` applied to the
    /// effects: the rotated effects, into the x scratch.
    func rotate(_ rot: UnsafePointer<Double>, row r: Int, rows n: Int) {
        for l in 0..<k { bs[l] = rot[r + l * n] }
        // Four genes at a time, each sum in a register (the effects in order).
        var i = 0
        while i < padded {
            var acc = SIMD4<Double>(repeating: 0)
            var el = ep + i
            for l in 0..<k {
                acc = acc + SIMD4(repeating: bs[l]) * Self.load(el, 0)
                el += padded
            }
            Self.store(acc, xs, i)
            i += 4
        }
    }

    @inline(__always) private static func load(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> SIMD4<Double> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always) private static func store(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD4<Double>.self)
    }

    /// `sqrt` lane by lane for any input: the root of |v|, with `v` itself
    /// where it is a zero (sqrt(-0) = -0) and NaN where it is negative.
    @inline(__always) static func root(_ v: SIMD4<Double>) -> SIMD4<Double> {
        var r = LaneLeastSquares.rootOfMagnitude(v)
        r.replace(with: v, where: v .== 0)
        r.replace(with: .nan, where: v .< 0)
        return r
    }

    /// R's `sign` lane by lane: 1, -1, 0 for ±0, NaN for NaN.
    @inline(__always) static func sign(_ t: SIMD4<Double>) -> SIMD4<Double> {
        var s = SIMD4<Double>(repeating: 0)
        s.replace(with: 1, where: t .> 0)
        s.replace(with: -1, where: t .< 0)
        s.replace(with: t, where: t .!= t)
        return s
    }

    /// The z-scores of the rotated effects `x[0..<count]` into `out[0..<count]`.
    func z(_ x: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        for g in 0..<count { xs[g] = x[g] }
        z(into: out)
    }

    /// The z-scores of the rotated effects in the x scratch into `out[0..<count]`.
    func z(into out: UnsafeMutablePointer<Double>) {
        let dv = SIMD4<Double>(repeating: d)
        var i = 0
        while i < padded {
            let xv = Self.load(xs, i)
            var s2 = (Self.load(rowSS, i) - xv * xv) / dv
            s2 = (Self.load(prior, i) + dv * s2) / Self.load(total, i)
            let t = xv / Self.root(s2)
            Self.store(t, ts, i)
            Self.store(t / Self.load(c, i) * t, us, i)
            i += 4
        }
        for g in 0..<count { us[g] = log1p(us[g]) }
        i = 0
        while i < padded {
            let zv = Self.load(a, i) * Self.root(Self.load(b, i) * Self.load(us, i)) * Self.sign(Self.load(ts, i))
            if i + 4 <= count {
                Self.store(zv, out, i)
            } else {
                for l in 0..<(count - i) { out[i + l] = zv[l] }
            }
            i += 4
        }
    }
}

enum Roast {
    struct Prepared {
        /// The effects of the kept genes (all genes when `rows` is nil).
        var kept: Matrix
        var rows: SetRows?
        /// Genes in the data.
        var genes: Int
        var varPrior: [Double]
        var dfPrior: [Double]
        var varPost: [Double]
        var warnings: [LimmaWarning]

        /// The effects of the given genes (kept ones), in that order.
        func effects(of genes: [Int]) -> Matrix { kept.rows(rows.map { $0.places(genes) } ?? genes) }
    }

    /// Effects and the variance prior, as roast.default and mroast.default
    /// compute them before looking at the sets: one pass over the genes for
    /// every gene's residual mean square (squeezeVar needs them all), keeping
    /// the effects of the genes in `keep`'s sets only (nil: every gene).
    static func prepare(_ y: Matrix, design: Matrix, contrast: GeneSetContrast?, varPrior: [Double]?, dfPrior: [Double]?,
                        options: GeneSetModelOptions, keep: [[Int]]?, function fn: String) throws -> Prepared {
        let G = y.nrow, k = Swift.max(y.ncol - design.ncol + 1, 1)
        let rows = keep.map { SetRows($0, genes: G) }
        let nk = rows?.kept.count ?? G
        var kept = Matrix(nrow: nk, ncol: k)
        var s2 = [Double](repeating: 0, count: G)
        try kept.values.withUnsafeMutableBufferPointer { eb in
            try s2.withUnsafeMutableBufferPointer { sb in
                let out = UncheckedBox((eb, sb))
                try (rows?.slot ?? []).withUnsafeBufferPointer { slot in
                    try LmEffects.forEachGene(y, design: design, contrast: contrast, options: options, function: fn) { g, e in
                        let (eb, sb) = out.value
                        let r = rows == nil ? g : slot[g]
                        if r >= 0 { for j in 0..<k { eb[r + j * nk] = e[j] } }
                        var s: RLongDouble = 0
                        for j in 1..<k { let v = e[j]; s += RLongDouble(v * v) }
                        sb[g] = Double(s / RLongDouble(k - 1))
                    }
                }
            }
        }
        let d = Double(k - 1)
        if let vp = varPrior, let dp = dfPrior {
            for (name, v) in [("var.prior", vp), ("df.prior", dp)] where v.count != 1 && v.count != G {
                throw LimmaError(fn, "\(name) should have length 1 or nrow(y)")
            }
            let post = squeezeVarPosterior(s2, df: [d], varPrior: vp, dfPrior: dp)
            return Prepared(kept: kept, rows: rows, genes: G, varPrior: vp, dfPrior: dp, varPost: post, warnings: [])
        }
        let covariate: [Double]? = options.trendVar ? RBase.rowMeans(y) : nil
        let sv = try squeezeVar(s2, df: [d], covariate: covariate, robust: options.robust, winsorTailP: options.winsorTailP)
        return Prepared(kept: kept, rows: rows, genes: G, varPrior: sv.varPrior, dfPrior: sv.dfPrior, varPost: sv.varPost,
                        warnings: sv.warnings)
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
        let zs = RotationZScore(dfPrior: dfPrior, varPrior: varPrior, dfResidual: dfResidual, genes: nset,
                                approxZscore: approxZscore, legacy: legacy)
        var modt = (0..<nset).map { zs.z(effects[$0, 0] / varPost[$0].squareRoot(), $0) }

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
            var scratch = modt
            let h = modt.withUnsafeMutableBufferPointer { halfMeans($0, half1: half1, half2: half2, scratch: &scratch) }
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

        // Rotations, in chunks. Each rotation's z-scores, set statistics and
        // comparisons with the observed ones are computed in turn in one
        // scratch column (R computes them for the whole chunk; the counts
        // are the same).
        let chunk = legacy ? nrot : 1000
        let nchunk = (nrot + chunk - 1) / chunk
        var nroti = (nrot + nchunk - 1) / nchunk
        let overshoot = nchunk * nroti - nrot
        var count = [Int](repeating: 0, count: 4)
        var rowSS = [Double](repeating: 0, count: nset)
        for g in 0..<nset {
            var s: RLongDouble = 0
            for j in 0..<neffects { let e = effects[g, j]; s += RLongDouble(e * e) }
            rowSS[g] = Double(s)
        }
        let nn = RLongDouble(nset)
        var column = [Double](repeating: 0, count: nset)
        var sortScratch = [Double](repeating: 0, count: nset)
        // The default z-scores (Bailey's, every variance squeezed) four genes at a time.
        let lanes = SqueezedBaileyColumn(zs, rowSS: rowSS, effects: effects)
        defer { lanes?.free() }
        for chunki in 1...nchunk {
            if chunki == nchunk { nroti -= overshoot }
            // R: matrix(rnorm(nroti * neffects), nroti, neffects), rows scaled to unit length.
            var rot = Matrix(nrow: nroti, ncol: neffects, values: rng.rnorm(nroti * neffects))
            rot.values.withUnsafeMutableBufferPointer { rb in
                for r in 0..<nroti {
                    var s: RLongDouble = 0
                    for j in 0..<neffects { let v = rb[r + j * nroti]; s += RLongDouble(v * v) }
                    let len = Double(s).squareRoot()
                    for j in 0..<neffects { rb[r + j * nroti] = rb[r + j * nroti] / len }
                }
            }
            // nset x nroti (the lanes form each rotation's column themselves).
            let modtr = lanes == nil ? tcrossprod(effects, rot) : Matrix(nrow: 0, ncol: 0)
            if setStatistic == .msq, let w = gw {
                // R reassigns gene.weights <- sqrt(abs(gene.weights)) in every chunk.
                gw = w.map { abs($0).squareRoot() }
            }
            modtr.values.withUnsafeBufferPointer { mb in
              rot.values.withUnsafeBufferPointer { rotb in
                column.withUnsafeMutableBufferPointer { col in
                    for r in 0..<nroti {
                        if let lanes {
                            lanes.rotate(rotb.baseAddress!, row: r, rows: nroti)
                            lanes.z(into: col.baseAddress!)
                        } else {
                            for g in 0..<nset { col[g] = zs.rotated(mb[g + r * nset], rowSS: rowSS[g], g) }
                        }
                        var st = (0.0, 0.0, 0.0, 0.0)
                        switch setStatistic {
                        case .mean:
                            if let w = gw { for g in 0..<nset { col[g] = w[g] * col[g] } }
                            var s: RLongDouble = 0, sa: RLongDouble = 0
                            for g in 0..<nset { s += RLongDouble(col[g]) }
                            for g in 0..<nset { sa += RLongDouble(abs(col[g])) }
                            let m = Double(s / nn)
                            st = (-m, m, 0, Double(sa / nn))
                        case .floormean:
                            var down: RLongDouble = 0, up: RLongDouble = 0, mixed: RLongDouble = 0
                            for g in 0..<nset {
                                let x = col[g]
                                var ax = rMax(abs(x), chimed)
                                var xw = x
                                if let w = gw { ax = w[g] * ax; xw = w[g] * x }
                                down += RLongDouble(rMax(-xw, 0))
                                up += RLongDouble(rMax(xw, 0))
                                mixed += RLongDouble(ax)
                            }
                            st.0 = Double(down / nn)
                            st.1 = Double(up / nn)
                            st.2 = st.1 > st.0 ? st.1 : st.0
                            st.3 = Double(mixed / nn)
                        case .mean50:
                            if let w = gw { for g in 0..<nset { col[g] = w[g] * col[g] } }
                            let h = halfMeans(col, half1: half1, half2: half2, scratch: &sortScratch)
                            st = (h.down, h.up, rMax(h.down, h.up), h.mixed)
                        case .msq:
                            if let s = gw { for g in 0..<nset { col[g] = s[g] * col[g] } }
                            var down: RLongDouble = 0, up: RLongDouble = 0, all: RLongDouble = 0
                            for g in 0..<nset { let v = rMax(-col[g], 0); down += RLongDouble(v * v) }
                            for g in 0..<nset { let v = rMax(col[g], 0); up += RLongDouble(v * v) }
                            for g in 0..<nset { all += RLongDouble(col[g] * col[g]) }
                            st.0 = Double(down / nn)
                            st.1 = Double(up / nn)
                            st.2 = st.1 > st.0 ? st.1 : st.0
                            st.3 = Double(all / nn)
                        }
                        if st.0 > obs[0] { count[0] += 1 }
                        if st.1 > obs[0] { count[0] += 1 }
                        if st.0 > obs[1] { count[1] += 1 }
                        if st.1 > obs[1] { count[1] += 1 }
                        if setStatistic != .mean && st.2 > obs[2] { count[2] += 1 }
                        if st.3 > obs[3] { count[3] += 1 }
                    }
                }
              }
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

    /// The mean50 statistics of z: `-mean(s[1:half1])`, `mean(s[half2:n])`
    /// with s = `sort(z, partial = half2)`, and `mean(s[half2:n])` for
    /// s = `sort(abs(z), partial = half2)` (R's partial sort, whose element
    /// order the means sum in). `scratch` (at least z's length) is reused.
    static func halfMeans(_ z: UnsafeMutableBufferPointer<Double>, half1: Int, half2: Int, scratch s: inout [Double])
        -> (down: Double, up: Double, mixed: Double)
    {
        let n = z.count
        for i in 0..<n { s[i] = z[i] }
        partialSort(&s, half2 - 1, count: n)
        let down = -RBase.mean(Array(s[0..<half1]))
        let up = RBase.mean(Array(s[(half2 - 1)..<n]))
        for i in 0..<n { s[i] = abs(z[i]) }
        partialSort(&s, half2 - 1, count: n)
        return (down, up, RBase.mean(Array(s[(half2 - 1)..<n])))
    }

    /// R's `rPsort2(x, 0, n - 1, k)` (sort.c): Hoare's selection, leaving
    /// x[k] in its sorted place, smaller values before and larger after.
    static func partialSort(_ x: inout [Double], _ k: Int, count: Int? = nil) {
        func cmp(_ a: Double, _ b: Double) -> Int {
            let na = a.isNaN, nb = b.isNaN
            if na && nb { return 0 }
            if na { return 1 }
            if nb { return -1 }
            return a < b ? -1 : (a > b ? 1 : 0)
        }
        var lo = 0, hi = (count ?? x.count) - 1
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

    /// R's `tcrossprod(x, y)` = x y' (array.c), computed here with the
    /// operations of the routine R would call: when x or y may hold NaN/Inf
    /// (R's `mayHaveNaNOrInf`), R's plain loop, each entry a double sum from
    /// 0 of `x[i, l] y[k, l]` over l in order; otherwise reference BLAS
    /// `dgemm("N", "T")`, or `dgemv("N")` when y or x has one row, which
    /// form the same sums. The terms whose multiplier (the entry of y, or of
    /// x when only x has one row) is zero are skipped here, as newer
    /// reference BLAS does; the installed 3.11 adds them, but with finite
    /// operands and sums that start from +0 adding a zero term never changes
    /// a bit. The products keep the routine's operand order (which NaN
    /// payload wins) and nothing is fused, so the bits are those of R's call.
    static func tcrossprod(_ x: Matrix, _ y: Matrix) -> Matrix {
        let nrx = x.nrow, ncx = x.ncol, nry = y.nrow, ncy = y.ncol
        precondition(ncx == ncy, "tcrossprod: non-conformable arguments")
        var z = [Double](repeating: 0, count: nrx * nry)
        if nrx == 0 || ncx == 0 || nry == 0 { return Matrix(nrow: nrx, ncol: nry, values: z) }
        let blas = !(RLinAlg.mayHaveNaNOrInf(x.values) || RLinAlg.mayHaveNaNOrInf(y.values))
        let skipOnX = blas && nrx == 1 && nry != 1
        let skipOnY = blas && !skipOnX
        x.values.withUnsafeBufferPointer { xb in
            y.values.withUnsafeBufferPointer { yb in
                z.withUnsafeMutableBufferPointer { zb in
                    let xp = xb.baseAddress!, zp = zb.baseAddress!
                    for k in 0..<nry {
                        let zk = zp + k * nrx
                        var i0 = 0
                        if skipOnY {
                            // dgemm's sums for four rows of x at a time, one per lane.
                            while i0 + 4 <= nrx {
                                var acc = SIMD4<Double>(repeating: 0)
                                for l in 0..<ncx {
                                    let b = yb[k + l * nry]
                                    if b == 0 { continue }
                                    let xl = UnsafeRawPointer(xp + l * nrx + i0).loadUnaligned(as: SIMD4<Double>.self)
                                    acc = acc + SIMD4(repeating: b) * xl
                                }
                                UnsafeMutableRawPointer(zk + i0).storeBytes(of: acc, as: SIMD4<Double>.self)
                                i0 += 4
                            }
                            if i0 == nrx { continue }
                        }
                        for l in 0..<ncx {
                            let b = yb[k + l * nry]
                            if (skipOnY && b == 0) || (skipOnX && xp[l] == 0) { continue }
                            let xl = xp + l * nrx
                            if skipOnY {
                                for i in i0..<nrx { zk[i] = zk[i] + b * xl[i] }
                            } else {
                                for i in 0..<nrx { zk[i] = zk[i] + xl[i] * b }
                            }
                        }
                    }
                }
            }
        }
        return Matrix(nrow: nrx, ncol: nry, values: z)
    }
}
