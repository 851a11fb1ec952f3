// limma's decideTests (for an MArrayLM), classifyTestsF and the F-statistic
// it shares with eBayes (R/decidetests.R, R/classifyTestsF in limma 3.54.1).

/// R's `TestResults`: a features x contrasts matrix of calls, -1 (down),
/// 0 (not significant), 1 (up), with R's NA kept as nil.
///
/// The calls are stored one byte each (`calls`, NA as `TestResults.na`):
/// a genome's worth of calls is then a few pages, not the 16 bytes per call
/// of `[Int?]`. `values` and the subscript read and write them as `Int?`.
public struct TestResults: Sendable, Equatable {
    public var nrow: Int
    public var ncol: Int
    /// Column-major calls, `nrow * ncol`: -1, 0 or 1, and `TestResults.na`
    /// for R's NA.
    public var calls: [Int8]
    public var rowNames: [String]?
    public var colNames: [String]?
    /// R's `levels` and `labels` attributes.
    public var levels: [Int] = [-1, 0, 1]
    public var labels: [String] = ["Down", "NotSig", "Up"]
    public var warnings: [LimmaWarning] = []

    /// The byte that stands for R's NA in `calls`.
    public static let na = Int8.min

    public init(nrow: Int, ncol: Int, values: [Int?], rowNames: [String]? = nil, colNames: [String]? = nil) {
        self.init(nrow: nrow, ncol: ncol, calls: values.map(Self.byte), rowNames: rowNames, colNames: colNames)
    }

    public init(nrow: Int, ncol: Int, calls: [Int8], rowNames: [String]? = nil, colNames: [String]? = nil) {
        self.nrow = nrow
        self.ncol = ncol
        self.calls = calls
        self.rowNames = rowNames
        self.colNames = colNames
    }

    /// Column-major calls, `nrow * ncol`; nil is R's NA.
    public var values: [Int?] {
        get { calls.map(Self.call) }
        set { calls = newValue.map(Self.byte) }
    }

    public subscript(i: Int, j: Int) -> Int? {
        get { Self.call(calls[j * nrow + i]) }
        set { calls[j * nrow + i] = Self.byte(newValue) }
    }

    @inline(__always)
    static func call(_ b: Int8) -> Int? { b == na ? nil : Int(b) }

    /// A call as its byte; a call is -1, 0, 1 or nil.
    @inline(__always)
    static func byte(_ v: Int?) -> Int8 {
        guard let v else { return na }
        precondition((-1...1).contains(v), "TestResults: a call is -1, 0, 1 or nil (NA), not \(v)")
        return Int8(v)
    }

    /// Column `j`.
    public func column(_ j: Int) -> [Int?] { columnCalls(j).map(Self.call) }

    /// Column `j`'s bytes.
    private func columnCalls(_ j: Int) -> ArraySlice<Int8> { calls[(j * nrow)..<((j + 1) * nrow)] }

    /// R's `summary(decideTests(...))`: for each level (rows labelled
    /// Down/NotSig/Up) the number of calls at that level in each column,
    /// NAs not counted.
    public var summary: TestResultsSummary {
        let counts = levels.map { lev in
            (0..<ncol).map { j in columnCalls(j).reduce(0) { $0 + (Int($1) == lev ? 1 : 0) } }
        }
        return TestResultsSummary(labels: labels, colNames: colNames, counts: counts)
    }
}

/// The table of `summary(TestResults)`: `counts[level][column]`.
public struct TestResultsSummary: Sendable, Equatable {
    public var labels: [String]
    public var colNames: [String]?
    public var counts: [[Int]]
}

/// An F-statistic as `classifyTestsF(..., fstat.only = TRUE)` returns it:
/// the statistic per feature with numerator df `df1` (the rank of the
/// correlation matrix) and denominator df `df2` (length 1 or per feature).
public struct FStatistic: Sendable, Equatable {
    public var F: [Double]
    public var df1: Int
    public var df2: [Double]

