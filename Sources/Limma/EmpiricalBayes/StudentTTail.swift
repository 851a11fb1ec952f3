// Student t tail probabilities for many statistics that share their degrees of
// freedom, bit for bit what R's pt gives (nmath pt.c -> pbeta -> the TOMS 708
// incomplete beta ratio of Didonato and Morris, R 4.2.2's toms708.c), with
// everything that depends on the df alone worked out once.
import Foundation
import CRmath
import LimmaFMA

/// R's Student t tail `pt(q, df)` for one fixed `df`, evaluated for many `q`
/// (and `pf(f, 1, df)`, the same beta ratios).
///
/// For finite `q` and finite `df > 0`, R's pt reduces the t distribution to the
/// beta distribution: with `x = |q|` and `nx = 1 + (x/df) x` (as long as
/// `nx <= 1e100`), the two-sided tail `v = P(|T| > x)` is
///
/// - `1 - I_p(1/2, df/2)` with `p = x^2/(df + x^2)` when `df > x^2` (case A),
/// - `I_p(df/2, 1/2)` with `p = 1/nx` otherwise (case B),
///
/// where `I_p(a, b)` is the regularised incomplete beta function, and
/// `pt(-x, df) = v/2`. Every incomplete beta call has one shape parameter equal to
/// 1/2 and the other `df/2`, so the quantities the TOMS 708 routines derive from
/// the shapes alone (log-gamma terms `ln Gamma(1 + a0)`, `ln(Gamma(b)/Gamma(a+b))`,
/// `1/Gamma(1 + a) - 1`, the asymptotic expansion's coefficients, the ratios of
/// the finite series) are the same for every statistic; they are computed here
/// once, with the same operations in the same order as R, so each probability
/// is R's to the last bit. What remains per statistic is a logarithm, the
/// series loop and an exponential.
///
/// The routines R reaches for `df >= 0.4` are reproduced:
/// - the power series `bpser(a, b, x)` (Didonato and Morris's BPSER), for
///   `I_p(1/2, df/2)` when `df <= 2`, when `p < 0.1` and `sqrt(p df/2) <= 0.7`,
///   for `1 - I_p(1/2, df/2) = I_{1-p}(df/2, 1/2)` when `p >= 0.29`, and for
///   case B always;
/// - otherwise (case A, `df > 2`, `0.1 <= p < 0.29` or `sqrt(p df/2) > 0.7`)
///   `1 - I_p(1/2, df/2) = I_{1-p}(df/2, 1/2)` from the finite sum `bup` (20
///   terms, only when `df <= 30`) plus the asymptotic expansion `bgrat` for a
///   large first shape parameter, with the incomplete gamma ratio of shape 1/2
///   from the scaled complementary error function `erfc1`.
///
/// Everything else goes to R's own `pt` (libRmath): NaN or infinite `q` or `df`,
/// `df < 0.4` or `df > 1e12`, `nx > 1e100`, the rare `p > 1/2` that makes R swap
/// the shapes, the asymptotic expansion's argument below 1/4, and every case in
/// which R would warn or take a retry path (a series that does not converge in
/// 1e7 terms, an expansion that fails, a result below `DBL_MIN`). The result is
/// then R's in every case, whatever path R takes.
///
/// Libm calls (`log`, `exp`, `pow`) are glibc's, the ones libRmath calls;
/// neither side contracts `a*b + c` into a fused multiply-add.
///
/// A class, so that evaluating it never copies its constants; it is immutable
/// after `init` (its tables are written there and only read afterwards), hence
/// `@unchecked Sendable`.
final class StudentTTail: @unchecked Sendable {
    /// The degrees of freedom.
    let df: Double
    /// `df / 2`.
    private let halfDF: Double
    /// Whether the df lies in the range this type evaluates itself.
    private let usable: Bool
    /// `bpser(1/2, df/2, x)` and `bpser(df/2, 1/2, x)`.
    private let seriesHalfFirst: PowerSeries
    private let seriesHalfSecond: PowerSeries
    /// The prefactor of `bup(df/2, 1/2, y, x, 20)` (`df/2 <= 15`): see `finiteSum`.
    private let finiteSumScale: PowerSeries.Prefactor
    /// This tail's tables, owned here: `halfFirstFactorCount` factors of
    /// `bpser(1/2, df/2, x)` (see `PowerSeries.factors`), then `bup`'s 19 term
    /// ratios `(a + 1/2 + i)/(a + 1 + i)`, `a = df/2`, `i = 0..<19`.
    private let tables: UnsafeMutablePointer<Double>
    private static let halfFirstFactorCount = 64
    private var finiteSumRatios: UnsafePointer<Double> { UnsafePointer(tables + Self.halfFirstFactorCount) }
    /// `bgrat`'s constants for its first shape `A` (`df/2 + 20` when `df <= 30`,
    /// else `df/2`): `nu = A - 1/4`, `log(1/2) + log1p(gam1(1/2))`,
    /// `algdiv(1/2, A) + log(nu)/2` and `1/(4 nu^2)`.
    private let expansionNu: Double
    private let expansionLogR0: Double
    private let expansionLogU0: Double
    private let expansionV: Double

    /// TOMS 708's tolerance as bratio sets it: `max(DBL_EPSILON, 1e-15)`.
    private static let eps = 1e-15

    init(df: Double) {
        self.df = df
        let a = df / 2
        halfDF = a
        usable = df.isFinite && df >= 0.4 && df <= 1e12
        let count = Self.halfFirstFactorCount
        tables = UnsafeMutablePointer<Double>.allocate(capacity: count + 19)
        tables.initialize(repeating: 0, count: count + 19)
        guard usable else {
            seriesHalfFirst = PowerSeries(a: 0.5, b: 1, factors: UnsafePointer(tables), count: 0)
            seriesHalfSecond = seriesHalfFirst
            finiteSumScale = .power(scale: 0)
            expansionNu = 0; expansionLogR0 = 0; expansionLogU0 = 0; expansionV = 0
            return
        }
        for k in 0..<count { tables[k] = 0.5 - a / Double(k + 1) + 0.5 }
        seriesHalfFirst = PowerSeries(a: 0.5, b: a, factors: UnsafePointer(tables), count: count)
        seriesHalfSecond = PowerSeries(a: a, b: 0.5, factors: TOMS708.halfShapeFactors, count: TOMS708.halfShapeFactorCount)
        // bup(a, 1/2, ...) with a in (1, 15]: its scale factor exp(-mu) is 1
        // (mu = 0, since a + 1/2 < 1.1 (a + 1)), and brcmp1's factor
        // x^a y^(1/2) / Beta(a, 1/2) shares bpser's log-gamma terms.
        finiteSumScale = seriesHalfSecond.prefactor
        let apb = a + 0.5, ap1 = a + 1
        for i in 0..<19 {
            let l = Double(i)
            tables[count + i] = (apb + l) / (ap1 + l)
        }
        let bigA = a > 15 ? a : a + 20
        let nu = bigA + -0.25
        expansionNu = nu
        expansionLogR0 = log(0.5) + log1p(TOMS708.gam1(0.5))
        expansionLogU0 = TOMS708.algdiv(0.5, bigA) + 0.5 * log(nu)
        expansionV = 0.25 / (nu * nu)
    }

    deinit { tables.deallocate() }

    /// R's `pt(-|q|, df)`, the lower tail at `-|q|` (so `2 *` this is the
    /// two-sided p-value).
    @inline(__always)
    func lowerTailOfNegativeAbs(_ q: Double) -> Double {
        if let v = twoSidedTail(Swift.abs(q)) { return v / 2 }
        return rmath_pt(-Swift.abs(q), df, 1, 0)
    }

