// calcNormFactors' banded TMM path (log2 only where the M trim needs it)
// against the general path and against TMM by its definition: the factors
// must agree bit for bit, on inputs made to hit the path's edges.
import Foundation
import Testing
@testable import Limma

@Suite struct TMMBandedTests {
    /// One sample's TMM factor against a reference by the general path and,
    /// when it answers, the banded path (with `minGenes` 0, so small inputs
    /// take it too).
    static func bothPaths(obs: [Double], ref: [Double], nO: Double, nR: Double, logratioTrim: Double = 0.3,
                          sumTrim: Double = 0.05, doWeighting: Bool = true, Acutoff: Double = -1e10) -> (Double, Double?) {
        let n = obs.count
        let scratch = TMMScratch(capacity: n)
        defer { scratch.deallocate() }
        return obs.withUnsafeBufferPointer { o in
            ref.withUnsafeBufferPointer { r in
                let reference = TMMReference(counts: r.baseAddress!, n, libSize: nR)
                let general = tmmFactorGeneral(obs: o.baseAddress!, n, reference, libObs: nO, logratioTrim: logratioTrim,
                                               sumTrim: sumTrim, doWeighting: doWeighting, Acutoff: Acutoff, scratch: scratch)
                let banded = tmmFactorBanded(obs: o.baseAddress!, n, reference, libObs: nO, logratioTrim: logratioTrim,
                                             sumTrim: sumTrim, doWeighting: doWeighting, Acutoff: Acutoff, scratch: scratch,
                                             minGenes: 0)
                return (general, banded)
            }
        }
    }

    /// A 64-bit LCG's uniform numbers in (0, 1).
    struct Uniform {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
    }

