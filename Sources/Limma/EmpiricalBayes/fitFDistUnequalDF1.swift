// limma 3.62+'s fitFDistUnequalDF1 (R/fitFDistUnequalDF1.R): estimation of a
// scaled F-distribution when the numerator df vary between observations.
import Foundation
import CRmath

/// limma's `fitFDistUnequalDF1(x, df1, covariate, robust, prior.weights)`
/// (3.62+; what `squeezeVar` uses in 3.66 when residual df differ).
///
/// Missing x and `df1 < 0.01` get prior weight 0 (and df1 1). With
/// `x_+ = max(x, 1e-12 median(x[informative]))`, `d1 = df1/2`,
/// `e = log(x_+) + logmdigamma(d1)` and weights `w = 1/trigamma(d1)` (times the
/// prior weights), the centre is `sum(w e)/sum(w)`; then `d2 = df2/2` maximises
/// the weighted profile log-likelihood of the scaled F,
/// `sum pw [-(d1+d2) log1p(d1 x_+/(d2 s0^2)) - d1 log(d2 s0^2) + lgamma(d1+d2) - lgamma(d2)]`
/// with `s0^2 = exp(centre - logmdigamma(d2))`, over `p = d2/(1+d2)` in
/// (0.5, 0.9998) by `optimize`. So df2 is finite (at most 9998).
///
/// Robust: two-sided F p-values, BH-adjusted, FDR > 0.3 set to 1; if any stay
/// below, refit with the FDRs as prior weights, and shrink `df2` for right
/// outliers (`(n - rank + 0.5)/n` versus the upper tail p-value) towards the df
/// that makes the largest F the median, monotone in the tail p-value.
/// Fewer than two informative values give NA.
///
/// With a covariate the centre is a trend: `loessFit(e, covariate, weights =
/// w / quantile(w, 0.75), min.weight = 1e-8, max.weight = 100, span =
/// chooseLowessSpan(n, small.n = 500), iterations = 1)`, and the scale is per
/// observation.
public func fitFDistUnequalDF1(_ xIn: [Double], df1 df1In: [Double], covariate: [Double]? = nil, robust: Bool = false,
                               priorWeights: [Double]? = nil) throws -> FDistFit {
    let n = xIn.count
    let fn = "fitFDistUnequalDF1"
    if df1In.count != 1 && df1In.count != n { throw LimmaError(fn, "x and df1 are different lengths") }
    if df1In.contains(where: { $0.isNaN }) { throw LimmaError(fn, "NA df1 values") }
    var cov = covariate
    if let c = cov {
        if c.count != n { throw LimmaError(fn, "x and covariate are different lengths") }
        if c.contains(where: { $0.isNaN }) { throw LimmaError(fn, "prior.weights contain NA values") }
    }
    var pw = priorWeights
    if let p = pw {
        if p.count != n { throw LimmaError(fn, "x and covariate are different lengths") }
        if p.contains(where: { $0.isNaN }) { throw LimmaError(fn, "prior.weights contain NA values") }
        if let m = p.min(), m < 0 { throw LimmaError(fn, "prior.weights are negative") }
    }
    var x = xIn
    if x.contains(where: { $0.isNaN }) {
        if pw == nil { pw = x.map { $0.isNaN ? 0 : 1 } } else { for i in 0..<n where x[i].isNaN { pw![i] = 0 } }
        for i in 0..<n where x[i].isNaN { x[i] = 0 }
    }
    var df1 = df1In
    if let mn = df1.min(), mn < 0.01 {
        if df1.count == 1 && n > 1 { df1 = [Double](repeating: df1[0], count: n) }
        if pw == nil { pw = df1.map { $0 < 0.01 ? 0 : 1 } } else { for i in 0..<n where df1[i] < 0.01 { pw![i] = 0 } }
        for i in 0..<df1.count where df1[i] < 0.01 { df1[i] = 1 }
    }
    let hasPriorWeights = pw != nil
    var informative = x.map { $0 > 0 }
    if let p = pw { for i in 0..<n where p[i] == 0 { informative[i] = false } }
    let nInformative = informative.filter { $0 }.count
    if nInformative < 2 { return FDistFit(scale: [.nan], df2: .nan) }
    var robust = robust
    if nInformative == 2 {
        cov = nil
        robust = false
        pw = nil
    }
    let m = RBase.median((0..<n).filter { informative[$0] }.map { x[$0] })
    let xpos = x.map { max($0, 1e-12 * m) }
    let z = xpos.map { log($0) }
    let d1 = df1.map { $0 / 2 }
    let e = (0..<n).map { z[$0] + logmdigamma(recycled(d1, $0)) }
    var w = d1.map { 1 / rmath_trigamma($0) }
    if w.count < n { w = (0..<n).map { w[$0 % w.count] } }
    // limma multiplies by prior.weights whenever they were given, even after
    // they were dropped for n.informative == 2 (R's w * NULL is empty).
    if hasPriorWeights { w = pw.map { p in (0..<n).map { w[$0] * p[$0] } } ?? [] }
    let emean: [Double]
    if let c = cov {
        let span = chooseLowessSpan(n: Double(n), smallN: 500)
        let q75 = RBase.quantile(w, [0.75])[0]
        emean = try loessFit(y: e, x: c, weights: w.map { $0 / q75 }, span: span, iterations: 1,
                             minWeight: 1e-8, maxWeight: 1e2).fitted
    } else {
        emean = [RBase.sum((0..<w.count).map { w[$0] * e[$0] }) / RBase.sum(w)]
    }
    let d1x = (0..<n).map { recycled(d1, $0) * xpos[$0] }
    func minusTwiceLogLik(_ par: Double) -> Double {
        let d2 = par / (1 - par)
        let lmd = logmdigamma(d2)
        let terms = (0..<n).map { i -> Double in
            let a = recycled(d1, i)
            let d2s20 = d2 * exp(recycled(emean, i) - lmd)
            return -(a + d2) * log1p(d1x[i] / d2s20) - a * log(d2s20) + rmath_lgammafn(a + d2) - rmath_lgammafn(d2)
        }
        if hasPriorWeights {
            guard let p = pw else { return -2 * 0 }
            return -2 * RBase.sum((0..<n).map { p[$0] * terms[$0] })
        }
        return -2 * RBase.sum(terms)
    }
    let pmin = RNumerics.optimize(lower: 1.0 / 2, upper: 0.9998, minusTwiceLogLik)
    let d2 = pmin / (1 - pmin)
    var s20 = emean.map { exp($0 - logmdigamma(d2)) }
    if !robust { return FDistFit(scale: s20, df2: 2 * d2) }

    var df2 = 2 * d2
    let fstat = (0..<n).map { x[$0] / recycled(s20, $0) }
    let rightP = (0..<n).map { rmath_pf(fstat[$0], recycled(df1, $0), df2, 0, 0) }
    var leftP = rightP.map { 1 - $0 }
    if let mn = leftP.min(), mn < 0.001 {
        for i in 0..<n where leftP[i] < 0.001 { leftP[i] = rmath_pf(fstat[i], recycled(df1, i), df2, 1, 0) }
    }
    let twoSided = (0..<n).map { 2 * min(leftP[$0], rightP[$0]) }
    var fdr = pAdjust(twoSided, method: .BH)
    for i in 0..<n where fdr[i] > 0.3 { fdr[i] = 1 }
    if fdr.min() == 1 { return FDistFit(scale: s20, df2: df2) }
    let outpw = try fitFDistUnequalDF1(x, df1: df1, covariate: cov, robust: false, priorWeights: fdr)
    s20 = outpw.scale
    df2 = outpw.df2
    let rk = RBase.rank(fstat)
    let pno = (0..<n).map { min(rightP[$0] / ((Double(n) - rk[$0] + 0.5) / Double(n)), 1) }
    if pno.min() == 1 { return outpw }
    var imin = 0
    for i in 1..<n where rightP[i] < rightP[imin] { imin = i }
    let minRightP = rightP[imin]
    var df2Outlier: Double
    var shrunk: [Double]
    if minRightP == 0 {
        df2Outlier = 0
        shrunk = pno.map { $0 * df2 }
    } else {
        df2Outlier = log(0.5) / log(minRightP) * df2
        let newLogRightP = rmath_pf(fstat[imin], recycled(df1, imin), df2Outlier, 0, 1)
        df2Outlier = log(0.5) / newLogRightP * df2Outlier
        shrunk = pno.map { $0 * df2 + (1 - $0) * df2Outlier }
    }
    shrunk = monotoneShrunkDF(shrunk, order: RBase.order(rightP))
    var out = FDistFit(scale: s20, df2: df2, df2Shrunk: shrunk)
    out.df2Outlier = df2Outlier
    return out
}