    /// R's `pt(q, df, lower.tail = FALSE)`.
    @inline(__always)
    func upperTail(_ q: Double) -> Double {
        if let v = twoSidedTail(Swift.abs(q)) {
            let half = v / 2
            return q > 0 ? half : 0.5 - half + 0.5
        }
        return rmath_pt(q, df, 0, 0)
    }

    /// `out[k] = 2 * lowerTailOfNegativeAbs(q[k])` for `k in 0..<count`
    /// (eBayes's two-sided p-values), with the power series of several
    /// statistics run side by side (`tails`).
    func twiceLowerTailsOfNegativeAbs(_ q: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int) {
        let df = df
        tails(q, out, count: count) { v, q in
            if let v { return 2 * (v / 2) }
            return 2 * rmath_pt(-Swift.abs(q), df, 1, 0)
        }
    }

    /// `out[k] = upperTail(q[k])` for `k in 0..<count`, with the power series
    /// of several statistics run side by side (`tails`).
    func upperTails(_ q: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int) {
        let df = df
        tails(q, out, count: count) { v, q in
            if let v {
                let half = v / 2
                return q > 0 ? half : 0.5 - half + 0.5
            }
            return rmath_pt(q, df, 0, 0)
        }
    }

    /// Statistics per block of the batch.
    private static let block = 1024

