import Testing
import Foundation
@testable import Limma

/// voom's per-observation passes against their plain definitions, bit for
/// bit: the log-CPM pass (with its per-column memo of whole counts), the
/// weights (shared `2^f` per distinct design row, gene blocks, samples by
/// library size, hinted trend lookups) and `ApproxLookup`'s hinted search.
@Suite struct VoomWeightsTests {
    struct Rng {
        var state: UInt64
        mutating func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
    }

    /// Knots: sorted, distinct, with one- and two-knot cases, and queries at,
    /// between, below and above the knots.
    @Test func hintedLookupMatchesApproxFun() throws {
        var rng = Rng(state: 0xFEED)
        for trial in 0..<60 {
            let n = [2, 3, 5, 17, 200, 3000][trial % 6]
            var xs = (0..<n).map { _ in rng.uniform() * 20 - 5 }
            xs.sort()
            for k in 1..<n where !(xs[k] > xs[k - 1]) { xs[k] = xs[k - 1].nextUp }
            let ys = (0..<n).map { _ in rng.uniform() * 3 }
            let f = try approxfun(x: xs, y: ys, rule: 2, ordered: true)
            let lookup = ApproxLookup(f)
            var queries = [Double]()
            for _ in 0..<2000 { queries.append(rng.uniform() * 26 - 8) }
            queries += xs + xs.map { $0.nextUp } + xs.map { $0.nextDown } + [.nan, -.infinity, .infinity]
            // Sorted runs (as for one gene) and random order, random hints.
            let sortedRun = queries.filter { !$0.isNaN }.sorted()
            lookup.withEvaluator { ev in
                for seq in [queries, sortedRun, sortedRun.reversed()] {
                    var hint = -1
                    for (k, v) in seq.enumerated() {
                        if k % 97 == 13 { hint = Int(rng.uniform() * Double(n + 4)) - 2 }
                        let want = f(v), got = ev(v, hint: &hint), plain = ev(v)
                        #expect(got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN),
                                "n \(n) v \(v): \(got) != \(want)")
                        #expect(plain.bitPattern == want.bitPattern || (plain.isNaN && want.isNaN))
                    }
                }
            }
        }
    }

    /// The weights as first written: one observation at a time, the fitted
    /// value summed in coefficient order (or taken from R's plain-loop
    /// product), `R_pow`, the C library's `log2`, `approxfun` itself.
    static func referenceWeights(coef: Matrix, design X: Matrix, lib: [Double], trend: ApproxFun) -> [Double] {
        let ngenes = coef.nrow, nsamples = X.nrow, p = coef.ncol
        let finite = coef.values.allSatisfy { $0.isFinite } && X.values.allSatisfy { $0.isFinite }
        let fitted = finite ? nil : RLinAlg.matprod(coef, X.transposed)
        var w = [Double](repeating: 0, count: ngenes * nsamples)
        for j in 0..<nsamples {
            for g in 0..<ngenes {
                var f = 0.0
                if let fitted { f = fitted[g, j] } else { for l in 0..<p { f += coef[g, l] * X[j, l] } }
                let fc = 1e-6 * (RMath.pow(2, f) * (lib[j] + 1))
                w[j * ngenes + g] = 1 / RMath.pow(trend(log2(fc)), 4)
            }
        }
        return w
    }

    @Test func weightsMatchPlainDefinition() throws {
        var rng = Rng(state: 0xC0FFEE)
        defer { LimmaThreads.set(0) }
        // Trials with at least 16 samples per distinct row take the sorted path.
        for trial in 0..<30 {
            let ngenes = [1, 7, 8, 9, 333, 2050][trial % 6]
            let nsamples = [1, 2, 6, 12, 40, 64][trial % 6 == 4 ? 5 : trial % 5]
            let p = [1, 2, 3][trial % 3]
            // Design: a few distinct rows repeated, or (odd trials) all distinct.
            var X = Matrix(nrow: nsamples, ncol: p)
            for j in 0..<nsamples {
                for l in 0..<p {
                    X[j, l] = l == 0 ? 1 : (trial % 2 == 0 ? Double((j + l) % 3) : rng.uniform() * 2 - 1)
                }
            }
            if trial % 4 == 1 { X[0, 0] = -0.0 }
            var coef = Matrix(nrow: ngenes, ncol: p)
            for g in 0..<ngenes {
                for l in 0..<p { coef[g, l] = l == 0 ? rng.uniform() * 14 - 2 : rng.uniform() * 4 - 2 }
            }
            if trial % 6 == 5 { coef[1, 0] = .nan }        // R's plain-loop product
            if trial % 6 == 3 { coef[2, 0] = 1200 }        // 2^f overflows
            // Library sizes with ties.
            let lib = (0..<nsamples).map { j in j % 3 == 2 ? 2e7 : 1e7 + rng.uniform() * 2e7 }
            // A trend over a range that leaves some fitted values outside it.
            let kx = (0..<50).map { Double($0) * 0.25 - 1 }
            let ky = kx.map { 1.2 - 0.05 * $0 + 0.01 * sin($0) }
            let trend = try approxfun(x: kx, y: ky, rule: 2, ordered: true)
            let want = Self.referenceWeights(coef: coef, design: X, lib: lib, trend: trend)
            for threads in [1, 2, 3] {
                LimmaThreads.set(threads)
                let got = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: ApproxLookup(trend))
                #expect(got.count == want.count)
                let bad = zip(got, want).filter { $0.bitPattern != $1.bitPattern && !($0.isNaN && $1.isNaN) }.count
                #expect(bad == 0, "trial \(trial) (\(ngenes) x \(nsamples), p \(p)) threads \(threads): \(bad) differ")
            }
        }
    }

    @Test func logCPMMatchesPlainDefinition() throws {
        var rng = Rng(state: 0xBEEF)
        defer { LimmaThreads.set(0) }
        for trial in 0..<8 {
            let ngenes = [3, 50, 1000, 20000][trial % 4]
            let nsamples = [1, 5][trial % 2]
            var counts = Matrix(nrow: ngenes, ncol: nsamples)
            for k in 0..<counts.values.count {
                let u = rng.uniform()
                counts.values[k] = u < 0.6 ? (rng.uniform() * 50).rounded(.down)
                    : u < 0.8 ? (rng.uniform() * 1e5).rounded(.down)
                    : u < 0.9 ? rng.uniform() * 100 : [0, -0.0, 4095, 4096, 4095.5, 1e300][k % 6]
            }
            let lib = (0..<nsamples).map { j in j == 0 ? 0 : 1e6 + rng.uniform() * 1e7 }
            var want = [Double](repeating: 0, count: counts.values.count)
            for j in 0..<nsamples {
                for i in 0..<ngenes {
                    want[j * ngenes + i] = log2((counts[i, j] + 0.5) / (lib[j] + 1) * 1e6)
                }
            }
            for threads in [1, 2] {
                LimmaThreads.set(threads)
                let got = voomLogCPM(counts, libSize: lib)
                #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "trial \(trial) threads \(threads)")
            }
        }
    }
}
