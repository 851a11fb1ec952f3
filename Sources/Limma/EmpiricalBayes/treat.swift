// limma's treat (R/treat.R): moderated t-tests relative to a log-fold-change
// threshold.
import CRmath

/// limma's `treat(fit, lfc, trend, robust, winsor.tail.p, legacy)`.
///
/// Moderates the variances as eBayes does (`s2.post`, `df.total`, `df.prior`,
/// `s2.prior`), then tests `H0: |beta| <= lfc` for each coefficient:
/// with `se = stdev.unscaled sqrt(s2.post)`,
/// `p = pt((|b| - lfc)/se, df.total, upper) + pt((|b| + lfc)/se, df.total, upper)`,
/// and `t = sign(b) max((|b| - lfc)/se, 0)` where `|b| > lfc`, else 0.
/// `lods` is removed; `treat.lfc = |lfc|`.
///
/// limma 3.54 cannot subset with missing coefficients (R stops with "NAs are
/// not allowed in subscripted assignments"); 3.58+ (`version: .v3_66`) treats a
/// missing coefficient as 0 when assigning t. `upshot` is limma 3.66's
/// argument; only its default (false) is implemented.
public func treat(_ fit: MArrayLM, lfc: Double = log2(1.2), trend: Bool = false, robust: Bool = false,
                  winsorTailP: (Double, Double) = (0.05, 0.1), legacy: Bool? = nil, upshot: Bool = false,
                  version: LimmaVersion = .v3_54) throws -> MArrayLM {
    if upshot { throw LimmaError("treat", "upshot = TRUE is not implemented in this engine") }
    if lfc.isNaN { throw LimmaError("treat", "lfc must be a number") }
    let coef = fit.coefficients
    if version == .v3_54 && coef.values.contains(where: { $0.isNaN }) {
        throw LimmaError("treat", "NAs are not allowed in subscripted assignments (missing coefficients need limma >= 3.58)")
    }
    let sq = try moderatedVariances(fit, function: "treat", trend: trend, robust: robust, winsorTailP: winsorTailP,
                                    legacy: legacy, version: version)
    let threshold = Swift.abs(lfc)
    let su = fit.stdevUnscaled
    let sdPost = sq.s2Post.map { $0.squareRoot() }
    let tails = StudentTTailsByGene(df: sq.dfTotal)
    // Each cell on its own (two pt calls), spread over threads: per block of
    // cells, the two statistics (|b| -/+ lfc)/se first, then their tails.
    let ngenes = coef.nrow
    let (t, p) = testCells(coef, su, minChunk: 1024) { range, firstRow, c, s, tOut, pOut in
        let block = 1024
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * block) { buffer in
            let right = buffer.baseAddress!, left = right + block, leftTail = left + block
            var lo = range.lowerBound, i = firstRow
            while lo < range.upperBound {
                let n = Swift.min(block, range.upperBound - lo), firstGene = i
                for m in 0..<n {
                    let k = lo + m
                    let b = c[k]
                    let acoef = Swift.abs(b)
                    let se = s[k] * sdPost[i]
                    let r = (acoef - threshold) / se
                    right[m] = r
                    left[m] = (acoef + threshold) / se
                    let clipped = r.isNaN ? .nan : max(r, 0)
                    let bb = b.isNaN ? 0 : b
                    tOut[k] = bb > threshold ? clipped : (bb < -threshold ? -clipped : 0)
                    i += 1
                    if i == ngenes { i = 0 }
                }
                let p = pOut + lo
                tails.upperTails(right, p, count: n, firstGene: firstGene, genes: ngenes)
                tails.upperTails(left, leftTail, count: n, firstGene: firstGene, genes: ngenes)
                for m in 0..<n { p[m] = p[m] + leftTail[m] }
                lo += n
            }
        }
    }
    var out = fit
    out.lods = nil
    out.dfPrior = sq.dfPrior
    out.s2Prior = sq.s2Prior
    out.s2Post = sq.s2Post
    out.dfTotal = sq.dfTotal
    out.t = t
    out.pValue = p
    out.treatLfc = threshold
    out.warnings = fit.warnings + sq.warnings
    return out
}
