import Testing
import Foundation
@testable import Limma
import LimmaFMA

/// voom's weights on the block path with LimmaFMA's kernels (the small
/// cases: the trend without kernel tables): `voomKernelTrendWeightsDividing`
/// against the plain code bit for bit on adversarial knots and values, and
/// `voomObservationWeights` with the kernels against its plain definition
/// (`VoomWeightsTests.referenceWeights`: R_pow, the libm's log2, approxfun)
/// and against itself without them.
@Suite struct VoomBlockKernelTests {
    typealias Rng = VoomWeightsTests.Rng

    /// The dividing kernel against `1 / ExactPow.fourth(approxfun(v))` and
    /// `1 / R_pow(approxfun(v), 4)` on `adversarialTrend`s, with the lookup
    /// built with and without kernel tables, queries shuffled and sorted,
    /// at lengths 0 to 9, around the chunk of 64 and whole.
    @Test(.enabled(if: FMAKernels.supported)) func dividingKernelMatchesPlainCodeOnAdversarialInputs() throws {
        var rng = Rng(state: 0xD1D1)
        var bad = 0
        for trial in 0..<36 {
            let (f, queries) = try VoomKernelChecks.adversarialTrend(trial, &rng)
            let sorted = queries.filter { !$0.isNaN }.sorted()
            for tables in [false, true] {
                let lookup = ApproxLookup(f, kernelTables: tables)
                for seq in [queries, sorted] {
                    let lengths = Array(0...9) + [63, 64, 65, 127, 128, 129, 257, seq.count]
                    for values in VoomKernelChecks.windows(seq, lengths, &rng) {
                        VoomKernelChecks.countMismatches(values, VoomKernelChecks.dividingKernel(lookup, values), f, &bad, "trial \(trial)")
                    }
                }
            }
        }
        #expect(bad == 0)
    }

    /// Values whose trend lands on every side of `ExactPow`'s bands, through
    /// the dividing kernel (knots 0, 1, 2, ... with y = t, queries at and
    /// between the knots, four lanes mixing all of them).
    @Test(.enabled(if: FMAKernels.supported)) func dividingKernelMatchesAroundPowerBands() throws {
        var rng = Rng(state: 0xBA5D)
        var bad = 0
        let (f, values) = try VoomKernelChecks.powerBandTrend(&rng, beyondEnds: true)
        VoomKernelChecks.countMismatches(values, VoomKernelChecks.dividingKernel(ApproxLookup(f, kernelTables: false), values), f, &bad, "")
        #expect(bad == 0)
    }

