// lmFit / contrasts.fit / QR against live R (rscripts/tests/linear_models.R).
import Foundation
import Testing
@testable import Limma

/// Compares one statistic with R at the project bar (rel 1e-10, abs 1e-12),
/// NA pattern exact; prints the measured gap.
func expectParity(_ engine: [Double], _ r: [Double], _ label: String,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let res = Parity().compare(engine: engine, r: r)
    print("[parity] \(label): \(res)")
    #expect(engine.count == r.count, "\(label): \(engine.count) values vs R's \(r.count)", sourceLocation: sourceLocation)
    #expect(res.pass, "\(label): \(res)", sourceLocation: sourceLocation)
}

enum LM {
    static func read(_ dir: URL, _ name: String) throws -> Matrix { try RLive.matrix(dir, name).matrix }

    /// R's messages (warnings and lmFit's printed note), one per line.
    static func messages(_ dir: URL, _ name: String) throws -> [String] {
        let s = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        return s.split(separator: "\n").map { String($0) }.filter { !$0.isEmpty }
    }

    /// Every lmFit / contrasts.fit output against R's files `<prefix>*.csv`.
    static func compareFit(_ fit: MArrayLM, _ dir: URL, _ prefix: String, _ label: String,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rc = try read(dir, prefix + "coefficients.csv")
        expectParity(fit.coefficients.values, rc.values, "\(label) coefficients", sourceLocation: sourceLocation)
        #expect(fit.coefficients.colNames == rc.colNames, "\(label) coefficient names", sourceLocation: sourceLocation)
        if let rn = fit.coefficients.rowNames { #expect(rn == rc.rowNames, "\(label) gene names", sourceLocation: sourceLocation) }
        let rs = try read(dir, prefix + "stdev.csv")
        expectParity(fit.stdevUnscaled.values, rs.values, "\(label) stdev.unscaled", sourceLocation: sourceLocation)
        #expect(fit.stdevUnscaled.colNames == rs.colNames, sourceLocation: sourceLocation)
        expectParity(fit.sigma, try RLive.vector(dir, prefix + "sigma.csv"), "\(label) sigma", sourceLocation: sourceLocation)
        #expect(fit.dfResidual == (try RLive.vector(dir, prefix + "df.csv")), "\(label) df.residual exact", sourceLocation: sourceLocation)
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(prefix + "Amean.csv").path) {
            expectParity(fit.Amean ?? [], try RLive.vector(dir, prefix + "Amean.csv"), "\(label) Amean", sourceLocation: sourceLocation)
        }
        let rcov = try read(dir, prefix + "cov.csv")
        expectParity(fit.covCoefficients?.values ?? [], rcov.values, "\(label) cov.coefficients", sourceLocation: sourceLocation)
        #expect(fit.covCoefficients?.colNames == rcov.colNames, "\(label) cov names", sourceLocation: sourceLocation)
        #expect(fit.covCoefficients?.rowNames == rcov.rowNames, "\(label) cov row names", sourceLocation: sourceLocation)
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(prefix + "pivot.csv").path) {
            let rp = try RLive.vector(dir, prefix + "pivot.csv").map { Int($0) - 1 }
            #expect(fit.pivot == rp, "\(label) pivot exact", sourceLocation: sourceLocation)
            #expect(fit.rank == Int(try RLive.vector(dir, prefix + "rank.csv")[0]), "\(label) rank exact", sourceLocation: sourceLocation)
        }
        let rm = try messages(dir, prefix + "messages.txt")
        #expect(fit.warnings.map(\.message) == rm, "\(label) warnings", sourceLocation: sourceLocation)
    }

    static func block(_ dir: URL) throws -> [String] {
        try RLive.vector(dir, "block.csv").map { String(Int($0)) }
    }
}

@Suite("Linear models vs R", .enabled(if: RLive.available))
struct LinearModelTests {
    @Test func mulveyGroupMeansAndContrast() throws {
        let dir = try RLive.run("linear_models.R", ["mulvey"])
        let file = try MatrixReader.read(RLive.path("reference/data/mulvey/proteome.csv.gz"),
                                         annotation: ["gene_symbol", "num_psm", "max_pep_prob", "reference_intensity"])
        let design = try LM.read(dir, "design.csv")
        let e = EList(E: file.matrix, genes: file.annotation)
        let fit = try lmFit(e, design: design)
        try LM.compareFit(fit, dir, "", "mulvey")
        #expect(fit.genes == file.annotation)
        let cm = try LM.read(dir, "c_contrasts.csv")
        let cfit = try contrastsFit(fit, contrasts: cm)
        try LM.compareFit(cfit, dir, "c_", "mulvey contrast")
        #expect(cfit.contrasts == cm)
    }

