import Testing
import Foundation
@testable import Limma

/// The fast clowess against the plain point-by-point port of R's C routine
/// (`VoomTests.referenceClowess`), bit for bit: on groups of fits that share
/// a window (large spans, clustered x) or not, with infinite y, and on 1, 2
/// or 3 threads.
@Suite struct LowessTests {
    /// A reproducible stream of uniform (0, 1) draws (a 64-bit LCG).
    static func uniformStream(seed: UInt64) -> () -> Double {
        var state = seed
        return {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
    }

    @Test func groupedFitsKeepTheBits() throws {
        let uniform = Self.uniformStream(seed: 0x9E37_79B9_7F4A_7C15)
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
            for threads in [1, 2, 3] {
                LimmaThreads.set(threads)
                let got = clowess(x, y, f: f, nsteps: iter, delta: delta)
                let same = zip(got, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
                #expect(got.count == expected.count && same,
                        "clowess trial \(trial) n \(n) f \(f) iter \(iter) delta \(delta) threads \(threads)")
            }
        }
    }

    /// The radix selection behind the robustness weights' median gives the
    /// order statistic a full sort gives, with ties, zeros, subnormals and
    /// values sharing long bit prefixes.
    @Test func radixSelectionMatchesSort() {
        let uniform = Self.uniformStream(seed: 0x1234_5678_9ABC_DEF1)
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

    /// Edge cases of the grouped fits against the plain port, bit for bit:
    /// n < 4, all x equal, runs of equal x longer than delta, all y equal,
    /// windows whose robustness weights are all zero, infinite y just
    /// outside some lanes' windows but inside their group's points, and
    /// fits too far apart to share a group (small f, large delta).
    @Test func edgeCasesKeepTheBits() {
        let uniform = Self.uniformStream(seed: 0x0F1E_2D3C_4B5A_6978)
        let saved = LimmaThreads.count
        defer { LimmaThreads.set(saved) }
        let reference = VoomTests()
        var cases: [(x: [Double], y: [Double], f: Double, iter: Int, delta: Double, label: String)] = []
        for n in 1...6 {
            let x = (0..<n).map { Double($0 / 2) }
            for f in [0.1, 0.5, 1.0] {
                cases.append((x, x.map { _ in uniform() }, f, 3, 0, "small n \(n)"))
                cases.append((x, x.map { _ in 2.5 }, f, 3, 0.01, "small n \(n), equal y"))
            }
        }
        for n in [7, 40, 301] {
            let same = [Double](repeating: 1.25, count: n)
            cases.append((same, (0..<n).map { _ in uniform() }, 0.5, 3, 0, "all x equal \(n)"))
            var x = (0..<n).map { Double($0 * 7 / n) }                        // seven runs of ties
            cases.append((x, x.map { sin($0) + uniform() }, 0.3, 3, 0.01 * x[n - 1], "runs longer than delta \(n)"))
            cases.append((x, x.map { _ in -4.0 }, 0.3, 3, 0.01 * x[n - 1], "equal y \(n)"))
            x = (0..<n).map { Double($0) + uniform() * 0.5 }
            // Most y equal, a block of wild ones: robustness weights 0 there,
            // whole windows of zero weight for small f.
            var y = x.map { _ in 1.0 }
            for i in (n / 3)..<(n / 3 + n / 6) { y[i] = 1e6 * (uniform() + 1) }
            cases.append((x, y, 0.05, 3, 0, "zero-weight windows \(n)"))
            cases.append((x, y, 0.5, 4, 0.02 * x[n - 1], "robustness zeros \(n)"))
            // Infinite y near the start, the end and inside.
            for p in [0, 1, n / 2, n - 2, n - 1] {
                var yi = x.map { cos($0) + uniform() }
                yi[p] = p % 2 == 0 ? .infinity : -.infinity
                for f in [0.1, 0.5] { cases.append((x, yi, f, 2, 0.01 * x[n - 1], "infinite y at \(p) n \(n) f \(f)")) }
            }
            // Fits far apart (delta 10% of the range) with small windows.
            cases.append((x, x.map { sin($0) + uniform() }, 0.02, 3, 0.1 * x[n - 1], "sparse fits \(n)"))
            // Clustered x: windows of very different lengths side by side.
            let xc = x.map { $0 < Double(n) / 2 ? $0 * 1e-3 : $0 }
            cases.append((xc, xc.map { _ in uniform() }, 0.2, 3, 0.01 * xc[n - 1], "clustered \(n)"))
        }
        for c in cases {
            let expected = reference.referenceClowess(c.x, c.y, f: c.f, nsteps: c.iter, delta: c.delta)
            for threads in [1, 2, 3] {
                LimmaThreads.set(threads)
                let got = clowess(c.x, c.y, f: c.f, nsteps: c.iter, delta: c.delta)
                let same = got.count == expected.count
                    && zip(got, expected).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
                #expect(same, "\(c.label) f \(c.f) threads \(threads)")
            }
        }
    }

    /// Groups of fits: consecutive, at most four, every fit in exactly one;
    /// a group's points cover each of its fits' windows, and its segments
    /// start at 0, increase, and flag exactly the lanes whose window holds
    /// them.
    @Test func planGroupsCoverEveryFit() {
        for (n, f, spread) in [(50, 0.9, 0.01), (400, 0.5, 0.01), (1000, 0.1, 0.01), (7, 2.0, 0.01), (600, 0.02, 0.1)] {
            let x = (0..<n).map { i in i < n / 3 ? Double(i) * 1e-3 : Double(i) }
            let ns = max(2, min(n, Int(f * Double(n) + 1e-7)))
            let plan = LowessPlan(x: x, ns: ns, delta: spread * (x[n - 1] - x[0]))
            #expect(plan.groupFirst.first == 0 && plan.groupFirst.last == plan.count)
            for g in 0..<plan.groups {
                let first = plan.groupFirst[g], size = plan.groupFirst[g + 1] - first
                #expect(size >= 1 && size <= 4)
                #expect(plan.groupBase[g] == plan.left[first])
                let segments = Array(plan.segmentFirst[g]..<plan.segmentFirst[g + 1])
                #expect(!segments.isEmpty && plan.segmentStart[segments[0]] == 0)
                for (i, s) in segments.enumerated() {
                    let lo = plan.segmentStart[s]
                    let hi = i + 1 < segments.count ? plan.segmentStart[segments[i + 1]] : plan.groupLength[g]
                    #expect(lo < hi)
                    for l in 0..<4 {
                        let k = first + (l < size ? l : 0)
                        let inside = plan.left[k] - plan.groupBase[g] <= lo && hi <= plan.end[k] - plan.groupBase[g] + 1
                        let outside = hi <= plan.left[k] - plan.groupBase[g] || lo > plan.end[k] - plan.groupBase[g]
                        let bit = plan.segmentLanes[s] & (1 << l) != 0
                        #expect(bit ? inside : outside, "group \(g) segment \(s) lane \(l)")
                    }
                }
                for k in first..<(first + size) {
                    #expect(plan.end[k] - plan.groupBase[g] + 1 <= plan.groupLength[g])
                }
            }
        }
    }
}
