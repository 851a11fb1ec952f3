// limma's trigammaInverse (R/fitFDist.R): solves trigamma(y) = x for y.
import CRmath

/// limma's `trigammaInverse(x)`: the `y` with `trigamma(y) = x`, elementwise.
///
/// Special cases, as R treats them: a missing `x` gives NaN; `x < 0` gives NaN
/// with the warning "NaNs produced"; `x > 1e7` gives `1/sqrt(x)`; `x < 1e-6`
/// gives `1/x`. The remaining values are solved together by Newton's method on
/// `1/trigamma(y)` (convex, nearly linear, > y - 0.5), starting from
/// `y = 0.5 + 1/x`, with step `trigamma(y) (1 - trigamma(y)/x) / psigamma(y, 2)`.
/// All values share one iteration count: the loop stops when the largest
/// relative step `-dif/y` falls below 1e-8, or after 51 iterations with the
/// warning "Iteration limit exceeded".
public func trigammaInverse(_ x: [Double]) -> (y: [Double], warnings: [LimmaWarning]) {
    var warnings: [LimmaWarning] = []
    var y = x
    var newton: [Int] = []
    var negative = false
    for (i, v) in x.enumerated() {
        if v.isNaN { y[i] = .nan }
        else if v < 0 { y[i] = .nan; negative = true }
        else if v > 1e7 { y[i] = 1 / v.squareRoot() }
        else if v < 1e-6 { y[i] = 1 / v }
        else { newton.append(i) }
    }
    if negative { warnings.append(LimmaWarning("trigammaInverse", "NaNs produced")) }
    if newton.isEmpty { return (y, warnings) }
    let xs = newton.map { x[$0] }
    var ys = xs.map { 0.5 + 1 / $0 }
    var iter = 0
    while true {
        iter += 1
        var maxStep = -Double.infinity
        var sawNaN = false
        for k in 0..<ys.count {
            let tri = rmath_trigamma(ys[k])
            let dif = tri * (1 - tri / xs[k]) / rmath_psigamma(ys[k], 2)
            ys[k] = ys[k] + dif
            let step = -dif / ys[k]
            if step.isNaN { sawNaN = true } else if step > maxStep { maxStep = step }
        }
        if sawNaN { break }
        if maxStep < 1e-8 { break }
        if iter > 50 {
            warnings.append(LimmaWarning("trigammaInverse", "Iteration limit exceeded"))
            break
        }
    }
    for (k, i) in newton.enumerated() { y[i] = ys[k] }
    return (y, warnings)
}

/// Scalar convenience form of `trigammaInverse`.
public func trigammaInverse(_ x: Double) -> (y: Double, warnings: [LimmaWarning]) {
    let r = trigammaInverse([x])
    return (r.y[0], r.warnings)
}
