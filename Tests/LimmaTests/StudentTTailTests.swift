import Foundation
import Testing
import CRmath
@testable import Limma

/// `StudentTTail` must return libRmath's `pt` bit for bit, on every input: the
/// reference is `rmath_pt` itself (R 4.2.2's nmath, linked as libRmath).
@Suite("Student t tail vs libRmath pt") struct StudentTTailTests {
    typealias Rng = SplitMix64

    /// The shipped cases' df.total values, df around the branch points of R's
    /// pt/bratio (df/2 = 1/5, 1/2, 1, 8, 15), integers and large values.
    static let dfValues: [Double] = {
        var d: [Double] = [12.717059484255417, 11.370457170330665, 9.4895127549463432, 10.483710477584669,
                           16.583850936908807, 16.061520888901072, 16.448306170290149, 15.71764163616422,
                           15.86188900320891, 15.814421335852078, 15.987586539494412, 15.749427130119471,
                           15.884879633527516, 35.938813464376594, 129.24837113709933]
        for b in [0.4, 1.0, 2.0, 16.0, 30.0, 0.2, 1e12] {
            d += [b.nextDown.nextDown, b.nextDown, b, b.nextUp, b.nextUp.nextUp]
        }
        d += (1...40).map(Double.init)
        d += [0.5, 0.75, 1.5, 2.5, 3.5, 7.9, 8.1, 14.5, 29.9, 30.1, 31, 45.5, 50, 64, 99.5, 100, 250, 1000, 1234.5,
              1e4, 31676, 1e5, 4e5, 4e5 + 1, 1e6, 1e7, 1e9, 1e11, 0.1, 1e-3, 1e-20, 5e-324, 1e13, 1e300,
              .infinity, .nan, 0, -1]
        var rng = Rng(s: 2024)
        for _ in 0..<40 { d.append(rng.logUniform(0.3, 2e12)) }
        for _ in 0..<20 { d.append(rng.logUniform(2, 60)) }
        return d
    }()

    /// |t| where the path through pt and bratio changes for `df`: df = t^2,
    /// p = t^2/(df + t^2) at 0.1 and 0.29, p df/2 = 0.49, bgrat's z = 1/4 (for
    /// both of its first shapes), nx = 1e100.
    static func boundaries(_ n: Double) -> [Double] {
        var out = [n.squareRoot(), (1e100 * n).squareRoot(), (1e100 * n).squareRoot() * 0.999999]
        func fromP(_ p: Double) -> Double { (n * p / (1 - p)).squareRoot() }
        out += [fromP(0.1), fromP(0.29), fromP(0.49 / (n / 2)), fromP(0.5)]
        for bigA in [n / 2, n / 2 + 20] {
            let nu = bigA - 0.25
            out.append(fromP(-expm1(-0.25 / nu)))
        }
        return out.filter { $0.isFinite && $0 > 0 }
    }

    /// Compares both entry points with rmath_pt for one df and a list of |t|
    /// (each taken with both signs); returns the number of inputs the fast path
    /// evaluated itself.
    static func check(_ df: Double, _ ts: [Double], _ failures: inout [String]) -> Int {
        let tail = StudentTTail(df: df)
        var fast = 0
        for t0 in ts {
            for t in [t0, -t0] {
                let want = rmath_pt(-Swift.abs(t), df, 1, 0)
                let got = tail.lowerTailOfNegativeAbs(t)
                if got.bitPattern != want.bitPattern && failures.count < 20 {
                    failures.append("pt(-|\(t)|, \(df)): \(got) vs R \(want)")
                }
                let wantU = rmath_pt(t, df, 0, 0)
                let gotU = tail.upperTail(t)
                if gotU.bitPattern != wantU.bitPattern && failures.count < 20 {
                    failures.append("pt(\(t), \(df), upper): \(gotU) vs R \(wantU)")
                }
            }
            if tail.twoSidedTail(Swift.abs(t0)) != nil { fast += 1 }
        }
        return fast
    }

