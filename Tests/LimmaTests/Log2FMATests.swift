import Testing
import Foundation
@testable import Limma
import LimmaAVX512
import LimmaFMA

/// LimmaFMA's `fmaLog2Parts` (`log2` in two parts to about 2^-64) and the
/// rule that turns it into the system libm's bits, checked against `log2`
/// bit for bit: random doubles of every exponent, values near 1, near
/// powers of two (the reduction's binade change) and near the table's
/// interval boundaries, results that are powers of two, voom-like arguments,
/// and the values it must leave out (zero, negative, subnormal, infinite,
/// NaN, near 1: NaN parts); at lengths 0 to 9 and beyond. Then voom's
/// log-count kernel (`voomKernelLogCounts` with `fmaVoomRowLogs` and
/// `fmaVoomLogScale`) against `log2(1e-6 * (p2 * l1))` on adversarial
/// fitted values and library sizes, and voom's weights with the kernels on
/// and off at 1 and 2 threads. The fractions of values settled are checked
/// too, so that the comparisons cover the kernels and not only their
/// fallback. `LIMMA_LOG2_TEST_SCALE` (default 1) multiplies the counts (a
/// release build checks hundreds of millions in a minute).
@Suite struct Log2FMATests {
    static let scale: Int = {
        if let v = getenv("LIMMA_LOG2_TEST_SCALE"), let n = Int(String(cString: v)), n > 0 { return n }
        return 1
    }()

