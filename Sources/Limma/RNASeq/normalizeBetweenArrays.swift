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
public func normalizeBetweenArrays(_ x: consuming Matrix, method: BetweenArrayNormalization = .quantile) throws -> Matrix {
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
public func normalizeQuantiles(_ a: consuming Matrix) throws -> Matrix {
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
/// the same values as `normalizeQuantilesGeneral`, in two passes over the
/// columns, in `a`'s storage (a copy only when the caller still holds it)
/// and without a sorted copy of the matrix.
///
/// First pass, column by column: the column is sorted (`BucketOrder`,
/// values with the sorted positions' original rows); its sorted values are
/// added to the row sums of the sorted columns (long double, columns in
/// order, as `RBase.rowMeans` sums them); each tie group at sorted
/// positions i...j (equal by `==`, so -0 and +0 tie) has the average rank
/// `(i + j + 2) / 2`, as `RBase.rank` gives it, and its code `c = i + j`
/// (twice the rank less 2) is written over the column at the group's rows.
/// Each position's group start comes from a forward pass and its group end
/// from a backward pass, both without branches. The order inside a tie
/// group changes nothing: the ranks are the group's, and the sorted values
/// differ at most in the sign of a zero, which a sum starting at +0
/// absorbs (`+0 + -0 = +0`, `x + ±0 = x`).
///
/// Then m (the sums divided by p in long double), `approxfun` on the grid
/// `(0...n-1)/(n-1)`, and for every code `c` in `0...2n-2` the target at
/// `v = (r - 1)/(n - 1)`, `r = (c + 2)/2`, as R evaluates it for that rank;
/// each output code is replaced by its value from that table. When the
/// knots are the whole grid (`approxfun` dropped no NaN mean and collapsed
/// no ties), R's bisection ends on the interval at `i = floor(r - 1)`: for
/// an even c, `v` is the knot `x_i` itself (the same division) and the value
/// `y_i`; for an odd c, `x_i < v < x_(i+1)` and the value `y_i + (y_(i+1) -
/// y_i) * ((v - x_i) / (x_(i+1) - x_i))`, the expression of
/// `ApproxFun.callAsFunction`. Both are checked against the knots; a code
/// that fails, or every code when the knots are not the whole grid, is
/// evaluated by the `ApproxFun` itself.
func normalizeQuantilesComplete(_ a: consuming Matrix) throws -> Matrix {
    let n = a.nrow, p = a.ncol
    let nd = Double(n - 1)
    let grid = (0..<n).map { Double($0) / nd }
    // The row sums (n long doubles), then the table of 2n - 1 values.
    let room = UnsafeMutableRawPointer.allocate(byteCount: 16 * n, alignment: 16)
    defer { room.deallocate() }
    let sums = room.bindMemory(to: RLongDouble.self, capacity: n)
    sums.initialize(repeating: 0, count: n)
    let sorter = BucketOrder(capacity: n)
    defer { sorter.deallocate() }
    a.values.withUnsafeMutableBufferPointer { ab in
        let first = sorter.start
        for j in 0..<p {
            let col = ab.baseAddress! + j * n
            sorter.sort(col, n)
            let sv = sorter.values, si = sorter.rows
            for k in 0..<n { sums[k] += RLongDouble(sv[k]) }
            // The first position of each position's tie group, then
            // backwards the last, and the code (over the column, now sorted
            // in the sorter).
            var i = 0
            first[0] = 0
            for k in 1..<n {
                i = sv[k] == sv[k - 1] ? i : k
                first[k] = Int32(i)
            }
            var last = n - 1
            col[Int(si[n - 1])] = Double(Int(first[n - 1]) + last)
            for k in stride(from: n - 2, through: 0, by: -1) {
                last = sv[k] == sv[k + 1] ? last : k
                col[Int(si[k])] = Double(Int(first[k]) + last)
            }
        }
    }
    let m = (0..<n).map { Double(sums[$0] / RLongDouble(p)) }
    let f = try approxfun(x: grid, y: m, ordered: true)
    let table = room.bindMemory(to: Double.self, capacity: 2 * n)
    let wholeGrid = f.x.count == n
    f.x.withUnsafeBufferPointer { fx in
        f.y.withUnsafeBufferPointer { fy in
            for c in 0...(2 * n - 2) {
                let r = Double(c + 2) / 2
                let v = (r - 1) / nd
                let i = c >> 1
                if wholeGrid {
                    if c & 1 == 0 {
                        if v == fx[i] { table[c] = fy[i]; continue }
                    } else if fx[i] < v && v < fx[i + 1] {
                        table[c] = fy[i] + (fy[i + 1] - fy[i]) * ((v - fx[i]) / (fx[i + 1] - fx[i]))
                        continue
                    }
                }
                table[c] = f(v)
            }
        }
    }
    a.values.withUnsafeMutableBufferPointer { ab in
        for t in 0..<(n * p) { ab[t] = table[Int(ab[t])] }
    }
    return a
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