    /// `voomObservationWeights` on the block path (fewer than 16 samples per
    /// distinct design row) with the kernels and a trend without kernel
    /// tables, against its plain definition and against itself without the
    /// kernels, bit for bit: library sizes 0, subnormal, tiny, huge and
    /// near powers of two (`libSize + 1` at, one below and one above 2^k);
    /// fitted values tiny, huge and beyond `ExactPow`'s bands (2^f
    /// overflowing); fitted log-counts at and next to integers and near 0
    /// (where log2 lands near a rounding boundary or the kernel's `|yh| >=
    /// 1/4` test); knots at observations' own fitted log-counts, trend
    /// values at `t^4`'s band edges, fitted values beyond both ends;
    /// 1 to 1,100 genes (around the block of 256 and the lanes of four),
    /// 1 to 12 samples, shared and distinct rows, 1 and 2 threads.
    @Test(.enabled(if: FMAKernels.supported)) func blockPathWithKernelsMatchesPlainDefinition() throws {
        var rng = Rng(state: 0xB10C)
        defer { LimmaThreads.set(0) }
        for trial in 0..<24 {
            let ngenes = [1, 3, 5, 255, 256, 257, 513, 1100][trial % 8]
            let nsamples = [1, 2, 5, 7, 12, 12][trial % 6]
            // Distinct rows: 2 (every other sample), 3, or all (odd trials of 3).
            var X = Matrix(nrow: nsamples, ncol: 2)
            for j in 0..<nsamples {
                X[j, 0] = 1
                X[j, 1] = trial % 3 == 0 ? Double(j % 2) : trial % 3 == 1 ? Double(j % 3) * 0.5 : rng.uniform()
            }
            // Library sizes: powers of two less one (libSize + 1 = 2^k) and
            // their neighbours, 0, tiny, huge, or ordinary.
            let libs: [Double] = [0x1p20 - 1, 0x1p21, 0x1p22 - 2, 0x1p24, 0, 5e-324, 1e-300, 1e300, 0x1p25 - 1]
            let lib = (0..<nsamples).map { j in
                (j + trial) % 3 == 0 ? libs[(j / 3 + trial) % libs.count] : (1e6 + rng.uniform() * 3e7).rounded()
            }
            var coef = Matrix(nrow: ngenes, ncol: 2)
            for g in 0..<ngenes {
                let l1 = lib[g % nsamples] + 1
                switch g % 9 {
                case 0:
                    // 1e-6 * 2^f * l1 at or beside an integer power of two:
                    // f = k - log2(1e-6 l1), nudged by a few ulps.
                    let k = Double(Int(rng.uniform() * 14) - 2)
                    var f = k - log2(1e-6 * l1)
                    for _ in 0..<(g / 9) % 4 { f = f.nextUp }
                    coef[g, 0] = f.isFinite ? f : 3
                    coef[g, 1] = 0
                case 1:
                    // Fitted log-counts near 0 (|log2| below and above 1/4).
                    coef[g, 0] = -log2(1e-6 * l1) + (rng.uniform() - 0.5) * 0.6
                    coef[g, 1] = g % 2 == 0 ? 0 : 1e-300
                case 2: coef[g, 0] = [-40, 60, 1100, -1100, 1e-300, -1e-300, 70, -1070][(g / 9) % 8]; coef[g, 1] = 0
                default:
                    coef[g, 0] = rng.uniform() * 18 - 4
                    coef[g, 1] = rng.uniform() * 2 - 1
                }
                if !coef[g, 0].isFinite { coef[g, 0] = 1 }
            }
            // Knots: observations' own fitted log-counts, and a spread.
            var kx = [Double]()
            for j in stride(from: 0, to: nsamples, by: 2) {
                for g in stride(from: 0, to: ngenes, by: 3) {
                    let v = log2(1e-6 * (RMath.pow(2, 0 + coef[g, 0] * X[j, 0] + coef[g, 1] * X[j, 1]) * (lib[j] + 1)))
                    if v.isFinite && abs(v) < 30 { kx.append(v) }
                }
            }
            kx += (0..<80).map { _ in rng.uniform() * 16 - 4 }
            kx.sort()
            var ux = [Double]()
            for v in kx where ux.last.map({ $0 < v }) ?? true { ux.append(v) }
            let yChoices: [Double] = [0x1p-8, (0x1p-8).nextDown, 0x1p-2, (0x1p2).nextDown, 0x1p2, 0x1p8,
                                      (0x1p8).nextDown, 0, 1e100, -0.0]
            let ky = ux.indices.map { k in k % 5 == 0 ? yChoices[(k / 5 + trial) % yChoices.count] : 0.2 + rng.uniform() * 2 }
            let trend = try approxfun(x: ux, y: ky, rule: 2, ordered: true)
            let want = VoomWeightsTests.referenceWeights(coef: coef, design: X, lib: lib, trend: trend)
            for threads in [1, 2] {
                LimmaThreads.set(threads)
                let fused = voomObservationWeights(coefficients: coef, design: X, libSize: lib,
                                                   trend: ApproxLookup(trend, kernelTables: false), kernels: true)
                let plain = voomObservationWeights(coefficients: coef, design: X, libSize: lib,
                                                   trend: ApproxLookup(trend, kernelTables: false), kernels: false)
                let bad = zip(fused, want).filter { !VoomKernelChecks.same($0, $1) }.count
                    + zip(plain, want).filter { !VoomKernelChecks.same($0, $1) }.count
                #expect(fused.count == want.count && plain.count == want.count && bad == 0,
                        "trial \(trial) (\(ngenes) x \(nsamples)) threads \(threads): \(bad) differ")
            }
        }
    }

    /// `ApproxLookup.bucketTable` (one pass over the knots) against its
    /// definition: per bucket b, the last knot i whose bucket is below b
    /// (knot 0 if none), found bucket by bucket; coarse (2n) and fine (8n)
    /// tables, a zero scale (one bucket), knots clustered, one ulp apart,
    /// spread over the whole double range, two knots, and knots landing
    /// exactly on bucket edges.
    @Test func bucketTableMatchesDefinition() {
        var rng = Rng(state: 0x7AB1E)
        var bad = 0
        for trial in 0..<30 {
            // Knots landing exactly on bucket edges in every twelfth trial.
            let x = trial % 12 == 4 ? (0..<64).map { Double($0) / 8 } : VoomKernelChecks.adversarialKnots(trial, &rng)
            let n = x.count
            let width = x[n - 1] - x[0]
            for (nb, scale) in [(2 * n, Double(2 * n) / width), (8 * n, Double(8 * n) / width), (2 * n, 0.0), (1, 1.0 / width)]
            where scale.isFinite {
                let got = ApproxLookup.bucketTable(x, scale: scale, nb: nb)
                // The last knot whose bucket is below b, advancing over the
                // knots bucket by bucket (the table as first written).
                var want = [Int32](repeating: 0, count: nb + 1)
                var i = 0
                for b in 0...nb {
                    while i + 1 < n && ApproxLookup.bucket(x[i + 1], lo: x[0], scale: scale, nb: nb) < b { i += 1 }
                    want[b] = Int32(i)
                }
                if got != want {
                    bad += 1
                    Issue.record("trial \(trial) n \(n) nb \(nb) scale \(scale)")
                }
            }
        }
        #expect(bad == 0)
    }

    /// `fmaVoomPow2` against `ExactPow.pow2` and `R_pow(2, f)` bit for bit:
    /// f at and beside ±64 (the kernel's range) and ±1000, whole numbers
    /// (2^f exact: s a power of two, left to the scalar code), multiples of
    /// 1/256 and 1/512 and their neighbours (the rounding of 256 f to k at
    /// a tie), tiny, ±0, subnormal, NaN, ±infinity, beyond the range of
    /// doubles, and voom-like values; at lengths 0 to 9 and 1,000.
    @Test(.enabled(if: FMAKernels.supported)) func pow2KernelMatchesExactPowAndRPow() {
        var rng = Rng(state: 0x2F2F)
        var fs: [Double] = [64, -64, (64.0).nextUp, (-64.0).nextDown, (64.0).nextDown, 1000, -1000, 1024, -1075, 1e300,
                            -1e300, 0, -0.0, 5e-324, 1e-300, -1e-300, .nan, .infinity, -.infinity, 0x1p-9, -0x1p-9]
        for k in -300...300 {
            let a = Double(k) / 256, b = Double(2 * k + 1) / 512
            fs += [a, a.nextUp, a.nextDown, b, b.nextUp, b.nextDown, Double(k % 70)]
        }
        fs += (0..<20_000).map { _ in rng.uniform() * 40 - 12 }
        fs += (0..<2_000).map { _ in rng.uniform() * 2000 - 1000 }
        for k in stride(from: fs.count - 1, to: 0, by: -1) { fs.swapAt(k, Int(rng.uniform() * Double(k + 1))) }
        let table = ExactPow.exp2Table
        var bad = 0, settled = 0
        for len in Array(0...9) + [1000, fs.count] {
            let start = len == fs.count ? 0 : Int(rng.uniform() * Double(fs.count - len + 1))
            var v = Array(fs[start..<(start + len)])
            var missed = 0
            v.withUnsafeMutableBufferPointer { vb in
                fmaVoomPow2(vb.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count: vb.count, table: table,
                            coefficients: (ExactPow.c1, ExactPow.c2, ExactPow.c3, ExactPow.c4, ExactPow.c5, ExactPow.c6),
                            miss: { f in missed += 1; return ExactPow.pow2(f, table: table) })
            }
            for k in 0..<len {
                let f = fs[start + k]
                let want = ExactPow.pow2(f, table: table)
                if !VoomKernelChecks.same(v[k], want) || !VoomKernelChecks.same(want, RMath.pow(2, f)) {
                    bad += 1
                    if bad <= 5 { Issue.record("f \(f): kernel \(v[k]) ExactPow \(want) R_pow \(RMath.pow(2, f))") }
                }
            }
            if len == fs.count { settled = len - missed }
        }
        #expect(bad == 0)
        #expect(Double(settled) / Double(fs.count) > 0.8)      // the kernel settles values, not only its fallback
    }
}
