import Testing
import Foundation
@testable import Limma

/// lowess's fits eight at a time in LimmaAVX512 against LimmaFMA's four
/// lanes and Limma's plain fits (division), bit for bit: the three paths
/// called directly (`clowess(fma:avx512:)`) on LowessFMATests's inputs
/// (ties, equal x, -0 and +0, tiny and huge ranges beside each other so that
/// some sweeps divide, windows without weight, infinite and NaN y, n 1 to 40
/// and large) and on more spans, iterations and deltas (f tiny to 1 and
/// beyond, iter 0 to 4, delta 0 to beyond the range), where groups hold one
/// to eight fits; on 1 to 3 threads (voom's own trends: LowessFMATests,
/// whose FMA path is the eight lanes where AVX-512 runs); points spread
/// beyond 2^500 against the point-by-point port. And the plan's groups of
/// eight.
@Suite struct LowessAVX512Tests {
    static let same = LowessFMATests.same

    /// The three paths on one input, for the threads given.
    static func check(_ x: [Double], _ y: [Double], f: Double, iter: Int, delta: Double, threads: [Int],
                      _ label: String) {
        let plain = clowess(x, y, f: f, nsteps: iter, delta: delta, fma: false, avx512: false)
        for t in threads {
            LimmaThreads.set(t)
            let four = clowess(x, y, f: f, nsteps: iter, delta: delta, fma: true, avx512: false)
            let eight = clowess(x, y, f: f, nsteps: iter, delta: delta, fma: true, avx512: true)
            #expect(same(four, plain) && same(eight, plain), "\(label) f \(f) iter \(iter) delta \(delta) threads \(t)")
        }
    }

    @Test(.enabled(if: AVX512Kernels.supported)) func eightLanesMatchFourLanesAndPlainFits() {
        let saved = LimmaThreads.count
        defer { LimmaThreads.set(saved) }
        for c in LowessFMATests.cases() {
            Self.check(c.x, c.y, f: c.f, iter: c.iter, delta: c.delta, threads: c.x.count > 1000 ? [1, 2, 3] : [1, 2],
                       c.label)
        }
    }

    /// Every span from a lone point per window to all points, every
    /// iteration count, delta 0 (every point fitted), the default and
    /// beyond the range (one fit), with ties, duplicate x and all x equal,
    /// robustness weights 0 (wild blocks) and infinite y; groups of one to
    /// eight fits, the last group of each size included.
    @Test(.enabled(if: AVX512Kernels.supported)) func eightLanesOverSpansIterationsAndDeltas() {
        let saved = LimmaThreads.count
        defer { LimmaThreads.set(saved) }
        let uniform = LowessTests.uniformStream(seed: 0x8A4E_5EED_0F00_1234)
        var sizes = Set<Int>()
        for n in [2, 3, 5, 8, 9, 15, 16, 17, 23, 40, 129, 700] {
            var shapes: [(String, [Double])] = []
            let smooth = (0..<n).map { _ in uniform() * 10 - 3 }.sorted()
            shapes.append(("uniform", smooth))
            shapes.append(("ties", smooth.map { ($0 * 2).rounded() / 2 }))
            shapes.append(("duplicates", (0..<n).map { Double($0 / 2) }))
            shapes.append(("equal", [Double](repeating: -2.25, count: n)))
            shapes.append(("clustered", smooth.map { $0 < 0 ? $0 * 1e-3 : $0 }))
            for (k, (name, x)) in shapes.enumerated() {
                var y = x.map { sin($0) + uniform() - 0.5 }
                if k == 1 { for i in (n / 3)..<(n / 3 + n / 6) { y[i] = 1e6 * (uniform() + 1) } }
                if k == 4 && n > 3 { y[n / 2] = -.infinity }
                let span = x[n - 1] - x[0]
                for f in [1e-9, 0.01, 0.1, 0.3, 2.0 / 3.0, 1, 1.5] {
                    for delta in [0, 0.01 * span, 2 * span] {
                        let ns = max(2, min(n, Int(f * Double(n) + 1e-7)))
                        let plan = LowessPlan(x: x, ns: ns, delta: delta, lanes: 8)
                        for g in 0..<plan.groups { sizes.insert(plan.groupFirst[g + 1] - plan.groupFirst[g]) }
                        Self.check(x, y, f: f, iter: (n + k) % 5, delta: delta, threads: n > 100 ? [1, 2] : [1],
                                   "\(name) n \(n)")
                    }
                }
                for iter in 0...4 {
                    Self.check(x, y, f: 0.3, iter: iter, delta: 0.01 * span, threads: [1], "\(name) n \(n)")
                }
            }
        }
        #expect(sizes == Set(1...8), "group sizes \(sizes.sorted())")
    }

