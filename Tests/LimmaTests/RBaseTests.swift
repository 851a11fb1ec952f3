import Testing
@testable import Limma

/// R's base arithmetic (long-double accumulation, type-7 quantiles, stable
/// order, average ranks) against live R: these must agree exactly.
@Suite(.enabled(if: RLive.available)) struct RBaseTests {
    @Test func sumsMeansQuantilesAgreeExactlyWithR() throws {
        let dir = try RLive.run("rbase.R")
        let x = try RLive.matrix(dir, "x.csv").matrix
        #expect(RBase.rowMeans(x, naRM: true) == (try RLive.vector(dir, "rowMeans.csv")))
        #expect(RBase.rowSums(x, naRM: true) == (try RLive.vector(dir, "rowSums.csv")))
        #expect(RBase.colMeans(x, naRM: true) == (try RLive.vector(dir, "colMeans.csv")))
        let v = x.column(0)
        let s = try RLive.vector(dir, "summaries.csv")
        let mine = [RBase.mean(v, naRM: true), RBase.sum(v, naRM: true), RBase.median(v, naRM: true)]
            + RBase.quantile(v, [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1], naRM: true)
        #expect(mine == s)
    }

    @Test func rankAndOrderMatchR() throws {
        let dir = try RLive.run("rbase.R")
        let r: [Double] = [3, 1, 2, 3, .nan, 1, 5, 2, 2]
        let rank = RBase.rank(r)
        let rRank = try RLive.vector(dir, "rank.csv")
        #expect(rank.count == rRank.count)
        for (a, b) in zip(rank, rRank) { #expect(a == b || (a.isNaN && b.isNaN)) }
        #expect(RBase.order(r).map { Double($0 + 1) } == (try RLive.vector(dir, "order.csv")))
        #expect(RBase.order(r, decreasing: true).map { Double($0 + 1) } == (try RLive.vector(dir, "order_dec.csv")))
    }
}

/// The selection-based order statistics, `topOrder` and the TMM trimming
/// bounds must give exactly what the sorting and ranking they replace give
/// (no R needed: the references are the stable sort, `order` and `rank`).
@Suite("RBase selection") struct RBaseSelectionTests {
    /// `which` is the indices of the true entries, in order: empty, all
    /// false, all true, and random masks of every density.
    @Test func whichIsTheTrueIndices() {
        var g = SplitMix64(s: 11)
        var masks: [[Bool]] = [[], [false], [true], [Bool](repeating: false, count: 9), [Bool](repeating: true, count: 9)]
        for n in [1, 2, 7, 64, 1000, 14599] {
            for density in [0.01, 0.5, 0.54, 0.99] { masks.append((0..<n).map { _ in g.uniform() < density }) }
        }
        for m in masks { #expect(RBase.which(m) == m.indices.filter { m[$0] }) }
    }

    /// Deterministic values with many ties, zeros of both signs and some NaNs.
    static func data(_ n: Int, seed: UInt64, nans: Bool = true) -> [Double] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            let r = Int((s >> 33) % 23)
            if nans && r == 0 { return .nan }
            if r == 1 { return -0.0 }
            if r == 2 { return 0.0 }
            return Double(Int((s >> 40) % 9) - 4) / 2
        }
    }

    @Test func orderStatisticsEqualTheStableSort() {
        for n in [1, 2, 3, 7, 40, 257] {
            for seed in 1...5 as ClosedRange<UInt64> {
                let x = Self.data(n, seed: seed, nans: false)
                let sorted = x.sorted()
                for k in 0..<n {
                    var v = x
                    let got = RBase.orderStatistics(&v, [k], original: x)[0]
                    #expect(got.bitPattern == sorted[k].bitPattern)
                }
                if n >= 2 {
                    var v = x
                    let two = RBase.orderStatistics(&v, [n / 3, n - 1], original: x)
                    #expect(two.map(\.bitPattern) == [sorted[n / 3], sorted[n - 1]].map(\.bitPattern))
                }
            }
        }
    }

    @Test func medianAndQuantileEqualTheSortingForms() {
        func oldMedian(_ x: [Double]) -> Double {
            let v = x.filter { !$0.isNaN }.sorted()
            if v.isEmpty { return .nan }
            return v.count % 2 == 1 ? v[v.count / 2] : RBase.mean([v[v.count / 2 - 1], v[v.count / 2]])
        }
        func oldQuantile(_ x: [Double], _ p: Double) -> Double {
            let v = x.filter { !$0.isNaN }.sorted()
            let index = 1 + Double(v.count - 1) * p
            let lo = Int(index.rounded(.down)), hi = Int(index.rounded(.up))
            var q = v[lo - 1]
            if index > Double(lo) && v[hi - 1] != q { let h = index - Double(lo); q = (1 - h) * q + h * v[hi - 1] }
            return q
        }
        let probs = [0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1]
        for n in [1, 2, 5, 64, 301] {
            for seed in 1...4 as ClosedRange<UInt64> {
                let x = Self.data(n, seed: seed)
                #expect(RBase.median(x, naRM: true).bitPattern == oldMedian(x).bitPattern)
                if x.allSatisfy({ $0.isNaN }) { continue }
                let q = RBase.quantile(x, probs, naRM: true)
                #expect(q.map(\.bitPattern) == probs.map { oldQuantile(x, $0).bitPattern })
                let many = (0...20).map { Double($0) / 20 }
                #expect(RBase.quantile(x, many, naRM: true).map(\.bitPattern) == many.map { oldQuantile(x, $0).bitPattern })
            }
        }
        #expect(RBase.median([1, .nan, 2]).isNaN)
        #expect(RBase.quantile([1, .nan], [0.5])[0].isNaN)
    }

    @Test func topOrderIsThePrefixOfOrder() {
        for n in [1, 10, 100, 1000] {
            for seed in 1...3 as ClosedRange<UInt64> {
                let x = Self.data(n, seed: seed)
                for k in [0, 1, 2, n / 8, n / 4, n] {
                    for dec in [false, true] {
                        #expect(RBase.topOrder(x, k, decreasing: dec) == Array(RBase.order(x, decreasing: dec).prefix(k)))
                    }
                }
            }
        }
    }

    @Test func trimBoundsKeepWhatAverageRanksKeep() {
        for n in [1, 2, 3, 10, 97, 500] {
            for seed in 1...4 as ClosedRange<UInt64> {
                let x = Self.data(n, seed: seed, nans: false)
                let r = RBase.rank(x)
                let nd = Double(n)
                for trim in [-0.1, 0, 0.05, 0.3, 0.5, 0.7, 1.2] {
                    let lo = (nd * trim).rounded(.down) + 1, hi = nd + 1 - lo
                    let bounds = TrimBounds(x, lo: lo, hi: hi)
                    #expect(x.indices.map { bounds.keeps(x[$0]) } == r.map { $0 >= lo && $0 <= hi })
                }
            }
        }
    }
}
