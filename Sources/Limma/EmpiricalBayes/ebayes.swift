// limma's eBayes and .ebayes (R/ebayes.R): moderated t-statistics, B-statistics
// (log-odds) and moderated F-statistics.
import Foundation
import CRmath

/// limma's `eBayes(fit, proportion, stdev.coef.lim, trend, robust,
/// winsor.tail.p, legacy)`.
///
/// Squeezes the residual variances (`squeezeVar(sigma^2, df.residual)`, with
/// `Amean` as covariate when `trend`), then per gene g and coefficient j:
/// - `s2.post = (d s^2 + d0 s0^2)/(d + d0)`; `df.total = min(d + d0, sum(d))`;
/// - `t = coef / stdev.unscaled / sqrt(s2.post)`, `p = 2 pt(-|t|, df.total)`;
/// - `var.prior` (v0) from `tmixture.matrix` with `proportion`, clipped to
///   `stdev.coef.lim^2 / median(s2.prior)`; where that fails (too few genes) it
///   is `1/s2.prior` with the warning "Estimation of var.prior failed - set to
///   default value";
/// - `B = log(p/(1-p)) - log(r)/2 + (1 + df.total)/2 log((t^2 + df.total) /
///   (t^2/r + df.total))` with `r = (v1 + v0)/v1`, `v1 = stdev.unscaled^2`; where
///   `df.prior > 1e6` the kernel is its limit `t^2 (1 - 1/r)/2`;
/// - when the fit carries a full-rank `design`, `F` and `F.p.value` from
///   `classifyTestsF(fit, fstat.only = TRUE)` with `df2 = df.prior + df.residual`.
///
/// `version` picks the limma release's defaults; `legacy` (3.66's argument)
/// nil means: 3.54 always the legacy estimator, 3.66 the legacy estimator only
/// when all positive residual df are equal.
public func eBayes(_ fit: MArrayLM, proportion: Double = 0.01, stdevCoefLim: (Double, Double) = (0.1, 4),
                   trend: Bool = false, robust: Bool = false, winsorTailP: (Double, Double) = (0.05, 0.1),
                   legacy: Bool? = nil, version: LimmaVersion = .v3_54) throws -> MArrayLM {
    if trend && fit.Amean == nil { throw LimmaError("eBayes", "Need Amean component in fit to estimate trend") }
    if !(proportion > 0 && proportion < 1) { throw LimmaError("eBayes", "proportion must be between 0 and 1, got \(proportion)") }
    var out = fit
    let sq = try moderatedVariances(fit, function: "eBayes", trend: trend, robust: robust, winsorTailP: winsorTailP,
                                    legacy: legacy, version: version)
    let coef = fit.coefficients, su = fit.stdevUnscaled
    let ngenes = coef.nrow, ncoef = coef.ncol
    var t = Matrix(nrow: ngenes, ncol: ncoef, rowNames: coef.rowNames, colNames: coef.colNames)
    var p = t
    for j in 0..<ncoef {
        for i in 0..<ngenes {
            let tv = coef[i, j] / su[i, j] / sq.s2Post[i].squareRoot()
            t[i, j] = tv
            p[i, j] = 2 * rmath_pt(-Swift.abs(tv), sq.dfTotal[i], 1, 0)
        }
    }
    var warnings = sq.warnings
    // B-statistic
    let medianPrior = RBase.median(sq.s2Prior)
    let lim = (stdevCoefLim.0 * stdevCoefLim.0 / medianPrior, stdevCoefLim.1 * stdevCoefLim.1 / medianPrior)
    var varPrior = try tmixtureMatrix(tstat: t, stdevUnscaled: su, df: sq.dfTotal, proportion: proportion, v0Lim: lim)
    if varPrior.contains(where: { $0.isNaN }) {
        // R: var.prior[is.na(var.prior)] <- 1/s2.prior (values taken in order)
        var k = 0
        for j in 0..<varPrior.count where varPrior[j].isNaN {
            varPrior[j] = 1 / sq.s2Prior[k % sq.s2Prior.count]
            k += 1
        }
        warnings.append(LimmaWarning("eBayes", "Estimation of var.prior failed - set to default value"))
    }
    let infdf = sq.dfPrior.map { $0 > 1e6 }
    let anyInf = infdf.contains(true)
    let logPrior = log(proportion / (1 - proportion))
    var lods = t
    for j in 0..<ncoef {
        for i in 0..<ngenes {
            let v1 = su[i, j] * su[i, j]
            let r = (v1 + varPrior[j]) / v1
            let t2 = t[i, j] * t[i, j]
            let kernel: Double
            if anyInf && infdf[(i + j * ngenes) % infdf.count] {
                kernel = t2 * (1 - 1 / r) / 2
            } else {
                let d = sq.dfTotal[i]
                kernel = (1 + d) / 2 * log((t2 + d) / (t2 / r + d))
            }
            lods[i, j] = logPrior - log(r) / 2 + kernel
        }
    }
    out.dfPrior = sq.dfPrior
    out.s2Prior = sq.s2Prior
    out.varPrior = varPrior
    out.proportion = proportion
    out.s2Post = sq.s2Post
    out.t = t
    out.dfTotal = sq.dfTotal
    out.pValue = p
    out.lods = lods
    out.F = nil
    out.FPValue = nil
    if let design = fit.design, isFullRank(design) {
        // classifyTestsF(fit, fstat.only = TRUE): df2 = df.prior + df.residual
        let fs = try classifyTestsFStat(out, corMatrix: nil, df: nil, fn: "eBayes")
        out.F = fs.F
        out.FPValue = (0..<ngenes).map { rmath_pf(fs.F[$0], Double(fs.df1), recycled(fs.df2, $0), 0, 0) }
    }
    out.warnings = fit.warnings + warnings
    return out
}

