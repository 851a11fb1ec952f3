// SmallSolve (arrayWeights' per-gene solve) against the system LAPACK's
// dgesv, bit for bit, and its condition check against R's errors.
import CLapack
import Foundation
import Testing
@testable import Limma

@Suite("SmallSolve")
struct SmallSolveTests {
    /// A deterministic stream of doubles in [-1, 1) (64-bit LCG).
    struct Stream {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-52 - 1
        }
    }

    /// LAPACK's dgesv on copies: (LU, pivots, solution, info).
    static func lapack(_ a: [Double], _ b: [Double], n: Int) -> ([Double], [Int32], [Double], Int32) {
        var lu = a, x = b, ipiv = [Int32](repeating: 0, count: n)
        var nn = Int32(n), nrhs: Int32 = 1, info: Int32 = 0
        dgesv_(&nn, &nrhs, &lu, &nn, &ipiv, &x, &nn, &info)
        return (lu, ipiv, x, info)
    }

    @Test func luAndSolutionMatchLapackBitForBit() {
        var rng = Stream(state: 42)
        var checked = 0, factored = 0
        let specials: [Double] = [0, -0.0, .nan, .infinity, -.infinity, 0x1p-1060, -0x1p-1030, 1e300, 1, -1]
        for trial in 0..<12000 {
            let n = 1 + trial % 9
            var a = (0..<(n * n)).map { _ in rng.next() }
            let b = (0..<n).map { _ in rng.next() }
            switch trial % 12 {
            case 1: for k in a.indices where rng.next() > 0.3 { a[k] = 0 }            // sparse, zero multipliers
            case 2: for k in a.indices { a[k] = (a[k] * 4).rounded() }                 // ties in the pivot search
            case 3: for i in 0..<n { a[i * n + i] *= 1e-12 }                           // small pivots
            case 4: for k in a.indices { a[k] *= 1e200 }                               // huge entries
            case 5: if n > 1 { for i in 0..<n { a[n + i] = a[i] } }                    // singular (two equal columns)
            case 6: for k in a.indices where rng.next() > 0.6 { a[k] = -0.0 }          // signed zeros
            case 7: for k in a.indices where rng.next() > 0.7 { a[k] = specials[Int((rng.next() + 1) * 5) % 10] }
            case 8: for k in a.indices { a[k] *= 0x1p-1030 }                           // subnormal pivots
            case 9: for k in a.indices { a[k] = (a[k] * 2).rounded() * (rng.next() > 0 ? 1 : -0.0) }
            case 10: for i in 0..<n { a[i] = 0 }                                        // a zero first column
            case 11: if n > 2 { for i in 0..<n { a[2 * n + i] = a[i] + a[n + i] } }     // dependent columns
            default: break
            }
            let (lu, ipiv, x, info) = Self.lapack(a, b, n: n)
            let solver = SmallSolve(n: n)
            func expectLapack(_ what: String, _ myInfo: Int) {
                #expect(myInfo == Int(info), "trial \(trial) \(what): info \(myInfo) vs \(info)")
                for k in 0..<(n * n) {
                    #expect(solver.lu[k].bitPattern == lu[k].bitPattern || (solver.lu[k].isNaN && lu[k].isNaN),
                            "trial \(trial) \(what) LU[\(k)]: \(solver.lu[k]) vs \(lu[k])")
                }
                for k in 0..<n { #expect(solver.ipiv[k] == Int(ipiv[k]), "trial \(trial) \(what) ipiv[\(k)]") }
            }
            // The recursive dgetrf2, the column-by-column factor when it
            // answers, and decompose (the one solve uses).
            for k in 0..<(n * n) { solver.lu[k] = a[k] }
            expectLapack("dgetrf2", SmallSolve.dgetrf2(m: n, n: n, solver.lu, lda: n, ipiv: solver.ipiv))
            for k in 0..<(n * n) { solver.lu[k] = a[k] }
            let f = solver.factor()
            if f >= 0 { expectLapack("factor", f); factored += 1 }
            expectLapack("decompose", a.withUnsafeBufferPointer { solver.decompose($0.baseAddress!) })
            if info == 0 {
                for k in 0..<n { solver.x[k] = b[k] }
                SmallSolve.dgetrs(n: n, solver.lu, ipiv: solver.ipiv, b: solver.x)
                for k in 0..<n {
                    #expect(solver.x[k].bitPattern == x[k].bitPattern || (solver.x[k].isNaN && x[k].isNaN),
                            "trial \(trial) x[\(k)]: \(solver.x[k]) vs \(x[k])")
                }
                checked += 1
            }
        }
        #expect(factored > 9000)
        #expect(checked > 7000)
    }

    @Test func solveMatchesRSolveAndItsErrors() throws {
        var rng = Stream(state: 7)
        for trial in 0..<500 {
            let n = 1 + trial % 7
            let a = (0..<(n * n)).map { _ in rng.next() }
            let b = (0..<n).map { _ in rng.next() }
            let solver = SmallSolve(n: n)
            let mine = Array(try solver.solve(a, b, function: "arrayWeights"))
            let r = try rSolve(Matrix(nrow: n, ncol: n, values: a), Matrix(nrow: n, ncol: 1, values: b), function: "arrayWeights")
            #expect(mine.map(\.bitPattern) == r.values.map(\.bitPattern), "trial \(trial)")
        }
        // Computationally singular: R's error from dgecon, not a silent answer.
        let nearly = [1.0, 1, 1, 1 + 1e-17 * 3]
        let solver = SmallSolve(n: 2)
        #expect(throws: LimmaError.self) { _ = try solver.solve([1, 2, 2, 4], [1, 1], function: "arrayWeights") }
        #expect(throws: LimmaError.self) { _ = try solver.solve(nearly, [1, 2], function: "arrayWeights") }
        // Ill-conditioned but not singular to R: dgecon decides, as in R.
        let ill = [1.0, 1, 1, 1 + 1e-10]
        let r = try rSolve(Matrix(nrow: 2, ncol: 2, values: ill), Matrix(nrow: 2, ncol: 1, values: [1, 2]), function: "f")
        #expect(Array(try solver.solve(ill, [1, 2], function: "f")).map(\.bitPattern) == r.values.map(\.bitPattern))
    }

    /// Near-singular systems around R's threshold (condition numbers 1e8 to
    /// 1e20): `solve` answers exactly when R's `solve` does, with its bits,
    /// and throws when R throws.
    @Test func acceptanceAgreesWithRNearSingular() throws {
        var rng = Stream(state: 99)
        var threw = 0, answered = 0
        for trial in 0..<3000 {
            let n = 2 + trial % 7
            var a = (0..<(n * n)).map { _ in rng.next() }
            let eps = Foundation.pow(10.0, -4 - Double(trial % 17))
            // Column 1 = column 0 + eps * noise: condition about 1/eps.
            for i in 0..<n { a[n + i] = a[i] + eps * rng.next() }
            if trial % 3 == 1 { for k in a.indices { a[k] *= 1e-90 } }
            if trial % 3 == 2 { for k in a.indices where rng.next() > 0.5 { a[k] = a[k] == 0 ? 0 : a[k] * 1e5 } }
            let b = (0..<n).map { _ in rng.next() }
            let solver = SmallSolve(n: n)
            var mine: [Double]?, ref: [Double]?
            do { mine = Array(try solver.solve(a, b, function: "arrayWeights")) } catch { mine = nil }
            do {
                ref = try rSolve(Matrix(nrow: n, ncol: n, values: a), Matrix(nrow: n, ncol: 1, values: b), function: "arrayWeights").values
            } catch { ref = nil }
            #expect((mine == nil) == (ref == nil), "trial \(trial): solve \(mine == nil ? "threw" : "answered"), R \(ref == nil ? "threw" : "answered")")
            if let mine, let ref { #expect(mine.map(\.bitPattern) == ref.map(\.bitPattern), "trial \(trial)"); answered += 1 } else { threw += 1 }
        }
        #expect(threw > 300 && answered > 1000)
    }
}
