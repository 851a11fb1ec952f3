// edgeR's calcNormFactors (3.40.2): scaling factors for library sizes by
// TMM, TMM with singleton pairing, RLE or upper quartile.
import Foundation
import LimmaFMA
#if arch(x86_64)
import CAVX512
#endif

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
    let positive = y.positiveCountRows()
    out.normFactors = try calcNormFactors(y.counts, positive: positive, libSize: y.libSize, method: method,
                                          refColumn: refColumn, logratioTrim: logratioTrim, sumTrim: sumTrim,
                                          doWeighting: doWeighting, Acutoff: Acutoff, p: p, warnings: &warnings)
    out.checkedCounts = positive   // for voom next (the counts are valid: the call did not throw)
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
    try calcNormFactors(counts, positive: positiveRows(counts), libSize: libSize, method: method, refColumn: refColumn,
                        logratioTrim: logratioTrim, sumTrim: sumTrim, doWeighting: doWeighting, Acutoff: Acutoff, p: p,
                        warnings: &warnings)
}

/// `calcNormFactors(_:libSize:method:...)` given `positiveRows(counts)`
/// (the counts checked in the pass that finds the all-zero rows; nil when
/// a count is missing, negative or infinite).
func calcNormFactors(_ counts: Matrix, positive: [Bool]?, libSize: [Double]?, method: NormFactorsMethod,
                     refColumn: Int?, logratioTrim: Double, sumTrim: Double, doWeighting: Bool, Acutoff: Double,
                     p: Double, warnings: inout [LimmaWarning]) throws -> [Double] {
    let fn = "calcNormFactors"
    let positive = try validCountRows(positive, of: counts, fn)
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
        f = tmmFactors(x, lib: lib, ref: ref, logratioTrim: logratioTrim, sumTrim: sumTrim,
                       doWeighting: doWeighting, Acutoff: Acutoff)
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
/// its library size (`columnQuantile`, the columns spread over the threads).
private func upperQuartileFactors(_ x: Matrix, lib: [Double], p: Double) -> [Double] {
    let n = x.nrow, ncol = x.ncol
    var f = [Double](repeating: 0, count: ncol)
    x.values.withUnsafeBufferPointer { v in
        f.withUnsafeMutableBufferPointer { fb in
            let out = UncheckedBox(fb)
            LimmaThreads.forEachChunk(ncol, minChunk: max(1, 65536 / max(n, 1))) { range in
                var scratch = QuantileScratch(capacity: n)
                defer { scratch.deallocate() }
                // The next column's order statistic estimated from this one's,
                // scaled by the library sizes.
                var guess = Double.nan
                for j in range {
                    let col = UnsafeBufferPointer(rebasing: v[(j * n)..<((j + 1) * n)])
                    out.value[j] = columnQuantile(col, p: p, scratch: &scratch, guess: &guess) / lib[j]
                    if j + 1 < ncol { guess = guess / lib[j] * lib[j + 1] }
                }
            }
        }
    }
    return f
}

/// Buffers for `columnQuantile`: a histogram of the small integer values and
/// room for the others; a window of values, its copy, and a sample with
/// room to select in it.
struct QuantileScratch {
    /// Values below this (integers) are counted in the histogram.
    static let histogramSize = 4096
    let histogram: UnsafeMutablePointer<Int32>
    let rest: UnsafeMutablePointer<Double>
    let window: UnsafeMutablePointer<Double>, windowCopy: UnsafeMutablePointer<Double>
    let sample: UnsafeMutablePointer<Double>, sampleRoom: UnsafeMutablePointer<Double>

    init(capacity: Int) {
        histogram = .allocate(capacity: Self.histogramSize)
        rest = .allocate(capacity: Swift.max(capacity, 1))
        window = .allocate(capacity: Swift.max(capacity, 1))
        windowCopy = .allocate(capacity: Swift.max(capacity, 1))
        sample = .allocate(capacity: SelectionScratch.sampleSize)
        sampleRoom = .allocate(capacity: 2 * SelectionScratch.sampleSize)
    }

    func deallocate() {
        histogram.deallocate()
        rest.deallocate()
        window.deallocate()
        windowCopy.deallocate()
        sample.deallocate()
        sampleRoom.deallocate()
    }
}

/// `RBase.quantile(Array(c), [p])[0]` (type 7) for a column of counts,
/// from the order statistics at sorted positions lo - 1 and hi - 1 (lo and
/// hi the floor and ceiling of `1 + (n - 1) p`). Values of an order
/// statistic do not depend on how it is found: `columnOrderStatistics`
/// finds them when it can; else, when every value below 4096 is a
/// non-negative integer, those are counted in a histogram and the others
/// (all larger) kept apart, so the order statistic at sorted position k is
/// read off the histogram when fewer than k + 1 values are large, else
/// selected among the large ones. A zero result (whose sign R's sort
/// decides) and columns with other values take `RBase.quantile`.
func columnQuantile(_ c: UnsafeBufferPointer<Double>, p: Double, scratch: inout QuantileScratch) -> Double {
    var guess = Double.nan
    return columnQuantile(c, p: p, scratch: &scratch, guess: &guess)
}

/// `columnQuantile(_:p:scratch:)` with `guess`, an estimate of the order
/// statistic at sorted position lo - 1 (NaN for none), passed to
/// `columnOrderStatistics`; on return `guess` holds that order statistic
/// (NaN when it was not found that way).
func columnQuantile(_ c: UnsafeBufferPointer<Double>, p: Double, scratch: inout QuantileScratch,
                    guess: inout Double) -> Double {
    let estimate = guess
    guess = .nan
    let n = c.count
    if n == 0 { return .nan }
    let index = 1 + Double(n - 1) * p
    let lo = Int(index.rounded(.down)), hi = Int(index.rounded(.up))
    if !(lo >= 1 && hi <= n) { return RBase.quantile(Array(c), [p])[0] }
    var stat: (Double, Double)
    if let found = columnOrderStatistics(c, lo - 1, hi - 1, scratch: scratch, guess: estimate) {
        stat = found
        guess = found.0
    } else {
        guard let found = histogramOrderStatistics(c, lo - 1, hi - 1, scratch: scratch) else {
            return RBase.quantile(Array(c), [p])[0]
        }
        stat = found
    }
    if stat.0 == 0 || stat.1 == 0 { return RBase.quantile(Array(c), [p])[0] }
    var value = stat.0
    let upper = stat.1
    if index > Double(lo) && upper != value {
        let h = index - Double(lo)
        value = (1 - h) * value + h * upper
    }
    return value
}

/// The order statistics at sorted positions `k1 <= k2` (0-based, `k2 - k1
/// <= 1`) of `c`, from a bracket: within 10% of `guess` when that is
/// positive and finite and holds both positions (`bracketedOrderStatistics`),
/// else from a sample: of `SelectionScratch.sampleSize` evenly spaced values, those about 4 standard deviations of a sample quantile
/// (`sqrt(s p (1 - p))` ranks, plus 3) below and above `k1 / n` bracket
/// the position; one pass without branches counts the values below and
/// above the bracket and gathers those inside, and the statistics are
/// selected among them (at k2, the k1-th value again when it is tied that
/// far, else the smallest gathered value above it). Nil when `c` is too
/// small for sampling to pay, holds NaN, or the bracket misses a position.
func columnOrderStatistics(_ c: UnsafeBufferPointer<Double>, _ k1: Int, _ k2: Int,
                           scratch: QuantileScratch, guess: Double = .nan) -> (Double, Double)? {
    let n = c.count, s = SelectionScratch.sampleSize
    guard n >= columnSampledMinValues, k1 >= 0, k2 >= k1, k2 <= k1 + 1, k2 < n else { return nil }
    if guess > 0 && guess < .infinity,
       let found = bracketedOrderStatistics(c, k1, k2, low: guess * (1 - 0.1), high: guess * (1 + 0.1), scratch: scratch) {
        return found
    }
    let sample = scratch.sample, room = scratch.sampleRoom
    for i in 0..<s { sample[i] = c[(i * n) / s + (n / s) / 2] }
    for i in 0..<s where sample[i].isNaN { return nil }
    let pk = Double(k1) / Double(n)
    let centre = Int(pk * Double(s))
    let spread = Int(4 * (Double(s) * pk * (1 - pk)).squareRoot()) + 3
    func rank(_ r: Int) -> Double {
        room.update(from: sample, count: s)
        return selectCounting(room, s, r, scratch: room + s).0
    }
    let low = centre - spread < 0 ? -Double.infinity : rank(centre - spread)
    let high = centre + spread + 1 >= s ? Double.infinity : rank(centre + spread + 1)
    return bracketedOrderStatistics(c, k1, k2, low: low, high: high, scratch: scratch)
}

/// `columnOrderStatistics` answers for columns of this many values or more
/// (below, the histogram's pass costs less than the sample's selections).
let columnSampledMinValues = 2 * SelectionScratch.sampleSize

/// `columnOrderStatistics` given the bracket `[low, high]`: one pass
/// without branches counts the values below and above it and gathers those
/// inside, and the statistics are selected among them; nil when `c` holds
/// NaN or the bracket misses a position.
func bracketedOrderStatistics(_ c: UnsafeBufferPointer<Double>, _ k1: Int, _ k2: Int, low: Double, high: Double,
                              scratch: QuantileScratch) -> (Double, Double)? {
    let n = c.count
    let w = scratch.window
    // Two values at a time; mask lanes are all ones (-1) or zero.
    typealias Lanes = SIMD2<Double>
    typealias Counts = SIMD2<Int64>
    let lowV = Lanes(repeating: low), highV = Lanes(repeating: high)
    var belowV = Counts(repeating: 0), aboveV = belowV
    var inside = 0
    let raw = UnsafeRawPointer(c.baseAddress!)
    var i = 0
    while i + 2 <= n {
        let a = raw.loadUnaligned(fromByteOffset: 8 * i, as: Lanes.self)
        belowV &-= unsafeBitCast(a .< lowV, to: Counts.self)
        aboveV &-= unsafeBitCast(a .> highV, to: Counts.self)
        let flags = unsafeBitCast((a .>= lowV) .& (a .<= highV), to: Counts.self) & 1
        w[inside] = a[0]
        inside += Int(truncatingIfNeeded: flags[0])
        w[inside] = a[1]
        inside += Int(truncatingIfNeeded: flags[1])
        i += 2
    }
    var below = Int(belowV[0] &+ belowV[1]), above = Int(aboveV[0] &+ aboveV[1])
    if i < n {
        let a = c[i]
        below += a < low ? 1 : 0
        above += a > high ? 1 : 0
        w[inside] = a
        inside += (a >= low ? 1 : 0) & (a <= high ? 1 : 0)
    }
    guard below + inside + above == n, k1 >= below, k2 < below + inside else { return nil }
    let copy = scratch.windowCopy
    if k2 > k1 { copy.update(from: w, count: inside) }
    let (v, _, atMost) = selectCounting(w, inside, k1 - below, scratch: scratch.rest)
    if k2 == k1 || k2 < below + atMost { return (v, v) }
    // Position k2 = k1 + 1 holds the smallest value above v, which is in the window.
    var next = Double.infinity
    for i in 0..<inside where copy[i] > v && copy[i] < next { next = copy[i] }
    return (v, next)
}

/// The order statistics at sorted positions `k1 <= k2` (0-based) of `c`
/// when every value below 4096 is a non-negative integer (nil otherwise):
/// those are counted in a histogram and the others (all larger) kept
/// apart, so the order statistic at sorted position k is read off the
/// histogram when fewer than k + 1 values are large, else selected among
/// the large ones.
func histogramOrderStatistics(_ c: UnsafeBufferPointer<Double>, _ k1: Int, _ k2: Int,
                              scratch: QuantileScratch) -> (Double, Double)? {
    let n = c.count
    let size = QuantileScratch.histogramSize
    let hist = scratch.histogram, rest = scratch.rest
    hist.initialize(repeating: 0, count: size)
    var nRest = 0
    let limit = Double(size)
    for a in c {
        if a >= 0 && a < limit {
            let i = Int(a)
            if Double(i) != a { return nil }
            hist[i] += 1
        } else if a >= limit {
            rest[nRest] = a
            nRest += 1
        } else {
            return nil
        }
    }
    let nSmall = n - nRest
    var stat = [Double](repeating: 0, count: 2)
    var fromRest = 0
    for (m, k) in [k1, k2].enumerated() {
        if k < nSmall {
            var cum = 0
            var v = 0
            while true {
                cum += Int(hist[v])
                if cum > k { break }
                v += 1
            }
            stat[m] = Double(v)
        } else {
            let buf = UnsafeMutableBufferPointer(start: rest, count: nRest)
            let kk = k - nSmall
            if kk >= fromRest { RBase.select(buf, fromRest, nRest - 1, kk) }
            stat[m] = buf[kk]
            fromRest = kk + 1
        }
    }
    return (stat[0], stat[1])
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

/// edgeR's `.calcFactorTMM` for every sample against the reference column
/// `ref` (`tmmFactor`), the samples spread over the threads, each worker
/// with its own buffers. The reference's per-gene numbers
/// (`TMMReference`) are computed once.
private func tmmFactors(_ x: Matrix, lib: [Double], ref: Int, logratioTrim: Double, sumTrim: Double,
                        doWeighting: Bool, Acutoff: Double) -> [Double] {
    let n = x.nrow, nsamples = x.ncol
    var f = [Double](repeating: 1, count: nsamples)
    x.values.withUnsafeBufferPointer { v in
        let reference = TMMReference(counts: v.baseAddress! + ref * n, n, libSize: lib[ref])
        f.withUnsafeMutableBufferPointer { fb in
            let shared = UncheckedBox((v, fb))
            LimmaThreads.forEachChunk(nsamples) { range in
                let (v, fb) = shared.value
                let scratch = TMMScratch(capacity: n)
                defer { scratch.deallocate() }
                for j in range {
                    // The reference against itself: every M is log2(1) = 0, the factor 1.
                    if j == ref { fb[j] = 1; continue }
                    fb[j] = tmmFactor(obs: v.baseAddress! + j * n, n, reference, libObs: lib[j],
                                      logratioTrim: logratioTrim, sumTrim: sumTrim,
                                      doWeighting: doWeighting, Acutoff: Acutoff, scratch: scratch)
                }
            }
        }
    }
    return f
}

/// The reference sample's per-gene numbers `tmmFactor` shares across
/// samples: its counts r, proportions `r / Nr`, their `log2`, `(Nr - r) /
/// Nr / r`, and the reciprocals `1 / (r / Nr)` (Inf for r = 0).
final class TMMReference: @unchecked Sendable {
    let counts: UnsafePointer<Double>
    let p: UnsafeMutablePointer<Double>, log2P: UnsafeMutablePointer<Double>
    let variance: UnsafeMutablePointer<Double>, reciprocal: UnsafeMutablePointer<Double>
    let libSize: Double
    /// Whether every positive proportion lies in `[2^-900, 2^900]` (its
    /// reciprocal then a normal number within 2 ulps of the quotient's).
    let reciprocalsNormal: Bool
    /// The smallest and largest positive proportion and their reciprocals
    /// (Inf, 0, Inf, 0 when there is none).
    let minP: Double, maxP: Double, minReciprocal: Double, maxReciprocal: Double

    /// From the reference's counts `counts[0..<n]` (kept, not copied) and
    /// library size.
    init(counts: UnsafePointer<Double>, _ n: Int, libSize nR: Double) {
        self.counts = counts
        libSize = nR
        p = .allocate(capacity: Swift.max(n, 1))
        log2P = .allocate(capacity: Swift.max(n, 1))
        variance = .allocate(capacity: Swift.max(n, 1))
        reciprocal = .allocate(capacity: Swift.max(n, 1))
        var normal = true
        var lowP = Double.infinity, highP = 0.0, lowR = Double.infinity, highR = 0.0
        for g in 0..<n {
            let r = counts[g]
            let rp = r / nR
            p[g] = rp
            log2P[g] = log2(rp)
            variance[g] = (nR - r) / nR / r
            reciprocal[g] = 1 / rp
            normal = normal && (rp == 0 || (rp >= 0x1p-900 && rp <= 0x1p900))
            if rp > 0 {
                lowP = Swift.min(lowP, rp)
                highP = Swift.max(highP, rp)
                lowR = Swift.min(lowR, reciprocal[g])
                highR = Swift.max(highR, reciprocal[g])
            }
        }
        reciprocalsNormal = normal
        (minP, maxP, minReciprocal, maxReciprocal) = (lowP, highP, lowR, highR)
    }

    deinit {
        p.deallocate()
        log2P.deallocate()
        variance.deallocate()
        reciprocal.deallocate()
    }
}

/// One worker's buffers for `tmmFactor`, reused sample after sample.
struct TMMScratch {
    /// Integer counts below this have their `o / No`, `log2(o / No)` and
    /// `(No - o) / No / o` remembered.
    static let tableSize = 8192
    let logR: UnsafeMutablePointer<Double>, absE: UnsafeMutablePointer<Double>
    let gene: UnsafeMutablePointer<Int32>
    /// The banded path's windows of genes by y.
    let windowA1: UnsafeMutablePointer<Int32>, windowA2: UnsafeMutablePointer<Int32>
    let proportionTable: UnsafeMutablePointer<Double>
    let log2Table: UnsafeMutablePointer<Double>, varianceTable: UnsafeMutablePointer<Double>
    let select: SelectionScratch
    /// The banded path's rooms for y's windows and the near windows' A and
    /// M values, room for its selections, and its samples of x and y (the
    /// sample's counts first).
    let lowA: UnsafeMutablePointer<Double>, highA: UnsafeMutablePointer<Double>
    let partition: UnsafeMutablePointer<Double>
    let sampleQ: UnsafeMutablePointer<Double>, sampleA: UnsafeMutablePointer<Double>

    init(capacity n: Int) {
        logR = .allocate(capacity: max(n, 1))
        absE = .allocate(capacity: max(n, 1))
        gene = .allocate(capacity: max(n, 1))
        windowA1 = .allocate(capacity: max(n, 1))
        windowA2 = .allocate(capacity: max(n, 1))
        proportionTable = .allocate(capacity: Self.tableSize)
        log2Table = .allocate(capacity: Self.tableSize)
        varianceTable = .allocate(capacity: Self.tableSize)
        select = SelectionScratch(capacity: n)
        lowA = .allocate(capacity: max(n, 1))
        highA = .allocate(capacity: max(n, 1))
        partition = .allocate(capacity: max(n, 2 * SelectionScratch.sampleSize))
        sampleQ = .allocate(capacity: SelectionScratch.sampleSize)
        sampleA = .allocate(capacity: SelectionScratch.sampleSize)
    }

    func deallocate() {
        logR.deallocate()
        absE.deallocate()
        gene.deallocate()
        windowA1.deallocate()
        windowA2.deallocate()
        proportionTable.deallocate()
        log2Table.deallocate()
        varianceTable.deallocate()
        select.deallocate()
        lowA.deallocate()
        highA.deallocate()
        partition.deallocate()
        sampleQ.deallocate()
        sampleA.deallocate()
    }

    /// Marks every table entry as not yet computed (for a new sample).
    func resetTables() {
        log2Table.initialize(repeating: .nan, count: Self.tableSize)
        varianceTable.initialize(repeating: .nan, count: Self.tableSize)
    }

    /// `(No - o) / No / o` of a positive count, remembered for integer
    /// counts below `tableSize`; an entry is computed when it is NaN (as
    /// `resetTables` leaves it).
    @inline(__always)
    func variance(_ o: Double, libObs nO: Double) -> Double {
        if o < Double(Self.tableSize), Double(Int(o)) == o {
            let i = Int(o)
            let v = varianceTable[i]
            if !v.isNaN { return v }
            let w = (nO - o) / nO / o
            varianceTable[i] = w
            return w
        }
        return (nO - o) / nO / o
    }

    /// `o / No` and `log2(o / No)` of a count, remembered (with `(No - o) /
    /// No / o`) for integer counts below `tableSize`; an entry is computed
    /// when its `log2` is NaN (as `resetTables` leaves it).
    @inline(__always)
    func proportion(_ o: Double, libObs nO: Double) -> (Double, Double) {
        if o < Double(Self.tableSize), Double(Int(o)) == o {
            let i = Int(o)
            let l = log2Table[i]
            if !l.isNaN { return (proportionTable[i], l) }
            let oP = o / nO
            let l2 = log2(oP)
            proportionTable[i] = oP
            log2Table[i] = l2
            varianceTable[i] = (nO - o) / nO / o
            return (oP, l2)
        }
        let oP = o / nO
        return (oP, log2(oP))
    }
}

/// edgeR's `.calcFactorTMM` for one sample (counts `obs[0..<n]`, library
/// size `nO`) against the reference: `tmmFactorBanded` when it can answer,
/// else `tmmFactorGeneral`. Both give R's value; the first takes `log2` of
/// about 40% of the ratios and of few proportions.
private func tmmFactor(obs: UnsafePointer<Double>, _ ngenes: Int, _ ref: TMMReference, libObs nO: Double,
                       logratioTrim: Double, sumTrim: Double, doWeighting: Bool, Acutoff: Double,
                       scratch: TMMScratch) -> Double {
    if let f = tmmFactorBanded(obs: obs, ngenes, ref, libObs: nO, logratioTrim: logratioTrim, sumTrim: sumTrim,
                               doWeighting: doWeighting, Acutoff: Acutoff, scratch: scratch) {
        return f
    }
    return tmmFactorGeneral(obs: obs, ngenes, ref, libObs: nO, logratioTrim: logratioTrim, sumTrim: sumTrim,
                            doWeighting: doWeighting, Acutoff: Acutoff, scratch: scratch)
}

/// The TMM factor from the candidate genes' M and A values `logR[0..<count]`,
/// `absE[0..<count]` and gene indices `gene[0..<count]` (in gene order) and
/// the trims: the kept genes are moved to the front, in gene order, without
/// branches (each slot is written at or before the one being read), and the
/// factor is 2 to the power of R's `sum(logR/v, na.rm = TRUE) / sum(1/v,
/// na.rm = TRUE)` over them (long double sums), with `v = (No - o)/No/o +
/// (Nr - r)/Nr/r`, or of the mean of their M values without weighting; a NaN
/// mean (no gene kept) counts as 0. `(No - o)/No/o` comes from
/// `TMMScratch.variance`.
private func tmmKeptMean(_ byM: TrimBounds, _ byA: TrimBounds, _ logR: UnsafeMutablePointer<Double>,
                         _ absE: UnsafeMutablePointer<Double>, _ gene: UnsafeMutablePointer<Int32>, _ count: Int,
                         obs: UnsafePointer<Double>, _ ref: TMMReference, libObs nO: Double, doWeighting: Bool,
                         scratch: TMMScratch) -> Double {
    let both = TrimBoundsPair(byM, byA)
    var nkept = 0
    for k in 0..<count {
        let lr = logR[k], g = gene[k]
        let bit = both.keeps(lr, absE[k])
        logR[nkept] = lr
        gene[nkept] = g
        nkept += bit
    }
    var f: Double
    if doWeighting {
        var num: RLongDouble = 0, den: RLongDouble = 0
        for k in 0..<nkept {
            let g = Int(gene[k])
            let o = obs[g]
            let ov = scratch.variance(o, libObs: nO)
            let v = ov + ref.variance[g]
            let a = logR[k] / v, b = 1 / v
            if !a.isNaN { num += RLongDouble(a) }
            if !b.isNaN { den += RLongDouble(b) }
        }
        f = Double(num) / Double(den)
    } else {
        f = RBase.mean(Array(UnsafeBufferPointer(start: logR, count: nkept)), naRM: true)
    }
    if f.isNaN { f = 0 }
    return RMath.pow(2, f)
}

/// `tmmFactor` by its definition, with M computed for every gene.
///
/// Genes with a zero count in either sample have an infinite M or A and are
/// skipped before any logarithm. `o / No`, `log2(o / No)` and `(No - o) /
/// No / o` of an integer count below `TMMScratch.tableSize` are computed
/// once per sample and value. R keeps the
/// genes whose average rank (`rank()`, ties averaged) of M lies in
/// `[loL, hiL]` and of A in `[loS, hiS]`. The same sets come from order
/// statistics (`TrimBounds`) without ranking, and the weighted sums then run
/// over the kept genes in gene order, as R's `sum(logR[keep]/v[keep])` does.
func tmmFactorGeneral(obs: UnsafePointer<Double>, _ ngenes: Int, _ ref: TMMReference, libObs nO: Double,
                      logratioTrim: Double, sumTrim: Double, doWeighting: Bool, Acutoff: Double,
                      scratch: TMMScratch) -> Double {
    let logR = scratch.logR, absE = scratch.absE, gene = scratch.gene
    scratch.resetTables()
    var count = 0
    var allSmall = true
    for g in 0..<ngenes {
        let o = obs[g], r = ref.counts[g]
        // log2(0) is -Inf: M or A is not finite, the gene is not used.
        if !(o > 0 && r > 0) { continue }
        let (oP, log2OP) = scratch.proportion(o, libObs: nO)
        let lr = log2(oP / ref.p[g])
        let ae = (log2OP + ref.log2P[g]) / 2
        guard lr.isFinite && ae.isFinite && ae > Acutoff else { continue }
        logR[count] = lr
        absE[count] = ae
        gene[count] = Int32(g)
        count += 1
        if !(Swift.abs(lr) < 1e-6) { allSmall = false }
    }
    // max(abs(logR)) of nothing is -Inf in R, which is < 1e-6.
    if allSmall { return 1 }
    let n = Double(count)
    let loL = (n * logratioTrim).rounded(.down) + 1
    let hiL = n + 1 - loL
    let loS = (n * sumTrim).rounded(.down) + 1
    let hiS = n + 1 - loS
    let byM = TrimBounds(UnsafeBufferPointer(start: logR, count: count), lo: loL, hi: hiL, scratch: scratch.select)
    let byA = TrimBounds(UnsafeBufferPointer(start: absE, count: count), lo: loS, hi: hiS, scratch: scratch.select)
    return tmmKeptMean(byM, byA, logR, absE, gene, count, obs: obs, ref, libObs: nO, doWeighting: doWeighting, scratch: scratch)
}

/// Samples with fewer genes than this take `tmmFactorGeneral`.
let tmmBandedMinGenes = 2 * SelectionScratch.sampleSize

/// `tmmFactor` taking `log2` only where the trims need it, or nil (then
/// `tmmFactorGeneral` answers). For a gene with counts o and r, R's q is
/// `(o/No)/(r/Nr)`, M = `log2(q)` and A = `(log2(o/No) + log2(r/Nr))/2`.
///
/// The genes are ordered without logarithms or divisions by `x = o *
/// (1/(r/Nr))`, within 5e-16 relative of `No * q`, and `y = o * (r/Nr)`, for
/// which `|A - (log2(y) - log2(No))/2| < 1e-12` (all values normal, checked
/// from the smallest positive and the largest count). `log2` is increasing
/// and glibc's is within an ulp of it (below 1e-12 for any double), so
/// below and above a threshold t, M or A lies below or above the value at
/// t up to 2e-12.
///
/// From a sample of about 1024 genes, q intervals `[l1, h1]` and `[l2, h2]`
/// and y intervals `[f1, g1]` and `[f2, g2]` (sample quantiles 4 standard
/// deviations either side of the trim fractions, q's widened by 1e-7
/// relative and y's by 2e-7) should hold the trims' order statistics. One pass over the
/// genes counts the used ones (x in `[2^-1000, 2^1000)`), those with y below
/// f1 and f2 and with x below the band (x for q in `[l1, h2]`, with a
/// margin of 1e-13 relative), and gathers the band's genes and y's
/// windows. The order statistics of y at A's trim positions are selected
/// in its windows; A is computed for the genes with y within 1e-7 relative
/// of them (inside the windows), and A's order statistics selected among
/// those: when each lies more
/// than 1e-9 inside the A values of its near window's ends, every other
/// gene's A is below or above it, so the counts and bounds are R's. The
/// same for M: q is computed for the band, q's order statistics selected in
/// its windows, M for the genes within 1e-7 of them, and M's order
/// statistics among those. The kept genes then lie among the candidates (q
/// and y within the near windows' outer ends), which get M, and A (or, when
/// y lies strictly between the near windows, a value strictly between A's
/// bounds, as theirs is).
///
/// The answer is nil when a position falls outside its window or a bound
/// is that close to its near window's edge, when every sampled q is within
/// 1e-6 of 1 (the `max(abs(M)) < 1e-6` test then needs every M), no gene is
/// used, a trim keeps nothing, the sample is too small, a value could leave
/// the normal range, or `Acutoff` is at least -1100 (below that, every
/// finite A, at least -1075, is above it).
func tmmFactorBanded(obs: UnsafePointer<Double>, _ ngenes: Int, _ ref: TMMReference, libObs nO: Double,
                     logratioTrim: Double, sumTrim: Double, doWeighting: Bool, Acutoff: Double,
                     scratch: TMMScratch, minGenes: Int = tmmBandedMinGenes) -> Double? {
    guard ngenes >= minGenes, ngenes > 0, logratioTrim <= 0.5, sumTrim <= 0.5, ref.reciprocalsNormal,
          Acutoff < -1100 else { return nil }
    let rP = ref.p, reciprocal = ref.reciprocal
    // The sample: evenly spaced genes, those with positive counts.
    let s = Swift.min(SelectionScratch.sampleSize, ngenes)
    let sx = scratch.sampleQ, sy = scratch.sampleA
    // The counts first, in a pass without branches (their loads overlap).
    for i in 0..<s { sx[i] = obs[(i * ngenes) / s + (ngenes / s) / 2] }
    var ns = 0
    var outside = false
    for i in 0..<s {
        let g = (i * ngenes) / s + (ngenes / s) / 2
        let o = sx[i], r = ref.counts[g]
        if !(o > 0 && r > 0) { continue }
        let q = (o / nO) / rP[g]
        guard q > 0 && q < .infinity else { continue }
        sx[ns] = o * reciprocal[g]
        sy[ns] = o * rP[g]
        ns += 1
        outside = outside || q < 0.999999 || q > 1.000001
    }
    // Some |M| >= 1e-6 is known when some q is outside [0.999999, 1.000001]
    // (that gene's A is finite and above Acutoff).
    guard ns >= 64, outside else { return nil }
    let widen = 1e-7
    let (c1, d1, c2, d2) = sampleBrackets(sx, ns, logratioTrim, below: 0, above: .infinity, scratch: scratch.partition)
    let l1 = c1 / nO * (1 - widen), h1 = d1 / nO * (1 + widen), l2 = c2 / nO * (1 - widen), h2 = d2 / nO * (1 + widen)
    let (e1, k1, e2, k2) = sampleBrackets(sy, ns, sumTrim, below: 0, above: .infinity, scratch: scratch.partition)
    let f1 = e1 * (1 - 2 * widen), g1 = k1 * (1 + 2 * widen), f2 = e2 * (1 - 2 * widen), g2 = k2 * (1 + 2 * widen)

    // The band: x in [bandLow, bandHigh].
    let bandLow = l1 * nO * (1 - 1e-13), bandHigh = h2 * nO * (1 + 1e-13)
    let bandP = scratch.logR, bandA = scratch.absE, bandG = scratch.gene
    let wa1 = scratch.windowA1, wa2 = scratch.windowA2
    // Used genes: x in [2^-1000, 2^1000) (o = 0 gives 0, r = 0 Inf or NaN,
    // positive counts a value in range, checked below).
    let pass = tmmGenePass(obs: obs, ngenes, reciprocal: reciprocal, rP: rP, band: (bandLow, bandHigh),
                           window1: (f1, g1), window2: (f2, g2), into: (bandG, wa1, wa2),
                           avx512: AVX512Kernels.enabled)
    let count = pass.used, nb = pass.inBand, in1 = pass.inWindow1, in2 = pass.inWindow2
    guard count > 0 else { return nil }
    // For every pair of positive counts, x, y, o/No and q are normal
    // (products and quotients of positive doubles round monotonically).
    let oMin = pass.minPositive, oMax = pass.maxPositive
    let tiny = 0x1p-1000, huge = 0x1p1000
    guard oMin * ref.minReciprocal >= tiny, oMax * ref.maxReciprocal < huge,
          oMin * ref.minP >= tiny, oMax * ref.maxP < huge,
          oMin / nO >= tiny, oMax / nO < huge,
          oMin / nO * ref.minReciprocal >= tiny, oMax / nO * ref.maxReciprocal < huge else { return nil }
    let n = Double(count)
    let loL = (n * logratioTrim).rounded(.down) + 1, hiL = n + 1 - loL
    let loS = (n * sumTrim).rounded(.down) + 1, hiS = n + 1 - loS
    guard loL <= hiL, loL <= n, hiL >= 1, loS <= hiS, loS <= n, hiS >= 1 else { return nil }
    let kLo = Int(Swift.max(loL, 1)) - 1, kHi = Int(Swift.min(hiL, n)) - 1
    let kLoS = Int(Swift.max(loS, 1)) - 1, kHiS = Int(Swift.min(hiS, n)) - 1
    let belowBand = pass.belowBand, belowF1 = pass.belowWindow1, belowF2 = pass.belowWindow2
    let work = scratch.partition, room1 = scratch.lowA, room2 = scratch.highA

    // A: y's order statistics in its windows, then near windows around them.
    for k in 0..<in1 { let g = Int(wa1[k]); room1[k] = obs[g] * rP[g] }
    for k in 0..<in2 { let g = Int(wa2[k]); room2[k] = obs[g] * rP[g] }
    guard let yA = windowOrderStatistic(room1, in1, belowF1, kLoS, scratch: work)?.0,
          let yB = windowOrderStatistic(room2, in2, belowF2, kHiS, scratch: work)?.0 else { return nil }
    let near = 1e-7
    let yaLo = Swift.max(yA * (1 - near), f1), yaHi = Swift.min(yA * (1 + near), g1)
    let ybLo = Swift.max(yB * (1 - near), f2), ybHi = Swift.min(yB * (1 + near), g2)
    // The window's genes with y below lo (counted two at a time, without
    // branches) and A of those with y in [lo, hi] (few: behind a branch).
    func nearA(_ w: UnsafeMutablePointer<Int32>, _ count: Int, _ lo: Double, _ hi: Double,
               into out: UnsafeMutablePointer<Double>) -> (below: Int, inside: Int) {
        let loV = SIMD2(repeating: lo), hiV = SIMD2(repeating: hi)
        var belowV = SIMD2<Int64>(repeating: 0)
        var inside = 0
        var k = 0
        while k + 2 <= count {
            let g0 = Int(w[k]), g1 = Int(w[k + 1])
            let y = SIMD2(obs[g0], obs[g1]) * SIMD2(rP[g0], rP[g1])
            belowV &-= unsafeBitCast(y .< loV, to: SIMD2<Int64>.self)
            if any((y .>= loV) .& (y .<= hiV)) {
                for g in [g0, g1] where obs[g] * rP[g] >= lo && obs[g] * rP[g] <= hi {
                    out[inside] = (log2(obs[g] / nO) + ref.log2P[g]) / 2
                    inside += 1
                }
            }
            k += 2
        }
        var below = Int(belowV[0] &+ belowV[1])
        if k < count {
            let g = Int(w[k])
            let y = obs[g] * rP[g]
            below += y < lo ? 1 : 0
            if y >= lo && y <= hi {
                out[inside] = (log2(obs[g] / nO) + ref.log2P[g]) / 2
                inside += 1
            }
        }
        return (below, inside)
    }
    let nearA1 = nearA(wa1, in1, yaLo, yaHi, into: room1), nearA2 = nearA(wa2, in2, ybLo, ybHi, into: room2)
    guard let lowS = windowOrderStatistic(room1, nearA1.inside, belowF1 + nearA1.below, kLoS, scratch: work),
          let highS = windowOrderStatistic(room2, nearA2.inside, belowF2 + nearA2.below, kHiS, scratch: work) else { return nil }
    func aAt(_ y: Double) -> Double { (log2(y) - log2(nO)) / 2 }
    let margin = 1e-9
    guard lowS.0 > aAt(yaLo) + margin, lowS.0 < aAt(yaHi) - margin,
          highS.0 > aAt(ybLo) + margin, highS.0 < aAt(ybHi) - margin else { return nil }
    let byA = TrimBounds(lo: loS, hi: hiS, lower: lowS, upper: highS)
    // Strictly between A's bounds, for the genes with y in (yaHi, ybLo).
    let inner = lowS.0 / 2 + highS.0 / 2

    // M: q for the band, counts below l1 and l2, and q's windows.
    let w1 = scratch.select.low, w2 = scratch.select.high
    let (bandBelow1, bandBelow2, inQ1, inQ2) = tmmBandQuotients(gene: bandG, nb, obs: obs, rP: rP, libObs: nO,
                                                                into: bandP, (l1, h1), (l2, h2), windows: (w1, w2),
                                                                avx512: AVX512Kernels.enabled)
    guard let qa = windowOrderStatistic(w1, inQ1, belowBand + bandBelow1, kLo, scratch: work)?.0,
          let qb = windowOrderStatistic(w2, inQ2, belowBand + bandBelow2, kHi, scratch: work)?.0 else { return nil }
    // The near windows [la, ha] and [lb, hb] around q's order statistics,
    // within [l1, h2]; one window [la, hb] when they overlap.
    let la = Swift.max(qa * (1 - near), l1), hb = Swift.min(qb * (1 + near), h2)
    var ha = qa * (1 + near), lb = qb * (1 - near)
    if !(ha < lb) { (ha, lb) = (hb, la) }
    // M for the genes in the near windows, counts below them, and the
    // candidates (q in [la, hb], y in [yaLo, ybHi]) moved to the front in
    // gene order, with y.
    let nearM1 = scratch.lowA, nearM2 = scratch.highA
    let (nc, nA, nB, belowA, belowB) = tmmCandidates(q: bandP, y: bandA, gene: bandG, nb, obs: obs, rP: rP,
                                                     near1: (la, ha), near2: (lb, hb), yRange: (yaLo, ybHi),
                                                     into: (nearM1, nearM2), avx512: AVX512Kernels.enabled)
    for k in 0..<nA { nearM1[k] = log2(nearM1[k]) }
    for k in 0..<nB { nearM2[k] = log2(nearM2[k]) }
    guard let lowM = windowOrderStatistic(nearM1, nA, belowBand + belowA, kLo, scratch: work),
          let highM = windowOrderStatistic(nearM2, nB, belowBand + belowB, kHi, scratch: work) else { return nil }
    guard lowM.0 > log2(la) + margin, lowM.0 < log2(ha) - margin,
          highM.0 > log2(lb) + margin, highM.0 < log2(hb) - margin else { return nil }
    let byM = TrimBounds(lo: loL, hi: hiL, lower: lowM, upper: highM)
    // The kept genes are among the candidates (one with q outside [la, hb]
    // has M below a or above b, one with y outside [yaLo, ybHi] A below or
    // above A's bounds): their M, and A where it is not known to be inside.
    if doWeighting {
        // Kept for sure: q strictly between the near windows (M strictly
        // between M's bounds, by the checks above) and y strictly between
        // A's near windows (A strictly between its bounds, as is inner).
        let innerInside = inner > lowS.0 && inner < highS.0
        return tmmWeightedCandidates(TrimBoundsPair(byM, byA), q: bandP, y: bandA, gene: bandG, nc, obs: obs, ref,
                                     libObs: nO, sureQ: (ha, lb), sureY: innerInside ? (yaHi, ybLo) : (0, 0),
                                     innerY: (yaHi, ybLo), innerA: inner, terms: (scratch.select.low, scratch.select.high),
                                     unsure: scratch.windowA1, logs: (nearM1, nearM2), avx512: AVX512Kernels.enabled)
    }
    for k in 0..<nc {
        bandP[k] = log2(bandP[k])
        let y = bandA[k]
        if y > yaHi && y < ybLo {
            bandA[k] = inner
        } else {
            let g = Int(bandG[k])
            bandA[k] = (log2(obs[g] / nO) + ref.log2P[g]) / 2
        }
    }
    return tmmKeptMean(byM, byA, bandP, bandA, bandG, nc, obs: obs, ref, libObs: nO, doWeighting: doWeighting,
                       scratch: scratch)
}

/// `tmmKeptMean` with weighting over `tmmFactorBanded`'s candidates (q in
/// `q[0..<count]`, y in `y`, genes in `gene`, in gene order), the trims
/// given by `both`. Each candidate's terms `logR/v` and `1/v` (M = `log2(q)`,
/// `v = (No - o)/No/o + (Nr - r)/Nr/r`, two genes at a time, each lane as
/// the scalar operations) go to `terms`, +0 for a term that is NaN
/// (`na.rm`). A candidate with q strictly inside `sureQ` and y strictly
/// inside `sureY` is kept (its M and A lie strictly between the trims'
/// bounds); the others are listed in `unsure` and then tested: A is
/// `innerA` when y lies strictly inside `innerY`, else `(log2(o/No) +
/// log2(r/Nr))/2`, and the terms of a gene not kept become +0. Adding +0
/// leaves a sum as it was (a sum starts at +0, and a sum of doubles in
/// round-to-nearest is -0 only when every term is), so R's long double sums
/// over the kept genes in gene order are the sums of all the terms.
///
/// With `avx512` (only where `AVX512Kernels.enabled`), the M values are
/// taken first (LimmaFMA's `fmaLog2Settled`, the libm's bits, to `logs.0`,
/// with `logs.1` its scratch; each `count` values) and CAVX512's
/// `limma_avx512_tmm_weighted_terms` computes the terms and lists the
/// unsure candidates eight at a time: the same operations on the same
/// values in each lane, so the same terms and list.
@inline(never)
func tmmWeightedCandidates(_ both: TrimBoundsPair, q: UnsafePointer<Double>, y: UnsafePointer<Double>,
                           gene: UnsafePointer<Int32>, _ count: Int, obs: UnsafePointer<Double>, _ ref: TMMReference,
                           libObs nO: Double, sureQ: (Double, Double), sureY: (Double, Double),
                           innerY: (Double, Double), innerA: Double,
                           terms: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                           unsure: UnsafeMutablePointer<Int32>,
                           logs: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                           avx512: Bool = false) -> Double {
    typealias Lanes = SIMD2<Double>
    typealias Bits = SIMD2<UInt64>
    let (ta, tb) = terms
    let rVar = ref.variance
    let qLo = Lanes(repeating: sureQ.0), qHi = Lanes(repeating: sureQ.1)
    let yLo = Lanes(repeating: sureY.0), yHi = Lanes(repeating: sureY.1)
    let lib = Lanes(repeating: nO), one = Lanes(repeating: 1)
    var nu = 0
    // Lanes k and k + 1 (the second a copy of the first for a last odd one).
    @inline(__always) func step(_ k: Int, _ k1: Int, lanes: Int) {
        let m = Lanes(log2(q[k]), log2(q[k1]))
        let g0 = Int(gene[k]), g1 = Int(gene[k1])
        let o = Lanes(obs[g0], obs[g1])
        let v = (lib - o) / lib / o + Lanes(rVar[g0], rVar[g1])
        let a = m / v, b = one / v
        let ma = unsafeBitCast(a .== a, to: Bits.self), mb = unsafeBitCast(b .== b, to: Bits.self)
        let tA = unsafeBitCast(unsafeBitCast(a, to: Bits.self) & ma, to: Lanes.self)
        let tB = unsafeBitCast(unsafeBitCast(b, to: Bits.self) & mb, to: Lanes.self)
        let qv = Lanes(q[k], q[k1]), yv = Lanes(y[k], y[k1])
        let sure = unsafeBitCast((qv .> qLo) .& (qv .< qHi) .& (yv .> yLo) .& (yv .< yHi), to: SIMD2<Int64>.self)
        for lane in 0..<lanes {
            ta[k + lane] = tA[lane]
            tb[k + lane] = tB[lane]
            unsure[nu] = Int32(truncatingIfNeeded: k + lane)
            nu += 1 + Int(truncatingIfNeeded: sure[lane])
        }
    }
    var vectorised = false
    #if arch(x86_64)
    if avx512 {
        fmaLog2Settled(q, count: count, into: logs.0, lo: logs.1) { log2($0) }
        nu = limma_avx512_tmm_weighted_terms(q, y, logs.0, gene, count, obs, rVar, nO, sureQ.0, sureQ.1, sureY.0, sureY.1,
                                             ta, tb, unsure)
        vectorised = true
    }
    #endif
    if !vectorised {
        var k = 0
        while k + 2 <= count {
            step(k, k + 1, lanes: 2)
            k += 2
        }
        if k < count { step(k, k, lanes: 1) }
    }
    let (innerLo, innerHi) = innerY
    for i in 0..<nu {
        let k = Int(unsure[i])
        let m = log2(q[k])
        let g = Int(gene[k])
        let yk = y[k]
        let a = yk > innerLo && yk < innerHi ? innerA : (log2(obs[g] / nO) + ref.log2P[g]) / 2
        if both.keeps(m, a) == 0 {
            ta[k] = 0
            tb[k] = 0
        }
    }
    var num: RLongDouble = 0, den: RLongDouble = 0
    for k in 0..<count {
        num += RLongDouble(ta[k])
        den += RLongDouble(tb[k])
    }
    var f = Double(num) / Double(den)
    if f.isNaN { f = 0 }
    return RMath.pow(2, f)
}

/// What `tmmGenePass` finds in one pass over a sample's genes.
struct TMMGenePass {
    /// The genes used (x in `[2^-1000, 2^1000)`), those among them with x
    /// below the band and with y below each window, and the numbers gathered
    /// into the band and into each window.
    var used = 0, belowBand = 0, belowWindow1 = 0, belowWindow2 = 0
    var inBand = 0, inWindow1 = 0, inWindow2 = 0
    /// The smallest and the largest positive count (Inf and 0 when none).
    var minPositive = Double.infinity, maxPositive = 0.0
}

/// `tmmFactorBanded`'s pass over all genes, two at a time and without
/// branches: with count o, x = `o * reciprocal[g]` and y = `o * rP[g]`, a
/// gene is used when x lies in `[2^-1000, 2^1000)` (a zero count gives 0, a
/// zero reference count Inf or NaN); the used genes are counted, and those
/// with x below `band.0` and with y below each window's lower end; the used
/// genes with x in `band` and with y in each window are gathered (their
/// indices, in gene order) into `into`'s three buffers. NaN, negative and
/// zero counts are not positive; an infinite one is.
///
/// With `avx512` (only where `AVX512Kernels.enabled`), CAVX512's
/// `limma_avx512_tmm_gene_pass` does the pass eight genes at a time, the
/// gathered genes' indices compressed out of each vector (vpcompressd): the
/// same comparisons and products, so the same counts, genes and extremes.
@inline(never)
func tmmGenePass(obs: UnsafePointer<Double>, _ ngenes: Int, reciprocal: UnsafePointer<Double>, rP: UnsafePointer<Double>,
                 band: (Double, Double), window1: (Double, Double), window2: (Double, Double),
                 into genes: (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>),
                 avx512: Bool = false)
    -> TMMGenePass {
    #if arch(x86_64)
    if avx512 {
        let r = limma_avx512_tmm_gene_pass(obs, ngenes, reciprocal, rP, band.0, band.1, window1.0, window1.1,
                                           window2.0, window2.1, genes.0, genes.1, genes.2)
        return TMMGenePass(used: r.used, belowBand: r.below_band, belowWindow1: r.below_window1, belowWindow2: r.below_window2,
                           inBand: r.in_band, inWindow1: r.in_window1, inWindow2: r.in_window2,
                           minPositive: r.min_positive, maxPositive: r.max_positive)
    }
    #endif
    typealias Lanes = SIMD2<Double>
    typealias Counts = SIMD2<Int64>
    let (bandG, wa1, wa2) = genes
    let xLow = Lanes(repeating: 0x1p-1000), xHigh = Lanes(repeating: 0x1p1000)
    let bandLow = Lanes(repeating: band.0), bandHigh = Lanes(repeating: band.1)
    let f1 = Lanes(repeating: window1.0), g1 = Lanes(repeating: window1.1)
    let f2 = Lanes(repeating: window2.0), g2 = Lanes(repeating: window2.1)
    // Mask lanes are all ones (-1) or zero; counts subtract them.
    var used = Counts(repeating: 0), belowBand = used, below1 = used, below2 = used
    var low = Lanes(repeating: .infinity), high = Lanes(repeating: 0)
    var nb = 0, in1 = 0, in2 = 0
    @inline(__always) func bits(_ m: SIMDMask<Counts>) -> Counts { unsafeBitCast(m, to: Counts.self) }
    // One step on the genes in lanes `lanes` (1 or 2) from g.
    @inline(__always) func step(_ o: Lanes, _ r: Lanes, _ p: Lanes, _ g: Int, lanes: Int) {
        low.replace(with: o, where: (o .> 0) .& (o .< low))
        high.replace(with: o, where: o .> high)
        let x = o * r, y = o * p
        let u = bits((x .>= xLow) .& (x .< xHigh))
        used &-= u
        belowBand &-= u & bits(x .< bandLow)
        below1 &-= u & bits(y .< f1)
        below2 &-= u & bits(y .< f2)
        // Per lane: 1 in the band, 2 in window 1, 4 in window 2.
        let flags = (u & bits((x .>= bandLow) .& (x .<= bandHigh)) & 1)
                  | (u & bits((y .>= f1) .& (y .<= g1)) & 2)
                  | (u & bits((y .>= f2) .& (y .<= g2)) & 4)
        for lane in 0..<lanes {
            let f = Int(truncatingIfNeeded: flags[lane])
            let gene = Int32(truncatingIfNeeded: g + lane)
            bandG[nb] = gene
            nb += f & 1
            wa1[in1] = gene
            in1 += (f >> 1) & 1
            wa2[in2] = gene
            in2 += f >> 2
        }
    }
    let oRaw = UnsafeRawPointer(obs), rRaw = UnsafeRawPointer(reciprocal), pRaw = UnsafeRawPointer(rP)
    var g = 0
    while g + 2 <= ngenes {
        step(oRaw.loadUnaligned(fromByteOffset: 8 * g, as: Lanes.self),
             rRaw.loadUnaligned(fromByteOffset: 8 * g, as: Lanes.self),
             pRaw.loadUnaligned(fromByteOffset: 8 * g, as: Lanes.self), g, lanes: 2)
        g += 2
    }
    if g < ngenes {
        // The last gene in both lanes, counted once.
        let before = (used, belowBand, below1, below2)
        step(Lanes(repeating: obs[g]), Lanes(repeating: reciprocal[g]), Lanes(repeating: rP[g]), g, lanes: 1)
        used[1] = before.0[1]
        belowBand[1] = before.1[1]
        below1[1] = before.2[1]
        below2[1] = before.3[1]
    }
    var out = TMMGenePass()
    out.used = Int(used[0] &+ used[1])
    out.belowBand = Int(belowBand[0] &+ belowBand[1])
    out.belowWindow1 = Int(below1[0] &+ below1[1])
    out.belowWindow2 = Int(below2[0] &+ below2[1])
    (out.inBand, out.inWindow1, out.inWindow2) = (nb, in1, in2)
    out.minPositive = Swift.min(low[0], low[1])
    out.maxPositive = Swift.max(high[0], high[1])
    return out
}

/// R's `q = (o/No)/(r/Nr)` of the genes `gene[0..<nb]`, two at a time
/// (each lane divides as the scalar division does), to `q`, with the counts
/// of q below `window1`'s and `window2`'s lower ends and the values in each
/// window (to `into`, with their numbers), without branches. With `avx512`
/// (only where `AVX512Kernels.enabled`), CAVX512's
/// `limma_avx512_tmm_band_quotients`: eight genes at a time (gathered), the
/// same divisions and comparisons, the windows' values compressed out of
/// each vector.
@inline(never)
func tmmBandQuotients(gene: UnsafePointer<Int32>, _ nb: Int, obs: UnsafePointer<Double>, rP: UnsafePointer<Double>,
                      libObs nO: Double, into q: UnsafeMutablePointer<Double>,
                      _ window1: (Double, Double), _ window2: (Double, Double),
                      windows: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                      avx512: Bool = false) -> (Int, Int, Int, Int) {
    #if arch(x86_64)
    if avx512 {
        var counts = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &counts) { cb in
            limma_avx512_tmm_band_quotients(gene, nb, obs, rP, nO, q, window1.0, window1.1, window2.0, window2.1,
                                            windows.0, windows.1, cb.baseAddress!.assumingMemoryBound(to: Int.self))
        }
        return counts
    }
    #endif
    typealias Lanes = SIMD2<Double>
    typealias Counts = SIMD2<Int64>
    let (w1, w2) = windows
    let l1 = Lanes(repeating: window1.0), h1 = Lanes(repeating: window1.1)
    let l2 = Lanes(repeating: window2.0), h2 = Lanes(repeating: window2.1)
    var below1 = Counts(repeating: 0), below2 = below1
    var n1 = 0, n2 = 0
    let scale = Lanes(repeating: nO)
    @inline(__always) func bits(_ m: SIMDMask<Counts>) -> Counts { unsafeBitCast(m, to: Counts.self) }
    @inline(__always) func step(_ v: Lanes, lanes: Int) {
        below1 &-= bits(v .< l1)
        below2 &-= bits(v .< l2)
        let flags = (bits((v .>= l1) .& (v .<= h1)) & 1) | (bits((v .>= l2) .& (v .<= h2)) & 2)
        for lane in 0..<lanes {
            let f = Int(truncatingIfNeeded: flags[lane])
            w1[n1] = v[lane]
            n1 += f & 1
            w2[n2] = v[lane]
            n2 += f >> 1
        }
    }
    var k = 0
    while k + 2 <= nb {
        let g0 = Int(gene[k]), g1 = Int(gene[k + 1])
        let v = Lanes(obs[g0], obs[g1]) / scale / Lanes(rP[g0], rP[g1])
        q[k] = v[0]
        q[k + 1] = v[1]
        step(v, lanes: 2)
        k += 2
    }
    if k < nb {
        let g = Int(gene[k])
        let v = (obs[g] / nO) / rP[g]
        q[k] = v
        let before = (below1[1], below2[1])
        step(Lanes(repeating: v), lanes: 1)
        (below1[1], below2[1]) = before
    }
    return (Int(below1[0] &+ below1[1]), Int(below2[0] &+ below2[1]), n1, n2)
}

/// `tmmFactorBanded`'s pass over the band (q in `q[0..<nb]`, genes in
/// `gene`), two genes at a time: the q values in `near1` and in `near2` (to
/// `into`, in gene order; few, so gathered behind a branch), the counts of
/// q below `near1`'s and `near2`'s lower ends, and the candidates (q in
/// `[near1.lo, near2.hi]`, y = `o * (r/Nr)` in `yRange`) moved to the front
/// in gene order without branches, with y in `y`. Returns the number of
/// candidates, of q values in each near window, and the counts. With
/// `avx512` (only where `AVX512Kernels.enabled`), CAVX512's
/// `limma_avx512_tmm_candidates`: eight genes at a time, the same products
/// and comparisons, the gathers compressed out of each vector.
@inline(never)
func tmmCandidates(q: UnsafeMutablePointer<Double>, y: UnsafeMutablePointer<Double>, gene: UnsafeMutablePointer<Int32>,
                   _ nb: Int, obs: UnsafePointer<Double>, rP: UnsafePointer<Double>,
                   near1: (Double, Double), near2: (Double, Double), yRange: (Double, Double),
                   into near: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                   avx512: Bool = false) -> (Int, Int, Int, Int, Int) {
    #if arch(x86_64)
    if avx512 {
        var counts = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &counts) { cb in
            limma_avx512_tmm_candidates(q, y, gene, nb, obs, rP, near1.0, near1.1, near2.0, near2.1, yRange.0, yRange.1,
                                        near.0, near.1, cb.baseAddress!.assumingMemoryBound(to: Int.self))
        }
        return counts
    }
    #endif
    typealias Lanes = SIMD2<Double>
    typealias Counts = SIMD2<Int64>
    let (la, ha) = near1, (lb, hb) = near2, (yLo, yHi) = yRange
    let (near1Q, near2Q) = near
    var nc = 0, n1 = 0, n2 = 0
    let laV = Lanes(repeating: la), haV = Lanes(repeating: ha), lbV = Lanes(repeating: lb), hbV = Lanes(repeating: hb)
    let yLoV = Lanes(repeating: yLo), yHiV = Lanes(repeating: yHi)
    // Lanes: genes k and k + 1.
    var belowA = Counts(repeating: 0), belowB = Counts(repeating: 0)
    @inline(__always) func bits(_ m: SIMDMask<Counts>) -> Counts { unsafeBitCast(m, to: Counts.self) }
    @inline(__always) func gatherNear(_ qk: Double) {
        near1Q[n1] = qk
        n1 += (qk >= la ? 1 : 0) & (qk <= ha ? 1 : 0)
        near2Q[n2] = qk
        n2 += (qk >= lb ? 1 : 0) & (qk <= hb ? 1 : 0)
    }
    let raw = UnsafeRawPointer(q)
    var k = 0
    while k + 2 <= nb {
        // Both values are read before any slot at or before k + 1 is written.
        let qv = raw.loadUnaligned(fromByteOffset: 8 * k, as: Lanes.self)
        let g0 = gene[k], g1 = gene[k + 1]
        let i0 = Int(g0), i1 = Int(g1)
        let yv = Lanes(obs[i0], obs[i1]) * Lanes(rP[i0], rP[i1])
        belowA &-= bits(qv .< laV)
        belowB &-= bits(qv .< lbV)
        let atLeastA = qv .>= laV, atMostB = qv .<= hbV
        if any((atLeastA .& (qv .<= haV)) .| ((qv .>= lbV) .& atMostB)) {
            gatherNear(qv[0])
            gatherNear(qv[1])
        }
        let candidate = bits(atLeastA .& atMostB .& (yv .>= yLoV) .& (yv .<= yHiV)) & 1
        q[nc] = qv[0]
        y[nc] = yv[0]
        gene[nc] = g0
        nc += Int(truncatingIfNeeded: candidate[0])
        q[nc] = qv[1]
        y[nc] = yv[1]
        gene[nc] = g1
        nc += Int(truncatingIfNeeded: candidate[1])
        k += 2
    }
    var belowLa = Int(belowA[0] &+ belowA[1]), belowLb = Int(belowB[0] &+ belowB[1])
    if k < nb {
        let qk = q[k], g = gene[k]
        let gi = Int(g)
        let yk = obs[gi] * rP[gi]
        belowLa += qk < la ? 1 : 0
        belowLb += qk < lb ? 1 : 0
        gatherNear(qk)
        q[nc] = qk
        y[nc] = yk
        gene[nc] = g
        nc += (qk >= la ? 1 : 0) & (qk <= hb ? 1 : 0) & (yk >= yLo ? 1 : 0) & (yk <= yHi ? 1 : 0)
    }
    return (nc, n1, n2, belowLa, belowLb)
}