    /// The upper-tail p-values as `eBayes` and `[.MArrayLM` compute them:
    /// `pchisq(df1 F, df1)` when `df2[1] > 1e6` (R looks at the first df2
    /// only), else `pf(F, df1, df2)`.
    public func pValues() -> [Double] {
        let d1 = Double(df1)
        if let first = df2.first, first > 1e6 {
            return F.map { RMath.pchisq(d1 * $0, df: d1, lowerTail: false) }
        }
        return F.indices.map { i in RMath.pf(F[i], df1: d1, df2: df2.count == 1 ? df2[0] : df2[i], lowerTail: false) }
    }
}

/// R's `decideTests(object, method, adjust.method, p.value, lfc)` for an
/// MArrayLM (`decideTests.MArrayLM`).
///
/// - `"separate"`: each column's p-values are adjusted on their own
///   (missing ones left out); call = `sign(coefficient) * (adj.p < pValue)`.
/// - `"global"`: all p-values adjusted together (column-major order).
/// - `"hierarchical"`: features are selected by `pAdjust(F.p.value) < pValue`;
///   with `i` selected out of `n`, the threshold becomes `pValue * a`, where
///   `a` is 1 (none), 1/n (bonferroni), 1/(n-i+1) (holm), i/n (BH), or
///   i/n/sum(1/(1:n)) (BY); for selected features the two-sided p-values
///   `2 pt(-|t|, df.residual + df.prior)` are adjusted within the feature.
/// - `"nestedF"`: features selected as above; calls from `classifyTestsF`
///   at `pValue * a` (df = df.prior + df.residual).
/// Unselected features are 0. With `lfc > 0` calls with `|coefficient| <= lfc`
/// become 0. Missing values propagate as in R: a missing p-value or
/// coefficient gives a missing call (R's `0 * NA` is NA).
///
/// `adjustMethod` must be one of none, bonferroni, holm, BH, fdr, BY (R's
/// decideTests refuses hochberg and hommel). A fit without p-values is first
/// given `eBayes(fit)` (its warnings are kept), as R does. hierarchical and nestedF refuse missing
/// F p-values, as R does.
public func decideTests(_ fit: MArrayLM, method: String = "separate", adjustMethod: PAdjustMethod = .BH,
                        pValue: Double = 0.05, lfc: Double = 0) throws -> TestResults {
    let fn = "decideTests"
    // As R: a fit without p-values is moderated first, with eBayes' defaults.
    let fit = fit.pValue == nil ? try eBayes(fit) : fit
    guard let pMat = fit.pValue else { throw LimmaError(fn, "p.value not found in fit: run eBayes or treat first") }
    try checkFitShapes(fit, fn)
    let m = try matchArg(method, ["separate", "global", "hierarchical", "nestedF"], argName: "method", fn)
    let allowed: [PAdjustMethod] = [.none, .bonferroni, .holm, .BH, .fdr, .BY]
    guard allowed.contains(adjustMethod) else {
        throw LimmaError(fn, "'adjust.method' should be one of \"none\", \"bonferroni\", \"holm\", \"BH\", \"fdr\", \"BY\"; got \"\(adjustMethod.rawValue)\"")
    }
    let adjust: PAdjustMethod = adjustMethod == .fdr ? .BH : adjustMethod
    guard !pValue.isNaN, !lfc.isNaN else { throw LimmaError(fn, "p.value and lfc must be numbers, not NaN") }
    let n = fit.coefficients.nrow, p = fit.coefficients.ncol
    let coef = fit.coefficients
    // The calls are filled in below, by each method.
    var res = TestResults(nrow: n, ncol: p, calls: [], rowNames: coef.rowNames, colNames: coef.colNames)
    res.warnings = fit.warnings

    switch m {
    case "separate":
        res.calls = separateCalls(coef, pMat, adjust: adjust, pValue: pValue)
    case "global":
        let adj = pAdjust(pMat.values, method: adjust)
        res.calls = (0..<(n * p)).map { k in decisionCall(coef.values[k], adj[k], pValue) }
    default:
        res.calls = [Int8](repeating: 0, count: n * p)
        guard let Fp = fit.FPValue else { throw LimmaError(fn, "F.p.value not found in fit: run eBayes first") }
        if Fp.contains(where: { $0.isNaN }) {
            throw LimmaError(fn, m == "nestedF" ? "nestedF method can't handle NA p-values" : "Can't handle NA p-values yet")
        }
        guard let tMat = fit.t else { throw LimmaError(fn, "t not found in fit: run eBayes first") }
        let adjF = pAdjust(Fp, method: adjust)
        let sel = (0..<n).filter { adjF[$0] < pValue }
        let i = Double(sel.count), nn = Double(n)
        let a: Double
        switch adjust {
        case .none: a = 1
        case .bonferroni: a = 1 / nn
        case .holm: a = 1 / (nn - i + 1)
        case .BH: a = i / nn
        default: a = i / nn / RBase.sum((1...max(n, 1)).map { 1 / Double($0) })
        }
        if sel.isEmpty { break }
        let threshold = pValue * a
        if m == "hierarchical" {
            let df = combinedDF(fit, rows: sel)
            for (k, g) in sel.enumerated() {
                let t = tMat.row(g)
                let P = t.map { 2 * RMath.pt(-Swift.abs($0), df: df[k]) }
                let adjP = pAdjust(P, method: adjust)
                for j in 0..<p { res.calls[j * n + g] = decisionCall(t[j], adjP[j], threshold) }
            }
        } else {
            let sub = subsetRows(fit, sel)
            let calls = try classifyTestsF(sub, pValue: threshold, fn: fn)
            for (k, g) in sel.enumerated() { for j in 0..<p { res[g, j] = calls[k, j] } }
        }
    }
    if lfc > 0 {
        for k in 0..<(n * p) {
            let c = coef.values[k]
            if c.isNaN { res.calls[k] = TestResults.na } else if !(Swift.abs(c) > lfc), res.calls[k] != TestResults.na { res.calls[k] = 0 }
        }
    }
    return res
}

