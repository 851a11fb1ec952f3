// The in-place forms (Matrix.keepRows, voom(releasing:)) give exactly what
// their copying forms give, whatever the thread count, and leave a shared
// storage as it was.
import Foundation
import Testing
@testable import Limma

@Suite("In place", .serialized)
struct InPlaceTests {
    static func bits(_ m: Matrix) -> [UInt64] { m.values.map { $0.bitPattern } }

    /// A matrix whose every value tells its row and column apart (and some
    /// values NaN, -0, infinite), so a misplaced value cannot go unseen.
    static func numbered(_ nrow: Int, _ ncol: Int) -> Matrix {
        var m = Matrix(nrow: nrow, ncol: ncol, rowNames: (0..<nrow).map { "r\($0)" }, colNames: (0..<ncol).map { "c\($0)" })
        for j in 0..<ncol {
            for i in 0..<nrow {
                m[i, j] = switch (i * 7 + j) % 97 {
                case 0: .nan
                case 1: -0.0
                case 2: .infinity
                default: Double(i) * 1000.5 + Double(j) / 3
                }
            }
        }
        return m
    }

    /// Kept sets: none, all, first, last, one in the middle, every other,
    /// a prefix, a suffix, a dense and a sparse pseudo-random choice.
    static func keptSets(_ n: Int) -> [[Int]] {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / 9007199254740992.0
        }
        var sets: [[Int]] = [[], Array(0..<n)]
        if n > 0 { sets += [[0], [n - 1], [n / 2], Array(stride(from: 0, to: n, by: 2)), Array(0..<(n / 3)), Array((n / 3)..<n)] }
        sets.append((0..<n).filter { _ in next() < 0.9 })
        sets.append((0..<n).filter { _ in next() < 0.1 })
        return sets
    }

    @Test("keepRows is rows(idx), bit for bit, at 1 and 2 threads; a shared storage is left as it was")
    func keepRowsMatchesRows() {
        defer { LimmaThreads.set(0) }
        for (nrow, ncol) in [(0, 3), (1, 1), (5, 1), (7, 3), (64, 40), (1000, 257), (3, 200), (40_000, 12)] {
            let m = Self.numbered(nrow, ncol)
            for idx in Self.keptSets(nrow) {
                let expected = m.rows(idx)
                for threads in [1, 2] {
                    LimmaThreads.set(threads)
                    var k = m          // shares m's storage: keepRows must copy first
                    k.keepRows(idx)
                    #expect(k.nrow == idx.count && k.ncol == ncol)
                    #expect(Self.bits(k) == Self.bits(expected), "\(nrow) x \(ncol), \(idx.count) kept, \(threads) threads")
                    #expect(k.rowNames == expected.rowNames && k.colNames == expected.colNames)
                    var u = Matrix(nrow: nrow, ncol: ncol, values: Array(m.values), rowNames: m.rowNames, colNames: m.colNames)
                    u.keepRows(idx)   // unshared: compacted in its own storage
                    #expect(Self.bits(u) == Self.bits(expected), "unshared \(nrow) x \(ncol), \(idx.count) kept, \(threads) threads")
                }
            }
            #expect(Self.bits(m) == Self.bits(Self.numbered(nrow, ncol)), "the shared original changed")
        }
    }

    @Test("DGEList.keepRows is y[keep, , keep.lib.sizes]: the kept rows, names and genes; lib sizes kept or R's colSums of the kept counts")
    func dgeListKeepRows() throws {
        defer { LimmaThreads.set(0) }
        var counts = ThreadingTests.syntheticCounts(genes: 5000, perGroup: 4)
        var nonInteger = counts
        nonInteger.values = nonInteger.values.map { $0 * 0.37 + 0.1 }   // long-double sums, not the exact-integer path
        counts[7, 2] = 1e17                                             // a column whose sum exceeds 2^53
        for m in [counts, nonInteger] {
            let genes = Annotation(names: ["symbol"], columns: [(0..<m.nrow).map { "sym\($0)" }])
            let y = DGEList(counts: m, normFactors: (0..<m.ncol).map { 1 + Double($0) / 10 }, genes: genes)
            for keep in Self.keptSets(m.nrow).map({ idx in
                var k = [Bool](repeating: false, count: m.nrow)
                for i in idx { k[i] = true }
                return k
            }) {
                let idx = keep.indices.filter { keep[$0] }
                let kept = m.rows(idx)
                for threads in [1, 2] {
                    LimmaThreads.set(threads)
                    var a = y
                    try a.keepRows(keep)
                    #expect(a.counts == kept && a.libSize == y.libSize && a.normFactors == y.normFactors)
                    #expect(a.genes == genes.rows(idx))
                    var b = y
                    try b.keepRows(keep, keepLibSizes: false)
                    #expect(b.counts == kept && b.normFactors == y.normFactors)
                    #expect(b.libSize.map(\.bitPattern) == RBase.colSums(kept).map(\.bitPattern), "\(idx.count) kept, \(threads) threads")
                }
            }
            #expect(y.counts == m, "the shared counts changed")
        }
        var y = DGEList(counts: counts)
        #expect { try y.keepRows([true, false]) } throws: {
            ($0 as? LimmaError)?.message.contains("keep has 2 entries for 5000 genes") == true
        }
    }

    @Test("What calcNormFactors found of the counts carries to voom and through keepRows, and any change to the counts forgets it")
    func checkedCountsCarryAndExpire() throws {
        var counts = ThreadingTests.syntheticCounts(genes: 2000, perGroup: 4)
        for j in 0..<8 { counts[11, j] = 0; counts[1500, j] = 0 }     // all-zero genes (left out of the trend)
        let design = Matrix(rows: (0..<8).map { j in j < 4 ? [1, 0] : [0, 1] }, colNames: ["A", "B"])
        let fresh = try calcNormFactors(DGEList(counts: counts))
        #expect(fresh.checkedCounts == positiveRows(counts))
        #expect(fresh == DGEList(counts: counts, normFactors: fresh.normFactors), "== ignores what was checked")
        let expected = try voom(counts, design: design, libSize: zip(fresh.libSize, fresh.normFactors).map { $0 * $1 })
        #expect(try voom(fresh, design: design) == expected)

        // keepRows keeps the kept rows' part; the result is the same as from scratch.
        let keep = (0..<2000).map { $0 % 3 != 1 }
        var kept = fresh
        try kept.keepRows(keep, keepLibSizes: false)
        let idx = keep.indices.filter { keep[$0] }
        #expect(kept.checkedCounts == positiveRows(counts.rows(idx)))
        let scratch = DGEList(counts: counts.rows(idx), libSize: kept.libSize, normFactors: kept.normFactors)
        #expect(try voom(kept, design: design) == voom(scratch, design: design))

        // A count changed after the check is checked again.
        var changed = fresh
        changed.counts[5, 2] = -1
        #expect(changed.checkedCounts == nil)
        #expect { try voom(changed, design: design) } throws: {
            ($0 as? LimmaError)?.message.contains("Negative counts not allowed") == true
        }
        var revived = fresh
        for j in 0..<8 { revived.counts[11, j] = 3 }                  // no longer all zero
        #expect(try voom(revived, design: design).voomXYRows?.contains(11) == true)
        var replaced = fresh
        replaced.counts = counts.rows(idx)
        #expect(replaced.checkedCounts == nil)
    }

    @Test("filterByExpr(filtering:) is filterByExpr then keepRows, and what it knows of the counts is positiveRows of the result")
    func filterByExprFiltering() throws {
        var counts = ThreadingTests.syntheticCounts(genes: 3000, perGroup: 5)
        for j in 0..<10 { counts[17, j] = 0 }
        let group = (0..<10).map { $0 < 5 ? "A" : "B" }
        let y = DGEList(counts: counts)
        for (minTotal, keepLib) in [(15.0, false), (15.0, true), (0.0, false)] {
            var w1 = [LimmaWarning](), w2 = [LimmaWarning]()
            let keep = try filterByExpr(y, group: group, minCount: minTotal == 0 ? 0 : 10, minTotalCount: minTotal, warnings: &w1)
            var expected = y
            try expected.keepRows(keep, keepLibSizes: keepLib)
            var filtered = y
            let k2 = try filterByExpr(filtering: &filtered, group: group, minCount: minTotal == 0 ? 0 : 10,
                                      minTotalCount: minTotal, keepLibSizes: keepLib, warnings: &w2)
            #expect(k2 == keep && w2 == w1 && filtered == expected)
            if minTotal > 0 {
                #expect(filtered.checkedCounts == positiveRows(filtered.counts))
            } else {
                #expect(filtered.checkedCounts == nil && keep[17], "with min.total.count 0 an all-zero gene may stay")
            }
        }
        var bad = y
        bad.counts[4, 4] = .nan
        let before = bad
        var w = [LimmaWarning]()
        #expect { try filterByExpr(filtering: &bad, group: group, keepLibSizes: false, warnings: &w) } throws: {
            ($0 as? LimmaError)?.message.contains("NA counts not allowed") == true
        }
        #expect(bad.counts.values.map(\.bitPattern) == before.counts.values.map(\.bitPattern), "a refused call leaves y as it was")
    }

    @Test("voom(releasing:) is voom(_:), bit for bit, and takes the counts only from its argument")
    func voomReleasingMatchesVoom() throws {
        defer { LimmaThreads.set(0) }
        var counts = ThreadingTests.syntheticCounts(genes: 3000, perGroup: 6)
        for g in stride(from: 5, to: 3000, by: 250) { for j in 0..<12 { counts[g, j] = 0 } }   // all-zero genes
        let design = Matrix(rows: (0..<12).map { j in j < 6 ? [1, 0] : [0, 1] }, colNames: ["A", "B"])
        let y = try calcNormFactors(DGEList(counts: counts))
        let expected = try voom(y, design: design)
        #expect(expected.voomXYRows == (0..<3000).filter { !($0 >= 5 && ($0 - 5) % 250 == 0) })
        for threads in [1, 2] {
            LimmaThreads.set(threads)
            var shared = y
            let v = try voom(releasing: &shared, design: design)
            #expect(v == expected)
            #expect(Self.bits(v.E) == Self.bits(expected.E) && v.weights.map(Self.bits) == expected.weights.map(Self.bits))
            #expect(shared.counts.nrow == 0 && shared.counts.values.isEmpty)
            #expect(y.counts == counts, "the DGEList sharing the counts changed")
            var alone = DGEList(counts: Matrix(nrow: counts.nrow, ncol: counts.ncol, values: Array(counts.values),
                                               rowNames: counts.rowNames, colNames: counts.colNames),
                                libSize: y.libSize, normFactors: y.normFactors)
            #expect(try voom(releasing: &alone, design: design) == expected)
        }
        // A bad count is refused before the counts are touched.
        var bad = y
        bad.counts[3, 4] = -1
        var released = bad
        #expect { try voom(releasing: &released, design: design) } throws: {
            ($0 as? LimmaError)?.message.contains("Negative counts not allowed") == true
        }
        #expect(released.counts == bad.counts, "a refused call keeps the counts")
    }
}