/// From the sample `x[0..<count]`, values bracketing the sample quantiles
/// `trim` and `1 - trim`: for each, the values at sample ranks about 4
/// standard deviations of a sample quantile (`sqrt(s p (1 - p))` ranks,
/// plus 3) below and above it, or `below` / `above` past the ends.
/// `scratch` holds `2 * count` values; `x` is left as it was.
func sampleBrackets(_ x: UnsafeMutablePointer<Double>, _ count: Int, _ trim: Double,
                    below: Double, above: Double, scratch: UnsafeMutablePointer<Double>) -> (Double, Double, Double, Double) {
    let s = Double(count)
    let spread = Int(4 * (s * trim * (1 - trim)).squareRoot()) + 3
    let centre1 = Int(trim * s), centre2 = Int((1 - trim) * s)
    func rank(_ k: Int) -> Double {
        if k < 0 { return below }
        if k >= count { return above }
        scratch.update(from: x, count: count)
        return selectCounting(scratch, count, k, scratch: scratch + count).0
    }
    return (rank(centre1 - spread), rank(centre1 + spread), rank(centre2 - spread), rank(centre2 + spread))
}

/// The value at sorted position `k` of all the
/// values when `below` of them lie under the `inside` values gathered in
/// `window` (which holds every value of its range), with `count(x < value)`
/// and `count(x <= value)`; nil when position k is not in the window. The
/// window's values are overwritten; `scratch` holds `inside` values.
func windowOrderStatistic(_ window: UnsafeMutablePointer<Double>, _ inside: Int, _ below: Int, _ k: Int,
                          scratch: UnsafeMutablePointer<Double>) -> (Double, Int, Int)? {
    guard k >= below && k < below + inside else { return nil }
    let (v, less, atMost) = selectCounting(window, inside, k - below, scratch: scratch)
    return (v, below + less, below + atMost)
}

