// limma's normalizeBetweenArrays for single-channel data (a matrix of
// log-expression values), as voom calls it: none, scale, quantile, cyclicloess.
import Foundation

/// The single-channel methods of limma's `normalizeBetweenArrays`.
public enum BetweenArrayNormalization: String, Sendable, CaseIterable {
    case none, scale, quantile, cyclicloess
}

/// limma's `normalizeBetweenArrays(x, method)` for a matrix.
///
/// - none: `x` unchanged.
/// - scale: `normalizeMedianValues`, each column divided by
///   `exp(log(median_j) - mean(log(median)))` (column medians without missing
///   values), so the column medians become their geometric mean.
/// - quantile: `normalizeQuantiles(x)`.
/// - cyclicloess: `normalizeCyclicLoess(x, method: .fast)` with its defaults.
/// - Throws: as those functions do.
public func normalizeBetweenArrays(_ x: Matrix, method: BetweenArrayNormalization = .quantile) throws -> Matrix {
    switch method {
    case .none:
        return x
    case .scale:
        return normalizeMedianValues(x)
    case .quantile:
        return try normalizeQuantiles(x)
    case .cyclicloess:
        return try normalizeCyclicLoess(x)
    }
}

/// limma's `normalizeMedianValues(x)`: scales the columns to a common median
/// (the geometric mean of the column medians, missing values ignored).
public func normalizeMedianValues(_ x: Matrix) -> Matrix {
    if x.ncol <= 1 { return x }
    let cmed = (0..<x.ncol).map { Foundation.log(RBase.median(x.column($0), naRM: true)) }
    let m = RBase.mean(cmed)
    let scale = cmed.map { Foundation.exp($0 - m) }
    var out = x
    for j in 0..<x.ncol {
        for i in 0..<x.nrow { out.values[j * x.nrow + i] /= scale[j] }
    }
    return out
}

/// limma's `normalizeQuantiles(A, ties = TRUE)`: gives every column the same
/// empirical distribution, the mean of the sorted columns.
///
/// Each column is sorted (missing values dropped; a column with `k` values is
/// first interpolated onto the `n`-point grid `(0...n-1)/(n-1)` from its own
/// grid `(0...k-1)/(k-1)`); `m` is the row mean of the sorted columns. Each
/// value is then replaced by `m` interpolated at `(rank - 1)/(k - 1)`, its
/// average rank (so tied values share one value) on the grid, by R's
/// `approx`. Missing values stay missing.
/// - Throws: when a column has fewer than two non-missing values while
///   others have more (R's approx cannot interpolate it).
public func normalizeQuantiles(_ a: Matrix) throws -> Matrix {
    let n = a.nrow, p = a.ncol
    if p <= 1 { return a }
    if n >= 2 && !a.values.contains(where: { $0.isNaN }) { return try normalizeQuantilesComplete(a) }
    return try normalizeQuantilesGeneral(a)
}

/// `normalizeQuantiles` with missing values allowed: R's algorithm step by
/// step (sort, interpolate short columns, row means, rank, approx).
func normalizeQuantilesGeneral(_ a: Matrix) throws -> Matrix {
    let n = a.nrow, p = a.ncol
    let nd = Double(n - 1)
    let grid = (0..<n).map { Double($0) / nd }
    var sorted = Matrix(nrow: n, ncol: p)
    var nobs = [Int](repeating: n, count: p)
    for j in 0..<p {
        let s = a.column(j).filter { !$0.isNaN }.sorted()
        nobs[j] = s.count
        if s.count < n {
            let kd = Double(s.count - 1)
            let own = (0..<s.count).map { Double($0) / kd }
            let interp = try approx(x: own, y: s, xout: grid, ordered: true)
            for i in 0..<n { sorted[i, j] = interp[i] }
        } else {
            for i in 0..<n { sorted[i, j] = s[i] }
        }
    }
    let m = RBase.rowMeans(sorted)
    let target = try approxfun(x: grid, y: m, ordered: true)
    var out = a
    for j in 0..<p {
        let col = a.column(j)
        let r = RBase.rank(col)
        let kd = Double(nobs[j] - 1)
        for i in 0..<n where !col[i].isNaN {
            out[i, j] = target((r[i] - 1) / kd)
        }
    }
    return out
}

