// limma's fitFDistRobustly (R/fitFDistRobustly.R): robust estimation of a
// scaled F-distribution, with per-observation prior df shrunk for outliers.
import Foundation
import CRmath

/// limma's `fitFDistRobustly(x, df1, covariate, winsor.tail.p)`.
///
/// Winsorises `z = log(x)` about its trend (a `winsor.tail.p[2]`-trimmed mean)
/// at the `winsor.tail.p[1]` and `1 - winsor.tail.p[2]` quantiles and matches
/// the Winsorised variance to that of a Winsorised `log F(df1, df2)` (moments by
/// 128-node Gauss-Legendre quadrature on the `F/(1+F)` scale), solving for
/// `df2` with `uniroot` on the `df2/(1+df2)` scale from the non-robust
/// `fitFDist` estimate upwards. The scale is the Winsorised mean corrected by
/// the Winsorised log-F mean. Observations whose upper tail probability is
/// smaller than their empirical rank says (`(n - rank + 0.5)/n`) are outliers:
/// their `df2.shrunk` mixes `df2` with `df2.outlier` (the df making the largest
/// F the median), then `df2.shrunk` is made monotone in the tail probability.
/// Unequal `df1` are first converted to the largest `df1` at equal tail
/// probability. Variances below `1e-12 * median` are raised to it (3.54 warns).
///
/// With a covariate the trend of `z` is `loessFit(z, covariate, span = 0.4)`
/// and the scale is per observation; observations left out (missing x, tiny
/// df1) get the scale interpolated on the log scale along the covariate
/// (`approx(rule = 2, ties = mean)`).
public func fitFDistRobustly(_ xIn: [Double], df1 df1In: [Double], covariate: [Double]? = nil,
                             winsorTailP: (Double, Double) = (0.05, 0.1), version: LimmaVersion = .v3_54) throws -> FDistFit {
    let n = xIn.count
    if n < 2 {
        return FDistFit(scale: [.nan], df2: .nan, df2Shrunk: [.nan])
    }
    if n == 2 { return try fitFDist(xIn, df1: df1In, covariate: covariate, version: version) }
    if df1In.count != 1 && df1In.count != n { throw LimmaError("fitFDistRobustly", "x and df1 are different lengths") }
    if let c = covariate {
        if c.count != n { throw LimmaError("fitFDistRobustly", "x and covariate are different lengths") }
        if c.contains(where: { !$0.isFinite }) { throw LimmaError("fitFDistRobustly", "covariate contains NA or infinite values") }
    }
    let ok = (0..<n).map { !xIn[$0].isNaN && recycled(df1In, $0).isFinite && recycled(df1In, $0) > 1e-6 }
    if ok.contains(false) {
        let idx = (0..<n).filter { ok[$0] }
        let covOK = covariate.map { c in idx.map { c[$0] } }
        let sub = try fitFDistRobustly(idx.map { xIn[$0] }, df1: df1In.count > 1 ? idx.map { df1In[$0] } : df1In,
                                       covariate: covOK, winsorTailP: winsorTailP, version: version)
        var shrunk = [Double](repeating: sub.df2, count: n)
        if let s = sub.df2Shrunk { for (k, i) in idx.enumerated() { shrunk[i] = s.count == 1 ? s[0] : s[k] } }
        var scale = sub.scale
        if let c = covariate, let cOK = covOK {
            let notOK = (0..<n).filter { !ok[$0] }
            let interp = try approx(x: cOK, y: sub.scale.map { log($0) }, xout: notOK.map { c[$0] }, rule: 2)
            scale = [Double](repeating: 0, count: n)
            for (k, i) in idx.enumerated() { scale[i] = sub.scale[k] }
            for (k, i) in notOK.enumerated() { scale[i] = exp(interp[k]) }
        }
        var out = FDistFit(scale: scale, df2: sub.df2, df2Shrunk: shrunk)
        out.warnings = sub.warnings
        return out
    }
    var warnings: [LimmaWarning] = []
    var x = xIn
    let m = RBase.median(x)
    if !(m > 0) { throw LimmaError("fitFDistRobustly", "Variances are mostly <= 0") }
    let small = x.indices.filter { x[$0] < m * 1e-12 }
    if !small.isEmpty {
        if version == .v3_54 {
            warnings.append(LimmaWarning("fitFDistRobustly", small.count == 1
                ? "One very small variance detected, has been offset away from zero"
                : "\(small.count) very small variances detected, have been offset away from zero"))
        }
        for i in small { x[i] = m * 1e-12 }
    }
    var nonRobust = try fitFDist(x, df1: df1In, covariate: covariate, version: version)
    warnings += nonRobust.warnings
    let wtp = [winsorTailP.0, winsorTailP.1]
    let prob = [wtp[0], 1 - wtp[1]]
    if wtp.allSatisfy({ $0 < 1 / Double(n) }) {
        nonRobust.df2Shrunk = [Double](repeating: nonRobust.df2, count: n)
        nonRobust.warnings = warnings
        return nonRobust
    }
    var df1: Double
    if df1In.count > 1 {
        let df1max = df1In.max()!
        let lower = (0..<n).filter { df1In[$0] < df1max - 1e-14 }
        if !lower.isEmpty {
            let df2 = nonRobust.df2
            for i in lower {
                let s = recycled(nonRobust.scale, i)
                var f = x[i] / s
                let pupper = rmath_pf(f, df1In[i], df2, 0, 1)
                let plower = rmath_pf(f, df1In[i], df2, 1, 1)
                f = pupper < plower ? rmath_qf(pupper, df1max, df2, 0, 1) : rmath_qf(plower, df1max, df2, 1, 1)
                x[i] = f * s
            }
            df1 = df1max
        } else {
            df1 = df1In[0]
        }
    } else {
        df1 = df1In[0]
    }
    let z = x.map { log($0) }
    let ztrend: [Double]
    let zresid: [Double]
    if let c = covariate {
        let lo = try loessFit(y: z, x: c, span: 0.4)
        ztrend = lo.fitted
        zresid = lo.residuals
    } else {
        let zt = RNumerics.trimmedMean(z, trim: wtp[1])
        ztrend = [zt]
        zresid = z.map { $0 - zt }
    }
    let zrq = RBase.quantile(zresid, prob)
    let zwins = zresid.map { min(max($0, zrq[0]), zrq[1]) }
    let zwmean = RBase.mean(zwins)
    let zwvar = RBase.mean(zwins.map { ($0 - zwmean) * ($0 - zwmean) }) * Double(n) / Double(n - 1)
    let g = RNumerics.gaussQuad128
    func linkfun(_ v: Double) -> Double { v / (1 + v) }
    func linkinv(_ v: Double) -> Double { v / (1 - v) }
    func winsorizedMoments(_ df2: Double) -> (mean: Double, variance: Double) {
        let fq = [rmath_qf(wtp[0], df1, df2, 1, 0), rmath_qf(1 - wtp[1], df1, df2, 1, 0)]
        let zq = fq.map { log($0) }
        let q = fq.map { linkfun($0) }
        let q21 = q[1] - q[0]
        let nodes = g.nodes.map { q[0] + q21 * $0 }
        let fnodes = nodes.map { linkinv($0) }
        let znodes = fnodes.map { log($0) }
        let f = (0..<nodes.count).map { k -> Double in
            let om = 1 - nodes[k]
            return rmath_df(fnodes[k], df1, df2, 0) / (om * om)
        }
        let m = q21 * RBase.sum((0..<f.count).map { g.weights[$0] * f[$0] * znodes[$0] })
            + RBase.sum([zq[0] * wtp[0], zq[1] * wtp[1]])
        let v = q21 * RBase.sum((0..<f.count).map { k -> Double in let d = znodes[k] - m; return g.weights[k] * f[k] * (d * d) })
            + RBase.sum((0..<2).map { k -> Double in let d = zq[k] - m; return (d * d) * wtp[k] })
        return (m, v)
    }
    let momInf = winsorizedMoments(.infinity)
    let funvalInf = log(zwvar / momInf.variance)
    if funvalInf <= 0 {
        let ztc = ztrend.map { $0 + zwmean - momInf.mean }
        let s20 = ztc.map { exp($0) }
        let fstat = (0..<n).map { exp(z[$0] - recycled(ztc, $0)) }
        let tailP = fstat.map { rmath_pchisq($0 * df1, df1, 0, 0) }
        let rk = RBase.rank(fstat)
        let pno = (0..<n).map { min(tailP[$0] / ((Double(n) - rk[$0] + 0.5) / Double(n)), 1) }
        let dfPooled = Double(n) * df1
        var shrunk = [Double](repeating: .infinity, count: n)
        if pno.contains(where: { $0 < 1 }) {
            for i in 0..<n where pno[i] < 1 { shrunk[i] = pno[i] * dfPooled }
            let o = RBase.order(tailP)
            var run = -Double.infinity
            for i in o { run = max(run, shrunk[i]); shrunk[i] = run }
        }
        var out = FDistFit(scale: s20, df2: .infinity, df2Shrunk: shrunk)
        out.tailPValue = tailP
        out.warnings = warnings
        return out
    }
    func fun(_ v: Double) -> Double { log(zwvar / winsorizedMoments(linkinv(v)).variance) }
    if nonRobust.df2 == .infinity {
        nonRobust.df2Shrunk = [Double](repeating: .infinity, count: n)
        nonRobust.warnings = warnings
        return nonRobust
    }
    let rbx = linkfun(nonRobust.df2)
    let funvalLow = fun(rbx)
    let df2: Double
    if funvalLow >= 0 {
        df2 = nonRobust.df2
    } else {
        let u = RNumerics.uniroot(lower: rbx, upper: 1, fLower: funvalLow, fUpper: funvalInf, tol: 1e-8, fun)
        if u.iterations < 0 { warnings.append(LimmaWarning("uniroot", "_NOT_ converged in 1000 iterations")) }
        df2 = linkinv(u.root)
    }
    let mom = winsorizedMoments(df2)
    let ztc = ztrend.map { $0 + zwmean - mom.mean }
    let s20 = ztc.map { exp($0) }
    let fstat = (0..<n).map { exp(z[$0] - recycled(ztc, $0)) }
    let logTailP = fstat.map { rmath_pf($0, df1, df2, 0, 1) }
    let tailP = logTailP.map { exp($0) }
    let rk = RBase.rank(fstat)
    let logN = log(Double(n))
    let lpno = (0..<n).map { min(logTailP[$0] - (log(Double(n) - rk[$0] + 0.5) - logN), 0) }
    let pno = lpno.map { exp($0) }
    let probOutlier = lpno.map { -expm1($0) }
    var df2Outlier = df2
    var shrunk = [Double](repeating: df2, count: n)
    if lpno.contains(where: { $0 < 0 }) {
        let minLogTailP = logTailP.min()!
        if minLogTailP == -.infinity {
            df2Outlier = 0
            shrunk = pno.map { $0 * df2 }
        } else {
            df2Outlier = log(0.5) / minLogTailP * df2
            let newLogTailP = rmath_pf(fstat.max()!, df1, df2Outlier, 0, 1)
            df2Outlier = log(0.5) / newLogTailP * df2Outlier
            shrunk = (0..<n).map { pno[$0] * df2 + probOutlier[$0] * df2Outlier }
        }
        shrunk = monotoneShrunkDF(shrunk, order: RBase.order(logTailP))
    }
    var out = FDistFit(scale: s20, df2: df2, df2Shrunk: shrunk)
    out.tailPValue = tailP
    out.probOutlier = probOutlier
    out.df2Outlier = df2Outlier
    out.warnings = warnings
    return out
}

/// The last step of limma's robust df2 shrinkage: taking the values in
/// increasing tail-probability order `o`, the leading run up to the minimum of
/// the running means (`cumsum / (1:n)`, first minimum as `which.min`) is set
/// to that mean, then the running maximum (`cummax`) makes df2.shrunk
/// non-decreasing in the tail probability.
func monotoneShrunkDF(_ shrunk: [Double], order o: [Int]) -> [Double] {
    let n = o.count
    if n == 0 { return shrunk }
    var ordered = o.map { shrunk[$0] }
    var cm = RNumerics.cumsum(ordered)
    for k in 0..<n { cm[k] = cm[k] / Double(k + 1) }
    var imin = 0
    for k in 1..<n where cm[k] < cm[imin] || cm[imin].isNaN { imin = k }
    for k in 0...imin { ordered[k] = cm[imin] }
    var out = shrunk
    var run = -Double.infinity
    for (k, i) in o.enumerated() {
        run = (run.isNaN || ordered[k].isNaN) ? .nan : max(run, ordered[k])
        out[i] = run
    }
    return out
}