/// The value at sorted position k (0-based) of `x[0..<n]` (no NaN, `0 <= k
/// < n`), with the counts of values below it and at most it. Quickselect
/// with out-of-place partitions without branches: each round writes the
/// values below a median-of-three pivot to the front of the other buffer
/// and the rest to its back, and continues in the part holding position k
/// (the values left behind are all below, or all above, the answer). When
/// no value is below the pivot, the values equal to it are split off
/// instead, and the answer is the pivot when k falls among them. Parts of
/// 16 values or fewer are sorted by insertion. From `selectNarrowingMin`
/// values on, a first round narrows by a sample instead (`selectNarrowing`).
/// `x` and `scratch` (n values) are both overwritten. With `avx512` (only
/// where `AVX512Kernels.enabled`, its default) each partition and the
/// narrowing pass run eight values at a time in CAVX512
/// (`limma_avx512_partition`, `limma_avx512_narrow`), writing the same
/// values to the same slots, so every round's pivot and the result are
/// those of the scalar loops.
func selectCounting(_ x: UnsafeMutablePointer<Double>, _ n: Int, _ k: Int,
                    scratch: UnsafeMutablePointer<Double>, avx512: Bool = AVX512Kernels.enabled) -> (Double, Int, Int) {
    var src = x, spare = scratch
    var len = n, k = k
    var discardedBelow = 0
    if n >= selectNarrowingMin, let (below, inside) = selectNarrowing(x, n, k, into: scratch, avx512: avx512) {
        (src, spare) = (scratch, x)
        len = inside
        k -= below
        discardedBelow = below
    }
    var rounds = 0
    while len > 16 {
        rounds += 1
        if rounds > 100 {
            // Pathological pivots: Hoare's selection on what is left.
            let buf = UnsafeMutableBufferPointer(start: src, count: len)
            RBase.select(buf, 0, len - 1, k)
            break
        }
        let a = src[0], b = src[len / 2], c = src[len - 1]
        let pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b))
        let dst = spare
        var l = selectPartition(src, len, pivot, orEqual: false, dst, avx512: avx512)
        if l == 0 {
            // Every value is at least the pivot: split off those equal to it.
            l = selectPartition(src, len, pivot, orEqual: true, dst, avx512: avx512)
            if k < l { return (pivot, discardedBelow, discardedBelow + l) }
        }
        spare = src
        if k < l {
            src = dst
            len = l
        } else {
            src = dst + l
            len -= l
            k -= l
            discardedBelow += l
        }
    }
    if rounds <= 100 {
        // Insertion sort of the last part.
        RBase.insertionSort(src, len)
    }
    let v = src[k]
    var less = 0, atMost = 0
    for i in 0..<len {
        less += src[i] < v ? 1 : 0
        atMost += src[i] <= v ? 1 : 0
    }
    return (v, discardedBelow + less, discardedBelow + atMost)
}