    @Test func gse60450AdditiveDesign() throws {
        let dir = try RLive.run("linear_models.R", ["gse60450"])
        var counts = try MatrixReader.read(RLive.path("reference/data/gse60450/counts.csv.gz")).matrix
        counts.values = counts.values.map { Foundation.log2($0 + 1) }
        let design = try LM.read(dir, "design.csv")
        let head = try LM.read(dir, "y_head.csv")
        #expect(counts.rows([0, 1, 2, 3, 4]).values == head.values, "log2(counts + 1) identical to R's")
        let fit = try lmFit(counts, design: design)
        try LM.compareFit(fit, dir, "", "gse60450")
        let cfit = try contrastsFit(fit, contrasts: try LM.read(dir, "c_contrasts.csv"))
        try LM.compareFit(cfit, dir, "c_", "gse60450 contrasts (non-orthogonal)")
    }

    @Test func missingValues() throws {
        let dir = try RLive.run("linear_models.R", ["missing"])
        let fit = try lmFit(try LM.read(dir, "y.csv"), design: try LM.read(dir, "design.csv"))
        try LM.compareFit(fit, dir, "", "missing")
        let cfit = try contrastsFit(fit, contrasts: try LM.read(dir, "c_contrasts.csv"))
        try LM.compareFit(cfit, dir, "c_", "missing contrasts")
    }

    @Test func weights() throws {
        let dir = try RLive.run("linear_models.R", ["weights"])
        let y = try LM.read(dir, "y.csv"), design = try LM.read(dir, "design.csv")
        let fit = try lmFit(y, design: design, weights: try LM.read(dir, "weights.csv"))
        try LM.compareFit(fit, dir, "", "probe weights")
        let cfit = try contrastsFit(fit, contrasts: try LM.read(dir, "c_contrasts.csv"))
        try LM.compareFit(cfit, dir, "c_", "probe weights contrasts")
        let aw = try LM.read(dir, "arrayweights.csv").transposed  // 1 x arrays: array weights
        try LM.compareFit(try lmFit(try LM.read(dir, "y2.csv"), design: design, weights: aw), dir, "aw_", "array weights")
        try LM.compareFit(try lmFit(y, design: design, weights: aw), dir, "awna_", "array weights with NA")
        // The EList's weights are used when none are given.
        var e = EList(E: y, weights: try LM.read(dir, "weights.csv"))
        e.design = design
        try LM.compareFit(try lmFit(e), dir, "", "EList weights and design")
    }

