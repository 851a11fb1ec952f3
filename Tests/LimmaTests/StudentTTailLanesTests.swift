import Foundation
import Testing
import CRmath
@testable import Limma

/// The batched tails (`twiceLowerTailsOfNegativeAbs`, `upperTails`), which run
/// the power series of several statistics side by side in SIMD lanes, must
/// give the one-statistic path's values bit for bit, and so libRmath's `pt`.
@Suite("Student t tails in lanes vs one at a time and libRmath pt") struct StudentTTailLanesTests {
    typealias Rng = SplitMix64

    /// Adversarial statistics for `df`: special values, every route boundary
    /// of `StudentTTailTests.boundaries` with 6 ulps either side, the t with
    /// p = 1/2 exactly, random |t| on a log scale and within 3 sqrt(df), each
    /// with both signs, shuffled so that routes and iteration counts mix
    /// within a group of lanes.
    static func statistics(_ df: Double, _ rng: inout Rng, random: Int) -> [Double] {
        var ts: [Double] = [0, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .leastNormalMagnitude,
                            .greatestFiniteMagnitude, 1e-300, 1e-160, 1e-20, 1e-8, 1, 1e20, 1e160, 1e300]
        if df.isFinite && df > 0 {
            for b in StudentTTailTests.boundaries(df) + [df.squareRoot()] {
                var up = b, down = b
                for _ in 0..<6 { ts += [up, down]; up = up.nextUp; down = down.nextDown }
            }
            for _ in 0..<random { ts.append(rng.uniform() * 3 * df.squareRoot()) }
        }
        for _ in 0..<random { ts.append(rng.logUniform(1e-6, 1e6)) }
        ts += ts.map { -$0 }
        for i in stride(from: ts.count - 1, to: 0, by: -1) {
            ts.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        return ts
    }

    /// Both batched entry points against the one-statistic ones and rmath_pt,
    /// on the whole list and on its prefixes of 0, 1, 2, 3, 5, 7 and 257
    /// statistics (groups of lanes that are partly filled, one block and a bit).
    static func check(_ df: Double, _ ts: [Double], _ failures: inout [String]) {
        let tail = StudentTTail(df: df)
        for n in Set([0, 1, 2, 3, 5, 7, 257, ts.count]) where n <= ts.count {
            var lower = [Double](repeating: -7, count: n), upper = [Double](repeating: -7, count: n)
            ts.withUnsafeBufferPointer { q in
                lower.withUnsafeMutableBufferPointer { tail.twiceLowerTailsOfNegativeAbs(q.baseAddress!, $0.baseAddress!, count: n) }
                upper.withUnsafeMutableBufferPointer { tail.upperTails(q.baseAddress!, $0.baseAddress!, count: n) }
            }
            for k in 0..<n where failures.count < 20 {
                let t = ts[k]
                let one = 2 * tail.lowerTailOfNegativeAbs(t), r = 2 * rmath_pt(-Swift.abs(t), df, 1, 0)
                if lower[k].bitPattern != one.bitPattern || one.bitPattern != r.bitPattern {
                    failures.append("2 pt(-|\(t)|, \(df)): lanes \(lower[k]), one \(one), R \(r)")
                }
                let oneU = tail.upperTail(t), rU = rmath_pt(t, df, 0, 0)
                if upper[k].bitPattern != oneU.bitPattern || oneU.bitPattern != rU.bitPattern {
                    failures.append("pt(\(t), \(df), upper): lanes \(upper[k]), one \(oneU), R \(rU)")
                }
            }
        }
    }

    /// The df values of StudentTTailTests (df < 0.4, 1, 2, 2.5, 30, 31,
    /// 1e12, 1e13, NaN, infinite, 0, negative, the shipped cases' df.total ...).
    @Test func lanesMatchOneAtATimeAndRmath() {
        var failures: [String] = []
        var rng = Rng(s: 314)
        for df in StudentTTailTests.dfValues + [2.5, 31, 1e13] {
            Self.check(df, Self.statistics(df, &rng, random: 150), &failures)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// Many statistics spread as moderated t-statistics are, for the shipped
    /// df values and random df (several blocks of the batch).
    @Test func lanesMatchOnManyStatistics() {
        var failures: [String] = []
        var rng = Rng(s: 2718)
        var dfs = Array(StudentTTailTests.dfValues.prefix(15))
        for _ in 0..<10 { dfs.append(rng.logUniform(0.4, 1e7)) }
        for _ in 0..<10 { dfs.append(2 + rng.uniform() * 40) }
        for df in dfs {
            var ts = [Double]()
            for _ in 0..<1500 { ts.append((rng.uniform() - 0.5) * 12) }
            for _ in 0..<1500 { ts.append(rng.logUniform(1e-3, 1e3)) }
            Self.check(df, ts, &failures)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    /// The series sums in lanes against the scalar loop, for both series of a
    /// tail, at arguments where the loop stops early, late, after the factor
    /// table (which the scalar loop then continues) and at 1 ulp from 1/2;
    /// counts that are not multiples of the lane width.
    @Test func seriesSumsMatchTheScalarLoop() {
        // with the FMA kernels (the lane loop compiled for AVX2 in LimmaFMA,
        // fmaPowerSeriesSums) and without; shapes whose terms reach 0 (b a
        // whole number), grow (b = 1e5) or run past the factors (x near 1)
        defer { FMAKernels.set(nil) }
        for kernels in [true, false] {
        FMAKernels.set(kernels ? nil : false)
        var rng = Rng(s: 42)
        for (a, b) in [(0.5, 0.2), (0.5, 1.0), (0.5, 4.25), (0.5, 15.5), (4.25, 0.5), (1e5, 0.5), (0.2, 0.5),
                       (0.5, 2.0), (0.5, 3.0), (0.5, 1e5), (0.5, 40.5), (2.5e11, 0.5)] {
            let factors = (1...64).map { 0.5 - b / Double($0) + 0.5 }
            factors.withUnsafeBufferPointer { f in
                let series = PowerSeries(a: a, b: b, factors: f.baseAddress!, count: 64)
                var xs: [Double] = [0.5, 0.5.nextDown, 0.29, 0.1, 1e-300, .leastNonzeroMagnitude, 0.9, 0.99, 0.71]
                for _ in 0..<200 { xs.append(rng.uniform() * 0.75) }
                for _ in 0..<50 { xs.append(rng.logUniform(1e-30, 0.5)) }
                for n in [0, 1, 2, 3, 4, 5, 6, 9, xs.count] {
                    var out = [Double](repeating: -7, count: n)
                    var sorted = [Double](repeating: 0, count: n + 3), order = [Int32](repeating: 0, count: n)
                    xs.withUnsafeBufferPointer { x in
                        out.withUnsafeMutableBufferPointer { o in
                            sorted.withUnsafeMutableBufferPointer { sb in
                                order.withUnsafeMutableBufferPointer { ob in
                                    series.sums(x.baseAddress!, o.baseAddress!, count: n, sorted: sb.baseAddress!, order: ob.baseAddress!)
                                }
                            }
                        }
                    }
                    for k in 0..<n {
                        let want = series.sum(xs[k]) ?? .nan
                        #expect(out[k].bitPattern == want.bitPattern, "sum(\(a), \(b), \(xs[k])), kernels \(kernels)")
                    }
                }
            }
        }
        }
    }

    /// Genes with differing df (tails shared by several genes, a df one gene
    /// alone has, NaN), the first gene of the range not 0, and wrapping to
    /// the next column.
    @Test func perGeneBatchesMatchRmath() {
        var rng = Rng(s: 8)
        // Robust eBayes's shape: most genes one df (in batches of `minBatch`
        // or more per call), a few another, some alone.
        let robustShape: [Double] = (0..<90).map { (g: Int) -> Double in
            if g % 9 == 4 { return 9.5 }
            if g % 17 == 3 { return 30.5 + Double(g) }
            if g == 50 { return .nan }
            return 16.583850936908807
        }
        let dfs: [[Double]] = [[9.5, 9.5, 30.5, 30.5, 30.5, 4.25, .nan, 0, .infinity, 4.25, 17, 1e6, 1e6],
                               [Double](repeating: 12.717059484255417, count: 11), [0.3, 0.3, 2], robustShape]
        for df in dfs {
            let tails = StudentTTailsByGene(df: df)
            let genes = df.count
            for first in [0, 1, genes - 1] {
                let n = 3 * genes + 1
                let ts = (0..<n).map { _ in (rng.uniform() - 0.5) * 12 }
                var lower = [Double](repeating: 0, count: n), upper = [Double](repeating: 0, count: n)
                ts.withUnsafeBufferPointer { q in
                    lower.withUnsafeMutableBufferPointer {
                        tails.twiceLowerTailsOfNegativeAbs(q.baseAddress!, $0.baseAddress!, count: n, firstGene: first, genes: genes)
                    }
                    upper.withUnsafeMutableBufferPointer {
                        tails.upperTails(q.baseAddress!, $0.baseAddress!, count: n, firstGene: first, genes: genes)
                    }
                }
                for k in 0..<n {
                    let d = df[(first + k) % genes], t = ts[k]
                    #expect(lower[k].bitPattern == (2 * rmath_pt(-Swift.abs(t), d, 1, 0)).bitPattern)
                    #expect(upper[k].bitPattern == rmath_pt(t, d, 0, 0).bitPattern)
                }
            }
        }
    }
}

/// The F tails in lanes (`FUpperTail.upperTails`) against the one-statistic
/// path and rmath_pf, for FUpperTailTests' df pairs (every branch of betaln,
/// b0 = 40, the shipped df, unusable df), with F at the route edges.
@Suite("F tails in lanes vs one at a time and libRmath pf") struct FUpperTailLanesTests {
    @Test func lanesMatchOneAtATimeAndRmath() {
        var rng = SplitMix64(s: 77)
        var failures: [String] = []
        for (df1, df2) in FUpperTailTests.dfPairs {
            let tail = FUpperTail(df1: df1, df2: df2)
            var fs: [Double] = [0, -0.0, -1, .nan, .infinity, .leastNonzeroMagnitude, 1e-300, 1e-20, 1, 1e20, 1e300]
            for _ in 0..<200 { fs.append(rng.logUniform(1e-4, 1e4)) }
            for _ in 0..<100 { fs.append(rng.uniform() * 10) }
            if df1.isFinite && df2.isFinite && df1 > 0 && df2 > 0 {
                var edges = [df2 / df1, 1.0]
                for b0 in [df1 / 2, df2 / 2] {
                    let x0 = 0.7 / b0
                    if x0 < 1 { edges += [df2 * (1 - x0) / (df1 * x0), df2 * x0 / (df1 * (1 - x0))] }
                }
                for e in edges where e.isFinite && e > 0 {
                    var up = e, down = e
                    for _ in 0..<4 { fs += [up, down]; up = up.nextUp; down = down.nextDown }
                }
            }
            for i in stride(from: fs.count - 1, to: 0, by: -1) { fs.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            for n in Set([0, 1, 2, 3, 5, fs.count]) {
                var out = [Double](repeating: -7, count: n)
                fs.withUnsafeBufferPointer { f in
                    out.withUnsafeMutableBufferPointer { tail.upperTails(f.baseAddress!, $0.baseAddress!, count: n) }
                }
                for k in 0..<n where failures.count < 20 {
                    let one = tail.upperTail(fs[k]), r = rmath_pf(fs[k], df1, df2, 0, 0)
                    if out[k].bitPattern != one.bitPattern || one.bitPattern != r.bitPattern {
                        failures.append("pf(\(fs[k]), \(df1), \(df2), upper): lanes \(out[k]), one \(one), R \(r)")
                    }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}

/// eBayes's B-statistic ratios in lanes (`lodsRatios`) against the formulas
/// cell by cell: zero, tiny, huge, NaN and infinite t, stdev.unscaled and
/// df, and counts that are not multiples of the lane width. Two NaNs count
/// as the same (their payloads may depend on operand order; a NaN is written
/// NA).
@Suite("B-statistic ratios in lanes") struct LodsRatiosLanesTests {
    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    @Test func lanesMatchTheFormulas() {
        var rng = SplitMix64(s: 13)
        let specials: [Double] = [0, -0.0, 1e-300, 5e-324, 1e300, .infinity, -.infinity, .nan, 1, -3.5]
        for v0 in [0.5, 1e-8, 40, 0, .infinity, .nan] {
            for n in [0, 1, 3, 4, 5, 7, 8, 9, 257] {
                var s = [Double](), t = [Double](), d = [Double]()
                for i in 0..<n {
                    let pick = rng.next() % 5 == 0
                    s.append(pick ? specials[i % specials.count] : rng.logUniform(0.01, 10))
                    t.append(pick ? specials[(i + 3) % specials.count] : (rng.uniform() - 0.5) * 20)
                    d.append(pick ? specials[(i + 7) % specials.count] : rng.logUniform(1, 1e6))
                }
                var r = [Double](repeating: -7, count: n), q = [Double](repeating: -7, count: n)
                r.withUnsafeMutableBufferPointer { rb in
                    q.withUnsafeMutableBufferPointer { qb in
                        lodsRatios(stdevUnscaled: s, t: t, df: d, v0: v0, r: rb.baseAddress!, quotient: qb.baseAddress!, count: n)
                    }
                }
                for i in 0..<n {
                    let v1 = s[i] * s[i]
                    let ri = (v1 + v0) / v1
                    let t2 = t[i] * t[i]
                    let qi = (t2 + d[i]) / (t2 / ri + d[i])
                    #expect(Self.same(r[i], ri) && Self.same(q[i], qi), "cell \(i) of \(n)")
                }
            }
        }
    }
}

/// eBayes's and treat's p-values and eBayes's B-statistics, which now come
/// from the batched tails and ratios, against the one-cell formulas with the
/// one-statistic tails, bit for bit: a voom fit with one df for all genes
/// (the batched path) and the same fit with missing values (df by gene).
@Suite("eBayes and treat cells vs one cell at a time") struct EBayesCellsTests {
    @Test func pValuesAndLodsMatchTheOneCellFormulas() throws {
        let perGroup = 3, n = 6
        let counts = ThreadingTests.syntheticCounts(genes: 3001, perGroup: perGroup)
        let design = Matrix(rows: (0..<n).map { j in j < perGroup ? [1, 0] : [0, 1] }, colNames: ["A", "B"])
        let v = try voom(counts, design: design)
        var e = v.E
        for g in stride(from: 0, to: e.nrow, by: 7) { e[g, g % n] = .nan }
        let lfc = log2(1.2)
        for fit in [try lmFit(v.E, design: design, weights: v.weights), try lmFit(e, design: design, weights: v.weights)] {
            let eb = try eBayes(fit), tr = try treat(fit, lfc: lfc)
            let dfTotal = try #require(eb.dfTotal), s2Post = try #require(eb.s2Post)
            let tails = StudentTTailsByGene(df: dfTotal)
            let t = try #require(eb.t).values, p = try #require(eb.pValue).values, lods = try #require(eb.lods).values
            let tp = try #require(tr.pValue).values
            let varPrior = try #require(eb.varPrior)
            let genes = fit.coefficients.nrow
            let logPrior = log(0.01 / (1 - 0.01))
            var bad = 0
            for k in 0..<fit.coefficients.values.count {
                let i = k % genes, j = k / genes
                let b = fit.coefficients.values[k], su = fit.stdevUnscaled.values[k]
                if p[k].bitPattern != (2 * tails.lowerTailOfNegativeAbs(t[k], gene: i)).bitPattern { bad += 1 }
                let se = su * s2Post[i].squareRoot()
                let right = (Swift.abs(b) - lfc) / se, left = (Swift.abs(b) + lfc) / se
                if tp[k].bitPattern != (tails.upperTail(right, gene: i) + tails.upperTail(left, gene: i)).bitPattern { bad += 1 }
                let v1 = su * su, r = (v1 + varPrior[j]) / v1, t2 = t[k] * t[k], d = dfTotal[i]
                let b0 = logPrior - log(r) / 2 + (1 + d) / 2 * log((t2 + d) / (t2 / r + d))
                if !(lods[k].bitPattern == b0.bitPattern || (lods[k].isNaN && b0.isNaN)) { bad += 1 }
            }
            #expect(bad == 0)
        }
    }
}

/// The per-df numbering under StudentTTailsByGene and topTable's quantiles.
@Suite("bit-pattern numbering") struct BitPatternNumberingTests {
    /// Distinct bit patterns numbered in order of first appearance (-0 and +0
    /// apart, a NaN equal to itself by its bits), through table collisions.
    @Test func numbersDistinctBitsInOrderOfFirstAppearance() {
        let xs: [Double] = [3, 1, 3, -0.0, 0, .nan, 1, .infinity, .nan, 0, 2.5] + (0..<500).map { Double($0 % 250) * 0.125 }
        var numbering = BitPatternNumbering(capacity: xs.count)
        var seen: [UInt64] = []
        for x in xs {
            let (k, isNew) = numbering.number(x)
            if let i = seen.firstIndex(of: x.bitPattern) {
                #expect(!isNew && Int(k) == i)
            } else {
                #expect(isNew && Int(k) == seen.count)
                seen.append(x.bitPattern)
            }
        }
        #expect(numbering.values.map(\.bitPattern) == seen)
    }
}
