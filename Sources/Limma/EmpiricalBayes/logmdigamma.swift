// statmod's logmdigamma, which limma 3.62+ uses inside fitFDist and
import Foundation
// fitFDistUnequalDF1.

/// statmod's `logmdigamma(x)`: `log(x) - digamma(x)` without the subtractive
/// cancellation of computing the two terms separately when `x` is large.
///
/// For `x >= 5` it is the asymptotic series
/// `1/(2x) - t (-1/12 + t (1/120 + t (-1/252 + t (1/240 + t (-1/132 +
/// t (691/32760 + t (-1/12 + 3617 t / 8160)))))))` with `t = 1/x^2`; for
/// `0 < x < 5` the recurrence
/// `log(x/(x+5)) + logmdigamma(x+5) + 1/x + 1/(x+1) + ... + 1/(x+4)`,
/// summed left to right as R does. Missing or non-positive `x` gives NaN (NA).
public func logmdigamma(_ x: Double) -> Double {
    if x.isNaN || x <= 0 { return .nan }
    if x < 5 {
        var s = log(x / (x + 5)) + logmdigamma(x + 5)
        s = s + 1 / x
        s = s + 1 / (x + 1)
        s = s + 1 / (x + 2)
        s = s + 1 / (x + 3)
        s = s + 1 / (x + 4)
        return s
    }
    let t = 1 / (x * x)
    let tail = t * (-1.0 / 12 + t * (1.0 / 120 + t * (-1.0 / 252 + t * (1.0 / 240 + t * (-1.0 / 132
        + t * (691.0 / 32760 + t * (-1.0 / 12 + (3617 * t) / 8160)))))))
    return 1 / (2 * x) - tail
}

/// Elementwise `logmdigamma`.
public func logmdigamma(_ x: [Double]) -> [Double] { x.map { logmdigamma($0) } }
