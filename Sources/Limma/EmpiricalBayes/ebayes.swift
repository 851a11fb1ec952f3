// limma's eBayes and .ebayes (R/ebayes.R): moderated t-statistics, B-statistics
// (log-odds) and moderated F-statistics.
import Foundation
import CRmath
import LimmaFMA

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
    // t = coef / stdev.unscaled / sqrt(s2.post), p = 2 pt(-|t|, df.total):
    // each cell on its own, so the cells may be spread over threads.
    let sdPost = sq.s2Post.map { $0.squareRoot() }
    let tails = StudentTTailsByGene(df: sq.dfTotal)
    let (t, p) = testCells(coef, su, minChunk: 2048) { range, firstRow, c, s, tOut, pOut in
        var i = firstRow
        for k in range {
            tOut[k] = c[k] / s[k] / sdPost[i]
            i += 1
            if i == ngenes { i = 0 }
        }
        tails.twiceLowerTailsOfNegativeAbs(tOut + range.lowerBound, pOut + range.lowerBound, count: range.count,
                                           firstGene: firstRow, genes: ngenes)
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
    let lodsValues = [Double](unsafeUninitializedCapacity: ngenes * ncoef) { lb, initialized in
        su.values.withUnsafeBufferPointer { sb in
            t.values.withUnsafeBufferPointer { tb in
                sq.dfTotal.withUnsafeBufferPointer { db in
                    if anyInf {
                        for j in 0..<ncoef {
                            let v0 = varPrior[j]
                            for i in 0..<ngenes {
                                let k = i + j * ngenes
                                let v1 = sb[k] * sb[k]
                                let r = (v1 + v0) / v1
                                let t2 = tb[k] * tb[k]
                                let kernel: Double
                                if infdf[k % infdf.count] {
                                    kernel = t2 * (1 - 1 / r) / 2
                                } else {
                                    let d = db[i]
                                    kernel = (1 + d) / 2 * log((t2 + d) / (t2 / r + d))
                                }
                                lb[k] = logPrior - log(r) / 2 + kernel
                            }
                        }
                    } else {
                        // r and the kernel's quotient in lanes, then the logarithms:
                        // with the FMA kernels, glibc's `log` bits from LimmaFMA's
                        // `fmaLogSettled` (four at a time, `log` itself for the
                        // values it does not settle), so the same B-statistics.
                        let block = 256
                        let kernels = FMAKernels.enabled
                        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * block) { buffer in
                            let rs = buffer.baseAddress!, quotients = rs + block
                            let logR = quotients + block, logQ = logR + block
                            for j in 0..<ncoef {
                                let v0 = varPrior[j]
                                var lo = 0
                                while lo < ngenes {
                                    let n = Swift.min(block, ngenes - lo), k0 = lo + j * ngenes
                                    lodsRatios(stdevUnscaled: sb.baseAddress! + k0, t: tb.baseAddress! + k0,
                                               df: db.baseAddress! + lo, v0: v0, r: rs, quotient: quotients, count: n)
                                    if kernels {
                                        fmaLogSettled(rs, count: n, into: logR) { log($0) }
                                        fmaLogSettled(quotients, count: n, into: logQ) { log($0) }
                                        for i in 0..<n {
                                            let d = db[lo + i]
                                            lb[k0 + i] = logPrior - logR[i] / 2 + (1 + d) / 2 * logQ[i]
                                        }
                                    } else {
                                        for i in 0..<n {
                                            let d = db[lo + i]
                                            lb[k0 + i] = logPrior - log(rs[i]) / 2 + (1 + d) / 2 * log(quotients[i])
                                        }
                                    }
                                    lo += n
                                }
                            }
                        }
                    }
                }
            }
        }
        initialized = ngenes * ncoef
    }
    let lods = Matrix(nrow: ngenes, ncol: ncoef, values: lodsValues, rowNames: coef.rowNames, colNames: coef.colNames)
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
        let df1 = Double(fs.df1)
        let oneTest = ncoef == 1 && fs.df1 == 1
        // One df2 for all genes (the usual case): pf's constants once.
        let firstDF2 = fs.df2.first ?? .nan
        let sharedDF2 = fs.df2.allSatisfy({ $0.bitPattern == firstDF2.bitPattern }) ? firstDF2 : .nan
        let fTail = FUpperTail(df1: df1, df2: sharedDF2)
        if !oneTest && !sharedDF2.isNaN && fs.F.count == ngenes {
            // every gene through the shared tail, in batches
            out.FPValue = fs.F.withUnsafeBufferPointer { fb in
                [Double](unsafeUninitializedCapacity: ngenes) { ob, initialized in
                    let pointers = UncheckedBox((fb.baseAddress!, ob.baseAddress!))
                    LimmaThreads.forEachChunk(ngenes, minChunk: 1024) { range in
                        let (f, o) = pointers.value
                        fTail.upperTails(f + range.lowerBound, o + range.lowerBound, count: range.count)
                    }
                    initialized = ngenes
                }
            }
        } else {
            out.FPValue = parallelValues(ngenes) { i in
                let F = fs.F[i], df2 = recycled(fs.df2, i)
                if oneTest {
                    if let shared = fPValueSharedWithT(t: t.values[i], p: p.values[i], dfTotal: sq.dfTotal[i], F: F, df2: df2) {
                        return shared
                    }
                    return tails.upperTailOfF(F, df2: df2, gene: i)
                }
                return df2.bitPattern == sharedDF2.bitPattern ? fTail.upperTail(F) : rmath_pf(F, df1, df2, 0, 0)
            }
        }
    }
    out.warnings = fit.warnings + warnings
    return out
}

