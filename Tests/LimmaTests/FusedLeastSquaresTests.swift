// The fused lane kernels of lmFit (LaneLeastSquares.weightedFit, sharedFit)
// against the step-by-step lane kernels they replace (decompose + solve +
// chol2invDiagonal + meanOfSquares) and lmFit against the plain routines, bit
// for bit, on adversarial inputs.
import Foundation
import Testing
@testable import Limma

@Suite("Linear models: fused lane kernels keep the bits")
struct FusedLeastSquaresTests {
    typealias LCG = LinearModelKernelTests.LCG

    static func bits(_ v: GeneLanes) -> [UInt64] { (0..<4).map { v[$0].bitPattern } }

    /// Designs with p < n: groups (sorted and interleaved), intercept +
    /// covariate, a repeated column (pivoting), tiny and huge values, a zero
    /// first row, a single column.
    static func designs(_ n: Int, _ rng: inout LCG) -> [Matrix] {
        var out: [Matrix] = []
        let interleaved = (0..<n).map { Double($0 % 2) }
        let sorted = (0..<n).map { $0 < n / 2 ? 0.0 : 1.0 }
        let cov = (0..<n).map { _ in rng.next() * 4 - 2 }
        let ones = [Double](repeating: 1, count: n)
        out.append(Matrix(columns: [ones]))
        if n > 2 {
            out.append(Matrix(columns: [interleaved.map { 1 - $0 }, interleaved]))
            out.append(Matrix(columns: [sorted.map { 1 - $0 }, sorted]))
            out.append(Matrix(columns: [ones, cov]))
            out.append(Matrix(columns: [cov.map { $0 * 1e-160 }, ones]))
            out.append(Matrix(columns: [cov.map { $0 * 1e200 }, ones]))
            out.append(Matrix(columns: [[0] + ones.dropFirst(), cov]))
        }
        if n > 3 {
            out.append(Matrix(columns: [ones, interleaved, interleaved]))
            out.append(Matrix(columns: [ones, cov, sorted]))
        }
        if n > 5 {
            out.append(Matrix(columns: [ones, cov, sorted, cov.map { $0 * $0 }, (0..<n).map { Double($0 % 3) }]))
        }
        return out
    }

    /// Four genes' values and weights with the cases that make lanes differ:
    /// NaN, infinities, zero, negative, tiny and huge weights, zero rows (a
    /// dot product of zero: daxpy's skip), signed zeros, tiny and huge values.
    static func lanes(_ n: Int, _ trial: Int, _ rng: inout LCG) -> (y: [GeneLanes], w: [GeneLanes]) {
        var y = [GeneLanes](repeating: .zero, count: n), w = y
        for i in 0..<n {
            for l in 0..<4 {
                y[i][l] = (rng.next() * 2 - 1) * 10
                w[i][l] = rng.next() * 3 + 0.05
            }
        }
        for l in 0..<4 {
            let i = (trial + l) % n
            switch (trial * 4 + l) % 17 {
            case 1: y[i][l] = .nan
            case 2: y[i][l] = .infinity
            case 3: w[i][l] = 0
            case 4: w[i][l] = -1
            case 5: w[i][l] = .nan
            case 6: w[i][l] = .infinity
            case 7: w[i][l] = 1e-300
            case 8: for r in 0..<n { w[r][l] = 1e-300 }
            case 9: for r in 0..<n { y[r][l] = 0 }
            case 10: for r in 0..<n { y[r][l] = -0.0 }
            case 11: for r in 0..<n { y[r][l] = 1e-170 * Double(r + 1) }
            case 12: for r in 0..<n { y[r][l] = 1e250 * Double(r % 3) }
            case 13: w[i][l] = 1e300
            case 14: for r in 0..<n { w[r][l] = 1 }
            case 15: y[i][l] = 0; w[i][l] = 1e-310
            default: break
            }
        }
        return (y, w)
    }

    enum Weighting: CaseIterable { case none, arrays, lanes }

