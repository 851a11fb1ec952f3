import Testing
import Foundation
@testable import Limma
import LimmaAVX512
import LimmaFMA

/// LimmaAVX512's eight-lane voom kernels against their four-lane LimmaFMA
/// counterparts and the plain code, bit for bit: LimmaAVX512's `voomKernelTrendWeights`
/// (kernel tables) and LimmaAVX512's `voomKernelTrendWeightsDividing` (coarse table) on
/// adversarial knots and values at lengths 0 to 17 and around their chunks,
/// LimmaAVX512's `voomKernelLogCounts` on adversarial fitted values and library sizes,
/// and voom's weights with the eight-lane kernels on and off (both paths,
/// with and without kernel tables, 1 and 2 threads). Run only where
/// `AVX512Kernels.supported`.
@Suite(.serialized) struct VoomAVX512Tests {
    typealias Rng = VoomWeightsTests.Rng

    /// The eight-lane trend kernels against the four-lane ones and the plain
    /// code (`1 / ExactPow.fourth(approxfun(v))`), in random and sorted
    /// order, at lengths 0 to 17, around 64 and 512 and whole.
    @Test(.enabled(if: AVX512Kernels.supported)) func trendKernelsMatchFourLanes() throws {
        var rng = Rng(state: 0x8A8E)
        var bad = 0
        for trial in 0..<24 {
            let (f, queries) = try VoomKernelChecks.adversarialTrend(trial, &rng)
            let sorted = queries.filter { !$0.isNaN }.sorted()
            let lookup = ApproxLookup(f)
            for seq in [queries, sorted] {
                for values in VoomKernelChecks.windows(seq, Array(0...17) + [63, 64, 65, 71, 511, 512, 513, 520, seq.count], &rng) {
                    let eight = VoomKernelChecks.tablesKernel(lookup, values, eightLanes: true)
                    let eightD = VoomKernelChecks.dividingKernel(lookup, values, eightLanes: true)
                    let four = VoomKernelChecks.tablesKernel(lookup, values)
                    let fourD = VoomKernelChecks.dividingKernel(lookup, values)
                    for k in values.indices {
                        let want = 1 / ExactPow.fourth(f(values[k]))
                        if !VoomKernelChecks.same(eight[k], four[k]) || !VoomKernelChecks.same(eightD[k], fourD[k]) || !VoomKernelChecks.same(eight[k], want)
                            || !VoomKernelChecks.same(eightD[k], want) {
                            bad += 1
                            if bad <= 5 { Issue.record("v \(values[k]): 8 \(eight[k]) 8d \(eightD[k]) 4 \(four[k]) 4d \(fourD[k]) plain \(want)") }
                        }
                    }
                }
            }
        }
        #expect(bad == 0)
    }

    /// LimmaAVX512's `voomKernelLogCounts` against `voomKernelLogCounts` and `log2` itself:
    /// fitted values voom-like, near 0 (2^f near 1), whole numbers, near ±64
    /// and beyond ±900; library sizes + 1 of 1, 1.5, 2, near 1e6, powers of
    /// two and their neighbours, 2^60 and beyond; sorted and not; at lengths
    /// 0 to 17, around 512 and 5,000.
    @Test(.enabled(if: AVX512Kernels.supported)) func logCountsMatchFourLanes() {
        var rng = SplitMix64(s: 0x8106)
        let l1s: [Double] = [1, 1.5, 2, 1e6, 1e6 + 1, 999_999, 0x1p20, 0x1p20 + 1, 0x1p21 - 1, 0x1p24, 2e7 + 1, 0x1p60, 0x1p61, 1e300]
        var bad = 0, settled = 0, total = 0
        for trial in 0..<40 {
            let n = Array(0...17)[trial % 18] + (trial >= 18 ? [0, 511, 512, 513, 5000][trial % 5] : 0)
            var p2 = Log2FMATests.voomLikePowersOfTwo(n, &rng)
            if trial % 2 == 0 { p2.sort() }
            for l1 in l1s + [rng.logUniform(1e5, 1e8).rounded() + 1] {
                let (four, _) = Log2FMATests.logCounts(p2, l1)
                let (eight, missed) = Log2FMATests.logCounts(p2, l1, eightLanes: true)
                for k in 0..<n where eight[k].bitPattern != four[k].bitPattern
                    || eight[k].bitPattern != log2(1e-6 * (p2[k] * l1)).bitPattern { bad += 1 }
                settled += n - missed
                total += n
            }
        }
        #expect(bad == 0)
        #expect(Double(settled) / Double(total) > 0.5)        // the kernel settles values, not only its fallback
    }

