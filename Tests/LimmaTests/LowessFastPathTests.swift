import Testing
import Foundation
@testable import Limma

/// lowess's bucket sort of the points against `RBase.order`, and
/// `approxfun`'s shortcut for strictly increasing x against R's full
/// `regularize.values` path, bit for bit on adversarial inputs.
@Suite struct LowessFastPathTests {
    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    /// Ties (runs, -0 and +0), clusters far denser than the rest (buckets of
    /// more than 32 points), huge and tiny values, a range that overflows,
    /// subnormal ranges, all x equal, sizes 1 to 40 and larger.
    @Test func sortedPointsFollowRBaseOrder() {
        let uniform = LowessTests.uniformStream(seed: 0x5EED_0BAD_CAFE_F00D)
        var inputs: [[Double]] = []
        for n in [1, 2, 3, 31, 32, 33, 40, 97, 500, 3001] {
            inputs.append((0..<n).map { _ in uniform() * 10 - 5 })
            inputs.append((0..<n).map { _ in (uniform() * 6).rounded() - 3 })                 // heavy ties
            inputs.append((0..<n).map { _ in uniform() < 0.5 ? 0.0 : -0.0 })                 // only zeros
            inputs.append((0..<n).map { i in i % 3 == 0 ? -0.0 : (i % 3 == 1 ? 0.0 : uniform() - 0.5) })
            inputs.append((0..<n).map { _ in uniform() < 0.9 ? 1 + uniform() * 1e-12 : uniform() * 100 })  // dense cluster
            inputs.append((0..<n).map { _ in pow(10, uniform() * 600 - 300) * (uniform() < 0.5 ? -1 : 1) })
            inputs.append((0..<n).map { i in i == 0 ? -1e308 : (i == 1 ? 1e308 : uniform()) })   // range overflows
            inputs.append((0..<n).map { _ in uniform() * 1e-310 })                            // subnormal range
            inputs.append([Double](repeating: 2.5, count: n))
            inputs.append((0..<n).map { i in Double(n - i) })                                 // decreasing
            inputs.append((0..<n).map { i in Double(i / 7) })                                 // sorted runs
            inputs.append((0..<n).map { i in i == n / 2 ? 1e300 : uniform() })               // one far outlier
        }
        for (k, x) in inputs.enumerated() {
            let y = x.indices.map { Double($0) * 0.5 - 3 }
            let o = RBase.order(x)
            let got = sortedPoints(x, y)
            #expect(Self.same(got.x, o.map { x[$0] }) && Self.same(got.y, o.map { y[$0] }), "input \(k) n \(x.count)")
        }
    }

    /// Fits whose scratch lies in a caller's workspace (large enough for all
    /// of it, for some of it, or too small to be used; at any 8-byte offset)
    /// give the bits of fits with their own scratch, on 1 and 2 threads.
    @Test func workspaceKeepsTheBits() {
        let uniform = LowessTests.uniformStream(seed: 0x0DDB_A11C_0FFE_E123)
        let saved = LimmaThreads.count
        defer { LimmaThreads.set(saved) }
        for trial in 0..<24 {
            let n = [2, 5, 40, 333, 1200][trial % 5]
            var x = (0..<n).map { _ in (uniform() * 40).rounded() / 4 }
            x.sort()
            var y = x.map { sin($0) + uniform() }
            if trial % 7 == 3 { y[n / 2] = .infinity }
            let f = [0.1, 0.5, 0.9][trial % 3]
            let delta = 0.01 * (x[n - 1] - x[0])
            for threads in [1, 2] {
                LimmaThreads.set(threads)
                let want = clowess(x, y, f: f, nsteps: 3, delta: delta)
                for (doubles, offset) in [(200_000, 0), (200_001, 1), (3, 0), (5_000, 0), (12_001, 1)] {
                    var space = [Double](repeating: .nan, count: doubles)
                    let got = space.withUnsafeMutableBytes { raw in
                        clowess(x, y, f: f, nsteps: 3, delta: delta,
                                workspace: UnsafeMutableRawBufferPointer(rebasing: raw[(8 * offset)...]))
                    }
                    #expect(Self.same(got, want), "trial \(trial) n \(n) threads \(threads) workspace \(doubles)")
                }
            }
        }
    }

    /// Strictly increasing x without missing values: the shortcut gives the
    /// knots, values and end values of the full path; anything else (ties,
    /// NaN in x or y, decreasing x) goes the full way.
    @Test func approxfunShortcutMatchesFullPath() throws {
        let uniform = LowessTests.uniformStream(seed: 0xA5A5_5A5A_1234_4321)
        for n in [2, 3, 10, 257] {
            let x = (0..<n).map { Double($0) + uniform() * 0.5 }
            for rule in [1, 2] {
                let y = x.map { _ in uniform() * 4 - 2 }
                let fast = try approxfun(x: x, y: y, rule: rule, ordered: true)
                let full = try regularizedApproxfun(x: x, y: y, rule: rule, ordered: true)
                #expect(Self.same(fast.x, full.x) && Self.same(fast.y, full.y))
                #expect(fast.yleft.bitPattern == full.yleft.bitPattern && fast.yright.bitPattern == full.yright.bitPattern)
                let unordered = try approxfun(x: x, y: y, rule: rule)
                #expect(Self.same(unordered.x, full.x) && Self.same(unordered.y, full.y))
                // Not for the shortcut: a tie, a NaN, x out of order.
                var tied = x
                tied[n - 1] = tied[n - 2]
                var nanY = y
                nanY[n / 2] = .nan
                var nanX = x
                nanX[0] = .nan
                for (xi, yi) in [(tied, y), (x, nanY), (nanX, y), (Array(x.reversed()), y)] where n > 2 {
                    let a = try approxfun(x: xi, y: yi, rule: rule, ordered: true)
                    let b = try regularizedApproxfun(x: xi, y: yi, rule: rule, ordered: true)
                    #expect(Self.same(a.x, b.x) && Self.same(a.y, b.y) && a.yleft.bitPattern == b.yleft.bitPattern)
                }
            }
        }
    }
}
