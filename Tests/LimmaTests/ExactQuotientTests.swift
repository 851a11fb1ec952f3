import Testing
import Foundation
@testable import Limma
import LimmaFMA

/// LimmaFMA's correctly rounded quotient (a reciprocal, a product and two
/// FMA corrections) against IEEE division, bit for bit, on random operands
/// over the whole domain and on the hard cases: divisors whose significand is
/// all ones, quotients just below and above powers of two, exact quotients,
/// +0, and operands outside the domain (which the entry point divides).
@Suite struct ExactQuotientTests {
    /// A deterministic stream of 64-bit values (`SplitMix64` from `seed`).
    static func stream(seed: UInt64) -> () -> UInt64 {
        var g = SplitMix64(s: seed)
        return { g.next() }
    }

    /// A double with a random significand and an exponent in `lo...hi`.
    static func value(_ next: () -> UInt64, _ lo: Int, _ hi: Int) -> Double {
        let e = lo + Int(next() % UInt64(hi - lo + 1))
        let bits = UInt64(e + 1023) << 52 | (next() & ((1 << 52) - 1))
        return Double(bitPattern: bits)
    }

    static func check(_ a: [Double], _ b: [Double]) -> Int {
        var q = [Double](repeating: .nan, count: a.count)
        a.withUnsafeBufferPointer { ab in
            b.withUnsafeBufferPointer { bb in
                q.withUnsafeMutableBufferPointer { qb in
                    fmaExactQuotients(ab.baseAddress!, bb.baseAddress!, qb.baseAddress!, count: a.count)
                }
            }
        }
        var bad = 0
        for k in a.indices where q[k].bitPattern != (a[k] / b[k]).bitPattern {
            if bad < 5 { print("quotient \(a[k]) / \(b[k]): \(q[k]) against \(a[k] / b[k])") }
            bad += 1
        }
        return bad
    }

    @Test(.enabled(if: FMAKernels.supported)) func randomOperandsMatchDivision() {
        let next = Self.stream(seed: 0xD1F_F0CA_CC1A)
        var a: [Double] = [], b: [Double] = []
        for k in 0..<1_500_000 {
            // Mostly near each other's scale (as the kernels use it), some spread over the domain.
            let wide = k % 8 == 0
            let av = Self.value(next, wide ? -500 : -3, wide ? 500 : 3)
            a.append(k % 2 == 0 ? av : -av)
            b.append(Self.value(next, wide ? -500 : -3, wide ? 500 : 3))
        }
        #expect(Self.check(a, b) == 0)
    }

    @Test(.enabled(if: FMAKernels.supported)) func hardCasesMatchDivision() {
        let next = Self.stream(seed: 0xBAD_D1)
        var a: [Double] = [], b: [Double] = []
        let allOnes = Double(bitPattern: 0x3FFF_FFFF_FFFF_FFFF)         // 2 - 2^-52
        for k in 0..<200_000 {
            let x = Self.value(next, -2, 2)
            // Divisor with an all-ones significand; quotients just below a power of two.
            a.append(x); b.append(allOnes * Double(sign: .plus, exponent: k % 7 - 3, significand: 1))
            let d = Self.value(next, -2, 2)
            a.append(d.nextDown); b.append(d)                                  // a/b just below 1
            a.append(d.nextUp); b.append(d)                                    // just above 1
            a.append(2 * d.nextDown); b.append(d)                              // just below 2
            let m = Double(1 + next() % 1_000_000)
            a.append(m * d); b.append(d)                                       // exact (when m d is)
            a.append(Double(next() % 100_000)); b.append(Double(1 + next() % 100_000))   // counts
            a.append(0.0); b.append(d)                                         // +0
        }
        // Outside the domain: the entry point divides.
        let outside: [(Double, Double)] = [(-0.0, 3), (1, 0x1p-600), (0x1p-600, 1), (1, 0x1p600), (0x1p600, 3),
                                           (.infinity, 2), (2, .infinity), (.nan, 2), (2, .nan), (1, 0),
                                           (Double.leastNonzeroMagnitude, 1), (5e-324, 0.75), (-0.0, -1)]
        for (x, y) in outside { a.append(x); b.append(y) }
        #expect(Self.check(a, b) == 0)
    }

    @Test func switchFollowsSupportAndOverride() {
        FMAKernels.set(false)
        #expect(!FMAKernels.enabled)
        FMAKernels.set(nil)
        #expect(FMAKernels.enabled == FMAKernels.supported)
    }
}
