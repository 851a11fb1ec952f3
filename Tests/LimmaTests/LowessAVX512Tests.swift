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
/// to eight fits; on 1 to 3 threads; and on voom's own trends. And the
/// plan's groups of eight.
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

    /// voom's mean-variance trends (gse60450 and pasilla): the eight lanes
    /// give the line voom returns.
    @Test(.enabled(if: AVX512Kernels.supported)) func voomTrendsMatchPlainFits() throws {
        let gse = try VoomTests.gseCounts(), pasilla = try VoomTests.pasillaCounts()
        for (counts, version) in [(gse.rows(Array(0..<8000)), LimmaVersion.v3_54), (pasilla, .v3_66)] {
            let v = try voom(counts, version: version)
            let (sx, sy) = try #require(v.voomXY)
            let line = try #require(v.voomLine)
            let (x, y) = sortedPoints(sx, sy)
            let delta = 0.01 * (x[x.count - 1] - x[0])
            let span = try #require(v.span)
            let eight = clowess(x, y, f: span, nsteps: 3, delta: delta, fma: true, avx512: true)
            let plain = clowess(x, y, f: span, nsteps: 3, delta: delta, fma: false, avx512: false)
            #expect(Self.same(eight, plain) && Self.same(plain, line.y), "\(counts.nrow) genes, \(version)")
        }
    }

    /// Groups of up to eight fits: consecutive, every fit in exactly one; a
    /// group's points cover each of its fits' windows, and its segments
    /// start at 0, increase, and flag exactly the lanes whose window holds
    /// them (spare lanes repeat the group's first fit).
    @Test func planGroupsOfEightCoverEveryFit() {
        for (n, f, spread) in [(50, 0.9, 0.01), (400, 0.5, 0.01), (1000, 0.1, 0.01), (7, 2.0, 0.01), (600, 0.02, 0.1),
                               (300, 0.3, 0)] {
            let x = (0..<n).map { i in i < n / 3 ? Double(i) * 1e-3 : Double(i) }
            let ns = max(2, min(n, Int(f * Double(n) + 1e-7)))
            let plan = LowessPlan(x: x, ns: ns, delta: spread * (x[n - 1] - x[0]), lanes: 8)
            #expect(plan.groupFirst.first == 0 && plan.groupFirst.last == plan.count)
            for g in 0..<plan.groups {
                let first = plan.groupFirst[g], size = plan.groupFirst[g + 1] - first
                #expect(size >= 1 && size <= 8)
                #expect(plan.groupBase[g] == plan.left[first])
                let segments = Array(plan.segmentFirst[g]..<plan.segmentFirst[g + 1])
                #expect(!segments.isEmpty && plan.segmentStart[segments[0]] == 0)
                for (i, s) in segments.enumerated() {
                    let lo = plan.segmentStart[s]
                    let hi = i + 1 < segments.count ? plan.segmentStart[segments[i + 1]] : plan.groupLength[g]
                    #expect(lo < hi)
                    for l in 0..<8 {
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