/// The calls of decideTests' `"separate"` method, column by column:
/// `sign(coefficient) * (pAdjust(p)[i] < pValue)`, `TestResults.na` where
/// the coefficient or the p-value is missing. Each column goes through `stepUpCut` when it
/// applies (BH and BY with `0 <= pValue <= 1`), else through `pAdjust`
/// (`forceAdjust` sends every column there, for the tests).
func separateCalls(_ coef: Matrix, _ pMat: Matrix, adjust: PAdjustMethod, pValue: Double,
                   forceAdjust: Bool = false) -> [Int8] {
    let n = coef.nrow, p = coef.ncol
    precondition(pMat.nrow == n && pMat.ncol == p && coef.values.count == n * p && pMat.values.count == n * p,
                 "separateCalls: coefficients and p-values differ in shape")
    if n == 0 || p == 0 { return [] }
    // stepUpCut's scratch, n doubles, serves each column in turn.
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: n)
    defer { scratch.deallocate() }
    return [Int8](unsafeUninitializedCapacity: n * p) { out, initialized in
        coef.values.withUnsafeBufferPointer { cAll in
            pMat.values.withUnsafeBufferPointer { pAll in
                for j in 0..<p {
                    let c = UnsafeBufferPointer(rebasing: cAll[(j * n)..<((j + 1) * n)])
                    let pv = UnsafeBufferPointer(rebasing: pAll[(j * n)..<((j + 1) * n)])
                    let o = out.baseAddress! + j * n
                    let cutOrNil = forceAdjust ? nil : stepUpCut(pv, method: adjust, alpha: pValue, scratch: scratch)
                    if let cut = cutOrNil {
                        cutCalls(c.baseAddress!, pv.baseAddress!, n, cut: cut, into: o)
                    } else {
                        let adj = pAdjust(pv, method: adjust)
                        for i in 0..<n { (o + i).initialize(to: decisionCall(c[i], adj[i], pValue)) }
                    }
                }
            }
        }
        initialized = n * p
    }
}

