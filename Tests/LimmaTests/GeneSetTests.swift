import Testing
import Foundation
@testable import Limma

/// limma's gene set tests (camera, fry, roast, mroast) and R's default random
/// number generator against live R (rscripts/tests/genesets.R).
@Suite struct GeneSetTests {
    /// The project's parity comparison (rel 1e-10, abs 1e-12), shared with VoomTests.
    static func expectParity(_ engine: [Double], _ r: [Double], _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        VoomTests.expectParity(engine, r, what, sourceLocation: sourceLocation)
    }

    // MARK: R's random numbers

    @Test(.enabled(if: RLive.available)) func rRandomMatchesSetSeed() throws {
        let dir = try RLive.run("genesets.R", ["rng"])
        var g = RRandom(seed: 42)
        #expect(g.runif(10) == (try RLive.vector(dir, "rng_unif42.csv")))
        #expect(g.rnorm(10) == (try RLive.vector(dir, "rng_norm42.csv")))
        var h = RRandom(seed: -123)
        #expect(h.rnorm(700) == (try RLive.vector(dir, "rng_norm_m123.csv")))
        var k = try RRandom.setSeed(2147483647)
        #expect(k.runif(1300) == (try RLive.vector(dir, "rng_unif_max.csv")))
        var z = RRandom(seed: 0)
        #expect(z.rnorm(5) == (try RLive.vector(dir, "rng_norm0.csv")))
        var s = RRandom(seed: 42)
        var draws = [Int]()
        for (n, size, replace) in [(100, 10, false), (27179, 20, false), (5, 5, false), (10, 3, true), (70000, 1, false),
                                   (1 << 20 + 3, 4, false)] {
            draws += try s.sampleInt(n, size: size, replace: replace).map { $0 + 1 }
        }
        #expect(draws.map(Double.init) == (try RLive.vector(dir, "rng_sample.csv")))
    }

    @Test func rRandomRefusesSeedsOutsideRInteger() {
        #expect(throws: LimmaError("set.seed", "supplied seed is not a valid integer")) { try RRandom.setSeed(Int(Int32.min)) }
        #expect(throws: LimmaError.self) { try RRandom.setSeed(1 << 40) }
        var a = RRandom(seed: 5), b = a
        #expect(a.rnorm(3) == b.rnorm(3))
    }

    // MARK: GSE60450 gene sets

    /// log2(counts + 1), design ~0 + immunophenotype, R's gene sets and R's
    /// outputs (one R run shared by the tests).
    struct Fixture: Sendable {
        var y: Matrix
        var design: Matrix
        var index: GeneSetIndex
        var dir: URL
    }

    /// GSE60450 log2(counts + 1) and the design ~0 + immunophenotype.
    static let gse = Result<(y: Matrix, design: Matrix), any Error> {
        let counts = try VoomTests.gseCounts()
        let targets = try VoomTests.gseTargets()
        var y = counts
        y.values = counts.values.map { log2($0 + 1) }
        return (y, try modelMatrix("~0 + immunophenotype", data: targets.matched(to: counts.colNames ?? [])))
    }

    static let fixture = Result<Fixture, any Error> {
        let dir = try RLive.run("genesets.R", ["gse"])
        let (y, design) = try gse.get()
        let idx = try RLive.matrix(dir, "index.csv").matrix
        var index: GeneSetIndex = []
        for (k, name) in (idx.rowNames ?? []).enumerated() {
            let g = Int(idx.values[k]) - 1
            if index.last?.name == name { index[index.count - 1].genes.append(g) } else { index.append((name, [g])) }
        }
        return Fixture(y: y, design: design, index: index, dir: dir)
    }

    static let luminalVsBasal: GeneSetContrast = [-1, 1]

