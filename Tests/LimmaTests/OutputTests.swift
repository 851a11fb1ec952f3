// Output: p.adjust, topTable/topTableF/topTreat, decideTests, classifyTestsF
// compared with live R (rscripts/tests/output.R). Fits are rebuilt from R's
// own eBayes/treat output so that only the output functions are under test.
import Foundation
import Testing
@testable import Limma

enum OutputR {
    static let padjust = Result { try RLive.run("output.R", ["padjust"]) }
    static let mulvey = Result { try RLive.run("output.R", ["mulvey"]) }
    static let gse60450 = Result { try RLive.run("output.R", ["gse60450"]) }

    static func exists(_ dir: URL, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path)
    }

    /// An MArrayLM from R's components written by write_fit().
    static func fit(_ dir: URL, _ prefix: String) throws -> MArrayLM {
        func m(_ n: String) throws -> Matrix? {
            exists(dir, prefix + n + ".csv") ? try RLive.matrix(dir, prefix + n + ".csv").matrix : nil
        }
        func v(_ n: String) throws -> [Double]? {
            exists(dir, prefix + n + ".csv") ? try RLive.vector(dir, prefix + n + ".csv") : nil
        }
        var fit = MArrayLM(coefficients: try m("coefficients")!, stdevUnscaled: try m("stdev.unscaled")!,
                           sigma: try v("sigma")!, dfResidual: try v("df.residual")!)
        fit.Amean = try v("Amean")
        fit.covCoefficients = try m("cov.coefficients")
        fit.s2Post = try v("s2.post")
        fit.dfTotal = try v("df.total")
        fit.F = try v("F")
        fit.FPValue = try v("F.p.value")
        fit.s2Prior = try v("s2.prior")
        fit.dfPrior = try v("df.prior")
        fit.t = try m("t")
        fit.pValue = try m("p.value")
        fit.lods = try m("lods")
        fit.treatLfc = try v("treat.lfc")?.first
        if exists(dir, prefix + "genes.csv") {
            let g = try DelimitedText.read(dir.appendingPathComponent(prefix + "genes.csv").path)
            let names = Array(g.header.dropFirst())
            fit.genes = Annotation(names: names, columns: names.indices.map { k in g.rows.map { $0[k + 1] } })
        }
        return fit
    }

    struct Case {
        var id, fit, fn, coef, number, adjust, sort, resort, pvalue, lfc, confint: String
    }

    static func cases(_ dir: URL) throws -> [Case] {
        let t = try DelimitedText.read(dir.appendingPathComponent("cases.csv").path)
        return t.rows.map { r in
            Case(id: r[0], fit: r[1], fn: r[2], coef: r[3], number: r[4], adjust: r[5], sort: r[6], resort: r[7],
                 pvalue: r[8], lfc: r[9], confint: r[10])
        }
    }

    /// Runs one manifest case through the engine.
    static func run(_ c: Case, _ fit: MArrayLM, version: LimmaVersion = .v3_54) throws -> TopTable {
        var coef: TopTableCoef? = nil
        if c.coef != "NULL" {
            let parts = c.coef.split(separator: ";").map(String.init)
            if let ints = Optional(parts.compactMap { Int($0) }), ints.count == parts.count {
                coef = ints.count == 1 ? .index(ints[0] - 1) : .indices(ints.map { $0 - 1 })
            } else {
                coef = parts.count == 1 ? .name(parts[0]) : .names(parts)
            }
        }
        let number = c.number == "Inf" ? Int.max : Int(c.number)!
        let adjust = PAdjustMethod(rawValue: c.adjust)!
        let resort: String? = c.resort == "NULL" ? nil : c.resort
        let pv = Double(c.pvalue)!, lfc = Double(c.lfc)!
        let ci: TopTableConfint = c.confint == "FALSE" ? .off : (c.confint == "TRUE" ? .on : .level(Double(c.confint)!))
        switch c.fn {
        case "topTableF":
            return try topTableF(fit, number: number, adjustMethod: adjust, sortBy: c.sort == "default" ? "F" : c.sort, pValue: pv, lfc: lfc)
        case "topTreat":
            return try topTreat(fit, coef: coef ?? .index(0), number: number, adjustMethod: adjust,
                                sortBy: c.sort == "default" ? "p" : c.sort, resortBy: resort, pValue: pv, lfc: lfc, confint: ci, version: version)
        default:
            return try topTable(fit, coef: coef, number: number, adjustMethod: adjust, sortBy: c.sort == "default" ? "B" : c.sort,
                                resortBy: resort, pValue: pv, lfc: lfc, confint: ci, version: version)
        }
    }
}