    @Test("weightedFit equals decompose + solve + chol2invDiagonal + meanOfSquares on every lane it keeps")
    func weightedFitMatchesStepKernels() {
        var rng = LCG(state: 99)
        var kept = 0, flagged = 0
        for n in [2, 3, 4, 5, 7, 12, 33, 101] {
            for design in Self.designs(n, &rng) where design.ncol < n {
                let p = design.ncol
                let ws = LeastSquaresWorkspace(n: n, p: p)
                let old = LeastSquaresWorkspace(n: n, p: p)
                for trial in 0..<12 {
                    let (y, w) = Self.lanes(n, trial, &rng)
                    let aw = (0..<n).map { _ in rng.next() * 2 + (trial % 3 == 0 ? 1e-200 : 0.1) }
                    let roots = aw.map { $0.squareRoot() }
                    for weighting in Weighting.allCases {
                        // The new kernel.
                        let r: LaneLeastSquares.WeightedFitResult = design.values.withUnsafeBufferPointer { xb in
                            roots.withUnsafeBufferPointer { rb in
                                w.withUnsafeBufferPointer { wb in
                                    let x = xb.baseAddress!
                                    let rows = Self.rowWeights(weighting, design: x, roots: rb.baseAddress!, lanes: wb.baseAddress!, n: n, p: p)
                                    return y.withUnsafeBufferPointer { LaneLeastSquares.weightedFit($0.baseAddress!, rows, design: x, n: n, p: p, ws: ws) }
                                }
                            }
                        }
                        // The step-by-step kernels, as geneFits used them.
                        var zeroY = GeneLanes.zero, zeroW = GeneLanes.zero, minW = GeneLanes(repeating: 1)
                        for i in 0..<n {
                            let sw: GeneLanes
                            switch weighting {
                            case .none: sw = GeneLanes(repeating: 1)
                            case .arrays: sw = GeneLanes(repeating: roots[i])
                            case .lanes:
                                sw = w[i].squareRoot()
                                zeroW = zeroW + w[i] * 0
                                minW = pointwiseMin(minW, w[i])
                            }
                            zeroY = zeroY + y[i] * 0
                            old.ly[i] = weighting == .none ? y[i] : y[i] * sw
                            for c in 0..<p {
                                let xv = GeneLanes(repeating: design.values[c * n + i])
                                old.lx[c * n + i] = weighting == .none ? xv : xv * sw
                            }
                        }
                        let complete = (zeroY .== 0) .& (zeroW .== 0) .& (minW .> 0)
                        var bad = LaneLeastSquares.decompose(old.lx, n: n, p: p, tol: 1e-7, qraux: old.lqraux, work: old.lwork)
                        bad .|= LaneLeastSquares.solve(old.lx, n: n, k: p, qraux: old.lqraux, qty: old.ly, b: old.lb)
                        bad .|= LaneLeastSquares.chol2invDiagonal(old.lx, lda: n, size: p, u: old.lu, diag: old.ldiag)
                        let sigma = LaneLeastSquares.meanOfSquares(old.ly, from: p, to: n, refine: true, scratch: old.lscratch).squareRoot()
                        let means = y.withUnsafeBufferPointer { LaneLeastSquares.longDoubleMeans($0.baseAddress!, n, refine: false) }
                        let label = "n=\(n) p=\(p) trial=\(trial) \(weighting)"
                        #expect(Self.bits(r.means) == Self.bits(means), "means \(label)")
                        for l in 0..<4 {
                            // Completeness: the same, except that a lane whose mean is not finite is never complete.
                            #expect(r.complete[l] == (complete[l] && means[l].isFinite), "complete lane \(l) \(label)")
                            guard r.complete[l] && !r.bad[l] else { flagged += 1; continue }
                            kept += 1
                            #expect(!bad[l], "kept a lane the step kernels flag: lane \(l) \(label)")
                            for j in 0..<p {
                                #expect(ws.lb[j][l].bitPattern == old.lb[j][l].bitPattern, "coef \(j) lane \(l) \(label)")
                                #expect(ws.ldiag[j][l].bitPattern == old.ldiag[j][l].bitPattern, "diag \(j) lane \(l) \(label)")
                            }
                            #expect(r.sigma[l].bitPattern == sigma[l].bitPattern, "sigma lane \(l) \(label)")
                        }
                    }
                }
            }
        }
        #expect(kept > 1000 && flagged > 100, "kept \(kept), flagged \(flagged)")
    }