    @Test func rankDeficientDesign() throws {
        let dir = try RLive.run("linear_models.R", ["rankdef"])
        let design = try LM.read(dir, "design.csv")
        let fit = try lmFit(try LM.read(dir, "y.csv"), design: design)
        try LM.compareFit(fit, dir, "", "rank-deficient")
        #expect(nonEstimable(design) == ["groupB", "groupC"])
        let qr = QRDecomposition(design)
        expectParity(qr.qr.values, try LM.read(dir, "qr_qr.csv").values, "qr()$qr")
        expectParity(qr.qraux, try RLive.vector(dir, "qr_qraux.csv"), "qr()$qraux")
        let y1 = try LM.read(dir, "y.csv").row(0)
        expectParity(qr.coef(y1), try LM.read(dir, "qr_coef.csv").column(0), "qr.coef")
        let rq = try LM.read(dir, "qr_qty.csv")
        expectParity(qr.qty(y1), rq.column(0), "qr.qty")
        expectParity(qr.resid(y1), rq.column(1), "qr.resid")
        let cfit = try contrastsFit(fit, contrasts: try LM.read(dir, "c_contrasts.csv"))
        try LM.compareFit(cfit, dir, "c_", "rank-deficient contrasts")
        try LM.compareFit(try lmFit(try LM.read(dir, "y2.csv"), design: design), dir, "na_", "rank-deficient with NA")
        let idx = try RLive.vector(dir, "s_index.csv").map { Int($0) - 1 }
        try LM.compareFit(try contrastsFit(fit, coefficients: idx), dir, "s_", "rank-deficient coefficient subset")
        #expect(throws: LimmaError("contrasts.fit", "Subsetting to non-estimable coefficients is not allowed.")) {
            try contrastsFit(fit, coefficients: [2])
        }
        // A contrast involving a non-estimable coefficient is refused, as in R.
        var bad = Matrix(nrow: design.ncol, ncol: 1, rowNames: design.colNames, colNames: ["bad"])
        bad[2, 0] = 1
        #expect(throws: LimmaError("contrasts.fit", "trying to take contrast of non-estimable coefficient")) {
            try contrastsFit(fit, contrasts: bad)
        }
    }

    @Test func covariateInteraction() throws {
        let dir = try RLive.run("linear_models.R", ["interaction"])
        let y = try LM.read(dir, "y.csv"), design = try LM.read(dir, "design.csv")
        let fit = try lmFit(y, design: design)
        try LM.compareFit(fit, dir, "", "interaction")
        let cfit = try contrastsFit(fit, contrasts: try LM.read(dir, "c_contrasts.csv"))
        try LM.compareFit(cfit, dir, "c_", "interaction contrasts")
        try LM.compareFit(try lmFit(y.rows([0]), design: design), dir, "one_", "single gene")
        // fit[, c(2, 4)] (0-based 1 and 3).
        let sfit = try contrastsFit(fit, coefficients: [1, 3])
        try LM.compareFit(sfit, dir, "s_", "coefficient subset")
        let rsc = try LM.read(dir, "s_contrasts_out.csv")
        #expect(sfit.contrasts?.values == rsc.values && sfit.contrasts?.colNames == rsc.colNames)
        // After eBayes (its t, df.prior and F taken from R), F is recomputed for the subset.
        var eb = fit
        eb.t = try LM.read(dir, "eb_t.csv")
        eb.dfPrior = try RLive.vector(dir, "eb_dfprior.csv")
        eb.F = try RLive.vector(dir, "eb_F.csv")
        eb.FPValue = try RLive.vector(dir, "eb_Fp.csv")
        let ebs = try contrastsFit(eb, coefficients: [1, 3])
        expectParity(ebs.F ?? [], try RLive.vector(dir, "ebs_F.csv"), "subset F")
        expectParity(ebs.FPValue ?? [], try RLive.vector(dir, "ebs_Fp.csv"), "subset F.p.value")
        #expect(ebs.t == eb.t?.columns([1, 3]))
        #expect(ebs.t?.colNames == ["grouptrt", "grouptrt:dose"])
        var cm2 = try LM.read(dir, "c_contrasts.csv")
        cm2.rowNames?[0] = "Intercept"
        try LM.compareFit(try contrastsFit(fit, contrasts: cm2), dir, "m_", "row-name mismatch")
        var fit0 = fit
        fit0.covCoefficients = nil
        try LM.compareFit(try contrastsFit(fit0, contrasts: try LM.read(dir, "c_contrasts.csv")), dir, "nc_", "no cov.coefficients")
    }

    @Test func robustRegression() throws {
        let dir = try RLive.run("linear_models.R", ["robust"])
        let y = try LM.read(dir, "y.csv"), design = try LM.read(dir, "design.csv")
        try LM.compareFit(try lmFit(y, design: design, method: "robust"), dir, "", "mrlm")
        try LM.compareFit(try lmFit(y, design: design, weights: try LM.read(dir, "weights.csv"), method: "rob"), dir, "w_", "mrlm weighted")
        let ys = try LM.read(dir, "ys.csv")
        #expect(throws: LimmaError.self) { try lmFit(ys, design: design, method: "robust") }
    }

    @Test func glsBlockCorrelation() throws {
        let dir = try RLive.run("linear_models.R", ["gls"])
        let y = try LM.read(dir, "y.csv"), design = try LM.read(dir, "design.csv")
        let block = try LM.block(dir)
        let fit = try lmFit(y, design: design, block: block, correlation: 0.3)
        try LM.compareFit(fit, dir, "", "gls")
        #expect(fit.correlation == 0.3)
        let cfit = try contrastsFit(fit, contrasts: try LM.read(dir, "c_contrasts.csv"))
        try LM.compareFit(cfit, dir, "c_", "gls contrasts")
        try LM.compareFit(try lmFit(try LM.read(dir, "y2.csv"), design: design, block: block, correlation: 0.3), dir, "na_", "gls with NA")
        try LM.compareFit(try lmFit(y, design: design, weights: try LM.read(dir, "weights.csv"), block: block, correlation: 0.3),
                          dir, "w_", "gls probe weights")
        try LM.compareFit(try lmFit(y, design: design, weights: try LM.read(dir, "arrayweights.csv").transposed, block: block, correlation: 0.3),
                          dir, "aw_", "gls array weights")
        try LM.compareFit(try lmFit(try LM.read(dir, "y3.csv"), design: try LM.read(dir, "design2.csv"), block: block, correlation: -0.2),
                          dir, "z_", "gls zero column")
    }
}

