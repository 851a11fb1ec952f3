import Testing
import Foundation
@testable import Limma
import LimmaFMA

/// LimmaFMA's `fmaLog2Settled` (the libm's `log2` bits where `fmaLog2Parts`
/// proves them, `miss` elsewhere) against `log2` bit for bit: every value it
/// settles must be the libm's, and it must settle most values (so that the
/// comparison covers the kernel, not its fallback). Inputs: random doubles
/// of every exponent, voom's log-CPM arguments `(k + 0.5) / l1 * 1e6`,
/// values near 1 and near powers of two, results that are powers of two,
/// and values outside the domain (zero, negative, subnormal, infinite, NaN),
/// at lengths 0 to 9 and beyond.
@Suite struct Log2SettledTests {
    /// `fmaLog2Settled` with a `miss` that marks the value: the number of
    /// settled values whose bits differ from `log2`, and the number missed.
    static func check(_ xs: [Double]) -> (bad: Int, missed: Int) {
        var out = [Double](repeating: 0, count: xs.count), lo = out
        var missed = 0
        let marker = Double(bitPattern: 0x7FF8_0000_0000_0BAD)
        xs.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                lo.withUnsafeMutableBufferPointer { lb in
                    fmaLog2Settled(xb.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: xs.count,
                                   into: ob.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!,
                                   lo: lb.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!) { _ in
                        missed += 1
                        return marker
                    }
                }
            }
        }
        var bad = 0, marked = 0
        for i in xs.indices {
            if out[i].bitPattern == marker.bitPattern { marked += 1; continue }
            if out[i].bitPattern != log2(xs[i]).bitPattern { bad += 1 }
        }
        if marked != missed { bad += 1 }
        return (bad, missed)
    }

    @Test(.enabled(if: FMAKernels.supported)) func randomDoublesOfEveryExponent() {
        var rng = SplitMix64(s: 0x5E77)
        for _ in 0..<3 {
            let xs = (0..<1_000_000).map { _ -> Double in
                Double(bitPattern: 0x0010_0000_0000_0000 + rng.next() % 0x7FE0_0000_0000_0000)
            }
            let (bad, missed) = Self.check(xs)
            #expect(bad == 0)
            #expect(Double(missed) / Double(xs.count) < 0.13)
        }
    }

    @Test(.enabled(if: FMAKernels.supported)) func voomLogCPMArguments() {
        // Every whole count below 4096 for library sizes from 1 to 1e9 (and
        // the 0.5-offset halves), as voom's log-CPM table is filled.
        var rng = SplitMix64(s: 0xC9E5)
        var xs = [Double]()
        for t in 0..<300 {
            let l1 = (t == 0 ? 0 : t == 1 ? 1e9 : rng.logUniform(1, 1e9)) + 1
            for k in 0..<4096 { xs.append((Double(k) + 0.5) / l1 * 1e6) }
        }
        let (bad, missed) = Self.check(xs)
        #expect(bad == 0)
        #expect(Double(missed) / Double(xs.count) < 0.13)
    }

    @Test(.enabled(if: FMAKernels.supported)) func edgesAndOutsideTheDomain() {
        var xs: [Double] = [0, -0.0, -1, -Double.leastNormalMagnitude, -.infinity, .infinity, .nan, -.nan,
                            Double.leastNonzeroMagnitude, Double.leastNormalMagnitude.nextDown, Double.leastNormalMagnitude,
                            Double.greatestFiniteMagnitude, 1, 2, 0.5]
        // Near 1 (not covered within [1 - 2^-8, 1 + 2^-7)), near every power of two,
        // and 2^(±2^i) (results that are powers of two).
        for n in 1...3000 { xs.append(1 + Double(n) * 0x1p-45); xs.append(1 - Double(n) * 0x1p-46) }
        for e in -1022...1023 {
            var p = Double(sign: .plus, exponent: e, significand: 1), q = p
            for _ in 0..<8 { xs.append(p); xs.append(q); p = p.nextUp; q = q.nextDown }
        }
        for i in 0...9 {
            for sgn in [1, -1] { xs.append(Double(sign: .plus, exponent: sgn << i, significand: 1)) }
        }
        let (bad, _) = Self.check(xs)
        #expect(bad == 0)
        // Every length from 0 to 9 (the tail after the last group of four).
        for n in 0...9 {
            let (b, _) = Self.check(Array(xs.suffix(n + 100).prefix(n)))
            #expect(b == 0, "length \(n)")
        }
    }
}