/// `out[i] = sign(c[i]) * (p[i] <= cut)`, `TestResults.na` where `c[i]` or
/// `p[i]` is missing, for `i in 0..<n`. Eight at a time with masks: the signs
/// and the cut are data, and branches on them mispredict.
func cutCalls(_ c: UnsafePointer<Double>, _ p: UnsafePointer<Double>, _ n: Int, cut: Double,
              into out: UnsafeMutablePointer<Int8>) {
    typealias V = SIMD8<Double>
    typealias I = SIMD8<Int64>
    let zero = V(repeating: 0), cutV = V(repeating: cut)
    let one = I(repeating: 1), minusOne = I(repeating: -1), none = I(repeating: 0), na = I(repeating: Int64(TestResults.na))
    var i = 0
    while i + 8 <= n {
        let cv = UnsafeRawPointer(c + i).loadUnaligned(as: V.self)
        let pv = UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
        let call = none.replacing(with: one, where: (cv .> zero) .& (pv .<= cutV))
            .replacing(with: minusOne, where: (cv .< zero) .& (pv .<= cutV))
            .replacing(with: na, where: (cv .!= cv) .| (pv .!= pv))
        UnsafeMutableRawPointer(out + i).storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: call), as: SIMD8<Int8>.self)
        i += 8
    }
    while i < n {
        let ci = c[i], pi = p[i]
        let sign: Int8 = (ci > 0 ? 1 : 0) &- (ci < 0 ? 1 : 0)
        out[i] = ci.isNaN || pi.isNaN ? TestResults.na : sign &* (pi <= cut ? 1 : 0)
        i += 1
    }
}

