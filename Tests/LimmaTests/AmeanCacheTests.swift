// voom's rowMeans(E) carried on the EList (EList.rowMeansOfE) for lmFit's
// Amean: the fit with it equals the fit without, bit for bit, and any change
// to E forgets it.
import Foundation
import Testing
@testable import Limma

@Suite("Linear models: Amean carried from voom to lmFit keeps the bits")
struct AmeanCacheTests {
    typealias LCG = LinearModelKernelTests.LCG

    static func bits(_ v: [Double]) -> [UInt64] { v.map(\.bitPattern) }

    /// Every numeric output of two fits, bit for bit (NaN payloads included).
    static func sameFit(_ a: MArrayLM, _ b: MArrayLM, _ label: String) {
        #expect(bits(a.coefficients.values) == bits(b.coefficients.values), "coefficients \(label)")
        #expect(bits(a.stdevUnscaled.values) == bits(b.stdevUnscaled.values), "stdev.unscaled \(label)")
        #expect(bits(a.sigma) == bits(b.sigma), "sigma \(label)")
        #expect(bits(a.dfResidual) == bits(b.dfResidual), "df.residual \(label)")
        #expect(a.Amean.map(bits) == b.Amean.map(bits), "Amean \(label)")
        #expect(a.covCoefficients.map { bits($0.values) } == b.covCoefficients.map { bits($0.values) }, "cov \(label)")
        #expect(a.pivot == b.pivot && a.rank == b.rank && a.warnings == b.warnings, "pivot/rank/warnings \(label)")
        #expect(a.coefficients.rowNames == b.coefficients.rowNames && a.coefficients.colNames == b.coefficients.colNames)
        #expect(a.genes == b.genes && a.design == b.design && a.method == b.method)
    }

    /// The EList without what voom remembered: every public field copied into a fresh one.
    static func rebuilt(_ v: EList) -> EList {
        var e = EList(E: Matrix(nrow: v.E.nrow, ncol: v.E.ncol, values: Array(v.E.values),
                                rowNames: v.E.rowNames, colNames: v.E.colNames),
                      weights: v.weights, design: v.design, libSize: v.libSize, genes: v.genes)
        e.voomXY = v.voomXY
        e.voomXYRows = v.voomXYRows
        e.voomLine = v.voomLine
        e.sampleWeights = v.sampleWeights
        e.span = v.span
        e.warnings = v.warnings
        return e
    }

