import Testing
import Foundation
@testable import Limma
import LimmaFMA

/// lowess's fits in LimmaFMA (quotients from reciprocals and FMA) against
/// the plain fits in Limma (division), bit for bit: both paths called
/// directly (`clowess(fma:)`), on ties, equal x, -0 and +0, tiny and huge
/// ranges (half-widths outside the FMA quotients' domain, alone or beside
/// ones inside it, so that sweeps fall back to division), windows without
/// weight, infinite and NaN y, delta 0 to beyond the range, iter 0 to 4,
/// n 1 to 40 and large, on 1 to 3 threads; and on voom's own trends. And
/// the quotients those fits use (a two-term reciprocal, a product and three
/// FMAs) against IEEE division.
@Suite struct LowessFMATests {
    static func same(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
    }

    struct Case {
        var x: [Double], y: [Double], f: Double, iter: Int, delta: Double, label: String
    }

    /// Sorted x (as clowess takes them) in many shapes, with y to match.
    static func cases() -> [Case] {
        let uniform = LowessTests.uniformStream(seed: 0xF3A0_11CE_D00D_2468)
        var out: [Case] = []
        func add(_ x0: [Double], _ y: [Double], _ label: String) {
            let order = RBase.order(x0)
            let x = order.map { x0[$0] }, ys = order.map { y[$0] }
            let span = x[x.count - 1] - x[0]
            let k = out.count
            let f = [0.05, 0.2, 0.5, 2.0 / 3.0, 1, 3][k % 6]
            let iter = k % 5
            let delta = [0.01 * span, 0, 0.1 * span, 10 * span, 0.01 * span][(k / 6) % 5]
            out.append(Case(x: x, y: ys, f: f, iter: iter, delta: delta.isFinite ? delta : 0, label: label))
        }
        for n in Array(1...40) + [97, 256] {
            let smooth = (0..<n).map { _ in uniform() * 10 - 3 }
            let noisy = smooth.map { cos($0) + (uniform() - 0.5) }
            add(smooth, noisy, "uniform \(n)")
            add(smooth.map { ($0 * 2).rounded() / 2 }, noisy, "ties \(n)")
            add([Double](repeating: 1.5, count: n), noisy, "equal x \(n)")
            add((0..<n).map { $0 % 3 == 0 ? -0.0 : ($0 % 3 == 1 ? 0.0 : uniform()) }, noisy, "signed zeros \(n)")
            // Ranges whose half-widths lie below, inside and above the
            // quotients' domain [2^-480, 2^480], alone and side by side.
            for scale in [1e-300, 1e-160, 1e-140, 1e140, 1e150, 1e300] {
                add(smooth.map { $0 * scale }, noisy, "scaled \(scale) \(n)")
            }
            add(smooth.map { $0 < 0 ? $0 * 1e-160 : $0 }, noisy, "tiny cluster \(n)")
            add(smooth.map { $0 < 0 ? $0 * 1e150 : $0 }, noisy, "huge side \(n)")
            add(smooth.map { $0 < 0 ? $0 * 1e-300 : $0 * 1e300 }, noisy, "tiny and huge \(n)")
            add((0..<n).map { $0 == 0 ? -1e308 : ($0 == 1 ? 1e308 : uniform()) }, noisy, "range overflows \(n)")
            add(smooth.map { $0 * 1e-310 }, noisy, "subnormal \(n)")
            // y: equal, wild blocks (robustness weights 0, windows without
            // weight), huge and tiny, infinite and NaN.
            add(smooth, [Double](repeating: -4, count: n), "equal y \(n)")
            var wild = smooth.map { _ in 1.0 }
            for i in (n / 3)..<(n / 3 + n / 6) { wild[i] = 1e6 * (uniform() + 1) }
            add(smooth.map { ($0 * 8).rounded() }, wild, "wild block \(n)")
            add(smooth, noisy.map { $0 * 1e200 }, "huge y \(n)")
            add(smooth, noisy.map { $0 * 1e-200 }, "tiny y \(n)")
            for bad in [Double.infinity, -.infinity, .nan] where n > 1 {
                var y = noisy
                y[Int(uniform() * Double(n))] = bad
                if n > 20 { y[n - 1] = bad }
                add(smooth, y, "y \(bad) \(n)")
            }
        }
        // Large: many fits per thread, groups of four sharing long windows.
        for n in [1500, 5000] {
            let smooth = (0..<n).map { _ in uniform() * 10 - 3 }
            var noisy = smooth.map { cos($0) + (uniform() - 0.5) }
            for (k, x) in [smooth, smooth.map { ($0 * 8).rounded() / 8 }, smooth.map { $0 < 0 ? $0 * 1e-160 : $0 }].enumerated() {
                if k == 2 { noisy[n / 2] = .infinity }
                out.append(Case(x: x.sorted(), y: noisy, f: [0.5, 0.3, 0.1][k], iter: 3,
                                delta: [0.01, 0.001, 0][k] * 13, label: "large \(n) shape \(k)"))
            }
        }
        return out
    }