    /// The kernel's row weights for `weighting`: none, array weights (their
    /// roots `roots`) or per-lane weights `w`, with the screens the kernel's
    /// callers compute.
    static func rowWeights(_ weighting: Weighting, design x: UnsafePointer<Double>, roots: UnsafePointer<Double>,
                           lanes w: UnsafePointer<GeneLanes>, n: Int, p: Int) -> LaneLeastSquares.RowWeights {
        switch weighting {
        case .none: return .none(tinyRows: LaneLeastSquares.RowWeights.hasTinyRows(x, n: n, p: p, scales: nil))
        case .arrays: return .arrays(roots, tinyRows: LaneLeastSquares.RowWeights.hasTinyRows(x, n: n, p: p, scales: roots))
        case .lanes: return .lanes(w, smallestWeight: LaneLeastSquares.RowWeights.smallWeightBound(x, count: n * p))
        }
    }

    @Test("the small-value screens are conservative: no kept lane has a value dnrm2 would scale")
    func screens() {
        // Exactly at and around 2^-511: hasTinyRows is the per-value test.
        let at: [Double] = [0x1p-511, 0x1p-511.nextUp, 0x1p-511.nextDown, 1, 0, -0x1p-511]
        for v in at {
            let expected = v != 0 && v * v <= 0x1p-1022
            #expect([v].withUnsafeBufferPointer { LaneLeastSquares.RowWeights.hasTinyRows($0.baseAddress!, n: 1, p: 1, scales: nil) } == expected)
        }
        // The weight bound: every weight at or above it gives squares above 2^-1022.
        var rng = LCG(state: 5)
        for _ in 0..<2000 {
            let m = Foundation.pow(2, rng.next() * 1100 - 560) * (1 + rng.next())
            let b = [m, -3 * m, 0].withUnsafeBufferPointer { LaneLeastSquares.RowWeights.smallWeightBound($0.baseAddress!, count: 3) }
            guard b.isFinite && b > 0 else { continue }
            for w in [b, b.nextUp, b * (1 + rng.next())] where w.isFinite {
                let v = m * w.squareRoot()
                #expect(v * v > 0x1p-1022, "m \(m) w \(w)")
            }
        }
        #expect([0.0, 0].withUnsafeBufferPointer { LaneLeastSquares.RowWeights.smallWeightBound($0.baseAddress!, count: 2) } == 0)
        #expect([1e-300].withUnsafeBufferPointer { LaneLeastSquares.RowWeights.smallWeightBound($0.baseAddress!, count: 1) } == .infinity)
    }

