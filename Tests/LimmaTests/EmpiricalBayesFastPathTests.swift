import Testing
@testable import Limma

/// The shortcuts inside the variance moderation must give exactly what the
/// direct forms give (no R needed: the references are the plain Swift forms).
@Suite("EmpiricalBayes fast paths") struct EmpiricalBayesFastPathTests {
    /// fitFDist's capped distinct count is `min(cap, Set(x).count)`, with -0
    /// and 0 one value, as in a Set.
    @Test func distinctCountIsTheCappedSetCount() {
        let cases: [[Double]] = [
            [], [1], [1, 1, 1], [0, -0.0, 0], [0, -0.0, 1, -1], [.infinity, -.infinity, .infinity],
            [3, 1, 2, 3, 1, 2, 5, 4], (0..<100).map { Double($0 % 3) }, (0..<1000).map { Double($0) / 7 },
            [.leastNonzeroMagnitude, 0, -.leastNonzeroMagnitude, .greatestFiniteMagnitude],
        ]
        for x in cases {
            for cap in 1...6 {
                #expect(distinctCount(x, atMost: cap) == min(cap, Set(x).count), "\(x.prefix(8)) cap \(cap)")
            }
        }
    }

    /// fitFDist's median by selection is `RBase.median` (R's `median`), bit
    /// for bit, on non-negative values without -0: odd and even lengths from
    /// 2 on (both below and above the sampled selection's 2,048), ties at
    /// and around the middle, all equal, zeros, sorted either way, tiny and
    /// huge values and infinity.
    @Test func fitFDistMedianIsRMedian() {
        var state: UInt64 = 0x5EED
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        for n in [2, 3, 4, 5, 16, 17, 100, 101, 2047, 2048, 2049, 8000, 8001] {
            let shapes: [[Double]] = [
                (0..<n).map { _ in next() * 10 },
                (0..<n).map { _ in (next() * 4).rounded(.down) },
                (0..<n).map { _ in 2.5 },
                (0..<n).map { i in i < n / 2 ? 0 : next() },
                (0..<n).map { Double($0) },
                (0..<n).map { Double(n - $0) },
                (0..<n).map { i in i % 5 == 0 ? .infinity : (i % 5 == 1 ? 5e-324 : next() * 1e300) },
                (0..<n).map { i in i % 2 == 0 ? 1 : 3 },
            ]
            for (k, x) in shapes.enumerated() {
                #expect(fitFDistMedian(x).bitPattern == RBase.median(x).bitPattern, "n \(n) shape \(k)")
            }
        }
    }

    /// The stored 128-point rule is the computed one, bit for bit.
    @Test func storedGaussRuleIsTheComputedOne() {
        let g = RNumerics.gaussQuadProbUniform(128)
        #expect(RNumerics.gaussQuad128.nodes.map(\.bitPattern) == g.nodes.map(\.bitPattern))
        #expect(RNumerics.gaussQuad128.weights.map(\.bitPattern) == g.weights.map(\.bitPattern))
    }

    /// The spline basis projected row by row equals R's
    /// `t(qr.qty(qr(t(const)), t(basis)))[, -(1:2)]` formed on whole matrices
    /// (the transpose, dqrsl on each of its columns, the transpose back).
    @Test func projectedBasisEqualsTheMatrixForm() {
        var s: UInt64 = 12345
        func next() -> Double {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / Double(1 << 53)
        }
        for (n, df) in [(1, 2), (3, 2), (7, 3), (40, 4), (500, 4)] {
            let x = (0..<max(n, 3)).map { _ in next() * 10 - 2 }
            let ns = NaturalSplineBasis(x: x, df: df)
            let (b1, b2) = ns.boundaryKnots
            let aknots = ([b1, b1, b1, b1, b2, b2, b2, b2] + ns.knots).sorted()
            let ncoef = aknots.count - 4
            let qr = QRDecomposition(splineDesign(knots: aknots, x: [b1, b2], ord: 4, derivs: [2, 2]).transposed)
            let basis = Matrix(nrow: n, ncol: ncoef, values: (0..<(n * ncoef)).map { _ in next() - 0.25 })
            let got = NaturalSplineBasis.project(basis, qr)
            let t = basis.transposed
            var projected = t
            var xq = qr.qr.values
            var b = [0.0], rsd = [0.0]
            for c in 0..<t.ncol {
                t.values.withUnsafeBufferPointer { yb in
                    projected.values.withUnsafeMutableBufferPointer { ob in
                        QRDecomposition.dqrsl(&xq, n: ncoef, k: qr.rank, qraux: qr.qraux, y: yb.baseAddress! + c * ncoef,
                                              qty: ob.baseAddress! + c * ncoef, b: &b, rsd: &rsd, job: [.qty])
                    }
                }
            }
            var want = Matrix(nrow: n, ncol: ncoef - 2)
            for i in 0..<n { for j in 2..<ncoef { want[i, j - 2] = projected[j, i] } }
            #expect(got.values.map(\.bitPattern) == want.values.map(\.bitPattern), "n \(n) df \(df)")
        }
    }
}
