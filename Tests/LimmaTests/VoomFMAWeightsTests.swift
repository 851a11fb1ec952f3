import Testing
import Foundation
@testable import Limma
import LimmaFMA

/// LimmaFMA's voom kernel (`fmaVoomTrendWeights`: candidate intervals, the
/// interpolation through `ExactQuotient`, `t^4` with FMA squares, `1 / s`)
/// against the plain code bit for bit: `1 / ExactPow.fourth(trend(v))` with
/// `approxfun` itself and `1 / R_pow(trend(v), 4)`, on adversarial knots and
/// values, at every length from 0 to 9 and around the chunk size; and voom's
/// weights with the kernels on and off, on both of its paths and at 1 and 2
/// threads.
@Suite struct VoomFMAWeightsTests {
    typealias Rng = VoomWeightsTests.Rng

    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    /// The kernel on `values` (a copy), through `lookup`'s tables and the
    /// plain code for the values it leaves.
    static func kernel(_ lookup: ApproxLookup, _ values: [Double]) -> [Double] {
        var v = values
        lookup.withEvaluator { ev in
            v.withUnsafeMutableBufferPointer { vb in
                fmaVoomTrendWeights(vb.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, count: vb.count,
                                    cells: ev.cells, reciprocals: ev.reciprocals, first: ev.fine,
                                    x1: ev.x1, xn: ev.xn, lo: ev.lo, scale: ev.fineScale, nb: ev.fineNb,
                                    trendMiss: { x in 1 / ExactPow.fourth(ev(x)) },
                                    powerMiss: { t in 1 / ExactPow.fourth(t) })
            }
        }
        return v
    }