/// One round of `selectCounting`: of `src[0..<len]`, the values below
/// `pivot` (at most `pivot` with `orEqual`; NaN never) to `dst[0..<l]` in
/// their order and the others to `dst[l..<len]` from the back (the first of
/// them at `dst[len - 1]`), without branches; returns l. With `avx512`
/// (only where `AVX512Kernels.enabled`), CAVX512's
/// `limma_avx512_partition`: eight values at a time, the same slots.
func selectPartition(_ src: UnsafePointer<Double>, _ len: Int, _ pivot: Double, orEqual: Bool,
                     _ dst: UnsafeMutablePointer<Double>, avx512: Bool) -> Int {
    #if arch(x86_64)
    if avx512 { return limma_avx512_partition(src, len, pivot, orEqual ? 1 : 0, dst) }
    #endif
    var l = 0, r = len - 1
    if orEqual {
        for i in 0..<len {
            let e = src[i]
            dst[l] = e
            dst[r] = e
            let low = e <= pivot ? 1 : 0
            l += low
            r -= 1 - low
        }
    } else {
        for i in 0..<len {
            let e = src[i]
            dst[l] = e
            dst[r] = e
            let low = e < pivot ? 1 : 0
            l += low
            r -= 1 - low
        }
    }
    return l
}

/// `selectCounting` narrows by a sample from this many values on.
let selectNarrowingMin = 2048

