// TMM below 8,192 genes: the banded path (from 2,048 genes on) and the
// general path's order statistics (`TrimBounds.selectAll` by
// `selectCounting`) against TMM by its definition and against each other,
// bit for bit, on pasilla's low counts (many tied M and A values) and on
// made-up values with ties at the bounds.
import Foundation
import Testing
@testable import Limma

@Suite struct TMMSmallSizesTests {
    /// TrimBounds without a sample (fewer than 8 sample sizes of values)
    /// keeps what R's average ranks keep, at every small size, with heavy
    /// ties, a tie group across a bound, -0 and +0, huge and tiny values.
    @Test func unsampledTrimBoundsKeepWhatAverageRanksKeep() {
        var u = TMMBandedTests.Uniform(state: 5)
        for n in [1, 2, 3, 4, 16, 17, 18, 100, 1000, 2047, 2048, 2049, 4097, 8191] {
            let sets: [[Double]] = [
                (0..<n).map { _ in u.next() * 10 - 5 },
                (0..<n).map { _ in (u.next() * 6).rounded(.down) },
                (0..<n).map { i in i % 3 == 0 ? 1.5 : u.next() },
                (0..<n).map { i in i % 2 == 0 ? -0.0 : (i % 5 == 0 ? 0.0 : (u.next() < 0.5 ? 1e300 : -1e-300)) },
                (0..<n).map { i in Double((n - i) / 4) },
                [Double](repeating: 2.25, count: n),
            ]
            for (s, x) in sets.enumerated() {
                let r = RBase.rank(x)
                for trim in [0.0, 0.05, 0.3, 0.45, 0.5] {
                    let lo = (Double(n) * trim).rounded(.down) + 1, hi = Double(n) + 1 - lo
                    let bounds = TrimBounds(x, lo: lo, hi: hi)
                    #expect(x.indices.map { bounds.keeps(x[$0]) } == r.map { $0 >= lo && $0 <= hi },
                            "n \(n) set \(s) trim \(trim)")
                }
            }
        }
    }

    /// pasilla's counts filtered as pasilla-voom filters them (filterByExpr
    /// by condition): 7,919 genes, 7 samples.
    static func pasillaFiltered() throws -> Matrix {
        let m = try MatrixReader.read(RLive.path("reference/data/pasilla/counts.csv.gz")).matrix
        let targets = try Targets.read(RLive.path("reference/data/pasilla/targets.csv")).matched(to: m.colNames ?? [])
        let keep = try filterByExpr(m, group: targets.column("condition")!)
        return m.rows(keep.indices.filter { keep[$0] })
    }

    /// pasilla's filtered counts (7,919 genes, 7 samples): every sample
    /// against each of two references, on the first g genes for sizes about
    /// the banded path's threshold and on all genes, both paths; the general
    /// path against the definition where it is cheap enough.
    @Test func pasillaSubsetsBothPaths() throws {
        let m = try Self.pasillaFiltered()
        var answered = 0
        for genes in [64, 300, 1000, 2047, 2048, 3001, 5000, m.nrow] {
            let sub = m.rows(Array(0..<genes))
            let lib = EdgeRFastPathTests.referenceColSums(sub)
            for ref in [0, 4] {
                for j in 0..<sub.ncol where j != ref {
                    let obs = sub.column(j), r = sub.column(ref)
                    for (trim, sumTrim, weighting) in [(0.3, 0.05, true), (0.2, 0.1, false)] {
                        let (general, banded) = TMMBandedTests.bothPaths(obs: obs, ref: r, nO: lib[j], nR: lib[ref],
                                                                         logratioTrim: trim, sumTrim: sumTrim,
                                                                         doWeighting: weighting)
                        let label = "genes \(genes) ref \(ref) sample \(j) trim \(trim)"
                        if let banded {
                            answered += 1
                            #expect(banded.bitPattern == general.bitPattern, "\(label)")
                        }
                        if genes <= 3001 || (j == 1 && trim == 0.3) {
                            let expected = EdgeRFastPathTests.referenceTMM(obs: obs, ref: r, nO: lib[j], nR: lib[ref],
                                                                           logratioTrim: trim, sumTrim: sumTrim,
                                                                           doWeighting: weighting)
                            #expect(general.bitPattern == expected.bitPattern, "\(label) (definition)")
                        }
                    }
                }
            }
        }
        // The banded path must answer for most of these pairs to be tested at all.
        #expect(answered > 150)
    }

    /// calcNormFactors on pasilla's filtered counts (banded path) against
    /// the definition, every sample, both references R would pick.
    @Test func pasillaFactorsMatchTheDefinition() throws {
        let m = try Self.pasillaFiltered()
        let lib = EdgeRFastPathTests.referenceColSums(m)
        for ref in [0, 3, 6] {
            var w = [LimmaWarning]()
            let f = try calcNormFactors(m, refColumn: ref, warnings: &w)
            let expected = EdgeRFastPathTests.scaled((0..<m.ncol).map { j in
                EdgeRFastPathTests.referenceTMM(obs: m.column(j), ref: m.column(ref), nO: lib[j], nR: lib[ref])
            })
            #expect(f.map(\.bitPattern) == expected.map(\.bitPattern), "ref \(ref)")
        }
    }
}