    @Test("sharedFit equals solve + meanOfSquares (scaled or not, any rank, refined or not)")
    func sharedFitMatchesStepKernels() {
        var rng = LCG(state: 17)
        var checked = 0
        for n in [2, 3, 4, 6, 13, 40] {
            for design in LinearModelKernelTests.designs(n, &rng) + Self.designs(n, &rng) {
                let qr = QRDecomposition(design)
                let k = qr.rank, p = design.ncol
                let ju = Swift.min(k, n - 1)
                guard ju > 0, (0..<ju).allSatisfy({ qr.qraux[$0] != 0 }), (0..<k).allSatisfy({ qr.qr[$0, $0] != 0 }) else { continue }
                let shared = LeastSquaresWorkspace(n: n, p: p)
                for v in 0..<(n * p) { shared.lx[v] = GeneLanes(repeating: qr.qr.values[v]) }
                for j in 0..<p { shared.lqraux[j] = GeneLanes(repeating: qr.qraux[j]) }
                let ws = LeastSquaresWorkspace(n: n, p: p)
                for trial in 0..<8 {
                    var y = Self.lanes(n, trial, &rng).y
                    for i in 0..<n { for l in 0..<4 where !y[i][l].isFinite { y[i][l] = 1.5 } }
                    let scale = trial % 2 == 0 ? nil : (0..<n).map { _ in rng.next() + 0.3 }
                    for refine in [false, true] {
                        var yOld = y
                        if let scale { for i in 0..<n { yOld[i] = yOld[i] * scale[i] } }
                        var bOld = [GeneLanes](repeating: .zero, count: Swift.max(k, 1))
                        _ = LaneLeastSquares.solve(shared.lx, n: n, k: k, qraux: shared.lqraux, qty: &yOld, b: &bOld)
                        let msOld = k < n
                            ? LaneLeastSquares.meanOfSquares(yOld, from: k, to: n, refine: refine, scratch: ws.lscratch)
                            : GeneLanes(repeating: .nan)
                        var yNew = y
                        var bNew = [GeneLanes](repeating: .zero, count: Swift.max(k, 1))
                        let ms = qr.qr.values.withUnsafeBufferPointer { qb in
                            qr.qraux.withUnsafeBufferPointer { ab in
                                (scale ?? []).withUnsafeBufferPointer { sb in
                                    LaneLeastSquares.sharedFit(&yNew, n: n, rank: k, qr: qb.baseAddress!, qraux: ab.baseAddress!,
                                                               scale: scale == nil ? nil : sb.baseAddress!, refine: refine, b: &bNew,
                                                               scratch: ws.lscratch)
                                }
                            }
                        }
                        let label = "n=\(n) p=\(p) rank=\(k) trial=\(trial) refine=\(refine)"
                        #expect(yNew.flatMap(Self.bits) == yOld.flatMap(Self.bits), "effects \(label)")
                        #expect(bNew.prefix(k).flatMap(Self.bits) == bOld.prefix(k).flatMap(Self.bits), "coef \(label)")
                        #expect(Self.bits(ms) == Self.bits(msOld) || (0..<4).allSatisfy { ms[$0].isNaN && msOld[$0].isNaN }, "sigma^2 \(label)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 300)
    }

    @Test("lmFit gene by gene through the fused kernel equals the plain routines (weights, arrays weights with NA, tiny designs, any thread count)")
    func lmFitMatchesPlainRoutines() throws {
        defer { LimmaThreads.set(0) }
        var rng = LCG(state: 2024)
        for n in [2, 3, 5, 9, 30] {
            for design in Self.designs(n, &rng) {
                let ngenes = 67
                let (M, W) = CopyBlockTests.matrices(ngenes: ngenes, n: n, &rng)
                // Array weights, with a missing value somewhere so that lm.series fits gene by gene.
                let aw = Matrix(nrow: 1, ncol: n, values: (0..<n).map { _ in rng.next() + 0.2 })
                var Mna = M
                for g in 0..<ngenes { for i in 0..<n where !Mna[g, i].isFinite { Mna[g, i] = 0.5 } }
                Mna[ngenes / 2, 0] = .nan
                let awFull = Matrix(nrow: ngenes, ncol: n, values: (0..<(ngenes * n)).map { aw.values[$0 / ngenes] })
                for (m, weights, refW) in [(M, W, W), (M, nil, nil), (Mna, aw, awFull)] as [(Matrix, Matrix?, Matrix?)] {
                    let ref: (coef: [Double], su: [Double], sigma: [Double], df: [Double])
                    do { ref = try LinearModelKernelTests.referenceGeneFits(m, design: design, weights: refW) } catch {
                        #expect(throws: LimmaError.self) { try lmFit(m, design: design, weights: weights) }
                        continue
                    }
                    for threads in [1, 2] {
                        LimmaThreads.set(threads)
                        let fit = try lmFit(m, design: design, weights: weights)
                        let label = "n=\(n) p=\(design.ncol) weights=\(weights.map { "\($0.nrow)x\($0.ncol)" } ?? "none") threads=\(threads)"
                        #expect(LinearModelKernelTests.bits(fit.coefficients.values) == LinearModelKernelTests.bits(ref.coef), "coef \(label)")
                        #expect(LinearModelKernelTests.bits(fit.stdevUnscaled.values) == LinearModelKernelTests.bits(ref.su), "stdev \(label)")
                        #expect(LinearModelKernelTests.bits(fit.sigma) == LinearModelKernelTests.bits(ref.sigma), "sigma \(label)")
                        #expect(fit.dfResidual == ref.df, "df \(label)")
                        #expect(LinearModelKernelTests.bits(fit.Amean ?? []) == LinearModelKernelTests.bits(RBase.rowMeans(m, naRM: true)), "Amean \(label)")
                    }
                }
            }
        }
    }
}
