// limma's fitFDist (R/fitFDist.R): moment estimation of a scaled
// F-distribution's scale and denominator degrees of freedom.
import Foundation
import CRmath
import LimmaFMA

/// The fitted scaled F-distribution `x ~ scale * F(df1, df2)` that
/// `fitFDist`, `fitFDistRobustly` and `fitFDistUnequalDF1` return.
public struct FDistFit: Sendable, Equatable {
    /// `scale` (s0^2): one value, or one per observation when a covariate
    /// trend was fitted. NaN where R gives NA.
    public var scale: [Double]
    /// `df2` (d0), possibly infinite; NaN where R gives NA.
    public var df2: Double
    /// `df2.shrunk`: per-observation df2 after outlier shrinkage (robust fits).
    public var df2Shrunk: [Double]?
    /// `tail.p.value` (fitFDistRobustly).
    public var tailPValue: [Double]?
    /// `prob.outlier` (fitFDistRobustly).
    public var probOutlier: [Double]?
    /// `df2.outlier` (robust fits).
    public var df2Outlier: Double?
    /// Warnings R would have printed.
    public var warnings: [LimmaWarning] = []

    public init(scale: [Double], df2: Double, df2Shrunk: [Double]? = nil) {
        self.scale = scale
        self.df2 = df2
        self.df2Shrunk = df2Shrunk
    }
}

/// The number of distinct values (by `==`) in the NaN-free `x`, counted up to
/// `cap`: `min(cap, length(unique(x)))` without hashing every value (the
/// scan stops at the cap-th distinct value).
func distinctCount(_ x: [Double], atMost cap: Int) -> Int {
    var seen = [Double]()
    for v in x where !seen.contains(v) {
        seen.append(v)
        if seen.count >= cap { break }
    }
    return seen.count
}

/// R's `median(x)` of NaN-free values (`x.count >= 1`): the middle order
/// statistic, or the mean of the two (`RBase.mean`), found by
/// `selectCounting` on a copy (with AVX-512 where enabled): the value at
/// sorted position `n / 2`, and for even n the one before it, which is the
/// same value when fewer than `n / 2` values lie below it, else the largest
/// value below it. The values are those of any selection or sort; only
/// the sign of a zero could differ, and the caller has none of -0.
func fitFDistMedian(_ x: [Double]) -> Double {
    let n = x.count, half = n / 2
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * n) { buffer in
        let room = buffer.baseAddress!
        x.withUnsafeBufferPointer { room.update(from: $0.baseAddress!, count: n) }
        let (v, less, _) = selectCounting(room, n, half, scratch: room + n)
        if n % 2 == 1 { return v }
        var below = v
        if less > half - 1 {
            below = -Double.infinity
            for a in x where a < v && a > below { below = a }
        }
        return RBase.mean([below, v])
    }
}

/// Expands an R argument that may have length 1 (recycled) to element i.
@inline(__always) func recycled(_ v: [Double], _ i: Int) -> Double { v.count == 1 ? v[0] : v[i] }