    /// Compares a gene set table with R's `<name>.csv` (Direction first):
    /// row order, NGenes and Direction exactly, every number at rel 1e-10.
    static func expectTable(_ tab: GeneSetTable, _ name: String, exactP: Bool = false,
                            sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fx = try fixture.get()
        let file = try MatrixReader.read(fx.dir.appendingPathComponent(name + ".csv").path, annotation: ["Direction"],
                                         parsing: .correctlyRounded)
        let r = file.matrix
        #expect(tab.names == r.rowNames, "\(name): row order", sourceLocation: sourceLocation)
        #expect(tab.direction == file.annotation?.columns[0], "\(name): Direction", sourceLocation: sourceLocation)
        func col(_ c: String) -> [Double]? { r.columnIndex(named: c).map { r.column($0) } }
        #expect(tab.nGenes.map(Double.init) == col("NGenes"), "\(name): NGenes", sourceLocation: sourceLocation)
        let numeric: [(String, [Double]?)] = [("Correlation", tab.correlation), ("PropDown", tab.propDown), ("PropUp", tab.propUp),
                                              ("PValue", tab.pValue), ("FDR", tab.fdr), ("PValue.Mixed", tab.pValueMixed),
                                              ("FDR.Mixed", tab.fdrMixed)]
        for (c, v) in numeric {
            let rv = col(c)
            #expect((v == nil) == (rv == nil), "\(name): column \(c) present in one side only", sourceLocation: sourceLocation)
            guard let v, let rv else { continue }
            if exactP {
                #expect(v == rv, "\(name): \(c) engine \(v) R \(rv)", sourceLocation: sourceLocation)
            } else {
                expectParity(v, rv, "\(name) \(c)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test(.enabled(if: RLive.available)) func cameraMatchesR() throws {
        let fx = try Self.fixture.get()
        let c = Self.luminalVsBasal
        let cam = try camera(fx.y, index: fx.index, design: fx.design, contrast: c)
        try Self.expectTable(cam, "camera_default")
        // R warns once, from fitFDist, about the all-zero genes.
        let zeroWarning = LimmaWarning("fitFDist", "Zero sample variances detected, have been offset away from zero")
        #expect(cam.warnings == [zeroWarning])
        #expect(try fry(fx.y, index: fx.index, design: fx.design, contrast: c).warnings == [zeroWarning])
        try Self.expectTable(try camera(fx.y, index: fx.index, design: fx.design, contrast: c, interGeneCor: nil), "camera_na")
        try Self.expectTable(try camera(fx.y, index: fx.index, design: fx.design, contrast: c, useRanks: true), "camera_ranks")
        try Self.expectTable(try camera(fx.y, index: fx.index, design: fx.design, contrast: c, useRanks: true, interGeneCor: nil),
                             "camera_ranks_na")
        try Self.expectTable(try camera(fx.y, index: fx.index, design: fx.design, contrast: c, allowNegCor: true,
                                        interGeneCor: .nan, sort: false), "camera_neg_unsorted")
        try Self.expectTable(try camera(fx.y, index: fx.index, design: fx.design, contrast: 1), "camera_coef2")
        try Self.expectTable(try camera(fx.y, index: fx.index, design: fx.design, contrast: c, trendVar: true), "camera_trend")
        let stat = try RLive.vector(fx.dir, "pr_stat.csv")
        try Self.expectTable(try cameraPR(stat, index: fx.index), "camerapr_default")
        try Self.expectTable(try cameraPR(stat, index: fx.index, useRanks: true, sort: false), "camerapr_ranks")
        let rhos = (0..<fx.index.count).map { -0.05 + Double($0) * (0.35 / Double(fx.index.count - 1)) }
        let rRhos = try MatrixReader.read(fx.dir.appendingPathComponent("camerapr_vec.csv").path, annotation: ["Direction"],
                                          parsing: .correctlyRounded).matrix
        // R's seq() values, in set order, from the Correlation column (rows sorted by p-value).
        let rCor = rRhos.column(rRhos.columnIndex(named: "Correlation")!)
        let byName = Dictionary(uniqueKeysWithValues: zip(rRhos.rowNames!, rCor))
        let seqR = fx.index.map { byName[$0.name]! }
        Self.expectParity(rhos, seqR, "seq(-0.05, 0.3)")
        try Self.expectTable(try cameraPR(stat, index: fx.index, interGeneCor: seqR), "camerapr_vec")
        try Self.expectTable(try cameraPR(stat, index: fx.index.filter { $0.name == "up30" }, useRanks: true, interGeneCor: [0.2]),
                             "camerapr_one")
        #expect(throws: LimmaError("cameraPR", "inter.gene.cor too large or small")) {
            try cameraPR(stat, index: fx.index, interGeneCor: [1])
        }
        #expect(throws: LimmaError("cameraPR", "Length of inter.gene.cor doesn't match number of sets")) {
            try cameraPR(stat, index: fx.index, interGeneCor: [0.1, 0.2])
        }
        #expect(throws: LimmaError("cameraPR", "NA values for statistic not allowed")) {
            try cameraPR([1, .nan, 3], index: [("a", [0])])
        }
        func set(_ n: String) -> [Int] { fx.index.first { $0.name == n }!.genes }
        var gst = [try geneSetTest(set("up30"), statistics: stat), try geneSetTest(set("up30"), statistics: stat, alternative: .up),
                   try geneSetTest(set("rand1"), statistics: stat, alternative: .down),
                   try geneSetTest(set("rand4"), statistics: stat, alternative: .either),
                   try wilcoxGST(set("every50"), statistics: stat.map { abs($0) }),
                   try geneSetTest(set("pair"), statistics: stat, type: .f)]
        var rng = RRandom(seed: 3)
        gst += [try geneSetTest(set("rand1"), statistics: stat, nsim: 999, rng: &rng),
                try geneSetTest(set("rand2"), statistics: stat, alternative: .either, nsim: 999, rng: &rng),
                try geneSetTest(set("up30"), statistics: stat, alternative: .down, nsim: 499, rng: &rng)]
        Self.expectParity(gst, try RLive.vector(fx.dir, "gst.csv"), "geneSetTest")
        #expect(throws: LimmaError("geneSetTest", "Only alternative=\"mixed\" is possible with F-like statistics.")) {
            try geneSetTest([0], statistics: [1, 2, 3], alternative: .up)
        }
        let top = fx.index.first { $0.name == "topvar100" }!.genes
        let igc = try interGeneCorrelation(fx.y.rows(top), design: fx.design)
        Self.expectParity([igc.vif, igc.correlation], try RLive.vector(fx.dir, "igc_topvar100.csv"), "interGeneCorrelation")
    }

    @Test func cameraRefusesBadInput() throws {
        let y = Matrix(rows: [[1, 2, 3, 4], [2, 3, 1, 5], [0, 1, 1, 2], [3, 3, 2, 1]])
        let d = Matrix(rows: [[1, 0], [1, 0], [1, 1], [1, 1]])
        let ix: GeneSetIndex = [("a", [0, 1])]
        #expect(throws: LimmaError("camera", "Two few genes in dataset: need at least 3")) {
            try camera(y.rows([0, 1]), index: ix, design: d)
        }
        #expect(throws: LimmaError("camera", "index is empty")) { try camera(y, index: [], design: d) }
        #expect(throws: LimmaError.self) { try camera(y, index: [("a", [0, 9])], design: d) }
        #expect(throws: LimmaError.self) { try camera(y, index: ix, design: d.rows([0, 1, 2])) }
        #expect(throws: LimmaError("camera", "No residual df: cannot compute t-tests")) {
            try camera(y, index: ix, design: Matrix(rows: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]))
        }
        #expect(throws: LimmaError("camera", "design matrix is not of full rank")) {
            try camera(y, index: ix, design: Matrix(rows: [[1, 1], [1, 1], [1, 1], [1, 1]]))
        }
        #expect(throws: LimmaError("camera", "weights must be positive")) {
            try camera(y, index: ix, design: d, arrayWeights: [1, 0, 1, 1])
        }
        #expect(throws: LimmaError("camera", "coef nope not found")) { try camera(y, index: ix, design: d, contrast: "nope") }
        var yn = y
        yn[0, 0] = .nan
        #expect(throws: LimmaError.self) { try camera(yn, index: ix, design: d) }
        #expect(throws: LimmaError("camera", "design matrix not specified")) { try camera(EList(E: y), index: ix) }
    }

    @Test(.enabled(if: RLive.available)) func fryMatchesR() throws {
        let fx = try Self.fixture.get()
        let c = Self.luminalVsBasal
        try Self.expectTable(try fry(fx.y, index: fx.index, design: fx.design, contrast: c), "fry_default")
        try Self.expectTable(try fry(fx.y, index: fx.index, design: fx.design, contrast: c, sort: .mixed), "fry_mixed")
        try Self.expectTable(try fry(fx.y, index: fx.index, design: fx.design, contrast: 1, sort: .none), "fry_coef2")
        try Self.expectTable(try fry(fx.y, index: fx.index.filter { $0.name == "up30" }, design: fx.design, contrast: c), "fry_one")
    }

    @Test(.enabled(if: RLive.available)) func roastAndMroastMatchRExactly() throws {
        let fx = try Self.fixture.get()
        let c = Self.luminalVsBasal
        func set(_ n: String) -> [Int] { fx.index.first { $0.name == n }!.genes }
        for (name, file, st) in [("up30", "roast_up30", RoastSetStatistic.mean), ("every50", "roast_every50_msq", .msq)] {
            let r = try roast(fx.y, index: set(name), design: fx.design, contrast: c, setStatistic: st, nrot: 999, seed: 1)
            let m = try RLive.matrix(fx.dir, file + ".csv").matrix
            #expect(r.pValue == m.column(1), "\(file) P.Value")
            Self.expectParity(r.activeProp, m.column(0), "\(file) Active.Prop")
            #expect(r.nGenesInSet == set(name).count)
        }
        for st in [RoastSetStatistic.mean, .floormean, .mean50, .msq] {
            let tab = try mroast(fx.y, index: fx.index, design: fx.design, contrast: c, setStatistic: st, nrot: 999, seed: 1)
            try Self.expectTable(tab, "mroast_\(st.rawValue)")
        }
        let tab = try mroast(fx.y, index: fx.index, design: fx.design, contrast: c, nrot: 2500, midp: false, sort: .none, seed: 1)
        try Self.expectTable(tab, "mroast_chunks")
        #expect(tab.warnings == [LimmaWarning("fitFDist", "Zero sample variances detected, have been offset away from zero")])
    }

    /// camera, fry and mroast give the same bits on 1, 2 and 5 threads (the
    /// per-gene Q'y pass is split over threads), with and without observation
    /// weights.
    @Test func geneSetTestsIndependentOfThreadCount() throws {
        let (yAll, d) = try Self.gse.get()
        let y = yAll.rows(Array(0..<2000))
        var W = Matrix(nrow: y.nrow, ncol: y.ncol)
        for g in 0..<y.nrow { for j in 0..<y.ncol { W[g, j] = 0.5 + Double((g * 7 + j * 13) % 17) / 10 } }
        let index: GeneSetIndex = [("a", Array(0..<40)), ("b", Array(stride(from: 5, to: 2000, by: 37))), ("c", [3, 9])]
        let c: GeneSetContrast = [-1, 1]
        func run() throws -> [GeneSetTable] {
            [try camera(y, index: index, design: d, contrast: c), try camera(y, index: index, design: d, contrast: c, weights: W,
                                                                          interGeneCor: nil),
             try fry(y, index: index, design: d, contrast: c, options: .init(weights: W)),
             try mroast(y, index: index, design: d, contrast: c, nrot: 199, options: .init(weights: W), seed: 1),
             try mroast(y, index: index, design: d, contrast: 1, nrot: 199, seed: 2)]
        }
        defer { LimmaThreads.set(0) }
        LimmaThreads.set(1)
        let one = try run()
        for t in [2, 5] {
            LimmaThreads.set(t)
            #expect(try run() == one, "\(t) threads")
        }
    }

    @Test func geneSetIndexFromIdsAndDictionaries() {
        let ix = geneSetIndex(ids: ["a", "b", "c", "b"], sets: [("s", ["b", "z"]), ("t", ["c", "a"])])
        #expect(ix.map { $0.name } == ["s", "t"])
        #expect(ix.map { $0.genes } == [[1, 3], [0, 2]])
        let ii = ids2indices([("s", ["b"]), ("none", ["q"]), ("t", ["a"])], identifiers: ["a", "b", "c", "b"])
        #expect(ii.map { $0.name } == ["s", "t"])
        #expect(ii.map { $0.genes } == [[1, 3], [0]])
        #expect(ids2indices([("none", ["q"])], identifiers: ["a"], removeEmpty: false).map { $0.genes } == [[]])
        let d = geneSetIndex(["zeta": [2], "alpha": [0, 1]])
        #expect(d.map { $0.name } == ["alpha", "zeta"])
        #expect(d.map { $0.genes } == [[0, 1], [2]])
    }

    @Test func geneSetTestsRefuseBadInput() throws {
        let y = Matrix(rows: [[1, 2, 3, 4], [2, 3, 1, 5], [0, 1, 1, 2], [3, 3, 2, 1]])
        let d = Matrix(rows: [[1, 0], [1, 0], [1, 1], [1, 1]])
        let ix: GeneSetIndex = [("a", [0, 1])]
        #expect(throws: LimmaError("fry", "No residual degrees of freedom")) {
            try fry(y, index: ix, design: Matrix(rows: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]))
        }
        #expect(throws: LimmaError("fry", "contrast all zero")) { try fry(y, index: ix, design: d, contrast: [0, 0]) }
        #expect(throws: LimmaError("fry", "length of gene.weights should equal nrow(y)")) {
            try fry(y, index: ix, design: d, geneWeights: [1])
        }
        #expect(throws: LimmaError("fry", "Gene sets don't have unique names")) {
            try fry(y, index: [("a", [0]), ("a", [1])], design: d)
        }
        #expect(throws: LimmaError("roast", "array.weights must be positive")) {
            try roast(y, index: [0, 1], design: d, options: GeneSetModelOptions(arrayWeights: [1, 1, -1, 1]), seed: 1)
        }
        #expect(throws: LimmaError("roast", "Intra-block correlation must be specified")) {
            try roast(y, design: d, options: GeneSetModelOptions(block: ["a", "a", "b", "b"]), seed: 1)
        }
        #expect(throws: LimmaError.self) { try roast(y, index: [7], design: d, seed: 1) }
        #expect(throws: LimmaError("mroast", "gene.weights vector should be of length nrow(y)")) {
            try mroast(y, index: ix, design: d, geneWeights: [1, 2], seed: 1)
        }
        #expect(throws: LimmaError("romer", "design needs at least two columns")) {
            try romer(y, index: ix, design: Matrix(nrow: 4, ncol: 1, repeating: 1), seed: 1)
        }
        #expect(throws: LimmaError("romer", "gene set 'e' is empty")) { try romer(y, index: [("e", [])], design: d, seed: 1) }
        var yn = y
        yn[1, 1] = .infinity
        #expect(throws: LimmaError("mroast", "All y values must be finite and non-NA")) { try mroast(yn, index: ix, design: d, seed: 1) }
    }

    // MARK: optional arguments

    /// Weights, blocks, trends, robust priors, standardisations, gene weights,
    /// legacy rotations and the exact z-score, on 3000 expressed genes.
    @Test(.enabled(if: RLive.available)) func optionalArgumentsMatchR() throws {
        let dir = try RLive.run("genesets.R", ["options"])
        let (all, d) = try Self.gse.get()
        let targets = try VoomTests.gseTargets().matched(to: all.colNames ?? [])
        let keep = try RLive.vector(dir, "keep.csv").map { Int($0) - 1 }
        let y = all.rows(keep)
        let idx = try RLive.matrix(dir, "index.csv").matrix
        var index: GeneSetIndex = []
        for (k, name) in (idx.rowNames ?? []).enumerated() {
            let g = Int(idx.values[k]) - 1
            if index.last?.name == name { index[index.count - 1].genes.append(g) } else { index.append((name, [g])) }
        }
        let W = try RLive.matrix(dir, "W.csv").matrix
        let gw = try RLive.vector(dir, "gw.csv")
        let aw = [1, 2, 0.5, 1, 1, 1.5, 0.8, 1, 1, 2, 1, 1]
        let block = targets.column("developmental_stage")!
        let c = Self.luminalVsBasal
        func check(_ tab: GeneSetTable, _ name: String) throws {
            let file = try MatrixReader.read(dir.appendingPathComponent(name + ".csv").path, annotation: ["Direction"],
                                             parsing: .correctlyRounded)
            let r = file.matrix
            #expect(tab.names == r.rowNames, "\(name): row order")
            #expect(tab.direction == file.annotation?.columns[0], "\(name): Direction")
            func col(_ c: String) -> [Double]? { r.columnIndex(named: c).map { r.column($0) } }
            #expect(tab.nGenes.map(Double.init) == col("NGenes"), "\(name): NGenes")
            for (cn, v) in [("Correlation", tab.correlation), ("PropDown", tab.propDown), ("PropUp", tab.propUp),
                            ("PValue", Optional(tab.pValue)), ("FDR", tab.fdr), ("PValue.Mixed", tab.pValueMixed),
                            ("FDR.Mixed", tab.fdrMixed)] {
                #expect((v == nil) == (col(cn) == nil), "\(name): column \(cn) present in one side only")
                if let v, let rv = col(cn) { Self.expectParity(v, rv, "\(name) \(cn)") }
            }
        }
        try check(try camera(y, index: index, design: d, contrast: c, arrayWeights: aw), "camera_aw")
        try check(try camera(y, index: index, design: d, contrast: c, weights: W, interGeneCor: nil), "camera_W")
        try check(try camera(EList(E: y, weights: W, design: d), index: index), "camera_elist")
        try check(try fry(y, index: index, design: d, contrast: c, options: .init(arrayWeights: aw)), "fry_aw")
        try check(try fry(y, index: index, design: d, contrast: c, options: .init(weights: W, trendVar: true)), "fry_W_trend")
        try check(try fry(y, index: index, design: d, contrast: c,
                          options: .init(block: block, correlation: 0.3, robust: true)), "fry_block_robust")
        try check(try fry(y, index: index, design: d, contrast: c,
                          options: .init(weights: W, block: block, correlation: 0.3)), "fry_block_W")
        try check(try fry(y, index: index, design: d, contrast: c, geneWeights: gw, standardize: .none), "fry_none_gw")
        try check(try fry(y, index: index, design: d, contrast: c, standardize: .residualSD), "fry_residual")
        try check(try fry(y, index: index, design: d, contrast: c, standardize: .p2, options: .init(robust: true)), "fry_p2_robust")

        let b = index[1].genes, a = index[0].genes
        let r1 = try roast(y, index: b, design: d, contrast: c, geneWeights: b.map { gw[$0] }, nrot: 999, legacy: true, seed: 2)
        let m1 = try RLive.matrix(dir, "roast_gw_legacy.csv").matrix
        #expect(r1.pValue == m1.column(1), "roast gene weights legacy P.Value")
        Self.expectParity(r1.activeProp, m1.column(0), "roast gene weights legacy Active.Prop")
        let r2 = try roast(y, index: a, design: d, contrast: c, setStatistic: .floormean, varPrior: [0.05], dfPrior: [4],
                           nrot: 999, approxZscore: false, seed: 3)
        let m2 = try RLive.matrix(dir, "roast_exact_prior.csv").matrix
        #expect(r2.pValue == m2.column(1), "roast exact z, given prior P.Value")
        Self.expectParity(r2.activeProp, m2.column(0), "roast exact z, given prior Active.Prop")
        try check(try mroast(y, index: index, design: d, contrast: c, setStatistic: .msq, geneWeights: gw, nrot: 2500,
                             options: .init(trendVar: true, robust: true), seed: 4), "mroast_msq_gw_robust")
        try check(try mroast(y, index: index, design: d, contrast: c, setStatistic: .mean50, geneWeights: gw, nrot: 999,
                             sort: .mixed, options: .init(arrayWeights: aw), seed: 5), "mroast_mean50_gw_aw")
        try check(try mroast(y, index: index, design: d, contrast: c, setStatistic: .floormean, geneWeights: gw, nrot: 999,
                             midp: false, options: .init(weights: W, block: block, correlation: 0.3), seed: 6),
                  "mroast_floor_block_W")

        // romer: exact rotation counts.
        for (file, res) in [("romer_mean", try romer(y, index: index, design: d, contrast: c, nrot: 99, seed: 7)),
                            ("romer_floormean", try romer(y, index: index, design: d, contrast: 1, setStatistic: .floormean,
                                                          nrot: 99, seed: 8)),
                            ("romer_mean50_aw", try romer(y, index: index, design: d, contrast: c, arrayWeights: aw,
                                                          setStatistic: .mean50, nrot: 99, seed: 9)),
                            ("romer_block_noshrink", try romer(y, index: index, design: d, contrast: c, block: block,
                                                               correlation: 0.3, nrot: 99, shrinkResid: false, seed: 10))] {
            let m = try RLive.matrix(dir, file + ".csv").matrix
            #expect(res.names == m.rowNames, "\(file) sets")
            #expect(res.nGenes.map(Double.init) == m.column(0), "\(file) NGenes")
            #expect(res.up == m.column(1), "\(file) Up")
            #expect(res.down == m.column(2), "\(file) Down")
            #expect(res.mixed == m.column(3), "\(file) Mixed")
        }
    }

    // MARK: diffSplice

    @Test(.enabled(if: RLive.available)) func diffSpliceMatchesR() throws {
        let dir = try RLive.run("genesets.R", ["diffsplice"])
        let counts = try VoomTests.pasillaCounts()
        let targets = try Targets.read(RLive.path("reference/data/pasilla/targets.csv")).matched(to: counts.colNames ?? [])
        let ids = try MatrixReader.read(dir.appendingPathComponent("ids.csv").path, annotation: ["gene", "exon"],
                                        parsing: .correctlyRounded)
        let rows = ids.matrix.values.map { Int($0) - 1 }
        var y = counts.rows(rows)
        y.values = y.values.map { log2($0 + 1) }
        let fit = try lmFit(y, design: try modelMatrix("~condition + type", data: targets))
        let geneid = ids.annotation!.columns[0], exonid = ids.annotation!.columns[1]
        for (prefix, ds) in [("ds_", try diffSplice(fit, geneid: geneid, exonid: exonid)),
                             ("dsr_", try diffSplice(fit, geneid: geneid, robust: true))] {
            func r(_ name: String) throws -> Matrix { try RLive.matrix(dir, prefix + name + ".csv").matrix }
            #expect(ds.coefficients.rowNames == (try r("coefficients")).rowNames, "\(prefix) exon order")
            for (name, m) in [("coefficients", ds.coefficients), ("t", ds.t), ("p.value", ds.pValue), ("gene.F", ds.geneF),
                              ("gene.F.p.value", ds.geneFPValue), ("gene.simes.p.value", ds.geneSimesPValue)] {
                Self.expectParity(m.values, try r(name).values, prefix + name)
            }
            for (name, v) in [("gene.df.prior", ds.geneDfPrior), ("gene.df.residual", ds.geneDfResidual),
                              ("gene.df.total", ds.geneDfTotal), ("gene.s2", ds.geneS2), ("gene.s2.post", ds.geneS2Post)] {
                Self.expectParity(v, try r(name).values, prefix + name)
            }
            let genes = try r("genes")
            #expect(ds.geneID == genes.rowNames)
            #expect(ds.geneFirstExon.map { Double($0 + 1) } == genes.column(0))
            #expect(ds.geneLastExon.map { Double($0 + 1) } == genes.column(1))
            #expect(ds.geneNExons.map(Double.init) == genes.column(2))
        }
        #expect(throws: LimmaError("diffSplice", "No genes with more than one exon")) {
            try diffSplice(fit, geneid: (0..<y.nrow).map { "g\($0)" })
        }
        #expect(throws: LimmaError.self) { try diffSplice(fit, geneid: ["a", "b"]) }
        #expect(throws: LimmaError.self) { try diffSplice(fit, geneid: ["GeneID"]) }
    }
}