    /// voom's weights with the eight-lane kernels on and off (the four-lane
    /// ones then) and with no kernels: the sorted path (2 distinct rows, 40
    /// samples) and the block path (3 rows of 12 samples; all rows distinct),
    /// trends with and without kernel tables, library sizes near powers of
    /// two, 0 and huge, genes 1 to 1,100, 1 and 2 threads.
    @Test(.enabled(if: AVX512Kernels.supported)) func weightsMatchWithEightLanesOnAndOff() throws {
        var rng = Rng(state: 0x8888)
        defer {
            LimmaThreads.set(0)
            AVX512Kernels.set(nil)
        }
        for trial in 0..<12 {
            let ngenes = [1, 7, 9, 258, 1100, 17][trial % 6]
            let nsamples = [40, 12, 5][trial % 3]
            var X = Matrix(nrow: nsamples, ncol: 2)
            for j in 0..<nsamples {
                X[j, 0] = 1
                X[j, 1] = trial % 3 == 0 ? Double(j % 2) : trial % 3 == 1 ? Double(j % 3) : rng.uniform()
            }
            var coef = Matrix(nrow: ngenes, ncol: 2)
            for g in 0..<ngenes {
                coef[g, 0] = rng.uniform() * 16 - 3
                coef[g, 1] = rng.uniform() * 2 - 1
            }
            if ngenes > 3 { coef[1, 0] = -40; coef[2, 0] = 60 }
            let libChoices: [Double] = [0, 5e-324, 0x1p20 - 1, 0x1p21, 0x1p24 - 2, 1e6, 2e7, 1e300]
            let lib = (0..<nsamples).map { j in j % 3 == 0 ? libChoices[(j / 3 + trial) % libChoices.count] : 1e6 + rng.uniform() * 3e7 }
            var kx = (0..<80).map { _ in rng.uniform() * 16 - 4 }
            for j in stride(from: 0, to: nsamples, by: 4) {
                for g in stride(from: 0, to: ngenes, by: 3) {
                    let v = log2(1e-6 * (RMath.pow(2, 0 + coef[g, 0] * X[j, 0] + coef[g, 1] * X[j, 1]) * (lib[j] + 1)))
                    if v.isFinite { kx.append(v) }
                }
            }
            kx.sort()
            var ux = [Double]()
            for v in kx where ux.last.map({ $0 < v }) ?? true { ux.append(v) }
            let yChoices: [Double] = [0x1p-8, (0x1p-8).nextDown, 0x1p-2, (0x1p2).nextDown, 0x1p2, 0x1p8, (0x1p8).nextDown, 0, 1e100]
            let ky = ux.indices.map { k in k % 5 == 0 ? yChoices[(k / 5 + trial) % yChoices.count] : 0.2 + rng.uniform() * 2 }
            let trend = try approxfun(x: ux, y: ky, rule: 2, ordered: true)
            for tables in [true, false] {
                for threads in [1, 2] {
                    LimmaThreads.set(threads)
                    let lookup = ApproxLookup(trend, kernelTables: tables)
                    AVX512Kernels.set(nil)
                    let eight = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: lookup, kernels: true)
                    AVX512Kernels.set(false)
                    let four = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: lookup, kernels: true)
                    AVX512Kernels.set(nil)
                    let plain = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: lookup, kernels: false)
                    let bad = zip(eight, four).filter { !VoomKernelChecks.same($0, $1) }.count
                        + zip(eight, plain).filter { !VoomKernelChecks.same($0, $1) }.count
                    #expect(eight.count == plain.count && four.count == plain.count && bad == 0,
                            "trial \(trial) (\(ngenes) x \(nsamples)) tables \(tables) threads \(threads): \(bad) differ")
                }
            }
        }
    }
}
