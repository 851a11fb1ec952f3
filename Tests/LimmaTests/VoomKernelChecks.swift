import Testing
import Foundation
@testable import Limma

/// What the suites of voom's trend kernels share (four lanes and eight, with
/// and without kernel tables: VoomFMAWeightsTests, VoomBlockKernelTests,
/// VoomAVX512Tests): the runs of a query sequence each kernel is called on,
/// the comparison of its results with the plain code and with R's `R_pow`,
/// and a trend whose values land on every side of `ExactPow`'s bands.
enum VoomKernelChecks {
    typealias Rng = VoomWeightsTests.Rng

    /// The same bits, or both NaN.
    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    /// The trend kernel with kernel tables (LimmaFMA's `voomKernelTrendWeights`,
    /// or with `eightLanes` LimmaAVX512's) on `values` (a copy), through
    /// voom's own dispatch (`voomTrendWeights`): the plain code for the values
    /// it leaves. Call only where that module may run.
    static func tablesKernel(_ lookup: ApproxLookup, _ values: [Double], eightLanes: Bool = false) -> [Double] {
        trendWeights(lookup, values, eightLanes ? .tables8 : .tables)
    }

    /// The dividing trend kernel (`voomKernelTrendWeightsDividing`, four or
    /// with `eightLanes` eight lanes: `lookup`'s coarse table) on `values` (a
    /// copy), as `tablesKernel`.
    static func dividingKernel(_ lookup: ApproxLookup, _ values: [Double], eightLanes: Bool = false) -> [Double] {
        trendWeights(lookup, values, eightLanes ? .dividing8 : .dividing)
    }

    /// voom's `voomTrendWeights` with `kernel` on a copy of `values`.
    private static func trendWeights(_ lookup: ApproxLookup, _ values: [Double], _ kernel: VoomTrendKernel) -> [Double] {
        var v = values
        lookup.withEvaluator { ev in
            v.withUnsafeMutableBufferPointer { vb in
                voomTrendWeights(vb.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, vb.count, ev, kernel)
            }
        }
        return v
    }

    /// A run of `seq` for each of `lengths` that it is long enough for: the
    /// whole sequence for its own length, else a run starting at a random
    /// place (one draw of `rng` per run, in the order of `lengths`).
    static func windows(_ seq: [Double], _ lengths: [Int], _ rng: inout Rng) -> [[Double]] {
        var runs: [[Double]] = []
        for len in lengths where len <= seq.count {
            let start = len == seq.count ? 0 : Int(rng.uniform() * Double(seq.count - len + 1))
            runs.append(Array(seq[start..<(start + len)]))
        }
        return runs
    }

    /// Adds to `bad` each value whose kernel result `got[k]` is not the bits
    /// of `1 / ExactPow.fourth(f(v))`, or whose `1 / ExactPow.fourth(t)` is
    /// not `1 / R_pow(t, 4)`; the first five are recorded with `label`.
    static func countMismatches(_ values: [Double], _ got: [Double], _ f: ApproxFun, _ bad: inout Int, _ label: String) {
        for (k, v) in values.enumerated() {
            let t = f(v)
            let want = 1 / ExactPow.fourth(t), r = 1 / RMath.pow(t, 4)
            if !same(got[k], want) || !same(want, r) {
                bad += 1
                if bad <= 5 { Issue.record("\(label) v \(v) t \(t): kernel \(got[k]) plain \(want) R_pow \(r)") }
            }
        }
    }

    /// Adversarial knots: a dense cluster (buckets holding many knots, so
    /// that walks stop short), runs one ulp apart, two to four knots, a
    /// range too wide for buckets, a smooth trend, tiny widths near 0.
    static func adversarialKnots(_ trial: Int, _ rng: inout Rng) -> [Double] {
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
        return ux.count < 2 ? [0, 1] : ux
    }

    /// An adversarial trend over `adversarialKnots` (y at and around `t^4`'s
    /// band edges, 2^-8, 2^-2, 2^2, 2^8; with 13 to 17 significant bits, so
    /// t^4 exact or at a rounding midpoint; 0, -0, negative, huge, tiny and
    /// NaN; rule 1, NaN outside, every fourth trial, else rule 2) and its
    /// queries: at, between and beside the knots, at both ends and beyond
    /// them, NaN, infinities, signed zeros, huge and tiny values, shuffled.
    static func adversarialTrend(_ trial: Int, _ rng: inout Rng) throws -> (ApproxFun, [Double]) {
        let ux = adversarialKnots(trial, &rng)
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
        let f = try approxfun(x: ux, y: ys, rule: trial % 4 == 3 ? 1 : 2, ordered: true)
        let n = ux.count
        var queries = ux + ux.map(\.nextUp) + ux.map(\.nextDown)
        queries += zip(ux, ux.dropFirst()).map { ($0 + $1) / 2 }
        queries += (0..<2000).map { _ in ux[0] - 1 + rng.uniform() * (min(ux[n - 1] - ux[0], 1e300) + 2) }
        queries += [.nan, -.infinity, .infinity, -0.0, 0.0, 1e300, -1e300, 5e-324, 1e-200, ux[0], ux[n - 1],
                    ux[0].nextDown, ux[n - 1].nextUp, ux[0] - 1, ux[n - 1] + 1]
        for k in stride(from: queries.count - 1, to: 0, by: -1) { queries.swapAt(k, Int(rng.uniform() * Double(k + 1))) }
        return (f, queries)
    }

    /// A trend whose values land on every side of `ExactPow`'s bands, and
    /// points to evaluate it at: y = t at knots 0, 1, 2, ..., with t from
    /// 300 steps of one ulp either side of 2^-9, 2^-8, 2^-2, 1, 2^2, 2^8 and
    /// 2^9, and 20,000 log-uniform in [2^-9, 2^9]; the points at the knots
    /// (t itself), halfway and at random places between them (interpolations
    /// of neighbours) and, with `beyondEnds`, one point before the first knot
    /// and one after the last; shuffled.
    static func powerBandTrend(_ rng: inout Rng, beyondEnds: Bool = false) throws -> (ApproxFun, [Double]) {
        var ts = [Double]()
        for edge in [0x1p-9, 0x1p-8, 0x1p-2, 1, 0x1p2, 0x1p8, 0x1p9] {
            var up = edge, down = edge
            for _ in 0..<300 { ts.append(up); ts.append(down); up = up.nextUp; down = down.nextDown }
        }
        for _ in 0..<20_000 { ts.append(pow(2, rng.uniform() * 18 - 9)) }
        let xs = ts.indices.map(Double.init)
        let f = try approxfun(x: xs, y: ts, rule: 2, ordered: true)
        var values = xs + xs.map { $0 + 0.5 } + xs.map { $0 + rng.uniform() } + (beyondEnds ? [-1, Double(xs.count)] : [])
        for k in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(k, Int(rng.uniform() * Double(k + 1))) }
        return (f, values)
    }
}