/// limma's `fitFDist(x, df1, covariate)`: fits `x ~ s0^2 F(df1, d0)` by the
/// method of moments on `log(x)`.
///
/// With `z = log(x)` and `e = z - digamma(df1/2) + log(df1/2)` (3.66:
/// `e = z + logmdigamma(df1/2)`), `E[e] = log(s0^2) + logmdigamma(d0/2)` ... so
/// `evar = var(e) - mean(trigamma(df1/2))` estimates `trigamma(d0/2)`:
/// `d0 = 2 trigammaInverse(evar)` and `s0^2 = exp(mean(e) + digamma(d0/2) -
/// log(d0/2))` when `evar > 0`; otherwise `d0 = Inf` and `s0^2 = mean(x)` (or
/// `exp` of the trend). With a covariate the mean of `e` is a natural-spline
/// trend (`ns(covariate, df = 1 + (n>=3) + (n>=6) + (n>=30), intercept = TRUE)`,
/// capped at the number of distinct covariate values, fitted by `lm.fit`) and
/// `evar` is the mean squared residual effect.
///
/// Edge cases as in R: no values gives NA; one value gives `scale = x, df2 = 0`;
/// observations with non-finite x, `x < -1e-15` or `df1 <= 1e-15` are left out
/// of the fit (with a covariate their trend is extrapolated by the spline);
/// zero values are offset to `1e-5 * median` with a warning; more than half
/// zero gives a warning and median 1. Infinite covariate values are moved one
/// unit beyond the finite range.
public func fitFDist(_ x: [Double], df1: [Double], covariate: [Double]? = nil, version: LimmaVersion = .v3_54) throws -> FDistFit {
    let n = x.count
    if n == 0 { return FDistFit(scale: [.nan], df2: .nan) }
    if n == 1 { return FDistFit(scale: x, df2: 0) }
    if df1.count == 1 {
        if !(df1[0].isFinite && df1[0] > 1e-15) { return FDistFit(scale: [.nan], df2: .nan) }
    } else if df1.count != n {
        throw LimmaError("fitFDist", "x and df1 have different lengths")
    }
    var cov = covariate
    if var c = cov {
        if c.count != n { throw LimmaError("fitFDist", "x and covariate must be of same length") }
        if c.contains(where: { $0.isNaN }) { throw LimmaError("fitFDist", "NA covariate values not allowed") }
        let fin = c.filter { $0.isFinite }
        if fin.count < n {
            if let lo = fin.min(), let hi = fin.max() {
                for i in 0..<n where !c[i].isFinite { c[i] = c[i] < 0 ? lo - 1 : hi + 1 }
            } else {
                c = c.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
            }
        }
        cov = c
    }
    // The observations in the fit (finite x > -1e-15 with finite df1 > 1e-15):
    // their x, and their indices when some are left out or a covariate needs them.
    var xs = [Double]()
    xs.reserveCapacity(n)
    @inline(__always) func inFit(_ i: Int) -> Bool {
        x[i].isFinite && x[i] > -1e-15 && (df1.count == 1 || (df1[i].isFinite && df1[i] > 1e-15))
    }
    for i in 0..<n where inFit(i) { xs.append(x[i]) }
    let nok = xs.count
    let notAllOK = nok < n
    var okIdx = [Int]()
    if notAllOK || cov != nil {
        okIdx.reserveCapacity(nok)
        for i in 0..<n where inFit(i) { okIdx.append(i) }
    }
    if nok == 1 { return FDistFit(scale: [x[okIdx[0]]], df2: 0) }
    if nok == 0 { throw LimmaError("fitFDist", "no finite non-negative values of x with positive df1") }
    let d1 = df1.count > 1 && notAllOK ? okIdx.map { df1[$0] } : df1
    var covOK: [Double]? = nil
    var notOK: [Int] = []
    var covNotOK: [Double] = []
    if let c = cov {
        covOK = okIdx.map { c[$0] }
        var k = 0
        for i in 0..<n { if k < nok && okIdx[k] == i { k += 1 } else { notOK.append(i) } }
        covNotOK = notOK.map { c[$0] }
    }
    var splinedf = 1
    if let c = covOK {
        splinedf = 1 + (nok >= 3 ? 1 : 0) + (nok >= 6 ? 1 : 0) + (nok >= 30 ? 1 : 0)
        splinedf = min(splinedf, distinctCount(c, atMost: splinedf))
        if splinedf < 2 {
            var out = try fitFDist(xs, df1: d1, covariate: nil, version: version)
            out.scale = [Double](repeating: out.scale[0], count: n)
            return out
        }
    }
    var warnings: [LimmaWarning] = []
    var anyZero = false
    for k in 0..<nok {
        xs[k] = max(xs[k], 0)
        if xs[k] == 0 { anyZero = true }
    }
    // The median by selection (max(x, 0) has no -0, so the sign a zero median
    // would take from the stable sort is moot).
    var m = fitFDistMedian(xs)
    if m == 0 {
        warnings.append(LimmaWarning("fitFDist", "More than half of residual variances are exactly zero: eBayes unreliable"))
        m = 1
    } else if anyZero {
        warnings.append(LimmaWarning("fitFDist", "Zero sample variances detected, have been offset away from zero"))
    }
    let floor = 1e-5 * m
    // digamma, log and logmdigamma of df1/2 are computed once per run of
    // equal df1 (usually one value for all), not once per observation.
    // z = log(x) for all first (with the FMA kernels four at a time through
    // LimmaFMA's `fmaLogSettled`: the libm's bits), then e.
    for i in 0..<nok { xs[i] = max(max(x[notAllOK ? okIdx[i] : i], 0), floor) }
    var e = [Double](unsafeUninitializedCapacity: nok) { eb, initialized in
        xs.withUnsafeBufferPointer { xb in
            if FMAKernels.enabled {
                fmaLogSettled(xb.baseAddress!, count: nok, into: eb.baseAddress!) { log($0) }
            } else {
                for i in 0..<nok { eb[i] = log(xb[i]) }
            }
        }
        initialized = nok
    }
    var lastH = Double.nan, dgH = 0.0, logH = 0.0, lmdH = 0.0
    for i in 0..<nok {
        let h = recycled(d1, i) / 2
        if h != lastH {
            lastH = h
            if version == .v3_54 { dgH = rmath_digamma(h); logH = log(h) } else { lmdH = logmdigamma(h) }
        }
        let z = e[i]
        e[i] = version == .v3_54 ? z - dgH + logH : z + lmdH
    }
    var emean: [Double]
    var evar: Double
    if let c = covOK {
        let ns = NaturalSplineBasis(x: c, df: splinedf)
        let design = ns.basis(c)
        let fit = SplineLMFit(design, e)
        if notAllOK {
            var em = [Double](repeating: 0, count: n)
            for (k, i) in okIdx.enumerated() { em[i] = fit.fittedValues[k] }
            let design2 = ns.basis(covNotOK)
            let pred = RLinAlg.matprod(design2, Matrix(nrow: fit.coefficients.count, ncol: 1, values: fit.coefficients))
            for (k, i) in notOK.enumerated() { em[i] = pred.values[k] }
            emean = em
        } else {
            emean = fit.fittedValues
        }
        evar = RBase.mean(fit.effects[fit.rank...].map { $0 * $0 })
    } else {
        let mu = RBase.mean(e)
        emean = [mu]
        evar = RBase.sum(count: nok) { (e[$0] - mu) * (e[$0] - mu) } / Double(nok - 1)
    }
    var lastD = Double.nan, trigammaD = 0.0
    evar = evar - RBase.mean(count: d1.count) { k in
        let d = d1[k]
        if d != lastD { lastD = d; trigammaD = rmath_trigamma(d / 2) }
        return trigammaD
    }
    if evar > 0 {
        let ti = trigammaInverse(evar)
        warnings += ti.warnings
        let df2 = 2 * ti.y
        let h = df2 / 2
        let s20: [Double]
        if version == .v3_54 {
            let dg = rmath_digamma(h), lh = log(h)
            s20 = emean.map { exp($0 + dg - lh) }
        } else {
            let lmd = logmdigamma(h)
            s20 = emean.map { exp($0 - lmd) }
        }
        var out = FDistFit(scale: s20, df2: df2)
        out.warnings = warnings
        return out
    } else {
        let s20 = covOK == nil ? [RBase.mean(xs)] : emean.map { exp($0) }
        var out = FDistFit(scale: s20, df2: .infinity)
        out.warnings = warnings
        return out
    }
}
