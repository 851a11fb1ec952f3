// edgeR's calcNormFactors (3.40.2): scaling factors for library sizes by
// TMM, TMM with singleton pairing, RLE or upper quartile.
import Foundation

/// The normalisation methods of edgeR's `calcNormFactors`.
public enum NormFactorsMethod: String, Sendable, CaseIterable {
    /// Trimmed mean of M-values (Robinson & Oshlack 2010), the default.
    case TMM
    /// TMM with singleton pairing (for data with many zeros).
    case TMMwsp
    /// Relative log expression (DESeq's median ratio).
    case RLE
    /// Upper quartile (quantile `p`) of each library.
    case upperquartile
    /// All factors 1.
    case none
}

/// edgeR's `calcNormFactors.DGEList`: the DGEList with `normFactors` set from
/// its counts and library sizes (see `calcNormFactors(_:libSize:method:...)`).
/// Warnings R prints (upper quartile zero) are appended to `warnings`.
/// - Throws: for missing, negative or infinite counts (naming gene and
///   sample), or a non-positive library size when the method divides by it.
public func calcNormFactors(_ y: DGEList, method: NormFactorsMethod = .TMM, refColumn: Int? = nil,
                            logratioTrim: Double = 0.3, sumTrim: Double = 0.05, doWeighting: Bool = true,
                            Acutoff: Double = -1e10, p: Double = 0.75,
                            warnings: inout [LimmaWarning]) throws -> DGEList {
    var out = y
    out.normFactors = try calcNormFactors(y.counts, libSize: y.libSize, method: method, refColumn: refColumn,
                                          logratioTrim: logratioTrim, sumTrim: sumTrim, doWeighting: doWeighting,
                                          Acutoff: Acutoff, p: p, warnings: &warnings)
    return out
}

/// `calcNormFactors(_:method:...)` without collecting warnings. The only
/// warning R gives here is for the upper-quartile method ("One or more
/// quantiles are zero"); use the `warnings:` form to receive it.
public func calcNormFactors(_ y: DGEList, method: NormFactorsMethod = .TMM, refColumn: Int? = nil,
                            logratioTrim: Double = 0.3, sumTrim: Double = 0.05, doWeighting: Bool = true,
                            Acutoff: Double = -1e10, p: Double = 0.75) throws -> DGEList {
    var w = [LimmaWarning]()
    return try calcNormFactors(y, method: method, refColumn: refColumn, logratioTrim: logratioTrim, sumTrim: sumTrim,
                               doWeighting: doWeighting, Acutoff: Acutoff, p: p, warnings: &w)
}

