import Testing
import Foundation
@testable import Limma
import LimmaFMA

/// LimmaFMA's `fmaLogSettled` (glibc's `log` bits where its double-double
/// approximation proves them, `miss` elsewhere) against `log` bit for bit:
/// every value it settles must be the libm's, and it must settle most values
/// (so that the comparison covers the kernel, not its fallback). Inputs:
/// random doubles of every exponent, eBayes's ratios and quotients, values
/// near 1 (the central rows, where `log x` is small), near powers of two and
/// near `exp(±2^i)` (results near powers of two), values whose logarithm
/// lies near a midpoint between two doubles (found with `Float80`'s `log`),
/// and values outside the domain (zero, negative, subnormal, infinite, NaN),
/// at every length from 0 to 17. Also eBayes's B-statistics with the kernels
/// on and off.
@Suite struct LogSettledTests {
    /// `fmaLogSettled` with a `miss` that marks the value: the number of
    /// settled values whose bits differ from `log`, and the number missed.
    static func check(_ xs: [Double]) -> (bad: Int, missed: Int) {
        var out = [Double](repeating: 0, count: xs.count)
        var calls = 0, returned = 0
        let marker = Double(bitPattern: 0x7FF8_0000_0000_0BAD)
        xs.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                returned = fmaLogSettled(xb.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: xs.count,
                                         into: ob.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!) { _ in
                    calls += 1
                    return marker
                }
            }
        }
        var bad = 0, marked = 0
        for i in xs.indices {
            if out[i].bitPattern == marker.bitPattern { marked += 1; continue }
            if out[i].bitPattern != log(xs[i]).bitPattern { bad += 1 }
        }
        if marked != calls || calls != returned { bad += 1 }
        return (bad, calls)
    }

    @Test(.enabled(if: FMAKernels.supported)) func randomDoublesOfEveryExponent() {
        var rng = SplitMix64(s: 0x10C5)
        for _ in 0..<3 {
            let xs = (0..<1_000_000).map { _ -> Double in
                Double(bitPattern: 0x0010_0000_0000_0000 + rng.next() % 0x7FE0_0000_0000_0000)
            }
            let (bad, missed) = Self.check(xs)
            #expect(bad == 0)
            #expect(Double(missed) / Double(xs.count) < 0.08)
        }
    }

    @Test(.enabled(if: FMAKernels.supported)) func eBayesRatiosAndQuotients() {
        // r = (v1 + v0)/v1 and (t^2 + d)/(t^2/r + d) over the ranges eBayes
        // meets (most quotients lie just above 1).
        var rng = SplitMix64(s: 0xEBA5)
        var xs = [Double]()
        for _ in 0..<1_000_000 {
            let su = rng.logUniform(0.01, 10), v1 = su * su, v0 = rng.logUniform(1e-3, 1e3)
            let r = (v1 + v0) / v1
            let t = (rng.uniform() - 0.5) * [0.1, 2, 8, 60][Int(rng.next() % 4)], t2 = t * t
            let d = rng.logUniform(1, 1e4)
            xs.append(r)
            xs.append((t2 + d) / (t2 / r + d))
        }
        let (bad, missed) = Self.check(xs)
        #expect(bad == 0)
        #expect(Double(missed) / Double(xs.count) < 0.08)
    }

    @Test(.enabled(if: FMAKernels.supported)) func nearOne() {
        var rng = SplitMix64(s: 0x0001)
        var xs = [Double]()
        // 1 ± k ulps, 1 ± k 2^-45, and uniform over the central rows and beyond
        for k in 1...20_000 {
            xs.append(1 + Double(k) * 0x1p-52); xs.append(1 - Double(k) * 0x1p-53)
            xs.append(1 + Double(k) * 0x1p-45); xs.append(1 - Double(k) * 0x1p-46)
        }
        for _ in 0..<400_000 {
            xs.append(1 + (rng.uniform() - 0.5) * 0x1p-5)
            xs.append(1 + (rng.uniform() - 0.5) * rng.logUniform(0x1p-50, 0x1p-7))
        }
        // the edges of the central rows
        for e in [1 - 0x1p-8, 1 + 0x1p-7, 0.70703125, 1.4140625] {
            var p = e, q = e
            for _ in 0..<64 { xs.append(p); xs.append(q); p = p.nextUp; q = q.nextDown }
        }
        let (bad, missed) = Self.check(xs)
        #expect(bad == 0)
        #expect(Double(missed) / Double(xs.count) < 0.08)
    }

    @Test(.enabled(if: FMAKernels.supported)) func logarithmsNearMidpoints() {
        // x whose logarithm (Float80's log, 64 bits) lies within 0.01 ulp of a
        // midpoint between two doubles: the cases a faithful log may round
        // either way, which the kernel must leave to `miss` or get right.
        var rng = SplitMix64(s: 0x3D1D)
        var xs = [Double]()
        while xs.count < 20_000 {
            let x = rng.next() % 2 == 0 ? rng.logUniform(1e-300, 1e300) : 1 + (rng.uniform() - 0.5) * 0x1p-6
            let y = Float80.log(Float80(x))
            let d = Double(y)
            guard d != 0 else { continue }
            let ulp = Float80(d.ulp)
            let offset = (y - Float80(d)) / ulp          // in [-0.5, 0.5]
            if Swift.abs(Swift.abs(offset) - 0.5) < 0.01 { xs.append(x) }
        }
        let (bad, _) = Self.check(xs)
        #expect(bad == 0)
    }

    @Test(.enabled(if: FMAKernels.supported)) func edgesAndOutsideTheDomain() {
        var xs: [Double] = [0, -0.0, -1, -Double.leastNormalMagnitude, -.infinity, .infinity, .nan, -.nan,
                            Double(bitPattern: 0x7FF0_0000_0000_0001), Double.leastNonzeroMagnitude,
                            Double.leastNormalMagnitude.nextDown, Double.leastNormalMagnitude,
                            Double.greatestFiniteMagnitude, 1, 2, 0.5, M_E, 1 / M_E]
        // near every power of two
        for e in -1022...1023 {
            var p = Double(sign: .plus, exponent: e, significand: 1), q = p
            for _ in 0..<8 { xs.append(p); xs.append(q); p = p.nextUp; q = q.nextDown }
        }
        // near exp(±2^i): results near powers of two
        for i in -60...9 {
            for sgn in [1.0, -1.0] {
                let c = exp(sgn * Double(sign: .plus, exponent: i, significand: 1))
                guard c.isNormal else { continue }
                var p = c, q = c
                for _ in 0..<32 { xs.append(p); xs.append(q); p = p.nextUp; q = q.nextDown }
            }
        }
        let (bad, _) = Self.check(xs)
        #expect(bad == 0)
        // Every length from 0 to 17 (the tail after the last group of four),
        // at every offset of the data.
        for n in 0...17 {
            for start in stride(from: 0, to: 400, by: 37) {
                let (b, _) = Self.check(Array(xs[start..<(start + n)]))
                #expect(b == 0, "length \(n)")
            }
        }
    }

    /// eBayes's B-statistics (and every other output) with the kernels on
    /// and off: the same bits.
    @Test(.enabled(if: FMAKernels.supported)) func eBayesWithKernelsOnAndOff() throws {
        defer { FMAKernels.set(nil) }
        let perGroup = 3, n = 6
        let counts = ThreadingTests.syntheticCounts(genes: 2003, perGroup: perGroup)
        let design = Matrix(rows: (0..<n).map { j in j < perGroup ? [1, 0] : [0, 1] }, colNames: ["A", "B"])
        let v = try voom(counts, design: design)
        let fit = try lmFit(v.E, design: design, weights: v.weights)
        FMAKernels.set(nil)
        let on = try eBayes(fit)
        FMAKernels.set(false)
        let off = try eBayes(fit)
        FMAKernels.set(nil)
        let a = try #require(on.lods).values, b = try #require(off.lods).values
        #expect(a.count == b.count)
        #expect(zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count == 0)
    }
}
