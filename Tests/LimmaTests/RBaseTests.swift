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