/// edgeR's `calcNormFactors.default(object, lib.size, method, refColumn,
/// logratioTrim, sumTrim, doWeighting, Acutoff, p)`: one factor per sample,
/// scaled so that their geometric mean is 1 (`f / exp(mean(log(f)))`).
///
/// Rows that are zero in every sample are dropped first; with no rows left or
/// one sample, every factor is 1.
/// - TMM: each sample against a reference sample (`refColumn`, 0-based;
///   default the sample whose upper-quartile factor is closest to their mean,
///   or with the largest `sum(sqrt(counts))` when the median upper-quartile
///   factor is below 1e-20). Over genes with finite M = log2((o/No)/(r/Nr))
///   and A = (log2(o/No) + log2(r/Nr))/2 > Acutoff, the genes ranked (average
///   ranks) within `floor(n logratioTrim) + 1 ... n + 1 - that` by M and
///   within the same with `sumTrim` by A are kept, and the factor is 2 to the
///   power of their mean M, weighted by the inverse of the delta-method
///   variance `(No - o)/No/o + (Nr - r)/Nr/r`; 1 when all |M| < 1e-6.
/// - TMMwsp: reference the sample with the largest `sum(sqrt(counts))`;
///   genes zero in both samples dropped, genes zero in exactly one paired up
///   (largest with largest); trimming by order of (M, shrunk M) and of A,
///   weights `(1 + 1e-6) / (v + 1e-6)`.
/// - RLE: median over genes with positive geometric mean of count / geometric
///   mean, divided by the library size.
/// - upperquartile: the `p` quantile (type 7) of each sample's counts divided
///   by its library size; warns when one is zero.
/// - Throws: for missing counts ("NA counts not permitted"), negative or
///   infinite counts, library sizes of the wrong number, missing, or (for
///   every method but none) not positive, or an out-of-range `refColumn`.
public func calcNormFactors(_ counts: Matrix, libSize: [Double]? = nil, method: NormFactorsMethod = .TMM,
                            refColumn: Int? = nil, logratioTrim: Double = 0.3, sumTrim: Double = 0.05,
                            doWeighting: Bool = true, Acutoff: Double = -1e10, p: Double = 0.75,
                            warnings: inout [LimmaWarning]) throws -> [Double] {
    let fn = "calcNormFactors"
    try checkCounts(counts, fn)
    let nsamples = counts.ncol
    let lib = libSize ?? RBase.colSums(counts)
    guard lib.count == nsamples else {
        throw LimmaError(fn, "\(lib.count) library sizes for \(nsamples) samples")
    }
    if let j = lib.firstIndex(where: { $0.isNaN }) {
        throw LimmaError(fn, "NA lib.sizes not permitted (sample \(j + 1))")
    }
    if let r = refColumn, !(0..<nsamples).contains(r) {
        throw LimmaError(fn, "refColumn \(r) is not a sample index (0..<\(nsamples))")
    }
    // Drop rows that are zero in every sample.
    let nr = counts.nrow
    var positive = [Bool](repeating: false, count: nr)
    counts.values.withUnsafeBufferPointer { v in
        for j in 0..<nsamples {
            let base = j * nr
            for i in 0..<nr where v[base + i] > 0 { positive[i] = true }
        }
    }
    let keepRows = (0..<nr).filter { positive[$0] }
    let x = keepRows.count == nr ? counts : counts.rows(keepRows)
    var method = method
    if x.nrow == 0 || nsamples == 1 { method = .none }
    if method != .none, let j = lib.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
        throw LimmaError(fn, "library size of sample \(j + 1) is \(lib[j]); library sizes must be positive")
    }

    var f: [Double]
    switch method {
    case .TMM:
        var ref = refColumn ?? 0
        if refColumn == nil {
            let f75 = upperQuartileFactors(x, lib: lib, p: 0.75)
            if RBase.median(f75) < 1e-20 {
                ref = whichMax(sqrtColSums(x))
            } else {
                let m = RBase.mean(f75)
                ref = whichMin(f75.map { abs($0 - m) })
            }
        }
        let refCounts = x.column(ref)
        let nRef = lib[ref]
        // The reference's proportions and their log2, shared by every sample.
        let refP = refCounts.map { $0 / nRef }
        let log2RefP = refP.map { log2($0) }
        f = LimmaThreads.map(nsamples) { j in
            tmmFactor(obs: x.column(j), ref: refCounts, refP: refP, log2RefP: log2RefP, libObs: lib[j], libRef: nRef,
                      logratioTrim: logratioTrim, sumTrim: sumTrim, doWeighting: doWeighting, Acutoff: Acutoff)
        }
    case .TMMwsp:
        let ref = refColumn ?? whichMax(sqrtColSums(x))
        let refCounts = x.column(ref)
        f = LimmaThreads.map(nsamples) { j in
            tmmwspFactor(obs: x.column(j), ref: refCounts, libObs: lib[j], libRef: lib[ref],
                         logratioTrim: logratioTrim, sumTrim: sumTrim, doWeighting: doWeighting)
        }
    case .RLE:
        f = zip(rleFactors(x), lib).map { $0 / $1 }
    case .upperquartile:
        f = upperQuartileFactors(x, lib: lib, p: p)
        if f.min() == 0 { warnings.append(LimmaWarning(fn, "One or more quantiles are zero")) }
    case .none:
        f = [Double](repeating: 1, count: nsamples)
    }
    let g = Foundation.exp(RBase.mean(f.map { Foundation.log($0) }))
    return f.map { $0 / g }
}

/// edgeR's `.calcFactorQuantile`: the type-7 `p` quantile of each column over
/// its library size.
private func upperQuartileFactors(_ x: Matrix, lib: [Double], p: Double) -> [Double] {
    LimmaThreads.map(x.ncol) { j in RBase.quantile(x.column(j), [p])[0] / lib[j] }
}

/// `colSums(sqrt(x))`.
private func sqrtColSums(_ x: Matrix) -> [Double] {
    var s = x
    for k in 0..<s.values.count { s.values[k] = s.values[k].squareRoot() }
    return RBase.colSums(s)
}

/// R's `which.max` / `which.min`: first index of the extreme (NaN skipped).
private func whichMax(_ v: [Double]) -> Int {
    var best = -1
    for k in 0..<v.count where !v[k].isNaN && (best < 0 || v[k] > v[best]) { best = k }
    return max(best, 0)
}