@Suite("Linear models: QR and errors")
struct LinearModelUnitTests {
    @Test func qrPivotsNegligibleColumns() throws {
        // Column 2 = column 1: moved to the end, rank 2.
        let x = Matrix(columns: [[1, 1, 1, 1], [1, 1, 1, 1], [0, 1, 2, 3]], colNames: ["a", "b", "c"])
        let qr = QRDecomposition(x)
        #expect(qr.rank == 2)
        #expect(qr.pivot == [0, 2, 1])
        let ls = qr.leastSquares([1, 3, 5, 7])
        #expect(abs(ls.coefficients[0] - 1) < 1e-14 && abs(ls.coefficients[2] - 2) < 1e-14)
        #expect(ls.coefficients[1].isNaN)
    }

    @Test func badInputs() throws {
        let y = Matrix(nrow: 3, ncol: 4, values: (0..<12).map(Double.init))
        let d = Matrix(nrow: 4, ncol: 1, repeating: 1)
        #expect(throws: LimmaError("lmFit", "expression matrix has zero rows")) {
            try lmFit(Matrix(nrow: 0, ncol: 4, values: []), design: d)
        }
        #expect(throws: LimmaError.self) { try lmFit(y, design: Matrix(nrow: 3, ncol: 1, repeating: 1)) }
        var dna = d; dna[1, 0] = .nan
        #expect(throws: LimmaError("lmFit", "NAs not allowed in design matrix")) { try lmFit(y, design: dna) }
        #expect(throws: LimmaError("lmFit", "the correlation must be set, see duplicateCorrelation")) {
            try lmFit(y, design: d, block: ["a", "a", "b", "b"])
        }
        #expect(throws: LimmaError("lmFit", "correlation is 1 or -1, so the model is degenerate")) {
            try lmFit(y, design: d, block: ["a", "a", "b", "b"], correlation: 1)
        }
        #expect(throws: LimmaError.self) { try lmFit(y, design: d, block: ["a", "b"], correlation: 0.2) }
        #expect(throws: LimmaError.self) { try lmFit(y, design: d, weights: Matrix(nrow: 2, ncol: 2, repeating: 1)) }
        #expect(throws: LimmaError.self) { try lmFit(y, design: d, weights: Matrix(nrow: 1, ncol: 5, repeating: 1)) }
        #expect(throws: LimmaError.self) { try lmFit(y, design: d, method: "lsq") }
        // A gene whose observed design rows are all zero: R's chol2inv size error.
        let dz = Matrix(columns: [[0, 0, 1, 1]])
        var yz = y; yz[0, 2] = .nan; yz[0, 3] = .nan
        #expect(throws: LimmaError("lmFit", "'size' argument must be a positive integer")) { try lmFit(yz, design: dz) }
        let fit = try lmFit(y, design: d)
        #expect(fit.coefficients.colNames == ["x1"])
        #expect(throws: LimmaError.self) { try contrastsFit(fit) }
        #expect(throws: LimmaError.self) { try contrastsFit(fit, contrasts: Matrix(nrow: 2, ncol: 1, repeating: 1)) }
        #expect(throws: LimmaError("contrasts.fit", "NAs not allowed in contrasts")) {
            try contrastsFit(fit, contrasts: Matrix(nrow: 1, ncol: 1, repeating: .nan))
        }
    }
}

/// The per-gene and one-QR fits of lmFit (lane kernels, workspaces) against
/// the plain routines they replace (QRDecomposition, RLinAlg.chol2inv with
/// LAPACK dpotri, RBase.mean): every output bit for bit.
@Suite("Linear models: fast kernels keep the bits")
struct LinearModelKernelTests {
    /// Deterministic uniforms in (0, 1).
    struct LCG {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
    }

