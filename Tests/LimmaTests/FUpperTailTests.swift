import Foundation
import Testing
import CRmath
@testable import Limma

/// `FUpperTail` must return libRmath's `pf(f, df1, df2, lower.tail = FALSE)`
/// bit for bit on every input; the reference is `rmath_pf` itself.
@Suite("F upper tail vs libRmath pf") struct FUpperTailTests {
    typealias Rng = SplitMix64

    /// df pairs whose half-values reach every branch of betaln (smaller shape
    /// below 2, 2..8 with the larger up to 1e3 or beyond, 8 and above; larger
    /// shape at most 2, below 8, 8 and above), bratio's b0 = 40 (df 80), the
    /// shipped cases' df, and values where the fast path must step aside.
    static let dfPairs: [(Double, Double)] = {
        var d: [(Double, Double)] = []
        let df1s: [Double] = [2, 2.0000000000000004, 2.5, 3, 3.8, 4, 5, 7, 10, 16, 17.5, 40, 79.99, 80, 80.01, 120, 1000]
        let df2s: [Double] = [2, 2.0000000000000004, 3, 3.9, 9.4895127549463432, 10.483710477584669, 16.583850936908807,
                              15.987586539494412, 35.938813464376594, 129.24837113709933, 16, 17, 80, 2500, 1e6, 1e12, 2e12]
        for a in df1s { for b in df2s { d.append((a, b)) } }
        d += [(.nan, 5), (5, .nan), (.infinity, 5), (5, .infinity), (0, 5), (-1, 5), (1, 5), (5, 1)]
        return d
    }()

    @Test func matchesRmathAcrossDfAndF() {
        var rng = Rng(s: 3)
        var failures: [String] = []
        var total = 0, fast = 0
        for (df1, df2) in Self.dfPairs {
            let tail = FUpperTail(df1: df1, df2: df2)
            var fs: [Double] = [0, -0.0, -1, .nan, .infinity, .leastNonzeroMagnitude, .leastNormalMagnitude, 1e-300,
                                1e-20, 1, 1e20, 1e300, .greatestFiniteMagnitude]
            for _ in 0..<300 { fs.append(rng.logUniform(1e-300, 1e300)) }
            for _ in 0..<500 { fs.append(rng.logUniform(1e-4, 1e4)) }
            for _ in 0..<300 { fs.append(rng.uniform() * 10) }
            if df1.isFinite && df2.isFinite && df1 > 0 && df2 > 0 {
                // df1 f = df2; lambda = 0 (f = 1 for either orientation's x = a/(a + b));
                // b0 x0 = 0.7 for each shape as b0.
                var edges = [df2 / df1, 1.0]
                for b0 in [df1 / 2, df2 / 2] {
                    let x0 = 0.7 / b0
                    if x0 < 1 {
                        edges.append(df2 * (1 - x0) / (df1 * x0))
                        edges.append(df2 * x0 / (df1 * (1 - x0)))
                    }
                }
                for e in edges where e.isFinite && e > 0 {
                    var up = e, down = e
                    for _ in 0..<30 { fs += [up, down]; up = up.nextUp; down = down.nextDown }
                    for k in 1...10 { fs += [e * (1 + Double(k) * 1e-9), e * (1 - Double(k) * 1e-9)] }
                }
            }
            for f in fs {
                let want = rmath_pf(f, df1, df2, 0, 0)
                let got = tail.upperTail(f)
                if got.bitPattern != want.bitPattern && failures.count < 20 {
                    failures.append("pf(\(f), \(df1), \(df2), upper): \(got) vs R \(want)")
                }
                if tail.fastUpperTail(f) != nil { fast += 1 }
            }
            total += fs.count
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(Double(fast) > 0.3 * Double(total), "fast path took \(fast) of \(total)")
    }

    /// The log-beta constant for shapes drawn at random over 1..1e6 (every
    /// branch), through bpser's prefactor: pf for random df pairs and f.
    @Test func matchesRmathForRandomDf() {
        var rng = Rng(s: 17)
        var failures: [String] = []
        for _ in 0..<300 {
            let df1 = 2 + rng.logUniform(1e-3, 1e5), df2 = 2 + rng.logUniform(1e-3, 1e6)
            let tail = FUpperTail(df1: df1, df2: df2)
            for _ in 0..<200 {
                let f = rng.logUniform(1e-3, 1e5)
                let want = rmath_pf(f, df1, df2, 0, 0)
                if tail.upperTail(f).bitPattern != want.bitPattern && failures.count < 20 {
                    failures.append("pf(\(f), \(df1), \(df2), upper): \(tail.upperTail(f)) vs R \(want)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
