// limma's geneSetTest and wilcoxGST: a competitive test of whether the genes
// in a set rank higher than the others, by the rank-sum test or by sampling.

/// The alternative of `geneSetTest` (R's `alternative`; "less" is `.down`,
/// "greater" `.up`, "two.sided" `.either`).
public enum GeneSetAlternative: String, Sendable {
    case mixed, either, down, up
}

/// The kind of statistic (R's `type`): t-like (signed) or F-like
/// (non-negative); `.auto` is F-like when all statistics have one sign.
public enum GeneSetStatisticType: String, Sendable {
    case auto, t, f
}

/// limma's `geneSetTest(index, statistics, alternative, type, ranks.only = TRUE)`
/// and `wilcoxGST`: the Wilcoxon rank-sum test (limma's
/// `rankSumTestWithCorrelation` with zero correlation, normal tails) of the
/// set's statistics against all. `mixed` tests |statistic| upwards (one-sided
/// "greater"), `up`/`down` the signed statistic, `either` twice the smaller
/// tail. F-like statistics allow only `mixed`. Missing statistics are refused.
public func geneSetTest(_ index: [Int], statistics: [Double], alternative: GeneSetAlternative = .mixed,
                        type: GeneSetStatisticType = .auto) throws -> Double {
    let s = try GeneSetTest.prepare(index, statistics, alternative, type)
    if s.stat.contains(where: { $0.isNaN }) { throw LimmaError("geneSetTest", "statistics contain missing values") }
    let p = Camera.rankSumTestWithCorrelation(index, ranks: RBase.rank(s.stat), correlation: 0, df: .infinity)
    switch s.alternative {
    case .up, .mixed: return p.greater
    case .down: return p.less
    case .either: return 2 * rMin(p.less, p.greater)
    }
}

/// limma's `wilcoxGST(index, statistics, ...)`: `geneSetTest` by ranks.
public func wilcoxGST(_ index: [Int], statistics: [Double], alternative: GeneSetAlternative = .mixed,
                      type: GeneSetStatisticType = .auto) throws -> Double {
    try geneSetTest(index, statistics: statistics, alternative: alternative, type: type)
}

/// limma's `geneSetTest(..., ranks.only = FALSE, nsim)`: the set's mean
/// statistic (absolute value for `either`) against `nsim` means of random
/// sets of the same size drawn from all non-missing statistics with R's
/// `sample` from `rng`; p = (1 + #{simulated >= observed}) / (nsim + 1).
/// A set with no non-missing statistic gives 1, as R.
public func geneSetTest(_ index: [Int], statistics: [Double], alternative: GeneSetAlternative = .mixed,
                        type: GeneSetStatisticType = .auto, nsim: Int, rng: inout RRandom) throws -> Double {
    let s = try GeneSetTest.prepare(index, statistics, alternative, type)
    guard nsim >= 1 else { throw LimmaError("geneSetTest", "nsim must be a positive number of simulations") }
    let ssel = index.map { s.stat[$0] }.filter { !$0.isNaN }
    let nsel = ssel.count
    if nsel == 0 { return 1 }
    let stat = s.stat.filter { !$0.isNaN }
    let posstat: (Double) -> Double = s.alternative == .either ? { abs($0) } : { $0 }
    let msel = posstat(RBase.mean(ssel))
    var ntail = 1
    for _ in 0..<nsim {
        let pick = try rng.sampleInt(stat.count, size: nsel)
        if posstat(RBase.mean(pick.map { stat[$0] })) >= msel { ntail += 1 }
    }
    return Double(ntail) / Double(nsim + 1)
}

enum GeneSetTest {
    /// The statistics as geneSetTest transforms them (|x| for mixed, -x for
    /// down, which then tests up) and the alternative left to test.
    static func prepare(_ index: [Int], _ statistics: [Double], _ alternative: GeneSetAlternative,
                        _ type: GeneSetStatisticType) throws -> (stat: [Double], alternative: GeneSetAlternative) {
        let fn = "geneSetTest"
        if let bad = index.first(where: { $0 < 0 || $0 >= statistics.count }) {
            throw LimmaError(fn, "index has \(bad) (0-based), outside the \(statistics.count) statistics")
        }
        var t = type
        if t == .auto {
            let nonNeg = statistics.allSatisfy { $0 >= 0 }, nonPos = statistics.allSatisfy { $0 <= 0 }
            t = nonNeg || nonPos ? .f : .t
        }
        if t == .f && alternative != .mixed {
            throw LimmaError(fn, "Only alternative=\"mixed\" is possible with F-like statistics.")
        }
        switch alternative {
        case .mixed: return (statistics.map { abs($0) }, .mixed)
        case .down: return (statistics.map { -$0 }, .up)
        default: return (statistics, alternative)
        }
    }
}
