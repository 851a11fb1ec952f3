// limma's smoothing-by-weights, MDS and sample weights against live R
// (rscripts/tests/weights.R): loessFit/weightedLowess, plotMDS,
// arrayWeights, voomWithQualityWeights.
import Foundation
import Testing
@testable import Limma

@Suite("Weights", .serialized)
struct WeightsTests {
    static func expectParity(_ engine: [Double], _ r: [Double], _ what: String, rel: Double = 1e-10) {
        let res = Parity(rel: rel).compare(engine: engine, r: r)
        #expect(res.pass, "\(what): \(res)")
    }

    static func column(_ m: Matrix, _ name: String) -> [Double] {
        m.column(m.columnIndex(named: name)!)
    }

    @Test(.enabled(if: RLive.available))
    func loessFitMatchesR() throws {
        let dir = try RLive.run("weights.R", ["loessfit"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = ["noweights", "weights", "weights75", "noweights75", "ties", "tiesnoweights", "missing", "iter1",
                     "small", "equalw", "zeroweights", "one", "few", "fewzero"]
        for c in cases {
            let m = try RLive.matrix(dir, "loess_\(c).csv").matrix
            let a = try RLive.vector(dir, "loessargs_\(c).csv")
            let x = Self.column(m, "x"), y = Self.column(m, "y")
            let w: [Double]? = a[2] == 1 ? nil : Self.column(m, "w")
            let fit = try loessFit(y: y, x: x, weights: w, span: a[0], iterations: Int(a[1]), minWeight: a[3])
            Self.expectParity(fit.fitted, Self.column(m, "fitted"), "\(c) fitted")
            Self.expectParity(fit.residuals, Self.column(m, "residuals"), "\(c) residuals")
        }
    }

    @Test func loessFitBadInput() {
        #expect(throws: LimmaError.self) { try loessFit(y: [1, 2, 3], x: [1, 2]) }
        #expect(throws: LimmaError.self) { try loessFit(y: [1, 2, 3], x: [1, 2, 3], weights: [1]) }
        #expect(throws: LimmaError.self) { try loessFit(y: [1, 2, 3], x: [1, 2, 3], method: "spline") }
        #expect(throws: LimmaError.self) { try loessFit(y: [1, 2, 3], x: [1, 2, 3], span: -1) }
        #expect(throws: LimmaError.self) { try weightedLowess(x: [1], y: [1]) }
        // All missing: all NA, no error.
        let r = try? loessFit(y: [.nan, 1], x: [1, .nan])
        #expect(r?.fitted.allSatisfy { $0.isNaN } == true)
    }

    @Test(.enabled(if: RLive.available))
    func plotMDSMatchesR() throws {
        let dir = try RLive.run("weights.R", ["mds"])
        defer { try? FileManager.default.removeItem(at: dir) }
        // logCPM computed by the engine from the raw counts (edgeR cpm with
        // log = TRUE), checked against R's, then fed to plotMDS.
        let counts = try MatrixReader.read(RLive.path("reference/data/gse60450/counts.csv.gz")).matrix
        let lcpm = try cpm(DGEList(counts: counts), log: true)
        Self.expectParity(lcpm.values, try RLive.matrix(dir, "lcpm.csv").matrix.values, "cpm(log = TRUE)")
        for sel in ["pairwise", "common"] {
            for dp in [(1, 2), (3, 5)] {
                let tag = "\(sel)_\(dp.0)\(dp.1)"
                let m = try plotMDS(lcpm, top: 500, geneSelection: sel, dimPlot: dp)
                Self.expectParity(m.eigenValues, try RLive.vector(dir, "mds_\(tag)_values.csv"), "\(tag) eigen.values")
                // Same LAPACK routine (dsyevr) on bit-identical input: the
                // eigenvector signs agree with R's without any alignment.
                Self.expectParity(m.eigenVectors.values, try RLive.matrix(dir, "mds_\(tag)_vectors.csv").matrix.values, "\(tag) eigen.vectors")
                Self.expectParity(m.varExplained, try RLive.vector(dir, "mds_\(tag)_varexp.csv"), "\(tag) var.explained")
                Self.expectParity(m.distanceMatrixSquared.values, try RLive.matrix(dir, "mds_\(tag)_dist.csv").matrix.values, "\(tag) distance.matrix.squared")
                let xy = try RLive.matrix(dir, "mds_\(tag)_xy.csv").matrix
                Self.expectParity(m.x, xy.column(0), "\(tag) x")
                Self.expectParity(m.y, xy.column(1), "\(tag) y")
                #expect(m.top == 500 && m.geneSelection == sel && m.warnings.isEmpty)
            }
        }
        let small = try RLive.matrix(dir, "small.csv").matrix
        for (tag, m) in [("small", try plotMDS(EList(E: small))), ("smallc", try plotMDS(small, top: 5, geneSelection: "common"))] {
            Self.expectParity(m.eigenValues, try RLive.vector(dir, "mds_\(tag)_values.csv"), "\(tag) eigen.values")
            let xy = try RLive.matrix(dir, "mds_\(tag)_xy.csv").matrix
            Self.expectParity(m.x, xy.column(0), "\(tag) x")
            Self.expectParity(m.y, xy.column(1), "\(tag) y")
        }
    }

    @Test func plotMDSBadInputAndWarnings() throws {
        let two = Matrix(rows: [[1, 2], [3, 4], [5, 7]])
        #expect(throws: LimmaError.self) { try plotMDS(two) }
        let m = Matrix(rows: [[1, 2, 3], [3, 4, 1], [5, 7, 2], [1, 1, 1]])
        #expect(throws: LimmaError.self) { try plotMDS(m, dimPlot: (1, 1)) }
        #expect(throws: LimmaError.self) { try plotMDS(m, dimPlot: (1, 4)) }
        #expect(throws: LimmaError.self) { try plotMDS(m, geneSelection: "x") }
        #expect(throws: LimmaError.self) { try plotMDS(m, top: 0) }
        // Three samples: the third dimension of a double-centred matrix is zero.
        let r = try plotMDS(m, dimPlot: (2, 3))
        #expect(r.warnings.contains { $0.message == "dimension 3 is degenerate or all zero" })
    }

    @Test(.enabled(if: RLive.available))
    func arrayWeightsMatchesR() throws {
        let dir = try RLive.run("weights.R", ["arrayweights"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let E = try RLive.matrix(dir, "E.csv").matrix
        let W = try RLive.matrix(dir, "W.csv").matrix
        let design = try RLive.matrix(dir, "design.csv").matrix
        let aw = try RLive.matrix(dir, "aw.csv").matrix
        let nwarn = try RLive.matrix(dir, "aw_warnings.csv").matrix
        let v = EList(E: E, weights: W)
        let group = ["basal", "basal", "basal", "basal", "basal", "basal", "luminal", "luminal", "luminal", "luminal", "luminal", "luminal"]
        let ena = try RLive.matrix(dir, "Ena.csv").matrix
        let wz = try RLive.matrix(dir, "Wz.csv").matrix
        let first = { (n: Int) in Array(0..<n) }
        let E2k = E.rows(first(2000))
        let cases: [(String, () throws -> ArrayWeightsResult)] = [
            ("gbg", { try arrayWeights(v, design: design) }),
            ("reml", { try arrayWeights(E, design: design) }),
            ("gbgnoweights", { try arrayWeights(E2k, design: design, method: "genebygene") }),
            ("vargroup", { try arrayWeights(E2k, design: design, varGroup: group) }),
            ("nodesign", { try arrayWeights(E2k) }),
            ("prwtsreml", { try arrayWeights(E.rows(first(500)), design: design, weights: W.rows(first(500)), method: "reml") }),
            ("maxiter", { try arrayWeights(E2k, design: design, maxiter: 2) }),
            ("priorn", { try arrayWeights(E.rows(first(500)), design: design, priorN: 3) }),
            ("na", { try arrayWeights(ena, design: design) }),
            ("naremlmsg", { try arrayWeights(ena, design: design, method: "reml") }),
            ("zeroweights", { try arrayWeights(E.rows(first(2000)), design: design, weights: wz) }),
        ]
        for (name, run) in cases {
            let r = try run()
            Self.expectParity(r.weights, Self.column(aw, name), "arrayWeights \(name)")
            let k = nwarn.rowNames!.firstIndex(of: name)!
            #expect(r.warnings.count == Int(nwarn.values[k]), "\(name) warnings \(r.warnings)")
        }
        // var.design = cbind(log(lib.size), (1:12) %% 3), as R wrote it.
        let libVar = try RLive.matrix(dir, "vardesign.csv").matrix
        let r = try arrayWeights(E2k, design: design, varDesign: libVar)
        Self.expectParity(r.weights, Self.column(aw, "vardesign"), "arrayWeights vardesign")
        let msg = try arrayWeights(ena, design: design, method: "reml").messages
        #expect(msg == ["removing 5 rows with missing or infinite values"])
    }

    @Test func arrayWeightsBadInput() throws {
        let E = Matrix(nrow: 5, ncol: 4, values: (0..<20).map { Double($0 % 7) + 0.1 * Double($0) })
        #expect(throws: LimmaError.self) { try arrayWeights(E, method: "bogus") }
        #expect(throws: LimmaError.self) { try arrayWeights(E, weights: Matrix(nrow: 2, ncol: 4, repeating: 1)) }
        #expect(throws: LimmaError.self) { try arrayWeights(E, weights: Matrix(nrow: 5, ncol: 4, repeating: -1)) }
        #expect(throws: LimmaError.self) { try arrayWeights(E, weights: Matrix(nrow: 5, ncol: 4, repeating: .nan)) }
        #expect(throws: LimmaError.self) { try arrayWeights(E, varGroup: ["a", "a", "a", "a"]) }
        #expect(throws: LimmaError.self) { try arrayWeights(E, varGroup: ["a", "b"]) }
        #expect(throws: LimmaError.self) { try arrayWeights(E, design: Matrix(nrow: 3, ncol: 1, repeating: 1)) }
        // Too few residual df or genes: unit weights, as R returns them.
        #expect(try arrayWeights(E, design: Matrix(rows: [[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]])).weights == [1, 1, 1, 1])
        #expect(try arrayWeights(E.rows([0])).weights == [1, 1, 1, 1])
    }

    @Test(.enabled(if: RLive.available))
    func voomWithQualityWeightsMatchesR() throws {
        let dir = try RLive.run("weights.R", ["vqw"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let counts = try RLive.matrix(dir, "counts.csv").matrix
        let design = try RLive.matrix(dir, "design.csv").matrix
        let lib = try RLive.vector(dir, "libsize.csv")
        let v = try voomWithQualityWeights(DGEList(counts: counts), design: design, libSize: lib)
        Self.expectParity(v.E.values, try RLive.matrix(dir, "vqw_E.csv").matrix.values, "vqw E")
        Self.expectParity(v.weights!.values, try RLive.matrix(dir, "vqw_weights.csv").matrix.values, "vqw weights")
        Self.expectParity(v.sampleWeights!, try RLive.vector(dir, "vqw_sw.csv"), "vqw sample.weights")
        #expect(v.warnings.isEmpty)

        let group = ["basal", "basal", "basal", "basal", "basal", "basal", "luminal", "luminal", "luminal", "luminal", "luminal", "luminal"]
        let v2 = try voomWithQualityWeights(counts.rows(Array(0..<600)), design: design, libSize: lib, varGroup: group, method: "reml")
        Self.expectParity(v2.weights!.values, try RLive.matrix(dir, "vqw2_weights.csv").matrix.values, "vqw var.group reml weights")
        Self.expectParity(v2.sampleWeights!, try RLive.vector(dir, "vqw2_sw.csv"), "vqw var.group reml sample.weights")

        let v3 = try voomWithQualityWeights(counts.rows(Array(0..<600)), design: design, libSize: lib, version: .v3_66)
        Self.expectParity(v3.weights!.values, try RLive.matrix(dir, "vqw3_weights.csv").matrix.values, "vqw 3.66 adaptive span weights")
        Self.expectParity(v3.sampleWeights!, try RLive.vector(dir, "vqw3_sw.csv"), "vqw 3.66 adaptive span sample.weights")
    }

    @Test(.enabled(if: RLive.available))
    func removeBatchEffectMatchesR() throws {
        let dir = try RLive.run("weights.R", ["removebatch"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = try RLive.matrix(dir, "x.csv").matrix
        let w = try RLive.matrix(dir, "w.csv").matrix
        let cov = try RLive.matrix(dir, "cov.csv").matrix
        let batch = ["b", "A", "c", "b", "A", "c", "b", "A", "c", "b", "A", "c"]
        let batch2 = ["x", "x", "x", "x", "x", "x", "y", "y", "y", "y", "y", "y"]
        let group = (0..<12).map { $0 % 2 == 0 ? "ctl" : "trt" }
        let design = Matrix(columns: [[Double](repeating: 1, count: 12), group.map { $0 == "trt" ? 1 : 0 }])
        let cases: [(String, Matrix)] = [
            ("batch", try removeBatchEffect(x, batch: batch)),
            ("batch2", try removeBatchEffect(x, batch: batch, batch2: batch2, design: design)),
            ("cov", try removeBatchEffect(x, covariates: cov, design: design)),
            ("weights", try removeBatchEffect(x, batch: batch, covariates: cov.columns([0]), design: design, weights: w)),
            ("366", try removeBatchEffect(x, batch: batch, covariates: cov, group: group, version: .v3_66)),
        ]
        for (name, m) in cases {
            Self.expectParity(m.values, try RLive.matrix(dir, "rbe_\(name).csv").matrix.values, "removeBatchEffect \(name)")
        }
        #expect(try removeBatchEffect(x) == x)
        #expect(throws: LimmaError.self) { try removeBatchEffect(x, batch: ["a", "b"]) }
        #expect(throws: LimmaError.self) { try removeBatchEffect(x, batch: [String](repeating: "a", count: 12)) }
        #expect(throws: LimmaError.self) { try removeBatchEffect(x, batch: batch, group: group) }
    }

    @Test(.enabled(if: RLive.available))
    func duplicateCorrelationMatchesR() throws {
        let dir = try RLive.run("weights.R", ["dupcor"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let E = try RLive.matrix(dir, "E.csv").matrix
        let W = try RLive.matrix(dir, "W.csv").matrix
        let design = try RLive.matrix(dir, "design.csv").matrix
        let d = try RLive.matrix(dir, "dups.csv").matrix
        let block = (0..<12).map { String($0 % 4 + 1) }
        let dd = Matrix(columns: [[1, 1, 1, 1, 1, 1], [0, 0, 0, 1, 1, 1]])
        let cases: [(String, DuplicateCorrelationResult)] = [
            ("block", try duplicateCorrelation(E, design: design, block: block)),
            ("blockw", try duplicateCorrelation(EList(E: E, weights: W, design: design), block: block)),
            ("blocknodesign", try duplicateCorrelation(E.rows(Array(0..<400)), block: block, trim: 0.3)),
            ("dups", try duplicateCorrelation(d, design: dd, ndups: 2)),
            ("dupsspacing", try duplicateCorrelation(d, design: dd, ndups: 2, spacing: 3)),
            ("dups3", try duplicateCorrelation(d, ndups: 3)),
        ]
        for (name, r) in cases {
            Self.expectParity([r.consensusCorrelation], try RLive.vector(dir, "dc_\(name)_cons.csv"), "duplicateCorrelation \(name) consensus")
            Self.expectParity(r.atanhCorrelations, try RLive.vector(dir, "dc_\(name)_atanh.csv"), "duplicateCorrelation \(name) atanh.correlations")
        }
    }

    @Test func duplicateCorrelationEarlyReturnsAndBadInput() throws {
        let x = Matrix(nrow: 6, ncol: 4, values: (0..<24).map { sin(Double($0)) })
        let solo = try duplicateCorrelation(x, block: ["a", "b", "c", "d"])
        #expect(solo.consensusCorrelation == 0 && solo.warnings.first?.message == "Blocks all of size 1: setting intrablock correlation to zero.")
        let design = Matrix(columns: [[1, 1, 1, 1], [0, 0, 1, 1]])
        let enc = try duplicateCorrelation(x, design: design, block: ["a", "a", "b", "b"])
        #expect(enc.consensusCorrelation == 0 && enc.warnings.first?.message == "Block factor already encoded in the design matrix: setting intrablock correlation to zero.")
        let nodup = try duplicateCorrelation(x, ndups: 1)
        #expect(nodup.atanhCorrelations == [0, 0, 0, 0, 0, 0] && nodup.warnings.count == 1)
        let rd = try duplicateCorrelation(x, design: Matrix(columns: [[1, 1, 1, 1], [2, 2, 2, 2]]), ndups: 2)
        #expect(rd.messages == ["Note: design matrix not of full rank (1 coef not estimable)."])
        #expect(throws: LimmaError.self) { try duplicateCorrelation(x, design: Matrix(nrow: 3, ncol: 1, repeating: 1)) }
        #expect(throws: LimmaError.self) { try duplicateCorrelation(x, block: ["a", "b"]) }
        #expect(throws: LimmaError.self) { try duplicateCorrelation(x, ndups: 4) }
        #expect(try unwrapdups(Matrix(rows: [[1, 2], [3, 4], [5, 6], [7, 8]]), ndups: 2) == Matrix(rows: [[1, 3, 2, 4], [5, 7, 6, 8]]))
    }
}
