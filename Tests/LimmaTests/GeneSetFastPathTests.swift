import Foundation
import Testing
@testable import Limma

/// The gene set tests' shortcuts must give exactly what their general forms
/// give (no R needed: the references are the plain Swift forms).
@Suite("Gene set fast paths") struct GeneSetFastPathTests {
    /// Bit equality, any NaN matching any NaN.
    static func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    /// GeneSetIDs' hashed look-up gives the rows the per-set `Set<String>`
    /// filter gives: duplicated row ids, ids in several sets, set ids given
    /// twice or matching nothing, empty and long ids, ids that differ only
    /// past the eighth byte, and non-ASCII ids (canonically equivalent
    /// spellings, U+212A KELVIN SIGN against "K", in rows and in sets).
    @Test func geneSetRowsFromIdsMatchTheGeneralPath() {
        var rng = SplitMix64(s: 7)
        let alphabet = Array("0123456789abcdefgK_-.")
        func randomID() -> String {
            let len = Int(rng.next() % 20)
            return String((0..<len).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        let special = ["", "K", "\u{212A}", "caf\u{E9}", "cafe\u{301}", "12345678", "123456789", "1234567890123456",
                       "12345678901234567", "abcdefgh1", "abcdefgh2", String(repeating: "x", count: 100)]
        for trial in 0..<60 {
            let nrows = [0, 1, 2, 7, 50, 400][trial % 6]
            var ids = (0..<nrows).map { _ in rng.next() % 4 == 0 ? special[Int(rng.next() % UInt64(special.count))] : randomID() }
            if nrows > 3 { ids[nrows - 1] = ids[0] }
            let nsets = 1 + trial % 5
            let sets: [(name: String, ids: [String])] = (0..<nsets).map { s in
                let m = Int(rng.next() % 30)
                var members = (0..<m).map { _ -> String in
                    let u = rng.next() % 5
                    if u == 0, !ids.isEmpty { return ids[Int(rng.next() % UInt64(ids.count))] }
                    if u == 1 { return special[Int(rng.next() % UInt64(special.count))] }
                    return randomID()
                }
                if trial % 3 == 0 { members = members.filter { $0.utf8.allSatisfy { $0 < 0x80 } } }
                if let f = members.first { members.append(f) }
                return ("set\(s)", members)
            }
            #expect(GeneSetIDs.rows(ids: ids, sets: sets) == GeneSetIDs.general(ids: ids, sets: sets), "trial \(trial)")
        }
        // A non-ASCII row id equal (canonically) to an ASCII set id, and the reverse.
        let ids = ["K", "\u{212A}", "k", "caf\u{E9}", "cafe\u{301}"]
        for sets in [[("a", ["K"])], [("a", ["\u{212A}"])], [("a", ["caf\u{E9}"]), ("b", ["K", "cafe\u{301}"])]] {
            #expect(GeneSetIDs.rows(ids: ids, sets: sets) == GeneSetIDs.general(ids: ids, sets: sets))
        }
        #expect(GeneSetIDs.rows(ids: ids, sets: [("a", ["K"])]) == [[0, 1]])
    }

    /// SqueezedBaileyColumn's four-lane z-scores are `RotationZScore.rotated`
    /// gene by gene: set sizes 1-9, per-gene and shared priors (zero df,
    /// zero variance), rotated effects of every size, zeros of both signs,
    /// `x^2` equal to or above the gene's sum of squares (zero and negative
    /// residual variances), infinities and NaN.
    @Test func squeezedBaileyColumnMatchesRotated() {
        var rng = SplitMix64(s: 11)
        func value() -> Double {
            switch rng.next() % 10 {
            case 0: return [0, -0.0, .infinity, -.infinity, .nan, 1e-300, -1e300, 5e-324][Int(rng.next() % 8)]
            case 1, 2: return (rng.uniform() - 0.5) * 1e-3
            default: return (rng.uniform() - 0.5) * rng.logUniform(1e-6, 1e6)
            }
        }
        var checked = 0
        for trial in 0..<400 {
            let nset = 1 + trial % 9
            let d = Double(1 + trial % 13)
            let perGene = trial % 2 == 0
            let dfPrior: [Double] = perGene ? (0..<nset).map { _ in [0, 0.5, 3.7, 1e5, 1e13][Int(rng.next() % 5)] }
                : [[0, 2.5, 40, 1e6][trial % 4]]
            let varPrior: [Double] = perGene ? (0..<nset).map { _ in [0, 1e-8, 0.3, 2, 1e8][Int(rng.next() % 5)] }
                : [[0.05, 0, 1.7][trial % 3]]
            let zs = RotationZScore(dfPrior: dfPrior, varPrior: varPrior, dfResidual: d, genes: nset, approxZscore: true,
                                    legacy: false)
            let x = (0..<nset).map { _ in value() }
            let rowSS = (0..<nset).map { g -> Double in
                switch rng.next() % 6 {
                case 0: return x[g] * x[g]
                case 1: return x[g] * x[g] * 0.5
                case 2: return 0
                default: return x[g] * x[g] + abs(value())
                }
            }
            guard let lanes = SqueezedBaileyColumn(zs, rowSS: rowSS, effects: Matrix(nrow: nset, ncol: 2)) else {
                Issue.record("no lanes for finite priors")
                continue
            }
            defer { lanes.free() }
            var out = [Double](repeating: 7, count: nset + 1)
            x.withUnsafeBufferPointer { xb in out.withUnsafeMutableBufferPointer { lanes.z(xb.baseAddress!, into: $0.baseAddress!) } }
            #expect(out[nset] == 7, "wrote past the set")
            for g in 0..<nset {
                let want = zs.rotated(x[g], rowSS: rowSS[g], g)
                #expect(Self.same(out[g], want), "trial \(trial) gene \(g): x \(x[g]) rowSS \(rowSS[g]): \(out[g]) vs \(want)")
                checked += 1
            }
        }
        #expect(checked > 1000)
        // Not the defaults: no lanes.
        let infinite = RotationZScore(dfPrior: [.infinity], varPrior: [1], dfResidual: 3, genes: 2, approxZscore: true, legacy: false)
        #expect(SqueezedBaileyColumn(infinite, rowSS: [1, 1], effects: Matrix(nrow: 2, ncol: 2)) == nil)
        let mixed = RotationZScore(dfPrior: [1, .infinity], varPrior: [1], dfResidual: 3, genes: 2, approxZscore: true, legacy: false)
        #expect(SqueezedBaileyColumn(mixed, rowSS: [1, 1], effects: Matrix(nrow: 2, ncol: 2)) == nil)
        let hill = RotationZScore(dfPrior: [1], varPrior: [1], dfResidual: 3, genes: 2, approxZscore: true, legacy: true)
        #expect(SqueezedBaileyColumn(hill, rowSS: [1, 1], effects: Matrix(nrow: 2, ncol: 2)) == nil)
    }
    /// SqueezedBaileyColumn's rotated effects are `Roast.tcrossprod`'s
    /// columns bit for bit: set sizes 1-9 and 37, 2-12 effects, zeros in the
    /// effects and in the rotation (the BLAS form skips zero multipliers),
    /// tiny and huge values, and with Inf/NaN operands (R's plain loop).
    @Test func rotatedEffectsAreTcrossprodColumns() {
        var rng = SplitMix64(s: 23)
        for trial in 0..<200 {
            let nset = trial % 10 == 9 ? 37 : 1 + trial % 9
            let k = 2 + trial % 11
            let nrot = 1 + trial % 7
            var e = Matrix(nrow: nset, ncol: k), rot = Matrix(nrow: nrot, ncol: k)
            for l in 0..<k {
                for g in 0..<nset {
                    e[g, l] = rng.uniform() < 0.15 ? [0, -0.0][Int(rng.next() % 2)] : (rng.uniform() - 0.5) * rng.logUniform(1e-150, 1e150)
                }
                for r in 0..<nrot { rot[r, l] = rng.uniform() < 0.2 ? 0 : rng.uniform() - 0.5 }
            }
            if trial % 13 == 4 { e[0, k - 1] = [Double.infinity, -.infinity, .nan][trial % 3] }
            let want = Roast.tcrossprod(e, rot)
            let zs = RotationZScore(dfPrior: [4], varPrior: [1], dfResidual: Double(k - 1), genes: nset, approxZscore: true, legacy: false)
            guard let lanes = SqueezedBaileyColumn(zs, rowSS: [Double](repeating: 1, count: nset), effects: e) else {
                Issue.record("no lanes")
                continue
            }
            defer { lanes.free() }
            rot.values.withUnsafeBufferPointer { rb in
                for r in 0..<nrot {
                    lanes.rotate(rb.baseAddress!, row: r, rows: nrot)
                    for g in 0..<nset {
                        #expect(Self.same(lanes.xs[g], want[g, r]), "trial \(trial) rotation \(r) gene \(g)")
                    }
                }
            }
        }
    }

    /// fry's stored quadrature is the computed 128-point rule and the
    /// chi-square quantiles at its nodes, bit for bit.
    @Test func storedFryQuadratureIsTheComputedOne() {
        let g = RNumerics.gaussQuadProbUniform(128)
        let (nodes, weights, q) = Fry.quadrature
        #expect(nodes.map(\.bitPattern) == g.nodes.map(\.bitPattern))
        #expect(weights.map(\.bitPattern) == g.weights.map(\.bitPattern))
        #expect(q.map(\.bitPattern) == nodes.map { RMath.qchisq($0, df: 1).bitPattern })
    }

    /// RRandom's normal quantile is R's `qnorm` bit for bit: p uniform and
    /// log-uniform down to 1e-300, p as `normRand` forms it, both sides of
    /// the branch points (|p - 1/2| = 0.425, min(p, 1 - p) = exp(-25)),
    /// every double next to 1/2, and the edges (0, 1, outside, NaN).
    @Test func normalQuantileIsRsQnorm() {
        var rng = SplitMix64(s: 31)
        var ps: [Double] = [0, 1, -0.5, 1.5, .nan, .leastNonzeroMagnitude, 1 - 0x1p-53, 0.5, 0.075, 0.925, exp(-25.0), 1 - exp(-25.0)]
        for c in [0.075, 0.925, exp(-25.0), 1 - exp(-25.0), 0.5] {
            var x = c, y = c
            for _ in 0..<64 { x = x.nextUp; y = y.nextDown; ps += [x, y] }
        }
        for _ in 0..<400_000 {
            ps.append(rng.uniform())
            ps.append(rng.logUniform(1e-300, 0.5))
            ps.append(1 - rng.logUniform(1e-17, 0.5))
            let u1 = rng.uniform(), u2 = rng.uniform()
            ps.append((Double(Int(134_217_728.0 * u1)) + u2) / 134_217_728.0)
        }
        var bad = 0
        for p in ps where !Self.same(RRandom.standardNormalQuantile(p), RMath.qnorm(p)) {
            bad += 1
            if bad < 10 { Issue.record("p \(p): \(RRandom.standardNormalQuantile(p)) vs \(RMath.qnorm(p))") }
        }
        #expect(bad == 0)
        // The batched draws are normRand's, and leave the same state.
        var a = RRandom(seed: 1), b = RRandom(seed: 1)
        for count in [0, 1, 5, 623, 624, 625, 3000] {
            let x = a.rnorm(count)
            let y = (0..<count).map { _ in b.normRand() }
            #expect(x.map(\.bitPattern) == y.map(\.bitPattern))
            #expect(a == b)
        }
    }

    /// GeneEffects' lanes (lmFit's fused kernel, four genes at a time) give
    /// each gene's `qr.qty` and `qr[p, p]` of the scalar QR of
    /// `diag(sqrt(w)) X`: designs of 1-4 columns (one with a tiny column,
    /// one rank deficient), 1-1100 genes (not multiples of four), values and
    /// weights from 1e-300 to 1e300, zeros, equal rows.
    @Test func geneEffectsLanesMatchTheScalarQR() {
        var rng = SplitMix64(s: 5)
        var checked = 0
        for trial in 0..<48 {
            let n = [3, 4, 5, 7, 12, 20][trial % 6]
            let p = 1 + (trial / 6) % Swift.min(4, n - 1)
            let G = [1, 3, 4, 5, 9, 63, 64, 65, 130, 1100][trial % 10]
            var X = Matrix(nrow: n, ncol: p)
            for j in 0..<p { for i in 0..<n { X[i, j] = j == 0 ? 1 : (rng.uniform() < 0.3 ? 0 : rng.uniform() * 4 - 1) } }
            if trial % 7 == 3 && p > 1 { for i in 0..<n { X[i, p - 1] = X[i, p - 1] * 1e-200 } }
            let deficient = trial % 11 == 5 && p > 1
            if deficient { for i in 0..<n { X[i, p - 1] = 2 * X[i, 0] } }
            var y = Matrix(nrow: G, ncol: n), w = Matrix(nrow: G, ncol: n)
            for g in 0..<G {
                let scale = [1, 1e-300, 1e300, 1e-8, 1e8][Int(rng.next() % 5)]
                let wscale = [1, 1e-300, 1e300, 1e-20, 1e20, 1][Int(rng.next() % 6)]
                for i in 0..<n {
                    y[g, i] = rng.uniform() < 0.1 ? 0 : (rng.uniform() - 0.5) * scale
                    w[g, i] = rng.uniform() < 0.1 ? wscale : rng.logUniform(1e-3, 1e3) * wscale
                }
                if g % 13 == 7 { for i in 0..<n { y[g, i] = 3.5 } }
            }
            var got = [[Double]](repeating: [], count: G), rpp = [Double](repeating: .nan, count: G)
            let lock = NSLock()
            let bad = GeneEffects.forEachGene(y, design: X, weights: w) { g, e, r in
                let v = Array(UnsafeBufferPointer(start: e, count: n))
                lock.lock()
                got[g] = v
                rpp[g] = r
                lock.unlock()
            }
            var firstBad: Int? = nil
            for g in 0..<G {
                let sw = (0..<n).map { w[g, $0].squareRoot() }
                var xw = X
                for j in 0..<p { for i in 0..<n { xw[i, j] = X[i, j] * sw[i] } }
                let qr = QRDecomposition(xw)
                if qr.rank < p {
                    if firstBad == nil { firstBad = g }
                    continue
                }
                let want = qr.qty((0..<n).map { y[g, $0] * sw[$0] })
                #expect(got[g].count == n && zip(got[g], want).allSatisfy { Self.same($0, $1) }, "trial \(trial) gene \(g)")
                #expect(Self.same(rpp[g], qr.qr[p - 1, p - 1]), "trial \(trial) gene \(g) rpp")
                checked += 1
            }
            #expect(bad == firstBad, "trial \(trial)")
        }
        #expect(checked > 5000)
    }
}