    /// `fmaLog2Parts` on `xs` with the acceptance rule of its doc comment
    /// (hi not ±2^e, `|lo| <= 0.449 ulp(hi)`, or `0.438 ulp(hi)` for x in
    /// `[0.70703125, 1.4140625)`), compared with `log2`: the number of
    /// accepted values whose bits differ, of values not covered whose parts
    /// are not NaN (or covered with NaN parts), and the number not accepted.
    static func check(_ xs: [Double]) -> (bad: Int, missed: Int) {
        var hi = [Double](repeating: 0, count: xs.count), lo = hi
        xs.withUnsafeBufferPointer { xb in
            hi.withUnsafeMutableBufferPointer { hb in
                lo.withUnsafeMutableBufferPointer { lb in
                    fmaLog2Parts(xb.baseAddress ?? UnsafePointer(bitPattern: 8)!, count: xs.count,
                                 hi: hb.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!,
                                 lo: lb.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                }
            }
        }
        var bad = 0, missed = 0
        for i in xs.indices {
            let x = xs[i], h = hi[i], l = lo[i]
            let covered = x >= 0x1p-1022 && x < .infinity && (x < 1 - 0x1p-8 || x >= 1 + 0x1p-7)
            if covered != (h.isFinite && l.isFinite) { bad += 1 }
            let a = x >= 0.70703125 && x < 1.4140625 ? 0.438 : 0.449
            guard covered, h.significandBitPattern != 0, abs(l) <= a * h.ulp else {
                missed += 1
                continue
            }
            if h.bitPattern != log2(x).bitPattern { bad += 1 }
        }
        return (bad, missed)
    }

    static func scaled(_ significand: Double, _ e: Int) -> Double {
        Double(sign: .plus, exponent: e, significand: significand)
    }

    @Test(.enabled(if: FMAKernels.supported)) func randomDoublesOfEveryExponent() {
        var rng = SplitMix64(s: 0x1062)
        for _ in 0..<(4 * Self.scale) {
            // Positive normal finite doubles, uniform over the bit patterns.
            let xs = (0..<1_000_000).map { _ -> Double in
                Double(bitPattern: 0x0010_0000_0000_0000 + rng.next() % 0x7FE0_0000_0000_0000)
            }
            let (bad, missed) = Self.check(xs)
            #expect(bad == 0)
            #expect(Double(missed) / Double(xs.count) < 0.12)          // about 10%: the rounding band
        }
    }

    @Test(.enabled(if: FMAKernels.supported)) func voomLikeArguments() {
        // 1e-6 * (2^f * (libSize + 1)), fitted log-counts from -10 to 25.
        var rng = SplitMix64(s: 0x7005)
        for _ in 0..<(2 * Self.scale) {
            var xs = [Double]()
            xs.reserveCapacity(1_000_000)
            for _ in 0..<1_000_000 {
                let f = rng.uniform() * 35 - 10, l1 = rng.logUniform(1e5, 1e8) + 1
                xs.append(1e-6 * (pow(2, f) * l1))
            }
            let (bad, missed) = Self.check(xs)
            #expect(bad == 0)
            #expect(Double(missed) / Double(xs.count) < 0.13)
        }
    }

    @Test(.enabled(if: FMAKernels.supported)) func nearOneNearPowersOfTwoAndTableEdges() {
        var rng = SplitMix64(s: 0xED6E)
        var xs = [Double]()
        // Near 1: 1 ± n ulp, 1 ± 2^-i (± a few ulp), random within 2^-6 of 1.
        for n in 1...2000 {
            xs.append(1 + Double(n) * 0x1p-52); xs.append(1 - Double(n) * 0x1p-53)
        }
        for i in 1...60 {
            for d in -3...3 {
                xs.append((1 + Self.scaled(1, -i)) + Double(d) * 0x1p-52)
                xs.append((1 - Self.scaled(1, -i)) + Double(d) * 0x1p-53)
            }
        }
        for _ in 0..<(200_000 * Self.scale) { xs.append(1 + (rng.uniform() - 0.5) * 0x1p-5) }
        // Near every power of two (the binade change of x and of the reduction).
        for e in -1022...1023 {
            var p = Self.scaled(1, e), q = p
            for _ in 0..<40 { xs.append(p); xs.append(q); p = p.nextUp; q = q.nextDown }
        }
        // Near the table's interval edges 1 + j/128 (j = 53: the switch to m/2) and the
        // centre 1.4142..., at random exponents.
        for j in 0...128 {
            for _ in 0..<(200 * Self.scale) {
                let e = Int(rng.next() % 2044) - 1021
                var a = Self.scaled(1 + Double(j) / 128, e), b = a
                for _ in 0..<8 { xs.append(a); xs.append(b); a = a.nextUp; b = b.nextDown }
            }
        }
        for _ in 0..<(100_000 * Self.scale) {
            let e = Int(rng.next() % 2044) - 1021
            xs.append(Self.scaled(2.0.squareRoot() + (rng.uniform() - 0.5) * 0x1p-20, e))
        }
        // Results at and beside powers of two: x = 2^(±2^i), and 2^(2^i) (1 ± n ulp).
        for i in 0...9 {
            for sgn in [1, -1] {
                var a = Self.scaled(1, sgn << i), b = a
                for _ in 0..<50 { xs.append(a); xs.append(b); a = a.nextUp; b = b.nextDown }
            }
        }
        // Whole numbers, halves and counts per million (voom's arguments with integer counts).
        for n in 1...100_000 { xs.append(Double(n)); xs.append(Double(n) + 0.5) }
        for n in 0..<20_000 { xs.append((Double(n) + 0.5) / 1_234_567 * 1e6) }
        for i in stride(from: xs.count - 1, to: 0, by: -1) { xs.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let (bad, missed) = Self.check(xs)
        #expect(bad == 0)
        #expect(missed < xs.count)
    }

    @Test(.enabled(if: FMAKernels.supported)) func valuesOutsideTheDomainAreLeftOut() {
        // Not covered (NaN parts), or results ±2^e (not accepted).
        let outside: [Double] = [0, -0.0, -1, -Double.leastNormalMagnitude, -.infinity, .infinity, .nan, -.nan,
                                 Double(bitPattern: 0x7FF0_0000_0000_0001), Double.leastNonzeroMagnitude,
                                 0x1p-1030, Double.leastNormalMagnitude.nextDown, 0x1p-1074 * 12345, -5e-324,
                                 1, 2, 0.5, 4, 0x1p16, 0x1p-16, 1 + 0x1p-52, 1 - 0x1p-53, 1 - 0x1p-8, (1 + 0x1p-7).nextDown]
        let (bad, missed) = Self.check(outside + [3, 10] + outside)
        #expect(bad == 0)
        #expect(missed >= 2 * outside.count)
        for x in outside { #expect(Self.check([x]).missed == 1, "\(x) accepted") }
    }

    @Test(.enabled(if: FMAKernels.supported)) func everyLengthAndChunkBoundary() {
        var rng = SplitMix64(s: 0x1E46)
        for n in Array(0...9) + [511, 512, 513, 515, 1023, 1024, 1027, 5000] {
            let xs = (0..<n).map { _ in rng.logUniform(1e-5, 1e9) }
            let (bad, missed) = Self.check(xs)
            #expect(bad == 0)
            if n >= 1000 { #expect(Double(missed) / Double(n) < 0.14) }
        }
    }

    /// `voomKernelLogCounts` (LimmaFMA's, or with `eightLanes` LimmaAVX512's)
    /// for a row's `p2` and a sample's `l1` (with `fmaVoomRowLogs` and
    /// `fmaVoomLogScale`), and the number of values it left to `miss`.
    static func logCounts(_ p2: [Double], _ l1: Double, eightLanes: Bool = false) -> (out: [Double], missed: Int) {
        let n = p2.count
        var logs = [Double](repeating: 0, count: 3 * n)
        var out = [Double](repeating: 0, count: n)
        var missed = 0
        let dummy = UnsafeMutablePointer<Double>(bitPattern: 8)!
        let kernel = eightLanes ? LimmaAVX512.voomKernelLogCounts : LimmaFMA.voomKernelLogCounts
        p2.withUnsafeBufferPointer { pb in
            let p = pb.baseAddress ?? UnsafePointer(dummy)
            logs.withUnsafeMutableBufferPointer { lb in
                let l = lb.baseAddress ?? dummy
                fmaVoomRowLogs(p, count: n, logHi: l, logLo: l + n, inverse: l + 2 * n)
                out.withUnsafeMutableBufferPointer { ob in
                    kernel(ob.baseAddress ?? dummy, n, p, l, l + n, l + 2 * n, l1, fmaVoomLogScale(l1),
                           { x in missed += 1; return log2(x) })
                }
            }
        }
        return (out, missed)
    }

    /// `n` values `2^f` as voom's fitted values give them: f near 0, whole,
    /// at and beyond the kernels' edges (±64, ±900, ±1000), or in [-10, 25).
    static func voomLikePowersOfTwo(_ n: Int, _ rng: inout SplitMix64) -> [Double] {
        var p2 = [Double]()
        for _ in 0..<n {
            let f: Double
            switch rng.next() % 10 {
            case 0: f = (rng.uniform() - 0.5) * 0x1p-5
            case 1: f = Double(Int(rng.next() % 60) - 30)
            case 2: f = [64.0, -64, 63.99, 900.5, -900.5, 1000, -1000][Int(rng.next() % 7)]
            default: f = rng.uniform() * 35 - 10
            }
            p2.append(pow(2, f))
        }
        return p2
    }

    /// Fitted values voom-like (-10 to 25), near 0 (2^f near 1: left out),
    /// whole numbers (2^f exact), near ±64 and beyond ±900 (left out), with
    /// library sizes + 1 of 1 (left out), 1.5, 2, near 1e6 (log2(1e-6 l1)
    /// near 0), voom-like, 2^60 and beyond (left out); sorted and not; at
    /// lengths 0 to 9, around 512 and 20,000.
    @Test(.enabled(if: FMAKernels.supported)) func voomLogCountsMatchPlainCode() {
        var rng = SplitMix64(s: 0x10C0)
        let l1s: [Double] = [1, 1.5, 2, 1e6, 1e6 + 1, 999_999, 1e6 * (1 + 0x1p-40), 2e7 + 1, 3.1e7 + 1, 0x1p60, 0x1p61, 1e300]
        var settled = 0, total = 0
        for trial in 0..<(40 * Self.scale) {
            let n = [0, 1, 2, 3, 4, 5, 7, 9, 511, 512, 513, 20_000][trial % 12]
            var p2 = Self.voomLikePowersOfTwo(n, &rng)
            if trial % 2 == 0 { p2.sort() }
            for l1 in l1s + [rng.logUniform(1e5, 1e8).rounded() + 1] {
                let (out, missed) = Self.logCounts(p2, l1)
                var bad = 0
                for k in 0..<n where out[k].bitPattern != log2(1e-6 * (p2[k] * l1)).bitPattern { bad += 1 }
                #expect(bad == 0, "trial \(trial) l1 \(l1): \(bad) differ")
                if l1 >= 1e5 && l1 <= 1e8 {
                    settled += n - missed
                    total += n
                }
            }
        }
        // About 1 value in 9 left to log2 where the parts apply (7 in 10 of these fitted values).
        #expect(Double(settled) / Double(total) > 0.55)
    }

    /// Voom-like fitted values and library sizes only: most values settled.
    @Test(.enabled(if: FMAKernels.supported)) func voomLogCountsSettleMost() {
        var rng = SplitMix64(s: 0x5E77)
        let p2 = (0..<100_000).map { _ in pow(2, rng.uniform() * 20 - 3) }.sorted()
        var settled = 0, total = 0
        for _ in 0..<(10 * Self.scale) {
            let l1 = rng.logUniform(1e6, 5e7).rounded() + 1
            let (out, missed) = Self.logCounts(p2, l1)
            var bad = 0
            for k in p2.indices where out[k].bitPattern != log2(1e-6 * (p2[k] * l1)).bitPattern { bad += 1 }
            #expect(bad == 0)
            settled += p2.count - missed
            total += p2.count
        }
        #expect(Double(settled) / Double(total) > 0.85)
    }

    /// voom's weights with the kernels on and off (and `FMAKernels.set`),
    /// on its sorted path (2 and 3 distinct design rows, 48 samples, so the
    /// log-count kernel runs) and its block path, library sizes including 0
    /// and huge, 1 and 2 threads.
    @Test(.enabled(if: FMAKernels.supported)) func voomWeightsMatchWithKernelsOnAndOff() throws {
        var rng = SplitMix64(s: 0xA11)
        defer {
            LimmaThreads.set(0)
            FMAKernels.set(nil)
        }
        for trial in 0..<4 {
            let ngenes = [2500, 777, 9, 1030][trial]
            let nsamples = trial == 3 ? 6 : 48
            var X = Matrix(nrow: nsamples, ncol: 3)
            for j in 0..<nsamples {
                X[j, 0] = 1
                X[j, 1] = trial == 1 ? Double(j % 3 == 1 ? 1 : 0) : Double(j % 2)
                X[j, 2] = trial == 1 ? Double(j % 3 == 2 ? 1 : 0) : (trial == 3 ? rng.uniform() : 0)
            }
            var coef = Matrix(nrow: ngenes, ncol: 3)
            for g in 0..<ngenes {
                coef[g, 0] = rng.uniform() * 18 - 4
                coef[g, 1] = rng.uniform() * 2 - 1
                coef[g, 2] = rng.uniform() - 0.5
            }
            if ngenes > 3 { coef[1, 0] = 0; coef[2, 0] = -0.25; coef[3, 0] = 1 }
            let lib = (0..<nsamples).map { j -> Double in
                switch j % 7 {
                case 0: return [0, 1e6 - 1, 1e300][j / 7 % 3]
                default: return (rng.logUniform(1e6, 4e7)).rounded()
                }
            }
            var ux = [Double]()
            for k in 0..<60 { ux.append(-6 + Double(k) * 0.4 + rng.uniform() * 0.1) }
            let ky = ux.map { _ in 0.3 + rng.uniform() * 2 }
            let trend = try approxfun(x: ux, y: ky, rule: 2, ordered: true)
            for threads in [1, 2] {
                LimmaThreads.set(threads)
                let plain = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: ApproxLookup(trend),
                                                   kernels: false)
                let fused = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: ApproxLookup(trend),
                                                   kernels: true)
                FMAKernels.set(false)
                let off = voomObservationWeights(coefficients: coef, design: X, libSize: lib, trend: ApproxLookup(trend))
                FMAKernels.set(nil)
                let bad = zip(plain, fused).filter { !VoomKernelChecks.same($0, $1) }.count
                    + zip(plain, off).filter { !VoomKernelChecks.same($0, $1) }.count
                #expect(plain.count == fused.count && bad == 0, "trial \(trial) threads \(threads): \(bad) differ")
            }
        }
    }
}
