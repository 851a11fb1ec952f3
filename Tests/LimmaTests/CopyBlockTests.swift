// lmFit's gene blocks copied row by row (LaneLeastSquares.copyBlock) and read
// by the lane kernels with a stride: the layout, and every kernel reading a
// block with the stride against the same kernel on the lanes side by side,
// bit for bit, on adversarial inputs.
import Foundation
import Testing
@testable import Limma

@Suite("Linear models: row-by-row gene blocks read with a stride keep the bits")
struct CopyBlockTests {
    typealias LCG = LinearModelKernelTests.LCG

    static func bits(_ v: GeneLanes) -> [UInt64] { (0..<4).map { v[$0].bitPattern } }

    /// A genes x n matrix holding `FusedLeastSquaresTests.lanes` group after
    /// group (values or weights), so that blocks have the adversarial lanes.
    static func matrices(ngenes: Int, n: Int, _ rng: inout LCG) -> (M: Matrix, W: Matrix) {
        var M = Matrix(nrow: ngenes, ncol: n), W = Matrix(nrow: ngenes, ncol: n)
        for q in 0..<((ngenes + 3) / 4) {
            let (y, w) = FusedLeastSquaresTests.lanes(n, q, &rng)
            for l in 0..<4 where q * 4 + l < ngenes {
                for i in 0..<n {
                    M[q * 4 + l, i] = y[i][l]
                    W[q * 4 + l, i] = w[i][l]
                }
            }
        }
        return (M, W)
    }

    /// Group q of a block (genes g0 + 4q ..< g0 + 4q + 4, the last repeated
    /// past `count`) as lanes side by side, from the matrix itself.
    static func group(_ m: Matrix, g0: Int, count: Int, q: Int) -> [GeneLanes] {
        (0..<m.ncol).map { i in
            var v = GeneLanes()
            for l in 0..<4 { v[l] = m[g0 + Swift.min(q * 4 + l, count - 1), i] }
            return v
        }
    }

