// R base arithmetic the engine must reproduce to the last bit: sums and
// means accumulate in long double (x87 80-bit on x86_64, which Swift exposes
// as Float80), sorting is stable, quantiles are R's type 7.
import CRmath

#if arch(x86_64) || arch(i386)
/// R's `LDOUBLE`: the accumulator type of `sum`, `mean`, `rowSums`, `rowMeans`.
public typealias RLongDouble = Float80
#else
public typealias RLongDouble = Double
#endif

public enum RBase {
    /// R's `sum(x, na.rm=)`: accumulates in long double, rounds once at the end.
    /// Without `naRM` a missing value makes the result NaN.
    @inlinable
    public static func sum(_ x: [Double], naRM: Bool = false) -> Double {
        var s: RLongDouble = 0
        for v in x {
            if v.isNaN { if naRM { continue } else { return .nan } }
            s += RLongDouble(v)
        }
        return Double(s)
    }

    /// R's `mean(x)` for doubles: a long-double sum divided by n, then one
    /// refinement pass adding the mean residual (summary.c `real_mean`).
    /// `naRM` drops missing values first, as `mean(x, na.rm = TRUE)` does.
    @inlinable
    public static func mean(_ x: [Double], naRM: Bool = false) -> Double {
        let v = naRM ? x.filter { !$0.isNaN } : x
        let n = v.count
        if n == 0 { return .nan }
        var s: RLongDouble = 0
        for a in v { s += RLongDouble(a) }
        s /= RLongDouble(n)
        if Double(s).isFinite {
            var t: RLongDouble = 0
            for a in v { t += RLongDouble(a) - s }
            s += t / RLongDouble(n)
        }
        return Double(s)
    }

    /// R's `rowSums(x, na.rm=)` (long-double accumulation by column order).
    public static func rowSums(_ x: Matrix, naRM: Bool = false) -> [Double] {
        rowAccumulate(x, naRM: naRM, mean: false)
    }

    /// R's `rowMeans(x, na.rm=)`: long-double sums divided in long double by the
    /// number of columns (or of non-missing values with `naRM`).
    public static func rowMeans(_ x: Matrix, naRM: Bool = false) -> [Double] {
        rowAccumulate(x, naRM: naRM, mean: true)
    }

    /// R's `colSums` / `colMeans`.
    public static func colSums(_ x: Matrix, naRM: Bool = false) -> [Double] {
        (0..<x.ncol).map { j in
            var s: RLongDouble = 0
            for i in 0..<x.nrow {
                let v = x[i, j]
                if naRM && v.isNaN { continue }
                s += RLongDouble(v)
            }
            return Double(s)
        }
    }

    public static func colMeans(_ x: Matrix, naRM: Bool = false) -> [Double] {
        (0..<x.ncol).map { j in
            var s: RLongDouble = 0
            var c = 0
            for i in 0..<x.nrow {
                let v = x[i, j]
                if naRM && v.isNaN { continue }
                s += RLongDouble(v); c += 1
            }
            return Double(s / RLongDouble(naRM ? c : x.nrow))
        }
    }

    static func rowAccumulate(_ x: Matrix, naRM: Bool, mean: Bool) -> [Double] {
        let n = x.nrow, p = x.ncol
        var acc = [RLongDouble](repeating: 0, count: n)
        var cnt = [Int](repeating: 0, count: n)
        x.values.withUnsafeBufferPointer { v in
            for j in 0..<p {
                let base = j * n
                for i in 0..<n {
                    let a = v[base + i]
                    if naRM && a.isNaN { continue }
                    acc[i] += RLongDouble(a)
                    cnt[i] += 1
                }
            }
        }
        return (0..<n).map { i in
            if !mean { return Double(acc[i]) }
            return Double(acc[i] / RLongDouble(naRM ? cnt[i] : p))
        }
    }

    /// R's `median(x, na.rm=)`: mean of the two middle values for even n
    /// (computed as `mean(sort(x, partial = half + 0:1)[half + 0:1])`).
    public static func median(_ x: [Double], naRM: Bool = false) -> Double {
        if !naRM && x.contains(where: { $0.isNaN }) { return .nan }
        let v = x.filter { !$0.isNaN }.sorted()
        let n = v.count
        if n == 0 { return .nan }
        if n % 2 == 1 { return v[n / 2] }
        return mean([v[n / 2 - 1], v[n / 2]])
    }