/// Compares an engine top table with R's CSV: row order, column names and
/// annotation exact, numbers at the parity bar. Records the worst relative
/// error per column in `worst`.
func compareTopTable(_ tab: TopTable, _ file: URL, _ label: String, worst: inout [String: Double]) throws {
    let r = try DelimitedText.read(file.path)
    let rNames = Array(r.header.dropFirst())
    let annNames = tab.annotation?.names ?? []
    #expect(rNames == annNames + tab.columnNames, "\(label): columns R \(rNames) engine \(annNames + tab.columnNames)")
    guard rNames == annNames + tab.columnNames else { return }
    #expect(r.rows.map { $0[0] } == tab.rowNames, "\(label): row order differs")
    guard r.rows.count == tab.count else { return }
    for (k, name) in annNames.enumerated() {
        #expect(r.rows.map { $0[k + 1] } == tab.annotation!.columns[k], "\(label): annotation \(name)")
    }
    for (k, name) in tab.columnNames.enumerated() {
        let rv = r.rows.map { parseNumericCell(Substring($0[1 + annNames.count + k]))!.value }
        let res = Parity().compare(engine: tab.columns[k], r: rv)
        #expect(res.pass, "\(label): \(name) \(res)")
        worst[name] = max(worst[name] ?? 0, res.maxRel)
    }
}

@Suite("Output vs R", .enabled(if: RLive.available))
struct OutputTests {
    @Test func pAdjustMatchesR() throws {
        let dir = try OutputR.padjust.get()
        var worst = 0.0
        for v in ["p1", "p2", "p3", "p4"] {
            let x = try RLive.vector(dir, "\(v).csv")
            for m in PAdjustMethod.allCases {
                let r = try RLive.vector(dir, "\(v)_\(m.rawValue).csv")
                let e = pAdjust(x, method: m)
                let res = Parity().compare(engine: e, r: r)
                #expect(res.pass, "\(v) \(m): \(res)")
                worst = max(worst, res.maxRel)
                let nn = x.filter { !$0.isNaN }.count + 7
                let rn = try RLive.vector(dir, "\(v)_\(m.rawValue)_n.csv")
                let resn = Parity().compare(engine: pAdjust(x, method: m, n: nn), r: rn)
                #expect(resn.pass, "\(v) \(m) n=\(nn): \(resn)")
                worst = max(worst, resn.maxRel)
            }
        }
        print("p.adjust max rel error vs R: \(worst)")
    }

    @Test func pAdjustEdgeCases() {
        #expect(pAdjust([]).isEmpty)
        #expect(pAdjust([0.3], method: .BH) == [0.3])
        let bad = pAdjust([0.1, 0.2, 0.3], method: .BH, n: 2)
        #expect(bad.allSatisfy { $0.isNaN })
        #expect(PAdjustMethod(matching: "bonf") == .bonferroni)
        #expect(PAdjustMethod(matching: "h") == nil)
    }

    @Test func topTablesMulvey() throws {
        let dir = try OutputR.mulvey.get()
        let fits = ["fit": try OutputR.fit(dir, "fit_"), "tfit": try OutputR.fit(dir, "tfit_")]
        var dfit = fits["fit"]!
        dfit.coefficients.rowNames = try DelimitedText.read(dir.appendingPathComponent("dup_ids.csv").path).rows.map { $0[1] }
        var nfit = fits["fit"]!
        nfit.coefficients.rowNames = nil
        nfit.genes = nil
        var worst = [String: Double]()
        for c in try OutputR.cases(dir) {
            let fit = c.fit == "dfit" ? dfit : (c.fit == "nfit" ? nfit : fits[c.fit]!)
            let tab = try OutputR.run(c, fit)
            try compareTopTable(tab, dir.appendingPathComponent("tt_\(c.id).csv"), "mulvey \(c.id)", worst: &worst)
        }
        print("topTable (mulvey) max rel error per column vs R: \(worst.sorted { $0.key < $1.key })")
    }

