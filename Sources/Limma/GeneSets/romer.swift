// limma's romer (Majewski et al. 2010): a competitive gene set test by
// rotation of ranks, for GSEA-like questions.
import Foundation

/// romer's set statistic (R's `set.statistic`).
public enum RomerSetStatistic: String, Sendable {
    case mean, floormean, mean50
}

/// What `romer` returns: R's matrix, one row per set, columns `NGenes`,
/// `Up`, `Down`, `Mixed`.
public struct RomerResult: Sendable, Equatable {
    public var names: [String]
    public var nGenes: [Int]
    public var up: [Double]
    public var down: [Double]
    public var mixed: [Double]
    public var warnings: [LimmaWarning] = []
}

/// limma's `romer(y, index, design, contrast, array.weights, block,
/// correlation, set.statistic, nrot, shrink.resid)` (limma 3.54.1
/// `romer.default`), with rotations drawn from `rng` (R's `rnorm` after
/// `set.seed`).
///
/// With the contrast last in the design (as `.lmEffects` arranges it; array
/// weights and blocks as there), Q'y gives per gene the contrast effect and d
/// residual effects; squeezeVar's posterior sd gives the moderated t. With
/// `shrinkResid` the contrast effect is shrunk by
/// `sqrt(v / (v + v0 ProbDE))`, where `v = 1/R[p,p]^2`, v0 is limma's
/// `tmixture.vector` estimate (limited to `(0.1^2, 4^2)/s0^2`) with the
/// proportion of non-null genes `1 - propTrueNull(p)` (local-FDR method),
/// and ProbDE the posterior probability from eBayes's log-odds. Each set's
/// mean rank (mean: ranks of t, of -t and of |t|; floormean: of max(t, 0),
/// max(-t, 0), max(|t|, 1); mean50: the means of the lower and upper halves
/// of its ranks) is compared with its value under each of `nrot` rotations
/// of the (shrunk) effects, one normal vector per rotation; `P = (b + 1)/(nrot + 1)`.
///
/// Errors: a design with fewer than two columns or not of full rank (R then
/// prints "Coefficients not estimable" and continues), mismatched lengths,
/// non-positive array weights, a block without a correlation.
public func romer(_ y: Matrix, index: GeneSetIndex, design: Matrix, contrast: GeneSetContrast? = nil,
                  arrayWeights: [Double]? = nil, block: [String]? = nil, correlation: Double? = nil,
                  setStatistic: RomerSetStatistic = .mean, nrot: Int = 9999, shrinkResid: Bool = true,
                  rng: inout RRandom) throws -> RomerResult {
    let fn = "romer"
    let G = y.nrow, n = y.ncol
    try GeneSetSupport.checkIndex(index, genes: G, function: fn)
    if let e = index.first(where: { $0.genes.isEmpty }) { throw LimmaError(fn, "gene set '\(e.name)' is empty") }
    guard design.nrow == n else { throw LimmaError(fn, "row dimension of design matrix must match column dimension of data") }
    let p = design.ncol
    if p < 2 { throw LimmaError(fn, "design needs at least two columns") }
    if n - p < 1 { throw LimmaError(fn, "No residual degrees of freedom") }
    guard nrot >= 1 else { throw LimmaError(fn, "nrot must be a positive number of rotations") }
    if let aw = arrayWeights {
        if aw.contains(where: { !($0 > 0) }) { throw LimmaError(fn, "array.weights must be positive") }
        if aw.count != n { throw LimmaError(fn, "Length of array.weights doesn't match number of array") }
    }
    let d = n - p
    let options = GeneSetModelOptions(arrayWeights: arrayWeights, block: block, correlation: correlation)
    // Effects, columns p - 1..<n of Q'y: the contrast effect (unsigned) and the residual effects.
    let fitted = try Romer.effects(y, design: design, contrast: contrast, options: options)
    var Y = fitted.Y  // (d + 1) x G
    let signc = fitted.signc
    var s2 = [Double](repeating: 0, count: G), YY = [Double](repeating: 0, count: G)
    for g in 0..<G {
        var s: RLongDouble = 0, t: RLongDouble = 0
        for k in 0...d {
            let v = Y[k, g] * Y[k, g]
            t += RLongDouble(v)
            if k > 0 { s += RLongDouble(v) }
        }
        s2[g] = Double(s / RLongDouble(d))
        YY[g] = Double(t)
    }
    let sv = try squeezeVar(s2, df: [Double(d)])
    var warnings = sv.warnings
    let d0 = sv.dfPrior[0], s02 = sv.varPrior[0]
    let modt = (0..<G).map { signc * Y[0, $0] / sv.varPost[$0].squareRoot() }
    if shrinkResid {
        let pv = modt.map { 2 * RMath.pt(abs($0), df: d0 + Double(d), lowerTail: false) }
        let proportion = 1 - Romer.propTrueNullLocalFDR(pv)
        let su = 1 / abs(fitted.rLast)
        let vu = su * su
        let dfTotal = Double(d) + d0
        var v0 = tmixtureVector(tstat: modt, stdevUnscaled: [Double](repeating: su, count: G),
                                df: [Double](repeating: dfTotal, count: G), proportion: proportion,
                                v0Lim: (0.1 * 0.1 / s02, 4 * 4 / s02))
        if v0.isNaN {
            v0 = 1 / s02
            warnings.append(LimmaWarning(fn, "Estimation of var.prior failed - set to default value"))
        }
        let r = (vu + v0) / vu
        for g in 0..<G {
            let t2 = modt[g] * modt[g]
            let kernel = d0 > 1e6 ? t2 * (1 - 1 / r) / 2 : (1 + dfTotal) / 2 * log((t2 + dfTotal) / (t2 / r + dfTotal))
            let lods = log(proportion / (1 - proportion)) - log(r) / 2 + kernel
            let probDE = exp(lods) / (1 + exp(lods))
            Y[0, g] = Y[0, g] * (vu / (vu + v0 * probDE)).squareRoot()
        }
    }
    let nsets = index.count
    let sizes = index.map { Double($0.genes.count) }
    var count = [[Double]](repeating: [0, 0, 0], count: nsets)

    switch setStatistic {
    case .mean, .floormean:
        let obs = Romer.setRanks(modt, index: index, sizes: sizes, floor: setStatistic == .floormean)
        for _ in 0..<nrot {
            let modtr = try Romer.rotate(Y, YY: YY, d: d, d0: d0, s02: s02, signc: signc, rng: &rng)
            let rot = Romer.setRanks(modtr, index: index, sizes: sizes, floor: setStatistic == .floormean)
            for i in 0..<nsets { for c in 0..<3 where rot[i][c] >= obs[i][c] { count[i][c] += 1 } }
        }
    case .mean50:
        let m = index.map { ($0.genes.count + 1) / 2 }
        func halves(_ t: [Double]) -> [(up: Double, down: Double, mixed: Double)] {
            let r = RBase.rank(t), ra = RBase.rank(t.map { abs($0) })
            return index.enumerated().map { i, set in
                let h = Romer.meanHalf(set.genes.map { r[$0] }, m[i])
                return (h.bottom, h.top, Romer.meanHalf(set.genes.map { ra[$0] }, m[i]).bottom)
            }
        }
        let obs = halves(modt)
        for _ in 0..<nrot {
            let rot = halves(try Romer.rotate(Y, YY: YY, d: d, d0: d0, s02: s02, signc: signc, rng: &rng))
            for j in 0..<nsets {
                if rot[j].up >= obs[j].up { count[j][0] += 1 }
                if rot[j].down <= obs[j].down { count[j][1] += 1 }
                if rot[j].mixed >= obs[j].mixed { count[j][2] += 1 }
            }
        }
    }
    let pv = count.map { c in c.map { ($0 + 1) / Double(nrot + 1) } }
    return RomerResult(names: index.map { $0.name }, nGenes: index.map { $0.genes.count }, up: pv.map { $0[0] },
                       down: pv.map { $0[1] }, mixed: pv.map { $0[2] }, warnings: warnings)
}

