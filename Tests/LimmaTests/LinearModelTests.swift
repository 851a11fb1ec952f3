// lmFit / contrasts.fit / QR against live R (rscripts/tests/linear_models.R).
import Foundation
import Testing
import CLapack
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

    /// With missing values, zero weights and genes too sparse to fit (the
    /// Weights suite covers the complete-data cases).
    @Test func duplicateCorrelationMissingValues() throws {
        let dir = try RLive.run("linear_models.R", ["dups"])
        let y = try LM.read(dir, "y.csv"), design = try LM.read(dir, "design.csv")
        let block = try LM.block(dir), wt = try LM.read(dir, "weights.csv")
        func check(_ dc: DuplicateCorrelationResult, _ prefix: String) throws {
            expectParity([dc.consensusCorrelation], try RLive.vector(dir, prefix + "cor.csv"), "\(prefix) consensus")
            expectParity(dc.atanhCorrelations, try RLive.vector(dir, prefix + "atanh.csv"), "\(prefix) atanh correlations")
        }
        try check(try duplicateCorrelation(y, design: design, block: block), "b_")
        try check(try duplicateCorrelation(y, design: design, block: block, weights: wt), "bw_")
        let y2 = y.rows(Array(0..<96))
        try check(try duplicateCorrelation(y2, design: design, ndups: 2, spacing: 3, weights: wt.rows(Array(0..<96))), "dw_")
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

    /// The system reference BLAS (what R links to), called directly.
    enum SystemBLAS {
        static func nrm2(_ x: [Double]) -> Double {
            var n = Int32(x.count), inc: Int32 = 1
            return x.withUnsafeBufferPointer { dnrm2_(&n, $0.baseAddress, &inc) }
        }
        static func dot(_ x: [Double], _ y: [Double]) -> Double {
            var n = Int32(x.count), inc: Int32 = 1
            return x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { ddot_(&n, xb.baseAddress, &inc, $0.baseAddress, &inc) } }
        }
        static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
            var n = Int32(x.count), inc: Int32 = 1, aa = a
            x.withUnsafeBufferPointer { xb in y.withUnsafeMutableBufferPointer { daxpy_(&n, &aa, xb.baseAddress, &inc, $0.baseAddress, &inc) } }
        }
        static func scal(_ a: Double, _ x: inout [Double]) {
            var n = Int32(x.count), inc: Int32 = 1, aa = a
            x.withUnsafeMutableBufferPointer { dscal_(&n, &aa, $0.baseAddress, &inc) }
        }
    }

    @Test("BLAS1 in Swift equals the system reference BLAS bit for bit (dnrm2's scaling, zeros, NaN, Inf)")
    func swiftBLAS1MatchesLibrary() {
        var rng = LCG(state: 23)
        let specials: [Double] = [0, -0.0, 1e-300, -1e-170, 0x1p-511, 0x1p-512, 0x1p486, 0x1p487, 1e200, -1e300, 5e-324,
                                  .infinity, -.infinity, .nan, 1, -2.5]
        for trial in 0..<3000 {
            let n = trial % 40
            let x = (0..<n).map { i -> Double in
                let u = rng.next()
                if u < 0.15 { return specials[Int(rng.next() * Double(specials.count)) % specials.count] }
                let scale = Foundation.pow(10, Double(trial % 7) * 50 - 150)
                return (u - 0.5) * scale * (i % 3 == 0 ? 1e-3 : 1)
            }
            let y = (0..<n).map { _ in rng.next() * 6 - 3 }
            // Bits equal, or both NaN (which NaN an operation returns, sign and payload, is left open by
            // IEEE 754 and by the compiler's operand order; every NaN is NaN to R).
            func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
            #expect(same(BLAS1.nrm2(n, x), SystemBLAS.nrm2(x)), "nrm2 trial \(trial): \(x)")
            #expect(same(BLAS1.dot(n, x, y), SystemBLAS.dot(x, y)), "dot trial \(trial)")
            for a in [0.0, -0.0, 1.5, -3e-200] {
                var y1 = y, y2 = y
                BLAS1.axpy(n, a, x, &y1)
                SystemBLAS.axpy(a, x, &y2)
                #expect(zip(y1, y2).allSatisfy { same($0, $1) }, "axpy trial \(trial) a \(a)")
                var x1 = x, x2 = x
                BLAS1.scal(n, a, &x1)
                SystemBLAS.scal(a, &x2)
                #expect(zip(x1, x2).allSatisfy { same($0, $1) }, "scal trial \(trial) a \(a)")
            }
        }
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
                #expect(n2[l].bitPattern == SystemBLAS.nrm2(xs[l]).bitPattern, "nrm2 m=\(m) lane \(l)")
                #expect(d[l].bitPattern == SystemBLAS.dot(xs[l], ys[l]).bitPattern, "dot m=\(m) lane \(l)")
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
                        #expect(Self.bits(fit.Amean ?? []) == Self.bits(RBase.rowMeans(M, naRM: true)), "Amean \(label)")
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
                            #expect(Self.bits(fit.Amean ?? []) == Self.bits(RBase.rowMeans(M, naRM: true)), "Amean \(label)")
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
                    #expect(Self.bits(fit.Amean ?? []) == Self.bits(RBase.rowMeans(M, naRM: true)), "gls Amean")
                }
            }
        }
    }

    @Test("dpotrf (dpotrf2 recursion) and dtrsm in Swift equal LAPACK's bit for bit, errors included")
    func choleskyAndTriangularSolve() throws {
        var rng = LCG(state: 3)
        for n in 1...40 {
            // A positive definite V (block correlation scaled by weights) and a random symmetric one.
            var V = Matrix(nrow: n, ncol: n)
            let w = (0..<n).map { _ in rng.next() * 4 + 0.01 }
            for j in 0..<n { for i in 0..<n { V[i, j] = (i == j ? 1 : (i / 3 == j / 3 ? 0.37 : 0)) / (w[i] * w[j]).squareRoot() } }
            var S = Self.randomMatrix(&rng, n, n)
            for j in 0..<n { for i in 0..<j { S[j, i] = S[i, j] } }
            for A in [V, S] {
                var a = A.values
                let info = RLinAlg.potrfUpper(&a, n: n, lda: n)
                do {
                    let U = try RLinAlg.chol(A)
                    #expect(info == 0, "n=\(n)")
                    for j in 0..<n { for i in 0...j { #expect(a[j * n + i].bitPattern == U[i, j].bitPattern, "chol n=\(n) [\(i),\(j)]") } }
                    let B = Self.randomMatrix(&rng, n, 3, scale: 5)
                    var b = B.values
                    RLinAlg.trsmUpperTransposed(U.values, lda: n, m: n, b: &b, ldb: n, ncols: 3)
                    #expect(Self.bits(b) == Self.bits(try RLinAlg.backsolve(U, B, transpose: true).values), "trsm n=\(n)")
                } catch let e as LimmaError {
                    #expect(e.message == "the leading minor of order \(info) is not positive definite", "n=\(n) info \(info)")
                }
            }
        }
    }

    /// gls.series gene by gene as written before the workspace: chol,
    /// backsolve, QRDecomposition, chol2inv and %*% on Matrix values.
    static func referenceGls(_ M0: Matrix, design: Matrix, block: [String], correlation: Double, weights: Matrix?) throws
        -> (coef: [Double], su: [Double], sigma: [Double], df: [Double]) {
        var M = M0, W = weights
        let ngenes = M.nrow, narrays = M.ncol, nbeta = design.ncol
        if var w = W {
            for k in 0..<w.values.count where w.values[k].isNaN || w.values[k] < 1e-15 { M.values[k] = .nan; w.values[k] = .nan }
            W = w
        }
        var C = Matrix(nrow: narrays, ncol: narrays)
        for j in 0..<narrays { for i in 0..<narrays { C[i, j] = i == j ? 1 : (block[i] == block[j] ? correlation : 0) } }
        var coef = [Double](repeating: .nan, count: ngenes * nbeta), su = coef
        var sigma = [Double](repeating: .nan, count: ngenes), df = [Double](repeating: 0, count: ngenes)
        for g in 0..<ngenes {
            let o = (0..<narrays).filter { M[g, $0].isFinite }
            let n = o.count
            if n == 0 { continue }
            let X0 = design.rows(o)
            var V = C.rows(o).columns(o)
            if let W {
                let wrs = o.map { 1 / W[g, $0].squareRoot() }
                for j in 0..<n { for i in 0..<n { V[i, j] = wrs[i] * (wrs[j] * V[i, j]) } }
            }
            let U = try RLinAlg.chol(V)
            let yv = try RLinAlg.backsolve(U, Matrix(nrow: n, ncol: 1, values: o.map { M[g, $0] }), transpose: true)
            if X0.values.allSatisfy({ $0 == 0 }) {
                df[g] = Double(n)
                let y2 = Matrix(nrow: n, ncol: 1, values: yv.values.map { $0 * $0 })
                sigma[g] = RLinAlg.matprod(Matrix(nrow: 1, ncol: n, repeating: 1 / Double(n)), y2).values[0].squareRoot()
                continue
            }
            let qr = QRDecomposition(try RLinAlg.backsolve(U, X0, transpose: true))
            let ls = qr.leastSquares(yv.values, residuals: true)
            for j in 0..<nbeta { coef[j * ngenes + g] = ls.coefficients[j] }
            let cov = try RLinAlg.chol2inv(qr.qr, size: qr.rank)
            for k in 0..<qr.rank { su[qr.pivot[k] * ngenes + g] = cov[k, k].squareRoot() }
            df[g] = Double(n - qr.rank)
            if n > qr.rank, let r = ls.residuals {
                let r2 = Matrix(nrow: n, ncol: 1, values: r.map { $0 * $0 })
                sigma[g] = RLinAlg.matprod(Matrix(nrow: 1, ncol: n, repeating: 1 / Double(n - qr.rank)), r2).values[0].squareRoot()
            }
        }
        return (coef, su, sigma, df)
    }

    @Test("gls.series gene by gene (block correlation, weights, missing values): bits of the plain routines")
    func glsGeneFitsMatchPlainRoutines() throws {
        defer { LimmaThreads.set(0) }
        var rng = LCG(state: 99)
        for n in [3, 4, 7, 12] {
            let block = (0..<n).map { String($0 % 3) }
            for design in Self.designs(n, &rng) {
                let ngenes = 150
                var M = Self.randomMatrix(&rng, ngenes, n, scale: 6)
                var W = Matrix(nrow: ngenes, ncol: n, values: (0..<(ngenes * n)).map { _ in rng.next() * 3 + 0.05 })
                for g in 0..<ngenes {
                    switch g % 11 {
                    case 1: M[g, g % n] = .nan
                    case 2: W[g, (g + 1) % n] = 1e-16
                    case 3: W[g, 0] = .nan
                    default: break
                    }
                }
                for (weights, correlation) in [(W, 0.3), (nil, -0.2), (W, 0.8)] as [(Matrix?, Double)] {
                    var M2 = M
                    if weights == nil { M2[0, 0] = .nan }  // gene by gene also without weights
                    let ref: (coef: [Double], su: [Double], sigma: [Double], df: [Double])
                    do { ref = try Self.referenceGls(M2, design: design, block: block, correlation: correlation, weights: weights) } catch let e as LimmaError {
                        #expect(throws: LimmaError("lmFit", e.message)) {
                            try lmFit(M2, design: design, weights: weights, block: block, correlation: correlation)
                        }
                        continue
                    }
                    for threads in [1, 2] {
                        LimmaThreads.set(threads)
                        let fit = try lmFit(M2, design: design, weights: weights, block: block, correlation: correlation)
                        let label = "n=\(n) p=\(design.ncol) weighted=\(weights != nil) cor=\(correlation) threads=\(threads)"
                        #expect(Self.bits(fit.coefficients.values) == Self.bits(ref.coef), "coef \(label)")
                        #expect(Self.bits(fit.stdevUnscaled.values) == Self.bits(ref.su), "stdev \(label)")
                        #expect(Self.bits(fit.sigma) == Self.bits(ref.sigma), "sigma \(label)")
                        #expect(fit.dfResidual == ref.df, "df \(label)")
                    }
                }
            }
        }
    }

    @Test("statmod's mixedModel2Fit on the workspace equals the Matrix-based original bit for bit")
    func mixedModelMatchesPlainRoutines() throws {
        var rng = LCG(state: 17)
        var compared = 0, glm = 0
        for trial in 0..<400 {
            let nobs = 5 + trial % 9, nbeta = 1 + trial % 3, nblocks = 2 + trial % 3
            guard nobs > nbeta + 2 && nblocks < nobs - 1 else { continue }
            let y = (0..<nobs).map { i in rng.next() * 4 - 2 + Double(i % nblocks) * (trial % 2 == 0 ? 0.8 : 0) }
            let w: [Double]? = trial % 3 == 0 ? nil : (0..<nobs).map { _ in rng.next() * 2 + 0.05 }
            var X = Matrix(nrow: nobs, ncol: nbeta)
            for i in 0..<nobs {
                X[i, 0] = 1
                if nbeta > 1 { X[i, 1] = Double(i % 2) }
                if nbeta > 2 { X[i, 2] = trial % 5 == 0 ? Double(i % 2) : rng.next() }  // sometimes aliased
            }
            let blockOf = (0..<nobs).map { $0 % nblocks }
            var Z = Matrix(nrow: nobs, ncol: nblocks)
            for i in 0..<nobs { Z[i, blockOf[i]] = 1 }
            let ref = try? ReferenceMixedModel2.varcomp(y: y, X: X, Z: Z, w: w, maxit: 20)
            let ws = MixedModel2.Workspace(n: nobs, p: nbeta, blocks: nblocks)
            for i in 0..<nobs {
                ws.y[i] = y[i]
                ws.blockOf[i] = blockOf[i]
                if let w { ws.w[i] = w[i] }
                for c in 0..<nbeta { ws.x[c * nobs + i] = X[i, c] }
            }
            let new = try? MixedModel2.varcomp(ws, n: nobs, p: nbeta, blocks: nblocks, weighted: w != nil, maxit: 20)
            #expect((ref == nil) == (new == nil), "trial \(trial): one threw")
            if let ref, let new {
                #expect(ref.0.bitPattern == new.0.bitPattern && ref.1.bitPattern == new.1.bitPattern, "trial \(trial): \(ref) vs \(new)")
                compared += 1
                if nobs - nbeta > 2 { glm += 1 }
            }
        }
        #expect(compared > 200 && glm > 100)
    }
}

