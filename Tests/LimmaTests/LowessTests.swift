import Testing
import Foundation
@testable import Limma

/// The fast clowess against the plain point-by-point port of R's C routine
/// (`VoomTests.referenceClowess`), bit for bit: with and without the kept
/// tricube weights, on groups of fits that share a window (large spans,
/// clustered x) or not, with infinite y, and on 1 or 2 threads.
@Suite struct LowessTests {
    @Test func keptTricubeWeightsKeepTheBits() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
        let saved = LimmaThreads.count
        defer { LimmaThreads.set(saved) }
        let reference = VoomTests()
        for trial in 0..<120 {
            let n = trial < 10 ? trial + 2 : Int(uniform() * (trial % 10 == 9 ? 2500 : 400)) + 2
            var x = (0..<n).map { _ in uniform() * 10 - 3 }
            if trial % 3 == 1 { x = x.map { $0 < 0 ? $0 * 0.01 : $0 } }              // a dense cluster
            if trial % 3 == 2 { x = x.map { ($0 * 4).rounded() / 4 } }               // heavy ties
            x.sort()
            var y = x.map { cos($0) + (uniform() - 0.5) }
            if n > 10 { for _ in 0..<(n / 15) { y[Int(uniform() * Double(n))] += (uniform() - 0.5) * 40 } }
            if trial % 11 == 4 { y[Int(uniform() * Double(n))] = trial % 2 == 0 ? .infinity : -.infinity }
            let f = [0.05, 0.3, 0.5, 0.8, 1, 2][trial % 6]
            let iter = [3, 1, 4, 0, 2][trial % 5]
            let span = x[n - 1] - x[0]
            let delta = [0.01 * span, 0, 0.1 * span][(trial / 6) % 3]
            let expected = reference.referenceClowess(x, y, f: f, nsteps: iter, delta: delta)
            for (threads, budget) in [(1, LowessPlan.tricubeBudget), (2, LowessPlan.tricubeBudget), (1, 0), (2, 0)] {
                LimmaThreads.set(threads)
                let got = clowess(x, y, f: f, nsteps: iter, delta: delta, tricubeBudget: budget)
                let same = zip(got, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
                #expect(got.count == expected.count && same,
                        "clowess trial \(trial) n \(n) f \(f) iter \(iter) delta \(delta) threads \(threads) budget \(budget)")
            }
        }
    }

    /// The radix selection behind the robustness weights' median gives the
    /// order statistic a full sort gives, with ties, zeros, subnormals and
    /// values sharing long bit prefixes.
    @Test func radixSelectionMatchesSort() {
        var state: UInt64 = 0x1234_5678_9ABC_DEF1
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
        for trial in 0..<300 {
            let n = 1 + Int(uniform() * (trial % 5 == 0 ? 5000 : 60))
            let v: [Double] = (0..<n).map { _ in
                switch trial % 6 {
                case 0: return (uniform() * 8).rounded() / 4                          // heavy ties, zeros
                case 1: return uniform() * 1e-310                                     // subnormal
                case 2: return 1 + Double(Int(uniform() * 16)) * 0x1p-52              // long shared prefix
                case 3: return pow(10, uniform() * 40 - 20)
                default: return abs(uniform() - 0.5) * 3
                }
            }
            let sorted = v.sorted()
            for k in Set([0, n / 2, max(0, n / 2 - 1), n - 1, Int(uniform() * Double(n))]) {
                let got = v.withUnsafeBufferPointer { selectKthNonNegative($0, k) }
                #expect(got.bitPattern == sorted[k].bitPattern, "trial \(trial) n \(n) k \(k)")
            }
        }
    }

    /// Groups of fits: consecutive, at most four, every fit in exactly one,
    /// and a shared group's fits all start at the same point.
    @Test func planGroupsCoverEveryFit() {
        for (n, f) in [(50, 0.9), (400, 0.5), (1000, 0.1), (7, 2.0)] {
            let x = (0..<n).map { i in i < n / 3 ? Double(i) * 1e-3 : Double(i) }
            let ns = max(2, min(n, Int(f * Double(n) + 1e-7)))
            let plan = LowessPlan(x: x, ns: ns, delta: 0.01 * (x[n - 1] - x[0]))
            #expect(plan.groupFirst.first == 0 && plan.groupFirst.last == plan.count)
            for g in 0..<plan.groups {
                let size = plan.groupFirst[g + 1] - plan.groupFirst[g]
                #expect(size >= 1 && size <= 4)
                if plan.groupShared[g] {
                    #expect(Set(plan.left[plan.groupFirst[g]..<plan.groupFirst[g + 1]]).count == 1)
                }
            }
            #expect(plan.tricubeCount == (0..<plan.groups).reduce(0) { $0 + 4 * plan.groupSteps($1) })
        }
    }
}