    /// Compares the paths on one pair; returns whether the banded path answered.
    @discardableResult
    static func check(_ obs: [Double], _ ref: [Double], logratioTrim: Double = 0.3, sumTrim: Double = 0.05,
                      doWeighting: Bool = true, Acutoff: Double = -1e10, nO: Double? = nil, nR: Double? = nil,
                      _ label: String) -> Bool {
        let lO = nO ?? EdgeRFastPathTests.referenceColSums(Matrix(nrow: obs.count, ncol: 1, values: obs))[0]
        let lR = nR ?? EdgeRFastPathTests.referenceColSums(Matrix(nrow: ref.count, ncol: 1, values: ref))[0]
        let (general, banded) = bothPaths(obs: obs, ref: ref, nO: lO, nR: lR, logratioTrim: logratioTrim, sumTrim: sumTrim,
                                          doWeighting: doWeighting, Acutoff: Acutoff)
        if let banded { #expect(banded.bitPattern == general.bitPattern, "\(label)") }
        if obs.count <= 3000 {
            let expected = EdgeRFastPathTests.referenceTMM(obs: obs, ref: ref, nO: lO, nR: lR, logratioTrim: logratioTrim,
                                                           sumTrim: sumTrim, doWeighting: doWeighting, Acutoff: Acutoff)
            #expect(general.bitPattern == expected.bitPattern, "\(label) (definition)")
        }
        return banded != nil
    }

    @Test func bandedMatchesGeneralOnCounts() {
        var u = Uniform(state: 11)
        var answered = 0, pairs = 0
        for n in [0, 1, 2, 3, 5, 63, 64, 65, 100, 257, 1000, 2999, 12000, 30001] {
            for kind in 0..<4 {
                // kind 0: spread of means; 1: tiny counts (many ties); 2: non-integer and huge counts; 3: many zeros
                var obs = [Double](), ref = [Double]()
                for g in 0..<n {
                    let mean = kind == 1 ? 1.5 : Foundation.exp(u.next() * 10 - 1)
                    var o = (mean * 2 * u.next()).rounded(.down), r = (mean * 2 * u.next()).rounded(.down)
                    if kind == 2 && g % 7 == 0 { o += 0.25 }
                    if kind == 2 && g % 11 == 0 { r = 1e6 + Double(g) }
                    if kind == 3 && u.next() < 0.4 { o = 0 }
                    if kind == 3 && u.next() < 0.4 { r = 0 }
                    obs.append(o)
                    ref.append(r)
                }
                for (trim, sumTrim, weighting) in [(0.3, 0.05, true), (0.2, 0.1, false), (0.5, 0.5, true), (0, 0, true), (0.45, 0.01, true)] {
                    pairs += 1
                    if Self.check(obs, ref, logratioTrim: trim, sumTrim: sumTrim, doWeighting: weighting,
                                  "n \(n) kind \(kind) trim \(trim) \(sumTrim) \(weighting)") { answered += 1 }
                }
            }
        }
        // the banded path must have answered most pairs with enough genes
        #expect(answered > pairs / 3, "banded answered \(answered) of \(pairs)")
    }

    @Test func bandedMatchesGeneralOnNearTies() {
        // ratios from a few values, each spread by multiples of 1e-10 .. 1e-7
        // relative: M values closer than the path's margins, and ties that
        // log2's rounding creates or separates
        var u = Uniform(state: 5)
        let steps = [0.0, 1e-16, 3e-16, 1e-10, 7e-10, 1e-9, 3e-8, 1e-7, 1.1e-7]
        var answered = 0
        for trial in 0..<12 {
            let n = 4000 + trial * 1500
            var obs = [Double](), ref = [Double]()
            for _ in 0..<n {
                let r = 100 + (u.next() * 50).rounded(.down)
                let ratio = [0.5, 0.8, 1.0, 1.25, 2.0][Int(u.next() * 5)]
                let step = steps[Int(u.next() * Double(steps.count))] * (u.next() < 0.5 ? -1 : 1)
                obs.append(r * ratio * (1 + step))
                ref.append(r)
            }
            // library sizes fixed (not the sums) so that q = ratio * (1 + step) exactly up to rounding
            for (trim, sumTrim) in [(0.3, 0.05), (0.25, 0.1)] {
                if Self.check(obs, ref, logratioTrim: trim, sumTrim: sumTrim, nO: 1e6, nR: 1e6, "near ties \(trial) \(trim)") {
                    answered += 1
                }
            }
        }
        #expect(answered > 0)
    }

    @Test func bandedMatchesGeneralOnEdgeCases() {
        var u = Uniform(state: 3)
        let n = 9000
        let ref = (0..<n).map { _ in (Foundation.exp(u.next() * 8) * u.next()).rounded(.down) + 1 }
        // the sample equal to the reference (every M 0), a multiple of it (every M equal), nearly equal
        Self.check(ref, ref, "identical")
        #expect(!Self.check(ref, ref, "identical"))
        Self.check(ref.map { $0 * 2 }, ref, "doubled")
        Self.check(ref.map { $0 * 2 }, ref, nO: 1, nR: 1, "doubled, unit library sizes")
        Self.check(ref.map { $0 * (1 + 1e-7) }, ref, nO: 1, nR: 1, "M within 1e-6 of 0")
        // Acutoff keeping some, none, all genes
        let obs = ref.map { ($0 * 2 * u.next()).rounded(.down) }
        for cut in [-1e10, -20, -14, -12, 0, .infinity, -.infinity] {
            Self.check(obs, ref, Acutoff: cut, "Acutoff \(cut)")
        }
        // library sizes that make proportions tiny, huge or subnormal
        for (nO, nR) in [(1e-300, 1.0), (1.0, 1e-300), (1e300, 1.0), (1.0, 1e300), (1e-10, 1e-10), (1e308, 1e308), (1e-320, 1.0)] {
            Self.check(obs, ref, nO: nO, nR: nR, "library sizes \(nO) \(nR)")
        }
        // every count 1 in both, or one count differing
        Self.check([Double](repeating: 1, count: n), [Double](repeating: 1, count: n), "all ones")
        var one = [Double](repeating: 1, count: n)
        one[n / 2] = 2
        Self.check(one, [Double](repeating: 1, count: n), "one differs")
        // a sample with only zeros, and one positive count
        Self.check([Double](repeating: 0, count: n), ref, "zeros")
        var single = [Double](repeating: 0, count: n)
        single[17] = 5
        Self.check(single, ref, "single count")
    }

    /// Gene g's value spread over `[from, from + width)` by the golden ratio
    /// (evenly, with no two genes equal).
    static func goldenSpread(_ g: Int, from: Double, width: Double) -> Double {
        let u = Double(g) * 0.6180339887498949
        return from + width * (u - u.rounded(.down))
    }

    /// The lower bracket `sampleBrackets` gives at `trim` for the banded
    /// path's sample of `value` (every 16th gene, from the 8th).
    static func sampledLowerBracket(_ value: (Int) -> Double, trim: Double) -> Double {
        let s = SelectionScratch.sampleSize
        var sample = (0..<s).map { value($0 * 16 + 8) }
        var room = [Double](repeating: 0, count: 2 * s)
        return sample.withUnsafeMutableBufferPointer { x in
            room.withUnsafeMutableBufferPointer { sampleBrackets(x.baseAddress!, s, trim, below: 0, above: .infinity, scratch: $0.baseAddress!) }
        }.0
    }

    @Test func bandedDeclinesWhenABoundIsNearItsWindowEdge() {
        // Library sizes 1 and reference counts 2^k (k = 0 ... 7), so q = o / r
        // exactly and A spreads with k. The sampled genes (every 16th, from the
        // 8th) and most others have q spread over [0.5, 2); about a tenth of
        // the genes, none sampled, form one tie group in q placed relative to
        // the lower M bracket's bound l1 so that M's 30% position falls in it.
        // When that order statistic lies within 1e-9 of log2(l1) the path
        // must decline; 1e-8 above, it answers.
        let n = 16384
        func spread(_ g: Int) -> Double { Self.goldenSpread(g, from: 0.5, width: 1.5) }
        let l1 = Self.sampledLowerBracket(spread, trim: 0.3) * (1 - 1e-7)
        let ref = (0..<n).map { g in Double(1 << ((g / 16) % 8)) }
        for (offset, answers) in [(1e-10, false), (0, false), (1e-8, true), (-1e-10, nil), (5e-10, false), (2e-9, nil)] as [(Double, Bool?)] {
            let group = l1 * (1 + offset)
            var obs = [Double](repeating: 0, count: n)
            for g in 0..<n {
                let q: Double = g % 16 != 8 && g % 9 == 0 ? group : spread(g)
                obs[g] = q * ref[g]
            }
            let (general, banded) = Self.bothPaths(obs: obs, ref: ref, nO: 1, nR: 1)
            if let answers { #expect((banded != nil) == answers, "offset \(offset)") }
            if let banded { #expect(banded.bitPattern == general.bitPattern, "offset \(offset)") }
        }
    }

    @Test(arguments: Set([false, AVX512Kernels.supported]))
    func selectCountingMatchesSorting(avx512: Bool) {
        var u = Uniform(state: 17)
        for n in [1, 2, 3, 16, 17, 33, 100, 1000, 4097] {
            for kind in 0..<4 {
                // distinct values, few distinct values, all equal, sorted descending with ties
                let x: [Double] = (0..<n).map { i in
                    switch kind {
                    case 0: return u.next() * 2 - 1
                    case 1: return (u.next() * 5).rounded(.down) - 2
                    case 2: return 3.5
                    default: return Double((n - i) / 3)
                    }
                }
                let sorted = x.sorted()
                for k in Set([0, n / 3, n / 2, n - 1]) {
                    var a = x, room = [Double](repeating: 0, count: n)
                    let (v, less, atMost) = a.withUnsafeMutableBufferPointer { ab in
                        room.withUnsafeMutableBufferPointer { selectCounting(ab.baseAddress!, n, k, scratch: $0.baseAddress!, avx512: avx512) }
                    }
                    #expect(v == sorted[k], "n \(n) kind \(kind) k \(k)")
                    #expect(less == x.filter { $0 < v }.count && atMost == x.filter { $0 <= v }.count, "n \(n) kind \(kind) k \(k)")
                }
            }
        }
    }

    /// Paired timing of the two paths on a count file (set LIMMA_TMM_BENCH to
    /// its path; skipped otherwise): the filtered genes, every sample against
    /// the first, general and banded alternately on one thread.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LIMMA_TMM_BENCH"] != nil, "set LIMMA_TMM_BENCH to a count file"))
    func benchmark() throws {
        guard let path = ProcessInfo.processInfo.environment["LIMMA_TMM_BENCH"] else { return }
        let file = try MatrixReader.read(path)
        var m = file.matrix
        let group = (m.colNames ?? []).map { String($0.prefix(1)) }
        let keep = try filterByExpr(m, group: group)
        m = m.rows(keep.indices.filter { keep[$0] })
        let lib = RBase.colSums(m)
        let n = m.nrow
        let nR = lib[0]
        let scratch = TMMScratch(capacity: n)
        defer { scratch.deallocate() }
        func now() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
        }
        var tGeneral = 0.0, tBanded = 0.0, declined = 0
        let reps = Int(ProcessInfo.processInfo.environment["LIMMA_TMM_BENCH_SAMPLES"] ?? "") ?? m.ncol
        m.values.withUnsafeBufferPointer { v in
            let reference = TMMReference(counts: v.baseAddress!, n, libSize: nR)
            for j in 1..<min(m.ncol, reps + 1) {
                let obs = v.baseAddress! + j * n
                let t0 = now()
                let g = tmmFactorGeneral(obs: obs, n, reference, libObs: lib[j], logratioTrim: 0.3, sumTrim: 0.05,
                                         doWeighting: true, Acutoff: -1e10, scratch: scratch)
                let t1 = now()
                let b = tmmFactorBanded(obs: obs, n, reference, libObs: lib[j], logratioTrim: 0.3, sumTrim: 0.05,
                                        doWeighting: true, Acutoff: -1e10, scratch: scratch)
                let t2 = now()
                tGeneral += t1 - t0
                tBanded += t2 - t1
                if let b { #expect(b.bitPattern == g.bitPattern) } else { declined += 1 }
            }
        }
        let pairs = Double(min(m.ncol, reps + 1) - 1)
        print(String(format: "TMM bench: %d genes, %.0f pairs: general %.2f ns, banded %.2f ns per gene and pair; banded declined %d",
                     n, pairs, tGeneral / pairs / Double(n) * 1e9, tBanded / pairs / Double(n) * 1e9, declined))
    }
}