    /// `out[k] = finish(twoSidedTail(|q[k]|), q[k])` for `k in 0..<count`.
    /// Per block of statistics, each one's route is found and the values that
    /// need no series are finished at once; for those that need one of the
    /// two power series, the prefactors of all of them are formed by
    /// `PowerSeries.scales` (glibc's log and exp, or pow; with the FMA
    /// kernels the logarithms in lanes with glibc's bits), those that are 0
    /// finished, and the series sums of the rest formed by
    /// `PowerSeries.sums`, in lanes; prefactors and sums are identical to the
    /// scalar path's, so every value is `twoSidedTail`'s.
    @inline(__always)
    private func tails(_ q: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int,
                       finish: (Double?, Double) -> Double) {
        let block = Self.block
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 7 * block + 3) { buffer in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * block) { indexBuffer in
                let x1 = buffer.baseAddress!, scale1 = x1 + block, x2 = scale1 + block, scale2 = x2 + block
                let x3 = scale2 + block, sums = x3 + block, sorted = sums + block
                let index1 = indexBuffer.baseAddress!, index2 = index1 + block, order = index2 + block
                let index3 = order + block
                var lo = 0
                while lo < count {
                    let hi = Swift.min(count, lo + block)
                    var n1 = 0, n2 = 0, n3 = 0
                    for k in lo..<hi {
                        let qk = q[k]
                        switch route(Swift.abs(qk)) {
                        case .value(let v):
                            out[k] = finish(v, qk)
                        case .callR:
                            out[k] = finish(nil, qk)
                        case .complementOfHalfFirstSeries(let p):
                            x1[n1] = p; index1[n1] = Int32(k - lo); n1 += 1
                        case .halfSecondSeries(let x):
                            x2[n2] = x; index2[n2] = Int32(k - lo); n2 += 1
                        case .finiteSumAndExpansion(let p):
                            x3[n3] = p; index3[n3] = Int32(k - lo); n3 += 1
                        }
                    }
                    // The prefactors of both series, all at once (`sums` is
                    // scratch here); those that are 0 are finished at once
                    // with the tail bpser gives without its series (`zero`)
                    // and leave the lists.
                    func prefactors(_ series: PowerSeries, _ x: UnsafeMutablePointer<Double>,
                                    _ scale: UnsafeMutablePointer<Double>, _ index: UnsafeMutablePointer<Int32>,
                                    _ n: inout Int, zero: Double) {
                        guard n > 0 else { return }
                        series.scales(x, scale, count: n, scratch: sums)
                        var kept = 0
                        for j in 0..<n {
                            if scale[j] == 0 {
                                let k = lo + Int(index[j])
                                out[k] = finish(zero, q[k])
                            } else {
                                x[kept] = x[j]; scale[kept] = scale[j]; index[kept] = index[j]; kept += 1
                            }
                        }
                        n = kept
                    }
                    prefactors(seriesHalfFirst, x1, scale1, index1, &n1, zero: 0.5 - 0 + 0.5)
                    prefactors(seriesHalfSecond, x2, scale2, index2, &n2, zero: 0)
                    if n1 > 0 {
                        seriesHalfFirst.sums(x1, sums, count: n1, sorted: sorted, order: order)
                        for j in 0..<n1 {
                            let k = lo + Int(index1[j]), s = sums[j]
                            out[k] = finish(s.isNaN ? nil : 0.5 - seriesHalfFirst.combine(scale: scale1[j], sum: s) + 0.5, q[k])
                        }
                    }
                    if n2 > 0 {
                        seriesHalfSecond.sums(x2, sums, count: n2, sorted: sorted, order: order)
                        for j in 0..<n2 {
                            let k = lo + Int(index2[j]), s = sums[j]
                            out[k] = finish(s.isNaN ? nil : seriesHalfSecond.combine(scale: scale2[j], sum: s), q[k])
                        }
                    }
                    if n3 > 0 {
                        finiteSumsAndExpansions(x3, sums, count: n3)
                        for j in 0..<n3 {
                            let k = lo + Int(index3[j]), v = sums[j]
                            out[k] = finish(v.isNaN ? nil : v, q[k])
                        }
                    }
                    lo = hi
                }
            }
        }
    }

    /// R's `pf(f, 1, df, lower.tail = FALSE)`, the F test of one coefficient:
    /// pf calls the same incomplete beta ratios as pt, with `x = df/(df + f)`
    /// (`I_x(df/2, 1/2)`) when `f > df`, else `x = f/(df + f)` (`1 - I_x(1/2,
    /// df/2)`), and does not halve.
    @inline(__always)
    func upperTailOfF(_ f: Double) -> Double {
        if let v = upperTailOfFIfFast(f) { return v }
        return rmath_pf(f, 1, df, 0, 0)
    }

    func upperTailOfFIfFast(_ f: Double) -> Double? {
        evaluate(fRoute(f))
    }

    /// Where R's pf(f, 1, df, upper) goes for `f` (see `upperTailOfF`).
    @inline(__always)
    private func fRoute(_ f: Double) -> Route {
        guard usable, f > 0, f.isFinite else { return .callR }
        let n = df
        if f > n {
            let x = n / (n + f)
            guard x > 0 else { return .callR }
            return lowerHalfSecond(x)
        }
        let x = f / (n + f)
        guard x > 0 else { return .callR }
        return upperHalfFirst(x)
    }

    /// `v = P(|T| > x)` for `x >= 0` as R's pt forms it before halving (the
    /// incomplete beta tail), or nil where R's own routine must be called.
    func twoSidedTail(_ x: Double) -> Double? {
        evaluate(route(x))
    }

    /// How a tail probability is finished: a value already known, one of the
    /// two power series at an argument (`1 - bpser(1/2, df/2, p)` or
    /// `bpser(df/2, 1/2, x)`), or R's own routine.
    enum Route {
        case value(Double)
        case complementOfHalfFirstSeries(Double)
        case halfSecondSeries(Double)
        /// `1 - I_p(1/2, df/2) = I_q(df/2, 1/2)` from bup and bgrat.
        case finiteSumAndExpansion(Double)
        case callR
    }

    /// The route of `twoSidedTail(x)`.
    @inline(__always)
    func route(_ x: Double) -> Route {
        guard usable, x.isFinite else { return .callR }
        let n = df
        let nx = 1 + (x / n) * x
        guard nx <= 1e100 else { return .callR }
        let xsq = x * x
        if n > xsq {
            // pbeta(x^2/(n + x^2), 1/2, n/2, upper); a zero argument gives 1.
            let p = xsq / (n + xsq)
            if p <= 0 { return .value(1) }
            return upperHalfFirst(p)
        }
        // pbeta(1/nx, n/2, 1/2, lower)
        return lowerHalfSecond(1 / nx)
    }

    /// The value of a route, nil for R's routine (or a series that does not
    /// converge).
    @inline(__always)
    private func evaluate(_ r: Route) -> Double? {
        switch r {
        case .value(let v): return v
        case .complementOfHalfFirstSeries(let p):
            guard let w = seriesHalfFirst.value(p) else { return nil }
            return 0.5 - w + 0.5
        case .halfSecondSeries(let x): return seriesHalfSecond.value(x)
        case .finiteSumAndExpansion(let p): return finiteSumAndExpansion(q: 0.5 - p + 0.5, p: p)
        case .callR: return nil
        }
    }

    /// bratio's input check `|x + y - 1| <= 3 DBL_EPSILON` for `y = 1 - x` as
    /// pbeta forms it, and the no-swap condition `x <= 1/2`.
    @inline(__always)
    private static func complement(_ p: Double) -> Double? {
        let q = 0.5 - p + 0.5
        guard Swift.abs(p + q - 0.5 - 0.5) <= 3 * Double.ulpOfOne, p <= 0.5 else { return nil }
        return q
    }

    /// `1 - I_p(1/2, df/2)` for `0 < p <= 1/2` (bratio's `w1`).
    @inline(__always)
    private func upperHalfFirst(_ p: Double) -> Route {
        guard let q = Self.complement(p) else { return .callR }
        let b = halfDF
        if b <= 1 {
            // both shapes <= 1 and a = 1/2 >= min(0.2, b): the series for w.
            return .complementOfHalfFirstSeries(p)
        }
        if p >= 0.29 { return .halfSecondSeries(q) }
        if p < 0.1 && Self.halfPowerAtMost(p * b, 0.7) {
            return .complementOfHalfFirstSeries(p)
        }
        return .finiteSumAndExpansion(p)
    }

    /// bup then bgrat for `1 - I_p(1/2, df/2) = I_q(df/2, 1/2)`.
    private func finiteSumAndExpansion(q: Double, p: Double) -> Double? {
        // both start from alnrel(-p) = log(1 - p) (p < 0.29).
        let lnq = TOMS708.alnrel(-p)
        var w1 = 0.0
        if halfDF <= 15 {
            guard let s = finiteSum(q: q, p: p, lnq: lnq) else { return nil }
            w1 = s
        }
        guard let total = expansion(q: q, p: p, lnq: lnq, w: w1) else { return nil }
        // bratio retries on the log scale when w1 is 0 or subnormal, and warns
        // when it is negative: leave both to R.
        guard total >= Double.leastNormalMagnitude else { return nil }
        return total
    }

    /// `out[i] = finiteSumAndExpansion(q: 1 - p[i], p: p[i])` for
    /// `i in 0..<count`, NaN where that is nil, with the loops of bup and
    /// bgrat of four statistics side by side in SIMD lanes.
    ///
    /// Per statistic, the logarithms, exponentials and `erfc1` that start the
    /// two loops are formed one at a time (the same calls in the same order
    /// as `finiteSum` and `expansion`). The loops run in lanes in step (the
    /// ratio `r_i`, the coefficients `d_n` and products of bgrat, and its
    /// `v`, are the same for all lanes): per lane the same IEEE operations as
    /// the scalar loops, with a lane's sum frozen (+0 added, the sums being
    /// positive) once it stops. A lane whose bgrat would fail (a sum that is
    /// not positive, no convergence in 30 terms) or whose stopping test falls
    /// in the band where the scalar loop forms R's exact `l` is done again by
    /// `finiteSumAndExpansion` itself.
    private func finiteSumsAndExpansions(_ p: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int) {
        let block = 256
        let fields = 11
        withUnsafeTemporaryAllocation(of: Double.self, capacity: fields * (block + 3)) { buffer in
            let stride = block + 3
            let base = buffer.baseAddress!
            let qs = base, lnqs = base + stride, starts = base + 2 * stride, w1s = base + 3 * stride
            let zs = base + 4 * stride, js = base + 5 * stride, t2s = base + 6 * stride, ls = base + 7 * stride
            let exacts = base + 8 * stride, us = base + 9 * stride, logUs = base + 10 * stride
            var lo = 0
            while lo < count {
                let n = Swift.min(block, count - lo)
                let pb = p + lo, ob = out + lo
                // bup's start, one statistic at a time
                let a = halfDF
                let useFiniteSum = a <= 15
                for i in 0..<n {
                    let pi = pb[i]
                    qs[i] = 0.5 - pi + 0.5
                    let lnq = TOMS708.alnrel(-pi)
                    lnqs[i] = lnq
                    ob[i] = 0
                    guard useFiniteSum else { starts[i] = 0; continue }
                    guard let start = finiteSumStart(p: pi, lnq: lnq) else { starts[i] = 0; ob[i] = .nan; continue }
                    starts[i] = start
                }
                // bup's sums in lanes (w1 = start * sum, 0 when start is 0)
                if useFiniteSum { finiteSums(qs, starts, w1s, count: n) } else {
                    for i in 0..<n { w1s[i] = 0 }
                }
                // bgrat's start, one statistic at a time
                for i in 0..<n {
                    guard !ob[i].isNaN else { continue }
                    guard let start = expansionStart(lnq: lnqs[i], w: w1s[i]) else { ob[i] = .nan; continue }
                    zs[i] = start.z
                    js[i] = start.j
                    t2s[i] = start.t2
                    ls[i] = start.l
                    exacts[i] = start.lExact ? 1 : 0
                    us[i] = start.u
                    logUs[i] = start.logU
                }
                // bgrat's loops in lanes: ob[i] = its sum, or NaN for the scalar path
                expansionSums(zs, js, t2s, ls, exacts, ob, count: n)
                for i in 0..<n {
                    let sum = ob[i]
                    guard !sum.isNaN else {
                        ob[i] = finiteSumAndExpansion(q: qs[i], p: pb[i]) ?? .nan
                        continue
                    }
                    let u = us[i], logU = logUs[i]
                    let total = w1s[i] + (u == 0 ? exp(logU + log(sum)) : u * sum)
                    ob[i] = total >= Double.leastNormalMagnitude ? total : .nan
                }
                lo += n
            }
        }
    }

    /// bup's sums `1 + sum_{i<19} d_i` (`d_{i+1} = d_i r_i q`, stopping after
    /// the first `d_i <= eps * sum`) for four `q` at a time; `w1[i] = start[i] *
    /// sum`, 0 when `start[i]` is 0 (as `finiteSum`). `q`, `start` padded by
    /// the caller's spare room (3 elements past `count`).
    private func finiteSums(_ q: UnsafeMutablePointer<Double>, _ start: UnsafeMutablePointer<Double>,
                            _ w1: UnsafeMutablePointer<Double>, count: Int) {
        typealias V = SIMD4<Double>
        typealias Bits = SIMD4<UInt64>
        for j in count..<(count + 3) { q[j] = q[count - 1] }
        let r = finiteSumRatios
        let eps = V(repeating: Self.eps)
        var first = 0
        while first < count {
            let qv = V(q[first], q[first + 1], q[first + 2], q[first + 3])
            var d = V(repeating: 1), w = V(repeating: 1)
            var active = Bits(repeating: ~0)
            for i in 0..<19 {
                d *= V(repeating: r[i]) * qv
                w += unsafeBitCast(unsafeBitCast(d, to: Bits.self) & active, to: V.self)
                active &= unsafeBitCast(.!(d .<= eps * w), to: Bits.self)
                let either = active.lowHalf | active.highHalf
                if either[0] | either[1] == 0 { break }
            }
            for lane in 0..<Swift.min(4, count - first) {
                let s = start[first + lane]
                w1[first + lane] = s == 0 ? 0 : s * w[lane]
            }
            first += 4
        }
    }

    /// bgrat's sums `J_0 + sum_n d_n J_n` for four statistics at a time, from
    /// `z`, `J_0`, `t2 = (log q)^2/4`, `l` and whether `l` is R's exact form
    /// (`exact` 1) or the quotient (0); `out[i]` is the sum where bgrat
    /// converges with a decided test, else NaN (and where `out[i]` is NaN on
    /// entry, it stays NaN). Inputs padded as in `finiteSums`.
    private func expansionSums(_ z: UnsafeMutablePointer<Double>, _ j0: UnsafeMutablePointer<Double>,
                               _ t2: UnsafeMutablePointer<Double>, _ l: UnsafeMutablePointer<Double>,
                               _ exact: UnsafeMutablePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int) {
        typealias V = SIMD4<Double>
        typealias Bits = SIMD4<UInt64>
        // pad with a lane that is computed and discarded
        for j in count..<(count + 3) {
            z[j] = 1; j0[j] = 1; t2[j] = 0; l[j] = 0; exact[j] = 1
        }
        let v = V(repeating: expansionV)
        let eps = V(repeating: 15 * Self.eps)
        let lower = V(repeating: 1 - 1e-10), upper = V(repeating: 1 + 1e-10)
        let tiny = V(repeating: Double.leastNormalMagnitude)
        let magnitude = Bits(repeating: 0x7FFF_FFFF_FFFF_FFFF)
        let d = TOMS708.expansionCoefficients, pr = TOMS708.expansionProducts
        var first = 0
        while first < count {
            @inline(__always) func load(_ a: UnsafeMutablePointer<Double>) -> V {
                V(a[first], a[first + 1], a[first + 2], a[first + 3])
            }
            let zv = load(z), t2v = load(t2), lv = load(l)
            let approximate = unsafeBitCast(load(exact) .== V(repeating: 0), to: Bits.self)
            var j = load(j0)
            var sum = j, t = V(repeating: 1)
            var active = Bits(repeating: ~0), converged = Bits(repeating: 0)
            for k in 0..<30 {
                let bp2n = 0.5 + Double(2 * k)
                j = (V(repeating: pr[k]) * j + (zv + V(repeating: bp2n) + V(repeating: 1)) * t) * v
                t *= t2v
                let dj = V(repeating: d[k]) * j
                sum += unsafeBitCast(unsafeBitCast(dj, to: Bits.self) & active, to: V.self)
                let fails = unsafeBitCast(sum .<= V(repeating: 0), to: Bits.self)
                let bound = eps * (sum + lv)
                let size = unsafeBitCast(unsafeBitCast(dj, to: Bits.self) & magnitude, to: V.self)
                let banded = approximate & unsafeBitCast(bound .>= tiny, to: Bits.self)
                let below = unsafeBitCast(size .< bound * lower, to: Bits.self)
                let above = unsafeBitCast(size .> bound * upper, to: Bits.self)
                let plain = unsafeBitCast(size .<= bound, to: Bits.self)
                // undecided: in the band, neither clearly below nor above
                let undecided = banded & ~below & ~above
                let done = (banded & below) | (~banded & plain)
                converged |= active & ~fails & ~undecided & done
                active &= ~fails & ~undecided & ~done
                let either = active.lowHalf | active.highHalf
                if either[0] | either[1] == 0 { break }
            }
            for lane in 0..<Swift.min(4, count - first) {
                let i = first + lane
                if out[i].isNaN { continue }
                out[i] = converged[lane] != 0 ? sum[lane] : .nan
            }
            first += 4
        }
    }

    /// `I_p(df/2, 1/2)` for `0 < p <= 1/2` (bratio's `w`): always the series.
    @inline(__always)
    private func lowerHalfSecond(_ p: Double) -> Route {
        guard Self.complement(p) != nil else { return .callR }
        return .halfSecondSeries(p)
    }

    /// `pow(s, 1/2) <= limit`, with glibc's pow called only where the square
    /// root lies within a relative 1e-12 of the limit (pow's error is below
    /// one ulp, so outside that band the comparison cannot change).
    @inline(__always)
    private static func halfPowerAtMost(_ s: Double, _ limit: Double) -> Bool {
        let l2 = limit * limit
        if s < l2 * (1 - 1e-12) { return true }
        if s > l2 * (1 + 1e-12) { return false }
        return pow(s, 0.5) <= limit
    }

    /// TOMS 708's `bup(a, 1/2, q, p, 20, eps)` with `a = df/2` in (1, 15]:
    /// `I_q(a, 1/2) - I_q(a + 20, 1/2) = x^a y^(1/2)/(a Beta(a, 1/2)) *
    /// sum_{i=0}^{19} d_i` with `d_0 = 1`, `d_{i+1} = d_i (a + 1/2 + i)/(a + 1 + i) q`,
    /// summed until `d_i <= eps * sum`. The prefactor is brcmp1's for `a0 = 1/2 < 1`:
    /// `log x^a y^(1/2) = a log1p(-p) + log(p)/2` (as `q > 0.375 >= p`).
    @inline(__always)
    private func finiteSum(q: Double, p: Double, lnq: Double) -> Double? {
        guard let start = finiteSumStart(p: p, lnq: lnq) else { return nil }
        if start == 0 { return 0 }
        var d = 1.0, w = 1.0
        let r = finiteSumRatios
        for i in 0..<19 {
            d *= r[i] * q
            w += d
            if d <= Self.eps * w { break }
        }
        return start * w
    }

    /// bup's factor `x^a y^(1/2)/(a Beta(a, 1/2))` (see `finiteSum`), nil
    /// where brcmp1's form is not the one reproduced.
    @inline(__always)
    private func finiteSumStart(p: Double, lnq: Double) -> Double? {
        let a = halfDF
        let z = a * lnq + 0.5 * log(p)
        let scaled: Double
        switch finiteSumScale {
        case .logGamma(let shift, _, let gammaTerm, let divisor):
            scaled = 0.5 * exp(z - shift) * gammaTerm / divisor
        case .logGammaLarge(let shift, _):
            scaled = 0.5 * exp(z - shift)
        case .power, .logBeta:
            return nil
        }
        return scaled / a
    }

    /// What bgrat forms before its loop: `z = -nu log q`, `log u`, `u`, `l`
    /// (the quotient `w/u` or R's `exp(log w - log u)`, and which), `J_0` and
    /// `t2 = (log q)^2/4`; nil where `expansion` is.
    private struct ExpansionStart {
        var z, logU, u, l: Double
        var lExact: Bool
        var j, t2: Double
    }

    @inline(__always)
    private func expansionStart(lnq: Double, w: Double) -> ExpansionStart? {
        let nu = expansionNu
        let z = -nu * lnq
        guard 0.5 * z != 0 else { return nil }
        let logR = expansionLogR0 + 0.5 * log(z) + nu * lnq
        let logU = logR - expansionLogU0
        let u = exp(logU)
        guard logU != -.infinity else { return nil }
        // R's l = exp(log(w) - log u) (0 when w = 0) only decides where the
        // expansion stops, |d_n J_n| <= eps (sum + l). The quotient w/u is
        // within a relative 1e-12 of it for normal w and u (both equal w/u to
        // within (|log w| + |log u| + 2) ulps, |log| <= 745), so R's form is
        // computed only when a test falls within a relative 1e-10 of its bound.
        var l = w == 0 ? 0 : w / u
        let lExact = w == 0 || !(w >= Double.leastNormalMagnitude && u >= Double.leastNormalMagnitude
                                 && l >= Double.leastNormalMagnitude && l <= Double.greatestFiniteMagnitude)
        if !lExact { l = exp(log(w) - logU) }
        let sz = z.squareRoot()
        guard z >= 0.25, sz > 0.5 else { return nil }
        let j = TOMS708.erfc1Scaled(sz) / sz * 1.772453850905516027298167483341
        return ExpansionStart(z: z, logU: logU, u: u, l: l, lExact: lExact, j: j, t2: lnq * 0.25 * lnq)
    }

    /// TOMS 708's `bgrat(A, 1/2, q, p, w, 15 eps)`: `w + I_q(A, 1/2)` by the
    /// asymptotic expansion for large A (Didonato and Morris 1992, section 9),
    /// with `nu = A - 1/4`, `z = -nu log q`, `log r = log(1/2) + log1p(gam1(1/2))
    /// + log(z)/2 + nu log q`, `u = exp(log r - algdiv(1/2, A) - log(nu)/2)` and
    /// the series `sum_n d_n J_n` started from `J_0 = Q(1/2, z)/r` (erfc). Nil
    /// where R's routine fails or warns, and for `sqrt(z) <= 1/2` (grat_r's erf
    /// branch and erfc1's small-argument branch, not reproduced).
    @inline(__always)
    private func expansion(q: Double, p: Double, lnq: Double, w: Double) -> Double? {
        guard let start = expansionStart(lnq: lnq, w: w) else { return nil }
        let z = start.z, logU = start.logU, u = start.u, t2 = start.t2
        var l = start.l, lExact = start.lExact, j = start.j
        let v = expansionV
        let eps = 15 * Self.eps
        var sum = j, t = 1.0
        let d = TOMS708.expansionCoefficients, pr = TOMS708.expansionProducts
        var converged = false
        for k in 0..<30 {
            let bp2n = 0.5 + Double(2 * k)
            j = (pr[k] * j + (z + bp2n + 1) * t) * v
            t *= t2
            let dj = d[k] * j
            sum += dj
            if sum <= 0 { return nil }
            var bound = eps * (sum + l)
            if !lExact && bound >= Double.leastNormalMagnitude {
                let size = Swift.abs(dj)
                if size < bound * (1 - 1e-10) { converged = true; break }
                if size > bound * (1 + 1e-10) { continue }
                l = exp(log(w) - logU)
                lExact = true
                bound = eps * (sum + l)
            }
            if Swift.abs(dj) <= bound { converged = true; break }
        }
        guard converged else { return nil }
        return w + (u == 0 ? exp(logU + log(sum)) : u * sum)
    }
}