private func whichMin(_ v: [Double]) -> Int {
    var best = -1
    for k in 0..<v.count where !v[k].isNaN && (best < 0 || v[k] < v[best]) { best = k }
    return max(best, 0)
}

/// edgeR's `.calcFactorTMM` for one sample against the reference, given the
/// reference proportions `refP = ref / libRef` and their `log2`.
///
/// R keeps the genes whose average rank (`rank()`, ties averaged) of M lies
/// in `[loL, hiL]` and of A in `[loS, hiS]`. The same sets come from order
/// statistics (`TrimBounds`) without ranking, and the weighted sums then run
/// over the kept genes in gene order, as R's `sum(logR[keep]/v[keep])` does.
private func tmmFactor(obs: [Double], ref: [Double], refP: [Double], log2RefP: [Double], libObs nO: Double, libRef nR: Double,
                       logratioTrim: Double, sumTrim: Double, doWeighting: Bool, Acutoff: Double) -> Double {
    let ngenes = obs.count
    var logR = [Double](), absE = [Double](), gene = [Int32]()
    logR.reserveCapacity(ngenes)
    absE.reserveCapacity(ngenes)
    gene.reserveCapacity(ngenes)
    var allSmall = true
    for g in 0..<ngenes {
        let o = obs[g]
        let oP = o / nO
        let lr = log2(oP / refP[g])
        let ae = (log2(oP) + log2RefP[g]) / 2
        guard lr.isFinite && ae.isFinite && ae > Acutoff else { continue }
        logR.append(lr)
        absE.append(ae)
        gene.append(Int32(g))
        if !(Swift.abs(lr) < 1e-6) { allSmall = false }
    }
    // max(abs(logR)) of nothing is -Inf in R, which is < 1e-6.
    if allSmall { return 1 }
    let n = Double(logR.count)
    let loL = (n * logratioTrim).rounded(.down) + 1
    let hiL = n + 1 - loL
    let loS = (n * sumTrim).rounded(.down) + 1
    let hiS = n + 1 - loS
    let byM = TrimBounds(logR, lo: loL, hi: hiL)
    let byA = TrimBounds(absE, lo: loS, hi: hiS)
    var num: RLongDouble = 0, den: RLongDouble = 0
    var kept = [Double]()
    for k in 0..<logR.count where byM.keeps(logR[k]) && byA.keeps(absE[k]) {
        if doWeighting {
            let g = Int(gene[k])
            let o = obs[g], r = ref[g]
            let v = (nO - o) / nO / o + (nR - r) / nR / r
            let a = logR[k] / v, b = 1 / v
            if !a.isNaN { num += RLongDouble(a) }
            if !b.isNaN { den += RLongDouble(b) }
        } else {
            kept.append(logR[k])
        }
    }
    var f = doWeighting ? Double(num) / Double(den) : RBase.mean(kept, naRM: true)
    if f.isNaN { f = 0 }
    return RMath.pow(2, f)
}

/// Which values R's `rank(x) >= lo & rank(x) <= hi` keeps (average ranks,
/// `x` free of NaN), from two order statistics instead of a ranking: with
/// `a` and `b` the values at sorted positions `max(lo, 1)` and `min(hi, n)`,
/// values strictly between them are kept, values outside are not, and each
/// tie group at `a` or `b` (sorted positions `count(x < v) + 1` to
/// `count(x <= v)`) is kept when its average rank lies in `[lo, hi]`.
struct TrimBounds {
    var a = 0.0, b = 0.0
    var keepA = false, keepB = false
    var keepsNothing = true

    init(_ x: [Double], lo: Double, hi: Double) {
        let n = x.count
        guard n > 0, lo <= hi, lo <= Double(n), hi >= 1 else { return }
        keepsNothing = false
        let kLo = Int(Swift.max(lo, 1)) - 1, kHi = Int(Swift.min(hi, Double(n))) - 1
        var scratch = x
        let stats = RBase.orderStatistics(&scratch, kLo == kHi ? [kLo] : [kLo, kHi])
        a = stats[0]
        b = stats[stats.count - 1]
        var belowA = 0, atMostA = 0, belowB = 0, atMostB = 0
        for v in x {
            if v < a { belowA += 1 }
            if v <= a { atMostA += 1 }
            if v < b { belowB += 1 }
            if v <= b { atMostB += 1 }
        }
        let avgA = Double(belowA + 1 + atMostA) / 2, avgB = Double(belowB + 1 + atMostB) / 2
        keepA = avgA >= lo && avgA <= hi
        keepB = avgB >= lo && avgB <= hi
    }

