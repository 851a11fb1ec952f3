// lmFit's lane least squares on eight AVX-512 lanes (LimmaAVX512's copy of
// LaneLeastSquares.swift and FusedLeastSquares.swift) against the four-lane
// kernels in Limma, and lmFit with the kernels on against lmFit with them
// off, bit for bit, on adversarial inputs.
import Foundation
import LimmaAVX512
import Testing
@testable import Limma

@Suite("Linear models: eight AVX-512 lanes keep the four lanes' bits")
struct LeastSquaresAVX512Tests {
    typealias LCG = LinearModelKernelTests.LCG

    /// Bits, NaN as one pattern (a lane's NaN may be another NaN than the
    /// scalar routine's; the fits refit such lanes or keep NaN either way).
    static func bits(_ x: Double) -> UInt64 { x.isNaN ? Double.nan.bitPattern : x.bitPattern }
    static func bits(_ v: [Double]) -> [UInt64] { v.map(bits) }

    /// Eight genes' rows: the first four lanes from one draw of
    /// `FusedLeastSquaresTests.lanes`, the other four from another, so every
    /// adversarial case lands in both halves.
    static func lanes8(_ n: Int, _ trial: Int, _ rng: inout LCG) -> (y: [Double], w: [Double]) {
        let a = FusedLeastSquaresTests.lanes(n, trial, &rng), b = FusedLeastSquaresTests.lanes(n, trial + 5, &rng)
        var y = [Double](repeating: 0, count: 8 * n), w = y
        for i in 0..<n {
            for l in 0..<4 {
                y[8 * i + l] = a.y[i][l]; y[8 * i + 4 + l] = b.y[i][l]
                w[8 * i + l] = a.w[i][l]; w[8 * i + 4 + l] = b.w[i][l]
            }
        }
        return (y, w)
    }

    /// Half h (lanes 4h..<4h+4) of eight-lane rows as four-lane rows.
    static func half(_ v: [Double], _ h: Int, _ n: Int) -> [GeneLanes] {
        (0..<n).map { i in GeneLanes(v[8 * i + 4 * h], v[8 * i + 4 * h + 1], v[8 * i + 4 * h + 2], v[8 * i + 4 * h + 3]) }
    }

