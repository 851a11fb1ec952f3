// Model formulas, model.matrix and makeContrasts against live R.
import Foundation
import Testing
@testable import Limma

@Suite("Designs")
struct DesignTests {
    static let gse = RLive.path("reference/data/gse60450/targets.csv")
    static let pasilla = RLive.path("reference/data/pasilla/targets.csv")
    static let mulvey = RLive.path("reference/data/mulvey/targets.csv")

    /// Synthetic targets: numeric covariates (with literals whose R value
    /// depends on R_strtod), a logical column, a non-syntactic column name,
    /// and level names whose order depends on the collation.
    static let synthetic = """
    sample,group,time,dose,my var,flag,batch,a,b,c
    s1,ctrl,0.1,1,lo,TRUE,b,p,u,m
    s2,trt,0.25,2,hi,FALSE,A,q,v,n
    s3,Trt,2.675,3,lo,TRUE,a,p,w,m
    s4,ctrl,3,1,hi,TRUE,B,q,u,n
    s5,trt,1e-3,2,lo,FALSE,_x,p,v,m
    s6,Trt,7.5,3,hi,FALSE,10,q,w,n
    s7,ctrl,0.3,1,lo,TRUE,9,p,u,m
    s8,trt,12,2,hi,TRUE,b,q,v,n
    s9,Trt,4.35,3,lo,FALSE,A,p,w,m
    s10,ctrl,0.15,1,hi,FALSE,a,q,u,n
    s11,trt,1.1,2,lo,TRUE,B,p,v,m
    s12,Trt,9,3,hi,TRUE,_x,q,w,n

    """

    /// (id, targets, formula, levels) for model.matrix.
    static func designCases(synth: String) -> [(String, String, String, [String: [String]])] {
        [
            ("g1", gse, "~0+immunophenotype", [:]),
            ("g2", gse, "~immunophenotype+developmental_stage", [:]),
            ("g3", gse, "~immunophenotype*developmental_stage", [:]),
            ("g4", gse, "~0+group", [:]),
            ("g5", gse, "~ group - 1", [:]),
            ("g6", gse, "~ 1", [:]),
            ("g7", gse, "~ developmental_stage", ["developmental_stage": ["virgin", "pregnant", "lactate"]]),
            ("g8", gse, "~ 0 + developmental_stage:immunophenotype", [:]),
            ("g9", gse, "~ immunophenotype/developmental_stage", [:]),
            ("g10", gse, "~ -1 + developmental_stage * immunophenotype", [:]),
            ("p1", pasilla, "~type+condition", [:]),
            ("p2", pasilla, "~ condition + number.of.lanes", [:]),
            ("p3", pasilla, "~ 0 + condition + type:exon.counts", [:]),
            ("p4", pasilla, "~ total.number.of.reads", [:]),
            ("p5", pasilla, "~ `type` + `condition`", ["condition": ["untreated", "treated"]]),
            ("m1", mulvey, "~0+group", [:]),
            ("s1", synth, "~ group*time", [:]),
            ("s2", synth, "~ 0 + group + group:time", [:]),
            ("s3", synth, "~ time + dose + time:dose", [:]),
            ("s4", synth, "~ `my var` + flag", [:]),
            ("s5", synth, "~ 0 + flag", [:]),
            ("s6", synth, "~ batch", [:]),
            ("s7", synth, "~ 0 + b:a + a", [:]),
            ("s8", synth, "~ a*b - a", [:]),
            ("s9", synth, "~ (a+b)/c", [:]),
            ("s10", synth, "~ a*b*c", [:]),
            ("s11", synth, "~ 0 + time + group:time", [:]),
            ("s12", synth, "~ dose:time:group", [:]),
            ("s13", synth, "~ 0 + group:a", [:]),
            ("s14", synth, "~ group + a:group", [:]),
            ("s15", synth, "~ group", ["group": ["trt", "ctrl", "Trt"]]),
            ("s16", synth, "~ 0 + `my var`:time + batch", [:]),
            ("s17", synth, "~ (group + a)*(group+a)", [:]),
            ("s18", synth, "~ group - group + time", [:]),
            ("s19", synth, "~ 0 + dose", ["dose": ["3", "1", "2"]]),
            ("s20", synth, "~ flag + a", ["flag": ["TRUE", "FALSE"]]),
            ("s21", synth, "~ time", ["time": ["0.1", "0.25", "2.675", "3", "0.001", "7.5", "0.3", "12", "4.35", "0.15", "1.1", "9"]]),
        ]
    }

