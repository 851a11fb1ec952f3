// R's stats::lowess (the C routine clowess): Cleveland's robust locally
// linear scatterplot smoother.

/// R's `lowess(x, y, f = 2/3, iter = 3, delta = 0.01 * diff(range(x)))`.
///
/// Returns the points sorted by x (stably, as R's `order`) with the smoothed
/// values. Each fit uses the `ns = max(2, min(n, floor(f*n + 1e-7)))`
/// nearest points with tricube weights (times the robustness weights after
/// the first pass), a weighted straight line when the x values are spread
/// out enough (sqrt of the weighted x variance > 0.001 * range), else a
/// weighted mean. Points within `delta` of the last fitted point are skipped
/// and linearly interpolated; ties with it copy its value. After each of
/// the first `iter` passes the robustness weights become
/// bisquare(|r| / (6 * median|r|)), unless that scale is below 1e-7 times
/// the mean absolute residual.
public func lowess(x: [Double], y: [Double], f: Double = 2.0 / 3.0, iter: Int = 3, delta: Double? = nil) -> (x: [Double], y: [Double]) {
    precondition(x.count == y.count, "lowess: x and y lengths differ")
    let o = RBase.order(x)
    let xs = o.map { x[$0] }, ys = o.map { y[$0] }
    let d = delta ?? (0.01 * ((x.max() ?? 0) - (x.min() ?? 0)))
    return (xs, clowess(x: xs, y: ys, f: f, nsteps: iter, delta: d))
}

/// clowess on x-sorted data; 0-based translation of R's 1-based C loop.
func clowess(x: [Double], y: [Double], f: Double, nsteps: Int, delta: Double) -> [Double] {
    let n = x.count
    if n == 0 { return [] }
    if n < 2 { return [y[0]] }
    var fitted = [Double](repeating: 0, count: n)
    var rw = [Double](repeating: 0, count: n)
    var res = [Double](repeating: 0, count: n)
    let ns = max(2, min(n, Int((f * Double(n) + 1e-7).rounded(.towardZero))))
    let range = x[n - 1] - x[0]

    // Local fit at xs over points nleft...nright (0-based), extended right over ties.
    func lowest(_ xsv: Double, _ nleft: Int, _ nright: Int, _ userw: Bool) -> Double? {
        let h = max(xsv - x[nleft], x[nright] - xsv)
        let h9 = 0.999 * h, h1 = 0.001 * h
        var a = 0.0
        var j = nleft
        while j < n {
            res[j] = 0
            let r = abs(x[j] - xsv)
            if r <= h9 {
                if r <= h1 {
                    res[j] = 1
                } else {
                    let q = r / h
                    let c = 1 - q * q * q
                    res[j] = c * c * c
                }
                if userw { res[j] *= rw[j] }
                a += res[j]
            } else if x[j] > xsv {
                break
            }
            j += 1
        }
        let nrt = j - 1
        if a <= 0 { return nil }
        for k in nleft...nrt { res[k] /= a }
        if h > 0 {
            a = 0
            for k in nleft...nrt { a += res[k] * x[k] }
            var b = xsv - a
            var c = 0.0
            for k in nleft...nrt { let t = x[k] - a; c += res[k] * (t * t) }
            if c.squareRoot() > 0.001 * range {
                b /= c
                for k in nleft...nrt { res[k] *= (b * (x[k] - a) + 1) }
            }
        }
        var out = 0.0
        for k in nleft...nrt { out += res[k] * y[k] }
        return out
    }

    var iter = 1
    while iter <= nsteps + 1 {
        var nleft = 0, nright = ns - 1
        var last = -1
        var i = 0
        while true {
            if nright < n - 1 {
                let d1 = x[i] - x[nleft], d2 = x[nright + 1] - x[i]
                if d1 > d2 { nleft += 1; nright += 1; continue }
            }
            fitted[i] = lowest(x[i], nleft, nright, iter > 1) ?? y[i]
            if last < i - 1 {
                let denom = x[i] - x[last]
                for j in (last + 1)..<i {
                    let alpha = (x[j] - x[last]) / denom
                    fitted[j] = alpha * fitted[i] + (1 - alpha) * fitted[last]
                }
            }
            last = i
            let cut = x[last] + delta
            i = last + 1
            while i < n {
                if x[i] > cut { break }
                if x[i] == x[last] { fitted[i] = fitted[last]; last = i }
                i += 1
            }
            i = max(last + 1, i - 1)
            if last >= n - 1 { break }
        }
        for k in 0..<n { res[k] = y[k] - fitted[k] }
        var sc = 0.0
        for k in 0..<n { sc += abs(res[k]) }
        sc /= Double(n)
        if iter > nsteps { break }
        for k in 0..<n { rw[k] = abs(res[k]) }
        let m1 = n / 2
        rPartialSort(&rw, m1)
        let cmad: Double
        if n % 2 == 0 {
            let m2 = n - m1 - 1
            rPartialSort(&rw, m2)
            cmad = 3 * (rw[m1] + rw[m2])
        } else {
            cmad = 6 * rw[m1]
        }
        if cmad < 1e-7 * sc { break }
        let c9 = 0.999 * cmad, c1 = 0.001 * cmad
        for k in 0..<n {
            let r = abs(res[k])
            if r <= c1 { rw[k] = 1 } else if r <= c9 { let q = r / cmad; let t = 1 - q * q; rw[k] = t * t } else { rw[k] = 0 }
        }
        iter += 1
    }
    return fitted
}