    @Test func topTablesGSE60450() throws {
        let dir = try OutputR.gse60450.get()
        let fits = ["fit": try OutputR.fit(dir, "fit_"), "cfit": try OutputR.fit(dir, "cfit_")]
        var worst = [String: Double]()
        for c in try OutputR.cases(dir) {
            let tab = try OutputR.run(c, fits[c.fit]!)
            try compareTopTable(tab, dir.appendingPathComponent("tt_\(c.id).csv"), "gse60450 \(c.id)", worst: &worst)
        }
        print("topTable (gse60450) max rel error per column vs R: \(worst.sorted { $0.key < $1.key })")
        let nullCoef = try topTable(fits["fit"]!, number: 5)
        #expect(nullCoef.messages == ["Removing intercept from test coefficients"])
    }

    /// limma 3.66's confidence intervals under a filter are those of the
    /// reported features: R's unfiltered table, restricted to the same rows.
    @Test func confintFilterFixed() throws {
        let dir = try OutputR.mulvey.get()
        let fit = try OutputR.fit(dir, "fit_")
        let full = try topTable(fit, coef: 0, number: .max, confint: true)
        let filtered = try topTable(fit, coef: 0, number: .max, pValue: 0.05, confint: true, version: .v3_66)
        let old = try topTable(fit, coef: 0, number: .max, pValue: 0.05, confint: true, version: .v3_54)
        #expect(filtered.count > 0)
        let pos = Dictionary(uniqueKeysWithValues: full.rowNames.enumerated().map { ($1, $0) })
        for name in ["CI.L", "CI.R"] {
            let expected = filtered.rowNames.map { full[name]![pos[$0]!] }
            #expect(filtered[name]! == expected)
            #expect(old[name]! != expected, "3.54 takes intervals from other rows")
        }
    }