    /// Knots of several shapes (dense clusters, runs one ulp apart, two
    /// knots, a range too wide for buckets, a smooth trend like voom's,
    /// knots near 0 with tiny widths) and y values at and around `t^4`'s
    /// band edges (2^-8, 2^-2, 2^2, 2^8), with 13 to 17 significant bits
    /// (t^4 exact or at a rounding midpoint), 0, -0, negative, huge, tiny
    /// and NaN; queries at, between and beside the knots, outside the range,
    /// NaN, infinities, signed zeros, huge and tiny values, in sorted and
    /// random order, at lengths 0 to 9, 511 to 513 and beyond.
    @Test(.enabled(if: FMAKernels.supported)) func kernelMatchesPlainCodeOnAdversarialInputs() throws {
        var rng = Rng(state: 0xFAFA)
        var bad = 0
        for trial in 0..<36 {
            var xs = [Double]()
            switch trial % 6 {
            case 0: xs = (0..<300).map { _ in 0.3 + rng.uniform() * 1e-9 } + (0..<400).map { _ in rng.uniform() * 16 - 4 }
            case 1:
                var v = -1.0
                for k in 0..<500 { xs.append(v); v = k % 60 == 0 ? v + rng.uniform() : v.nextUp }
            case 2: xs = (0..<(2 + trial % 3)).map { _ in rng.uniform() * 10 }
            case 3: xs = [-1.5e308, -1, 0, 2, 1.6e308]
            case 4: xs = (0..<3000).map { _ in (rng.uniform() + rng.uniform() + rng.uniform()) * 6 - 6 }
            default: xs = (0..<200).map { _ in rng.uniform() * 1e-300 } + [0, 5e-324, 1e-310, 2e-150, 1]
            }
            xs.sort()
            var ux = [Double]()
            for v in xs where ux.last.map({ $0 < v }) ?? true { ux.append(v) }
            if ux.count < 2 { ux = [0, 1] }
            let edges: [Double] = [0x1p-8, 0x1p-2, 0x1p2, 0x1p8, 1, 2, 0.5]
            let ys = ux.indices.map { k -> Double in
                switch k % 11 {
                case 0: return edges[(k / 11) % edges.count]
                case 1: return edges[(k / 11 + 3) % edges.count].nextDown
                case 2: return edges[(k / 11 + 5) % edges.count].nextUp
                case 3:
                    let bits = 13 + (k / 11) % 5
                    let m = Double(Int(rng.uniform() * Double(1 << (bits - 1))) + (1 << (bits - 1)))
                    return m * pow(2, Double(Int(rng.uniform() * 8) - 4 - bits + 1))
                case 4: return [0.0, -0.0, -0.3, 1e300, 1e-300, .nan][(k / 11) % 6]
                default: return 0.2 + rng.uniform() * 3
                }
            }
            let f = try approxfun(x: ux, y: ys, rule: 2, ordered: true)
            let lookup = ApproxLookup(f)
            let n = ux.count
            var queries = ux + ux.map(\.nextUp) + ux.map(\.nextDown)
            queries += zip(ux, ux.dropFirst()).map { ($0 + $1) / 2 }
            queries += (0..<2000).map { _ in ux[0] - 1 + rng.uniform() * (min(ux[n - 1] - ux[0], 1e300) + 2) }
            queries += [.nan, -.infinity, .infinity, -0.0, 0.0, 1e300, -1e300, 5e-324, 1e-200, ux[0], ux[n - 1]]
            var order = queries
            for k in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(k, Int(rng.uniform() * Double(k + 1))) }
            let sorted = queries.filter { !$0.isNaN }.sorted()
            for seq in [queries, order, sorted] {
                for len in Array(0...9) + [511, 512, 513, 1027, seq.count] where len <= seq.count {
                    let start = len == seq.count ? 0 : Int(rng.uniform() * Double(seq.count - len + 1))
                    let values = Array(seq[start..<(start + len)])
                    let got = Self.kernel(lookup, values)
                    for (k, v) in values.enumerated() {
                        let t = f(v)
                        let want = 1 / ExactPow.fourth(t), r = 1 / RMath.pow(t, 4)
                        if !Self.same(got[k], want) || !Self.same(want, r) {
                            bad += 1
                            if bad <= 5 { Issue.record("trial \(trial) v \(v) t \(t): kernel \(got[k]) plain \(want) R_pow \(r)") }
                        }
                    }
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
        var ts = [Double]()
        for edge in [0x1p-9, 0x1p-8, 0x1p-2, 1, 0x1p2, 0x1p8, 0x1p9] {
            var up = edge, down = edge
            for _ in 0..<300 { ts.append(up); ts.append(down); up = up.nextUp; down = down.nextDown }
        }
        for _ in 0..<20_000 { ts.append(pow(2, rng.uniform() * 18 - 9)) }
        // Knots 0, 1, 2, ... with y = t: points at the knots give t itself,
        // points between them interpolations of neighbours.
        let xs = ts.indices.map(Double.init)
        let f = try approxfun(x: xs, y: ts, rule: 2, ordered: true)
        let lookup = ApproxLookup(f)
        var values = xs + xs.map { $0 + 0.5 } + xs.map { $0 + rng.uniform() }
        for k in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(k, Int(rng.uniform() * Double(k + 1))) }
        let got = Self.kernel(lookup, values)
        for (k, v) in values.enumerated() {
            let t = f(v), want = 1 / RMath.pow(t, 4)
            if !Self.same(got[k], want) || !Self.same(1 / ExactPow.fourth(t), want) {
                bad += 1
                if bad <= 5 { Issue.record("v \(v) t \(t): kernel \(got[k]) R_pow \(want)") }
            }
        }
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
                let bad = zip(plain, fused).filter { !Self.same($0, $1) }.count
                    + zip(plain, untabled).filter { !Self.same($0, $1) }.count
                #expect(plain.count == fused.count && plain.count == untabled.count && bad == 0,
                        "trial \(trial) (\(ngenes) x \(nsamples)) threads \(threads): \(bad) differ")
            }
        }
    }
}