/// Student t tails for statistics whose df may differ by gene (eBayes's and
/// treat's `df.total`): one `StudentTTail` per df value that at least two genes
/// share, R's own pt for a gene whose df no other gene has (setting up the
/// constants costs about as much as one pt call). Usually every gene has the
/// same df and one `StudentTTail` serves all.
struct StudentTTailsByGene: Sendable {
    private let df: [Double]
    /// The tail when every gene has the same df.
    private let shared: StudentTTail
    /// One tail per df that several genes share (owned here), and the same
    /// references unretained, so that a call reads one without retaining it.
    private let tails: [StudentTTail]
    private let unretained: [Unmanaged<StudentTTail>]
    /// Per gene, its index in `tails` or -1 (R's pt); empty when all genes
    /// share `shared`.
    private let slot: [Int32]

    init(df: [Double]) {
        self.df = df
        let first = df.first ?? .nan
        shared = StudentTTail(df: first)
        if df.allSatisfy({ $0.bitPattern == first.bitPattern }) {
            tails = []
            unretained = []
            slot = []
            return
        }
        // Each distinct df (by its bits) numbered in order of first appearance.
        var numbering = BitPatternNumbering(capacity: df.count)
        var counts = [Int]()
        var provisional = [Int32](repeating: 0, count: df.count)
        for (i, d) in df.enumerated() {
            let (k, isNew) = numbering.number(d)
            if isNew { counts.append(1) } else { counts[Int(k)] += 1 }
            provisional[i] = k
        }
        let values = numbering.values
        var remap = [Int32](repeating: -1, count: values.count)
        var kept = [StudentTTail]()
        for k in values.indices where counts[k] >= 2 {
            remap[k] = Int32(kept.count)
            kept.append(StudentTTail(df: values[k]))
        }
        tails = kept
        unretained = kept.map { Unmanaged.passUnretained($0) }
        slot = provisional.map { remap[Int($0)] }
    }

