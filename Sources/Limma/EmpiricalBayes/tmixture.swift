// limma's tmixture.matrix / tmixture.vector (R/ebayes.R): the prior variance
// of the non-zero coefficients, from the largest moderated t-statistics.
import CRmath

/// limma's `tmixture.matrix(tstat, stdev.unscaled, df, proportion, v0.lim)`:
/// `tmixture.vector` for each column. Returns NaN for a column where R gives NA.
public func tmixtureMatrix(tstat: Matrix, stdevUnscaled: Matrix, df: [Double], proportion: Double,
                           v0Lim: (Double, Double)? = nil) throws -> [Double] {
    if tstat.nrow != stdevUnscaled.nrow || tstat.ncol != stdevUnscaled.ncol {
        throw LimmaError("tmixture.matrix", "Dims of tstat and stdev.unscaled don't match")
    }
    if df.count != 1 && df.count != tstat.nrow {
        throw LimmaError("tmixture.matrix", "df has length \(df.count) but there are \(tstat.nrow) genes")
    }
    return (0..<tstat.ncol).map { j in
        tmixtureVector(tstat: columnValues(tstat, j), stdevUnscaled: columnValues(stdevUnscaled, j), df: df,
                       proportion: proportion, v0Lim: v0Lim)
    }
}

/// limma's `tmixture.vector`: estimates `v0` in the mixture where a fraction
/// `proportion` of the t-statistics follow `sqrt(1 + v0/v1) t(df)` and the rest
/// `t(df)` (`v1 = stdev.unscaled^2`).
///
/// Missing t's are dropped. The `ceiling(proportion/2 * n)` largest |t| are
/// compared with the order statistics they would have under the mixture
/// (`p = max(ntarget/n, proportion)`); t's with fewer df are first converted to
/// the largest df at equal tail probability (log scale). Each top t whose target
/// p-value exceeds its null p-value gives `v0 = v1 ((t/qtarget)^2 - 1)`, the rest
/// 0; the `v0` are clipped to `v0.lim` and averaged. Fewer than one target
/// statistic gives NaN (R's NA).
public func tmixtureVector(tstat: [Double], stdevUnscaled: [Double], df: [Double], proportion: Double,
                           v0Lim: (Double, Double)? = nil) -> Double {
    var t = tstat, su = stdevUnscaled
    var d = df.count == 1 ? [Double](repeating: df[0], count: tstat.count) : df
    if t.contains(where: { $0.isNaN }) {
        let keep = t.indices.filter { !t[$0].isNaN }
        t = keep.map { t[$0] }
        su = keep.map { su[$0] }
        d = keep.map { d[$0] }
    }
    let ngenes = t.count
    let ntarget = Int((proportion / 2 * Double(ngenes)).rounded(.up))
    if ntarget < 1 { return .nan }
    let p = max(Double(ntarget) / Double(ngenes), proportion)
    for i in 0..<ngenes { t[i] = Swift.abs(t[i]) }
    var maxDF = -Double.infinity
    for v in d { if v.isNaN { maxDF = .nan; break }; if v > maxDF { maxDF = v } }
    convertToMaxDF(&t, df: d, maxDF: maxDF, ntarget: ntarget)
    let o = RBase.topOrder(t, ntarget, decreasing: true)
    let top = o.map { t[$0] }
    let v1 = o.map { su[$0] * su[$0] }
    var v0 = [Double](repeating: 0, count: ntarget)
    for k in 0..<ntarget {
        let r = Double(k + 1)
        let p0 = 2 * rmath_pt(top[k], maxDF, 0, 0)
        let ptarget = ((r - 0.5) / Double(ngenes) - (1 - p) * p0) / p
        if ptarget > p0 {
            let qtarget = rmath_qt(ptarget / 2, maxDF, 0, 0)
            let ratio = top[k] / qtarget
            v0[k] = v1[k] * (ratio * ratio - 1)
        }
    }
    if let lim = v0Lim { v0 = v0.map { min(max($0, lim.0), lim.1) } }
    return RBase.mean(v0)
}

/// tmixture.vector's conversion of |t| with fewer than `maxDF` df to `maxDF`
/// df at equal upper-tail probability: `qt(pt(t, d, upper, log), maxDF,
/// upper, log)`. Only the `ntarget` largest converted values are used, so a
/// value that provably cannot reach them is set to -Inf instead of being
/// converted: for t > 0 and d < maxDF the t distribution with d df has the
/// heavier tail, so the converted value is at most t; when at least
/// `ntarget` unconverted values are >= tau, a t below tau (with a margin of
/// 1e-6 relative plus 1e-8, far beyond the error of pt and qt) converts to
/// less than tau and is never among the largest. Every value that could be
/// is converted exactly as R converts it.
private func convertToMaxDF(_ t: inout [Double], df d: [Double], maxDF: Double, ntarget: Int) {
    let n = t.count
    var converted = 0
    for i in 0..<n where d[i] < maxDF { converted += 1 }
    if converted == 0 { return }
    var unconverted = [Double]()
    unconverted.reserveCapacity(n - converted)
    for i in 0..<n where !(d[i] < maxDF) { unconverted.append(t[i]) }
    var cutoff = -Double.infinity
    if unconverted.count >= ntarget {
        let tau = RBase.orderStatistics(&unconverted, [unconverted.count - ntarget])[0]
        cutoff = tau - (1e-6 * tau + 1e-8)
    }
    for i in 0..<n where d[i] < maxDF {
        if t[i] < cutoff { t[i] = -.infinity; continue }
        let tailP = rmath_pt(t[i], d[i], 0, 1)
        t[i] = rmath_qt(tailP, maxDF, 0, 1)
    }
}
