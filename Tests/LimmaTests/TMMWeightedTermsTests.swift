// The banded TMM path's weighted sums over its candidates with CAVX512's
// kernels (M through LimmaFMA's fmaLog2Settled, then the terms eight
// candidates at a time) against the plain two-lane loop and glibc's log2:
// the same bits on inputs made to hit zero,
// subnormal, near-one, huge, infinite, NaN and negative values and lengths
// 0 through 17.
import Foundation
import Testing
@testable import Limma
import LimmaFMA

@Suite struct TMMWeightedTermsTests {
    typealias Uniform = TMMBandedTests.Uniform

    /// Values at the edges of log2's cases: signed zeros, subnormals, the
    /// ends of the uncovered interval around 1 and their neighbours, powers
    /// of two, the largest and smallest normals, infinities, NaN, negatives.
    static let edges: [Double] = [
        0, -0.0, 0x1p-1074, 0x1p-1030, 0x1.fffffffffffffp-1023, 0x1p-1022, 0x1.0000000000001p-1022,
        1, 1.0.nextUp, 1.0.nextDown, 1 - 0x1p-8, (1 - 0x1p-8).nextDown, 1 + 0x1p-7, (1 + 0x1p-7).nextDown,
        0.70703125, 0.70703125.nextDown, 1.4140625, 1.4140625.nextDown, 0.5, 2, 0x1p-1000, 0x1p1000,
        .greatestFiniteMagnitude, .infinity, -.infinity, .nan, -1, -0x1p-1074, 0.84, 1.19, 3, 1e-300, 1e300,
    ]

    /// Values near 1 (most candidates' q), edge values and spread values.
    static func values(_ n: Int, _ u: inout Uniform) -> [Double] {
        (0..<n).map { k -> Double in
            switch k % 5 {
            case 0: return edges[(k / 5 + n) % edges.count]
            case 1: return 1 + (u.next() - 0.5) * 0x1p-6
            case 2: return Foundation.exp2((u.next() - 0.5) * 60)
            default: return 0.8 + 0.4 * u.next()
            }
        }
    }

    /// LimmaFMA's `fmaLog2Settled`, which takes the candidates' M values, on
    /// values like theirs (most near 1, where it leaves many to `log2`, and
    /// the edges), at lengths across its chunks of 256, against `log2` of
    /// each value.
    @Test(.enabled(if: FMAKernels.supported))
    func log2MatchesTheLibm() {
        var u = Uniform(state: 71)
        for n in Array(0...17) + [31, 64, 255, 1000, 4099] {
            let x = Self.values(n, &u) + Self.edges.prefix(n < 18 ? 0 : Self.edges.count)
            let count = x.count
            var out = [Double](repeating: 7, count: count), low = [Double](repeating: 7, count: count)
            fmaLog2Settled(x, count: count, into: &out, lo: &low) { Foundation.log2($0) }
            for k in 0..<count {
                #expect(out[k].bitPattern == Foundation.log2(x[k]).bitPattern, "n \(count) x \(x[k])")
            }
        }
    }

    /// The weighted sums with and without the kernels: the factor and every
    /// term the same bits, for sure and unsure candidates, NaN terms (zero
    /// and NaN counts, zero variances), and trims that keep all, some or
    /// none of the candidates.
    @Test func kernelsMatchTheTwoLaneLoop() {
        guard AVX512Kernels.supported else { return }
        var u = Uniform(state: 83)
        let ngenes = 601
        let refCounts = (0..<ngenes).map { g -> Double in g % 29 == 0 ? 0 : (u.next() * 500).rounded(.down) + (g % 13 == 0 ? 0.5 : 0) }
        let obs = (0..<ngenes).map { g -> Double in
            switch g % 17 {
            case 0: return 0
            case 1: return .nan
            case 2: return 1e300
            case 3: return 0x1p-1074
            case 4: return 123456.25
            case 5: return -0.0
            case 6: return 1
            default: return (u.next() * 500).rounded(.down) + 1
            }
        }
        let nO = 98765.0
        var informative = 0
        refCounts.withUnsafeBufferPointer { rc in
            obs.withUnsafeBufferPointer { ob in
                let reference = TMMReference(counts: rc.baseAddress!, ngenes, libSize: 87654)
                for count in Array(0...17) + [63, 64, 65, 600] {
                    let q = Self.values(count, &u)
                    let y = (0..<count).map { k -> Double in k % 9 == 0 ? Self.edges[k % Self.edges.count] : u.next() * 0.2 }
                    let gene = (0..<count).map { Int32(($0 * 7 + 3) % ngenes) }
                    let bounds: [(TrimBounds, TrimBounds)] = [
                        (TrimBounds(lo: 1, hi: 10, lower: (-0.2, 3, 4), upper: (0.25, 8, 9)),
                         TrimBounds(lo: 1, hi: 10, lower: (1e-5, 3, 3), upper: (0.15, 8, 9))),
                        (TrimBounds(lo: 1, hi: 10, lower: (-2000, 0, 1), upper: (2000, 9, 10)),
                         TrimBounds(lo: 1, hi: 10, lower: (-2000, 0, 1), upper: (2000, 9, 10))),
                        (TrimBounds([], lo: 1, hi: 1), TrimBounds([], lo: 1, hi: 1)),
                    ]
                    for (b, (byM, byA)) in bounds.enumerated() {
                        for (sureQ, sureY, innerY) in [((0.9, 1.1), (1e-3, 0.1), (1e-3, 0.1)), ((0, 0), (0, 0), (0.5, 0.1)),
                                                       ((-Double.infinity, Double.infinity), (-Double.infinity, .infinity), (0, 1))] {
                            var results = [(Double, [Double], [Double])]()
                            for avx512 in [false, true] {
                                let room = max(count, 1)
                                let ta = UnsafeMutablePointer<Double>.allocate(capacity: room)
                                let tb = UnsafeMutablePointer<Double>.allocate(capacity: room)
                                let l0 = UnsafeMutablePointer<Double>.allocate(capacity: room)
                                let l1 = UnsafeMutablePointer<Double>.allocate(capacity: room)
                                let unsure = UnsafeMutablePointer<Int32>.allocate(capacity: room)
                                defer { ta.deallocate(); tb.deallocate(); l0.deallocate(); l1.deallocate(); unsure.deallocate() }
                                ta.initialize(repeating: 5, count: room)
                                tb.initialize(repeating: 5, count: room)
                                let f = tmmWeightedCandidates(TrimBoundsPair(byM, byA), q: q, y: y, gene: gene, count,
                                                              obs: ob.baseAddress!, reference, libObs: nO, sureQ: sureQ,
                                                              sureY: sureY, innerY: innerY, innerA: -3.5,
                                                              terms: (ta, tb), unsure: unsure, logs: (l0, l1),
                                                              avx512: avx512)
                                results.append((f, Array(UnsafeBufferPointer(start: ta, count: count)),
                                                Array(UnsafeBufferPointer(start: tb, count: count))))
                            }
                            if results[0].0 != 1 && results[0].0.isFinite { informative += 1 }
                            let label = "count \(count) bounds \(b) sure \(sureQ) \(sureY)"
                            #expect(results[0].0.bitPattern == results[1].0.bitPattern, "\(label)")
                            #expect(results[0].1.map(\.bitPattern) == results[1].1.map(\.bitPattern), "\(label)")
                            #expect(results[0].2.map(\.bitPattern) == results[1].2.map(\.bitPattern), "\(label)")
                        }
                    }
                }
            }
        }
        // Most cases keep some candidates with finite terms.
        #expect(informative > 50)
    }
}