/// Which p-values BH or BY adjust to below `alpha` (`pAdjust(p)[i] < alpha`),
/// found without adjusting them: those with `p[i] <= cut` for the returned
/// `cut` (NaN when there are none, so that no comparison holds). Nil when
/// this does not apply: another method, or `alpha` outside `[0, 1]`.
///
/// With the `lp` non-missing p-values in increasing order `p_(1..lp)`, the
/// adjusted value at rank `i` is `min(1, min_{j >= i} v_j)` with `v_j =
/// (lp / j) p_(j)` (BY: `(q lp / j) p_(j)`), each computed as pAdjust does.
/// For `alpha <= 1` that is below `alpha` exactly when some `v_j < alpha`
/// with `j >= i`, that is when `i <= k`, the largest such `j`. The factor
/// before `p_(j)` is a rounded quotient of numbers whose quotient is at
/// least 1, so at least 1, and rounding is monotone, so `v_j >= p_(j)`
/// whenever `p_(j) >= 0`: ranks whose value is not below `alpha` (>= 0)
/// cannot be `k`. So only the `m` values below `alpha` are looked at, and
/// they are the first `m` order statistics.
///
/// `k` is found without ordering them. Whether a value `v` passes at rank
/// `j` (`fl(fl(lp / j) v) < alpha`) is monotone in `j` (the rounded
/// quotient does not grow with `j`; for `v < 0` every rank passes), so each
/// value has a least rank `need(v)` at which it passes (`m + 1`: none up to
/// `m`), and `need` does not decrease with `v`. With `N(j)` the number of
/// values whose need is at most `j`, rank `j` passes (`p_(j)` passes at
/// `j`) exactly when `N(j) >= j`: the values of need at most `j` are the
/// smallest `N(j)`, and `p_(j)` is among them exactly when there are at
/// least `j`. So `k` is the largest `j <= m` with `N(j) >= j`, from a count
/// of the needs; then `N(k) = k` (a larger `N(k)` would make rank `N(k)`
/// pass), and `p_(k)` is the largest value whose need is at most `k`: the
/// largest that passes at rank `k`. Each need is first guessed as the
/// integer part of `v lp / alpha` plus one, checked at that rank and the
/// one below, and found by bisection where the check fails. First the
/// largest value alone (`j = m`), which settles most columns.
/// Equal p-values are on one side of `k`: a tie of `p_(k)` at a rank after
/// `k` would have its own `v < alpha` (its factor is not larger, so for
/// `p >= 0` its `v` is not larger; for `p < 0`, `v <= p < 0 <= alpha`), hence
/// rank `<= k` is `p <= p_(k)` (-0 and 0 being equal either way). With
/// `lp <= 1` pAdjust leaves the values as they are; `v_1 = p` agrees.
func stepUpCut(_ p: UnsafeBufferPointer<Double>, method: PAdjustMethod, alpha: Double,
               scratch s: UnsafeMutablePointer<Double>) -> Double? {
    guard method == .BH || method == .fdr || method == .BY, alpha >= 0, alpha <= 1 else { return nil }
    // Without branches on the data: every value is written, and kept by
    // advancing past it (NaN is not below alpha).
    var lp = 0, m = 0
    for v in p {
        s[m] = v
        m &+= v < alpha ? 1 : 0
        lp &+= v.isNaN ? 0 : 1
    }
    if m == 0 { return .nan }
    var largest = s[0]
    for k in 1..<m { largest = Swift.max(largest, s[k]) }
    let nd = Double(lp)
    let q = method == .BY ? RBase.sum((1...lp).map { 1 / Double($0) }) : 1
    @inline(__always) func passes(_ j: Int, _ v: Double) -> Bool {
        (method == .BY ? q * nd / Double(j) * v : nd / Double(j) * v) < alpha
    }
    if passes(m, largest) { return largest }
    // need(v): the least rank in 1...m at which v passes, m + 1 when none.
    let scale = (method == .BY ? q * nd : nd) / alpha
    @inline(__always) func need(_ v: Double) -> Int {
        let t = v * scale
        let j = !(t >= 1) ? 1 : (t >= Double(m) ? m + 1 : Int(t) + 1)
        let here = j > m || passes(j, v), below = j > 1 && passes(j - 1, v)
        if here && !below { return j }
        var lo = 1, hi = m + 1          // need(v) in lo...hi
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if passes(mid, v) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
    var count = [Int32](repeating: 0, count: m + 2)
    count.withUnsafeMutableBufferPointer { cb in
        for i in 0..<m { cb[need(s[i])] &+= 1 }
    }
    var within = 0, k = 0
    for j in 1...m {
        within += Int(count[j])
        if within >= j { k = j }
    }
    if k == 0 { return .nan }
    var cut = -Double.infinity
    // need(v) <= k is passes(k, v), by the monotonicity in the rank.
    for i in 0..<m where passes(k, s[i]) { cut = Swift.max(cut, s[i]) }
    return cut
}

/// R's `classifyTestsF(object, cor.matrix, df, p.value)` for a fit: nested
/// F-test calls for each feature.
///
/// The t-statistics are rotated by `Q = V diag(1/sqrt(lambda)) / sqrt(r)`
/// from the eigen-decomposition of the correlation matrix (`cov2cor` of
/// `cov.coefficients`, zero variances set to 1 first; identity when there is
/// none), keeping the `r` eigenvalues with `lambda / lambda_max > 1e-8`, so
/// that `F = |Q' t|^2` is the F-statistic on `r` and `df` degrees of freedom.
/// A feature with `F > qf(pValue, r, df, upper)` calls its largest |t|;
/// then, in decreasing |t| order, each next t is called while setting the
/// larger ones to its own size (keeping their signs) still exceeds the
/// critical value. A feature with any missing t is missing throughout.
/// One column: `sign(t) * (2 pt(|t|, df, upper) < pValue)`.
///
/// - `corMatrix`: used instead of the one from `cov.coefficients`.
/// - `df`: length 1 or one per feature; nil is R's default: `df.prior +
///   df.residual` when the fit has both, else `Inf`.
public func classifyTestsF(_ fit: MArrayLM, corMatrix: Matrix? = nil, df: [Double]? = nil, pValue: Double = 0.01) throws -> TestResults {
    try classifyTestsF(fit, corMatrix: corMatrix, df: df, pValue: pValue, fn: "classifyTestsF")
}

/// R's `classifyTestsF(object, cor.matrix, df, fstat.only = TRUE)`: the
/// F-statistic `F = |Q' t|^2` (see `classifyTestsF`) with `df1 = r` and
/// `df2 = df`. One column: `F = t^2`, `df1 = 1`. eBayes calls this with
/// `df = df.total`; `[.MArrayLM` with the default df.
public func classifyTestsFStat(_ fit: MArrayLM, corMatrix: Matrix? = nil, df: [Double]? = nil) throws -> FStatistic {
    try classifyTestsFStat(fit, corMatrix: corMatrix, df: df, fn: "classifyTestsF")
}

// MARK: - internals

func classifyTestsFStat(_ fit: MArrayLM, corMatrix: Matrix?, df: [Double]?, fn: String) throws -> FStatistic {
    guard let t = fit.t else { throw LimmaError(fn, "tstat cannot be extracted from object") }
    let d = try checkDF(df ?? defaultDF(fit, t.nrow, fn), t.nrow, fn)
    let Q = try rotation(corMatrix ?? fitCorMatrix(fit, fn), ntests: t.ncol, fn)
    return FStatistic(F: fstat(t, Q), df1: Q?.ncol ?? 1, df2: d)
}

func classifyTestsF(_ fit: MArrayLM, corMatrix: Matrix? = nil, df: [Double]? = nil, pValue: Double, fn: String) throws -> TestResults {
    guard let tstat = fit.t else { throw LimmaError(fn, "tstat cannot be extracted from object") }
    guard !pValue.isNaN else { throw LimmaError(fn, "p.value must be a number, not NaN") }
    let dfv = try checkDF(df ?? defaultDF(fit, tstat.nrow, fn), tstat.nrow, fn)
    let ngenes = tstat.nrow, ntests = tstat.ncol
    var res = TestResults(nrow: ngenes, ncol: ntests, calls: [Int8](repeating: 0, count: ngenes * ntests),
                          rowNames: tstat.rowNames, colNames: tstat.colNames)
    func dfAt(_ i: Int) -> Double { dfv.count == 1 ? dfv[0] : dfv[i] }
    if ntests == 1 {
        for i in 0..<ngenes {
            let x = tstat[i, 0]
            if x.isNaN { res[i, 0] = nil; continue }
            let pv = 2 * RMath.pt(Swift.abs(x), df: dfAt(i), lowerTail: false)
            res[i, 0] = pv.isNaN ? nil : (pv < pValue ? signum(x) : 0)
        }
        return res
    }
    guard let Q = try rotation(corMatrix ?? fitCorMatrix(fit, fn), ntests: ntests, fn) else {
        throw LimmaError(fn, "no tests")
    }
    let r = Double(Q.ncol)
    let qF = dfv.map { RMath.qf(pValue, df1: r, df2: $0, lowerTail: false) }
    for i in 0..<ngenes {
        var x = tstat.row(i)
        if x.contains(where: { $0.isNaN }) {
            for j in 0..<ntests { res[i, j] = nil }
            continue
        }
        let crit = qF.count == 1 ? qF[0] : qF[i]
        guard quadForm(Q, x) > crit else { continue }
        let ord = RBase.order(x.map { Swift.abs($0) }, decreasing: true)
        res[i, ord[0]] = signum(x[ord[0]])
        for j in 1..<ntests {
            let size = Swift.abs(x[ord[j]])
            for b in ord[0..<j] { x[b] = rSign(x[b]) * size }
            if quadForm(Q, x) > crit { res[i, ord[j]] = signum(x[ord[j]]) } else { break }
        }
    }
    return res
}

/// R's `sign` as an Int (0 for zero).
func signum(_ x: Double) -> Int { x > 0 ? 1 : (x < 0 ? -1 : 0) }

/// One call: `sign(c) * (adjP < threshold)`, `TestResults.na` when the
/// statistic or the adjusted p-value is missing.
@inline(__always)
func decisionCall(_ c: Double, _ adjP: Double, _ threshold: Double) -> Int8 {
    if c.isNaN || adjP.isNaN { return TestResults.na }
    return adjP < threshold ? Int8(signum(c)) : 0
}

/// R's `sign` as a Double.
func rSign(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? -1 : (x.isNaN ? x : 0)) }