    @Test(.enabled(if: FMAKernels.supported)) func fmaFitsMatchPlainFits() {
        let saved = LimmaThreads.count
        defer { LimmaThreads.set(saved) }
        for c in Self.cases() {
            let plain = clowess(c.x, c.y, f: c.f, nsteps: c.iter, delta: c.delta, fma: false)
            for threads in c.x.count > 1000 ? [1, 2, 3] : [1, 2] {
                LimmaThreads.set(threads)
                let fma = clowess(c.x, c.y, f: c.f, nsteps: c.iter, delta: c.delta, fma: true)
                #expect(Self.same(fma, plain), "\(c.label) f \(c.f) iter \(c.iter) delta \(c.delta) threads \(threads)")
            }
        }
    }

    /// `TwoTermInverse`'s quotients against division, bit for bit: random
    /// operands over its domain (`b` in `[2^-400, 2^400]`, `|a|` in
    /// `[2^-420, 2^400]`), lowess's own operands (ratios in (0.001, 1],
    /// weights by their sums), and the hard cases: divisors that are powers
    /// of two (`lo` = 0) or have all-ones significands, quotients that are
    /// doubles or lie next to one, just below and above powers of two, +0,
    /// and operands outside the domain (which the entry point divides).
    @Test(.enabled(if: FMAKernels.supported)) func twoTermQuotientsMatchDivision() {
        let next = ExactQuotientTests.stream(seed: 0x2_7E12_1CE5)
        func value(_ lo: Int, _ hi: Int) -> Double { ExactQuotientTests.value(next, lo, hi) }
        var a: [Double] = [], b: [Double] = []
        for k in 0..<600_000 {
            let wide = k % 4 == 0
            let av = value(wide ? -420 : -3, wide ? 399 : 3)
            a.append(k % 2 == 0 ? av : -av)
            b.append(value(wide ? -400 : -3, wide ? 399 : 3))
        }
        let allOnes = Double(bitPattern: 0x3FFF_FFFF_FFFF_FFFF)         // 2 - 2^-52
        for k in 0..<100_000 {
            let d = value(-60, 60)
            // lowess: r / h with 0.001 h < r <= h, and w / a with w <= a.
            let h = value(-399, 399)
            a.append(h * (0.001 + 0.999 * Double(next() >> 11) * 0x1p-53)); b.append(h)
            let w = value(-133, 0)
            a.append(w); b.append(w * (1 + Double(next() % 5000)))
            // Divisors with lo = 0 and with all-ones significands.
            a.append(value(-3, 3)); b.append(Double(sign: .plus, exponent: k % 81 - 40, significand: 1))
            a.append(value(-3, 3)); b.append(allOnes * Double(sign: .plus, exponent: k % 7 - 3, significand: 1))
            // Quotients that are doubles, lie next to one, or sit by a power of two.
            let q = value(-10, 10)
            a.append(q * d); b.append(d)
            a.append((q * d).nextUp); b.append(d)
            a.append((q * d).nextDown); b.append(d)
            a.append(d.nextDown); b.append(d)
            a.append(d.nextUp); b.append(d)
            a.append(2 * d.nextDown); b.append(d)
            a.append(Double(next() % 100_000)); b.append(Double(1 + next() % 100_000))
            a.append(0.0); b.append(d)
        }
        // Quotients within 2^-53 ulp of a midpoint between two doubles,
        // where a faithful first guess rounds either way (`nearMidpoints`).
        for (x, y) in Self.nearMidpoints(next, count: 400_000) {
            let e = Int(next() % 600) - 300
            a.append(x * Double(sign: .plus, exponent: e / 2, significand: 1))
            b.append(y * Double(sign: .plus, exponent: e - e / 2 - 52, significand: 1))
        }
        let outside: [(Double, Double)] = [(-0.0, 3), (1, 0x1p-401), (0x1p-421, 1), (1, 0x1p401), (0x1p401, 3),
                                           (.infinity, 2), (2, .infinity), (.nan, 2), (2, .nan), (1, 0), (0, 0),
                                           (Double.leastNonzeroMagnitude, 1), (5e-324, 0.75), (-0.0, -1), (3, -2)]
        for (x, y) in outside { a.append(x); b.append(y) }
        let q = [Double](unsafeUninitializedCapacity: a.count) { buffer, initialized in
            fmaTwoTermQuotients(a, b, buffer.baseAddress!, count: a.count)
            initialized = a.count
        }
        let bad = a.indices.filter { q[$0].bitPattern != (a[$0] / b[$0]).bitPattern }
        for k in bad.prefix(5) { print("two-term quotient \(a[k]) / \(b[k]): \(q[k]) against \(a[k] / b[k])") }
        #expect(bad.isEmpty, "\(bad.count) of \(a.count) quotients differ")
    }

