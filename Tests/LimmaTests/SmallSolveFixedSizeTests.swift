// SmallSolve's n == 6 paths (factor6, dgetrs6, accepted6) against the
// any-size ones, bit for bit, on adversarial 6 x 6 systems.
import Foundation
import Testing
@testable import Limma

@Suite("SmallSolveFixedSize")
struct SmallSolveFixedSizeTests {
    @Test func sixBySixPathsMatchAnySizeBitForBit() {
        var rng = SmallSolveTests.Stream(state: 2026)
        let n = 6
        let specials: [Double] = [0, -0.0, .nan, .infinity, -.infinity, 0x1p-1060, -0x1p-1030, 1e300, 1, -1,
                                  0x1p-331, 0x1p332, -0x1p-332, 1e-100]
        let fixed = SmallSolve(n: n), any = SmallSolve(n: n)
        var factored = 0, solved = 0, accepts = 0, rejects = 0
        for trial in 0..<20000 {
            var a = (0..<(n * n)).map { _ in rng.next() }
            var b = (0..<n).map { _ in rng.next() }
            switch trial % 16 {
            case 1: for k in a.indices where rng.next() > 0.3 { a[k] = 0 }             // zero multipliers
            case 2: for k in a.indices { a[k] = (a[k] * 4).rounded() }                  // pivot ties
            case 3: for i in 0..<n { a[i * n + i] *= 1e-12 }                            // small pivots
            case 4: for k in a.indices { a[k] *= 1e200 }                                // huge
            case 5: for i in 0..<n { a[n + i] = a[i] }                                  // singular
            case 6: for k in a.indices where rng.next() > 0.6 { a[k] = -0.0 }           // signed zeros
            case 7: for k in a.indices where rng.next() > 0.7 { a[k] = specials[Int((rng.next() + 1) * 7) % specials.count] }
            case 8: for k in a.indices { a[k] *= 0x1p-1030 }                            // subnormal
            case 9: for k in a.indices { a[k] = (a[k] * 2).rounded() * (rng.next() > 0 ? 1 : -0.0) }
            case 10: for i in 0..<n { a[i] = 0 }                                         // zero first column
            case 11: for i in 0..<n { a[2 * n + i] = a[i] + a[n + i] }                   // dependent columns
            case 12:                                                                     // near-singular
                let eps = Foundation.pow(10.0, -4 - Double(trial % 17))
                for i in 0..<n { a[n + i] = a[i] + eps * rng.next() }
            case 13: for k in a.indices { a[k] *= 1e-90 }                                // tiny
            case 14: for k in b.indices where rng.next() > 0.5 { b[k] = specials[Int((rng.next() + 1) * 7) % specials.count] }
            case 15: for k in a.indices { a[k] *= Foundation.pow(2.0, Double(Int(rng.next() * 400))) }
            default: break
            }
            for k in 0..<(n * n) { fixed.lu[k] = a[k]; any.lu[k] = a[k] }
            let f6 = fixed.factor6(), fa = any.factorAnySize()
            #expect(f6 == fa, "trial \(trial): info \(f6) vs \(fa)")
            guard f6 >= 0 else { continue }
            factored += 1
            for k in 0..<(n * n) { #expect(fixed.lu[k].bitPattern == any.lu[k].bitPattern, "trial \(trial) LU[\(k)]") }
            for k in 0..<n { #expect(fixed.ipiv[k] == any.ipiv[k], "trial \(trial) ipiv[\(k)]") }
            // Solve with any factors (zero pivots and non-finite ones included).
            for k in 0..<n { fixed.x[k] = b[k]; any.x[k] = b[k] }
            SmallSolve.dgetrs6(fixed.lu, ipiv: fixed.ipiv, b: fixed.x)
            SmallSolve.dgetrsAnySize(n: n, any.lu, ipiv: any.ipiv, b: any.x)
            for k in 0..<n { #expect(fixed.x[k].bitPattern == any.x[k].bitPattern, "trial \(trial) x[\(k)]") }
            solved += 1
            let ok6 = a.withUnsafeBufferPointer { fixed.accepted6($0.baseAddress!) }
            let okA = a.withUnsafeBufferPointer { any.acceptedAnySize($0.baseAddress!) }
            #expect(ok6 == okA, "trial \(trial): accepted \(ok6) vs \(okA)")
            if ok6 { accepts += 1 } else { rejects += 1 }
        }
        #expect(factored > 15000 && solved == factored)
        #expect(accepts > 5000 && rejects > 1000)
    }
}
