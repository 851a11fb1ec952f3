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