/// statmod's `mixedModel2Fit` and `glmgam.fit` as written before the workspace
/// (Matrix values, RLinAlg, QRDecomposition): the reference the allocation-free
/// `MixedModel2` must equal bit for bit.
enum ReferenceMixedModel2 {
    /// The variance components (residual, block); NaN pair when R's would be NA.
    static func varcomp(y y0: [Double], X X0: Matrix, Z: Matrix, w: [Double]?, tol: Double = 1e-6, maxit: Int) throws -> (Double, Double) {
        var y = y0, X = X0
        if let w {
            let sw = w.map { $0.squareRoot() }
            y = (0..<y.count).map { sw[$0] * y0[$0] }
            for j in 0..<X.ncol { for i in 0..<X.nrow { X[i, j] = sw[i] * X0[i, j] } }
        }
        let mx = X.nrow, nz = Z.ncol
        let qr = QRDecomposition(X)
        let ls = qr.leastSquares(Matrix(nrow: mx, ncol: nz + 1, values: Z.values + y))
        let r = qr.rank
        let mq = mx - r
        if mq == 0 { return (.nan, .nan) }
        var qtz = Matrix(nrow: mq, ncol: nz)
        for j in 0..<nz { for i in 0..<mq { qtz[i, j] = ls.effects[r + i, j] } }
        let qty = Matrix(nrow: mq, ncol: 1, values: (0..<mq).map { ls.effects[r + $0, nz] })
        let (sv, u) = try laSvdU(qtz, nu: mq)
        let uqy = RLinAlg.matprod(u.transposed, qty)
        var d = [Double](repeating: 0, count: mq)
        for k in 0..<sv.count { d[k] = sv[k] * sv[k] }
        let dx = Matrix(columns: [[Double](repeating: 1, count: mq), d])
        let dy = uqy.values.map { $0 * $0 }
        let dqr = QRDecomposition(dx)
        let dls = dqr.leastSquares(dy, residuals: true)
        var coef = dls.coefficients
        let fitted = (0..<mq).map { dy[$0] - dls.residuals![$0] }
        if mq > 2 && d.filter({ abs($0) > 1e-15 }).count > 1 && rVar(d) > 1e-15 {
            let start = fitted.allSatisfy({ $0 >= 0 }) ? coef : [RBase.mean(dy), 0]
            coef = try glmgamFit(dx, dy, start: start, tol: tol, maxit: maxit)
        }
        return (coef[0], coef[1])
    }