    static let termsCases: [String] = [
        "~ -1", "~ a - 0", "~ 0 + a + 1", "~ (a+b):c", "~ (a+b)*(c+d)", "~ a/b/c", "~ a:b + a",
        "~ -a:b + c", "~ a - a", "~ (0)", "~ a + (b - 1)", "~ b:a + a:c + c", "~ a*b - a:b", "~ +a",
        "~ a:-b", "~ a*b*c - a:b:c", "~ (a + b + c)*(a + b) - 1", "~ 0 + a:b:c + b + c:a", "~ a + b - (a + 1)",
        "~ (a/b) : c", "~ a / (b + c)", "~ `x y`:a + `x y`", "~ a -1 + 1", "~ 1 - 1 + 0 - 0",
        "~ a + b + a:b - b", "~ (a + b)/c - a", "~ a/b - a", "~ a*(b + c) - a:c", "~ (a + b):(c + d) + a",
        "~ 0 + (a + b):c", "~ a:b:c + a:b + a", "~ `if`:a", "~ `a b`*`_c`", "~ - (a + b) + c + 1",
    ]

    static let contrastCases: [(String, [String], [(String, String)])] = [
        ("c1", ["immunophenotypebasal", "immunophenotypeluminal"], [("LvsB", "immunophenotypeluminal - immunophenotypebasal")]),
        ("c2", ["basal.lactate", "basal.pregnant", "basal.virgin", "luminal.lactate", "luminal.pregnant", "luminal.virgin"], [
            ("a", "(basal.lactate+basal.pregnant)/2 - basal.virgin"),
            ("b", "0.5*luminal.virgin - luminal.pregnant"),
            ("c", "(basal.lactate + basal.pregnant + basal.virgin)/3 - (luminal.lactate+luminal.pregnant+luminal.virgin)/3"),
            ("d", "-basal.virgin"),
            ("e", "basal.virgin/3 + luminal.virgin*0.1 - 2.675*basal.lactate"),
            ("f", "1e-3*basal.lactate - .5*basal.pregnant + 1/3*luminal.lactate"),
            ("g", "(1/3)*(basal.lactate - luminal.lactate) - 2*(0.1 + 0.2)*basal.virgin"),
            ("h", "-(-basal.virgin + +luminal.virgin) / 7 * 3"),
            ("i", "`basal.virgin` - 4.35 * luminal.virgin / 0.15"),
        ]),
        ("c3", ["(Intercept)", "b", "c"], [("cb", "c - b"), ("int", "Intercept/2 - c")]),
    ]

