// limma's voom: log-counts-per-million with precision weights from a
// lowess trend of the mean-variance relationship (Law et al. 2014).
import Foundation
import LimmaAVX512
import LimmaFMA

/// limma's `voom(counts, design, lib.size, normalize.method, block,
/// correlation, weights, span, adaptive.span, save.plot = TRUE)` for a DGEList:
/// the library sizes default to `libSize * normFactors`, the DGEList's gene
/// annotation travels into the result. (A DGEList here carries no sample
/// groups, so a missing design is the intercept-only design, as R does for
/// a DGEList with one group.)
public func voom(_ counts: DGEList, design: Matrix? = nil, libSize: [Double]? = nil,
                 normalizeMethod: BetweenArrayNormalization = .none, block: [String]? = nil,
                 correlation: Double? = nil, weights: Matrix? = nil, span: Double = 0.5,
                 adaptiveSpan: Bool? = nil, version: LimmaVersion = .v3_54) throws -> EList {
    let lib = try voomLibSizes(counts, libSize)
    var matrix = counts.counts
    var out = try voomCounts(&matrix, positive: counts.positiveCountRows(), inPlace: false, design: design, libSize: lib,
                             normalizeMethod: normalizeMethod, block: block, correlation: correlation, weights: weights,
                             span: span, adaptiveSpan: adaptiveSpan, version: version)
    out.genes = counts.genes
    return out
}

/// `voom(_:design:...)` for a DGEList whose counts are not needed
/// afterwards: `E` is computed in the counts' own storage (when nothing
/// else shares it), so a large matrix takes one genes x samples buffer
/// fewer. `y` is left without counts (0 x 0); everything else about the
/// call and its result is as `voom(y, ...)`. When it throws on the
/// counts, library sizes or design (checked before `E` is computed), `y`
/// keeps its counts; an error of the fit after that leaves `y` without them.
public func voom(releasing y: inout DGEList, design: Matrix? = nil, libSize: [Double]? = nil,
                 normalizeMethod: BetweenArrayNormalization = .none, block: [String]? = nil,
                 correlation: Double? = nil, weights: Matrix? = nil, span: Double = 0.5,
                 adaptiveSpan: Bool? = nil, version: LimmaVersion = .v3_54) throws -> EList {
    let lib = try voomLibSizes(y, libSize)
    let positive = y.positiveCountRows()
    var counts = y.counts
    y.counts = Matrix(nrow: 0, ncol: 0, values: [])
    var out: EList
    do {
        out = try voomCounts(&counts, positive: positive, inPlace: true, design: design, libSize: lib, normalizeMethod: normalizeMethod,
                             block: block, correlation: correlation, weights: weights, span: span,
                             adaptiveSpan: adaptiveSpan, version: version)
    } catch {
        if counts.nrow > 0 || counts.ncol > 0 { y.counts = counts }   // not yet turned into E
        throw error
    }
    out.genes = y.genes
    return out
}

/// The library sizes voom uses for a DGEList: `libSize` if given, else
/// `libSize * normFactors` (one per sample, or an error).
private func voomLibSizes(_ y: DGEList, _ libSize: [Double]?) throws -> [Double] {
    guard y.libSize.count == y.counts.ncol, y.normFactors.count == y.counts.ncol else {
        throw LimmaError("voom", "the DGEList has \(y.counts.ncol) samples but \(y.libSize.count) library sizes and \(y.normFactors.count) norm factors")
    }
    return libSize ?? zip(y.libSize, y.normFactors).map { $0 * $1 }
}