    /// statmod's `glmgam.fit(X, y, coef.start, tol, maxit)`: gamma GLM with
    /// identity link by Levenberg-damped Fisher scoring. Returns the
    /// coefficients; throws where R stops (negative starting fitted values,
    /// a non-positive-definite damped information).
    static func glmgamFit(_ X: Matrix, _ y: [Double], start: [Double], tol: Double, maxit: Int) throws -> [Double] {
        let n = X.nrow, p = X.ncol
        guard y.allSatisfy({ $0 >= 0 }) else { throw LimmaError("glmgam.fit", "y must be non-negative") }
        let maxy = y.max() ?? 0
        if maxy == 0 { return [Double](repeating: 0, count: p) }
        var beta = Matrix(nrow: p, ncol: 1, values: start)
        var mu = RLinAlg.matprod(X, beta).values
        if mu.contains(where: { $0 < 0 }) { throw LimmaError("glmgam.fit", "Starting values give negative fitted values") }
        var dev = devianceGamma(y, mu)
        var iter = 0
        var lambda = 0.0
        while true {
            iter += 1
            var v = mu.map { $0 * $0 }
            let vmax = (v.max() ?? 0) / 1000
            v = v.map { max($0, vmax) }
            var vx = X
            for j in 0..<p { for i in 0..<n { vx[i, j] = (1 / v[i]) * X[i, j] } }
            let xvx = rCrossprod(X, vx)
            let diag = (0..<p).map { xvx[$0, $0] }
            let maxinfo = diag.max() ?? 0
            if iter == 1 { lambda = abs(RBase.mean(diag)) / Double(p) }
            let dl = rCrossprod(X, Matrix(nrow: n, ncol: 1, values: (0..<n).map { (y[$0] - mu[$0]) / v[$0] }))
            let betaold = beta
            let devold = dev
            var lev = 0
            var dbeta = Matrix(nrow: p, ncol: 1)
            while true {
                lev += 1
                var a = xvx
                for k in 0..<p { a[k, k] = xvx[k, k] + lambda * 1 }
                for j in 0..<p { for i in 0..<p where i != j { a[i, j] = xvx[i, j] + lambda * 0 } }
                let R = try RLinAlg.chol(a, function: "chol")
                dbeta = try RLinAlg.backsolve(R, try RLinAlg.backsolve(R, dl, transpose: true, function: "backsolve"),
                                              transpose: false, function: "backsolve")
                beta = Matrix(nrow: p, ncol: 1, values: (0..<p).map { betaold.values[$0] + dbeta.values[$0] })
                mu = RLinAlg.matprod(X, beta).values
                dev = devianceGamma(y, mu)
                if dev <= devold || dev / (mu.max() ?? .nan) < 1e-15 { break }
                if lambda / maxinfo > 1e15 {
                    beta = betaold
                    break
                }
                lambda = 2 * lambda
            }
            if lambda / maxinfo > 1e15 { break }
            if lev == 1 { lambda = lambda / 10 }
            if rCrossprod(dl, dbeta).values[0] < tol || dev / (mu.max() ?? .nan) < 1e-15 { break }
            if iter > maxit { break }
        }
        return beta.values
    }