    static let literals: [String] = {
        var out = ["0.1", "0.2", "0.3", "0.333", "2.675", "0.1234567890123456789", "123456789012345678901234", "1e-5",
                   "3.14159", "1e22", "1e23", "4.35", "0.15", "1.005", "8.675309", "0.000123456", "9007199254740993",
                   "1e-320", "1.7976931348623157e308", "2.2250738585072014e-308", "0.6931471805599453", "5e-324", "1e310",
                   ".5", "7.", "1E3", "1e+3", "0.30000000000000004", "0x1p3", "0xffp-4", "0x10", "0xABCp+2"]
        var seed: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return seed >> 33 }
        for _ in 0..<300 {
            let intDigits = Int(next() % 4)
            let fracDigits = 1 + Int(next() % 17)
            var s = intDigits == 0 ? "0" : String((0..<intDigits).map { k in Character(String(k == 0 ? 1 + next() % 9 : next() % 10)) })
            s += "." + String((0..<fracDigits).map { _ in Character(String(next() % 10)) })
            if next() % 4 == 0 { s += "e-\(next() % 12)" }
            out.append(s)
        }
        return out
    }()

    static let sortStrings: [String] = [
        "a-b", "a_b", "a.b", "ab", "a b", "a1", "a10", "a2", "A1", "x", "X", "-x", "Ctrl", "ctrl", "heart_failure",
        "heart-failure", "heartfailure", "11", "1a", "1.5", "1_5", "b", "A", "a", "B", "_x", "10", "9", "é", "Z", "aB",
        "Ab", "Zebra", "zebra", "élan", "elan", "Elan", "ß", "ss", "Ä", "ä", "z", "日本", "", " a", "untreated", "treated",
        "single-read", "paired-end", "basal.virgin", "basal.lactate", "luminal", "10542625 (x2)", "17812866", "(x)", "[x]",
        "~x", "+x", "*x", "#x", "$x", "%x", "&x", "'x", "\"x", "/x", ":x", ";x", "<x", "=x", ">x", "?x", "@x", "\\x", "^x",
        "`x", "{x", "|x", "}x", "!x", ",x", "0x", "x0", "x.", "x_", "X_", "a_B", "A_b",
    ]

    @Test(.enabled(if: RLive.available))
    func againstR() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("limma-designs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let synth = tmp.appendingPathComponent("synth.csv").path
        try Self.synthetic.write(toFile: synth, atomically: true, encoding: .utf8)
        let sortFile = tmp.appendingPathComponent("strings.txt").path
        try (Self.sortStrings.joined(separator: "\n") + "\n").write(toFile: sortFile, atomically: true, encoding: .utf8)
        var lines = [String]()
        let designs = Self.designCases(synth: synth)
        for (id, path, formula, levels) in designs {
            let spec = levels.map { "\($0.key)=\($0.value.joined(separator: "|"))" }.joined(separator: ";")
            lines.append(["mm", id, path, formula, spec].joined(separator: "\t"))
        }
        for (k, f) in Self.termsCases.enumerated() { lines.append(["terms", "t\(k)", f].joined(separator: "\t")) }
        for (id, levels, cs) in Self.contrastCases {
            lines.append(["mc", id, levels.joined(separator: "|"), cs.map(\.0).joined(separator: "|"), cs.map(\.1).joined(separator: "|")].joined(separator: "\t"))
        }
        let pasillaLevels = ["Intercept", "typesingle-read", "conditionuntreated"]
        let pasillaContrasts = [("single", "`typesingle-read`"), ("mix", "(`typesingle-read` + conditionuntreated)/3 - 0.1*Intercept")]
        lines.append(["mcx", "cx", pasillaLevels.joined(separator: "|"), pasillaContrasts.map(\.0).joined(separator: "|"),
                      pasillaContrasts.map(\.1).joined(separator: "|")].joined(separator: "\t"))
        lines.append(["sort", "sort", sortFile].joined(separator: "\t"))
        lines.append(["num", "num", Self.literals.joined(separator: "|")].joined(separator: "\t"))
        let casesFile = tmp.appendingPathComponent("cases.tsv").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: casesFile, atomically: true, encoding: .utf8)
        let out = try RLive.run("designs.R", [casesFile])

        // model.matrix: names, order and values exactly.
        for (id, path, formula, levels) in designs {
            let targets = try Targets.read(path)
            let r = try RLive.matrix(out, "\(id).csv").matrix
            let e = try modelMatrix(formula, data: targets, levels: levels)
            #expect(e.colNames == r.colNames, "\(id) \(formula): columns \(e.colNames ?? []) vs R \(r.colNames ?? [])")
            #expect(e.rowNames == r.rowNames, "\(id): row names")
            #expect(e.nrow == r.nrow && e.ncol == r.ncol, "\(id): dimensions")
            if e.nrow == r.nrow && e.ncol == r.ncol {
                let same = zip(e.values, r.values).allSatisfy { $0.bitPattern == $1.bitPattern || ($0 == $1) }
                #expect(same, "\(id) \(formula): values differ")
            }
        }
        // terms(): intercept and term labels.
        for (k, f) in Self.termsCases.enumerated() {
            let rl = try String(contentsOfFile: out.appendingPathComponent("t\(k).txt").path, encoding: .utf8)
                .trimmingCharacters(in: .newlines).components(separatedBy: "\t")
            try #require(rl.count == 4, "\(f): R output \(rl)")
            let parsed = try ModelFormula.parse(f)
            #expect((parsed.intercept ? "1" : "0") == rl[0], "\(f): intercept")
            #expect(parsed.termLabels.joined(separator: "|") == rl[1], "\(f): labels \(parsed.termLabels) vs R \(rl[1])")
            #expect(parsed.factors.flatMap { $0 }.map(String.init).joined(separator: ",") == rl[2], "\(f): factors \(parsed.factors) vs R \(rl[2])")
            #expect(parsed.variables.joined(separator: "|") == rl[3], "\(f): variables \(parsed.variables) vs R \(rl[3])")
            // The normalized text is the same formula.
            let again = try ModelFormula.parse(parsed.normalized)
            #expect(again.termLabels == parsed.termLabels && again.intercept == parsed.intercept && again.factors == parsed.factors)
        }
        // makeContrasts: exact values and names.
        for (id, levels, cs) in Self.contrastCases {
            let r = try RLive.matrix(out, "\(id).csv").matrix
            var warnings = [LimmaWarning]()
            let e = try makeContrasts(cs.map { (name: $0.0, expression: $0.1) }, levels: levels, warnings: &warnings)
            #expect(e.rowNames == r.rowNames && e.colNames == r.colNames, "\(id): dimnames")
            #expect(e.values.map(\.bitPattern) == r.values.map(\.bitPattern), "\(id): values \(e.values) vs R \(r.values)")
            #expect(warnings.count == (levels.first == "(Intercept)" ? 1 : 0))
        }
        // Non-syntactic design columns, with limma's name check lifted.
        do {
            let r = try RLive.matrix(out, "cx.csv").matrix
            var w = [LimmaWarning]()
            // The design's "(Intercept)" is renamed Intercept, with R's warning.
            let e = try makeContrasts(pasillaContrasts.map { (name: $0.0, expression: $0.1) }, levels: ["(Intercept)", "typesingle-read", "conditionuntreated"],
                                      warnings: &w, requireSyntacticNames: false)
            #expect(e.values.map(\.bitPattern) == r.values.map(\.bitPattern), "cx: \(e.values) vs R \(r.values)")
            #expect(e.colNames == r.colNames && e.rowNames == r.rowNames && w.count == 1)
            #expect(throws: LimmaError.self) { try makeContrasts([(name: "s", expression: "`typesingle-read`")], levels: pasillaLevels) }
        }
        // R's sort (ICU root collation).
        let rs = try String(contentsOfFile: out.appendingPathComponent("sort.txt").path, encoding: .utf8)
            .components(separatedBy: "\n").dropLast()
        #expect(RCollation.icu.sort(Self.sortStrings) == Array(rs))
        // Numeric literals: the exact double R's parser gives.
        let rv = try RLive.vector(out, "num.csv")
        let ev = Self.literals.map { RSyntax.strtod(Substring($0).utf8).value }
        var mismatches = [String]()
        for (k, lit) in Self.literals.enumerated() where ev[k].bitPattern != rv[k].bitPattern {
            mismatches.append("\(lit): \(ev[k]) vs R \(rv[k])")
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        try? FileManager.default.removeItem(at: tmp)
    }

    @Test func injectionAttemptsAreRefused() {
        let bad = [
            "~ system(\"id\")", "~ a; q()", "~ log(x)", "~ `a`+`b", "~ `a", "~ a + b`", "~ x$y", "~ x@y", "~ x[1]",
            "~ (a+b)^2", "~ a %in% b", "~ a\n+ b", "~ a\r", "~ 'a'", "~ \"a\"", "~ .", "~ a + 2", "~ poly (x, 2)",
            "~ `a`(b)", "~ a ~ b", "y ~ a", "a", "", "~", "~ a +", "~ (a", "~ a)", "~ a b", "~ TRUE", "~ if",
            "~ a == b", "~ !a", "~ a | b", "~ {a}", "~ a\\b", "~ `a\\`b`", "~ 1L", "~ 0x1", "~ a # comment", "~ a, b",
            "~ a <- b", "~ `a\nb`", "~ ``", "~ I(a)", "~ función", "~ a = 1", "~ ...", "~ ..1", "~ a\u{0}",
        ]
        for text in bad {
            #expect(throws: LimmaError.self, "\(text.debugDescription) must be refused") { try ModelFormula.parse(text) }
        }
        // Messages say what and where.
        do {
            _ = try ModelFormula.parse("~ a; q()")
            Issue.record("not refused")
        } catch let e as LimmaError {
            #expect(e.function == "formula")
            #expect(e.message.contains("';'") && e.message.contains("character 4"), "\(e.message)")
        } catch { Issue.record("\(error)") }
        do {
            _ = try ModelFormula.parse("~ group + log(x)")
            Issue.record("not refused")
        } catch let e as LimmaError {
            #expect(e.message.contains("function call 'log('") && e.message.contains("character 11"), "\(e.message)")
        } catch { Issue.record("\(error)") }
        do {
            _ = try ModelFormula.parse("~ `a`+`b")
            Issue.record("not refused")
        } catch let e as LimmaError {
            #expect(e.message.contains("unbalanced backquote") && e.message.contains("character 7"), "\(e.message)")
        } catch { Issue.record("\(error)") }

        // Deep nesting and very long text are refused, not a stack overflow.
        #expect(throws: LimmaError.self) { try ModelFormula.parse("~ " + String(repeating: "(", count: 5000) + "a" + String(repeating: ")", count: 5000)) }
        #expect(throws: LimmaError.self) { try ContrastExpression.parse(String(repeating: "-", count: 3000) + "A") }
        #expect(throws: LimmaError.self) { try ModelFormula.parse("~ a" + String(repeating: " + a", count: 2000)) }
        #expect((try? ModelFormula.parse("~ a" + String(repeating: " + a:b", count: 660)))?.termLabels == ["a", "a:b"])
        #expect((try? ModelFormula.parse("~ " + String(repeating: "(", count: 50) + "a" + String(repeating: ")", count: 50)))?.termLabels == ["a"])

        let badContrasts = ["A*B", "A/B", "A - B + 1", "2", "system(\"id\")", "A; q()", "log(A)", "A:B", "A^2", "`A", "A$x",
                            "A %*% B", "A/0", "A/(1-1)", "~A", "A\n- B", "(A - B", "A - B)", "A B", "1L*A", "TRUE*A"]
        for text in badContrasts {
            #expect(throws: LimmaError.self, "\(text.debugDescription) must be refused") { try ContrastExpression.parse(text) }
        }
        #expect((try? ContrastExpression.parse("(A+B)/2 - `typesingle-read`"))?.names == ["A", "B", "typesingle-read"])
    }

    @Test func modelMatrixErrors() throws {
        let t = Targets(sampleNames: ["s1", "s2", "s3"], columnNames: ["g", "one", "x", "withNA"],
                        columns: [["a", "b", "a"], ["k", "k", "k"], ["1", "2", "3.5"], ["a", "NA", "b"]])
        func message(_ f: String, levels: [String: [String]] = [:]) -> String {
            do { _ = try modelMatrix(f, data: t, levels: levels); return "" } catch let e as LimmaError { return e.message } catch { return "\(error)" }
        }
        #expect(message("~ g + nothere").contains("the targets columns are: g, one, x, withNA"))
        #expect(message("~ g + one").contains("2 or more levels"))
        #expect(message("~ withNA").contains("sample 's2'"))
        #expect(message("~ g", levels: ["g": ["a"]]).contains("'b'"))
        #expect(message("~ g", levels: ["g": ["a", "b", "a"]]).contains("duplicated"))
        #expect(try modelMatrix("~ g", data: t, levels: ["withNA": ["zz"]]).colNames == ["(Intercept)", "gb"])
        #expect(try modelMatrix("~ 0", data: t).ncol == 0)
        #expect(message("~ g; x").contains("';'"))
        let m = try modelMatrix("~ x", data: t)
        #expect(m.colNames == ["(Intercept)", "x"] && m.column(1) == [1, 2, 3.5])
        // A numeric column made a factor by explicit levels.
        let f = try modelMatrix("~ 0 + x", data: t, levels: ["x": ["3.5", "1", "2"]])
        #expect(f.colNames == ["x3.5", "x1", "x2"])
        #expect(RCollation.c.sort(["b", "A", "a", "B", "_x", "10", "9"]) == ["10", "9", "A", "B", "_x", "a", "b"])
        #expect(RCollation.icu.sort(["b", "A", "a", "B", "_x", "10", "9"]) == ["_x", "10", "9", "a", "A", "b", "B"])
    }

    @Test func makeContrastsErrors() {
        func message(_ e: String, _ levels: [String]) -> String {
            do { _ = try makeContrasts([(name: "x", expression: e)], levels: levels); return "" } catch let e as LimmaError { return e.message } catch { return "\(error)" }
        }
        #expect(message("A - C", ["A", "B"]).contains("the columns (levels) are: A, B"))
        #expect(message("A*B", ["A", "B"]).contains("not linear"))
        #expect(message("`typesingle-read` - A", ["A", "typesingle-read"]).contains("Non-valid names: typesingle-read"))
        #expect(message("A - B", []).contains("No levels"))
        #expect(message("A - B", ["A", "B", "A"]).contains("duplicated"))
        #expect(makeName("typesingle-read") == "typesingle.read" && makeName("1a") == "X1a" && makeName("if") == "if." && makeName("(Intercept)") == "X.Intercept." && makeName("_a") == "X_a" && makeName(".1a") == "X.1a" && makeName("a b") == "a.b" && makeName("é") == "é")
    }
}