/// The variance moderation shared by eBayes and treat: squeezeVar on
/// `sigma^2` and the total df `pmin(df.residual + df.prior, sum(df.residual))`,
/// with the argument checks both functions make.
struct ModeratedVariances {
    var dfPrior: [Double]
    var s2Prior: [Double]
    var s2Post: [Double]
    var dfTotal: [Double]
    var warnings: [LimmaWarning]
}

func moderatedVariances(_ fit: MArrayLM, function: String, trend: Bool, robust: Bool, winsorTailP: (Double, Double),
                        legacy: Bool?, version: LimmaVersion) throws -> ModeratedVariances {
    let ngenes = fit.coefficients.nrow
    if fit.coefficients.values.isEmpty || ngenes == 0 {
        throw LimmaError(function, "No data, or argument is not a valid lmFit object")
    }
    if fit.stdevUnscaled.nrow != ngenes || fit.stdevUnscaled.ncol != fit.coefficients.ncol {
        throw LimmaError(function, "stdev.unscaled is \(fit.stdevUnscaled.nrow) x \(fit.stdevUnscaled.ncol) but coefficients are \(ngenes) x \(fit.coefficients.ncol)")
    }
    if fit.sigma.count != ngenes { throw LimmaError(function, "sigma has length \(fit.sigma.count) but there are \(ngenes) genes") }
    if fit.dfResidual.count != ngenes { throw LimmaError(function, "df.residual has length \(fit.dfResidual.count) but there are \(ngenes) genes") }
    if !fit.dfResidual.contains(where: { $0.isNaN }), fit.dfResidual.max() == 0 {
        throw LimmaError(function, "No residual degrees of freedom in linear model fits")
    }
    if !fit.sigma.contains(where: { $0.isFinite }) { throw LimmaError(function, "No finite residual standard deviations") }
    var covariate: [Double]? = nil
    if trend {
        guard let a = fit.Amean else { throw LimmaError(function, "Need Amean component in fit to estimate trend") }
        if a.count != ngenes { throw LimmaError(function, "Amean has length \(a.count) but there are \(ngenes) genes") }
        covariate = a
    }
    let sv = try squeezeVar(fit.sigma.map { $0 * $0 }, df: fit.dfResidual, covariate: covariate, robust: robust,
                            winsorTailP: winsorTailP, legacy: legacy, version: version)
    let dfPooled = RBase.sum(fit.dfResidual, naRM: true)
    let dfTotal = (0..<ngenes).map { i -> Double in
        let d = fit.dfResidual[i] + recycled(sv.dfPrior, i)
        return d.isNaN ? .nan : min(d, dfPooled)
    }
    let s2Post = sv.varPost
    return ModeratedVariances(dfPrior: sv.dfPrior, s2Prior: sv.varPrior, s2Post: s2Post, dfTotal: dfTotal, warnings: sv.warnings)
}