    @Test("weightedFit on eight lanes gives each lane the four-lane kernel's flags, coefficients, diagonal, means and sigma", .enabled(if: AVX512Kernels.supported))
    func weightedFitEightLanes() {
        var rng = LCG(state: 808)
        var checked = 0
        for n in [2, 3, 4, 5, 6, 9, 13, 40] {
            for design in LinearModelKernelTests.designs(n, &rng) + FusedLeastSquaresTests.designs(n, &rng) {
                let p = design.ncol
                guard n > p, p < 64 else { continue }
                let count = LaneLeastSquares.LaneBuffers.count(n: n, p: p)
                let wide = UnsafeMutableRawPointer.allocate(byteCount: count * 64, alignment: 64)
                defer { wide.deallocate() }
                let ws = LeastSquaresWorkspace(n: n, p: p)
                let roots = (0..<n).map { _ in (rng.next() * 2 + 0.1).squareRoot() }
                for trial in 0..<12 {
                    let (y, w) = Self.lanes8(n, trial, &rng)
                    for weighting in FusedLeastSquaresTests.Weighting.allCases {
                        for knownMeans in [false, true] {
                            // The four-lane kernel on each half.
                            var flags4 = (complete: [Bool](), bad: [Bool]())
                            var coef4 = [Double](repeating: 0, count: 8 * p), diag4 = coef4
                            var means4 = [Double](repeating: 0, count: 8), sigma4 = means4
                            var known = [Double](repeating: 0, count: 8)
                            for h in 0..<2 {
                                let yh = Self.half(y, h, n), wh = Self.half(w, h, n)
                                func fit(_ means: GeneLanes?) -> LaneLeastSquares.WeightedFitResult {
                                    design.values.withUnsafeBufferPointer { xb in
                                        roots.withUnsafeBufferPointer { rb in
                                            wh.withUnsafeBufferPointer { wl in
                                                yh.withUnsafeBufferPointer { yb in
                                                    LaneLeastSquares.weightedFit(
                                                        yb.baseAddress!,
                                                        FusedLeastSquaresTests.rowWeights(weighting, design: xb.baseAddress!, roots: rb.baseAddress!,
                                                                                          lanes: wl.baseAddress!, n: n, p: p),
                                                        design: xb.baseAddress!, n: n, p: p, ws: ws, means: means)
                                                }
                                            }
                                        }
                                    }
                                }
                                let r0 = fit(nil)
                                for l in 0..<4 { known[4 * h + l] = r0.means[l] }
                                let r = knownMeans ? fit(GeneLanes(known[4 * h], known[4 * h + 1], known[4 * h + 2], known[4 * h + 3])) : r0
                                for l in 0..<4 {
                                    flags4.complete.append(r.complete[l]); flags4.bad.append(r.bad[l])
                                    means4[4 * h + l] = r.means[l]; sigma4[4 * h + l] = r.sigma[l]
                                    for j in 0..<p { coef4[8 * j + 4 * h + l] = ws.lb[j][l]; diag4[8 * j + 4 * h + l] = ws.ldiag[j][l] }
                                }
                            }
                            // The eight-lane kernel.
                            var coef8 = [Double](repeating: 0, count: 8 * p), diag8 = coef8
                            var means8 = [Double](repeating: 0, count: 8), sigma8 = means8
                            let flags8 = design.values.withUnsafeBufferPointer { xb in
                                roots.withUnsafeBufferPointer { rb in
                                    w.withUnsafeBytes { wl in
                                        y.withUnsafeBytes { yb in
                                            known.withUnsafeBufferPointer { kb in
                                                let x = xb.baseAddress!
                                                let rows: LeastSquaresRowWeights
                                                switch weighting {
                                                case .none: rows = .none(tinyRows: LaneLeastSquares.RowWeights.hasTinyRows(x, n: n, p: p, scales: nil))
                                                case .arrays: rows = .arrays(rb.baseAddress!, tinyRows: LaneLeastSquares.RowWeights.hasTinyRows(x, n: n, p: p, scales: rb.baseAddress!))
                                                case .lanes: rows = .lanes(wl.baseAddress!, smallestWeight: LaneLeastSquares.RowWeights.smallWeightBound(x, count: n * p))
                                                }
                                                return avx512LeastSquaresWeightedFit(
                                                    yb.baseAddress!, stride: 1, weights: rows, design: x, n: n, p: p, scratch: wide,
                                                    knownMeans: knownMeans ? kb.baseAddress! : nil,
                                                    coefficients: &coef8, diagonal: &diag8, means: &means8, sigma: &sigma8)
                                            }
                                        }
                                    }
                                }
                            }
                            let label = "n=\(n) p=\(p) trial=\(trial) \(weighting) known=\(knownMeans)"
                            for l in 0..<8 {
                                let complete = flags8.complete & (1 << UInt8(l)) != 0, bad = flags8.bad & (1 << UInt8(l)) != 0
                                #expect(complete == flags4.complete[l] && bad == flags4.bad[l], "flags lane \(l) \(label)")
                                #expect(Self.bits(means8[l]) == Self.bits(means4[l]), "mean lane \(l) \(label)")
                                guard complete && !bad else { continue }
                                #expect(Self.bits(sigma8[l]) == Self.bits(sigma4[l]), "sigma lane \(l) \(label)")
                                for j in 0..<p {
                                    #expect(Self.bits(coef8[8 * j + l]) == Self.bits(coef4[8 * j + l])
                                            && Self.bits(diag8[8 * j + l]) == Self.bits(diag4[8 * j + l]), "coef/diag \(j) lane \(l) \(label)")
                                }
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test("sharedFit on eight lanes gives each lane the four-lane kernel's coefficients, means and mean square (scaled or not, any rank, refined or not)", .enabled(if: AVX512Kernels.supported))
    func sharedFitEightLanes() {
        var rng = LCG(state: 909)
        var checked = 0
        for n in [2, 3, 4, 6, 13, 40] {
            for design in LinearModelKernelTests.designs(n, &rng) + FusedLeastSquaresTests.designs(n, &rng) {
                let qr = QRDecomposition(design)
                let k = qr.rank, p = design.ncol
                let ju = Swift.min(k, n - 1)
                guard ju > 0, (0..<ju).allSatisfy({ qr.qraux[$0] != 0 }), (0..<k).allSatisfy({ qr.qr[$0, $0] != 0 }) else { continue }
                let wide = UnsafeMutableRawPointer.allocate(byteCount: LaneLeastSquares.LaneBuffers.count(n: n, p: p) * 64, alignment: 64)
                defer { wide.deallocate() }
                let ws = LeastSquaresWorkspace(n: n, p: p)
                for trial in 0..<8 {
                    // Finite values (lmFit's one-QR fit gives up on others), ±0, tiny and huge among them.
                    var y = Self.lanes8(n, trial, &rng).y
                    for v in y.indices where !y[v].isFinite { y[v] = 1.5 }
                    let scale = trial % 2 == 0 ? nil : (0..<n).map { _ in rng.next() + 0.3 }
                    for refine in [false, true] {
                        var coef4 = [Double](repeating: 0, count: 8 * p), means4 = [Double](repeating: 0, count: 8), ms4 = means4
                        for h in 0..<2 {
                            let src = Self.half(y, h, n)
                            var q = [GeneLanes](repeating: .zero, count: n), b = [GeneLanes](repeating: .zero, count: Swift.max(k, 1))
                            var sums = LaneLeastSquares.LongDoubleSums()
                            let ms = qr.qr.values.withUnsafeBufferPointer { qb in
                                qr.qraux.withUnsafeBufferPointer { ab in
                                    (scale ?? []).withUnsafeBufferPointer { sb in
                                        LaneLeastSquares.sharedFit(&q, from: src, n: n, rank: k, qr: qb.baseAddress!, qraux: ab.baseAddress!,
                                                                   scale: scale == nil ? nil : sb.baseAddress!, refine: refine, b: &b,
                                                                   scratch: ws.lscratch, valueSums: &sums)
                                    }
                                }
                            }
                            let means = src.withUnsafeBufferPointer { sums.means(of: $0.baseAddress!, n, refine: false) }
                            for l in 0..<4 {
                                means4[4 * h + l] = means[l]; ms4[4 * h + l] = ms[l]
                                for j in 0..<k { coef4[8 * j + 4 * h + l] = b[j][l] }
                            }
                        }
                        var coef8 = [Double](repeating: 0, count: 8 * p), means8 = [Double](repeating: 0, count: 8), ms8 = means8
                        qr.qr.values.withUnsafeBufferPointer { qb in
                            qr.qraux.withUnsafeBufferPointer { ab in
                                (scale ?? []).withUnsafeBufferPointer { sb in
                                    y.withUnsafeBytes { yb in
                                        avx512LeastSquaresSharedFit(yb.baseAddress!, stride: 1, n: n, p: p, rank: k, qr: qb.baseAddress!,
                                                                    qraux: ab.baseAddress!, scale: scale == nil ? nil : sb.baseAddress!,
                                                                    refine: refine, scratch: wide, coefficients: &coef8, means: &means8,
                                                                    meanSquares: &ms8)
                                    }
                                }
                            }
                        }
                        let label = "n=\(n) p=\(p) rank=\(k) trial=\(trial) refine=\(refine)"
                        #expect(Self.bits(Array(coef8.prefix(8 * k))) == Self.bits(Array(coef4.prefix(8 * k))), "coef \(label)")
                        #expect(Self.bits(means8) == Self.bits(means4), "means \(label)")
                        #expect(Self.bits(ms8) == Self.bits(ms4), "mean square \(label)")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 300)
    }

    /// Everything lmFit returns that the kernels compute, as bits.
    static func fitBits(_ fit: MArrayLM) -> [UInt64] {
        bits(fit.coefficients.values) + bits(fit.stdevUnscaled.values) + bits(fit.sigma) + bits(fit.dfResidual) + bits(fit.Amean ?? [])
    }

    @Test("lmFit with the AVX-512 kernels equals lmFit without (weights of every kind, NaN, last blocks of 1-7 genes, n = p, n = p + 1, rank-deficient designs, 1 and 2 threads)", .enabled(if: AVX512Kernels.supported))
    func lmFitOnAndOff() throws {
        defer {
            LimmaThreads.set(0)
            AVX512Kernels.set(nil)
        }
        var rng = LCG(state: 4242)
        var compared = 0
        for n in [2, 3, 4, 7, 12] {
            let group = (0..<n).map { Double($0 % 2) }
            let cov = (0..<n).map { _ in rng.next() * 4 - 2 }
            let ones = [Double](repeating: 1, count: n)
            var designs = [Matrix(columns: [ones]), Matrix(columns: [group.map { 1 - $0 }, group]),
                           Matrix(columns: [ones, cov]), Matrix(columns: [ones, group, group])]  // the last rank-deficient
            if n >= 3 { designs.append(Matrix(columns: [ones, cov, cov.map { $0 * $0 }])) }  // n = p at n = 3
            designs += FusedLeastSquaresTests.designs(n, &rng)
            for design in designs where design.ncol <= n {
                for ngenes in [1, 5, 7, 8, 9, 64, 65, 71, 136, 200] {
                    var (M, W) = CopyBlockTests.matrices(ngenes: ngenes, n: n, &rng)
                    // Tiny and huge weights; zero and negative weights are in `lanes` already.
                    for g in stride(from: 0, to: ngenes, by: 11) { W[g, (g / 11) % n] = g % 2 == 0 ? 1e-250 : 1e250 }
                    var finite = M
                    for v in finite.values.indices where !finite.values[v].isFinite { finite.values[v] = Double(v % 5) - 2 }
                    let aw = Matrix(nrow: 1, ncol: n, values: (0..<n).map { _ in rng.next() + 0.2 })
                    var awBad = aw
                    awBad.values[0] = 0
                    for (m, weights) in [(M, W), (finite, W), (finite, nil), (M, nil), (finite, aw), (finite, awBad)] as [(Matrix, Matrix?)] {
                        for threads in [1, 2] {
                            LimmaThreads.set(threads)
                            AVX512Kernels.set(false)
                            let off: [UInt64]?
                            do { off = Self.fitBits(try lmFit(m, design: design, weights: weights)) } catch { off = nil }
                            AVX512Kernels.set(true)
                            let on: [UInt64]?
                            do { on = Self.fitBits(try lmFit(m, design: design, weights: weights)) } catch { on = nil }
                            #expect(on == off, "n=\(n) p=\(design.ncol) genes=\(ngenes) weights=\(weights.map { "\($0.nrow)x\($0.ncol)" } ?? "none") threads=\(threads)")
                            compared += 1
                        }
                    }
                }
            }
        }
        #expect(compared > 1000)
    }
}