    /// statmod's unit gamma deviance `2 * sum((y - mu)/mu - log(y/mu))`, pairs
    /// with both y and mu below 1e-15 left out; Inf for negative mu.
    static func devianceGamma(_ y: [Double], _ mu: [Double]) -> Double {
        if mu.contains(where: { $0 < 0 }) { return .infinity }
        let keep = (0..<y.count).filter { !(y[$0] < 1e-15 && mu[$0] < 1e-15) }
        if keep.isEmpty { return 0 }
        return 2 * RBase.sum(keep.map { (y[$0] - mu[$0]) / mu[$0] - log(y[$0] / mu[$0]) })
    }

    /// R's `var(x)` for one vector (cov.c: long-double two-pass mean, then
    /// the long-double sum of squared deviations over n - 1).
    static func rVar(_ x: [Double]) -> Double {
        let n = x.count
        if n < 2 { return .nan }
        var s: RLongDouble = 0
        for v in x { s += RLongDouble(v) }
        var m = s / RLongDouble(n)
        if Double(m).isFinite {
            var t: RLongDouble = 0
            for v in x { t += RLongDouble(v) - m }
            m = m + t / RLongDouble(n)
        }
        let xm = Double(m)
        var ss: RLongDouble = 0
        for v in x { let d = v - xm; ss += RLongDouble(d * d) }
        return Double(ss / RLongDouble(n - 1))
    }