/// The B-statistic's ratios for `count` cells of one coefficient with prior
/// variance `v0`: `r = (v1 + v0)/v1` with `v1 = stdev.unscaled^2`, and
/// `(t^2 + d)/(t^2/r + d)`, four cells at a time in SIMD lanes (the same IEEE
/// operations per lane as one cell at a time).
func lodsRatios(stdevUnscaled s: UnsafePointer<Double>, t: UnsafePointer<Double>, df d: UnsafePointer<Double>,
                v0: Double, r: UnsafeMutablePointer<Double>, quotient: UnsafeMutablePointer<Double>, count: Int) {
    typealias V = SIMD4<Double>
    var i = 0
    let v0v = V(repeating: v0)
    while i + 4 <= count {
        let sv = V(s[i], s[i + 1], s[i + 2], s[i + 3]), tv = V(t[i], t[i + 1], t[i + 2], t[i + 3])
        let dv = V(d[i], d[i + 1], d[i + 2], d[i + 3])
        let v1 = sv * sv
        let rv = (v1 + v0v) / v1
        let t2 = tv * tv
        let qv = (t2 + dv) / (t2 / rv + dv)
        for lane in 0..<4 { r[i + lane] = rv[lane]; quotient[i + lane] = qv[lane] }
        i += 4
    }
    while i < count {
        let v1 = s[i] * s[i]
        let ri = (v1 + v0) / v1
        let t2 = t[i] * t[i]
        r[i] = ri
        quotient[i] = (t2 + d[i]) / (t2 / ri + d[i])
        i += 1
    }
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

/// The t and p matrices (shaped like `coef`, with its names), filled by
/// `cells(range, firstRow, coef, stdev.unscaled, t, p)`, which writes `t[k]`
/// and `p[k]` for the column-major cells `k` in `range` (the first of them in
/// row `firstRow`) from `coef[k]` and `stdev.unscaled[k]`. Each cell's values
/// must depend on that cell alone, so that the ranges may be spread over
/// threads with the same result for any thread count. Every cell is written
/// once, so the storage is not zero-filled first.
func testCells(_ coef: Matrix, _ su: Matrix, minChunk: Int,
               _ cells: (Range<Int>, Int, UnsafePointer<Double>, UnsafePointer<Double>,
                         UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void) -> (t: Matrix, p: Matrix) {
    let ngenes = coef.nrow, count = coef.values.count
    var tValues = [Double]()
    let pValues = withoutActuallyEscaping(cells) { f in
        let fn = UncheckedBox(f)
        return coef.values.withUnsafeBufferPointer { cb in
            su.values.withUnsafeBufferPointer { sb in
                [Double](unsafeUninitializedCapacity: count) { pb, pInitialized in
                    tValues = [Double](unsafeUninitializedCapacity: count) { tb, tInitialized in
                        let pointers = UncheckedBox((cb.baseAddress, sb.baseAddress, tb.baseAddress, pb.baseAddress))
                        LimmaThreads.forEachChunk(count, minChunk: minChunk) { range in
                            let (c, s, tOut, pOut) = pointers.value
                            fn.value(range, range.lowerBound % ngenes, c!, s!, tOut!, pOut!)
                        }
                        tInitialized = count
                    }
                    pInitialized = count
                }
            }
        }
    }
    return (Matrix(nrow: ngenes, ncol: coef.ncol, values: tValues, rowNames: coef.rowNames, colNames: coef.colNames),
            Matrix(nrow: ngenes, ncol: coef.ncol, values: pValues, rowNames: coef.rowNames, colNames: coef.colNames))
}

/// `(0..<n).map(value)` for a Double-valued, side-effect-free `value`,
/// computed in parallel chunks (each element by one worker, so the result is
/// the same for any thread count). For per-gene calls of R's distribution
/// functions.
func parallelValues(_ n: Int, minChunk: Int = 1024, _ value: (Int) -> Double) -> [Double] {
    var out = [Double](repeating: 0, count: n)
    withoutActuallyEscaping(value) { f in
        let fn = UncheckedBox(f)
        out.withUnsafeMutableBufferPointer { ob in
            let dest = UncheckedBox(ob)
            LimmaThreads.forEachChunk(n, minChunk: minChunk) { range in
                for i in range { dest.value[i] = fn.value(i) }
            }
        }
    }
    return out
}

/// `pf(F, 1, df2, lower = FALSE)` for `F = t^2` without calling pf, where
/// libRmath provably computes the very number eBayes already has as the
/// p-value `p = 2 pt(-|t|, df.total)`; nil where it does not.
///
/// R's pt(x, n) (nmath/pt.c) for finite x and n > 0 evaluates, with
/// `nx = 1 + (x/n) x <= 1e100`, `v = pbeta(x^2/(n + x^2), 1/2, n/2, upper)` when
/// `n > x^2`, else `v = pbeta(1/nx, n/2, 1/2, lower)`, and for `x <= 0` (the
/// lower tail) returns `v/2`. R's pf(F, 1, n, upper) (nmath/pf.c) for finite
/// `F > 0` and n evaluates `pbeta(F/(n + F), 1/2, n/2, upper)` when `F <= n`,
/// else `pbeta(n/(n + F), n/2, 1/2, lower)`, and returns it. With
/// `F = t^2 = x^2` and `df2 = n`, both call pbeta with identical arguments
/// when `x^2 < n`, and when `x^2 > n` if `1/nx` and `n/(n + F)` round to the
/// same double; then `pf = v` and `p = 2 (v/2) = v` exactly, provided `v/2`
/// is a normal number (checked as `p >= 2^-1020`). Everything else (x^2 = n,
/// non-finite or non-positive values, the `nx > 1e100` branch, a different
/// df) goes to pf.
@inline(__always)
func fPValueSharedWithT(t: Double, p: Double, dfTotal n: Double, F: Double, df2: Double) -> Double? {
    guard n == df2, n.isFinite, n > 0, t.isFinite, F > 0, p >= 0x1p-1020 else { return nil }
    let x = -Swift.abs(t)
    let xx = x * x
    guard F == xx else { return nil }
    if n > xx { return p }
    if xx > n {
        let nx = 1 + (x / n) * x
        if nx <= 1e100 && 1 / nx == n / (n + F) { return p }
    }
    return nil
}
