// limma's chooseLowessSpan: a lowess span that shrinks as the number of
// points grows (used by voom's adaptive span, limma >= 3.60).
import Foundation

/// limma's `chooseLowessSpan(n, small.n, min.span, power)`:
/// `min(1, minSpan + (1 - minSpan) * (smallN / n)^power)`.
///
/// Large spans for small data sets (span 1 for `n <= smallN`), falling
/// towards `minSpan` as `n` grows. voom (3.66 default) calls it with
/// `smallN = 50, minSpan = 0.3, power = 1/3` and `n` the number of genes.
public func chooseLowessSpan(n: Double = 1000, smallN: Double = 50, minSpan: Double = 0.3, power: Double = 1.0 / 3.0) -> Double {
    let s = minSpan + (1 - minSpan) * pow(smallN / n, power)
    return s.isNaN ? s : min(s, 1)
}