    /// R's `pt(-|q|, df[gene])`.
    @inline(__always)
    func lowerTailOfNegativeAbs(_ q: Double, gene i: Int) -> Double {
        if slot.isEmpty { return shared.lowerTailOfNegativeAbs(q) }
        let k = Int(slot[i])
        if k < 0 { return rmath_pt(-Swift.abs(q), df[i], 1, 0) }
        return unretained[k]._withUnsafeGuaranteedRef { $0.lowerTailOfNegativeAbs(q) }
    }

    /// R's `pt(q, df[gene], lower.tail = FALSE)`.
    @inline(__always)
    func upperTail(_ q: Double, gene i: Int) -> Double {
        if slot.isEmpty { return shared.upperTail(q) }
        let k = Int(slot[i])
        if k < 0 { return rmath_pt(q, df[i], 0, 0) }
        return unretained[k]._withUnsafeGuaranteedRef { $0.upperTail(q) }
    }

    /// `out[k] = 2 * lowerTailOfNegativeAbs(q[k], gene: g)` for `k in 0..<count`,
    /// where gene g of cell k counts from `firstGene` and wraps at `genes`
    /// (column-major cells). The cells of a df that many share go through
    /// that df's batched tails (`bySharedDF`).
    func twiceLowerTailsOfNegativeAbs(_ q: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int,
                                      firstGene: Int, genes: Int) {
        if slot.isEmpty { return shared.twiceLowerTailsOfNegativeAbs(q, out, count: count) }
        bySharedDF(q, out, count: count, firstGene: firstGene, genes: genes,
                   batch: { tail, q, out, n in tail.twiceLowerTailsOfNegativeAbs(q, out, count: n) },
                   single: { q, i in 2 * lowerTailOfNegativeAbs(q, gene: i) })
    }

    /// `out[k] = upperTail(q[k], gene: g)` for `k in 0..<count`, g as in
    /// `twiceLowerTailsOfNegativeAbs`.
    func upperTails(_ q: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int,
                    firstGene: Int, genes: Int) {
        if slot.isEmpty { return shared.upperTails(q, out, count: count) }
        bySharedDF(q, out, count: count, firstGene: firstGene, genes: genes,
                   batch: { tail, q, out, n in tail.upperTails(q, out, count: n) },
                   single: { q, i in upperTail(q, gene: i) })
    }

    /// The smallest number of cells of one df in a call that go through its
    /// batched tails; fewer go one by one.
    private static let minBatch = 16