/// limma's `voom` for a matrix of counts (genes x samples).
///
/// 1. `E = log2((counts + 0.5) / (libSize + 1) * 1e6)` (library sizes default
///    to the column sums), then `normalizeBetweenArrays(E, normalizeMethod)`.
/// 2. `lmFit(E, design, block:, correlation:, weights:)` (design default: one
///    intercept column "GrandMean").
/// 3. The trend: `sx = Amean + mean(log2(libSize + 1)) - log2(1e6)` (average
///    log-count), `sy = sqrt(sigma)`, genes with zero total count left out;
///    `l = lowess(sx, sy, f: span)`, interpolated by `approxfun(rule = 2)`.
/// 4. Fitted log-counts `log2(1e-6 * 2^(X b) * (libSize + 1))` (over the
///    estimable coefficients when the design is rank deficient) and the
///    weights `1 / trend(fitted)^4`.
///
/// With fewer than two genes with residual df > 0 the weights are all 1 and
/// a warning is returned (R's "The experimental design has no replication"
/// / "Only one gene with any replication"); no trend is fitted then.
///
/// `adaptiveSpan` (limma >= 3.60; nil means the default of `version`: false
/// for 3.54, true for 3.66) replaces `span` by `chooseLowessSpan(n: ngenes,
/// smallN: 50, minSpan: 0.3, power: 1/3)`, ngenes counting all-zero rows.
///
/// The result holds `E`, `weights`, `design`, `libSize`, the trend points
/// `voomXY` (sx, sy) and line `voomLine` (R's `save.plot = TRUE` outputs),
/// the `span` used, and any warnings.
/// - Throws: fewer than two genes; missing, negative or infinite counts
///   (naming gene and sample); library sizes of the wrong number, missing or
///   negative; a design whose rows are not the samples; and lmFit's errors.
public func voom(_ counts: Matrix, design: Matrix? = nil, libSize: [Double]? = nil,
                 normalizeMethod: BetweenArrayNormalization = .none, block: [String]? = nil,
                 correlation: Double? = nil, weights: Matrix? = nil, span: Double = 0.5,
                 adaptiveSpan: Bool? = nil, version: LimmaVersion = .v3_54) throws -> EList {
    var counts = counts
    return try voomCounts(&counts, positive: positiveRows(counts), inPlace: false, design: design, libSize: libSize, normalizeMethod: normalizeMethod,
                          block: block, correlation: correlation, weights: weights, span: span,
                          adaptiveSpan: adaptiveSpan, version: version)
}