/// `selectCounting`'s first round for many values: of 127 evenly spaced
/// values of `x[0..<n]`, those (selected) about 2.5 standard deviations of a
/// sample quantile (`sqrt(s p (1 - p))` ranks, plus 2) either side of
/// position `k / n` bracket it; one pass without branches counts the values
/// below the bracket and writes those inside it to `into`, which then holds
/// every value of its range. Returns those two numbers, or nil (and `x` as
/// it was) when position k is not in the bracket. Values below the bracket
/// are below the answer, and values above it above.
func selectNarrowing(_ x: UnsafePointer<Double>, _ n: Int, _ k: Int,
                     into window: UnsafeMutablePointer<Double>, avx512: Bool = false) -> (below: Int, inside: Int)? {
    let s = 127
    let (low, high): (Double, Double) = withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * s) { buffer in
        let sample = buffer.baseAddress!, room = sample + s
        for i in 0..<s { sample[i] = x[(i * n) / s + (n / s) / 2] }
        func rank(_ r: Int) -> Double {
            room.update(from: sample, count: s)
            return selectCounting(room, s, r, scratch: room + s, avx512: avx512).0
        }
        let p = Double(k) / Double(n)
        let centre = p * Double(s - 1)
        let spread = 2.5 * (Double(s) * p * (1 - p)).squareRoot() + 2
        let i1 = Int((centre - spread).rounded(.down)), i2 = Int((centre + spread).rounded(.up))
        return (i1 < 0 ? -Double.infinity : rank(i1), i2 >= s ? Double.infinity : rank(i2))
    }
    var below = 0, inside = 0, vectorised = false
    #if arch(x86_64)
    if avx512 {
        below = limma_avx512_narrow(x, n, low, high, window, &inside)
        vectorised = true
    }
    #endif
    if !vectorised {
        for i in 0..<n {
            let e = x[i]
            below += e < low ? 1 : 0
            window[inside] = e
            inside += (e >= low ? 1 : 0) & (e <= high ? 1 : 0)
        }
    }
    guard k >= below && k < below + inside else { return nil }
    return (below, inside)
}

