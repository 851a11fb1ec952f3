// The F distribution's upper tail for many statistics that share their degrees
// of freedom, bit for bit what R's pf gives (nmath pf.c -> pbeta -> TOMS 708's
// bratio, R 4.2.2), with the log-beta constant and the series factors worked out
// once: eBayes's moderated F p-values.
import Foundation
import CRmath

/// R's `pf(f, df1, df2, lower.tail = FALSE)` for fixed `df1`, `df2`, evaluated
/// for many `f`.
///
/// For finite `f > 0` R's pf calls the incomplete beta ratio: with `m = df1 f`,
/// - `I_x(df2/2, df1/2)` with `x = df2/(df2 + m)` when `m > df2`,
/// - `1 - I_x(df1/2, df2/2)` with `x = m/(df2 + m)` otherwise.
///
/// With both shapes above 1 (`df1, df2 > 2`), TOMS 708's bratio sets
/// `lambda = (a + b) y - b` (when `a > b`) or `a - (a + b) x`, swaps the shapes
/// and `x, y = 1 - x` when `lambda < 0`, and for a second shape `b0 < 40` with
/// `b0 x0 <= 0.7` sums the power series `bpser(a0, b0, x0)`, whose prefactor
/// `x^a/(a Beta(a, b)) = exp(a log x - betaln(a, b))/a` has the same log-beta
/// constant for every statistic. That path is reproduced here with the constant
/// and the series' factors `1 - b/n` computed once (`PowerSeries`); it is the
/// one nearly all of eBayes's F statistics take (large F, small x).
///
/// Everything else goes to R's own `pf`: `df1` or `df2` at most 2, above 1e12 or
/// not finite, NaN, non-positive or infinite `f`, an argument of 0 or 1, and
/// every other bratio path (`b0 >= 40`, `b0 x0 > 0.7`: bup, bgrat, bfrac, basym)
/// or a series that does not converge. The result is R's in every case.
///
/// Immutable after `init` (the factor tables are written there), hence
/// `@unchecked Sendable`.
final class FUpperTail: @unchecked Sendable {
    let df1: Double
    let df2: Double
    private let usable: Bool
    /// `bpser(df2/2, df1/2, x)` and `bpser(df1/2, df2/2, x)`.
    private let seriesDf2First: PowerSeries
    private let seriesDf1First: PowerSeries
    /// The two series' factor tables, owned here.
    private let tables: UnsafeMutablePointer<Double>
    private static let factorCount = 64

    init(df1: Double, df2: Double) {
        self.df1 = df1
        self.df2 = df2
        usable = df1.isFinite && df2.isFinite && df1 > 2 && df2 > 2 && df1 <= 1e12 && df2 <= 1e12
        let count = Self.factorCount
        tables = UnsafeMutablePointer<Double>.allocate(capacity: 2 * count)
        tables.initialize(repeating: 0, count: 2 * count)
        let h1 = df1 / 2, h2 = df2 / 2
        guard usable else {
            seriesDf2First = PowerSeries(a: 2, b: 2, factors: UnsafePointer(tables), count: 0)
            seriesDf1First = seriesDf2First
            return
        }
        for k in 0..<count {
            let n = Double(k + 1)
            tables[k] = 0.5 - h1 / n + 0.5
            tables[count + k] = 0.5 - h2 / n + 0.5
        }
        seriesDf2First = PowerSeries(a: h2, b: h1, factors: UnsafePointer(tables), count: count)
        seriesDf1First = PowerSeries(a: h1, b: h2, factors: UnsafePointer(tables + count), count: count)
    }

    deinit { tables.deallocate() }

    /// R's `pf(f, df1, df2, lower.tail = FALSE)`.
    @inline(__always)
    func upperTail(_ f: Double) -> Double {
        if let v = fastUpperTail(f) { return v }
        return rmath_pf(f, df1, df2, 0, 0)
    }