/// `crossprod(crossprod(Q, x))`: u = Q'x, then u'u, each a sequential double
/// sum as R's BLAS (reference dgemm/dsyrk) forms it.
func quadForm(_ Q: Matrix, _ x: [Double]) -> Double {
    var s = 0.0
    for k in 0..<Q.ncol {
        var u = 0.0
        for l in 0..<Q.nrow { u += Q[l, k] * x[l] }
        s += u * u
    }
    return s
}

/// `drop((tstat %*% Q)^2 %*% rep(1, r))`; no Q means one test: `t^2`.
/// For each feature, `u_k = sum_l t[i, l] Q[l, k]` (from 0, in l order)
/// and `F = sum_k u_k^2` (from 0, in k order): four features at a time in
/// SIMD lanes, each lane the scalar sequence of roundings (no fused
/// multiply-add), then the remaining features one by one.
func fstat(_ t: Matrix, _ Q: Matrix?) -> [Double] {
    guard let Q else { return t.values.map { $0 * $0 } }
    let n = t.nrow, p = Q.nrow, r = Q.ncol
    precondition(t.ncol == p && t.values.count == n * p && Q.values.count == p * r, "fstat: t and Q do not conform")
    return t.values.withUnsafeBufferPointer { tb in
        Q.values.withUnsafeBufferPointer { qb in
            [Double](unsafeUninitializedCapacity: n) { out, initialized in
                var i = 0
                while i + 4 <= n {
                    var s = SIMD4<Double>(repeating: 0)
                    for k in 0..<r {
                        var u = SIMD4<Double>(repeating: 0)
                        for l in 0..<p {
                            let c = l * n + i
                            u += SIMD4(tb[c], tb[c + 1], tb[c + 2], tb[c + 3]) * qb[l + k * p]
                        }
                        s += u * u
                    }
                    out[i] = s[0]; out[i + 1] = s[1]; out[i + 2] = s[2]; out[i + 3] = s[3]
                    i += 4
                }
                while i < n {
                    out[i] = fstatScalar(tb, qb, i, n, p, r)
                    i += 1
                }
                initialized = n
            }
        }
    }
}