/// `romer` after R's `set.seed(seed)`.
public func romer(_ y: Matrix, index: GeneSetIndex, design: Matrix, contrast: GeneSetContrast? = nil,
                  arrayWeights: [Double]? = nil, block: [String]? = nil, correlation: Double? = nil,
                  setStatistic: RomerSetStatistic = .mean, nrot: Int = 9999, shrinkResid: Bool = true,
                  seed: Int32) throws -> RomerResult {
    var rng = RRandom(seed: seed)
    return try romer(y, index: index, design: design, contrast: contrast, arrayWeights: arrayWeights, block: block,
                     correlation: correlation, setStatistic: setStatistic, nrot: nrot, shrinkResid: shrinkResid, rng: &rng)
}

enum Romer {
    /// The rows p-1..n-1 of Q'y (a (d+1) x G matrix), the sign of R[p,p] and
    /// R[rank,rank], for the design arranged as romer arranges it.
    static func effects(_ yIn: Matrix, design: Matrix, contrast: GeneSetContrast?, options: GeneSetModelOptions) throws
        -> (Y: Matrix, signc: Double, rLast: Double)
    {
        let fn = "romer"
        let n = yIn.ncol, p = design.ncol, G = yIn.nrow
        if yIn.values.contains(where: { !$0.isFinite }) { throw LimmaError(fn, "y contains missing or infinite values") }
        var X: Matrix
        if let j = try GeneSetSupport.contrastColumn(contrast, design: design, function: fn) {
            X = j < p - 1 ? GeneSetSupport.moveLast(design, j) : design
        } else if case .vector(let c)? = contrast {
            if c.allSatisfy({ $0 == 0 }) { throw LimmaError(fn, "contrast is all zero") }
            X = try LmEffects.contrastAsCoefLast(design, c)
        } else {
            X = design
        }
        var y = yIn
        if let aw = options.arrayWeights {
            let ws = aw.map { $0.squareRoot() }
            X = GeneSetSupport.scaleRows(X, ws)
            for j in 0..<n { for g in 0..<G { y[g, j] = y[g, j] * ws[j] } }
        }
        if let block = options.block {
            guard let rho = options.correlation else { throw LimmaError(fn, "correlation must be set") }
            let R = try LmEffects.blockCholesky(block, correlation: rho, n: n, function: fn)
            y = try RLinAlg.backsolve(R, y.transposed, transpose: true, function: fn).transposed
            X = try RLinAlg.backsolve(R, X, transpose: true, function: fn)
        }
        let qr = QRDecomposition(X)
        if qr.rank < p { throw LimmaError(fn, "design must be full column rank") }
        let eff = qr.leastSquares(y.transposed).effects
        var Y = Matrix(nrow: n - p + 1, ncol: G)
        for g in 0..<G { for k in (p - 1)..<n { Y[k - p + 1, g] = eff[k, g] } }
        return (Y, rSign(qr.qr[p - 1, p - 1]), qr.qr[qr.rank - 1, qr.rank - 1])
    }