    @Test func decideTestsMatchR() throws {
        for (ds, dir, prefix) in [("mulvey", try OutputR.mulvey.get(), "fit_"), ("gse60450", try OutputR.gse60450.get(), "cfit_")] {
            let fit = try OutputR.fit(dir, prefix)
            let r = try RLive.matrix(dir, "decide.csv").matrix
            var cache = [String: TestResults]()
            var compared = 0
            for (k, name) in r.colNames!.enumerated() {
                let parts = name.split(separator: "|").map(String.init)
                let key = parts[0..<3].joined(separator: "|")
                if cache[key] == nil {
                    cache[key] = try decideTests(fit, method: parts[0], adjustMethod: PAdjustMethod(rawValue: parts[1])!,
                                                 pValue: 0.05, lfc: Double(parts[2])!)
                }
                let e = cache[key]!.column(Int(parts[3])! - 1)
                let rc = r.column(k).map { $0.isNaN ? nil : Int($0) }
                #expect(e == rc, "\(ds) decideTests \(name): \(zip(e, rc).filter { $0 != $1 }.count) calls differ")
                compared += 1
            }
            #expect(compared == r.ncol)
            let sum = try RLive.matrix(dir, "decide_summary.csv").matrix
            let method = ds == "mulvey" ? "separate" : "nestedF"
            let s = try decideTests(fit, method: method).summary
            #expect(s.labels == sum.rowNames!)
            for lev in 0..<3 { #expect(s.counts[lev].map(Double.init) == sum.row(lev), "\(ds) summary \(s.labels[lev])") }
        }
    }

    @Test func classifyTestsFMatchesR() throws {
        let dir = try OutputR.gse60450.get()
        let cfit = try OutputR.fit(dir, "cfit_")
        let r = try RLive.matrix(dir, "classifyF.csv").matrix
        let e = try classifyTestsF(cfit, pValue: 0.01)
        #expect(e.values == r.values.map { $0.isNaN ? nil : Int($0) })
        // A given correlation matrix (and a given df).
        let cm3 = Matrix(rows: [[1, 0.3, 0.1], [0.3, 1, 0.2], [0.1, 0.2, 1]])
        let resC = Parity().compare(engine: try classifyTestsFStat(cfit, corMatrix: cm3).F, r: try RLive.vector(dir, "fstat_cor.csv"))
        #expect(resC.pass, "F with cor.matrix: \(resC)")
        let rc = try RLive.matrix(dir, "classifyF_cor.csv").matrix
        #expect(try classifyTestsF(cfit, corMatrix: cm3, df: [4], pValue: 0.05).values == rc.values.map { $0.isNaN ? nil : Int($0) })
        // One test: sign(t) * (2 pt(|t|, df, upper) < p.value).
        var one = cfit
        one.t = cfit.t!.columns([1])
        one.covCoefficients = nil
        let r1 = try RLive.matrix(dir, "classifyF_one.csv").matrix
        #expect(try classifyTestsF(one, pValue: 0.01).values == r1.values.map { $0.isNaN ? nil : Int($0) })
        // eBayes' F: fstat.only with df = df.total, against R's and eBayes' own.
        let fs = try classifyTestsFStat(cfit, df: cfit.dfTotal)
        let rf = try RLive.vector(dir, "fstat.csv")
        #expect(fs.df1 == Int(try RLive.vector(dir, "fstat_df1.csv")[0]))
        let res = Parity().compare(engine: fs.F, r: rf)
        #expect(res.pass, "F: \(res)")
        let resEB = Parity().compare(engine: fs.F, r: cfit.F!)
        #expect(resEB.pass, "F vs eBayes: \(resEB)")
        let resP = Parity().compare(engine: try classifyTestsFStat(cfit).pValues(), r: cfit.FPValue!)
        #expect(resP.pass, "F.p.value vs eBayes: \(resP)")
        let fit = try OutputR.fit(dir, "fit_")
        let fd = try classifyTestsFStat(fit)
        let resD = Parity().compare(engine: fd.F, r: try RLive.vector(dir, "fstat_default.csv"))
        #expect(resD.pass, "F default df: \(resD)")
        print("classifyTestsF F max rel vs R: \(res.maxRel), vs eBayes \(resEB.maxRel), F.p.value \(resP.maxRel), default \(resD.maxRel)")
    }

    @Test func errors() throws {
        let dir = try OutputR.mulvey.get()
        let fit = try OutputR.fit(dir, "fit_")
        let tfit = try OutputR.fit(dir, "tfit_")
        var bare = fit
        bare.t = nil; bare.F = nil; bare.pValue = nil; bare.lods = nil; bare.FPValue = nil
        #expect(throws: LimmaError("topTable", "Need to run eBayes or treat first")) { try topTable(bare) }
        do {
            _ = try topTable(fit, coef: "nope")
            Issue.record("unknown coef accepted")
        } catch let e as LimmaError {
            #expect(e.message.contains("heart_failure - control"), "\(e)")
        }
        #expect(throws: LimmaError.self) { try topTable(fit, coef: 2) }
        #expect(throws: LimmaError.self) { try topTable(fit, coef: -1) }
        #expect(throws: LimmaError.self) { try topTable(fit, coef: 0, sortBy: "x") }
        var noA = fit
        noA.Amean = nil
        #expect(throws: LimmaError("topTable", "Cannot sort by A-values as these have not been given")) {
            try topTable(noA, coef: 0, sortBy: "A")
        }
        #expect(try topTable(noA, coef: 0)["AveExpr"] == nil)
        #expect(throws: LimmaError("topTable", "Trying to sort.by B, but B-statistic (lods) not found in MArrayLM object")) {
            try topTable(tfit, coef: 0)
        }
        #expect(throws: LimmaError("topTreat", "Trying to sort.by B, but treat doesn't produce a B-statistic")) {
            try topTreat(tfit, sortBy: "B")
        }
        #expect(throws: LimmaError("topTable", "Treat p-values can only be displayed for single coefficients")) {
            try topTable(tfit, coef: .indices([0, 1]))
        }
        #expect(throws: LimmaError("topTable", "fc must be greater than or equal to 1")) { try topTable(fit, coef: 0, fc: 0.5) }
        #expect(throws: LimmaError("decideTests", "nestedF method can't handle NA p-values")) {
            try decideTests(fit, method: "nestedF")
        }
        #expect(throws: LimmaError("decideTests", "Can't handle NA p-values yet")) { try decideTests(fit, method: "hierarchical") }
        #expect(throws: LimmaError.self) { try decideTests(fit, adjustMethod: .hommel) }
        #expect(throws: LimmaError.self) { try decideTests(fit, method: "bogus") }
        // Without p-values decideTests runs eBayes first, as R does.
        let moderated = try decideTests(bare)
        #expect(moderated.values == (try decideTests(fit)).values)
        var badDF = fit
        badDF.dfPrior = [1, 2, 3]
        #expect(throws: LimmaError.self) { try classifyTestsF(badDF) }
        #expect(throws: LimmaError.self) { try classifyTestsF(fit, corMatrix: Matrix(rows: [[1]])) }
        var broken = fit
        broken.Amean = [1, 2]
        #expect(throws: LimmaError.self) { try topTable(broken, coef: 0) }
        let w = try topTreat(tfit, coef: .indices([1, 0]), number: 3)
        #expect(w.warnings.count == 1)
        #expect(try topTable(fit, coef: 0, number: 0).isEmpty)
    }
}

