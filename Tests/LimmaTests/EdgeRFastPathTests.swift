// The fast count-level paths (filterByExpr's one-pass scan, colSums in
// double, calcNormFactors' TMM kernel) against straightforward versions of
// the same arithmetic: results must agree bit for bit, and errors and
// warnings come in the same order.
import Foundation
import Testing
@testable import Limma

@Suite struct EdgeRFastPathTests {
    /// Deterministic test counts: integers from a 64-bit LCG with a spread of
    /// gene means, some all-zero rows, some zero cells; `fraction` of the
    /// cells (by position) replaced by non-integers, `huge` cells by 2^60.
    static func counts(genes: Int, samples: Int, seed: UInt64, fraction: Int = 0, huge: Int = 0) -> Matrix {
        var state = seed
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
        var m = Matrix(nrow: genes, ncol: samples)
        for g in 0..<genes {
            let base = g % 17 == 0 ? 0 : Foundation.exp(uniform() * 10 - 2)
            for j in 0..<samples {
                m[g, j] = (base * (0.5 + uniform())).rounded(.down)
            }
        }
        var k = 0
        while fraction > 0 && k < m.values.count { m.values[k] += 0.37; k += fraction }
        k = 5
        while huge > 0 && k < m.values.count { m.values[k] = 1152921504606846976; k += huge }
        return m
    }

    /// filterByExpr as it was computed before the one-pass scan: R's rowSums
    /// in long double, the CPM compare per sample.
    static func referenceKeep(_ counts: Matrix, lib: [Double], minSampleSize: Double,
                              minCount: Double = 10, minTotalCount: Double = 15) -> [Bool] {
        let cutoff = minCount / RBase.median(lib) * 1e6
        var keep = [Bool]()
        for i in 0..<counts.nrow {
            var total: RLongDouble = 0
            var above = 0
            for j in 0..<counts.ncol {
                total += RLongDouble(counts[i, j])
                if counts[i, j] * (1e6 / lib[j]) >= cutoff { above += 1 }
            }
            keep.append(Double(above) >= minSampleSize - 1e-14 && Double(total) >= minTotalCount - 1e-14)
        }
        return keep
    }

    static func referenceColSums(_ x: Matrix) -> [Double] {
        (0..<x.ncol).map { j in
            var s: RLongDouble = 0
            for i in 0..<x.nrow { s += RLongDouble(x[i, j]) }
            return Double(s)
        }
    }

    @Test func filterScanMatchesStraightforwardSums() throws {
        for (fraction, huge) in [(0, 0), (7, 0), (0, 997), (3, 101)] {
            let m = Self.counts(genes: 3001, samples: 9, seed: 42 &+ UInt64(fraction * 1000 + huge), fraction: fraction, huge: huge)
            let lib = Self.referenceColSums(m)
            #expect(RBase.colSums(m).map(\.bitPattern) == lib.map(\.bitPattern))
            let group = (0..<9).map { $0 < 4 ? "a" : "b" }
            #expect(try filterByExpr(m, group: group) == Self.referenceKeep(m, lib: lib, minSampleSize: 4))
            var w = [LimmaWarning]()
            #expect(try filterByExpr(DGEList(counts: m, libSize: lib), warnings: &w) == Self.referenceKeep(m, lib: lib, minSampleSize: 9))
            #expect(w.count == 1)
        }
    }

    @Test func colSumsOutsideTheExactCase() {
        // negative, non-integer, NaN (with and without na.rm) and huge columns
        let m = Matrix(nrow: 5, ncol: 5, values: [1, -2, 3, 4, 5,  0.1, 0.2, 0.3, 0.4, 0.5,  1, .nan, 3, 4, 5,
                                                  9007199254740991, 1, 1, 0, 0,  -0.0, -0.0, 0, 0, 0])
        #expect(RBase.colSums(m).map(\.bitPattern) == Self.referenceColSums(m).map(\.bitPattern))
        let naRM = RBase.colSums(m, naRM: true)
        #expect(naRM[2] == 13)
        #expect(RBase.colSums(Matrix(nrow: 0, ncol: 3)) == [0, 0, 0])
    }