    /// One rotation's moderated t: a unit normal vector R (R's `rnorm(d + 1)`),
    /// `Br = R Y`, `s2r = (YY - Br^2)/d`, posterior sd with the prior, `signc Br / sd`.
    static func rotate(_ Y: Matrix, YY: [Double], d: Int, d0: Double, s02: Double, signc: Double, rng: inout RRandom) throws
        -> [Double]
    {
        var r = rng.rnorm(d + 1)
        var s: RLongDouble = 0
        for v in r { s += RLongDouble(v * v) }
        let len = Double(s).squareRoot()
        r = r.map { $0 / len }
        let br = RLinAlg.matprod(Matrix(nrow: 1, ncol: d + 1, values: r), Y).values
        let dd = Double(d)
        return (0..<br.count).map { g in
            let s2r = (YY[g] - br[g] * br[g]) / dd
            let sd = d0.isFinite ? ((d0 * s02 + dd * s2r) / (d0 + dd)).squareRoot() : s02.squareRoot()
            return signc * br[g] / sd
        }
    }

    /// Mean ranks per set: (t, -t, |t|) for mean, or (max(t,0), max(-t,0),
    /// max(|t|,1)) for floormean; `rowsum` in set order, over the set size.
    static func setRanks(_ t: [Double], index: GeneSetIndex, sizes: [Double], floor: Bool) -> [[Double]] {
        let G = Double(t.count)
        let r1: [Double], r2: [Double], r3: [Double]
        if floor {
            r1 = RBase.rank(t.map { rMax($0, 0) })
            r2 = RBase.rank(t.map { rMax(-$0, 0) })
            r3 = RBase.rank(t.map { rMax(abs($0), 1) })
        } else {
            r1 = RBase.rank(t)
            r2 = r1.map { G - $0 + 1 }
            r3 = RBase.rank(t.map { abs($0) })
        }
        return index.enumerated().map { i, set in
            var a = 0.0, b = 0.0, c = 0.0
            for g in set.genes { a += r1[g]; b += r2[g]; c += r3[g] }
            return [a / sizes[i], b / sizes[i], c / sizes[i]]
        }
    }

    /// limma's `.meanHalf(x, n)`: with a = `sort(x, partial = n)`, the mean
    /// of a[1:n] and of a[(n+1):l] (l even) or a[n:l] (l odd).
    static func meanHalf(_ x: [Double], _ n: Int) -> (top: Double, bottom: Double) {
        var a = x
        Roast.partialSort(&a, n - 1)
        let l = a.count
        let top = RBase.mean(Array(a[0..<n]))
        let bottom = l % 2 == 0 ? RBase.mean(Array(a[n..<l])) : RBase.mean(Array(a[(n - 1)..<l]))
        return (top, bottom)
    }

    /// limma's `propTrueNull(p, method = "lfdr")`: with p sorted decreasingly
    /// and i = n, ..., 1, `2 sum(i min(n p / i, 1)) / (n (n + 1))`.
    static func propTrueNullLocalFDR(_ p: [Double]) -> Double {
        let n = p.count
        let s = p.sorted(by: >)
        var acc: RLongDouble = 0
        for (k, v) in s.enumerated() {
            let i = Double(n - k)
            acc += RLongDouble(i * rMin(Double(n) / i * v, 1))
        }
        return Double(acc) / Double(n) / Double(n + 1) * 2
    }
}