@Suite("Output helpers") struct OutputHelperTests {
    /// The byte-hashed duplicate check agrees with Swift string equality,
    /// including a non-ASCII string canonically equal to an ASCII one.
    @Test func hasDuplicatesAgreesWithSet() {
        let ids = (0..<5000).map { "ENSG\($0 * 7919 % 100_003)" }
        #expect(!hasDuplicates(ids))
        #expect(hasDuplicates(ids + ["ENSG7919"]))
        #expect(hasDuplicates(["a", "b", "a"]))
        #expect(!hasDuplicates(["", "a"]))
        #expect(hasDuplicates(["", "a", ""]))
        #expect(hasDuplicates(["K", "x", "\u{212A}"]))   // KELVIN SIGN == "K" in Swift
        #expect(!hasDuplicates(["K", "x", "\u{212B}"]))
        // Above 65534 strings the table holds 32-bit indices.
        let many = (0..<70_000).map { "g\($0)" }
        #expect(!hasDuplicates(many))
        #expect(hasDuplicates(many + ["g69999"]))
        #expect(hasDuplicates(["g65535"] + many))
    }

    /// TestResults keeps its calls one byte each (NA as `TestResults.na`);
    /// `values`, the subscript, `column` and `summary` read them as R's
    /// -1/0/1 and NA, and writes through `values` or the subscript land.
    @Test func testResultsCallsAsBytes() {
        var r = TestResults(nrow: 3, ncol: 2, values: [1, nil, 0, -1, -1, nil], colNames: ["a", "b"])
        #expect(r.calls == [1, TestResults.na, 0, -1, -1, TestResults.na])
        #expect(r.values == [1, nil, 0, -1, -1, nil])
        #expect(r[1, 0] == nil && r[0, 1] == -1 && r[2, 0] == 0)
        #expect(r.column(1) == [-1, -1, nil])
        #expect(r.summary.counts == [[0, 2], [1, 0], [1, 0]])
        r[1, 0] = 1
        r[2, 1] = 0
        #expect(r.calls == [1, 1, 0, -1, -1, 0])
        r.values = [nil, nil, nil, 0, 0, 0]
        #expect(r.calls == [TestResults.na, TestResults.na, TestResults.na, 0, 0, 0])
        #expect(r == TestResults(nrow: 3, ncol: 2, calls: [.min, .min, .min, 0, 0, 0], colNames: ["a", "b"]))
    }
}