    /// R's `quantile(x, probs, type = 7)`, as R 4.2's `quantile.default`
    /// computes it: index = 1 + (n-1) p, lo/hi its floor and ceiling, and where
    /// index > lo and the order statistics differ, (1-h) x[lo] + h x[hi] with
    /// h = index - lo (no fuzz for type 7).
    public static func quantile(_ x: [Double], _ probs: [Double], naRM: Bool = false) -> [Double] {
        if !naRM && x.contains(where: { $0.isNaN }) { return probs.map { _ in .nan } }
        let v = x.filter { !$0.isNaN }.sorted()
        let n = v.count
        if n == 0 { return probs.map { _ in .nan } }
        return probs.map { p in
            let index = 1 + Double(n - 1) * p
            let lo = Int(index.rounded(.down))
            let hi = Int(index.rounded(.up))
            var q = v[lo - 1]
            if index > Double(lo) && v[hi - 1] != q {
                let h = index - Double(lo)
                q = (1 - h) * q + h * v[hi - 1]
            }
            return q
        }
    }

    /// R's `order(x, decreasing=)`: a stable ordering (ties keep their original
    /// order in both directions, as R's default radix order does), missing
    /// values last. Returns 0-based indices.
    public static func order(_ x: [Double], decreasing: Bool = false) -> [Int] {
        // Sort (value, index) pairs: the index breaks ties, so the order is
        // total and equals the stable order; NaNs follow in index order.
        var keyed = [(value: Double, index: Int)]()
        keyed.reserveCapacity(x.count)
        var nans = [Int]()
        for i in 0..<x.count {
            if x[i].isNaN { nans.append(i) } else { keyed.append((x[i], i)) }
        }
        if decreasing {
            keyed.sort { $0.value > $1.value || ($0.value == $1.value && $0.index < $1.index) }
        } else {
            keyed.sort { $0.value < $1.value || ($0.value == $1.value && $0.index < $1.index) }
        }
        var out = [Int]()
        out.reserveCapacity(x.count)
        for e in keyed { out.append(e.index) }
        out.append(contentsOf: nans)
        return out
    }

    /// R's `rank(x)` with `ties.method = "average"` (missing values kept last,
    /// as `na.last = "keep"` would give NA; here NaN).
    public static func rank(_ x: [Double]) -> [Double] {
        // The sorted non-missing values; an element's tie group spans the
        // sorted positions lo..<up (lo values below it, up at or below it),
        // so its average rank is ((lo + 1) + up) / 2.
        var v = [Double]()
        v.reserveCapacity(x.count)
        for e in x where !e.isNaN { v.append(e) }
        v.sort()
        var r = [Double](repeating: .nan, count: x.count)
        v.withUnsafeBufferPointer { vb in
            let n = vb.count
            for i in 0..<x.count {
                let e = x[i]
                if e.isNaN { continue }
                var lo = 0, hi = n
                while lo < hi {
                    let m = (lo + hi) >> 1
                    if vb[m] < e { lo = m + 1 } else { hi = m }
                }
                var up = lo + 1, top = n
                while up < top {
                    let m = (up + top) >> 1
                    if e < vb[m] { top = m } else { up = m + 1 }
                }
                r[i] = Double(lo + up + 1) / 2
            }
        }
        return r
    }
}

/// R's distribution functions from libRmath, with R's argument names.
public enum RMath {
    @inlinable public static func pt(_ q: Double, df: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pt(q, df, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func qt(_ p: Double, df: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_qt(p, df, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func pf(_ q: Double, df1: Double, df2: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pf(q, df1, df2, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func qf(_ p: Double, df1: Double, df2: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_qf(p, df1, df2, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func pnorm(_ q: Double, mean: Double = 0, sd: Double = 1, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pnorm(q, mean, sd, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func qnorm(_ p: Double, mean: Double = 0, sd: Double = 1, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_qnorm(p, mean, sd, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func dnorm(_ x: Double, mean: Double = 0, sd: Double = 1, log: Bool = false) -> Double { rmath_dnorm(x, mean, sd, log ? 1 : 0) }
    @inlinable public static func dt(_ x: Double, df: Double, log: Bool = false) -> Double { rmath_dt(x, df, log ? 1 : 0) }
    @inlinable public static func pbeta(_ q: Double, a: Double, b: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pbeta(q, a, b, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func pchisq(_ q: Double, df: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pchisq(q, df, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func qchisq(_ p: Double, df: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_qchisq(p, df, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func pgamma(_ q: Double, shape: Double, scale: Double = 1, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pgamma(q, shape, scale, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func lgamma(_ x: Double) -> Double { rmath_lgammafn(x) }
    @inlinable public static func gamma(_ x: Double) -> Double { rmath_gammafn(x) }
    @inlinable public static func digamma(_ x: Double) -> Double { rmath_digamma(x) }
    @inlinable public static func trigamma(_ x: Double) -> Double { rmath_trigamma(x) }
    @inlinable public static func lbeta(_ a: Double, _ b: Double) -> Double { rmath_lbeta(a, b) }
}