    /// `out[k] = upperTail(f[k])` for `k in 0..<count`, with the power series
    /// of several statistics run side by side (`PowerSeries.sums`; its sums
    /// are the scalar loop's, so every value is `upperTail`'s).
    func upperTails(_ f: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int) {
        let block = 1024
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 6 * block + 3) { buffer in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * block) { indexBuffer in
                let x1 = buffer.baseAddress!, scale1 = x1 + block, x2 = scale1 + block, scale2 = x2 + block
                let sums = scale2 + block, sorted = sums + block
                let index1 = indexBuffer.baseAddress!, index2 = index1 + block, order = index2 + block
                var lo = 0
                while lo < count {
                    let hi = Swift.min(count, lo + block)
                    var n1 = 0, n2 = 0
                    for k in lo..<hi {
                        let fk = f[k]
                        guard let r = route(fk) else { out[k] = rmath_pf(fk, df1, df2, 0, 0); continue }
                        let series = r.df2First ? seriesDf2First : seriesDf1First
                        let ans = series.scale(r.x0)
                        // bpser's 0 when its prefactor underflows
                        if ans == 0 { out[k] = r.complement ? 0.5 - 0 + 0.5 : 0; continue }
                        // the complement's lanes carry a negative index
                        let tag = Int32(k - lo) ^ (r.complement ? -1 : 0)
                        if r.df2First {
                            x1[n1] = r.x0; scale1[n1] = ans; index1[n1] = tag; n1 += 1
                        } else {
                            x2[n2] = r.x0; scale2[n2] = ans; index2[n2] = tag; n2 += 1
                        }
                    }
                    func finish(_ series: PowerSeries, _ x: UnsafeMutablePointer<Double>, _ scale: UnsafeMutablePointer<Double>,
                                _ index: UnsafeMutablePointer<Int32>, _ n: Int) {
                        guard n > 0 else { return }
                        series.sums(x, sums, count: n, sorted: sorted, order: order)
                        for j in 0..<n {
                            let tag = index[j], s = sums[j]
                            let k = lo + Int(tag < 0 ? ~tag : tag)
                            if s.isNaN { out[k] = rmath_pf(f[k], df1, df2, 0, 0); continue }
                            let w = series.combine(scale: scale[j], sum: s)
                            out[k] = tag < 0 ? 0.5 - w + 0.5 : w
                        }
                    }
                    finish(seriesDf2First, x1, scale1, index1, n1)
                    finish(seriesDf1First, x2, scale2, index2, n2)
                    lo = hi
                }
            }
        }
    }

    /// The upper tail where bratio takes its power series, else nil.
    func fastUpperTail(_ f: Double) -> Double? {
        guard let r = route(f) else { return nil }
        guard let w = (r.df2First ? seriesDf2First : seriesDf1First).value(r.x0) else { return nil }
        return r.complement ? 0.5 - w + 0.5 : w
    }

    /// Where bratio takes its power series `w = bpser(a0, b0, x0)` for R's
    /// pf(f, df1, df2, upper): the series (`(df2/2, df1/2)` or the reverse),
    /// its argument, and whether the tail is `1 - w` rather than `w`; nil for
    /// R's own routine.
    @inline(__always)
    private func route(_ f: Double) -> (df2First: Bool, x0: Double, complement: Bool)? {
        guard usable, f > 0, f.isFinite else { return nil }
        let m = df1 * f
        if m > df2 {
            // pbeta(df2/(df2 + m), df2/2, df1/2, lower): bratio's w.
            let x = df2 / (df2 + m)
            guard let r = ratio(x, a: df2 / 2, b: df1 / 2, firstIsDf2: true) else { return nil }
            return (r.df2First, r.x0, r.swap)
        }
        // pbeta(m/(df2 + m), df1/2, df2/2, upper): bratio's w1.
        let x = m / (df2 + m)
        guard let r = ratio(x, a: df1 / 2, b: df2 / 2, firstIsDf2: false) else { return nil }
        return (r.df2First, r.x0, !r.swap)
    }

    /// bratio(a, b, x, 1 - x) for shapes `a, b > 1` when it sums `bpser`, with
    /// pbeta's checks (`0 < x < 1`) and bratio's (`|x + y - 1| <= 3 DBL_EPSILON`):
    /// which series, at which argument, and whether bratio swapped the shapes
    /// (then its `w` is `1 - bpser` and its `w1` the series).
    @inline(__always)
    private func ratio(_ x: Double, a: Double, b: Double, firstIsDf2: Bool) -> (df2First: Bool, x0: Double, swap: Bool)? {
        guard x > 0, x < 1 else { return nil }
        let y = 0.5 - x + 0.5
        guard Swift.abs(x + y - 0.5 - 0.5) <= 3 * Double.ulpOfOne else { return nil }
        let lambda = (a + b).isFinite ? (a > b ? (a + b) * y - b : a - (a + b) * x) : a * y - b * x
        let swap = lambda < 0
        let b0 = swap ? a : b, x0 = swap ? y : x
        guard b0 < 40, b0 * x0 <= 0.7 else { return nil }
        // The series for (a0, b0): (df2/2, df1/2) unless exactly one of
        // "first shape is df2/2" and "swapped" holds.
        return (firstIsDf2 != swap, x0, swap)
    }
}