    /// `out[k] = single(q[k], g)` for `k in 0..<count` (g as in
    /// `twiceLowerTailsOfNegativeAbs`), where for the cells of each df with at
    /// least `minBatch` cells here `batch` of that df's tail computes the
    /// same values side by side: the cells' statistics gathered in cell
    /// order, `batch(tail, statistics, values, n)`, the values put back. (With
    /// robust eBayes most genes share one df.prior, so most cells go in one
    /// batch.) `batch` gives each value `single`'s bits (StudentTTail's
    /// batched tails are its scalar ones, value by value), so the grouping
    /// changes the speed only.
    @inline(__always)
    private func bySharedDF(_ q: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int,
                            firstGene: Int, genes: Int,
                            batch: (StudentTTail, UnsafePointer<Double>, UnsafeMutablePointer<Double>, Int) -> Void,
                            single: (Double, Int) -> Double) {
        guard count > 0 else { return }
        let slots = tails.count
        // Per slot (a gene's; -1 is R's pt) its cells here.
        var perSlot = [Int](repeating: 0, count: slots)
        var i = firstGene
        for _ in 0..<count {
            let s = Int(slot[i])
            if s >= 0 { perSlot[s] += 1 }
            i += 1
            if i == genes { i = 0 }
        }
        // Batched slots get consecutive places in the gathered buffers.
        var start = [Int](repeating: -1, count: slots)
        var batched = 0
        for s in 0..<slots where perSlot[s] >= Self.minBatch {
            start[s] = batched
            batched += perSlot[s]
        }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: Swift.max(1, 2 * batched)) { buffer in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(1, batched)) { places in
                let statistics = buffer.baseAddress!, values = statistics + batched
                let place = places.baseAddress!
                var next = start
                i = firstGene
                for k in 0..<count {
                    let s = Int(slot[i])
                    if s >= 0 && start[s] >= 0 {
                        let at = next[s]
                        statistics[at] = q[k]
                        place[at] = k
                        next[s] = at + 1
                    } else {
                        out[k] = single(q[k], i)
                    }
                    i += 1
                    if i == genes { i = 0 }
                }
                for s in 0..<slots where start[s] >= 0 {
                    batch(tails[s], statistics + start[s], values + start[s], perSlot[s])
                }
                for at in 0..<batched { out[place[at]] = values[at] }
            }
        }
    }

    /// R's `pf(f, 1, df2, lower.tail = FALSE)`, through the gene's tail when
    /// `df2` is the gene's df.
    @inline(__always)
    func upperTailOfF(_ f: Double, df2: Double, gene i: Int) -> Double {
        if slot.isEmpty {
            if shared.df.bitPattern == df2.bitPattern { return shared.upperTailOfF(f) }
        } else {
            let k = Int(slot[i])
            if k >= 0 && tails[k].df.bitPattern == df2.bitPattern {
                return unretained[k]._withUnsafeGuaranteedRef { $0.upperTailOfF(f) }
            }
        }
        return rmath_pf(f, 1, df2, 0, 0)
    }
}

/// TOMS 708's power series `bpser(a, b, x)` (not on the log scale) for fixed
/// shapes `a`, `b`:
/// `I_x(a, b) = x^a/(a Beta(a, b)) * (1 + a sum_{n>=1} c_n/(a + n))`, with
/// `c_n = c_{n-1} (1 - b/n) x`, summed until `|c_n/(a + n)| <= eps/a`.
/// The prefactor `x^a/(a Beta(a, b))` is `exp(a log x - betaln(a, b))/a` when
/// `a0 = min(a, b) >= 1`, else one of three forms by `b0 = max(a, b)`:
/// - `b0 <= 1`: `x^a (1 + gam1(a))(1 + gam1(b))/z * b/(a + b)`, `z` from
///   `gam1(a + b)` (or `gam1(a + b - 1)/(a + b)` when `a + b > 1`);
/// - `1 < b0 < 8`: `exp(a log x - U) (a0/a) (1 + gam1(b0'))/T` with
///   `U = gamln1(a0) + log prod (b0 - i)/(a0 + b0 - i)` over the integer part and
///   `b0'` the fractional remainder;
/// - `b0 >= 8`: `(a0/a) exp(a log x - gamln1(a0) - algdiv(a0, b0))`.
struct PowerSeries {
    enum Prefactor: Sendable {
        case power(scale: Double)
        case logGamma(shift: Double, ratio: Double, gammaTerm: Double, divisor: Double)
        case logGammaLarge(shift: Double, ratio: Double)
        case logBeta(Double)
    }
    let a: Double
    let b: Double
    let prefactor: Prefactor
    /// `eps/a`.
    let tol: Double
    /// The series' factors `0.5 - b/n + 0.5` (R's form of `1 - b/n`) for
    /// `n = 1...factorCount`, in memory its owner keeps; the loop forms later
    /// ones itself.
    let factors: UnsafePointer<Double>
    let factorCount: Int

    init(a: Double, b: Double, factors: UnsafePointer<Double>, count: Int) {
        self.a = a
        self.b = b
        self.factors = factors
        factorCount = count
        tol = 1e-15 / a
        let a0 = Swift.min(a, b)
        var b0 = Swift.max(a, b)
        if a0 >= 1 {
            prefactor = .logBeta(TOMS708.betaln(a, b))
        } else if b0 < 8 {
            if b0 <= 1 {
                let apb = a + b
                let z = apb > 1 ? (TOMS708.gam1(apb - 1) + 1) / apb : TOMS708.gam1(apb) + 1
                let c = (TOMS708.gam1(a) + 1) * (TOMS708.gam1(b) + 1) / z
                prefactor = .power(scale: c * (b / apb))
            } else {
                var u = TOMS708.gamln1(a0)
                let m = Int(b0 - 1)
                if m >= 1 {
                    var c = 1.0
                    for _ in 1...m {
                        b0 += -1
                        c *= b0 / (a0 + b0)
                    }
                    u += log(c)
                }
                b0 += -1
                let apb = a0 + b0
                let t = apb > 1 ? (TOMS708.gam1(apb - 1) + 1) / apb : TOMS708.gam1(apb) + 1
                prefactor = .logGamma(shift: u, ratio: a0 / a, gammaTerm: TOMS708.gam1(b0) + 1, divisor: t)
            }
        } else {
            prefactor = .logGammaLarge(shift: TOMS708.gamln1(a0) + TOMS708.algdiv(a0, b0), ratio: a0 / a)
        }
    }

    /// `bpser(a, b, x)` for `0 < x <= 1/2`... or any `0 < x < 1`; nil when the
    /// series has not converged after 1e7 terms (R warns there).
    @inline(__always)
    func value(_ x: Double) -> Double? {
        let ans = scale(x)
        if ans == 0 { return 0 }
        guard let sum = sum(x) else { return nil }
        return combine(scale: ans, sum: sum)
    }

    /// The prefactor `x^a/(a Beta(a, b))` as bpser forms it (0 when it
    /// underflows, and then bpser returns 0 without the series).
    @inline(__always)
    func scale(_ x: Double) -> Double {
        switch prefactor {
        case .power(let scale):
            let ans = pow(x, a)
            if ans == 0 { return 0 }
            return ans * scale
        case .logGamma(let shift, let ratio, let gammaTerm, let divisor):
            let z = a * log(x) - shift
            return exp(z) * ratio * gammaTerm / divisor
        case .logGammaLarge(let shift, let ratio):
            let z = a * log(x) - shift
            return ratio * exp(z)
        case .logBeta(let logBeta):
            let z = a * log(x) - logBeta
            return exp(z) / a
        }
    }

    /// `out[i] = scale(x[i])` for `i in 0..<count`. With the FMA kernels and
    /// a prefactor on the log scale, the logarithms `log(x[i])` come from
    /// LimmaFMA's `fmaLogSettled` first (glibc's `log` bits, four at a
    /// time; `log` itself where it does not settle a value), written to
    /// `scratch` (`count` doubles), and each prefactor is then formed from
    /// its logarithm with `scale`'s operations: the same values.
    func scales(_ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int,
                scratch logs: UnsafeMutablePointer<Double>) {
        let a = a
        if case .power = prefactor {
        } else if FMAKernels.enabled {
            fmaLogSettled(x, count: count, into: logs) { log($0) }
            switch prefactor {
            case .power:
                break
            case .logGamma(let shift, let ratio, let gammaTerm, let divisor):
                for i in 0..<count {
                    let z = a * logs[i] - shift
                    out[i] = exp(z) * ratio * gammaTerm / divisor
                }
            case .logGammaLarge(let shift, let ratio):
                for i in 0..<count {
                    let z = a * logs[i] - shift
                    out[i] = ratio * exp(z)
                }
            case .logBeta(let logBeta):
                for i in 0..<count {
                    let z = a * logs[i] - logBeta
                    out[i] = exp(z) / a
                }
            }
            return
        }
        for i in 0..<count { out[i] = scale(x[i]) }
    }