    /// `ExactQuotient` (the module's general quotient) on the same quotients
    /// next to midpoints, over its wider domain.
    @Test(.enabled(if: FMAKernels.supported)) func exactQuotientsNearMidpointsMatchDivision() {
        let next = ExactQuotientTests.stream(seed: 0x3A1D_9017)
        var a: [Double] = [], b: [Double] = []
        for (x, y) in Self.nearMidpoints(next, count: 200_000) {
            let e = Int(next() % 900) - 450
            a.append(x * Double(sign: .plus, exponent: e / 2 - 52, significand: 1))
            b.append(y * Double(sign: .plus, exponent: e - e / 2, significand: 1))
        }
        #expect(ExactQuotientTests.check(a, b) == 0)
    }

    /// Pairs `(a, b)`, `b` in `[1, 2)`, whose quotient lies within `2^-53`
    /// ulp of a midpoint between two doubles, on either side (as close as a
    /// quotient of doubles comes): for an odd 54-bit `m` and `s` = 1 or -1,
    /// `b = s / m mod 2^54` (when that has 53 bits) and
    /// `a = (b m - s) / 2^54`, an integer below 2^53, so that
    /// `a / b = (m - s / b) / 2^54`. (Without its last correction the
    /// quotient misses about one in a thousand of these.)
    static func nearMidpoints(_ next: () -> UInt64, count: Int) -> [(Double, Double)] {
        var out: [(Double, Double)] = []
        let mask: UInt64 = (1 << 54) - 1
        while out.count < count {
            let m = (next() & mask) | (1 << 53) | 1
            var inv: UInt64 = m                                   // m^-1 mod 2^64 by Newton's iteration
            for _ in 0..<6 { inv = inv &* (2 &- m &* inv) }
            let s: Int64 = next() & 1 == 0 ? 1 : -1
            let b = (UInt64(bitPattern: s) &* inv) & mask
            guard b >> 52 == 1 else { continue }                  // 53 bits
            let product = b.multipliedFullWidth(by: m)           // b m = 2^54 a + s
            let low = product.low &- UInt64(bitPattern: s)
            let borrow: UInt64 = product.low < UInt64(bitPattern: s) ? 1 : 0
            guard low & mask == 0 else { continue }
            let a = (product.high &- borrow) << 10 | low >> 54
            out.append((Double(a), Double(b) * 0x1p-52))
        }
        return out
    }

    /// voom's mean-variance trends (gse60450 and pasilla, fixed and
    /// adaptive spans): both paths give the line voom returns.
    @Test(.enabled(if: FMAKernels.supported)) func voomTrendsMatchPlainFits() throws {
        let gse = try VoomTests.gseCounts(), pasilla = try VoomTests.pasillaCounts()
        for (counts, version) in [(gse.rows(Array(0..<8000)), LimmaVersion.v3_54), (pasilla, .v3_66)] {
            let v = try voom(counts, version: version)
            let (sx, sy) = try #require(v.voomXY)
            let line = try #require(v.voomLine)
            let (x, y) = sortedPoints(sx, sy)
            let delta = 0.01 * (x[x.count - 1] - x[0])
            let span = try #require(v.span)
            let plain = clowess(x, y, f: span, nsteps: 3, delta: delta, fma: false)
            let fma = clowess(x, y, f: span, nsteps: 3, delta: delta, fma: true)
            #expect(Self.same(fma, plain) && Self.same(plain, line.y), "\(counts.nrow) genes, \(version)")
        }
    }
}
