import Testing
import Foundation
@testable import Limma

/// voom's per-observation passes against their plain definitions, bit for
/// bit: the log-CPM pass (with its per-column memo of whole counts), the
/// weights (shared `2^f` per distinct design row, gene blocks, sorted
/// samples with hinted trend lookups) and `ApproxLookup`'s searches, and
/// `ExactPow` near its acceptance bands.
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

    /// The interval records, the three-step walk from a hint and the bucket
    /// table on adversarial knots: dense clusters (many knots in one bucket)
    /// beside sparse stretches, knots one ulp apart, two knots, signed zeros
    /// and huge values in y, a range too wide for buckets (the plain
    /// bisection), and hints anywhere (negative, at and past the last knots).
    @Test func lookupMatchesApproxFunOnAdversarialKnots() throws {
        var rng = Rng(state: 0xA11CE)
        let same = VoomKernelChecks.same
        for trial in 0..<40 {
            var xs = [Double]()
            switch trial % 5 {
            case 0:   // clusters: 200 knots within 1e-9 of 0.3, the rest spread over [-4, 12]
                xs = (0..<200).map { _ in 0.3 + rng.uniform() * 1e-9 } + (0..<300).map { _ in rng.uniform() * 16 - 4 }
            case 1:   // runs of knots one ulp apart
                var v = -1.0
                for k in 0..<400 { xs.append(v); v = k % 50 == 0 ? v + rng.uniform() : v.nextUp }
            case 2:   // two or three knots
                xs = (0..<(2 + trial % 2)).map { _ in rng.uniform() * 10 }
            case 3:   // too wide for a bucket grid (x_n - x_1 overflows)
                xs = [-1.5e308, -1, 0, 2, 1.6e308]
            default:  // smooth and dense, as voom's trend
                xs = (0..<3000).map { _ in (rng.uniform() + rng.uniform() + rng.uniform()) * 6 - 6 }
            }
            xs.sort()
            var ux = [Double]()
            for v in xs where ux.last.map({ $0 < v }) ?? true { ux.append(v) }
            if ux.count < 2 { ux = [0, 1] }
            let ys = ux.indices.map { k -> Double in
                switch k % 7 {
                case 0: return 0.0
                case 1: return -0.0
                case 2: return 1e300
                default: return rng.uniform() * 3 - 1
                }
            }
            let f = try approxfun(x: ux, y: ys, rule: 2, ordered: true)
            let lookup = ApproxLookup(f)
            let n = ux.count
            var queries = ux + ux.map(\.nextUp) + ux.map(\.nextDown)
            queries += zip(ux, ux.dropFirst()).map { ($0 + $1) / 2 }
            queries += (0..<3000).map { _ in ux[0] - 1 + rng.uniform() * (min(ux[n - 1] - ux[0], 1e300) + 2) }
            queries += [.nan, -.infinity, .infinity, -0.0, 0.0, 0.3, (0.3).nextUp]
            let ascending = queries.filter { !$0.isNaN }.sorted()
            lookup.withEvaluator { ev in
                for seq in [queries, ascending] {
                    var hint = -1
                    for (k, v) in seq.enumerated() {
                        if k % 31 == 7 { hint = [-5, -1, 0, n - 3, n - 2, n - 1, n, n + 1, n + 7][k % 9] }
                        if k % 53 == 11 { hint = Int(rng.uniform() * Double(n)) }
                        let want = f(v)
                        #expect(same(ev(v, hint: &hint), want), "trial \(trial) n \(n) v \(v)")
                        #expect(same(ev(v), want), "trial \(trial) n \(n) v \(v) (no hint)")
                        #expect(same(lookup(v), want))
                    }
                    // Two points at once: neighbours, and each with a point far off.
                    for k in 0..<(seq.count - 1) {
                        let pairs = [SIMD2(seq[k], seq[k + 1]), SIMD2(seq[k], seq[(k * 7919) % seq.count])]
                        for pv in pairs {
                            let got = ev(pv)
                            #expect(same(got.x, f(pv.x)) && same(got.y, f(pv.y)), "trial \(trial) n \(n) pair \(pv)")
                        }
                    }
                }
            }
        }
    }

    /// `ExactPow` near its acceptance bands: `t` with 13 to 17 significant
    /// bits (t^4 exactly representable, at a midpoint, or just off one),
    /// around the range edges 2^-8, 2^8, 2^-200 and 2^200, and `2^f`
    /// around |f| = 64 and on fine grids; all against R_pow.
    @Test func exactPowMatchesRPowNearBands() {
        var rng = Rng(state: 0xB0B)
        var bad = 0
        func check4(_ t: Double) {
            let got = ExactPow.fourth(t), want = RMath.pow(t, 4)
            if !(got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN)) {
                bad += 1
                if bad <= 5 { Issue.record("\(t)^4: \(got) != R_pow \(want)") }
            }
        }
        func check2(_ f: Double) {
            let got = ExactPow.pow2(f, table: ExactPow.exp2Table), want = RMath.pow(2, f)
            if !(got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN)) {
                bad += 1
                if bad <= 5 { Issue.record("2^\(f): \(got) != R_pow \(want)") }
            }
        }
        for bits in 13...17 {
            for _ in 0..<40_000 {
                let m = Double(Int(rng.uniform() * Double(1 << (bits - 1))) + (1 << (bits - 1)))
                let e = Int(rng.uniform() * 24) - 12
                check4(m * pow(2, Double(e - bits + 1)))
            }
        }
        for edge in [0x1p-8, 0x1p8, 0x1p-200, 0x1p200, 1.0, 2.0] {
            var up = edge, down = edge
            for _ in 0..<2000 {
                check4(up); check4(down); check4(-up)
                up = up.nextUp; down = down.nextDown
            }
        }
        for _ in 0..<400_000 {
            check4(0.05 + rng.uniform() * 6)
            check2(rng.uniform() * 140 - 70)
        }
        for edge in [64.0, -64.0, 0, 1000, -1000] {
            var up = edge, down = edge
            for _ in 0..<2000 { check2(up); check2(down); up = up.nextUp; down = down.nextDown }
        }
        for k in -20000...20000 { check2(Double(k) / 1024) }
        #expect(bad == 0)
    }

    /// `ExactPow.reciprocalFourth` lane by lane against `1 / R_pow(t, 4)`:
    /// every pairing of values in and out of the inline band (its edges,
    /// 0, -0, negatives, subnormals, huge, infinite, NaN), values whose
    /// fourth power sits at or near a rounding midpoint (rejected by the
    /// band test), and random values in the band.
    @Test func reciprocalFourthMatchesRPow() {
        var rng = Rng(state: 0xF0F0)
        var special: [Double] = [0, -0.0, 1, -1, 0x1p-8, (0x1p-8).nextDown, (0x1p-8).nextUp, 0x1p8, (0x1p8).nextDown,
                                 0x1p-200, 0x1p200, 5e-324, 2.2250738585072014e-308, 1e-100, 1e100, 1e300,
                                 .infinity, -.infinity, .nan, -0.5, 0.75, 1.5, 255.9]
        for bits in 13...17 {
            for _ in 0..<200 {
                let m = Double(Int(rng.uniform() * Double(1 << (bits - 1))) + (1 << (bits - 1)))
                special.append(m * pow(2, Double(Int(rng.uniform() * 16) - 8 - bits + 1)))
            }
        }
        let same = VoomKernelChecks.same
        var bad = 0
        func check(_ a: Double, _ b: Double) {
            let got = ExactPow.reciprocalFourth(SIMD2(a, b))
            let wa = 1 / RMath.pow(a, 4), wb = 1 / RMath.pow(b, 4)
            if !same(got.x, wa) || !same(got.y, wb) {
                bad += 1
                if bad <= 5 { Issue.record("(\(a), \(b)): \(got) != (\(wa), \(wb))") }
            }
        }
        for a in special { for b in special { check(a, b) } }
        for _ in 0..<300_000 { check(0.05 + rng.uniform() * 6, 0.2 + rng.uniform() * 2) }
        #expect(bad == 0)
    }

    /// `ExactPow.fourth` and `reciprocalFourth` in the wider band
    /// `2^-2 <= t < 2^2` (accepted within 0.486 ulp): random values there,
    /// about one in sixty accepted only because of the wider band, and the
    /// values around its edges 2^-2 and 2^2, scalar and in both lanes
    /// (paired with values in it and outside it), against R_pow.
    @Test func fourthWideBandMatchesRPow() {
        var rng = Rng(state: 0x4444)
        let same = VoomKernelChecks.same
        var bad = 0, newlyAccepted = 0
        func check(_ a: Double, _ b: Double) {
            let wa = RMath.pow(a, 4), wb = RMath.pow(b, 4)
            let got = ExactPow.reciprocalFourth(SIMD2(a, b))
            if !same(ExactPow.fourth(a), wa) || !same(ExactPow.fourth(b), wb) || !same(got.x, 1 / wa) || !same(got.y, 1 / wb) {
                bad += 1
                if bad <= 5 { Issue.record("(\(a), \(b)): \(got) vs R_pow (\(wa), \(wb))") }
            }
        }
        for _ in 0..<1_500_000 {
            let t = 0.25 + rng.uniform() * 3.75
            // The distance of t^4 from its rounded sum, as `fourth` computes it.
            let a = t * t, ea = ExactPow.squareError(t, a), b = a * a, eb = ExactPow.squareError(a, b)
            let c = eb + 2 * a * ea, s = b + c
            let err = abs(c - (s - b)) / ExactPow.ulp(s)
            if err > 0.478 && err <= 0.486 { newlyAccepted += 1 }
            check(t, 0.5 + rng.uniform())
            check(0.004 + rng.uniform() * 0.246, t)        // one lane outside the wider band
        }
        for edge in [0.25, 4.0] {
            var up = edge, down = edge
            for _ in 0..<20_000 { check(up, down); check(down, up); up = up.nextUp; down = down.nextDown }
        }
        #expect(newlyAccepted > 10_000)
        #expect(bad == 0)
    }

    /// `ExactPow.pow2` on two values against `R_pow(2, f)` lane by lane:
    /// every pairing of values around |f| = 64 (the two-lane band's edge),
    /// 1000, 0, -0, whole and 1/256 steps, NaN and infinities, and random
    /// values within and beyond the band.
    @Test func pow2PairsMatchRPow() {
        var rng = Rng(state: 0x2222)
        var special: [Double] = [0, -0.0, 1, -1, 0.5, 1.0 / 256, -1.0 / 512, 64, -64, (64.0).nextUp, (64.0).nextDown,
                                 (-64.0).nextUp, (-64.0).nextDown, 1000, -1000, 1000.5, 1e300, -1e300, 5e-324,
                                 .infinity, -.infinity, .nan, 63.99609375, -63.99609375, 20.001953125]
        for _ in 0..<60 { special.append(Double(Int(rng.uniform() * 32768) - 16384) / 256) }
        let same = VoomKernelChecks.same
        var bad = 0
        func check(_ a: Double, _ b: Double) {
            let got = ExactPow.pow2(SIMD2(a, b), table: ExactPow.exp2Table)
            let wa = RMath.pow(2, a), wb = RMath.pow(2, b)
            if !same(got.x, wa) || !same(got.y, wb) {
                bad += 1
                if bad <= 5 { Issue.record("2^(\(a), \(b)): \(got) != (\(wa), \(wb))") }
            }
        }
        for a in special { for b in special { check(a, b) } }
        for _ in 0..<300_000 { check(rng.uniform() * 130 - 65, rng.uniform() * 40 - 10) }
        #expect(bad == 0)
    }

    /// The weights against the plain definition on adversarial inputs: the
    /// trend's knots placed at observations' own fitted log-counts (points
    /// exactly at knots), trend values 0 (weight infinity), negative, at the
    /// inline band's edges and huge, fitted values outside the trend's range
    /// on both sides, infinite and NaN coefficients, library sizes 0,
    /// subnormal, tiny, huge and tied, and sizes of one gene or one sample;
    /// both the block and the sorted paths (two distinct design rows and 1,
    /// 2, 3, 33 or 40 samples), at 1 and 2 threads.
    @Test func weightsMatchPlainDefinitionOnAdversarialInputs() throws {
        var rng = Rng(state: 0x5EED)
        defer { LimmaThreads.set(0) }
        for trial in 0..<24 {
            let ngenes = [1, 2, 3, 37, 500, 1][trial % 6]
            let nsamples = [1, 2, 3, 33, 40][trial % 5]
            var X = Matrix(nrow: nsamples, ncol: 2)
            for j in 0..<nsamples { X[j, 0] = 1; X[j, 1] = Double(j % 2) }
            var coef = Matrix(nrow: ngenes, ncol: 2)
            for g in 0..<ngenes {
                coef[g, 0] = rng.uniform() * 16 - 3
                coef[g, 1] = g % 5 == 0 ? 0 : rng.uniform() * 2 - 1
            }
            if ngenes > 3 {
                coef[1, 0] = -40          // far below the trend
                coef[2, 0] = 60           // far above it
                coef[3, 1] = 1e-300
            }
            if trial % 4 == 3 { coef[0, 1] = [Double.infinity, -.infinity, .nan][trial % 3] }
            let libChoices: [Double] = [0, 5e-324, 1e-300, 1, 1e6, 2e7, 2e7, 1e300, 1.7e308]
            let lib = (0..<nsamples).map { j in trial % 2 == 0 ? libChoices[(j + trial) % libChoices.count] : 1e6 + rng.uniform() * 3e7 }
            // Knots: some observations' own fitted log-counts, and a spread.
            var kx = [Double]()
            for j in stride(from: 0, to: nsamples, by: 3) {
                for g in stride(from: 0, to: ngenes, by: 4) {
                    let f = coef[g, 0] + coef[g, 1] * X[j, 1]
                    let v = log2(1e-6 * (RMath.pow(2, 0 + coef[g, 0] * X[j, 0] + coef[g, 1] * X[j, 1]) * (lib[j] + 1)))
                    if v.isFinite && f.isFinite { kx.append(v) }
                }
            }
            kx += (0..<60).map { _ in rng.uniform() * 16 - 4 }
            kx.sort()
            var ux = [Double]()
            for v in kx where ux.last.map({ $0 < v }) ?? true { ux.append(v) }
            let yChoices: [Double] = [0, -0.0, -0.3, 0x1p-8, (0x1p-8).nextDown, 0x1p8, (0x1p8).nextDown, 1e100, 1e-100]
            let ky = ux.indices.map { k in k % 4 == 0 ? yChoices[(k / 4 + trial) % yChoices.count] : 0.2 + rng.uniform() * 2 }
            let trend = try approxfun(x: ux, y: ky, rule: 2, ordered: true)
            let want = Self.referenceWeights(coef: coef, design: X, lib: lib, trend: trend)
            for threads in [1, 2] {
                LimmaThreads.set(threads)
                let got = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: ApproxLookup(trend))
                let bad = zip(got, want).filter { $0.bitPattern != $1.bitPattern && !($0.isNaN && $1.isNaN) }.count
                #expect(got.count == want.count && bad == 0,
                        "trial \(trial) (\(ngenes) x \(nsamples)) threads \(threads): \(bad) differ")
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
            // (Every third trial: 4,000 close knots, so that one sample's
            // increasing points step over several knots at a time.)
            let nk = trial % 3 == 2 ? 4000 : 50
            let kx = (0..<nk).map { Double($0) * 12.25 / Double(nk) - 1 }
            let ky = kx.map { 1.2 - 0.05 * $0 + 0.01 * sin(7 * $0) }
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
                    : u < 0.9 ? rng.uniform() * 100 : [0, -0.0, 4095, 4096, 4095.5, 1e300, -3.5, .nan, .infinity][k % 9]
            }
            // Library sizes: 0, ordinary, and (trials 6, 7) NaN and infinite ones.
            let lib = (0..<nsamples).map { j in
                j == 0 ? 0 : trial >= 6 && j == 1 ? .nan : trial >= 6 && j == 2 ? .infinity : 1e6 + rng.uniform() * 1e7
            }
            var want = [Double](repeating: 0, count: counts.values.count)
            for j in 0..<nsamples {
                for i in 0..<ngenes {
                    want[j * ngenes + i] = log2((counts[i, j] + 0.5) / (lib[j] + 1) * 1e6)
                }
            }
            // The table filled lazily (plain) and filled whole by LimmaFMA's
            // fmaLog2Settled, the other values gathered for it 256 at a time
            // (kernels; 20,000 genes flush mid-column): the same bits, also
            // written over the counts.
            for threads in [1, 2] {
                LimmaThreads.set(threads)
                for kernels in Set([false, FMAKernels.enabled]) {
                    let got = voomLogCPM(counts, libSize: lib, kernels: kernels)
                    #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "trial \(trial) threads \(threads) kernels \(kernels)")
                    var inPlace = counts.values
                    voomLogCPM(&inPlace, libSize: lib, kernels: kernels)
                    #expect(inPlace.map(\.bitPattern) == want.map(\.bitPattern), "in place: trial \(trial) threads \(threads) kernels \(kernels)")
                }
            }
        }
    }
}
