// calcNormFactors' banded TMM path ordering genes by x = o*(1/(r/Nr)) and
// y = o*(r/Nr) (no logarithm before the trims' order statistics are
// located): inputs made to hit that ordering's edges, each compared bit for
// bit with the general path (and with TMM by its definition when small).
import Foundation
import Testing
@testable import Limma

@Suite struct TMMBandedScaleTests {
    typealias Uniform = TMMBandedTests.Uniform

    /// Counts with few distinct values (ties in q, y, M and A), for every
    /// trim of A from none to half.
    @Test func tiesInAAcrossSumTrims() {
        var u = Uniform(state: 23)
        var answered = 0, pairs = 0
        for n in [9000, 12001] {
            for distinct in [2.0, 3.0, 5.0, 40.0] {
                let ref = (0..<n).map { _ in (u.next() * distinct).rounded(.down) + 1 }
                let obs = (0..<n).map { g in ((u.next() * distinct).rounded(.down) + 1) * (g % 3 == 0 ? 2 : 1) }
                for sumTrim in [0.0, 0.01, 0.05, 0.1, 0.25, 0.49, 0.5] {
                    for trim in [0.3, 0.1] {
                        pairs += 1
                        if TMMBandedTests.check(obs, ref, logratioTrim: trim, sumTrim: sumTrim,
                                                "n \(n) distinct \(distinct) trims \(trim) \(sumTrim)") { answered += 1 }
                    }
                }
            }
        }
        #expect(answered > pairs / 3, "banded answered \(answered) of \(pairs)")
    }

    /// Library sizes 1, reference counts 2^k (k = 0 ... 7) for most genes,
    /// so y = o * r exactly. The sampled genes (every 16th, from the 8th)
    /// and most others have y spread over [1, 1001); about a tenth of the
    /// genes, none sampled, with r = 1, form one tie group in y placed
    /// relative to the lower y bracket's bound f1 so that A's 5% position
    /// falls in it. A's near window is then cut at f1, and when the group's
    /// A lies within 1e-9 of A at f1 the path must decline; 1e-8 above, it
    /// answers.
    @Test func aTieGroupAtItsWindowEdge() {
        let n = 16384
        func spread(_ g: Int) -> Double { TMMBandedTests.goldenSpread(g, from: 1, width: 1000) }
        let f1 = TMMBandedTests.sampledLowerBracket(spread, trim: 0.05) * (1 - 2 * 1e-7)
        for (offset, answers) in [(0, false), (1e-10, false), (5e-10, false), (1e-9, false), (1e-8, true), (5e-8, true),
                                  (3e-9, nil)] as [(Double, Bool?)] {
            let group = f1 * (1 + offset)
            var obs = [Double](repeating: 0, count: n), ref = [Double](repeating: 0, count: n)
            for g in 0..<n {
                if g % 16 != 8 && g % 9 == 0 {
                    obs[g] = group
                    ref[g] = 1
                } else {
                    ref[g] = Double(1 << ((g / 16) % 8))
                    obs[g] = spread(g) / ref[g]
                }
            }
            let (general, banded) = TMMBandedTests.bothPaths(obs: obs, ref: ref, nO: 1, nR: 1)
            if let answers { #expect((banded != nil) == answers, "offset \(offset)") }
            if let banded { #expect(banded.bitPattern == general.bitPattern, "offset \(offset)") }
        }
    }

    /// Library sizes and counts that take x, y, o/No or q out of the normal
    /// range (the path must decline or agree), counts of -0, zeros in both
    /// samples, non-integer counts and counts past the variance table.
    @Test func extremesAndOddCounts() {
        var u = Uniform(state: 31)
        let n = 9000
        let ref = (0..<n).map { _ in (Foundation.exp(u.next() * 9) * u.next()).rounded(.down) }
        let obs = ref.map { ($0 * 2 * u.next()).rounded(.down) }
        let sizes: [(Double, Double)] = [(1e-300, 1), (1, 1e-300), (1e300, 1), (1, 1e300), (1e-290, 1e-290), (1e290, 1e290),
                                         (1e-310, 1), (3, 7)]
        for (nO, nR) in sizes {
            TMMBandedTests.check(obs, ref, nO: nO, nR: nR, "library sizes \(nO) \(nR)")
        }
        let huge = obs.map { $0 * 1e280 }
        TMMBandedTests.check(huge, ref, "counts near 1e300")
        let tiny = obs.map { $0 * 1e-300 }
        TMMBandedTests.check(tiny, ref, "counts near 1e-300")
        var negativeZero = obs
        for g in stride(from: 0, to: n, by: 5) { negativeZero[g] = -0.0 }
        #expect(TMMBandedTests.check(negativeZero, ref, "counts of -0"))
        let fractional = obs.map { $0 + 0.5 }
        #expect(TMMBandedTests.check(fractional, ref, "non-integer counts"))
        let large = obs.map { $0 * 1000 + 8191 }
        #expect(TMMBandedTests.check(large, ref, "counts past the table"))
        let mixed: [Double] = (0..<n).map { (g: Int) -> Double in g % 2 == 0 ? obs[g] : obs[g] * 1e6 + 0.25 }
        let tripled: [Double] = ref.map { $0 * 3 }
        #expect(TMMBandedTests.check(mixed, tripled, "mixed counts"))
    }

    /// An `Acutoff` of -1100 or more sends every sample to the general path;
    /// below that the banded path answers and agrees.
    @Test func acutoffAtTheDeclineLimit() {
        var u = Uniform(state: 37)
        let n = 9000
        let ref = (0..<n).map { _ in (Foundation.exp(u.next() * 8) * u.next()).rounded(.down) + 1 }
        let obs = ref.map { ($0 * 2 * u.next()).rounded(.down) }
        let cuts: [Double] = [-1e10, (-1100.0).nextDown, -1100, -20, .infinity, -.infinity]
        for cut in cuts {
            let answered = TMMBandedTests.check(obs, ref, Acutoff: cut, "Acutoff \(cut)")
            #expect(answered == (cut < -1100), "Acutoff \(cut)")
        }
    }
}