/// Student t and F tails for eBayes's and treat's statistics: the log-beta
/// function and the log-gamma functions it needs, as R 4.2.2's toms708.c
/// evaluates them (used for constants, once per pair of shapes).
extension TOMS708 {
    /// `ln Gamma(a)` for `a > 0`: `gamln1` up to 2.25, a product reduction
    /// below 10, Stirling's series from 10.
    static func gamln(_ a: Double) -> Double {
        if a <= 0.8 { return gamln1(a) - log(a) }
        if a <= 2.25 { return gamln1(a - 0.5 - 0.5) }
        if a < 10 {
            let n = Int(a - 1.25)
            var t = a, w = 1.0
            for _ in 0..<Swift.max(n, 0) {
                t += -1
                w *= t
            }
            return gamln1(t - 1) + log(w)
        }
        let d = 0.418938533204673
        let t = 1 / (a * a)
        let w = horner(t, stirling) / a
        return d + w + (a - 0.5) * (log(a) - 1)
    }

    /// `ln Gamma(a + b)` for `1 <= a, b <= 2`.
    static func gsumln(_ a: Double, _ b: Double) -> Double {
        let x = a + b - 2
        if x <= 0.25 { return gamln1(x + 1) }
        if x <= 1.25 { return gamln1(x) + alnrel(x) }
        return gamln1(x - 1) + log(x * (x + 1))
    }

    /// `Del(a0) + Del(b0) - Del(a0 + b0)` for `a0, b0 >= 8`, `Del` the remainder
    /// of Stirling's formula for `ln Gamma`.
    static func bcorr(_ a0: Double, _ b0: Double) -> Double {
        let a = Swift.min(a0, b0), b = Swift.max(a0, b0)
        let h = a / b
        var r1 = 1 / b
        let w = stirlingDifference(x: 1 / (h + 1), c: h / (h + 1), b: b, t: r1 * r1)
        r1 = 1 / a
        return horner(r1 * r1, stirling) / a + w
    }

    /// `ln Beta(a0, b0)` for positive shapes, by toms708.c's branches on
    /// `a = min`, `b = max`: log-gamma sums for `a < 1` or `b < 8`, reductions
    /// of a (and of b) by their integer parts for `a < 8`, the Stirling form
    /// with `bcorr` for `a >= 8`.
    static func betaln(_ a0: Double, _ b0: Double) -> Double {
        var a = Swift.min(a0, b0), b = Swift.max(a0, b0)
        if a >= 8 {
            let e = 0.918938533204673
            let w = bcorr(a, b)
            let h = a / b
            let u = -(a - 0.5) * log(h / (h + 1))
            let v = b * alnrel(h)
            return u > v ? log(b) * -0.5 + e + w - v - u : log(b) * -0.5 + e + w - u - v
        }
        if a < 1 {
            return b < 8 ? gamln(a) + (gamln(b) - gamln(a + b)) : gamln(a) + algdiv(a, b)
        }
        var w: Double
        if a < 2 {
            if b <= 2 { return gamln(a) + gamln(b) - gsumln(a, b) }
            if b >= 8 { return gamln(a) + algdiv(a, b) }
            w = 0
        } else if b <= 1e3 {
            let n = Int(a - 1)
            w = 1
            for _ in 0..<n {
                a += -1
                let h = a / b
                w *= h / (h + 1)
            }
            w = log(w)
            if b >= 8 { return w + gamln(a) + algdiv(a, b) }
        } else {
            let n = Int(a - 1)
            w = 1
            for _ in 0..<n {
                a += -1
                w *= a / (a / b + 1)
            }
            return log(w) - Double(n) * log(b) + (gamln(a) + algdiv(a, b))
        }
        // 1 < a <= b < 8: reduction of b.
        let n = Int(b - 1)
        var z = 1.0
        for _ in 0..<n {
            b += -1
            z *= b / (a + b)
        }
        return w + log(z) + (gamln(a) + (gamln(b) - gsumln(a, b)))
    }
}