    @Test func filterByExprErrorsComeInTheSameOrder() {
        var bad = Matrix(rows: [[1, 2, 3], [4, 5, .nan], [0, 1, 2]], rowNames: ["g1", "g2", "g3"], colNames: ["a", "b", "c"])
        // a bad count is reported before a bad argument, and no warning is given
        var w = [LimmaWarning]()
        #expect { try filterByExpr(DGEList(counts: bad), group: ["x"], warnings: &w) } throws: {
            ($0 as? LimmaError)?.message.contains("NA counts not allowed") == true
        }
        #expect { try filterByExpr(DGEList(counts: bad, libSize: [1, 2]), warnings: &w) } throws: {
            ($0 as? LimmaError)?.message.contains("NA counts not allowed") == true
        }
        #expect { try filterByExpr(DGEList(counts: bad), warnings: &w) } throws: {
            ($0 as? LimmaError)?.message.contains("NA counts not allowed") == true
        }
        #expect(w.isEmpty)
        // with valid counts: the argument's error, after the warning
        bad[1, 2] = 6
        #expect { try filterByExpr(DGEList(counts: bad, libSize: [10, 0, 5]), warnings: &w) } throws: {
            ($0 as? LimmaError)?.message.contains("library size of sample 2") == true
        }
        #expect(w == [LimmaWarning("filterByExpr", "All samples appear to belong to the same group.")])
        #expect { try filterByExpr(bad, group: ["x"]) } throws: {
            ($0 as? LimmaError)?.message.contains("group has 1 entries for 3 samples") == true
        }
    }

    /// edgeR's TMM factor by its definition: ranks (ties averaged) of M and
    /// A, the weighted mean over the kept genes in long double, in gene order.
    static func referenceTMM(obs: [Double], ref: [Double], nO: Double, nR: Double, logratioTrim: Double = 0.3,
                             sumTrim: Double = 0.05, doWeighting: Bool = true, Acutoff: Double = -1e10) -> Double {
        var logR = [Double](), absE = [Double](), v = [Double]()
        for g in obs.indices {
            let oP = obs[g] / nO, rP = ref[g] / nR
            let lr = log2(oP / rP), ae = (log2(oP) + log2(rP)) / 2
            guard lr.isFinite && ae.isFinite && ae > Acutoff else { continue }
            logR.append(lr)
            absE.append(ae)
            v.append((nO - obs[g]) / nO / obs[g] + (nR - ref[g]) / nR / ref[g])
        }
        if logR.allSatisfy({ abs($0) < 1e-6 }) { return 1 }
        let n = Double(logR.count)
        let loL = (n * logratioTrim).rounded(.down) + 1, hiL = n + 1 - loL
        let loS = (n * sumTrim).rounded(.down) + 1, hiS = n + 1 - loS
        let rM = RBase.rank(logR), rA = RBase.rank(absE)
        var num: RLongDouble = 0, den: RLongDouble = 0
        var kept = [Double]()
        for k in logR.indices where rM[k] >= loL && rM[k] <= hiL && rA[k] >= loS && rA[k] <= hiS {
            let a = logR[k] / v[k], b = 1 / v[k]
            if !a.isNaN { num += RLongDouble(a) }
            if !b.isNaN { den += RLongDouble(b) }
            kept.append(logR[k])
        }
        var f = doWeighting ? Double(num) / Double(den) : RBase.mean(kept, naRM: true)
        if f.isNaN { f = 0 }
        return RMath.pow(2, f)
    }

    static func scaled(_ f: [Double]) -> [Double] {
        let g = Foundation.exp(RBase.mean(f.map { Foundation.log($0) }))
        return f.map { $0 / g }
    }

    @Test func tmmMatchesItsDefinition() throws {
        // 12,000 genes (the sampled order statistics), 2,000 (selection on
        // all values); integer counts with many ties, and some non-integer
        // and large (beyond the log2 table) counts.
        for (genes, fraction, huge) in [(12000, 0, 0), (12000, 11, 0), (2000, 0, 0), (12000, 0, 53)] {
            let m = Self.counts(genes: genes, samples: 5, seed: 7 &+ UInt64(genes + fraction + huge), fraction: fraction, huge: huge)
            let lib = Self.referenceColSums(m)
            for ref in [0, 3] {
                for (trim, weighting) in [(0.3, true), (0.2, false)] {
                    var w = [LimmaWarning]()
                    let f = try calcNormFactors(m, refColumn: ref, logratioTrim: trim, doWeighting: weighting, warnings: &w)
                    let expected = Self.scaled((0..<5).map { j in
                        Self.referenceTMM(obs: m.column(j), ref: m.column(ref), nO: lib[j], nR: lib[ref],
                                          logratioTrim: trim, doWeighting: weighting)
                    })
                    #expect(f.map(\.bitPattern) == expected.map(\.bitPattern), "genes \(genes) fraction \(fraction) huge \(huge) ref \(ref)")
                }
            }
            // upper quartile: RBase.quantile per column, without the all-zero rows
            let nonzero = m.rows((0..<genes).filter { g in (0..<5).contains { m[g, $0] > 0 } })
            for p in [0.75, 0.9, 0.5] {
                var w = [LimmaWarning]()
                let f = try calcNormFactors(m, method: .upperquartile, p: p, warnings: &w)
                let expected = Self.scaled((0..<5).map { j in RBase.quantile(nonzero.column(j), [p])[0] / lib[j] })
                #expect(f.map(\.bitPattern) == expected.map(\.bitPattern), "upper quartile p \(p)")
            }
        }
    }

    @Test func sampledTrimBoundsKeepWhatAverageRanksKeep() {
        var state: UInt64 = 99
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
        // continuous values, heavy ties, and a block of equal values across a bound
        let n = 20000
        let sets: [[Double]] = [
            (0..<n).map { _ in uniform() * 10 - 5 },
            (0..<n).map { _ in (uniform() * 20).rounded(.down) },
            (0..<n).map { i in i % 3 == 0 ? 1.5 : uniform() },
        ]
        for x in sets {
            let r = RBase.rank(x)
            for trim in [0.05, 0.3, 0.5] {
                let lo = (Double(n) * trim).rounded(.down) + 1, hi = Double(n) + 1 - lo
                let bounds = TrimBounds(x, lo: lo, hi: hi)
                #expect(x.indices.map { bounds.keeps(x[$0]) } == r.map { $0 >= lo && $0 <= hi })
            }
        }
    }
}