    /// Points spread over more than 2^500 (up to a range that overflows),
    /// where a lane's steps outside its window would meet an infinite
    /// `x - mean` or `(x - mean)^2` if its group spanned them: every path
    /// (plain, four and eight lanes) gives the point-by-point port's bits
    /// (NaN where it gives NaN).
    @Test func hugeRangesMatchPointByPointPort() {
        let saved = LimmaThreads.count
        defer { LimmaThreads.set(saved) }
        let uniform = LowessTests.uniformStream(seed: 0x0E0F_1AB5_2024_7777)
        let reference = VoomTests()
        func sameOrNaN(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
        }
        for n in 2...24 {
            let middle = (0..<n).map { _ in uniform() * 4 - 2 }
            for (name, ends) in [("overflowing", (-1e308, 1e308)), ("wide", (-0x1p500, 0x1p501)), ("one side", (-3.0, 0x1p510))] {
                var x = middle
                x[0] = ends.0
                x[n - 1] = ends.1
                x.sort()
                let y = x.map { _ in uniform() - 0.5 }
                for f in [0.01, 0.2, 0.5] {
                    for iter in 0...1 {
                        let want = reference.referenceClowess(x, y, f: f, nsteps: iter, delta: 0)
                        let paths = [(false, false), (true, false), (true, true)]
                        for (fma, avx512) in paths where !fma || (avx512 ? AVX512Kernels.supported : FMAKernels.supported) {
                            let got = clowess(x, y, f: f, nsteps: iter, delta: 0, fma: fma, avx512: avx512)
                            #expect(sameOrNaN(got, want), "\(name) n \(n) f \(f) iter \(iter) fma \(fma) avx512 \(avx512)")
                        }
                    }
                }
            }
        }
    }

    /// Groups of up to eight fits, against the per-fit tables (which do not
    /// depend on the lanes): consecutive, every fit in exactly one, at most
    /// eight; each group starts at its first fit's window and covers every
    /// fit's; and at every step of a group, the segment holding it flags
    /// exactly the lanes whose window holds the point (spare lanes repeat
    /// the group's first fit).
    @Test func planGroupsOfEightCoverEveryFit() {
        for (n, f, spread) in [(50, 0.9, 0.01), (400, 0.5, 0.01), (1000, 0.1, 0.01), (7, 2.0, 0.01), (600, 0.02, 0.1),
                               (300, 0.3, 0)] {
            let x = (0..<n).map { i in i < n / 3 ? Double(i) * 1e-3 : Double(i) }
            let ns = max(2, min(n, Int(f * Double(n) + 1e-7)))
            let delta = spread * (x[n - 1] - x[0])
            let four = LowessPlan(x: x, ns: ns, delta: delta), plan = LowessPlan(x: x, ns: ns, delta: delta, lanes: 8)
            #expect(plan.center == four.center && plan.left == four.left && plan.end == four.end)
            #expect(plan.groupFirst.first == 0 && plan.groupFirst.last == plan.count)
            for g in 0..<plan.groups {
                let fitsOfGroup = plan.groupFirst[g]..<plan.groupFirst[g + 1], base = plan.groupBase[g]
                #expect(!fitsOfGroup.isEmpty && fitsOfGroup.count <= 8 && base == plan.left[fitsOfGroup.lowerBound])
                #expect(fitsOfGroup.allSatisfy { plan.end[$0] < base + plan.groupLength[g] })
                // The flags of each step, segment by segment.
                var flags: [UInt8] = []
                let segments = plan.segmentFirst[g]..<plan.segmentFirst[g + 1]
                for s in segments {
                    let next = s + 1 < segments.upperBound ? plan.segmentStart[s + 1] : plan.groupLength[g]
                    flags += [UInt8](repeating: plan.segmentLanes[s], count: max(0, next - plan.segmentStart[s]))
                }
                #expect(plan.segmentStart[segments.lowerBound] == 0 && flags.count == plan.groupLength[g])
                for (t, bits) in flags.enumerated() {
                    var want: UInt8 = 0
                    for l in 0..<8 {
                        let k = l < fitsOfGroup.count ? fitsOfGroup.lowerBound + l : fitsOfGroup.lowerBound
                        if plan.left[k] <= base + t && base + t <= plan.end[k] { want |= 1 << l }
                    }
                    #expect(bits == want, "group \(g) step \(t)")
                }
            }
        }
    }
}
