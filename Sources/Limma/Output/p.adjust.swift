// R's stats::p.adjust: multiple-testing adjustment of p-values (R 4.2.2).

/// The adjustment methods of R's `p.adjust.methods`, in R's order.
public enum PAdjustMethod: String, Sendable, CaseIterable {
    case holm, hochberg, hommel, bonferroni, BH, BY, fdr, none

    /// The method by R name, with R's `match.arg` rules: an exact name, or a
    /// unique prefix of one (`"bonf"` is bonferroni). Nil when nothing matches.
    public init?(matching name: String) {
        if let m = PAdjustMethod(rawValue: name) { self = m; return }
        let hits = PAdjustMethod.allCases.filter { !name.isEmpty && $0.rawValue.hasPrefix(name) }
        guard hits.count == 1 else { return nil }
        self = hits[0]
    }
}

/// R's `p.adjust(p, method, n)`.
///
/// Missing values (NaN) stay missing and are left out of the adjustment; `n`
/// defaults to the number of non-missing p-values (R's lazy default
/// `n = length(p)` is evaluated after the NAs are dropped). With `i` the rank
/// of a p-value among the `lp` non-missing ones (ascending):
/// - bonferroni: `min(1, n p)`;
/// - holm: `min(1, cummax((n + 1 - i) p_(i)))` over ascending p;
/// - hochberg: `min(1, cummin((n + 1 - i) p_(i)))` over descending p;
/// - BH (and its alias fdr): `min(1, cummin((n / i) p_(i)))` over descending p;
/// - BY: as BH with the factor `q = sum(1/(1:n))` (a long-double sum, as R's
///   `sum`), computed as `(q n / i) p`;
/// - hommel: R's loop over `j = n-1, ..., 2` of Hommel's closed testing
///   (with `n > lp` the missing tests are padded with p = 1); for `n = 2`
///   hommel is hochberg;
/// - none: unchanged.
/// Ties keep R's stable `order`, so equal p-values receive the value R gives.
/// With `n <= 1` the input is returned unchanged. R stops when `n` is smaller
/// than the number of non-missing p-values (`n >= lp is not TRUE`); this
/// function then returns every entry as NaN rather than a wrong adjustment.
public func pAdjust(_ p: [Double], method: PAdjustMethod = .holm, n: Int? = nil) -> [Double] {
    p.withUnsafeBufferPointer { pAdjust($0, method: method, n: n) }
}

/// `pAdjust` of values read in place (one column of a matrix, say).
func pAdjust(_ p: UnsafeBufferPointer<Double>, method: PAdjustMethod, n: Int? = nil) -> [Double] {
    var method = method
    if method == .fdr { method = .BH }
    // Without missing values (the usual case) p is used as it is.
    let complete = !p.contains(where: { $0.isNaN })
    let nna = complete ? [] : p.indices.filter { !p[$0].isNaN }
    let lp = complete ? p.count : nna.count
    let n = n ?? lp
    guard n >= lp else { return [Double](repeating: .nan, count: p.count) }
    if n <= 1 { return Array(p) }
    if n == 2 && method == .hommel { method = .hochberg }
    if complete { return adjustedComplete(p, method: method, n: n) }
    let x = nna.map { p[$0] }
    let adjusted = x.withUnsafeBufferPointer { adjustedComplete($0, method: method, n: n) }
    var out = Array(p)
    for (k, idx) in nna.enumerated() { out[idx] = adjusted[k] }
    return out
}

/// The adjustment of `x` (no missing value, `n >= max(2, x.count)`, fdr
/// already BH and hommel with `n = 2` already hochberg), by the formulas of `pAdjust`.
private func adjustedComplete(_ x: UnsafeBufferPointer<Double>, method: PAdjustMethod, n: Int) -> [Double] {
    let lp = x.count
    let nd = Double(n)
    switch method {
    case .none, .fdr:
        return Array(x)
    case .bonferroni:
        return x.map { min(1, nd * $0) }
    case .holm:
        var run = -Double.infinity
        return inStableOrder(x, decreasing: false) { k, p in
            run = Swift.max(run, Double(n + 1 - (k + 1)) * p)
            return Swift.min(1, run)
        }
    case .hochberg, .BH, .BY:
        let q = method == .BY ? RBase.sum((1...n).map { 1 / Double($0) }) : 1
        var run = Double.infinity
        return inStableOrder(x, decreasing: true) { k, p in
            let i = lp - k
            let v: Double
            switch method {
            case .hochberg: v = Double(n + 1 - i) * p
            case .BH: v = nd / Double(i) * p
            default: v = q * nd / Double(i) * p
            }
            run = Swift.min(run, v)
            return Swift.min(1, run)
        }
    case .hommel:
        return hommel(Array(x), n: n)
    }
}

/// `out[o[k]] = value(k, x[o[k]])` for k = 0, 1, ... along R's stable
/// `o = order(x, decreasing:)` of values none of which is missing. The tagged
/// sort (`RBase.sortedTags`) runs in a scratch buffer and in the result's own
/// storage, which the order is then copied out of before it is overwritten.
private func inStableOrder(_ xb: UnsafeBufferPointer<Double>, decreasing: Bool,
                           _ value: (_ k: Int, _ p: Double) -> Double) -> [Double] {
    let lp = xb.count
    if lp == 0 { return [] }
    let order = UnsafeMutablePointer<UInt64>.allocate(capacity: lp)
    defer { order.deallocate() }
    return [Double](unsafeUninitializedCapacity: lp) { ob, initialized in
        ob.withMemoryRebound(to: UInt64.self) { o in
            let (sorted, _) = RBase.sortedTags(xb, decreasing: decreasing, order, o.baseAddress!)
            if sorted != order { order.update(from: sorted, count: lp) }
        }
        for k in 0..<lp {
            let i = Int(order[k] & RBase.lowerHalf)
            ob[i] = value(k, xb[i])
        }
        initialized = lp
    }
}

/// The hommel branch of R's p.adjust, step for step (n >= 3, no missing values).
private func hommel(_ x: [Double], n: Int) -> [Double] {
    let lp = x.count
    let padded = x + [Double](repeating: 1, count: n - lp)
    let o = RBase.order(padded)
    let p = o.map { padded[$0] }
    // ro = order(o): the rank of each original entry.
    var ro = [Int](repeating: 0, count: n)
    for (k, idx) in o.enumerated() { ro[idx] = k }
    let nd = Double(n)
    var start = Double.infinity
    for k in 0..<n { start = Swift.min(start, nd * p[k] / Double(k + 1)) }
    var q = [Double](repeating: start, count: n)
    var pa = q
    if n >= 3 {
        for j in stride(from: n - 1, through: 2, by: -1) {
            let jd = Double(j)
            // i2 = (n-j+2):n (1-based), i.e. 0-based n-j+1 ... n-1, divided by 2...j.
            var q1 = Double.infinity
            for (m, k) in ((n - j + 1)..<n).enumerated() {
                q1 = Swift.min(q1, jd * p[k] / Double(m + 2))
            }
            // ij = 1:(n-j+1), i.e. 0-based 0 ... n-j.
            for k in 0...(n - j) { q[k] = Swift.min(jd * p[k], q1) }
            let fill = q[n - j]
            for k in (n - j + 1)..<n { q[k] = fill }
            for k in 0..<n { pa[k] = Swift.max(pa[k], q[k]) }
        }
    }
    let final = (0..<n).map { Swift.max(pa[$0], p[$0]) }
    return (0..<lp).map { final[ro[$0]] }
}
