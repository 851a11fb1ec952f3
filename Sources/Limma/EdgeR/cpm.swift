// edgeR's cpm (counts per million), as edgeR 3.40.2 computes it (its C++
// routines calculate_cpm_raw / calculate_cpm_log), and the count checks the
// count-level functions share.
import Foundation

/// Checks a count matrix as edgeR's `DGEList()` and voom do: every count must
/// be finite and non-negative. The error names the first offending gene and
/// sample. Non-integer counts are allowed, as in R.
func checkCounts(_ counts: Matrix, _ function: String) throws {
    // Fast branch-free scan in blocks; the slow loop below only runs to name
    // the first bad count.
    let allValid = counts.values.withUnsafeBufferPointer { v in
        var start = 0
        while start < v.count {
            let end = Swift.min(v.count, start + 4096)
            var bad = 0
            for k in start..<end {
                let a = v[k]
                bad |= (a >= 0 && a <= Double.greatestFiniteMagnitude) ? 0 : 1
            }
            if bad != 0 { return false }
            start = end
        }
        return true
    }
    if allValid { return }
    for j in 0..<counts.ncol {
        for i in 0..<counts.nrow {
            let v = counts[i, j]
            if v.isFinite && v >= 0 { continue }
            let gene = counts.rowNames.map { "'\($0[i])' (row \(i + 1))" } ?? "row \(i + 1)"
            let sample = counts.colNames.map { "'\($0[j])' (column \(j + 1))" } ?? "column \(j + 1)"
            let what = v.isNaN ? "NA counts not allowed" : v.isInfinite ? "Infinite counts not allowed" : "Negative counts not allowed"
            throw LimmaError(function, "\(what): count \(v) for gene \(gene), sample \(sample)")
        }
    }
}

/// A per-gene answer from one pass over a count matrix by blocks of
/// `countBlockRows` rows, in parallel over the blocks: `body(counts, first,
/// len, buffers, out)` reads rows `first..<first + len` of every sample
/// (`buffers`: two per-worker scratch rows of `countBlockRows` doubles),
/// writes `out[first..<first + len]`, and returns false when it met an
/// invalid count; then the result is nil. Each gene's answer is computed by
/// one worker, in sample order, whatever the thread count.
func scanCountBlocks<T>(_ counts: Matrix, initial: T,
                        _ body: (UnsafeBufferPointer<Double>, Int, Int, (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                                 UnsafeMutableBufferPointer<T>) -> Bool) -> [T]? {
    let ngenes = counts.nrow, nsamples = counts.ncol
    var result = [T](repeating: initial, count: ngenes)
    let nblocks = (ngenes + countBlockRows - 1) / countBlockRows
    var blockValid = [Bool](repeating: true, count: nblocks)
    counts.values.withUnsafeBufferPointer { v in
        result.withUnsafeMutableBufferPointer { rb in
            blockValid.withUnsafeMutableBufferPointer { vb in
                let out = UncheckedBox((rb, vb))
                LimmaThreads.forEachChunk(nblocks, minChunk: max(1, 4_000_000 / max(1, countBlockRows * nsamples))) { range in
                    let first = UnsafeMutablePointer<Double>.allocate(capacity: countBlockRows)
                    let second = UnsafeMutablePointer<Double>.allocate(capacity: countBlockRows)
                    defer { first.deallocate(); second.deallocate() }
                    for b in range {
                        let i0 = b * countBlockRows
                        if !body(v, i0, min(countBlockRows, ngenes - i0), (first, second), out.value.0) { out.value.1[b] = false }
                    }
                }
            }
        }
    }
    return blockValid.allSatisfy { $0 } ? result : nil
}

/// The rows of a block `scanCountBlocks` hands its body.
let countBlockRows = 1024

/// One pass over a count matrix that checks the counts as `checkCounts`
/// does and finds the rows with a positive count: nil when a count is
/// missing, negative or infinite (then `checkCounts` names it), else whether
/// each row has a count above 0 (for valid counts, whether its sum is).
func positiveRows(_ counts: Matrix) -> [Bool]? {
    let ngenes = counts.nrow, nsamples = counts.ncol
    return scanCountBlocks(counts, initial: false) { v, i0, len, buffers, out in
        let total = buffers.0
        let zero = SIMD2<Double>(repeating: 0), big = SIMD2<Double>(repeating: .greatestFiniteMagnitude)
        total.initialize(repeating: 0, count: len)
        var bad = SIMDMask<SIMD2<Int64>>(repeating: false)
        var tailBad = false
        let tRaw = UnsafeMutableRawPointer(total)
        for j in 0..<nsamples {
            let c = v.baseAddress! + j * ngenes + i0
            let raw = UnsafeRawPointer(c)
            var i = 0
            while i + 2 <= len {
                let a = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD2<Double>.self)
                bad .|= .!((a .>= zero) .& (a .<= big))
                let t = tRaw.loadUnaligned(fromByteOffset: i * 8, as: SIMD2<Double>.self)
                tRaw.storeBytes(of: t + a, toByteOffset: i * 8, as: SIMD2<Double>.self)
                i += 2
            }
            if i < len {
                tailBad = tailBad || !(c[i] >= 0 && c[i] <= .greatestFiniteMagnitude)
                total[i] += c[i]
            }
        }
        if any(bad) || tailBad { return false }
        for i in 0..<len { out[i0 + i] = total[i] > 0 }
        return true
    }
}