    @Test("copyBlock puts row i of the block's genes at row i, the last gene repeated to a whole group")
    func layout() {
        var rng = LCG(state: 3)
        for (ngenes, n) in [(1, 1), (3, 2), (64, 5), (65, 3), (131, 7), (200, 1)] {
            let m = Matrix(nrow: ngenes, ncol: n, values: (0..<(ngenes * n)).map { _ in rng.next() - 0.5 })
            let out = UnsafeMutablePointer<GeneLanes>.allocate(capacity: n * LaneLeastSquares.laneStride)
            defer { out.deallocate() }
            for g0 in stride(from: 0, to: ngenes, by: LaneLeastSquares.blockGenes) {
                let count = Swift.min(LaneLeastSquares.blockGenes, ngenes - g0)
                m.values.withUnsafeBufferPointer { LaneLeastSquares.copyBlock($0.baseAddress!, ngenes: ngenes, n: n, g0: g0, count: count, into: out) }
                for q in 0..<((count + 3) / 4) {
                    let expected = Self.group(m, g0: g0, count: count, q: q)
                    for i in 0..<n {
                        #expect(Self.bits(out[q + i * LaneLeastSquares.laneStride]) == Self.bits(expected[i]),
                                "genes \(ngenes) n \(n) block \(g0) group \(q) row \(i)")
                    }
                }
            }
        }
    }

    @Test("weightedFit, sharedFit and longDoubleMeans read a copied block with the stride as they read the lanes side by side")
    func stridedKernels() {
        var rng = LCG(state: 41)
        var checked = 0
        let S = LaneLeastSquares.laneStride
        for n in [2, 3, 5, 12, 33] {
            let ngenes = 64 + 4 * 3 + 2    // a full block and a block of 14 genes
            let (M, W) = Self.matrices(ngenes: ngenes, n: n, &rng)
            var finiteM = M
            for k in 0..<finiteM.values.count where !finiteM.values[k].isFinite { finiteM.values[k] = 0.25 }
            let blockY = UnsafeMutablePointer<GeneLanes>.allocate(capacity: n * S)
            let blockW = UnsafeMutablePointer<GeneLanes>.allocate(capacity: n * S)
            let blockF = UnsafeMutablePointer<GeneLanes>.allocate(capacity: n * S)
            defer { blockY.deallocate(); blockW.deallocate(); blockF.deallocate() }
            for design in FusedLeastSquaresTests.designs(n, &rng) where design.ncol < n {
                let p = design.ncol
                let ws = LeastSquaresWorkspace(n: n, p: p), ws2 = LeastSquaresWorkspace(n: n, p: p)
                let roots = (0..<n).map { _ in (rng.next() * 2 + 0.1).squareRoot() }
                let qr = QRDecomposition(design)
                let k = qr.rank, ju = Swift.min(k, n - 1)
                let shareable = ju > 0 && (0..<ju).allSatisfy { qr.qraux[$0] != 0 } && (0..<k).allSatisfy { qr.qr[$0, $0] != 0 }
                for g0 in [0, 64] {
                    let count = Swift.min(64, ngenes - g0)
                    M.values.withUnsafeBufferPointer { LaneLeastSquares.copyBlock($0.baseAddress!, ngenes: ngenes, n: n, g0: g0, count: count, into: blockY) }
                    W.values.withUnsafeBufferPointer { LaneLeastSquares.copyBlock($0.baseAddress!, ngenes: ngenes, n: n, g0: g0, count: count, into: blockW) }
                    finiteM.values.withUnsafeBufferPointer { LaneLeastSquares.copyBlock($0.baseAddress!, ngenes: ngenes, n: n, g0: g0, count: count, into: blockF) }
                    for q in 0..<((count + 3) / 4) {
                        let y = Self.group(M, g0: g0, count: count, q: q), w = Self.group(W, g0: g0, count: count, q: q)
                        let label = "n=\(n) p=\(p) block \(g0) group \(q)"
                        let means = y.withUnsafeBufferPointer { LaneLeastSquares.longDoubleMeans($0.baseAddress!, n, refine: false) }
                        for refine in [false, true] {
                            #expect(Self.bits(LaneLeastSquares.longDoubleMeans(blockY + q, n, refine: refine, stride: S))
                                    == Self.bits(y.withUnsafeBufferPointer { LaneLeastSquares.longDoubleMeans($0.baseAddress!, n, refine: refine) }),
                                    "means \(label)")
                        }
                        for weighting in FusedLeastSquaresTests.Weighting.allCases {
                            for known in [nil, means] as [GeneLanes?] {
                                let r: [LaneLeastSquares.WeightedFitResult] = design.values.withUnsafeBufferPointer { xb in
                                    roots.withUnsafeBufferPointer { rb in
                                        let x = xb.baseAddress!
                                        func rows(_ wl: UnsafePointer<GeneLanes>) -> LaneLeastSquares.RowWeights {
                                            switch weighting {
                                            case .none: return .none(tinyRows: LaneLeastSquares.RowWeights.hasTinyRows(x, n: n, p: p, scales: nil))
                                            case .arrays: return .arrays(rb.baseAddress!, tinyRows: LaneLeastSquares.RowWeights.hasTinyRows(x, n: n, p: p, scales: rb.baseAddress!))
                                            case .lanes: return .lanes(wl, smallestWeight: LaneLeastSquares.RowWeights.smallWeightBound(x, count: n * p))
                                            }
                                        }
                                        let strided = LaneLeastSquares.weightedFit(blockY + q, rows(blockW + q), design: x, n: n, p: p, ws: ws, means: known, stride: S)
                                        let plain = y.withUnsafeBufferPointer { yb in
                                            w.withUnsafeBufferPointer { wb in
                                                LaneLeastSquares.weightedFit(yb.baseAddress!, rows(wb.baseAddress!), design: x, n: n, p: p, ws: ws2, means: known)
                                            }
                                        }
                                        return [strided, plain]
                                    }
                                }
                                let l2 = "\(label) \(weighting) known=\(known != nil)"
                                #expect(r[0].complete == r[1].complete && r[0].bad == r[1].bad, "masks \(l2)")
                                #expect(Self.bits(r[0].means) == Self.bits(r[1].means) && Self.bits(r[0].sigma) == Self.bits(r[1].sigma), "means/sigma \(l2)")
                                for j in 0..<p {
                                    #expect(Self.bits(ws.lb[j]) == Self.bits(ws2.lb[j]) && Self.bits(ws.ldiag[j]) == Self.bits(ws2.ldiag[j]), "coef/diag \(j) \(l2)")
                                }
                                checked += 1
                            }
                        }
                        // sharedFit from the block (finite values) against sharedFit in place.
                        guard shareable else { continue }
                        let yf = Self.group(finiteM, g0: g0, count: count, q: q)
                        for (scaled, refine) in [(false, false), (true, true), (true, false), (false, true)] {
                            let scale = (0..<n).map { _ in rng.next() + 0.3 }
                            var inPlace = yf
                            var bOld = [GeneLanes](repeating: .zero, count: Swift.max(k, 1)), bNew = bOld
                            let out = UnsafeMutablePointer<GeneLanes>.allocate(capacity: n)
                            defer { out.deallocate() }
                            var sums = LaneLeastSquares.LongDoubleSums()
                            let (msOld, msNew) = qr.qr.values.withUnsafeBufferPointer { qb in
                                qr.qraux.withUnsafeBufferPointer { ab in
                                    scale.withUnsafeBufferPointer { sb in
                                        let s = scaled ? sb.baseAddress! : nil
                                        let old = LaneLeastSquares.sharedFit(&inPlace, n: n, rank: k, qr: qb.baseAddress!, qraux: ab.baseAddress!,
                                                                             scale: s, refine: refine, b: &bOld, scratch: ws.lscratch)
                                        let new = LaneLeastSquares.sharedFit(out, from: blockF + q, stride: S, n: n, rank: k, qr: qb.baseAddress!,
                                                                             qraux: ab.baseAddress!, scale: s, refine: refine, b: &bNew, scratch: ws2.lscratch,
                                                                             valueSums: &sums)
                                        return (old, new)
                                    }
                                }
                            }
                            let l2 = "\(label) rank \(k) scaled \(scaled) refine \(refine)"
                            #expect((0..<n).allSatisfy { Self.bits(out[$0]) == Self.bits(inPlace[$0]) }, "Q'y \(l2)")
                            #expect(bNew.prefix(k).flatMap(Self.bits) == bOld.prefix(k).flatMap(Self.bits), "coef \(l2)")
                            #expect(Self.bits(msNew) == Self.bits(msOld), "sigma^2 \(l2)")
                            // The values' sums taken on the way are rowMeans' (of the values before scaling).
                            #expect(Self.bits(sums.means(of: blockF + q, n, refine: false, stride: S))
                                    == Self.bits(yf.withUnsafeBufferPointer { LaneLeastSquares.longDoubleMeans($0.baseAddress!, n, refine: false) }),
                                    "row means \(l2)")
                            #expect((0..<n).allSatisfy { Self.bits(blockF[q + $0 * S]) == Self.bits(yf[$0]) }, "the block is left as it was \(l2)")
                        }
                    }
                }
            }
        }
        #expect(checked > 1000, "checked \(checked)")
    }
}