    /// bpser's result from its prefactor and its series sum
    /// `sum_{n>=1} c_n/(a + n)`: `ans (1 + a sum)`, or 0 when `a sum <= -1`.
    @inline(__always)
    func combine(scale ans: Double, sum: Double) -> Double {
        if a * sum > -1 { return ans * (a * sum + 1) }
        return 0
    }

    /// The series sum `sum_{n>=1} c_n/(a + n)` up to and including the first
    /// term with `|c_n/(a + n)| <= eps/a`; nil when that takes more than 1e7
    /// terms.
    @inline(__always)
    func sum(_ x: Double) -> Double? {
        var n = 0.0, sum = 0.0, c = 1.0, w = 0.0
        let a = a, tol = tol
        var done = false
        let f = factors
        for k in 0..<factorCount {
            n += 1
            c *= f[k] * x
            w = c / (a + n)
            sum += w
            if !(Swift.abs(w) > tol) { done = true; break }
        }
        if !done {
            let b = b
            repeat {
                n += 1
                c *= (0.5 - b / n + 0.5) * x
                w = c / (a + n)
                sum += w
            } while n < 1e7 && Swift.abs(w) > tol
            if Swift.abs(w) > tol { return nil }
        }
        return sum
    }

    /// `sum(x[i])` for `i in 0..<count`, written to `out[i]` (NaN where `sum`
    /// is nil; a converged sum is finite, as every term is for `0 < x < 1`),
    /// with four arguments at a time in SIMD lanes. `sorted` (`count + 3`
    /// doubles) and `order` (`count` indices) are scratch.
    ///
    /// The number of terms grows with x, so the arguments are first ordered
    /// by a coarse key (x's exponent and three leading mantissa bits: eighths
    /// of an octave, by a counting sort) and taken four at a time in that
    /// order, which keeps the lanes of a group busy for similar counts.
    /// Every lane runs `sum`'s loop in step with the others: the term index n,
    /// the factor `f[n]` and the divisor `a + n` are the same for all lanes;
    /// each lane forms `c *= f[n] x` and `w = c/(a + n)` with the same IEEE
    /// operations as the scalar loop (SIMD multiply and divide round each
    /// lane as their scalar forms do) and adds `w` to its sum while it is
    /// active, +0 afterwards (which leaves a sum that is never -0 unchanged:
    /// it starts at +0), so a lane's sum is the scalar loop's. Lanes that have
    /// not stopped when the factor table runs out are finished by `sum`
    /// itself, from the start. The last group is padded with copies of its
    /// last argument. With the FMA kernels the lane loop runs in LimmaFMA
    /// (`fmaPowerSeriesSums`, the same operations in the same order, in
    /// 256-bit registers where this module's build takes two 128-bit
    /// halves), so the sums are the same.
    func sums(_ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, count: Int,
              sorted: UnsafeMutablePointer<Double>, order: UnsafeMutablePointer<Int32>) {
        guard count > 0 else { return }
        // Counting sort by key: buckets 0..<72 cover x from 2^-8.75 (all
        // smaller x in bucket 0) up to 1.
        let buckets = 72
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: buckets + 1) { startBuffer in
            let start = startBuffer.baseAddress!
            start.initialize(repeating: 0, count: buckets + 1)
            @inline(__always) func key(_ v: Double) -> Int {
                Swift.min(buckets - 1, Swift.max(0, Int(truncatingIfNeeded: v.bitPattern >> 49) - (1022 * 8 - 62)))
            }
            for i in 0..<count { start[key(x[i]) + 1] += 1 }
            for b in 0..<buckets { start[b + 1] += start[b] }
            for i in 0..<count {
                let k = key(x[i])
                let j = Int(start[k])
                start[k] += 1
                order[j] = Int32(i)
                sorted[j] = x[i]
            }
        }
        let last = sorted[count - 1]
        for j in count..<(count + 3) { sorted[j] = last }
        // The lane loop (PowerSeriesLanes.swift): with the FMA kernels the
        // copy compiled for AVX2 in LimmaFMA (`fmaPowerSeriesSums`), else
        // this module's; the same operations, the same bits. The lanes it
        // leaves (status 1) take `sum`.
        let groups = (count + 3) & ~3
        withUnsafeTemporaryAllocation(of: Double.self, capacity: groups) { sumBuffer in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: groups) { statusBuffer in
                let laneSums = sumBuffer.baseAddress!, status = statusBuffer.baseAddress!
                if FMAKernels.enabled {
                    fmaPowerSeriesSums(sorted, count: count, factors: factors, factorCount: factorCount, a: a, tol: tol,
                                       sums: laneSums, status: status)
                } else {
                    powerSeriesLaneSums(sorted, count: count, factors: factors, factorCount: factorCount, a: a, tol: tol,
                                        sums: laneSums, status: status)
                }
                for j in 0..<count {
                    let i = Int(order[j])
                    out[i] = status[j] == 0 ? laneSums[j] : (sum(x[i]) ?? .nan)
                }
            }
        }
    }
}

/// The TOMS 708 auxiliary functions the tail needs, as R 4.2.2's toms708.c
/// evaluates them (same coefficients, same order of operations).
enum TOMS708 {
    /// `c[0] x^m + c[1] x^(m-1) + ... + c[m]` by Horner's rule, as toms708.c
    /// nests its polynomials: `((c[0] x + c[1]) x + c[2]) ...`.
    static func horner(_ x: Double, _ c: [Double]) -> Double {
        var r = c[0]
        for k in 1..<c.count { r = r * x + c[k] }
        return r
    }

    /// `1/Gamma(a + 1) - 1` for `-0.5 <= a <= 1.5` (rational approximations on
    /// `t = a` or `a - 1`).
    static func gam1(_ a: Double) -> Double {
        var t = a
        let d = a - 0.5
        if d > 0 { t = d - 0.5 }
        if t < 0 {
            let top = horner(t, [-1.32674909766242e-4, 2.66505979058923e-4, 0.00223047661158249, -0.0118290993445146,
                                 9.30357293360349e-4, 0.118378989872749, -0.244757765222226, -0.771330383816272,
                                 -0.422784335098468])
            let w = top / horner(t, [0.0559398236957378, 0.273076135303957, 1])
            return d > 0 ? t * w / a : a * (w + 0.5 + 0.5)
        }
        if t == 0 { return 0 }
        let top = horner(t, [5.89597428611429e-4, -0.00514889771323592, 0.0076696818164949, 0.0597275330452234,
                             -0.230975380857675, -0.409078193005776, 0.577215664901533])
        let w = top / horner(t, [0.00423244297896961, 0.0261132021441447, 0.158451672430138, 0.427569613095214, 1])
        return d > 0 ? t / a * (w - 0.5 - 0.5) : a * w
    }