/// Buffers for `TrimBounds`: two value windows, room for selecting in one,
/// and a sample.
struct SelectionScratch {
    static let sampleSize = 1024
    let low: UnsafeMutablePointer<Double>, high: UnsafeMutablePointer<Double>, spare: UnsafeMutablePointer<Double>
    let sample: UnsafeMutablePointer<Double>

    init(capacity n: Int) {
        low = .allocate(capacity: max(n, 1))
        high = .allocate(capacity: max(n, 1))
        spare = .allocate(capacity: max(n, 1))
        sample = .allocate(capacity: Self.sampleSize)
    }

    func deallocate() {
        low.deallocate()
        high.deallocate()
        spare.deallocate()
        sample.deallocate()
    }
}

/// Which values R's `rank(x) >= lo & rank(x) <= hi` keeps (average ranks,
/// `x` free of NaN), from two order statistics instead of a ranking: with
/// `a` and `b` the values at sorted positions `max(lo, 1)` and `min(hi, n)`,
/// values strictly between them are kept, values outside are not, and each
/// tie group at `a` or `b` (sorted positions `count(x < v) + 1` to
/// `count(x <= v)`) is kept when its average rank lies in `[lo, hi]`.
///
/// The order statistics and those counts come from one pass: values from a
/// sorted, evenly spaced sample of `x` bracket each wanted position, the
/// pass counts the values below each bracket and gathers those inside it,
/// and the statistic is selected among the gathered values (the k-th value
/// is the same however it is found). When a bracket misses its position,
/// the statistics are selected from a copy of all of `x` instead.
struct TrimBounds {
    var a = 0.0, b = 0.0
    var keepA = false, keepB = false
    var keepsNothing = true