/// `voom` of a count matrix, given `positiveRows(counts)` (nil when a count
/// is missing, negative or infinite); with `inPlace` the log-CPM values
/// replace the counts in `counts`' storage (which then holds `E`), else `E`
/// gets its own and `counts` is left as it was.
func voomCounts(_ counts: inout Matrix, positive: [Bool]?, inPlace: Bool, design: Matrix?, libSize: [Double]?,
                normalizeMethod: BetweenArrayNormalization, block: [String]?, correlation: Double?,
                weights: Matrix?, span: Double, adaptiveSpan: Bool?, version: LimmaVersion) throws -> EList {
    let fn = "voom"
    let ngenes = counts.nrow, nsamples = counts.ncol
    guard ngenes >= 2 else { throw LimmaError(fn, "Need at least two genes to fit a mean-variance trend") }
    // The counts are checked in the same pass that finds the genes with any
    // count (left out of the trend otherwise).
    let anyCount = try validCountRows(positive, of: counts, fn)
    let design = design ?? Matrix(nrow: nsamples, ncol: 1, repeating: 1, rowNames: counts.colNames, colNames: ["GrandMean"])
    guard design.nrow == nsamples else {
        throw LimmaError(fn, "the design has \(design.nrow) rows but there are \(nsamples) samples")
    }
    let lib = libSize ?? RBase.colSums(counts)
    guard lib.count == nsamples else {
        throw LimmaError(fn, "\(lib.count) library sizes for \(nsamples) samples")
    }
    if let j = lib.firstIndex(where: { $0.isNaN || $0 < 0 || $0.isInfinite }) {
        throw LimmaError(fn, "library size of sample \(j + 1) is \(lib[j]); library sizes must be finite and non-negative")
    }
    let adaptive = adaptiveSpan ?? (version == .v3_66)
    let span = adaptive ? chooseLowessSpan(n: Double(ngenes), smallN: 50, minSpan: 0.3, power: 1.0 / 3.0) : span

    // log2-counts-per-million
    var y: Matrix
    if normalizeMethod == .quantile && ngenes >= 2 && nsamples >= 2 {
        // normalizeQuantiles of the log-CPM values, ordered by the counts
        // (whole numbers): the same values, no column of doubles sorted.
        y = counts
        if inPlace { counts = Matrix(nrow: 0, ncol: 0, values: []) }
        try y.values.withUnsafeMutableBufferPointer { try normalizeQuantilesOfLogCPM($0.baseAddress!, ngenes: ngenes, libSize: lib) }
    } else {
        if inPlace {
            voomLogCPM(&counts.values, libSize: lib)
            y = counts
            counts = Matrix(nrow: 0, ncol: 0, values: [])
        } else {
            y = Matrix(nrow: ngenes, ncol: nsamples, values: voomLogCPM(counts, libSize: lib),
                       rowNames: counts.rowNames, colNames: counts.colNames)
        }
        y = try normalizeBetweenArrays(y, method: normalizeMethod)
    }
    let fit = try lmFit(y, design: design, weights: weights, block: block, correlation: correlation)
    let amean = fit.Amean ?? RBase.rowMeans(y, naRM: true)

    var out = EList(E: y, design: design, libSize: lib)
    out.rowMeansOfE = amean   // lmFit's Amean of this E: rowMeans(y, na.rm = TRUE), as the fit found it
    out.span = span
    out.warnings = fit.warnings
    let nWithReps = fit.dfResidual.filter { $0 > 0 }.count
    if nWithReps < 2 {
        out.warnings.append(LimmaWarning(fn, nWithReps == 0
            ? "The experimental design has no replication. Setting weights to 1."
            : "Only one gene with any replication. Setting weights to 1."))
        out.weights = Matrix(nrow: ngenes, ncol: nsamples, repeating: 1, rowNames: y.rowNames, colNames: y.colNames)
        return out
    }

    // Mean-variance trend (genes whose counts are all zero left out: with
    // counts finite and non-negative, R's rowSums(counts) == 0 exactly then)
    let shift = RBase.mean(lib.map { log2($0 + 1) })
    let log2Million = log2(1e6)
    var sx = [Double](), sy = [Double]()
    sx.reserveCapacity(ngenes)
    sy.reserveCapacity(ngenes)
    for g in 0..<ngenes where anyCount[g] {
        sx.append(amean[g] + shift - log2Million)
        sy.append(fit.sigma[g].squareRoot())
    }
    // The weights' storage, lent to lowess first as scratch (its pages
    // are touched once).
    let count = ngenes * nsamples
    var weightValues = [Double](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    let line = try weightValues.withUnsafeMutableBytes { try lowess(x: sx, y: sy, f: span, iter: 3, delta: nil, workspace: $0) }
    let trend = try approxfun(x: line.x, y: line.y, rule: 2, ordered: true)

    // Fitted log-counts and weights
    var coef = fit.coefficients, X = design
    if let rank = fit.rank, let pivot = fit.pivot, rank < design.ncol {
        let j = Array(pivot[0..<rank])
        coef = coef.columns(j)
        X = X.columns(j)
    }
    if count > 0 {
        // LimmaFMA's kernels; the trend's kernel tables when it is evaluated
        // at 32 or more points per knot (they cost about as much as 30 points
        // per knot save; below that the kernel divides).
        let kernels = FMAKernels.enabled
        let tables = kernels && count >= 32 * trend.x.count
        weightValues.withUnsafeMutableBufferPointer { wb in
            voomObservationWeights(coefficients: coef, design: X, libSize: lib,
                                   trend: ApproxLookup(trend, kernelTables: tables), kernels: kernels,
                                   into: wb.baseAddress!)
        }
    }
    out.weights = Matrix(nrow: ngenes, ncol: nsamples, values: weightValues, rowNames: y.rowNames, colNames: y.colNames)
    out.voomXY = (sx, sy)
    out.voomXYRows = anyCount.indices.filter { anyCount[$0] }
    out.voomLine = line
    return out
}

/// voom's `log2((counts + 0.5) / (libSize + 1) * 1e6)` (genes x samples,
/// column-major), samples in parallel chunks, each writing its own column.
///
/// Within a column every count that is a whole number below a bound (4096,
/// or a quarter of the genes if fewer) gives the same argument, so its
/// logarithm is taken once and remembered for the column: the same `log2`
/// of the same double, so the same bits.
func voomLogCPM(_ counts: Matrix, libSize lib: [Double], kernels: Bool = FMAKernels.enabled) -> [Double] {
    let ngenes = counts.nrow, nsamples = counts.ncol
    return [Double](unsafeUninitializedCapacity: ngenes * nsamples) { buf, initialized in
        counts.values.withUnsafeBufferPointer { cb in
            voomLogCPM(cb.baseAddress!, into: buf.baseAddress!, ngenes: ngenes, libSize: lib, kernels: kernels)
        }
        initialized = ngenes * nsamples
    }
}

/// `voomLogCPM` with the values replacing the counts (genes x samples,
/// column-major, one column per library size).
func voomLogCPM(_ values: inout [Double], libSize lib: [Double], kernels: Bool = FMAKernels.enabled) {
    guard !lib.isEmpty else { return }
    let ngenes = values.count / lib.count
    values.withUnsafeMutableBufferPointer { vb in
        guard let v = vb.baseAddress else { return }
        voomLogCPM(v, into: v, ngenes: ngenes, libSize: lib, kernels: kernels)
    }
}

/// `voomLogCPM` from `c` into `out` (which may be `c`: each value is read
/// before its own place is written, and nothing else is read from there).
///
/// With `kernels` (default `FMAKernels.enabled`) each column's table is
/// filled whole first, `log2` of `(k + 0.5) / l1 * 1e6` for every k below
/// the bound through LimmaFMA's `fmaLog2Settled` (the libm's bits, about one
/// value in nine from `log2` itself), and the column's values then read it
/// without a test per entry; the values it does not hold (counts above the
/// bound, fractions, NaN) have their arguments gathered 256 at a time and go
/// through `fmaLog2Settled` too. The same arguments, the same bits, as the
/// lazily filled table and `log2` of each.
private func voomLogCPM(_ c: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, ngenes: Int, libSize lib: [Double],
                        kernels: Bool) {
    let nsamples = lib.count
    let memoSize = Swift.min(4096, ngenes / 4)
    let missBlock = 256
    let box = UncheckedBox((out, c))
    LimmaThreads.forEachChunk(nsamples) { cols in
        let (out, c) = box.value
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.max(1, 3 * memoSize) + 4 * missBlock) { memo in
            let m = memo.baseAddress!
            // Values the table does not hold: their arguments, places, logs and scratch.
            let missArgs = m + Swift.max(1, 3 * memoSize), missLogs = missArgs + missBlock
            let missScratch = missLogs + missBlock
            let missRows = UnsafeMutableRawPointer(missScratch + missBlock).bindMemory(to: Int.self, capacity: missBlock)
            for j in cols {
                let l1 = lib[j] + 1
                let col = c + j * ngenes, o = out + j * ngenes
                if kernels && memoSize > 0 {
                    let args = m + memoSize, scratch = m + 2 * memoSize
                    for k in 0..<memoSize { args[k] = (Double(k) + 0.5) / l1 * 1e6 }
                    fmaLog2Settled(args, count: memoSize, into: m, lo: scratch) { log2($0) }
                    let bound = Double(memoSize)
                    var misses = 0
                    func flush() {
                        fmaLog2Settled(missArgs, count: misses, into: missLogs, lo: missScratch) { log2($0) }
                        for q in 0..<misses { o[missRows[q]] = missLogs[q] }
                        misses = 0
                    }
                    for i in 0..<ngenes {
                        let v = col[i]
                        // A whole number in [0, bound): its entry (NaN fails the test).
                        if v >= 0 && v < bound {
                            let k = Int(v)
                            if Double(k) == v {
                                o[i] = m[k]
                                continue
                            }
                        }
                        // Its own argument, its log2 later (`o[i]` is not
                        // written before then, and `col[i]` was read).
                        missArgs[misses] = (v + 0.5) / l1 * 1e6
                        missRows[misses] = i
                        misses += 1
                        if misses == missBlock { flush() }
                    }
                    flush()
                    continue
                }
                m.update(repeating: .nan, count: memoSize)
                for i in 0..<ngenes {
                    let v = col[i]
                    if v >= 0 && v < Double(memoSize) {
                        let k = Int(v)
                        if Double(k) == v {
                            var r = m[k]
                            if r.isNaN {      // log2 of a positive finite double is never NaN
                                r = log2((v + 0.5) / l1 * 1e6)
                                m[k] = r
                            }
                            o[i] = r
                            continue
                        }
                    }
                    o[i] = log2((v + 0.5) / l1 * 1e6)
                }
            }
        }
    }
}