    @inline(__always) func keeps(_ v: Double) -> Bool {
        if keepsNothing { return false }
        if v > a && v < b { return true }
        if v == a { return keepA }
        if v == b { return keepB }
        return false
    }
}

/// edgeR's `.calcFactorTMMwsp` for one sample against the reference.
private func tmmwspFactor(obs obsIn: [Double], ref refIn: [Double], libObs: Double, libRef: Double,
                          logratioTrim: Double, sumTrim: Double, doWeighting: Bool) -> Double {
    let eps = 1e-14
    var obs = [Double](), ref = [Double](), zeroObs = [Bool](), zeroRef = [Bool]()
    for g in 0..<obsIn.count {
        let po = obsIn[g] > eps, pr = refIn[g] > eps
        if !po && !pr { continue }
        obs.append(obsIn[g])
        ref.append(refIn[g])
        zeroObs.append(!po)   // npos == 1: only the reference positive
        zeroRef.append(!pr)   // npos == 2: only the sample positive
    }
    let single = (0..<obs.count).map { zeroObs[$0] || zeroRef[$0] }
    let nSingles = min(zeroObs.filter { $0 }.count, zeroRef.filter { $0 }.count)
    var o2 = [Double](), r2 = [Double]()
    for g in 0..<obs.count where !single[g] {
        o2.append(obs[g])
        r2.append(ref[g])
    }
    if nSingles > 0 {
        let refk = (0..<obs.count).filter { single[$0] }.map { ref[$0] }.sorted(by: >)
        let obsk = (0..<obs.count).filter { single[$0] }.map { obs[$0] }.sorted(by: >)
        o2.append(contentsOf: obsk[0..<nSingles])
        r2.append(contentsOf: refk[0..<nSingles])
    }
    let n = o2.count
    if n == 0 { return 1 }
    let obsP = o2.map { $0 / libObs }
    let refP = r2.map { $0 / libRef }
    let M = (0..<n).map { log2(obsP[$0] / refP[$0]) }
    let A = (0..<n).map { 0.5 * log2(obsP[$0] * refP[$0]) }
    if M.allSatisfy({ abs($0) < 1e-6 }) { return 1 }
    let mShrunk = (0..<n).map { log2(((o2[$0] + 0.5) / (libObs + 0.5)) / ((r2[$0] + 0.5) / (libRef + 0.5))) }
    // order(M, M.shrunk): by M, ties by shrunk M, then by position.
    let oM = (0..<n).sorted { a, b in
        if M[a] != M[b] { return M[a] < M[b] }
        if mShrunk[a] != mShrunk[b] { return mShrunk[a] < mShrunk[b] }
        return a < b
    }
    let oA = RBase.order(A)
    var keepM = [Bool](repeating: false, count: n), keepA = keepM
    let loM = Int(Double(n) * logratioTrim) + 1, hiM = n + 1 - loM
    for k in min(loM, hiM)...max(loM, hiM) { keepM[oM[k - 1]] = true }
    let loA = Int(Double(n) * sumTrim) + 1, hiA = n + 1 - loA
    for k in min(loA, hiA)...max(loA, hiA) { keepA[oA[k - 1]] = true }
    let keep = (0..<n).filter { keepM[$0] && keepA[$0] }
    let tmm: Double
    if doWeighting {
        var wm = [Double](), ws = [Double]()
        for g in keep {
            let op = obsP[g], rp = refP[g]
            let v = (1 - op) / op / libObs + (1 - rp) / rp / libRef
            let w = (1 + 1e-6) / (v + 1e-6)
            wm.append(w * M[g])
            ws.append(w)
        }
        tmm = RBase.sum(wm) / RBase.sum(ws)
    } else {
        tmm = RBase.mean(keep.map { M[$0] })
    }
    return RMath.pow(2, tmm)
}

/// edgeR's `.calcFactorRLE`: per column, the median over genes with positive
/// geometric mean of count / geometric mean.
private func rleFactors(_ x: Matrix) -> [Double] {
    var lx = x
    for k in 0..<lx.values.count { lx.values[k] = Foundation.log(lx.values[k]) }
    let gm = RBase.rowMeans(lx).map { Foundation.exp($0) }
    let pos = (0..<x.nrow).filter { gm[$0] > 0 }
    return (0..<x.ncol).map { j in RBase.median(pos.map { x[$0, j] / gm[$0] }) }
}