    /// Each df: |t| log-uniform over 1e-300..1e300, uniform over 0..10 and
    /// 0..3 sqrt(df), the special values, and 40 ulps either side of every
    /// branch point.
    @Test func matchesRmathAcrossDfAndT() {
        var failures: [String] = []
        var rng = Rng(s: 7)
        var total = 0, fast = 0
        for df in Self.dfValues {
            var ts: [Double] = [0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .leastNormalMagnitude,
                                .greatestFiniteMagnitude, 1e-300, 1e-160, 1e-150, 1e-20, 1, 1e20, 1e150, 1e160, 1e300]
            for _ in 0..<300 { ts.append(rng.logUniform(1e-300, 1e300)) }
            for _ in 0..<1500 { ts.append(rng.uniform() * 10) }
            if df.isFinite && df > 0 {
                let r = df.squareRoot()
                for _ in 0..<1500 { ts.append(rng.uniform() * 3 * r) }
                for b in Self.boundaries(df) {
                    var up = b, down = b
                    for _ in 0..<40 {
                        ts.append(up); ts.append(down)
                        up = up.nextUp; down = down.nextDown
                    }
                    for k in 1...20 {
                        let e = Double(k) * 1e-9
                        ts.append(b * (1 + e)); ts.append(b * (1 - e))
                    }
                }
            }
            total += ts.count
            fast += Self.check(df, ts, &failures)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        // The comparison must exercise the port, not only the fallback.
        #expect(Double(fast) > 0.8 * Double(total), "fast path took \(fast) of \(total)")
    }

    /// Many statistics for the shipped df values and random df: the bulk of
    /// the inputs eBayes sees, |t| spread as moderated t-statistics are.
    @Test func matchesRmathOnManyStatistics() {
        var failures: [String] = []
        var rng = Rng(s: 99)
        var dfs = Array(Self.dfValues.prefix(15))
        for _ in 0..<30 { dfs.append(rng.logUniform(0.4, 1e7)) }
        for _ in 0..<30 { dfs.append(2 + rng.uniform() * 40) }
        for df in dfs {
            var ts = [Double]()
            ts.reserveCapacity(12000)
            for _ in 0..<6000 { ts.append(rng.uniform() * 6) }
            for _ in 0..<6000 { ts.append(rng.logUniform(1e-3, 1e3)) }
            _ = Self.check(df, ts, &failures)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// pf(f, 1, df, upper), which calls the same beta ratios: f = t^2 over the
    /// same |t| as the pt comparison (boundaries included), f near df, and
    /// special values; the per-gene form also with a df2 that is not the
    /// gene's df.
    @Test func fTestOfOneCoefficientMatchesRmath() {
        var failures: [String] = []
        var rng = Rng(s: 23)
        var total = 0, fast = 0
        for df in Self.dfValues {
            let tail = StudentTTail(df: df)
            var fs: [Double] = [0, -0.0, -1, .nan, .infinity, .leastNonzeroMagnitude, 1e-300, 1, 1e300, .greatestFiniteMagnitude]
            for _ in 0..<300 { fs.append(rng.logUniform(1e-300, 1e300)) }
            for _ in 0..<800 { let t = rng.uniform() * 10; fs.append(t * t) }
            if df.isFinite && df > 0 {
                for _ in 0..<800 { let t = rng.uniform() * 3 * df.squareRoot(); fs.append(t * t) }
                for b in Self.boundaries(df) + [df.squareRoot()] {
                    var up = b, down = b
                    for _ in 0..<20 { fs += [up * up, down * down]; up = up.nextUp; down = down.nextDown }
                }
                var up = df, down = df
                for _ in 0..<20 { fs += [up, down]; up = up.nextUp; down = down.nextDown }
            }
            for f in fs {
                let want = rmath_pf(f, 1, df, 0, 0)
                let got = tail.upperTailOfF(f)
                if got.bitPattern != want.bitPattern && failures.count < 20 {
                    failures.append("pf(\(f), 1, \(df), upper): \(got) vs R \(want)")
                }
                if tail.upperTailOfFIfFast(f) != nil { fast += 1 }
            }
            total += fs.count
        }
        let byGene = StudentTTailsByGene(df: [12.5, 12.5, 7, 30])
        for (i, df2) in [(0, 12.5), (0, 13.0), (2, 7.0), (3, 30.0), (3, 31.0)] {
            for _ in 0..<300 {
                let f = rng.logUniform(1e-3, 1e3)
                #expect(byGene.upperTailOfF(f, df2: df2, gene: i).bitPattern == rmath_pf(f, 1, df2, 0, 0).bitPattern)
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(Double(fast) > 0.7 * Double(total), "fast path took \(fast) of \(total)")
    }

    /// The per-gene lookup: a df shared by several genes, a df only one gene
    /// has, NaN, 0 and infinite df, one shared df for all genes, and no genes.
    @Test func perGeneTailsMatchRmath() {
        var rng = Rng(s: 5)
        let shared = [9.4895127549463432, 9.4895127549463432, 30.5, 30.5, 30.5, 4.25, .nan, 0, .infinity, 4.25, 17, 1e6, 1e6]
        for df in [shared, [Double](repeating: 12.717059484255417, count: 9), [0.3, 0.3], []] {
            let tails = StudentTTailsByGene(df: df)
            for (i, d) in df.enumerated() {
                for _ in 0..<400 {
                    let t = (rng.uniform() - 0.5) * 12
                    #expect(tails.lowerTailOfNegativeAbs(t, gene: i).bitPattern == rmath_pt(-Swift.abs(t), d, 1, 0).bitPattern)
                    #expect(tails.upperTail(t, gene: i).bitPattern == rmath_pt(t, d, 0, 0).bitPattern)
                }
            }
        }
    }

    /// The expansion decides where to stop with `w/u` in place of R's
    /// `exp(log(w) - log u)` unless a test falls within a relative 1e-10 of its
    /// bound: the two agree to a relative 1e-12 for normal w, u and quotient
    /// (glibc's log and exp, the ones both sides call).
    @Test func quotientAgreesWithTheLogForm() {
        var rng = Rng(s: 11)
        var worst = 0.0
        for _ in 0..<200_000 {
            let w = rng.logUniform(1e-307, 1e307)
            let logU = (rng.uniform() - 0.5) * 1400
            let u = exp(logU)
            let q = w / u
            guard u >= Double.leastNormalMagnitude, q >= Double.leastNormalMagnitude, q <= Double.greatestFiniteMagnitude
            else { continue }
            let r = exp(log(w) - logU)
            worst = Swift.max(worst, Swift.abs(q - r) / r)
        }
        #expect(worst < 1e-12, "worst relative difference \(worst)")
    }

    /// The expansion's coefficients for b = 1/2 are finite, and its first
    /// recurrence factor is (1/2)(3/2).
    @Test func expansionCoefficientsAreFinite() {
        let d = TOMS708.expansionCoefficientValues
        #expect(d.count == 30 && d.allSatisfy { $0.isFinite })
        #expect(TOMS708.expansionProducts[0] == 0.75)
    }
}