/// voom's weights `1 / trend(log2(1e-6 * 2^fitted * (libSize + 1)))^4`
/// (genes x samples, column-major), where `fitted = coefficients %*% t(design)`.
///
/// Each fitted value is summed as R's `%*%` (reference BLAS dgemm, no NaN
/// present) sums it, `0 + b_1 x_1 + b_2 x_2 + ...` in coefficient order, so
/// samples with bit-identical design rows share it: `2^f` (from `ExactPow`,
/// R_pow's bits) is taken once per gene and distinct design row. When a
/// coefficient or design value is not finite, R's `%*%` takes its plain-loop
/// branch instead; so does this function (the same sums, through
/// `RLinAlg.matprod`, one `2^f` per observation).
///
/// Then per observation, exactly as R: `1e-6 * (2^f * (libSize + 1))`, its
/// `log2`, the trend (`ApproxLookup`, bit-identical to `approxfun`), `t^4`
/// (`ExactPow`) and the reciprocal. The order of the observations:
/// - few distinct rows (at least 16 samples per row): each row's genes are
///   sorted by `2^f`, and each sample (samples in parallel chunks) walks its
///   row's genes in that order, so its fitted log-counts increase and the
///   trend lookups read the knots and the bucket table in order; the
///   weights go to a per-thread buffer in that order, and then to the
///   sample's column in gene order (each gene's place in the sorted order
///   kept per row), so the column is written sequentially;
/// - otherwise: genes in blocks of 256 (in parallel chunks of blocks), the
///   block's `2^f` per distinct row computed once (two genes at a time,
///   `ExactPow`'s two-lane `pow2`, or with `kernels` four at a time,
///   LimmaFMA's `fmaVoomPow2`: the same bits), then sample by sample, each
///   sample's run written straight to its column.
/// Either way the observations of a run go through `log2` of all, then
/// `voomTrendWeights` (the trend and `1 / t^4`), each lookup from the
/// trend's bucket tables. With `kernels` (default `FMAKernels.enabled`;
/// true only where `FMAKernels.supported`), on both paths:
/// - the `log2`s are LimmaFMA's `voomKernelLogCounts` (the libm's bits, from
///   `log2(2^f)` in two parts per gene and distinct row, `fmaVoomRowLogs`,
///   and `log2(1e-6 (libSize + 1))` per sample, `fmaVoomLogScale`; about 1
///   value in 9 it leaves to `log2`), when the sample's scale is finite;
/// - the trend and `1 / t^4` are LimmaFMA's four-lane kernel: through the
///   kernel tables when `trend` was built with them
///   (`voomKernelTrendWeights`), else dividing (`voomKernelTrendWeightsDividing`).
/// Where `AVX512Kernels.enabled`, LimmaAVX512's eight-lane counterparts
/// of these three kernels run in their place (each lane the four-lane
/// kernel's operations). Without `kernels`: `log2` itself and two-lane
/// vector arithmetic. `kernels` changes the speed only: every path gives
/// each value's bits.
/// Every value is computed by the same operations whatever the order or
/// thread count.
func voomObservationWeights(coefficients coef: Matrix, design X: Matrix, libSize lib: [Double],
                            trend: ApproxLookup, kernels: Bool = FMAKernels.enabled) -> [Double] {
    let count = coef.nrow * X.nrow
    return [Double](unsafeUninitializedCapacity: count) { wb, initialized in
        if count > 0 {
            voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: trend, kernels: kernels,
                                   into: wb.baseAddress!)
        }
        initialized = count
    }
}

