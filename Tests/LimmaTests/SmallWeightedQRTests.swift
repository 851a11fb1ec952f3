// SmallWeightedQR (dqrdc2 without pivoting bookkeeping, then dqrsl's Q'y and
// residuals) against the general QRDecomposition.dqrdc2/dqrsl, bit for bit,
// on adversarial matrices; it must decline exactly when dqrdc2 pivots.
import Foundation
import Testing
@testable import Limma

@Suite("SmallWeightedQR")
struct SmallWeightedQRTests {
    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    /// One entry of kind `kind`.
    static func entry(_ kind: Int, _ i: Int, _ rng: inout SplitMix64) -> Double {
        let sign: Double = rng.uniform() < 0.5 ? -1 : 1
        switch kind {
        case 0: return rng.uniform() - 0.5
        case 1: return [0, -0.0, 1, -1, 2][i % 5]
        case 2: return sign * rng.logUniform(1e-300, 1e300)
        case 3: return sign * [0x1p-511, 0x1p486, (0x1p-511).nextDown, (0x1p486).nextUp, 0x1p-1074, 0][i % 6]
        case 4: return i % 4 == 0 ? .nan : rng.uniform()
        case 5: return i % 5 == 1 ? -.infinity : (i % 5 == 3 ? .infinity : rng.uniform())
        case 6: return sign * 1e300 * (rng.uniform() + 1)
        case 7: return sign * 1e-310 * (rng.uniform() + 1)
        default: return (rng.uniform() * 4).rounded()
        }
    }

    @Test func matchesGeneralQR() {
        var rng = SplitMix64(s: 97)
        var declined = 0, taken = 0
        for trial in 0..<6000 {
            let n = 2 + trial % 15, p = 1 + (trial / 15) % 4
            guard p <= n else { continue }
            let kind = (trial / 60) % 9
            var x = (0..<(n * p)).map { i in Self.entry(rng.uniform() < 0.7 ? 0 : kind, i, &rng) }
            // Collinear and near-collinear columns, zero columns, ties.
            switch (trial / 540) % 6 {
            case 1 where p >= 2: for i in 0..<n { x[n + i] = 2 * x[i] }
            case 2 where p >= 2: for i in 0..<n { x[(p - 1) * n + i] = x[i] + 1e-9 * (rng.uniform() - 0.5) }
            case 3: let c = Int(rng.uniform() * Double(p)); for i in 0..<n { x[c * n + i] = 0 }
            case 4 where p >= 3: for i in 0..<n { x[2 * n + i] = x[i] - x[n + i] }
            case 5: for i in 0..<n { x[i] = 1 }
            default: break
            }
            let y = (0..<n).map { i in Self.entry(rng.uniform() < 0.7 ? 0 : kind, i, &rng) }
            // The general path.
            var gx = x, gqraux = [Double](repeating: 0, count: p), work = [Double](repeating: 0, count: 2 * p)
            var jpvt = [Int](repeating: 0, count: p)
            var gqty = [Double](repeating: 0, count: n), grsd = gqty, b = [Double](repeating: 0, count: p)
            let grank = QRDecomposition.dqrdc2(&gx, n: n, p: p, tol: 1e-7, qraux: &gqraux, jpvt: &jpvt, work: &work)
            if grank > 0 {
                QRDecomposition.dqrsl(&gx, n: n, k: grank, qraux: gqraux, y: y, qty: &gqty, b: &b, rsd: &grsd, job: [.qty, .resid])
            }
            // The specialisation.
            var sx = x, sqraux = [Double](repeating: 7, count: p), norm0 = [Double](repeating: 7, count: p)
            var sqty = [Double](repeating: 7, count: n), srsd = sqty
            let srank = SmallWeightedQR.fit(&sx, n: n, p: p, tol: 1e-7, qraux: &sqraux, norm0: &norm0, y: y, qty: &sqty, rsd: &srsd)
            guard let srank else {
                declined += 1
                #expect(grank < p, "trial \(trial): declined though dqrdc2 kept every column")
                continue
            }
            taken += 1
            #expect(srank == grank && jpvt == Array(0..<p), "trial \(trial): rank \(srank) vs \(grank), pivot \(jpvt)")
            for k in 0..<(n * p) { #expect(Self.same(sx[k], gx[k]), "trial \(trial) n \(n) p \(p) x[\(k)]: \(sx[k]) vs \(gx[k])") }
            for k in 0..<p { #expect(Self.same(sqraux[k], gqraux[k]), "trial \(trial) qraux[\(k)]: \(sqraux[k]) vs \(gqraux[k])") }
            for i in 0..<n {
                #expect(Self.same(sqty[i], gqty[i]), "trial \(trial) n \(n) p \(p) qty[\(i)]: \(sqty[i]) vs \(gqty[i])")
                #expect(Self.same(srsd[i], grsd[i]), "trial \(trial) n \(n) p \(p) rsd[\(i)]: \(srsd[i]) vs \(grsd[i])")
            }
        }
        #expect(declined > 100 && taken > 1000, "declined \(declined), taken \(taken)")
    }

    @Test func normMatchesBLAS() {
        var rng = SplitMix64(s: 5)
        for trial in 0..<4000 {
            let m = trial % 17, kind = (trial / 17) % 9
            let v = (0..<m).map { i in Self.entry(rng.uniform() < 0.5 ? 0 : kind, i, &rng) }
            v.withUnsafeBufferPointer { vb in
                let a = SmallWeightedQR.nrm2(m, vb.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                let b = BLAS1.nrm2(m, vb.baseAddress ?? UnsafePointer(bitPattern: 8)!)
                #expect(Self.same(a, b), "trial \(trial) m \(m): \(a) vs \(b)")
            }
        }
    }
}