    /// lm.series as it was written before the kernels: each gene by
    /// QRDecomposition / leastSquares / RLinAlg.chol2inv / RBase.mean.
    static func referenceGeneFits(_ M: Matrix, design: Matrix, weights W: Matrix?) throws -> (coef: [Double], su: [Double], sigma: [Double], df: [Double]) {
        let ngenes = M.nrow, narrays = M.ncol, nbeta = design.ncol
        var coef = [Double](repeating: .nan, count: ngenes * nbeta), su = coef
        var sigma = [Double](repeating: .nan, count: ngenes), df = [Double](repeating: 0, count: ngenes)
        for g in 0..<ngenes {
            let obs = (0..<narrays).filter { j in
                M[g, j].isFinite && (W == nil || (W![g, j].isFinite && W![g, j] > 0))
            }
            if obs.isEmpty { continue }
            let nobs = obs.count
            var X = Matrix(nrow: nobs, ncol: nbeta)
            var yv = [Double](repeating: 0, count: nobs)
            for (i, j) in obs.enumerated() {
                let wt = W.map { $0[g, j].squareRoot() }
                for c in 0..<nbeta { X[i, c] = wt.map { design[j, c] * $0 } ?? design[j, c] }
                yv[i] = wt.map { M[g, j] * $0 } ?? M[g, j]
            }
            let qr = QRDecomposition(X)
            let ls = qr.leastSquares(yv)
            for j in 0..<nbeta { coef[j * ngenes + g] = ls.coefficients[j] }
            let cov = try RLinAlg.chol2inv(qr.qr, size: qr.rank)
            for k in 0..<qr.rank { su[qr.pivot[k] * ngenes + g] = cov[k, k].squareRoot() }
            df[g] = Double(nobs - qr.rank)
            if nobs > qr.rank { sigma[g] = RBase.mean((qr.rank..<nobs).map { ls.effects[$0] * ls.effects[$0] }).squareRoot() }
        }
        return (coef, su, sigma, df)
    }

    static func bits(_ v: [Double]) -> [UInt64] { v.map { $0.bitPattern } }

    static func randomMatrix(_ rng: inout LCG, _ nrow: Int, _ ncol: Int, scale: Double = 1) -> Matrix {
        Matrix(nrow: nrow, ncol: ncol, values: (0..<(nrow * ncol)).map { _ in (rng.next() * 2 - 1) * scale })
    }

    @Test("reference BLAS ddot, dnrm2 (mid range) and the lane forms agree bit for bit")
    func blasLevel1() {
        var rng = LCG(state: 11)
        for m in [1, 2, 3, 4, 5, 6, 7, 11, 12, 31, 100, 1001] {
            var xs = [[Double]](), ys = [[Double]]()
            for l in 0..<LaneLeastSquares.width {
                xs.append((0..<m).map { i in i % 7 == l ? 0 : (rng.next() - 0.4) * Foundation.pow(10, Double(l * 3 - 4)) })
                ys.append((0..<m).map { _ in rng.next() * 5 - 2 })
            }
            var lx = [GeneLanes](repeating: .zero, count: m), ly = lx
            for i in 0..<m { for l in 0..<LaneLeastSquares.width { lx[i][l] = xs[l][i]; ly[i][l] = ys[l][i] } }
            var bad = GeneLaneMask(repeating: false)
            let n2 = LaneLeastSquares.nrm2(m, lx, &bad)
            let d = LaneLeastSquares.dot(m, lx, ly)
            #expect(!any(bad))
            for l in 0..<LaneLeastSquares.width {
                #expect(n2[l].bitPattern == BLAS1.nrm2(m, xs[l]).bitPattern, "nrm2 m=\(m) lane \(l)")
                #expect(d[l].bitPattern == BLAS1.dot(m, xs[l], ys[l]).bitPattern, "dot m=\(m) lane \(l)")
            }
        }
        // Values dnrm2 scales are flagged.
        var lx = [GeneLanes](repeating: GeneLanes(repeating: 1), count: 3)
        lx[1][2] = 1e-160
        lx[2][3] = 1e150
        var bad = GeneLaneMask(repeating: false)
        _ = LaneLeastSquares.nrm2(3, lx, &bad)
        #expect(bad == GeneLaneMask([false, false, true, true]))
    }

