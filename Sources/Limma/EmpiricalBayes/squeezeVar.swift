// limma's squeezeVar (R/squeezeVar.R): empirical Bayes posterior variances.

/// What `squeezeVar` returns: the prior (hyperparameters) and the posterior
/// variances. `dfPrior` and `varPrior` have length 1 or one per variance, as R
/// returns them.
public struct SqueezeVarResult: Sendable, Equatable {
    public var dfPrior: [Double]
    public var varPrior: [Double]
    public var varPost: [Double]
    public var warnings: [LimmaWarning] = []
}

/// limma's `squeezeVar(var, df, covariate, robust, winsor.tail.p, legacy)`.
///
/// Fits the prior `var ~ s0^2 F(df, d0)` and shrinks each variance towards it:
/// `var.post = (df var + d0 s0^2) / (df + d0)`; with `d0 = Inf` the posterior
/// is the prior. The prior comes from `fitFDist` (or `fitFDistRobustly` with
/// `robust`, whose per-gene `df2.shrunk` becomes `df.prior`) — limma 3.54, and
/// 3.66 with `legacy = TRUE` or with all positive df equal — or from
/// `fitFDistUnequalDF1` (3.66 when `legacy` is nil and the positive df differ,
/// or `legacy = FALSE`).
///
/// `df` has length 1 or `var.count`; variances with `df == 0` are set to 0
/// first. One variance (3.54), or fewer than three (3.66), is returned
/// unshrunk with `df.prior = 0`. An empty `var` is an error, as is a missing
/// prior df ("Could not estimate prior df").
public func squeezeVar(_ variances: [Double], df: [Double], covariate: [Double]? = nil, robust: Bool = false,
                       winsorTailP: (Double, Double) = (0.05, 0.1), legacy: Bool? = nil,
                       version: LimmaVersion = .v3_54) throws -> SqueezeVarResult {
    let n = variances.count
    if n == 0 { throw LimmaError("squeezeVar", "var is empty") }
    if df.count != 1 && df.count != n { throw LimmaError("squeezeVar", "var and df have different lengths") }
    if n == 1 || (version == .v3_66 && n < 3) {
        return SqueezeVarResult(dfPrior: [0], varPrior: variances, varPost: variances)
    }
    var v = variances
    if df.count > 1 { for i in 0..<n where df[i] == 0 { v[i] = 0 } }
    let useLegacy: Bool
    if let legacy {
        useLegacy = legacy
    } else if version == .v3_54 {
        useLegacy = true
    } else {
        let dfp = df.filter { $0.isNaN || $0 > 0 }
        if dfp.contains(where: { $0.isNaN }) { useLegacy = true }
        else if let lo = dfp.min(), let hi = dfp.max() { useLegacy = lo == hi }
        else { useLegacy = false }
    }
    let fit: FDistFit
    let dfPrior: [Double]
    if useLegacy {
        if robust {
            fit = try fitFDistRobustly(v, df1: df, covariate: covariate, winsorTailP: winsorTailP, version: version)
            dfPrior = fit.df2Shrunk ?? [fit.df2]
        } else {
            fit = try fitFDist(v, df1: df, covariate: covariate, version: version)
            dfPrior = [fit.df2]
        }
    } else {
        fit = try fitFDistUnequalDF1(v, df1: df, covariate: covariate, robust: robust)
        dfPrior = fit.df2Shrunk ?? [fit.df2]
    }
    if dfPrior.contains(where: { $0.isNaN }) { throw LimmaError("squeezeVar", "Could not estimate prior df") }
    let post = squeezeVarPosterior(v, df: df, varPrior: fit.scale, dfPrior: dfPrior)
    return SqueezeVarResult(dfPrior: dfPrior, varPrior: fit.scale, varPost: post, warnings: fit.warnings)
}

/// limma's `.squeezeVar`: `(df var + df.prior var.prior) / (df + df.prior)`
/// elementwise (arguments of length 1 recycled); where `df.prior` is infinite
/// the posterior is `var.prior`.
func squeezeVarPosterior(_ v: [Double], df: [Double], varPrior: [Double], dfPrior: [Double]) -> [Double] {
    let n = v.count
    return (0..<n).map { i in
        let d0 = recycled(dfPrior, i), s0 = recycled(varPrior, i)
        if !d0.isFinite { return s0 }
        let d = recycled(df, i)
        return (d * v[i] + d0 * s0) / (d + d0)
    }
}