    init(_ x: UnsafeBufferPointer<Double>, lo: Double, hi: Double, scratch: SelectionScratch) {
        let n = x.count
        guard n > 0, lo <= hi, lo <= Double(n), hi >= 1 else { return }
        let kLo = Int(Swift.max(lo, 1)) - 1, kHi = Int(Swift.min(hi, Double(n))) - 1
        let sampled = Self.sortSample(x, scratch.sample)
        let pair = sampled ? Self.orderStatisticPair(x, kLo, kHi, windows: (scratch.low, scratch.high), spare: scratch.spare,
                                                     sample: scratch.sample)
                           : (nil, nil)
        self = TrimBounds(lo: lo, hi: hi, lower: pair.0 ?? Self.selectAll(x, kLo, room: scratch.low, spare: scratch.spare),
                          upper: pair.1 ?? Self.selectAll(x, kHi, room: scratch.high, spare: scratch.spare))
    }

    /// The bounds from the order statistics at sorted positions `max(lo, 1)`
    /// and `min(hi, n)` (0-based `lower` and `upper`), each with `count(x <
    /// value)` and `count(x <= value)`; `lo <= hi`, `lo <= n`, `hi >= 1`.
    init(lo: Double, hi: Double, lower: (Double, Int, Int), upper: (Double, Int, Int)) {
        keepsNothing = false
        a = lower.0
        b = upper.0
        let avgA = Double(lower.1 + 1 + lower.2) / 2, avgB = Double(upper.1 + 1 + upper.2) / 2
        keepA = avgA >= lo && avgA <= hi
        keepB = avgB >= lo && avgB <= hi
    }

