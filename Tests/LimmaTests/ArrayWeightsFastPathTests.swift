// arrayWeights' gene-by-gene update on preallocated scratch (sparse products
// with the variance design, the column-by-column LU) against the plain,
// R-literal formulation, bit for bit, on adversarial inputs.
import Foundation
import Testing
@testable import Limma

@Suite("ArrayWeightsFastPath")
struct ArrayWeightsFastPathTests {
    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern }

    /// Variance designs Z = cbind(1, Z2) for n samples.
    static func designs(_ n: Int, _ rng: inout SplitMix64) -> [Matrix] {
        var out = [ArrayWeightsFit.cbindOne(contrSum(n))]
        var z2 = Matrix(nrow: n, ncol: 2)
        for i in 0..<n { z2[i, 0] = rng.uniform() < 0.4 ? 0 : rng.uniform() - 0.5; z2[i, 1] = Double(i % 3) - 1 }
        out.append(ArrayWeightsFit.cbindOne(z2))
        var bad = z2
        bad[0, 0] = .infinity
        out.append(ArrayWeightsFit.cbindOne(bad))
        out.append(ArrayWeightsFit.cbindOne(Matrix(nrow: n, ncol: 0)))
        return out
    }

    static func vector(_ n: Int, kind: Int, _ rng: inout SplitMix64) -> [Double] {
        (0..<n).map { i -> Double in
            switch kind {
            case 0: return rng.uniform()
            case 1: return [0, -0.0, 1, -1, 0.5][i % 5]
            case 2: return rng.logUniform(1e-300, 1e300) * (rng.uniform() < 0.5 ? -1 : 1)
            case 3: return i == n / 2 ? .nan : rng.uniform()
            case 4: return i == 0 ? -.infinity : rng.uniform()
            case 5: return rng.uniform() < 0.5 ? 0x1p-1070 : -0.0
            default: return 1e308 * (rng.uniform() + 1)
            }
        }
    }

    @Test func zProductsMatchDenseSums() {
        var rng = SplitMix64(s: 11)
        for n in 1...9 {
            for Z in Self.designs(n, &rng) {
                let nz = Z.ncol, terms = ZTerms(Z)
                for kind in 0...6 {
                    let v = Self.vector(n, kind: kind, &rng)
                    let gam = Self.vector(nz - 1, kind: kind, &rng)
                    var info = [Double](repeating: 7, count: nz * nz)
                    var dl = [Double](repeating: 7, count: nz - 1)
                    var lin = [Double](repeating: 7, count: n)
                    terms.crossprod(v, into: &info)
                    terms.z2Products(v, into: &dl)
                    terms.negatedLinear(gam, into: &lin)
                    for b in 0..<nz {
                        for a in 0..<nz {
                            var s = 0.0
                            for i in 0..<n { s += (v[i] * Z[i, b]) * Z[i, a] }
                            #expect(Self.same(info[b * nz + a], s), "n \(n) kind \(kind) info[\(b), \(a)]: \(info[b * nz + a]) vs \(s)")
                        }
                    }
                    for k in 0..<(nz - 1) {
                        var s = 0.0
                        for i in 0..<n { s += v[i] * Z[i, k + 1] }
                        #expect(Self.same(dl[k], s), "n \(n) kind \(kind) dl[\(k)]")
                    }
                    for i in 0..<n {
                        var s = 0.0
                        for k in 0..<(nz - 1) { s += -gam[k] * Z[i, k + 1] }
                        #expect(Self.same(lin[i], s), "n \(n) kind \(kind) lin[\(i)]")
                    }
                }
            }
        }
    }

    /// `.arrayWeightsGeneByGene` as R states it: every gene through `lmWfit`,
    /// dense products, R's `solve`.
    static func reference(_ E: Matrix, design: Matrix, weights: Matrix?, Z2: Matrix, priorN: Double) throws -> [Double] {
        let ngenes = E.nrow, n = E.ncol, ngam = Z2.ncol
        let Z = ArrayWeightsFit.cbindOne(Z2)
        var gam = [Double](repeating: 0, count: ngam), aw = [Double](repeating: 1, count: n)
        var info2 = ArrayWeightsFit.scale(RLinAlg.crossprod(Z2), priorN)
        for g in 0..<ngenes {
            let w = (0..<n).map { j in weights.map { aw[j] * $0[g, j] } ?? aw[j] }
            let y = (0..<n).map { E[g, $0] }
            var d = [Double](repeating: 0, count: n), h1 = d
            guard let s2 = try ArrayWeightsFit.residualsGeneral(design, y: y, w: w, d: &d, h1: &h1), !(s2 < 1e-15) else { continue }
            var info = Matrix(nrow: Z.ncol, ncol: Z.ncol)
            for b in 0..<Z.ncol {
                for a in 0..<Z.ncol {
                    var s = 0.0
                    for i in 0..<n { s += (h1[i] * Z[i, b]) * Z[i, a] }
                    info[a, b] = s
                }
            }
            info2 = ArrayWeightsFit.schurUpdate(info2, info)
            var dl = Matrix(nrow: ngam, ncol: 1)
            for k in 0..<ngam {
                var s = 0.0
                for i in 0..<n { s += (d[i] / s2 - h1[i]) * Z2[i, k] }
                dl[k, 0] = s
            }
            let step = try rSolve(info2, dl, function: "arrayWeights")
            for k in 0..<ngam { gam[k] = gam[k] + step.values[k] }
            for i in 0..<n {
                var s = 0.0
                for k in 0..<ngam { s += -gam[k] * Z2[i, k] }
                aw[i] = exp(s)
            }
        }
        return aw
    }

    @Test func geneByGeneMatchesTheGeneralPath() throws {
        var rng = SplitMix64(s: 5)
        for trial in 0..<60 {
            let n = 3 + trial % 7, ngenes = 1 + (trial * 37) % 150
            let p = 1 + trial % 2
            var design = Matrix(nrow: n, ncol: p, repeating: 1)
            if p == 2 { for i in 0..<n { design[i, 1] = Double(i % 2) } }
            var E = Matrix(nrow: ngenes, ncol: n)
            var W = Matrix(nrow: ngenes, ncol: n)
            for g in 0..<ngenes {
                for j in 0..<n {
                    E[g, j] = (rng.uniform() * 8).rounded() / 4 + Double(g % 5)
                    W[g, j] = rng.logUniform(0.05, 20)
                }
                switch (g + trial) % 11 {
                case 1: E[g, g % n] = .nan                                     // a missing value
                case 2: for j in 0..<n { E[g, j] = 3 }                         // zero variance: skipped
                case 3: W[g, 0] = 1e300; W[g, n - 1] = 1e-300                  // extreme weights
                case 4: E[g, 0] = .nan; E[g, 1] = .nan                         // few observations
                case 5: W[g, g % n] = 0.5e-5; E[g, 1] = 1e150                  // huge value
                case 6: for j in 0..<n { E[g, j] = Double(j % 2) }             // ties
                default: break
                }
            }
            let weights: Matrix? = trial % 3 == 0 ? nil : W
            var Z2 = contrSum(n)
            if trial % 4 == 1 {
                Z2 = Matrix(nrow: n, ncol: 2)
                for i in 0..<n { Z2[i, 0] = Double(i % 3) - 1; Z2[i, 1] = i == 0 ? 1 : (i == 1 ? -1 : 0) }
            }
            let priorN = [10.0, 0.5, 0][trial % 3]
            let mine: [Double]?, ref: [Double]?
            do { mine = try ArrayWeightsFit.geneByGene(E, design: design, weights: weights, Z2: Z2, priorN: priorN) } catch { mine = nil }
            do { ref = try Self.reference(E, design: design, weights: weights, Z2: Z2, priorN: priorN) } catch { ref = nil }
            #expect((mine == nil) == (ref == nil), "trial \(trial): one path threw")
            if let mine, let ref {
                #expect(mine.map(\.bitPattern) == ref.map(\.bitPattern), "trial \(trial): \(mine) vs \(ref)")
            }
        }
    }

    /// `hatDiagonal` (Q's column c from reflections c..0) against every
    /// reflection applied, on dqrdc2 factors of awkward matrices.
    @Test func hatDiagonalMatchesAllReflections() {
        var rng = SplitMix64(s: 21)
        for trial in 0..<400 {
            let n = 1 + trial % 9, p = 1 + trial % 4
            var x = (0..<(n * p)).map { _ in rng.uniform() - 0.5 }
            switch trial % 6 {
            case 1: for k in x.indices where rng.uniform() < 0.4 { x[k] = 0 }
            case 2: for k in x.indices { x[k] = (x[k] * 4).rounded() }
            case 3: x[0] = .infinity
            case 4: x[x.count - 1] = .nan
            case 5: for k in x.indices { x[k] *= rng.logUniform(1e-150, 1e150) }
            default: break
            }
            let qraux = UnsafeMutablePointer<Double>.allocate(capacity: p), work = UnsafeMutablePointer<Double>.allocate(capacity: 2 * p)
            let jpvt = UnsafeMutablePointer<Int>.allocate(capacity: p)
            let q = UnsafeMutablePointer<Double>.allocate(capacity: n * p), h = UnsafeMutablePointer<Double>.allocate(capacity: n)
            defer { qraux.deallocate(); work.deallocate(); jpvt.deallocate(); q.deallocate(); h.deallocate() }
            x.withUnsafeMutableBufferPointer { xb in
                let xp = xb.baseAddress!
                let rank = QRDecomposition.dqrdc2(xp, n: n, p: p, tol: 1e-7, qraux: qraux, jpvt: jpvt, work: work)
                LmWfit.hatDiagonal(xp, n: n, rank: rank, qraux: qraux, q: q, into: h)
                var ref = [Double](repeating: 0, count: n)
                if rank > 0 {
                    var cols = [Double](repeating: 0, count: n * rank)
                    cols.withUnsafeMutableBufferPointer { cb in
                        for c in 0..<rank {
                            cb[c * n + c] = 1
                            QRDecomposition.applyQ(xp, n: n, k: rank, qraux: qraux, y: cb.baseAddress! + c * n)
                        }
                    }
                    for i in 0..<n {
                        var s: RLongDouble = 0
                        for c in 0..<rank { let v = cols[c * n + i]; s += RLongDouble(v * v) }
                        ref[i] = Double(s)
                    }
                }
                for i in 0..<n {
                    #expect(h[i].bitPattern == ref[i].bitPattern || (h[i].isNaN && ref[i].isNaN), "trial \(trial) h[\(i)]: \(h[i]) vs \(ref[i])")
                }
            }
        }
    }
}
