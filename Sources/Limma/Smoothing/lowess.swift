// R's `lowess()` (stats), the scatterplot smoother voom fits to its
// mean-variance trend: Cleveland's LOWESS as R's C routine `clowess` runs it.
import Foundation

/// R's `lowess(x, y, f = 2/3, iter = 3, delta = 0.01 * diff(range(x)))`.
///
/// The points are put in increasing order of `x` (a stable order, as R's
/// `order()`), and the smooth is evaluated at each sorted `x`. For each
/// evaluation point the `ns = max(2, min(n, floor(f n + 1e-7)))` nearest
/// points get tricube weights `(1 - (|x_j - x_i| / h)^3)^3`, where `h` is the
/// distance to the farthest of them (weight 1 within `0.001 h`, 0 beyond
/// `0.999 h`, ties at the window edge included), and a weighted straight
/// line is fitted (only the weighted mean when the weighted spread
/// `sqrt(sum w (x - xbar)^2)` is at most `0.001 * diff(range(x))`). Points
/// within `delta` of the last evaluated point are not fitted but linearly
/// interpolated; points tied in `x` share one fit. After each pass except the
/// last, robustness weights are the bisquare `(1 - (r / 6 MAD)^2)^2` of the
/// residuals (1 for |r| <= 0.001 * 6 MAD, 0 beyond 0.999 * 6 MAD); the
/// iterations stop early when 6 MAD < 1e-7 * mean(|r|). If all weights in a
/// window are zero, the fitted value is the observation itself.
///
/// - Returns: `x` sorted and the fitted values `y` in that order.
/// - Throws: when `x` and `y` differ in length, are empty or hold missing
///   values, `f` is not finite and positive, `iter` is negative, or `delta`
///   is not finite and non-negative (R's messages).
public func lowess(x: [Double], y: [Double], f: Double = 2.0 / 3.0, iter: Int = 3, delta: Double? = nil) throws -> (x: [Double], y: [Double]) {
    guard x.count == y.count else {
        throw LimmaError("lowess", "'x' and 'y' lengths differ (\(x.count) and \(y.count))")
    }
    guard !x.isEmpty else { throw LimmaError("lowess", "invalid input: no points") }
    if let i = x.firstIndex(where: { !$0.isFinite }) {
        throw LimmaError("lowess", "x[\(i + 1)] is \(x[i]); lowess needs finite x values")
    }
    if let i = y.firstIndex(where: { $0.isNaN }) {
        throw LimmaError("lowess", "y[\(i + 1)] is missing; lowess needs non-missing y values")
    }
    guard f.isFinite && f > 0 else { throw LimmaError("lowess", "'f' must be finite and > 0") }
    guard iter >= 0 else { throw LimmaError("lowess", "'iter' must be finite and >= 0") }
    let o = RBase.order(x)
    let xs = o.map { x[$0] }
    let ys = o.map { y[$0] }
    let d = delta ?? 0.01 * (xs[xs.count - 1] - xs[0])
    guard d.isFinite && d >= 0 else { throw LimmaError("lowess", "'delta' must be finite and > 0") }
    return (xs, clowess(xs, ys, f: f, nsteps: iter, delta: d))
}

