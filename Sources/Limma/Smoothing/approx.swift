// R's linear interpolation: `approxfun()` and `approx()` (stats), with R's
// handling of tied x values (`regularize.values`) and of points outside the
// data range (`rule`), as the C routine `approx1` evaluates them.

/// A piecewise-linear interpolating function, as returned by R's
/// `approxfun(x, y, rule =, ties =)`.
///
/// Evaluation at `v` (R's C `approx1`): a missing `v` gives NaN; `v` below
/// the first knot gives `yleft`, above the last `yright` (rule 1: NaN, rule
/// 2: the end values); otherwise the interval `[x_i, x_j]` holding `v` is
/// found by bisection, an exact knot returns its `y`, and between knots the
/// value is `y_i + (y_j - y_i) * ((v - x_i) / (x_j - x_i))`.
public struct ApproxFun: Sendable {
    /// The knots after tied x values were collapsed, increasing.
    public let x: [Double]
    /// The value at each knot (the mean over tied x).
    public let y: [Double]
    /// Value returned below `x.first` and above `x.last`.
    public let yleft: Double
    public let yright: Double

    public func callAsFunction(_ v: Double) -> Double {
        if v.isNaN { return v }
        let n = x.count
        if n == 0 { return .nan }
        var i = 0, j = n - 1
        if v < x[i] { return yleft }
        if v > x[j] { return yright }
        while i < j - 1 {
            let ij = (i + j) / 2
            if v < x[ij] { j = ij } else { i = ij }
        }
        if v == x[j] { return y[j] }
        if v == x[i] { return y[i] }
        return y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]))
    }

    public func callAsFunction(_ v: [Double]) -> [Double] { v.map { self($0) } }
}

/// R's `approxfun(x, y, method = "linear", rule = rule, ties = mean)`, or with
/// `ordered: true` R's `ties = list("ordered", mean)` (x taken as already
/// sorted, as voom and normalizeQuantiles call it).
///
/// As R's `regularize.values` with `na.rm = TRUE`: pairs with a missing x or
/// y are dropped; unless `ordered`, the pairs are sorted by x (stably) when x
/// is not already sorted; the y values of equal x are replaced by their mean
/// (R's `mean`, long-double with a refinement pass), one knot per distinct x
/// in order of first appearance.
///
/// - Parameter rule: 1 (NaN outside the data range) or 2 (the nearest end
///   value), for both ends.
/// - Throws: when x and y differ in length, `rule` is not 1 or 2, or fewer
///   than two non-missing points remain (R's "need at least two non-NA
///   values to interpolate").
public func approxfun(x: [Double], y: [Double], rule: Int = 1, ordered: Bool = false) throws -> ApproxFun {
    guard x.count == y.count else {
        throw LimmaError("approxfun", "'x' and 'y' lengths differ (\(x.count) and \(y.count))")
    }
    guard rule == 1 || rule == 2 else { throw LimmaError("approxfun", "'rule' must be 1 or 2, not \(rule)") }
    // Nothing missing and x strictly increasing (as lowess returns it
    // without ties): the knots are the points themselves.
    if x.count >= 2 && !y.contains(where: { $0.isNaN })
        && x.withUnsafeBufferPointer({ xb in (1..<xb.count).allSatisfy { xb[$0 - 1] < xb[$0] } }) {
        return ApproxFun(x: x, y: y, yleft: rule == 1 ? .nan : y[0], yright: rule == 1 ? .nan : y[y.count - 1])
    }
    return try regularizedApproxfun(x: x, y: y, rule: rule, ordered: ordered)
}

/// Whether some value of `v` exceeds the one after it (an index loop: a
/// `zip` of the array with its own slice costs the first caller in a process
/// about 0.2 ms of runtime type set-up).
private func hasDescent(_ v: [Double]) -> Bool {
    v.withUnsafeBufferPointer { b in b.count > 1 && (1..<b.count).contains { b[$0 - 1] > b[$0] } }
}

/// `approxfun` by R's full `regularize.values` (its general path; the
/// arguments already checked).
func regularizedApproxfun(x: [Double], y: [Double], rule: Int, ordered: Bool) throws -> ApproxFun {
    var xs = [Double](), ys = [Double]()
    xs.reserveCapacity(x.count)
    ys.reserveCapacity(y.count)
    for k in 0..<x.count where !x[k].isNaN && !y[k].isNaN {
        xs.append(x[k])
        ys.append(y[k])
    }
    if !ordered && hasDescent(xs) {
        let o = RBase.order(xs)
        xs = o.map { xs[$0] }
        ys = o.map { ys[$0] }
    }
    // Collapse ties: one knot per distinct x, in order of first appearance.
    // When x is sorted the tied values are adjacent runs, taken in order;
    // otherwise (`ordered` with x out of order) a table finds each value's knot.
    var ux = [Double](), uy = [Double]()
    if !hasDescent(xs) {
        ux.reserveCapacity(xs.count)
        uy.reserveCapacity(xs.count)
        var k = 0
        while k < xs.count {
            var e = k + 1
            while e < xs.count && xs[e] == xs[k] { e += 1 }
            ux.append(xs[k])
            uy.append(e == k + 1 ? ys[k] : RBase.mean(Array(ys[k..<e])))
            k = e
        }
    } else {
        var slot = [Double: Int]()
        var groups = [[Double]]()
        for k in 0..<xs.count {
            if let s = slot[xs[k]] {
                groups[s].append(ys[k])
            } else {
                slot[xs[k]] = ux.count
                ux.append(xs[k])
                groups.append([ys[k]])
            }
        }
        uy = groups.map { $0.count == 1 ? $0[0] : RBase.mean($0) }
    }
    guard ux.count >= 2 else {
        throw LimmaError("approxfun", "need at least two non-NA values to interpolate")
    }
    return ApproxFun(x: ux, y: uy,
                     yleft: rule == 1 ? .nan : uy[0],
                     yright: rule == 1 ? .nan : uy[uy.count - 1])
}

/// R's `approx(x, y, xout, rule =, ties =)`: the interpolant of
/// `approxfun(x:y:rule:ordered:)` evaluated at `xout`.
public func approx(x: [Double], y: [Double], xout: [Double], rule: Int = 1, ordered: Bool = false) throws -> [Double] {
    try approxfun(x: x, y: y, rule: rule, ordered: ordered)(xout)
}
