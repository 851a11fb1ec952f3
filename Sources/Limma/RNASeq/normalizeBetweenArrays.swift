// limma's normalizeBetweenArrays for single-channel data (a matrix of
// log-expression values), as voom calls it: none, scale, quantile.
import Foundation

/// The single-channel methods of limma's `normalizeBetweenArrays`.
public enum BetweenArrayNormalization: String, Sendable, CaseIterable {
    case none, scale, quantile
}

/// limma's `normalizeBetweenArrays(x, method)` for a matrix.
///
/// - none: `x` unchanged.
/// - scale: `normalizeMedianValues`, each column divided by
///   `exp(log(median_j) - mean(log(median)))` (column medians without missing
///   values), so the column medians become their geometric mean.
/// - quantile: `normalizeQuantiles(x)`.
/// - Throws: as normalizeQuantiles does.
public func normalizeBetweenArrays(_ x: Matrix, method: BetweenArrayNormalization = .quantile) throws -> Matrix {
    switch method {
    case .none:
        return x
    case .scale:
        return normalizeMedianValues(x)
    case .quantile:
        return try normalizeQuantiles(x)
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