/// `normalizeQuantiles` for a matrix without missing values (n >= 2), with
/// the same values: each column is ordered once (a stable radix order,
/// ties equal), which gives both its sorted values and its average ranks
/// (`(i + j + 2) / 2` over a tie group at sorted positions i...j, as
/// `RBase.rank`); the target quantiles are evaluated column by column in
/// that order, so each lookup starts at the previous interval
/// (`ApproxLookup`, the same interval and arithmetic as `approxfun`).
func normalizeQuantilesComplete(_ a: Matrix) throws -> Matrix {
    let n = a.nrow, p = a.ncol
    let nd = Double(n - 1)
    let grid = (0..<n).map { Double($0) / nd }
    let all = (0..<Int32(n)).map { $0 }
    var orders = [[Int32]]()
    orders.reserveCapacity(p)
    var sorted = Matrix(nrow: n, ncol: p)
    for j in 0..<p {
        let col = a.column(j)
        let o = RBase.radixOrder(col, all, decreasing: false)
        for k in 0..<n { sorted.values[j * n + k] = col[Int(o[k])] }
        orders.append(o)
    }
    let m = RBase.rowMeans(sorted)
    let target = ApproxLookup(try approxfun(x: grid, y: m, ordered: true))
    var out = a
    out.values.withUnsafeMutableBufferPointer { ob in
        a.values.withUnsafeBufferPointer { ab in
            target.withEvaluator { f in
                for j in 0..<p {
                    let o = orders[j], col = ab.baseAddress! + j * n, dst = ob.baseAddress! + j * n
                    var hint = 0
                    var i = 0
                    while i < n {
                        var k = i
                        while k + 1 < n && col[Int(o[k + 1])] == col[Int(o[i])] { k += 1 }
                        let value = f((Double(i + k + 2) / 2 - 1) / nd, hint: &hint)
                        for t in i...k { dst[Int(o[t])] = value }
                        i = k + 1
                    }
                }
            }
        }
    }
    return out
}

/// The variants of limma's `normalizeCyclicLoess`.
public enum CyclicLoessMethod: String, Sendable, CaseIterable {
    case fast, affy, pairs
}

/// limma's `normalizeCyclicLoess(x, weights, span, iterations, method)`:
/// removes intensity-dependent differences between columns by loess
/// (`loessFit(m, a, weights:, span:)`, default 4 robustness iterations),
/// repeated `iterations` times.
///
/// - fast: each column against the row means `a` (missing values ignored):
///   `x_i -= fitted(loessFit(x_i - a, a))`.
/// - pairs: for each pair i < j in turn, `m = x_j - x_i`, `a = (x_j + x_i)/2`,
///   and half the fitted curve is added to `x_i` and taken from `x_j`.
/// - affy: the pairwise curves of one iteration are accumulated and
///   `x -= adjustment / ncol` applied at once.
/// - Parameter weights: one weight per gene (row), passed to loessFit.
/// - Throws: when `weights` is not one per row, and as loessFit does.
public func normalizeCyclicLoess(_ x: Matrix, weights: [Double]? = nil, span: Double = 0.7, iterations: Int = 3,
                                 method: CyclicLoessMethod = .fast) throws -> Matrix {
    if let w = weights, w.count != x.nrow {
        throw LimmaError("normalizeCyclicLoess", "\(w.count) weights for \(x.nrow) rows")
    }
    var x = x
    let n = x.ncol, g = x.nrow
    guard iterations >= 1 else { return x }
    func curve(_ m: [Double], _ a: [Double]) throws -> [Double] {
        try loessFit(y: m, x: a, weights: weights, span: span).fitted
    }
    // The loess curve of column j minus column i against their mean.
    func pairCurve(_ i: Int, _ j: Int) throws -> [Double] {
        try curve((0..<g).map { x[$0, j] - x[$0, i] }, (0..<g).map { 0.5 * (x[$0, j] + x[$0, i]) })
    }
    switch method {
    case .fast:
        for _ in 1...iterations {
            let a = RBase.rowMeans(x, naRM: true)
            for i in 0..<n {
                let m = (0..<g).map { x[$0, i] - a[$0] }
                let f = try curve(m, a)
                for r in 0..<g { x[r, i] -= f[r] }
            }
        }
    case .pairs:
        guard n > 1 else { return x }
        for _ in 1...iterations {
            for i in 0..<(n - 1) {
                for j in (i + 1)..<n {
                    let f = try pairCurve(i, j)
                    for r in 0..<g {
                        x[r, i] += f[r] / 2
                        x[r, j] -= f[r] / 2
                    }
                }
            }
        }
    case .affy:
        guard n > 1 else { return x }
        for _ in 1...iterations {
            var adjustment = Matrix(nrow: g, ncol: n)
            for i in 0..<(n - 1) {
                for j in (i + 1)..<n {
                    let f = try pairCurve(i, j)
                    for r in 0..<g {
                        adjustment[r, j] += f[r]
                        adjustment[r, i] -= f[r]
                    }
                }
            }
            for k in 0..<x.values.count { x.values[k] -= adjustment.values[k] / Double(n) }
        }
    }
    return x
}