    /// `ln Gamma(1 + a)` for `-0.2 <= a <= 1.25`.
    static func gamln1(_ a: Double) -> Double {
        if a < 0.6 {
            let top = horner(a, [-0.00271935708322958, -0.0673562214325671, -0.402055799310489, -0.780427615533591,
                                 -0.168860593646662, 0.844203922187225, 0.577215664901533])
            let bot = horner(a, [6.67465618796164e-4, 0.0325038868253937, 0.361951990101499, 1.56875193295039,
                                 3.12755088914843, 2.88743195473681, 1])
            return -a * (top / bot)
        }
        let x = a - 0.5 - 0.5
        let top = horner(x, [4.97958207639485e-4, 0.017050248402265, 0.156513060486551, 0.565221050691933,
                             0.848044614534529, 0.422784335098467])
        let bot = horner(x, [1.16165475989616e-4, 0.00713309612391, 0.10155218743983, 0.548042109832463,
                             1.24313399877507, 1])
        return x * (top / bot)
    }

    /// `ln(1 + a)`: a rational approximation in `t = a/(a + 2)` for `|a| <= 0.375`,
    /// else `log(1 + a)`.
    @inline(__always)
    static func alnrel(_ a: Double) -> Double {
        if Swift.abs(a) > 0.375 { return log(1 + a) }
        let p1 = -1.29418923021993, p2 = 0.405303492862024, p3 = -0.0178874546012214
        let q1 = -1.62752256355323, q2 = 0.747811014037616, q3 = -0.0845104217945565
        let t = a / (a + 2)
        let t2 = t * t
        let w = (((p3 * t2 + p2) * t2 + p1) * t2 + 1) / (((q3 * t2 + q2) * t2 + q1) * t2 + 1)
        return t * 2 * w
    }

    /// `ln(Gamma(b)/Gamma(a + b))` for `b >= 8`, from the Stirling remainder
    /// `Del(b) - Del(a + b)` and `(a + b - 1/2) ln(1 + a/b) + a (ln b - 1)`.
    static func algdiv(_ a: Double, _ b: Double) -> Double {
        let h: Double, c: Double, x: Double, d: Double
        if a > b {
            h = b / a
            c = 1 / (h + 1)
            x = h / (h + 1)
            d = a + (b - 0.5)
        } else {
            h = a / b
            c = h / (h + 1)
            x = 1 / (h + 1)
            d = b + (a - 0.5)
        }
        let w = stirlingDifference(x: x, c: c, b: b, t: 1 / (b * b))
        let u = d * alnrel(a / b)
        let v = a * (log(b) - 1)
        return u > v ? w - v - u : w - u - v
    }

    /// Stirling's series coefficients `c5 ... c0` (highest power first) for
    /// `Del(x)`, with `ln Gamma(x) = (x - 1/2) ln x - x + ln(2 pi)/2 + Del(x)`.
    static let stirling = [-0.00165322962780713, 8.37308034031215e-4, -5.9520293135187e-4, 7.9365066682539e-4,
                           -0.00277777777760991, 0.0833333333333333]

    /// `Del(b) - Del(a + b)` as algdiv and bcorr form it from `x = b/(a + b)`
    /// (or its complement), `c = 1 - x` and `t = 1/b^2`: the sums
    /// `s_n = (1 - x^n)/(1 - x)` for n = 3, 5, ..., 11, then
    /// `(c/b) (c0 + c1 s3 t + c2 s5 t^2 + ... + c5 s11 t^5)` nested in t.
    static func stirlingDifference(x: Double, c: Double, b: Double, t: Double) -> Double {
        let x2 = x * x
        let s3 = x + x2 + 1
        let s5 = x + x2 * s3 + 1
        let s7 = x + x2 * s5 + 1
        let s9 = x + x2 * s7 + 1
        let s11 = x + x2 * s9 + 1
        let c0 = stirling[5], c1 = stirling[4], c2 = stirling[3], c3 = stirling[2], c4 = stirling[1], c5 = stirling[0]
        var w = ((((c5 * s11 * t + c4 * s9) * t + c3 * s7) * t + c2 * s5) * t + c1 * s3) * t + c0
        w *= c / b
        return w
    }

    /// `exp(x^2) erfc(x)` for `x > 0.5` (erfc1 with ind = 1): a rational
    /// function of x up to 4, of `1/x^2` beyond.
    @inline(__always)
    static func erfc1Scaled(_ x: Double) -> Double {
        if x <= 4 {
            let top = ((((((-1.36864857382717e-7 * x + 0.564195517478974) * x + 7.21175825088309) * x
                + 43.1622272220567) * x + 152.98928504694) * x + 339.320816734344) * x + 451.918953711873) * x
                + 300.459261020162
            let bot = ((((((1.0 * x + 12.7827273196294) * x + 77.0001529352295) * x + 277.585444743988) * x
                + 638.980264465631) * x + 931.35409485061) * x + 790.950925327898) * x + 300.459260956983
            return top / bot
        }
        let c = 0.564189583547756
        let r0 = 2.10144126479064, r1 = 26.2370141675169, r2 = 21.3688200555087
        let r3 = 4.6580782871847, r4 = 0.282094791773523
        let s0 = 94.153775055546, s1 = 187.11481179959, s2 = 99.0191814623914, s3 = 18.0124575948747
        let t = 1 / (x * x)
        let top = (((r0 * t + r1) * t + r2) * t + r3) * t + r4
        let bot = (((s0 * t + s1) * t + s2) * t + s3) * t + 1
        return (c - t * top / bot) / x
    }

    /// The tables below depend on the shape 1/2 alone, so they are built once
    /// for the process (never freed) and read through plain pointers.
    static func table(_ values: [Double]) -> UnsafePointer<Double> {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: values.count)
        p.initialize(from: values, count: values.count)
        return UnsafePointer(p)
    }

    /// How many of bpser's factors for `b = 1/2` are kept: enough for `x` up
    /// to 0.71 with `a` up to ~1e6 (about 100 terms), the longest series pt
    /// asks for; the loop forms later ones itself.
    static let halfShapeFactorCount = 160

    /// bpser's factors `0.5 - b/n + 0.5` (R's form of `1 - b/n`) for `b = 1/2`,
    /// `n = 1...halfShapeFactorCount`.
    nonisolated(unsafe) static let halfShapeFactors = table((1...halfShapeFactorCount).map { 0.5 - 0.5 / Double($0) + 0.5 })

    /// The coefficients `d_0..d_29` of bgrat's expansion for second shape
    /// `b = 1/2` (they depend on b alone): `c_n = c_{n-1}/((2n)(2n + 1))`,
    /// `d_n = (b - 1) c_n + (sum_{i=1}^{n-1} (b - n + (i - 1) b) c_{i-1} d_{n-1-i})/n`
    /// (1-based n as in R's loop).
    nonisolated(unsafe) static let expansionCoefficients = table(expansionCoefficientValues)

    static var expansionCoefficientValues: [Double] {
        let b = 0.5
        let bm1 = b - 0.5 - 0.5
        var c = [Double](repeating: 0, count: 30), d = [Double](repeating: 0, count: 30)
        var cn = 1.0, n2 = 0.0
        for n in 1...30 {
            n2 += 2
            cn /= n2 * (n2 + 1)
            let nm1 = n - 1
            c[nm1] = cn
            var s = 0.0
            if n > 1 {
                var coef = b - Double(n)
                for i in 1...nm1 {
                    s += coef * c[i - 1] * d[nm1 - i]
                    coef += b
                }
            }
            d[nm1] = bm1 * cn + s / Double(n)
        }
        return d
    }

    /// `(b + 2k)(b + 2k + 1)` for `b = 1/2`, `k = 0..<30`: the factor of `J_{k}`
    /// in bgrat's recurrence for `J_{k+1}`.
    nonisolated(unsafe) static let expansionProducts = table((0..<30).map { k in
        let bp2n = 0.5 + Double(2 * k)
        return bp2n * (bp2n + 1)
    })
}