    @Test("chol2inv's diagonal (dtrti2 + dlauu2 arithmetic) equals LAPACK dpotri's, scalar and lanes")
    func chol2invDiagonal() throws {
        var rng = LCG(state: 5)
        for r in 1...48 {
            for trial in 0..<3 {
                var a = Matrix(nrow: r + 2, ncol: r)
                var lanes = [GeneLanes](repeating: .zero, count: (r + 2) * r)
                var refs = [[Double]]()
                for l in 0..<LaneLeastSquares.width {
                    for j in 0..<r {
                        for i in 0...j {
                            // Zeros exercise dtrmv's skip; mixed signs and scales.
                            let zero = i < j && (trial + i + j + l) % 4 == 0
                            a[i, j] = zero ? 0 : (i == j ? (rng.next() + 0.1) * (rng.next() < 0.5 ? -1 : 1) : rng.next() * 4 - 2)
                        }
                    }
                    let inv = try RLinAlg.chol2inv(a, size: r)
                    refs.append((0..<r).map { inv[$0, $0] })
                    var diag = [Double](repeating: 0, count: r), u = [Double](repeating: 0, count: r * r)
                    try GeneLeastSquares.chol2invDiagonal(a.values, lda: r + 2, size: r, u: &u, diag: &diag, function: "t")
                    #expect(Self.bits(diag) == Self.bits(refs[l]), "scalar size \(r)")
                    for v in 0..<a.values.count { lanes[v][l] = a.values[v] }
                }
                var u = [GeneLanes](repeating: .zero, count: r * r), diag = [GeneLanes](repeating: .zero, count: r)
                let bad = LaneLeastSquares.chol2invDiagonal(lanes, lda: r + 2, size: r, u: &u, diag: &diag)
                #expect(!any(bad))
                for l in 0..<LaneLeastSquares.width {
                    #expect(Self.bits(diag.map { $0[l] }) == Self.bits(refs[l]), "lanes size \(r) lane \(l)")
                }
            }
        }
        var z = Matrix(nrow: 2, ncol: 2, values: [1, 0, 2, 0])
        var u = [Double](repeating: 0, count: 4), diag = [0.0, 0]
        #expect(throws: LimmaError("f", "element (2, 2) is zero, so the inverse cannot be computed")) {
            try GeneLeastSquares.chol2invDiagonal(z.values, lda: 2, size: 2, u: &u, diag: &diag, function: "f")
        }
        z[1, 1] = 3
        #expect(throws: LimmaError("f", "'size' argument must be a positive integer")) {
            try GeneLeastSquares.chol2invDiagonal(z.values, lda: 2, size: 0, u: &u, diag: &diag, function: "f")
        }
    }

    /// Designs: two groups, intercept + covariate + group, a rank-deficient
    /// one (a column repeated), one with more coefficients than some genes'
    /// observations, and a single column.
    static func designs(_ n: Int, _ rng: inout LCG) -> [Matrix] {
        let group = (0..<n).map { Double($0 % 2) }
        let cov = (0..<n).map { _ in rng.next() * 3 }
        return [
            Matrix(columns: [group.map { 1 - $0 }, group]),
            Matrix(columns: [[Double](repeating: 1, count: n), cov, group]),
            Matrix(columns: [[Double](repeating: 1, count: n), group, group]),
            Matrix(columns: [[Double](repeating: 1, count: n), cov, group, cov.map { $0 * $0 }, (0..<n).map { Double($0 % 3) }]),
            Matrix(columns: [[Double](repeating: 1, count: n)]),
        ]
    }

    @Test("lm.series gene by gene (weights, missing values, rank deficiency): bits of the plain routines, any thread count")
    func geneFitsMatchPlainRoutines() throws {
        defer { LimmaThreads.set(0) }
        var rng = LCG(state: 42)
        for n in [2, 3, 4, 7, 12, 33] {
            for design in Self.designs(n, &rng) {
                let ngenes = 203
                var M = Self.randomMatrix(&rng, ngenes, n, scale: 8)
                var W = Matrix(nrow: ngenes, ncol: n, values: (0..<(ngenes * n)).map { _ in rng.next() * 3 })
                for g in 0..<ngenes {
                    switch g % 13 {
                    case 1: M[g, g % n] = .nan
                    case 2: W[g, (g + 1) % n] = 0
                    case 3: W[g, 0] = .infinity
                    case 4: for j in 0..<n { M[g, j] = 1e-170 * Double(j + 1) }
                    case 5: for j in 0..<n { W[g, j] = 1e-300 }
                    case 6: M[g, 0] = .infinity
                    default: break
                    }
                }
                for weights in [W, nil] as [Matrix?] {
                    let ref: (coef: [Double], su: [Double], sigma: [Double], df: [Double])
                    do { ref = try Self.referenceGeneFits(M, design: design, weights: weights) } catch {
                        // Rank 0 for some gene: lmFit must give the same error.
                        #expect(throws: LimmaError.self) { try lmFit(M, design: design, weights: weights) }
                        continue
                    }
                    for threads in [1, 2, 3] {
                        LimmaThreads.set(threads)
                        let fit = try lmFit(M, design: design, weights: weights)
                        let label = "n=\(n) p=\(design.ncol) weighted=\(weights != nil) threads=\(threads)"
                        #expect(Self.bits(fit.coefficients.values) == Self.bits(ref.coef), "coef \(label)")
                        #expect(Self.bits(fit.stdevUnscaled.values) == Self.bits(ref.su), "stdev \(label)")
                        #expect(Self.bits(fit.sigma) == Self.bits(ref.sigma), "sigma \(label)")
                        #expect(fit.dfResidual == ref.df, "df \(label)")
                    }
                }
            }
        }
    }

    @Test("the one-QR fit (no weights, array weights, gls) equals lm.fit on t(M) column by column")
    func commonFitMatchesPlainRoutines() throws {
        defer { LimmaThreads.set(0) }
        var rng = LCG(state: 7)
        for n in [2, 3, 6, 12, 40] {
            for design in Self.designs(n, &rng) where design.ncol <= n {
                for ngenes in [1, 5, 203] {
                    let M = Self.randomMatrix(&rng, ngenes, n, scale: 10)
                    let aw = (0..<n).map { _ in rng.next() + 0.2 }
                    for arrayWeights in [false, true] {
                        var x = design, yt = M.transposed
                        if arrayWeights {
                            let s = aw.map { $0.squareRoot() }
                            for j in 0..<x.ncol { for i in 0..<n { x[i, j] = x[i, j] * s[i] } }
                            for g in 0..<ngenes { for i in 0..<n { yt[i, g] = yt[i, g] * s[i] } }
                        }
                        let qr = QRDecomposition(x)
                        let ls = qr.leastSquares(yt)
                        let df = n - qr.rank
                        let sigma = (0..<ngenes).map { g -> Double in
                            guard df > 0 else { return .nan }
                            let e2 = (qr.rank..<n).map { ls.effects[$0, g] * ls.effects[$0, g] }
                            if ngenes == 1 { return RBase.mean(e2).squareRoot() }
                            var s: RLongDouble = 0
                            for v in e2 { s += RLongDouble(v) }
                            return Double(s / RLongDouble(e2.count)).squareRoot()
                        }
                        for threads in [1, 2] {
                            LimmaThreads.set(threads)
                            let w = arrayWeights ? Matrix(nrow: 1, ncol: n, values: aw) : nil
                            let fit = try lmFit(M, design: design, weights: w)
                            let label = "n=\(n) p=\(design.ncol) genes=\(ngenes) aw=\(arrayWeights) threads=\(threads)"
                            #expect(Self.bits(fit.coefficients.values) == Self.bits(ls.coefficients.transposed.values), "coef \(label)")
                            #expect(Self.bits(fit.sigma) == Self.bits(sigma), "sigma \(label)")
                            #expect(fit.dfResidual == [Double](repeating: Double(df), count: ngenes), "df \(label)")
                        }
                    }
                    // gls: backsolve(chol(V), t(M)) then the same.
                    let block = (0..<n).map { String($0 / 2) }
                    let fit = try lmFit(M, design: design, block: block, correlation: 0.4)
                    var V = Matrix(nrow: n, ncol: n)
                    for j in 0..<n { for i in 0..<n { V[i, j] = i == j ? 1 : (block[i] == block[j] ? 0.4 : 0) } }
                    let U = try RLinAlg.chol(V)
                    let yt = try RLinAlg.backsolve(U, M.transposed, transpose: true)
                    let qr = QRDecomposition(try RLinAlg.backsolve(U, design, transpose: true))
                    #expect(Self.bits(fit.coefficients.values) == Self.bits(qr.leastSquares(yt).coefficients.transposed.values),
                            "gls coef n=\(n) p=\(design.ncol) genes=\(ngenes)")
                }
            }
        }
    }
}