/// The LOWESS pass of R's C `clowess` on x already sorted. Arrays here are
/// 1-based (a leading pad element) so the indices follow the algorithm's
/// description: `nleft`, `nright` bound the current neighbourhood, `last` is
/// the last point actually fitted.
func clowess(_ x0: [Double], _ y0: [Double], f: Double, nsteps: Int, delta: Double) -> [Double] {
    let n = x0.count
    if n < 2 { return [y0[0]] }
    let x = [0] + x0
    let y = [0] + y0
    var ys = [Double](repeating: 0, count: n + 1)
    var rw = [Double](repeating: 0, count: n + 1)   // robustness weights
    var res = [Double](repeating: 0, count: n + 1)  // scratch weights, then residuals
    let ns = max(2, min(n, Int(f * Double(n) + 1e-7)))

    var iteration = 1
    while iteration <= nsteps + 1 {
        var nleft = 1, nright = ns, last = 0, i = 1
        while true {
            if nright < n {
                let d1 = x[i] - x[nleft]
                let d2 = x[nright + 1] - x[i]
                if d1 > d2 {
                    nleft += 1
                    nright += 1
                    continue
                }
            }
            if let fitted = lowest(x, y, n: n, xs: x[i], nleft: nleft, nright: nright, w: &res,
                                   robust: iteration > 1, rw: rw) {
                ys[i] = fitted
            } else {
                ys[i] = y[i]
            }
            if last < i - 1 {
                let denom = x[i] - x[last]
                for j in (last + 1)..<i {
                    let alpha = (x[j] - x[last]) / denom
                    ys[j] = alpha * ys[i] + (1 - alpha) * ys[last]
                }
            }
            last = i
            let cut = x[last] + delta
            i = last + 1
            while i <= n {
                if x[i] > cut { break }
                if x[i] == x[last] {
                    ys[i] = ys[last]
                    last = i
                }
                i += 1
            }
            i = max(last + 1, i - 1)
            if last >= n { break }
        }
        for k in 1...n { res[k] = y[k] - ys[k] }
        var sc = 0.0
        for k in 1...n { sc += abs(res[k]) }
        sc /= Double(n)
        if iteration > nsteps { break }

        // cmad = 6 * median(|residuals|)
        var sorted = (1...n).map { abs(res[$0]) }
        sorted.sort()
        let m1 = n / 2
        let cmad: Double
        if n % 2 == 0 {
            let m2 = n - m1 - 1
            cmad = 3 * (sorted[m1] + sorted[m2])
        } else {
            cmad = 6 * sorted[m1]
        }
        if cmad < 1e-7 * sc { break }
        let c9 = 0.999 * cmad
        let c1 = 0.001 * cmad
        for k in 1...n {
            let r = abs(res[k])
            if r <= c1 {
                rw[k] = 1
            } else if r <= c9 {
                let u = 1 - (r / cmad) * (r / cmad)
                rw[k] = u * u
            } else {
                rw[k] = 0
            }
        }
        iteration += 1
    }
    return Array(ys[1...])
}

/// One local fit of `clowess` (the C routine `lowest`): the fitted value at
/// `xs` from the neighbourhood `nleft...nright` (extended right over ties),
/// or nil when every weight is zero. `w` is scratch for the weights.
private func lowest(_ x: [Double], _ y: [Double], n: Int, xs: Double, nleft: Int, nright: Int,
                    w: inout [Double], robust: Bool, rw: [Double]) -> Double? {
    let range = x[n] - x[1]
    let h = max(xs - x[nleft], x[nright] - xs)
    let h9 = 0.999 * h
    let h1 = 0.001 * h
    var a = 0.0
    var j = nleft
    while j <= n {
        w[j] = 0
        let r = abs(x[j] - xs)
        if r <= h9 {
            if r <= h1 {
                w[j] = 1
            } else {
                let q = r / h
                let u = 1 - q * q * q
                w[j] = u * u * u
            }
            if robust { w[j] *= rw[j] }
            a += w[j]
        } else if x[j] > xs {
            break
        }
        j += 1
    }
    let nrt = j - 1
    if a <= 0 { return nil }
    for k in nleft...nrt { w[k] /= a }
    if h > 0 {
        var mean = 0.0
        for k in nleft...nrt { mean += w[k] * x[k] }
        var b = xs - mean
        var c = 0.0
        for k in nleft...nrt { c += w[k] * ((x[k] - mean) * (x[k] - mean)) }
        if c.squareRoot() > 0.001 * range {
            b /= c
            for k in nleft...nrt { w[k] *= (b * (x[k] - mean) + 1) }
        }
    }
    var fit = 0.0
    for k in nleft...nrt { fit += w[k] * y[k] }
    return fit
}