/// `positive`, what `positiveRows(counts)` gave (or a remembered copy of
/// it), when every count is valid; else `checkCounts`' error naming the
/// first bad count.
func validCountRows(_ positive: [Bool]?, of counts: Matrix, _ function: String) throws -> [Bool] {
    guard let positive else {
        try checkCounts(counts, function)
        preconditionFailure("positiveRows and checkCounts disagree")
    }
    return positive
}

/// Checks per-sample library sizes (`what` names them in the message): one
/// per sample, finite and positive.
func checkLibSizes(_ libSize: [Double], ncol: Int, _ function: String, _ what: String = "library size") throws {
    guard libSize.count == ncol else {
        throw LimmaError(function, "\(libSize.count) library sizes for \(ncol) samples")
    }
    if let j = libSize.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
        throw LimmaError(function, "library sizes should be finite and non-negative: \(what) of sample \(j + 1) is \(libSize[j])")
    }
}

/// edgeR's `cpm.default(y, lib.size, log, prior.count)`: counts per million.
///
/// Raw: `y * (1e6 / lib.size)`. Log: a prior count scaled to each library,
/// `p_j = prior.count * L_j / mean(L)`, is added to the count and twice to
/// the library size, `log2((y + p_j) / (L_j + 2 p_j) * 1e6)`, computed as
/// edgeR does in natural logs (`(log(y + p_j) - log(L_j + 2 p_j) + log(1e6)) /
/// log(2)`); a non-positive `y + p_j` gives NaN.
///
/// The matrix form does not check the counts (as R: missing counts give NaN).
/// - Parameter libSize: per-sample library sizes, default the column sums.
/// - Throws: when a library size is missing or not positive
///   (R: "library sizes should be finite and non-negative"), or the prior
///   count is negative or not finite.
public func cpm(_ counts: Matrix, libSize: [Double]? = nil, log: Bool = false, priorCount: Double = 2) throws -> Matrix {
    if counts.nrow == 0 || counts.ncol == 0 { return counts }
    let lib = libSize ?? RBase.colSums(counts)
    guard lib.count == counts.ncol else {
        throw LimmaError("cpm", "'dims[2]' should equal length of 'x': \(lib.count) library sizes for \(counts.ncol) samples")
    }
    if let j = lib.firstIndex(where: { $0.isNaN || $0 <= 0 }) {
        throw LimmaError("cpm", "library sizes should be finite and non-negative: library size of sample \(j + 1) is \(lib[j])")
    }
    var out = counts
    let n = counts.nrow
    if !log {
        for j in 0..<counts.ncol {
            let s = 1e6 / lib[j]
            for i in 0..<n { out.values[j * n + i] *= s }
        }
        return out
    }
    guard priorCount.isFinite && priorCount >= 0 else {
        throw LimmaError("cpm", "prior counts must be finite non-negative values")
    }
    var total = 0.0
    for l in lib { total += l }
    let aveLib = total / Double(lib.count)
    let lnMillion = Foundation.log(1e6), lnTwo = Foundation.log(2.0)
    for j in 0..<counts.ncol {
        let prior = priorCount * lib[j] / aveLib
        let logLib = Foundation.log(lib[j] + 2 * prior)
        for i in 0..<n {
            let v = out.values[j * n + i] + prior
            out.values[j * n + i] = v > 0 ? (Foundation.log(v) - logLib + lnMillion) / lnTwo : .nan
        }
    }
    return out
}

/// edgeR's `cpm.DGEList(y, normalized.lib.sizes, log, prior.count)`: cpm with
/// the library sizes times the normalisation factors (or the raw library
/// sizes when `normalizedLibSizes` is false).
/// - Throws: for missing, negative or infinite counts (naming gene and
///   sample), and as `cpm(_:libSize:log:priorCount:)`.
public func cpm(_ y: DGEList, normalizedLibSizes: Bool = true, log: Bool = false, priorCount: Double = 2) throws -> Matrix {
    try checkCounts(y.counts, "cpm")
    guard y.libSize.count == y.counts.ncol, y.normFactors.count == y.counts.ncol else {
        throw LimmaError("cpm", "the DGEList has \(y.counts.ncol) samples but \(y.libSize.count) library sizes and \(y.normFactors.count) norm factors")
    }
    let lib = normalizedLibSizes ? zip(y.libSize, y.normFactors).map { $0 * $1 } : y.libSize
    return try cpm(y.counts, libSize: lib, log: log, priorCount: priorCount)
}