    @Test("weightedFit given the lanes' rowMeans(na.rm = TRUE) equals weightedFit computing its own, on adversarial lanes")
    func weightedFitKnownMeans() {
        var rng = LCG(state: 31)
        var checked = 0, complete = 0
        for n in [2, 3, 4, 5, 7, 12, 33, 101] {
            for design in FusedLeastSquaresTests.designs(n, &rng) where design.ncol < n {
                let p = design.ncol
                let ws = LeastSquaresWorkspace(n: n, p: p), ws2 = LeastSquaresWorkspace(n: n, p: p)
                for trial in 0..<17 {
                    var (y, w) = FusedLeastSquaresTests.lanes(n, trial, &rng)
                    // More non-finite values: -Inf, +Inf with -Inf (a NaN sum), NaN in every row of a lane.
                    if trial % 5 == 1 { y[(trial + 1) % n][2] = -.infinity }
                    if trial % 5 == 2 { y[0][1] = .infinity; y[n - 1][1] = -.infinity }
                    if trial % 5 == 3 { for i in 0..<n { y[i][3] = .nan } }
                    if trial % 7 == 4 { for i in 0..<n { y[i][0] = 1.7976931348623157e308 * (i % 2 == 0 ? 1 : 0.999) } }
                    // rowMeans(na.rm = TRUE) of each lane, as RBase computes it.
                    let rows = Matrix(nrow: 4, ncol: n, values: (0..<n).flatMap { i in (0..<4).map { y[i][$0] } })
                    let rm = RBase.rowMeans(rows, naRM: true)
                    let known = GeneLanes(rm[0], rm[1], rm[2], rm[3])
                    let aw = (0..<n).map { _ in rng.next() * 2 + 0.1 }
                    let roots = aw.map { $0.squareRoot() }
                    for weighting in FusedLeastSquaresTests.Weighting.allCases {
                        func run(_ ws: LeastSquaresWorkspace, _ means: GeneLanes?) -> LaneLeastSquares.WeightedFitResult {
                            design.values.withUnsafeBufferPointer { xb in
                                roots.withUnsafeBufferPointer { rb in
                                    w.withUnsafeBufferPointer { wb in
                                        let x = xb.baseAddress!
                                        let rows = FusedLeastSquaresTests.rowWeights(weighting, design: x, roots: rb.baseAddress!, lanes: wb.baseAddress!, n: n, p: p)
                                        return y.withUnsafeBufferPointer { LaneLeastSquares.weightedFit($0.baseAddress!, rows, design: x, n: n, p: p, ws: ws, means: means) }
                                    }
                                }
                            }
                        }
                        let a = run(ws, nil), b = run(ws2, known)
                        let label = "n=\(n) p=\(p) trial=\(trial) \(weighting)"
                        for l in 0..<4 {
                            let finite = (0..<n).allSatisfy { y[$0][l].isFinite }
                            // A complete lane's own mean is its rowMeans(na.rm = TRUE).
                            if a.complete[l] { #expect(a.means[l].bitPattern == rm[l].bitPattern, "mean lane \(l) \(label)") }
                            #expect(a.bad[l] == b.bad[l], "bad lane \(l) \(label)")
                            let keptA = a.complete[l] && !a.bad[l], keptB = b.complete[l] && !b.bad[l]
                            // Known means never keep a lane with a value that is not finite; the
                            // lanes kept one way only (left to the scalar routines the other way)
                            // have a sigma or a mean that is not finite.
                            if keptB { #expect(finite, "kept a lane with a value that is not finite: lane \(l) \(label)") }
                            if keptA && !keptB { #expect(!a.sigma[l].isFinite, "lane \(l) \(label)") }
                            if keptB && !keptA { #expect(!a.means[l].isFinite, "lane \(l) \(label)") }
                            guard keptA && keptB else { continue }
                            complete += 1
                            for j in 0..<p {
                                #expect(ws.lb[j][l].bitPattern == ws2.lb[j][l].bitPattern, "coef \(j) lane \(l) \(label)")
                                #expect(ws.ldiag[j][l].bitPattern == ws2.ldiag[j][l].bitPattern, "diag \(j) lane \(l) \(label)")
                            }
                            #expect(a.sigma[l].bitPattern == b.sigma[l].bitPattern, "sigma lane \(l) \(label)")
                        }
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 1000 && complete > 2000, "checked \(checked), lanes kept both ways \(complete)")
    }

    @Test("voom's EList remembers rowMeans(E, na.rm = TRUE) bit for bit, and lmFit with it equals lmFit of the rebuilt EList (any thread count)")
    func voomThenLmFit() throws {
        defer { LimmaThreads.set(0) }
        var counts = ThreadingTests.syntheticCounts(genes: 1037, perGroup: 6)
        for j in 0..<12 { counts[7, j] = 0 }                                     // an all-zero gene
        let design = Matrix(rows: (0..<12).map { j in j < 6 ? [1, 0] : [0, 1] }, colNames: ["A", "B"])
        let y = try calcNormFactors(DGEList(counts: counts))
        for threads in [1, 2] {
            LimmaThreads.set(threads)
            var cases: [(String, EList)] = []
            for method in [BetweenArrayNormalization.none, .quantile, .scale] {
                cases.append(("voom \(method)", try voom(y, design: design, normalizeMethod: method)))
            }
            var released = y
            cases.append(("voom(releasing:)", try voom(releasing: &released, design: design)))
            cases.append(("voom, intercept only", try voom(y)))
            cases.append(("voomWithQualityWeights", try voomWithQualityWeights(y, design: design)))
            var edgy = try voom(y, design: design)
            // Weights that make lm.series drop observations (the scalar routines and the step kernels).
            edgy.weights![3, 2] = 0
            edgy.weights![4, 0] = .nan
            edgy.weights![5, 1] = -1
            edgy.weights![6, 9] = 1e-300
            for i in 0..<12 { edgy.weights![8, i] = 1e-310 }
            cases.append(("voom, edited weights", edgy))
            for (name, v) in cases {
                let label = "\(name), \(threads) threads"
                let cached = try #require(v.rowMeansOfE, "\(label): no rowMeans remembered")
                #expect(Self.bits(cached) == Self.bits(RBase.rowMeans(v.E, naRM: true)), "remembered rowMeans \(label)")
                let plain = Self.rebuilt(v)
                #expect(plain.rowMeansOfE == nil && plain == v)
                Self.sameFit(try lmFit(v), try lmFit(plain), label)
                Self.sameFit(try lmFit(v, design: design), try lmFit(plain, design: design), "\(label), design given")
                // Array weights and no weights (one QR for all genes), a block.
                let aw = Matrix(nrow: 1, ncol: 12, values: (0..<12).map { 0.5 + Double($0) / 10 })
                Self.sameFit(try lmFit(v, design: design, weights: aw), try lmFit(plain, design: design, weights: aw), "\(label), array weights")
                var unweighted = v
                unweighted.weights = nil
                #expect(unweighted.rowMeansOfE != nil, "a change to the weights keeps what was found of E")
                var plainUnweighted = plain
                plainUnweighted.weights = nil
                Self.sameFit(try lmFit(unweighted, design: design), try lmFit(plainUnweighted, design: design), "\(label), no weights")
                let block = (0..<12).map { String($0 / 3) }
                Self.sameFit(try lmFit(v, design: design, block: block, correlation: 0.3),
                             try lmFit(plain, design: design, block: block, correlation: 0.3), "\(label), block")
                Self.sameFit(try lmFit(v, design: design, method: "robust"), try lmFit(plain, design: design, method: "robust"), "\(label), robust")
            }
        }
    }

    @Test("lmFit of an EList remembering rowMeans equals lmFit without, on values with NaN, infinities and adversarial weights")
    func adversarialElist() throws {
        defer { LimmaThreads.set(0) }
        var rng = LCG(state: 77)
        for n in [2, 3, 5, 9, 30] {
            for design in FusedLeastSquaresTests.designs(n, &rng) {
                let ngenes = 71
                var (M, W) = CopyBlockTests.matrices(ngenes: ngenes, n: n, &rng)
                M[ngenes - 1, 0] = -.infinity
                let plain = EList(E: M, weights: W, design: design)
                var cached = plain
                cached.rowMeansOfE = RBase.rowMeans(M, naRM: true)
                for threads in [1, 2] {
                    LimmaThreads.set(threads)
                    let label = "n=\(n) p=\(design.ncol) threads=\(threads)"
                    let expected: MArrayLM
                    do { expected = try lmFit(plain) } catch {
                        #expect(throws: LimmaError.self) { try lmFit(cached) }
                        continue
                    }
                    Self.sameFit(try lmFit(cached), expected, label)
                    var unweighted = cached, plainUnweighted = plain
                    unweighted.weights = nil
                    plainUnweighted.weights = nil
                    Self.sameFit(try lmFit(unweighted), try lmFit(plainUnweighted), "\(label), no weights")
                }
            }
        }
    }

    @Test("any change to E forgets the remembered rowMeans; == ignores them")
    func changesForget() throws {
        let counts = ThreadingTests.syntheticCounts(genes: 300, perGroup: 3)
        let design = Matrix(rows: (0..<6).map { j in j < 3 ? [1, 0] : [0, 1] }, colNames: ["A", "B"])
        let v = try voom(counts, design: design)
        #expect(v.rowMeansOfE != nil)
        #expect(v == Self.rebuilt(v), "== ignores what was remembered")

        var edited = v
        edited.E[0, 0] = edited.E[0, 0] + 1
        #expect(edited.rowMeansOfE == nil)
        Self.sameFit(try lmFit(edited), try lmFit(Self.rebuilt(edited)), "one value edited")
        #expect(try lmFit(edited).Amean?[0] == RBase.rowMeans(edited.E, naRM: true)[0])

        var values = v
        values.E.values[5] = .nan
        #expect(values.rowMeansOfE == nil)
        var replaced = v
        replaced.E = try normalizeBetweenArrays(v.E, method: .quantile)
        #expect(replaced.rowMeansOfE == nil)
        var renamed = v
        renamed.E.rowNames = nil
        #expect(renamed.rowMeansOfE == nil)

        // What does not touch E keeps them.
        var kept = v
        kept.weights = nil
        kept.genes = Annotation(names: ["id"], columns: [(0..<300).map(String.init)])
        kept.design = nil
        kept.sampleWeights = [1, 2, 3, 4, 5, 6]
        #expect(kept.rowMeansOfE.map(Self.bits) == v.rowMeansOfE.map(Self.bits))
        let aw = try arrayWeights(v, design: design)
        var withArrayWeights = v
        withArrayWeights.weights = Matrix(nrow: 300, ncol: 6, values: (0..<1800).map { aw.weights[$0 / 300] })
        Self.sameFit(try lmFit(withArrayWeights), try lmFit(Self.rebuilt(withArrayWeights)), "arrayWeights")
    }
}