/// `fstat` of feature `i` alone, the plain loops (`t` n x p and `Q` p x r,
/// column-major).
func fstatScalar(_ t: UnsafeBufferPointer<Double>, _ Q: UnsafeBufferPointer<Double>, _ i: Int, _ n: Int, _ p: Int,
                 _ r: Int) -> Double {
    var s = 0.0
    for k in 0..<r {
        var u = 0.0
        for l in 0..<p { u += t[i + l * n] * Q[l + k * p] }
        s += u * u
    }
    return s
}

/// R's default df for classifyTestsF on a fit: df.prior + df.residual when
/// both exist, else Inf. Each must have length 1 or one per feature.
func defaultDF(_ fit: MArrayLM, _ n: Int, _ fn: String) throws -> [Double] {
    let prior = fit.dfPrior ?? [], resid = fit.dfResidual
    guard !prior.isEmpty, !resid.isEmpty else { return [.infinity] }
    for (v, name) in [(prior, "df.prior"), (resid, "df.residual")] where v.count != 1 && v.count != n {
        throw LimmaError(fn, "\(name) has length \(v.count); it must have length 1 or one per feature (\(n))")
    }
    let m = max(prior.count, resid.count)
    let ps = prior.count == 1 ? 0 : 1, rs = resid.count == 1 ? 0 : 1
    return prior.withUnsafeBufferPointer { pb in
        resid.withUnsafeBufferPointer { rb in
            [Double](unsafeUninitializedCapacity: m) { out, initialized in
                for i in 0..<m { out[i] = pb[i * ps] + rb[i * rs] }
                initialized = m
            }
        }
    }
}

func checkDF(_ df: [Double], _ n: Int, _ fn: String) throws -> [Double] {
    guard df.count == 1 || df.count == n else {
        throw LimmaError(fn, "df has length \(df.count); it must have length 1 or one per feature (\(n))")
    }
    return df
}

/// The correlation matrix R derives from `cov.coefficients` (`cov2cor`, with
/// zero variances replaced by 1), or nil when the fit has none.
func fitCorMatrix(_ fit: MArrayLM, _ fn: String) throws -> Matrix? {
    guard var V = fit.covCoefficients else { return nil }
    let p = V.nrow
    guard V.ncol == p else { throw LimmaError(fn, "cov.coefficients is not square") }
    var minDiag = Double.infinity
    for i in 0..<p { minDiag = Swift.min(minDiag, V[i, i]) }
    if minDiag == 0 { for i in 0..<p where V[i, i] == 0 { V[i, i] = 1 } }
    return ContrastsFit.cov2cor(V).0
}

