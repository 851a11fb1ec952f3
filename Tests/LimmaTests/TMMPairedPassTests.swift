// calcNormFactors' passes that take two genes (or values) at a time: the
// banded TMM path's pass over all genes and over its band, its kept-gene
// sums with a sure interior, and the upper quartile found from a sampled
// bracket. Each is compared bit for bit with a plain loop, the general path
// or R's quantile, on inputs made to hit odd lengths, ties, zeros, NaN,
// negative, non-integer and huge values.
import Foundation
import Testing
@testable import Limma

@Suite struct TMMPairedPassTests {
    typealias Uniform = TMMBandedTests.Uniform

    /// `tmmGenePass` against the same counts and gathers one gene at a time,
    /// two at a time (Swift) and, where the processor has AVX-512, eight at a
    /// time (CAVX512's kernel, gathers compressed out of each vector).
    @Test(arguments: Set([false, AVX512Kernels.supported]))
    func genePassMatchesAPlainLoop(avx512: Bool) {
        var u = Uniform(state: 41)
        for n in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 64, 1001, 4096] {
            // Counts that put x and y exactly on the band's and the windows' ends
            // (rp = 1e-3 below: 10 and 60000 as x, 0.01, 0.05, 0.09 as y).
            let specials: [Double] = [0, -0.0, .nan, -3, .infinity, 0x1p-1070, 1e300, 0.5, 2, 10, 60, 50, 90]
            let obs: [Double] = (0..<n).map { g in
                g % 13 == 5 ? specials[(g / 13) % specials.count] : (u.next() * 200).rounded(.down)
            }
            let rp: [Double] = (0..<n).map { g in g % 17 == 3 ? 0 : g % 13 == 5 && g % 2 == 0 ? 1e-3 : u.next() * 1e-3 }
            let reciprocal = rp.map { 1 / $0 }
            let band = (10.0, 60000.0), w1 = (0.0, 0.01), w2 = (0.05, 0.09)
            let g1 = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
            let g2 = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
            let g3 = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
            defer { g1.deallocate(); g2.deallocate(); g3.deallocate() }
            let pass = obs.withUnsafeBufferPointer { o in
                reciprocal.withUnsafeBufferPointer { r in
                    rp.withUnsafeBufferPointer { p in
                        tmmGenePass(obs: o.baseAddress!, n, reciprocal: r.baseAddress!, rP: p.baseAddress!,
                                    band: band, window1: w1, window2: w2, into: (g1, g2, g3), avx512: avx512)
                    }
                }
            }
            var used = 0, belowBand = 0, below1 = 0, below2 = 0
            var inBand = [Int32](), in1 = [Int32](), in2 = [Int32]()
            var low = Double.infinity, high = 0.0
            for g in 0..<n {
                let o = obs[g]
                if o > 0 { low = min(low, o); high = max(high, o) }
                let x = o * reciprocal[g], y = o * rp[g]
                guard x >= 0x1p-1000 && x < 0x1p1000 else { continue }
                used += 1
                if x < band.0 { belowBand += 1 }
                if y < w1.0 { below1 += 1 }
                if y < w2.0 { below2 += 1 }
                if x >= band.0 && x <= band.1 { inBand.append(Int32(g)) }
                if y >= w1.0 && y <= w1.1 { in1.append(Int32(g)) }
                if y >= w2.0 && y <= w2.1 { in2.append(Int32(g)) }
            }
            #expect(pass.used == used && pass.belowBand == belowBand, "n \(n)")
            #expect(pass.belowWindow1 == below1 && pass.belowWindow2 == below2, "n \(n)")
            #expect(Array(UnsafeBufferPointer(start: g1, count: pass.inBand)) == inBand, "n \(n)")
            #expect(Array(UnsafeBufferPointer(start: g2, count: pass.inWindow1)) == in1, "n \(n)")
            #expect(Array(UnsafeBufferPointer(start: g3, count: pass.inWindow2)) == in2, "n \(n)")
            #expect(pass.minPositive.bitPattern == low.bitPattern && pass.maxPositive.bitPattern == high.bitPattern,
                    "n \(n)")
        }
    }

    /// `tmmBandQuotients` against R's `(o/No)/(r/Nr)` and the windows
    /// gathered one value at a time, for odd and even band sizes.
    @Test(arguments: Set([false, AVX512Kernels.supported]))
    func bandQuotientsMatchAPlainLoop(avx512: Bool) {
        var u = Uniform(state: 43)
        let n = 3001
        // Zero counts and proportions, NaN and infinite counts among them
        // (quotients 0, Inf and NaN, which are in no window and below nothing).
        let specials: [Double] = [0, .nan, .infinity]
        let obs: [Double] = (0..<n).map { (g: Int) -> Double in
            if g % 9 == 0 { return 0.5 + Double(g) }
            if g % 29 == 0 { return specials[(g / 29) % 3] }
            return (u.next() * 500).rounded(.down) + 1
        }
        let rp: [Double] = (0..<n).map { (g: Int) -> Double in g % 31 == 0 ? 0 : u.next() * 1e-4 + 1e-6 }
        let nO = 123456.0
        for nb in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 998, 999] {
            let genes: [Int32] = (0..<nb).map { Int32(($0 * 3) % n) }
            let q = UnsafeMutablePointer<Double>.allocate(capacity: max(nb, 1))
            let w1 = UnsafeMutablePointer<Double>.allocate(capacity: max(nb, 1))
            let w2 = UnsafeMutablePointer<Double>.allocate(capacity: max(nb, 1))
            defer { q.deallocate(); w1.deallocate(); w2.deallocate() }
            let window1 = (0.5, 2.0), window2 = (3.0, 40.0)
            let (b1, b2, n1, n2) = genes.withUnsafeBufferPointer { gb in
                obs.withUnsafeBufferPointer { o in
                    rp.withUnsafeBufferPointer { p in
                        tmmBandQuotients(gene: gb.baseAddress!, nb, obs: o.baseAddress!, rP: p.baseAddress!, libObs: nO,
                                         into: q, window1, window2, windows: (w1, w2), avx512: avx512)
                    }
                }
            }
            let expected = genes.map { (obs[Int($0)] / nO) / rp[Int($0)] }
            #expect(Array(UnsafeBufferPointer(start: q, count: nb)).map(\.bitPattern) == expected.map(\.bitPattern))
            #expect(b1 == expected.filter { $0 < window1.0 }.count && b2 == expected.filter { $0 < window2.0 }.count)
            #expect(Array(UnsafeBufferPointer(start: w1, count: n1)) == expected.filter { $0 >= window1.0 && $0 <= window1.1 })
            #expect(Array(UnsafeBufferPointer(start: w2, count: n2)) == expected.filter { $0 >= window2.0 && $0 <= window2.1 })
        }
    }

    /// `tmmCandidates` against the near windows, counts and candidates
    /// gathered one gene at a time, for odd and even band sizes, near
    /// windows apart and overlapping (as the banded path passes them).
    @Test(arguments: Set([false, AVX512Kernels.supported]))
    func candidatesMatchAPlainLoop(avx512: Bool) {
        var u = Uniform(state: 59)
        let n = 2001
        let obs = (0..<n).map { g in g % 7 == 0 ? 0.25 + Double(g) : (u.next() * 300).rounded(.down) + 1 }
        let rp = (0..<n).map { _ in (u.next() * 1e-4).rounded(.down) / 1e8 + 1e-6 }
        let windows: [((Double, Double), (Double, Double))] = [((0.5, 0.8), (1.5, 2.5)), ((0.5, 2.5), (0.5, 2.5)),
                                                                ((1.0, 1.0), (1.0, 1.0))]
        for nb in [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 500, 501] {
            for (near1, near2) in windows {
                let genes: [Int32] = (0..<nb).map { Int32(($0 * 4) % n) }
                // q values with ties at the windows' ends
                let ends: [Double] = [near1.0, near1.1, near2.0, near2.1]
                let qs: [Double] = (0..<nb).map { (k: Int) -> Double in
                    if k % 11 == 0 { return ends[(k / 11) % 4] }
                    return k % 13 == 0 ? Double.nan : u.next() * 3
                }
                let yRange = (1e-5, 2e-4)
                var q = qs, gene = genes
                var y = [Double](repeating: .nan, count: nb)
                let near1Q = UnsafeMutablePointer<Double>.allocate(capacity: max(nb, 1))
                let near2Q = UnsafeMutablePointer<Double>.allocate(capacity: max(nb, 1))
                defer { near1Q.deallocate(); near2Q.deallocate() }
                let (nc, n1, n2, belowA, belowB) = obs.withUnsafeBufferPointer { o in
                    rp.withUnsafeBufferPointer { p in
                        tmmCandidates(q: &q, y: &y, gene: &gene, nb, obs: o.baseAddress!, rP: p.baseAddress!,
                                      near1: near1, near2: near2, yRange: yRange, into: (near1Q, near2Q), avx512: avx512)
                    }
                }
                var cq = [Double](), cy = [Double](), cg = [Int32](), e1 = [Double](), e2 = [Double]()
                for k in 0..<nb {
                    let g = Int(genes[k])
                    let yk = obs[g] * rp[g], qk = qs[k]
                    if qk >= near1.0 && qk <= near1.1 { e1.append(qk) }
                    if qk >= near2.0 && qk <= near2.1 { e2.append(qk) }
                    if qk >= near1.0 && qk <= near2.1 && yk >= yRange.0 && yk <= yRange.1 {
                        cq.append(qk)
                        cy.append(yk)
                        cg.append(genes[k])
                    }
                }
                let label = "nb \(nb) windows \(near1) \(near2)"
                #expect(nc == cq.count && Array(q[0..<nc]) == cq && Array(gene[0..<nc]) == cg, "\(label)")
                #expect(Array(y[0..<nc]).map(\.bitPattern) == cy.map(\.bitPattern), "\(label)")
                #expect(Array(UnsafeBufferPointer(start: near1Q, count: n1)) == e1, "\(label)")
                #expect(Array(UnsafeBufferPointer(start: near2Q, count: n2)) == e2, "\(label)")
                #expect(belowA == qs.filter { $0 < near1.0 }.count && belowB == qs.filter { $0 < near2.0 }.count, "\(label)")
            }
        }
    }

    /// The banded path, whose kept-gene sums take the genes strictly inside
    /// the trims without a test, against the general path: counts with NaN,
    /// negative and infinite values (the paths skip such genes alike, or the
    /// banded one declines), odd numbers of genes, ties that put many genes
    /// at the trims' bounds, and trims whose near windows overlap.
    @Test func bandedMatchesGeneralWithOddCountsAndTiesAtTheBounds() {
        var u = Uniform(state: 47)
        var answered = 0, pairs = 0
        for n in [8193, 9001, 16384] {
            let ref = (0..<n).map { _ in (Foundation.exp(u.next() * 8) * u.next()).rounded(.down) + 1 }
            let obs = ref.map { ($0 * 2 * u.next()).rounded(.down) }
            var odd = obs
            for g in stride(from: 3, to: n, by: 97) { odd[g] = [Double.nan, -2, -0.0, 1e-3][(g / 97) % 4] }
            for (trim, sumTrim) in [(0.3, 0.05), (0.49, 0.3), (0.5, 0.5), (0.1, 0.0)] {
                pairs += 2
                if TMMBandedTests.check(obs, ref, logratioTrim: trim, sumTrim: sumTrim, "n \(n) trims \(trim) \(sumTrim)") {
                    answered += 1
                }
                if TMMBandedTests.check(odd, ref, logratioTrim: trim, sumTrim: sumTrim, "odd counts, n \(n) trims \(trim)") {
                    answered += 1
                }
            }
            var infinite = obs
            infinite[n / 3] = .infinity
            pairs += 1
            if TMMBandedTests.check(infinite, ref, "an infinite count, n \(n)") { answered += 1 }
            // Few distinct ratios: large tie groups at both M bounds and in A.
            let tiedRef = (0..<n).map { g in Double(1 + g % 3) * 10 }
            let tiedObs = (0..<n).map { g in Double(1 + (g / 3) % 4) * 10 }
            for (trim, sumTrim) in [(0.3, 0.05), (0.25, 0.25), (0.5, 0.05)] {
                pairs += 1
                if TMMBandedTests.check(tiedObs, tiedRef, logratioTrim: trim, sumTrim: sumTrim, "ties, n \(n) trim \(trim)") {
                    answered += 1
                }
            }
        }
        #expect(answered > pairs / 3, "banded answered \(answered) of \(pairs)")
    }

    /// `selectCounting` with its sampled first round (`selectNarrowing`, from
    /// `selectNarrowingMin` values on) against sorting, with the counts below
    /// and at most the answer: ties, all equal, sorted either way, infinite
    /// values, and values placed so that the evenly spaced sample misleads
    /// (the bracket misses and the plain rounds answer).
    @Test(arguments: Set([false, AVX512Kernels.supported]))
    func selectCountingWithNarrowingMatchesSorting(avx512: Bool) {
        var u = Uniform(state: 61)
        for n in [selectNarrowingMin - 1, selectNarrowingMin, selectNarrowingMin + 1, 6000, 20001] {
            for kind in 0..<7 {
                let s = 127
                let sampled = Set((0..<s).map { ($0 * n) / s + (n / s) / 2 })
                let x: [Double] = (0..<n).map { i in
                    switch kind {
                    case 0: return u.next() * 2 - 1
                    case 1: return (u.next() * 5).rounded(.down) - 2
                    case 2: return 3.5
                    case 3: return Double(i / 3)
                    case 4: return Double((n - i) / 3)
                    case 5: return i % 10 == 0 ? -.infinity : (i % 10 == 1 ? .infinity : u.next() * 1e300)
                    default: return sampled.contains(i) ? 1e9 + u.next() : u.next()   // the sample sees only the top
                    }
                }
                let sorted = x.sorted()
                for k in Set([0, 1, n / 4, n / 2, (3 * n) / 4, n - 2, n - 1]) {
                    var a = x, room = [Double](repeating: 0, count: n)
                    let (v, less, atMost) = a.withUnsafeMutableBufferPointer { ab in
                        room.withUnsafeMutableBufferPointer { selectCounting(ab.baseAddress!, n, k, scratch: $0.baseAddress!, avx512: avx512) }
                    }
                    #expect(v == sorted[k], "n \(n) kind \(kind) k \(k)")
                    #expect(less == x.filter { $0 < v }.count && atMost == x.filter { $0 <= v }.count,
                            "n \(n) kind \(kind) k \(k)")
                }
            }
        }
    }

    /// One partition round (`selectPartition`) eight at a time (CAVX512, where
    /// the processor has AVX-512) against the scalar loop: the same count and
    /// every slot of dst the same, for lengths 0-40 and longer, pivots below,
    /// among, equal to and above the values, ties, NaN, infinities and -0; and
    /// nothing written outside dst[0..<len] (guard slots either side).
    @Test func partitionKeepsTheScalarArrangement() {
        guard AVX512Kernels.supported else { return }
        var u = Uniform(state: 67)
        for len in Array(0...40) + [63, 64, 65, 1000, 4099] {
            let x: [Double] = (0..<len).map { i in
                switch i % 11 {
                case 3: return .nan
                case 5: return i % 2 == 0 ? .infinity : -.infinity
                case 7: return -0.0
                case 8: return 0
                default: return (u.next() * 8).rounded(.down) - 3
                }
            }
            for pivot in [-5.0, -1, 0, 1, 2.5, 10, .infinity] {
                for orEqual in [false, true] {
                    var outs: [[UInt64]] = [], counts: [Int] = []
                    for avx512 in [false, true] {
                        var dst = [Double](repeating: 12345, count: len + 16)
                        let l = x.withUnsafeBufferPointer { xb in
                            dst.withUnsafeMutableBufferPointer { db in
                                selectPartition(xb.baseAddress ?? UnsafePointer(db.baseAddress!), len, pivot, orEqual: orEqual,
                                                db.baseAddress! + 8, avx512: avx512)
                            }
                        }
                        #expect(dst[0..<8].allSatisfy { $0 == 12345 } && dst[(len + 8)...].allSatisfy { $0 == 12345 },
                                "len \(len) pivot \(pivot) avx512 \(avx512): written outside")
                        outs.append(dst.map(\.bitPattern))
                        counts.append(l)
                    }
                    #expect(counts[0] == counts[1] && outs[0] == outs[1], "len \(len) pivot \(pivot) orEqual \(orEqual)")
                }
            }
        }
    }

    /// `columnQuantile` (sampled bracket, histogram, or R's quantile) against
    /// `RBase.quantile`, bit for bit, and the sampled order statistics
    /// against sorting when they answer.
    @Test func columnQuantileMatchesRQuantile() {
        var u = Uniform(state: 53)
        let probs = [0.0, 0.25, 0.5, 0.75, 0.9, 0.999, 1.0]
        var sampled = 0
        for n in [1, 2, 5, 2047, 2048, 2049, 5001, 8191, 8192, 8193, 20001] {
            var columns = [[Double]]()
            columns.append((0..<n).map { _ in (Foundation.exp(u.next() * 8) * u.next()).rounded(.down) })
            columns.append((0..<n).map { _ in (u.next() * 4).rounded(.down) })                       // ties
            columns.append((0..<n).map { _ in u.next() < 0.8 ? 0 : (u.next() * 50).rounded(.down) })  // mostly zeros
            columns.append((0..<n).map { _ in Foundation.exp(u.next() * 40) * u.next() })             // non-integer
            columns.append((0..<n).map { g in g % 5 == 0 ? 1e300 : (u.next() * 5000).rounded(.down) + 4000 })
            columns.append((0..<n).map { g in g % 4 == 0 ? -0.0 : (g % 4 == 1 ? -1 : u.next() * 3) })  // signs
            var withNaN = columns[0]
            withNaN[n / 2] = .nan
            columns.append(withNaN)
            columns.append([Double](repeating: 7, count: n))
            var scratch = QuantileScratch(capacity: n)
            defer { scratch.deallocate() }
            for (c, column) in columns.enumerated() {
                for p in probs {
                    let expected = RBase.quantile(column, [p])[0]
                    let got = column.withUnsafeBufferPointer { columnQuantile($0, p: p, scratch: &scratch) }
                    #expect(got.bitPattern == expected.bitPattern, "n \(n) column \(c) p \(p): \(got) vs \(expected)")
                    let index = 1 + Double(n - 1) * p
                    let lo = Int(index.rounded(.down)) - 1, hi = Int(index.rounded(.up)) - 1
                    if let stats = column.withUnsafeBufferPointer({ columnOrderStatistics($0, lo, hi, scratch: scratch) }) {
                        sampled += 1
                        let sorted = column.sorted()
                        #expect(stats.0 == sorted[lo] && stats.1 == sorted[hi], "n \(n) column \(c) p \(p)")
                    }
                }
            }
        }
        #expect(sampled > 40, "sampled brackets answered \(sampled)")
    }

    /// `columnQuantile` with an estimate of its order statistic (as the
    /// upper quartiles pass one column's to the next): right, near, far,
    /// zero, negative, infinite and NaN estimates all give R's quantile, bit
    /// for bit, and the order statistic found.
    @Test func columnQuantileWithAnEstimateMatchesRQuantile() {
        var u = Uniform(state: 67)
        for n in [2048, 5001, 8192, 20001] {
            let columns: [[Double]] = [
                (0..<n).map { _ in (Foundation.exp(u.next() * 8) * u.next()).rounded(.down) },
                (0..<n).map { _ in (u.next() * 4).rounded(.down) + 1 },
                (0..<n).map { _ in Foundation.exp(u.next() * 40) * u.next() },
            ]
            var scratch = QuantileScratch(capacity: n)
            defer { scratch.deallocate() }
            for (c, column) in columns.enumerated() {
                let sorted = column.sorted()
                for p in [0.1, 0.75, 0.999] {
                    let expected = RBase.quantile(column, [p])[0]
                    let k = Int((1 + Double(n - 1) * p).rounded(.down)) - 1
                    let exact = sorted[k]
                    for estimate in [exact, exact * 1.05, exact * 0.95, exact * 3, exact / 3, 0, -exact, .infinity, .nan] {
                        var guess = estimate
                        let got = column.withUnsafeBufferPointer {
                            columnQuantile($0, p: p, scratch: &scratch, guess: &guess)
                        }
                        #expect(got.bitPattern == expected.bitPattern, "n \(n) column \(c) p \(p) estimate \(estimate)")
                        #expect(guess.isNaN || guess == exact, "n \(n) column \(c) p \(p) estimate \(estimate)")
                    }
                }
            }
        }
    }
}