/// `voomObservationWeights(coefficients:design:libSize:trend:kernels:)`
/// written to `w` (genes x samples, column-major).
func voomObservationWeights(coefficients coef: Matrix, design X: Matrix, libSize lib: [Double],
                            trend: ApproxLookup, kernels: Bool = FMAKernels.enabled,
                            into w: UnsafeMutablePointer<Double>) {
    // The log-count kernel needs no trend tables; the trend's kernel uses
    // them when they were built, else divides.
    let logKernels = kernels
    // LimmaAVX512's eight-lane kernels in their place where they may run.
    let wide = kernels && AVX512Kernels.enabled
    let trendKernel: VoomTrendKernel = !kernels ? .plain
        : trend.hasKernelTables ? (wide ? .tables8 : .tables) : (wide ? .dividing8 : .dividing)
    let ngenes = coef.nrow, nsamples = X.nrow, p = coef.ncol
    let fitted: Matrix? = coef.values.allSatisfy({ $0.isFinite }) && X.values.allSatisfy({ $0.isFinite })
        ? nil : RLinAlg.matprod(coef, X.transposed)
    // Distinct design rows (bit for bit; every sample its own when the
    // fitted values come from the plain loop): rowOf[j], and one sample per row.
    // (Found by sorting the samples by their rows' bits, not by a dictionary
    // keyed by rows: its first use costs the process ~0.2 ms of run-time type
    // set-up.)
    var rowOf = [Int](repeating: 0, count: nsamples)
    var rowSample = [Int]()
    if fitted == nil {
        @inline(__always) func bits(_ j: Int, _ l: Int) -> UInt64 { X[j, l].bitPattern }
        let byRow = (0..<nsamples).sorted { a, b in
            for l in 0..<p where bits(a, l) != bits(b, l) { return bits(a, l) < bits(b, l) }
            return a < b
        }
        // Each run of equal rows: its first sample (the smallest) represents it.
        var first = [Int](repeating: 0, count: nsamples)
        var k = 0
        while k < nsamples {
            var e = k + 1
            while e < nsamples && (0..<p).allSatisfy({ bits(byRow[e], $0) == bits(byRow[k], $0) }) { e += 1 }
            for i in k..<e { first[byRow[i]] = byRow[k] }
            k = e
        }
        // Rows numbered in the order of their first samples.
        var number = [Int](repeating: -1, count: nsamples)
        for j in 0..<nsamples {
            let f = first[j]
            if number[f] < 0 {
                number[f] = rowSample.count
                rowSample.append(f)
            }
            rowOf[j] = number[f]
        }
    } else {
        for j in 0..<nsamples {
            rowOf[j] = j
            rowSample.append(j)
        }
    }
    let nrows = rowSample.count
    let l1 = lib.map { $0 + 1 }
    let table = ExactPow.exp2Table
    let pow2Coefficients = (ExactPow.c1, ExactPow.c2, ExactPow.c3, ExactPow.c4, ExactPow.c5, ExactPow.c6)
    let rowValues = rowSample.map { j in (0..<p).map { X[j, $0] } }
    /// The fitted value of gene g for distinct row u.
    @inline(__always)
    func fittedValue(_ c: UnsafePointer<Double>, _ g: Int, _ u: Int) -> Double {
        if let fitted { return fitted.values[rowSample[u] * ngenes + g] }
        var s = 0.0
        rowValues[u].withUnsafeBufferPointer { xu in
            for l in 0..<p { s += c[l * ngenes + g] * xu[l] }
        }
        return s
    }
    /// `2^fitted` for gene g and distinct row u.
    @inline(__always)
    func pow2Fitted(_ c: UnsafePointer<Double>, _ g: Int, _ u: Int) -> Double {
        ExactPow.pow2(fittedValue(c, g, u), table: table)
    }
    /// The weights of `count` observations with `2^fitted = p2[k]` and
    /// `libSize + 1 = l1`, into `out[k]`, in passes (the log-counts, then
    /// `voomTrendWeights`' passes): each observation's long chain of
    /// dependent operations is cut into short ones, so that the processor
    /// overlaps many observations of one pass (the same operations, so the
    /// same bits).
    @inline(__always)
    func weights(_ p2: UnsafePointer<Double>, _ l1: Double, _ count: Int, _ trend: ApproxLookup.Evaluator,
                 _ out: UnsafeMutablePointer<Double>) {
        for k in 0..<count { out[k] = log2(1e-6 * (p2[k] * l1)) }
        voomTrendWeights(out, count, trend, trendKernel)
    }
    /// `weights` with the log-counts from LimmaFMA's `voomKernelLogCounts`
    /// (`logs`: the row's `fmaVoomRowLogs`, hi, lo and inverses of `p2`),
    /// when the sample's `fmaVoomLogScale` is finite.
    @inline(__always)
    func weights(_ p2: UnsafePointer<Double>, _ logs: UnsafePointer<Double>, _ l1: Double,
                 _ scale: (hi: Double, lo: Double), _ count: Int, _ trend: ApproxLookup.Evaluator,
                 _ out: UnsafeMutablePointer<Double>) {
        guard scale.hi.isFinite else { return weights(p2, l1, count, trend, out) }
        let logCounts = wide ? LimmaAVX512.voomKernelLogCounts : LimmaFMA.voomKernelLogCounts
        logCounts(out, count, p2, logs, logs + count, logs + 2 * count, l1, scale, { x in log2(x) })
        voomTrendWeights(out, count, trend, trendKernel)
    }
    // Per sample, with the kernels: log2(1e-6 (libSize + 1)) in two parts.
    let scales = logKernels ? l1.map { fmaVoomLogScale($0) } : []
    coef.values.withUnsafeBufferPointer { cb in
        let c = cb.baseAddress!
        if nrows * 16 <= nsamples {
            // Per row: 2^f of every gene, ascending, and each gene's place in that order.
            let sorted = LimmaThreads.map(nrows) { u -> (p2: [Double], rank: [Int32], logs: [Double]) in
                var keyed = (0..<ngenes).map { g in (pow2Fitted(c, g, u), Int32(g)) }
                keyed.sort { $0.0 < $1.0 }
                var rank = [Int32](repeating: 0, count: ngenes)
                for k in 0..<ngenes { rank[Int(keyed[k].1)] = Int32(k) }
                let p2 = keyed.map(\.0)
                // With the kernels: log2(2^f) in two parts and 1 / 2^f per gene, for voomKernelLogCounts.
                var logs = [Double]()
                if logKernels {
                    logs = [Double](unsafeUninitializedCapacity: 3 * ngenes) { lb, initialized in
                        let l = lb.baseAddress!
                        p2.withUnsafeBufferPointer { pb in
                            fmaVoomRowLogs(pb.baseAddress!, count: ngenes, logHi: l, logLo: l + ngenes, inverse: l + 2 * ngenes)
                        }
                        initialized = 3 * ngenes
                    }
                }
                return (p2, rank, logs)
            }
            trend.withEvaluator { trend in
                let box = UncheckedBox((w, trend))
                LimmaThreads.forEachChunk(nsamples) { cols in
                    let (w, trend) = box.value
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: ngenes) { tb in
                        let tmp = tb.baseAddress!
                        for j in cols {
                            let lj = l1[j], wj = w + j * ngenes
                            let row = sorted[rowOf[j]]
                            row.p2.withUnsafeBufferPointer { p2 in
                                if logKernels {
                                    row.logs.withUnsafeBufferPointer { lb in
                                        weights(p2.baseAddress!, lb.baseAddress!, lj, scales[j], ngenes, trend, tmp)
                                    }
                                } else {
                                    weights(p2.baseAddress!, lj, ngenes, trend, tmp)
                                }
                            }
                            // The column in gene order: sequential writes.
                            row.rank.withUnsafeBufferPointer { rank in
                                for g in 0..<ngenes { wj[g] = tmp[Int(rank[g])] }
                            }
                        }
                    }
                }
            }
        } else {
            let block = 256
            let nblocks = (ngenes + block - 1) / block
            trend.withEvaluator { trend in
                let box = UncheckedBox((w, trend))
                LimmaThreads.forEachChunk(nblocks, minChunk: 2) { blocks in
                    let (w, trend) = box.value
                    // Per row: the block's 2^f, then (with the kernels) their
                    // fmaVoomRowLogs: hi, lo, inverse.
                    let stride = logKernels ? 4 * block : block
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: nrows * stride) { p2b in
                        let p2 = p2b.baseAddress!
                        for b in blocks {
                            let g0 = b * block, gb = Swift.min(block, ngenes - g0)
                            for u in 0..<nrows {
                                let o = p2 + u * stride
                                if logKernels {
                                    // The fitted values (coefficient by coefficient over the
                                    // block: each gene's sum 0 + b_1 x_1 + ... in the same
                                    // order), then 2^f four at a time (LimmaFMA).
                                    if fitted != nil {
                                        for g in 0..<gb { o[g] = fittedValue(c, g0 + g, u) }
                                    } else {
                                        o.update(repeating: 0, count: gb)
                                        rowValues[u].withUnsafeBufferPointer { xu in
                                            for l in 0..<p {
                                                let xl = xu[l], cl = c + l * ngenes + g0
                                                for g in 0..<gb { o[g] += cl[g] * xl }
                                            }
                                        }
                                    }
                                    fmaVoomPow2(o, count: gb, table: table, coefficients: pow2Coefficients,
                                                miss: { f in ExactPow.pow2(f, table: table) })
                                    fmaVoomRowLogs(o, count: gb, logHi: o + gb, logLo: o + 2 * gb, inverse: o + 3 * gb)
                                    continue
                                }
                                // Two genes at a time (ExactPow's two-lane 2^f).
                                var g = 0
                                while g + 1 < gb {
                                    let f = SIMD2(fittedValue(c, g0 + g, u), fittedValue(c, g0 + g + 1, u))
                                    let pair = ExactPow.pow2(f, table: table)
                                    o[g] = pair.x
                                    o[g + 1] = pair.y
                                    g += 2
                                }
                                if g < gb { o[g] = pow2Fitted(c, g0 + g, u) }
                            }
                            for j in 0..<nsamples {
                                let o = p2 + rowOf[j] * stride
                                if logKernels {
                                    weights(o, o + gb, l1[j], scales[j], gb, trend, w + j * ngenes + g0)
                                } else {
                                    weights(o, l1[j], gb, trend, w + j * ngenes + g0)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// How `voomTrendWeights` evaluates the trend and `1 / t^4`: the two-lane
/// code here (`plain`), or LimmaFMA's four-lane kernel with `ApproxLookup`'s
/// kernel tables (`tables`) or without them, dividing (`dividing`).
/// `tables8`, `dividing8`: their eight-lane counterparts (LimmaAVX512's
/// `voomKernelTrendWeights` and `voomKernelTrendWeightsDividing`; the same
/// bits), where `AVX512Kernels.enabled`.
enum VoomTrendKernel { case plain, tables, dividing, tables8, dividing8 }

/// `v[k] = 1 / trend(v[k])^4` for k < count, each value the bits of
/// `1 / ExactPow.fourth(trend(v))`.
///
/// `tables`: LimmaFMA's `voomKernelTrendWeights` (four values at a time,
/// the interpolation's division through `ApproxLookup`'s reciprocals and
/// `ExactQuotient`; the values it leaves by the scalar code here).
/// `dividing`: LimmaFMA's `voomKernelTrendWeightsDividing` (the same, from the
/// lookup's coarse bucket table and interval records, a true division, the
/// values outside the knots `yleft` / `yright`).
/// `plain`: in two passes (the trend of all, then `1 / t^4` of all; one
/// pass of both is slower: its chain of dependent operations is too long
/// to overlap), two values at a time: the trend's two-lane evaluation
/// (`ApproxLookup.Evaluator`, each lane the bits of `trend(v)`) and
/// `ExactPow.reciprocalFourth` (each lane the bits of
/// `1 / ExactPow.fourth(t)`); an odd last value by itself.
/// The kernel tests call it too, so that they hold the very dispatch voom runs.
@inline(__always)
func voomTrendWeights(_ v: UnsafeMutablePointer<Double>, _ count: Int, _ evaluator: ApproxLookup.Evaluator,
                      _ kernel: VoomTrendKernel) {
    // A local copy, which the stores through `v` cannot alias: its fields
    // stay in registers over the loop. Built field by field: a plain
    // `let trend = evaluator` is folded back into the parameter by the
    // optimiser (gse60450's weights: 29.8M instructions against 29.4M).
    let trend = ApproxLookup.Evaluator(f: evaluator.f, cells: evaluator.cells, first: evaluator.first, knots: evaluator.knots,
                                       reciprocals: evaluator.reciprocals, fine: evaluator.fine,
                                       fineScale: evaluator.fineScale, fineNb: evaluator.fineNb, n: evaluator.n,
                                       x1: evaluator.x1, xn: evaluator.xn, lo: evaluator.lo, scale: evaluator.scale,
                                       nb: evaluator.nb, usable: evaluator.usable)
    // What a kernel leaves: the plain code's `1 / t^4`, from the point or the trend value.
    func trendMiss(_ x: Double) -> Double { 1 / ExactPow.fourth(trend(x)) }
    func powerMiss(_ t: Double) -> Double { 1 / ExactPow.fourth(t) }
    switch kernel {
    case .plain: break
    case .dividing, .dividing8:
        let dividing = kernel == .dividing8 ? LimmaAVX512.voomKernelTrendWeightsDividing
            : LimmaFMA.voomKernelTrendWeightsDividing
        dividing(v, count, trend.cells, trend.knots, trend.first, trend.x1, trend.xn, trend.f.yleft, trend.f.yright,
                 trend.lo, trend.scale, trend.nb, trendMiss, powerMiss)
        return
    case .tables, .tables8:
        let tables = kernel == .tables8 ? LimmaAVX512.voomKernelTrendWeights : LimmaFMA.voomKernelTrendWeights
        tables(v, count, trend.cells, trend.reciprocals, trend.fine, trend.x1, trend.xn, trend.lo, trend.fineScale,
               trend.fineNb, trendMiss, powerMiss)
        return
    }
    let raw = UnsafeMutableRawPointer(v)
    var k = 0
    while k + 1 < count {
        raw.storeBytes(of: trend(raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD2<Double>.self)),
                       toByteOffset: 8 * k, as: SIMD2<Double>.self)
        k += 2
    }
    if k < count { v[k] = trend(v[k]) }
    k = 0
    while k + 1 < count {
        raw.storeBytes(of: ExactPow.reciprocalFourth(raw.loadUnaligned(fromByteOffset: 8 * k, as: SIMD2<Double>.self)),
                       toByteOffset: 8 * k, as: SIMD2<Double>.self)
        k += 2
    }
    if k < count { v[k] = 1 / ExactPow.fourth(v[k]) }
}