    /// R's `La.svd(x, nu, nv = 0)`: LAPACK `dgesdd` with job "A" when `nu`
    /// exceeds min(n, p), else "S"; returns the singular values and the first
    /// `nu` left singular vectors.
    static func laSvdU(_ x: Matrix, nu: Int) throws -> ([Double], Matrix) {
        let n = x.nrow, p = x.ncol
        let np = min(n, p)
        let jobA = nu > np
        var job = CChar(UInt8(ascii: jobA ? "A" : "S"))
        let ucols = jobA ? n : np
        let vrows = jobA ? p : np
        var a = x.values
        var s = [Double](repeating: 0, count: np)
        var u = [Double](repeating: 0, count: n * ucols)
        var vt = [Double](repeating: 0, count: vrows * p)
        var iwork = [Int32](repeating: 0, count: 8 * np)
        var nn = Int32(n), pp = Int32(p), ldu = Int32(n), ldvt = Int32(vrows), info: Int32 = 0
        var lwork: Int32 = -1
        var tmp = 0.0
        dgesdd_(&job, &nn, &pp, &a, &nn, &s, &u, &ldu, &vt, &ldvt, &tmp, &lwork, &iwork, &info)
        guard info == 0 else { throw LimmaError("La.svd", "error code \(info) from Lapack routine 'dgesdd'") }
        lwork = Int32(tmp)
        var work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(&job, &nn, &pp, &a, &nn, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { throw LimmaError("La.svd", "error code \(info) from Lapack routine 'dgesdd'") }
        let k = min(nu, ucols)
        return (s, Matrix(nrow: n, ncol: k, values: Array(u[0..<(n * k)])))
    }
}