/// Q of classifyTestsF: `diag(r)/sqrt(r)` without a correlation matrix,
/// else `V[, 1:r] diag(1/sqrt(lambda[1:r])) / sqrt(r)` from R's `eigen`
/// (LAPACK dsyevr, eigenvalues decreasing). Nil for a single test.
func rotation(_ cor: Matrix?, ntests: Int, _ fn: String) throws -> Matrix? {
    if ntests == 1 { return nil }
    guard ntests > 0 else { throw LimmaError(fn, "no tests (tstat has no columns)") }
    guard let cor else {
        var Q = Matrix(nrow: ntests, ncol: ntests)
        let d = 1 / Double(ntests).squareRoot()
        for i in 0..<ntests { Q[i, i] = d }
        return Q
    }
    guard cor.nrow == ntests, cor.ncol == ntests else {
        throw LimmaError(fn, "cor.matrix is \(cor.nrow) x \(cor.ncol) but there are \(ntests) tests")
    }
    guard cor.values.allSatisfy({ $0.isFinite }) else { throw LimmaError(fn, "infinite or missing values in 'x' (cor.matrix)") }
    let (values, vectors) = try symmetricEigen(cor, caller: fn)  // Plots/plotMDS.swift
    let top = values[0]
    let r = values.reduce(0) { $0 + ($1 / top > 1e-8 ? 1 : 0) }
    guard r >= 1 else { throw LimmaError(fn, "cor.matrix has no positive eigenvalue") }
    var Q = Matrix(nrow: ntests, ncol: r)
    let sr = Double(r).squareRoot()
    for k in 0..<r {
        let s = 1 / values[k].squareRoot()
        for i in 0..<ntests { Q[i, k] = vectors[i, k] * s / sr }
    }
    return Q
}

/// df.residual + df.prior for the given rows, as `.classifyTestsP` forms it
/// (df.residual alone without a prior; Inf without either).
func combinedDF(_ fit: MArrayLM, rows: [Int]) -> [Double] {
    rows.map { g in
        var d = Double.infinity
        if !fit.dfResidual.isEmpty { d = fit.dfResidual[fit.dfResidual.count == 1 ? 0 : g] }
        if let pr = fit.dfPrior, !pr.isEmpty { d += pr[pr.count == 1 ? 0 : g] }
        return d
    }
}

/// R's `fit[rows, ]` for what classifyTestsF reads: t, df.residual,
/// df.prior (when per feature), cov.coefficients unchanged.
func subsetRows(_ fit: MArrayLM, _ rows: [Int]) -> MArrayLM {
    var out = fit
    out.coefficients = fit.coefficients.rows(rows)
    out.stdevUnscaled = fit.stdevUnscaled.rows(rows)
    out.t = fit.t?.rows(rows)
    out.pValue = fit.pValue?.rows(rows)
    out.lods = fit.lods?.rows(rows)
    if fit.dfResidual.count > 1 { out.dfResidual = rows.map { fit.dfResidual[$0] } }
    if let pr = fit.dfPrior, pr.count > 1 { out.dfPrior = rows.map { pr[$0] } }
    out.sigma = fit.sigma.count > 1 ? rows.map { fit.sigma[$0] } : fit.sigma
    out.Amean = fit.Amean.map { a in rows.map { a[$0] } }
    out.s2Post = fit.s2Post.map { a in a.count > 1 ? rows.map { a[$0] } : a }
    out.dfTotal = fit.dfTotal.map { a in a.count > 1 ? rows.map { a[$0] } : a }
    out.F = fit.F.map { a in rows.map { a[$0] } }
    out.FPValue = fit.FPValue.map { a in rows.map { a[$0] } }
    out.genes = fit.genes.map { $0.isEmpty ? $0 : $0.rows(rows) }
    return out
}