    /// `TrimBounds` of an array, with buffers of its own.
    init(_ x: [Double], lo: Double, hi: Double) {
        let scratch = SelectionScratch(capacity: x.count)
        defer { scratch.deallocate() }
        self = x.withUnsafeBufferPointer { TrimBounds($0, lo: lo, hi: hi, scratch: scratch) }
    }

    /// The value at sorted position k with `count(x < value)` and
    /// `count(x <= value)`, by `selectCounting` on a copy of all of `x` in
    /// `room`, with `spare` (both n values) as its other buffer.
    static func selectAll(_ x: UnsafeBufferPointer<Double>, _ k: Int, room: UnsafeMutablePointer<Double>,
                          spare: UnsafeMutablePointer<Double>) -> (Double, Int, Int) {
        room.update(from: x.baseAddress!, count: x.count)
        return selectCounting(room, x.count, k, scratch: spare)
    }

    /// Fills `sample` with evenly spaced values of `x`, sorted; false (and
    /// no sample) when `x` is too small for sampling to pay.
    static func sortSample(_ x: UnsafeBufferPointer<Double>, _ sample: UnsafeMutablePointer<Double>) -> Bool {
        let n = x.count, s = SelectionScratch.sampleSize
        if n < 8 * s { return false }
        for i in 0..<s { sample[i] = x[(i * n) / s + (n / s) / 2] }
        var sorted = UnsafeMutableBufferPointer(start: sample, count: s)
        sorted.sort()
        return true
    }

    /// The sample values bracketing sorted position k of n: the sample's
    /// ranks around `k / n`, about 4 standard deviations of a sample
    /// quantile (`sqrt(s p (1 - p))` ranks) either side.
    static func bracket(_ k: Int, _ n: Int, sample: UnsafeMutablePointer<Double>) -> (Double, Double) {
        let s = SelectionScratch.sampleSize
        let p = Double(k) / Double(n)
        let centre = Int(p * Double(s))
        let spread = Int(4 * (Double(s) * p * (1 - p)).squareRoot()) + 3
        return (sample[Swift.max(0, centre - spread)], sample[Swift.min(s - 1, centre + spread)])
    }

    /// As `selectAll` for positions k1 and k2 at once, from brackets taken in
    /// the sorted `sample` (one pass gathers the values inside each, then
    /// `windowOrderStatistic` selects in each window, with `spare` as its
    /// room); nil for a position its bracket misses.
    static func orderStatisticPair(_ x: UnsafeBufferPointer<Double>, _ k1: Int, _ k2: Int,
                                   windows: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                                   spare: UnsafeMutablePointer<Double>,
                                   sample: UnsafeMutablePointer<Double>) -> ((Double, Int, Int)?, (Double, Int, Int)?) {
        let n = x.count
        let (lo1, hi1) = bracket(k1, n, sample: sample), (lo2, hi2) = bracket(k2, n, sample: sample)
        let (w1, w2) = windows
        var below1 = 0, in1 = 0, below2 = 0, in2 = 0
        for e in x {
            below1 += e < lo1 ? 1 : 0
            w1[in1] = e
            in1 += (e >= lo1 ? 1 : 0) & (e <= hi1 ? 1 : 0)
            below2 += e < lo2 ? 1 : 0
            w2[in2] = e
            in2 += (e >= lo2 ? 1 : 0) & (e <= hi2 ? 1 : 0)
        }
        return (windowOrderStatistic(w1, in1, below1, k1, scratch: spare), windowOrderStatistic(w2, in2, below2, k2, scratch: spare))
    }

    @inline(__always) func keeps(_ v: Double) -> Bool {
        if keepsNothing { return false }
        if v > a && v < b { return true }
        if v == a { return keepA }
        if v == b { return keepB }
        return false
    }
}

/// Two `TrimBounds` (for M and for A) tested together, without branches:
/// a pair is kept when in each lane `a < v < b`, or `v` is in a tie group
/// that is kept (when `a == b` their tie groups are one, kept alike; when a
/// bound keeps nothing, its a, b, keepA and keepB are 0, 0, false, false and
/// no value passes).
struct TrimBoundsPair {
    let a: SIMD2<Double>, b: SIMD2<Double>
    let keepA: SIMDMask<SIMD2<Int64>>, keepB: SIMDMask<SIMD2<Int64>>

    init(_ m: TrimBounds, _ s: TrimBounds) {
        a = SIMD2(m.a, s.a)
        b = SIMD2(m.b, s.b)
        keepA = [m.keepA, s.keepA]
        keepB = [m.keepB, s.keepB]
    }

    /// 1 when both `m` and `s` are kept, else 0.
    @inline(__always) func keeps(_ m: Double, _ s: Double) -> Int {
        let v = SIMD2(m, s)
        let kept = ((v .> a) .& (v .< b)) .| ((v .== a) .& keepA) .| ((v .== b) .& keepB)
        return all(kept) ? 1 : 0
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
