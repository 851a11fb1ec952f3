import Testing
import Foundation
@testable import Limma
import LimmaFMA

/// LimmaFMA's voom kernel (`voomKernelTrendWeights`: candidate intervals, the
/// interpolation through `ExactQuotient`, `t^4` with FMA squares, `1 / s`)
/// against the plain code bit for bit: `1 / ExactPow.fourth(trend(v))` with
/// `approxfun` itself and `1 / R_pow(trend(v), 4)`, on adversarial knots and
/// values, at every length from 0 to 9 and around the chunk size; and voom's
/// weights with the kernels on and off, on both of its paths and at 1 and 2
/// threads.
@Suite struct VoomFMAWeightsTests {
    typealias Rng = VoomWeightsTests.Rng

    /// `VoomKernelChecks.adversarialTrend`s (knots of several shapes: dense
    /// clusters, runs one ulp apart, two knots, a range too wide for
    /// buckets, a smooth trend like voom's, knots near 0 with tiny widths;
    /// y values at and around `t^4`'s band edges, 2^-8, 2^-2, 2^2, 2^8, with
    /// 13 to 17 significant bits, so t^4 exact or at a rounding midpoint, 0,
    /// -0, negative, huge, tiny and NaN; queries at, between and beside the
    /// knots, outside the range, NaN, infinities, signed zeros, huge and
    /// tiny values), in random and sorted order, at lengths 0 to 9, 511 to
    /// 513 and beyond.
    @Test(.enabled(if: FMAKernels.supported)) func kernelMatchesPlainCodeOnAdversarialInputs() throws {
        var rng = Rng(state: 0xFAFA)
        var bad = 0
        for trial in 0..<36 {
            let (f, queries) = try VoomKernelChecks.adversarialTrend(trial, &rng)
            let lookup = ApproxLookup(f)
            let sorted = queries.filter { !$0.isNaN }.sorted()
            for seq in [queries, sorted] {
                for values in VoomKernelChecks.windows(seq, Array(0...9) + [511, 512, 513, 1027, seq.count], &rng) {
                    VoomKernelChecks.countMismatches(values, VoomKernelChecks.tablesKernel(lookup, values), f, &bad, "trial \(trial)")
                }
            }
        }
        #expect(bad == 0)
    }

    /// Values whose trend lands on every side of `ExactPow`'s bands: two
    /// knots, y from 2^-9 to 2^9 in fine steps and around each edge, and
    /// the points at and between the knots, four lanes mixing all of them.
    @Test(.enabled(if: FMAKernels.supported)) func kernelMatchesAroundPowerBands() throws {
        var rng = Rng(state: 0xB00B5)
        var bad = 0
        let (f, values) = try VoomKernelChecks.powerBandTrend(&rng)
        VoomKernelChecks.countMismatches(values, VoomKernelChecks.tablesKernel(ApproxLookup(f), values), f, &bad, "")
        #expect(bad == 0)
    }

    /// `voomObservationWeights` with the kernels on and off (and asked for
    /// with a trend built without their tables), bit for bit:
    /// both paths (two distinct design rows with 40 samples: sorted; all
    /// rows distinct: blocks), knots at observations' fitted log-counts,
    /// trend values at the band edges, fitted values outside the trend,
    /// library sizes 0, tiny and huge, genes 1 to 1,100, 1 and 2 threads.
    @Test(.enabled(if: FMAKernels.supported)) func weightsMatchWithKernelsOnAndOff() throws {
        var rng = Rng(state: 0x0FF0)
        defer { LimmaThreads.set(0) }
        for trial in 0..<12 {
            let ngenes = [1, 3, 5, 258, 1100, 7][trial % 6]
            let nsamples = trial % 2 == 0 ? 40 : 5
            var X = Matrix(nrow: nsamples, ncol: 2)
            for j in 0..<nsamples { X[j, 0] = 1; X[j, 1] = trial % 2 == 0 ? Double(j % 2) : rng.uniform() }
            var coef = Matrix(nrow: ngenes, ncol: 2)
            for g in 0..<ngenes {
                coef[g, 0] = rng.uniform() * 16 - 3
                coef[g, 1] = rng.uniform() * 2 - 1
            }
            if ngenes > 3 { coef[1, 0] = -40; coef[2, 0] = 60 }
            let libChoices: [Double] = [0, 5e-324, 1e-300, 1, 1e6, 2e7, 2e7, 1e300]
            let lib = (0..<nsamples).map { j in j % 3 == 0 ? libChoices[(j / 3 + trial) % libChoices.count] : 1e6 + rng.uniform() * 3e7 }
            var kx = [Double]()
            for j in 0..<nsamples where j % 4 == 0 {
                for g in stride(from: 0, to: ngenes, by: 3) {
                    let v = log2(1e-6 * (RMath.pow(2, 0 + coef[g, 0] * X[j, 0] + coef[g, 1] * X[j, 1]) * (lib[j] + 1)))
                    if v.isFinite { kx.append(v) }
                }
            }
            kx += (0..<80).map { _ in rng.uniform() * 16 - 4 }
            kx.sort()
            var ux = [Double]()
            for v in kx where ux.last.map({ $0 < v }) ?? true { ux.append(v) }
            let yChoices: [Double] = [0x1p-8, (0x1p-8).nextDown, 0x1p-2, (0x1p2).nextDown, 0x1p2, 0x1p8, (0x1p8).nextDown, 0, 1e100]
            let ky = ux.indices.map { k in k % 5 == 0 ? yChoices[(k / 5 + trial) % yChoices.count] : 0.2 + rng.uniform() * 2 }
            let trend = try approxfun(x: ux, y: ky, rule: 2, ordered: true)
            for threads in [1, 2] {
                LimmaThreads.set(threads)
                let plain = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: ApproxLookup(trend),
                                                   kernels: false)
                let fused = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: ApproxLookup(trend),
                                                   kernels: true)
                // Kernels asked for, but a trend without their tables: the plain path.
                let untabled = voomObservationWeights(coefficients: coef, design: X, libSize: lib,
                                                      trend: ApproxLookup(trend, kernelTables: false), kernels: true)
                let bad = zip(plain, fused).filter { !VoomKernelChecks.same($0, $1) }.count
                    + zip(plain, untabled).filter { !VoomKernelChecks.same($0, $1) }.count
                #expect(plain.count == fused.count && plain.count == untabled.count && bad == 0,
                        "trial \(trial) (\(ngenes) x \(nsamples)) threads \(threads): \(bad) differ")
            }
        }
    }
}
