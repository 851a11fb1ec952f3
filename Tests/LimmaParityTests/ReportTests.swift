// The comparison stage and the report writers, on synthetic outputs.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import LimmaParity
import Limma

/// R-like outputs of a small voom/limma pipeline, and the engine's copy with
/// rows permuted and values perturbed by `relError`.
func syntheticPair(n: Int = 400, relError: Double = 1e-14, seed: UInt64 = 1) -> (engine: SideOutputs, r: SideOutputs) {
    var g = SynthRandom(seed: seed)
    let ids = (0..<n).map { "g\($0 + 1)" }
    let contrasts = ["LvsB", "AvsB"]
    var coef = [Double](), t = [Double](), p = [Double]()
    var amean = [Double]()
    for _ in 0..<n { amean.append(2 + 6 * Double.random(in: 0..<1, using: &g)) }
    for c in 0..<2 {
        for i in 0..<n {
            let effect = i % 7 == 0 ? (c == 0 ? 3.0 : -2.0) * g.normal() : 0.3 * g.normal()
            coef.append(effect)
            let tv = effect / (0.15 + 0.1 * Double.random(in: 0..<1, using: &g))
            t.append(tv)
            p.append(Swift.max(1e-300, erfc(Swift.abs(tv) / 2.0.squareRoot())))
        }
    }
    let col0 = Array(p[0..<n])
    let order = Array(0..<n).sorted { col0[$0] != col0[$1] ? col0[$0] < col0[$1] : $0 < $1 }
    let sortedIDs = order.map { ids[$0] }
    var adj = [Double](repeating: 0, count: n)
    var running = 1.0
    for (rank, i) in order.enumerated().reversed() {
        running = Swift.min(running, col0[i] * Double(n) / Double(rank + 1))
        adj[rank] = running
    }
    let decide = (0..<(2 * n)).map { k in p[k] < 1e-3 ? (coef[k] > 0 ? 1.0 : -1.0) : 0 }
    let keep = (0..<n).map { $0 % 11 == 0 ? 0.0 : 1.0 }
    var rTables = [
        StatisticTable(step: "filterByExpr", name: "keep", kind: .exact, rowIDs: ids, columnNames: [], values: keep),
        StatisticTable(step: "calcNormFactors", name: "norm.factors", rowIDs: (1...6).map { "S\($0)" }, columnNames: [],
                       values: [0.98, 1.01, 1.03, 0.97, 1.0, 1.02]),
        StatisticTable(step: "lmFit", name: "coefficients", rowIDs: ids, columnNames: contrasts, values: coef),
        StatisticTable(step: "lmFit", name: "Amean", rowIDs: ids, columnNames: [], values: amean),
        StatisticTable(step: "eBayes", name: "s2.prior", rowIDs: [], columnNames: [], values: [0.0421]),
        StatisticTable(step: "eBayes", name: "t", rowIDs: ids, columnNames: contrasts, values: t),
        StatisticTable(step: "eBayes", name: "p.value", rowIDs: ids, columnNames: contrasts, values: p),
        StatisticTable(step: "decideTests", name: "decideTests", kind: .exact, rowIDs: ids, columnNames: contrasts, values: decide),
        StatisticTable(step: "topTable", name: "order", kind: .order, rowIDs: sortedIDs, columnNames: [], values: []),
    ]
    for (name, v) in [("logFC", order.map { coef[$0] }), ("AveExpr", order.map { amean[$0] }), ("t", order.map { t[$0] }),
                      ("P.Value", order.map { p[$0] }), ("adj.P.Val", adj), ("B", order.map { t[$0] * t[$0] / 2 - 4 })] {
        rTables.append(StatisticTable(step: "topTable", name: name, rowIDs: sortedIDs, columnNames: [], values: v))
    }
    let r = SideOutputs(side: "r", tables: rTables, text: ["topTable.SYMBOL": sortedIDs.map { "Sym" + $0.dropFirst() }],
                        versions: ["R": "4.2.2", "limma": "3.54.1", "edgeR": "3.40.2", "platform": "x86_64-pc-linux-gnu"],
                        pipelineSeconds: 2.5, totalSeconds: 3.9, warnings: ["Partial NA coefficients for 1 probe(s)"])
    // The engine: same values, rows in another order (reversed), tiny perturbations.
    var eTables: [StatisticTable] = []
    for rt in rTables {
        var et = rt
        if rt.kind != .order, rt.rowIDs.count > 1 {
            let nr = rt.rowIDs.count, nc = rt.values.count / nr
            et.rowIDs = rt.rowIDs.reversed()
            et.values = []
            for c in 0..<nc { for i in (0..<nr).reversed() { et.values.append(rt.values[c * nr + i]) } }
        }
        if rt.kind == .numeric {
            et.values = et.values.enumerated().map { k, v in v * (1 + relError * Double(k % 5 - 2) / 2) }
        }
        eTables.append(et)
    }
    let e = SideOutputs(side: "engine", tables: eTables, versions: ["version": "0.1.0"], pipelineSeconds: 0.05, totalSeconds: 0.3)
    return (e, r)
}

func replacing(_ side: SideOutputs, _ key: String, _ change: (inout StatisticTable) -> Void) -> SideOutputs {
    var s = side
    if let i = s.tables.firstIndex(where: { $0.key == key }) { change(&s.tables[i]) }
    return s
}

func stat(_ c: CaseComparison, _ key: String) -> StatisticComparison? { c.statistics.first { $0.key == key } }

@Suite struct ReportTests {
    let tol: [String: Tolerance] = ["default": Tolerance(rel: 1e-10, abs: 1e-12)]

    @Test func alignsByIdWhenRowsArePermuted() throws {
        let (e, r) = syntheticPair()
        let c = compare(engine: e, r: r, tolerances: tol, caseName: "syn")
        #expect(c.pass, "\(c.failing.map { "\($0.key): \($0.message ?? "")" })")
        let t = try #require(stat(c, "eBayes.t"))
        #expect(t.n == 800)
        #expect(t.nNAMismatch == 0)
        #expect((t.maxRel ?? 1) < 1e-13 && (t.maxRel ?? 0) > 0)
        #expect(t.worst.count == 5 && t.worst[0].column != nil)
        // The worst feature carries both values for the same id.
        let w = t.worst[0]
        let rt = try #require(r.table("eBayes.t"))
        let row = try #require(rt.rowIDs.firstIndex(of: w.id)), col = try #require(rt.columnNames.firstIndex(of: w.column ?? ""))
        #expect(w.r == rt.values[col * rt.rowIDs.count + row])
        // A scalar compares too.
        #expect(stat(c, "eBayes.s2.prior")?.n == 1)
        // Comparing by position would fail: the engine's rows are reversed.
        #expect(e.table("eBayes.t")?.rowIDs.first != r.table("eBayes.t")?.rowIDs.first)
    }

    @Test func naMustAgreeInPlace() throws {
        var (e, r) = syntheticPair(relError: 0)
        r = replacing(r, "lmFit.coefficients") { t in
            t.values[3] = .nan; t.isNA = [Bool](repeating: false, count: t.values.count); t.isNA?[3] = true
            t.values[5] = .nan
        }
        // The engine (rows reversed) has NA in the same place for row 3 and a number for row 5.
        e = replacing(e, "lmFit.coefficients") { t in
            let n = t.rowIDs.count
            t.values[n - 1 - 3] = .nan
        }
        let c = compare(engine: e, r: r, tolerances: tol)
        let s = try #require(stat(c, "lmFit.coefficients"))
        #expect(!s.pass)
        #expect(s.nNAMismatch == 1)
        #expect(s.worst.first?.id == "g6" && s.worst.first?.note == "NA in R")
        #expect(s.message?.contains("1 NA mismatches") == true)
        #expect(!c.pass)
    }

    @Test func toleranceSemantics() {
        let t = Tolerance(rel: 1e-6, abs: 1e-9)
        // within abs, though not within rel
        #expect(!judgeCell(r: 1e-12, engine: 5e-10, tolerance: t, pValueLike: false).fail)
        // within rel, though not within abs
        #expect(!judgeCell(r: 1000, engine: 1000.0005, tolerance: t, pValueLike: false).fail)
        #expect(judgeCell(r: 1000, engine: 1000.002, tolerance: t, pValueLike: false).fail)
        // log10 applies to p-value-like statistics only
        let l = Tolerance(rel: 1e-10, abs: 0, log10: 0.01)
        #expect(!judgeCell(r: 1e-200, engine: 1.01e-200, tolerance: l, pValueLike: true).fail)
        #expect(judgeCell(r: 1e-200, engine: 1.01e-200, tolerance: l, pValueLike: false).fail)
        #expect(judgeCell(r: 1e-200, engine: 1.1e-200, tolerance: l, pValueLike: true).fail)
        // exact: only equality; infinities equal only to themselves
        #expect(judgeCell(r: 1, engine: 1 + 1e-16 * 2, tolerance: nil, pValueLike: false).fail)
        #expect(!judgeCell(r: .infinity, engine: .infinity, tolerance: t, pValueLike: false).fail)
        #expect(judgeCell(r: .infinity, engine: 1e308, tolerance: t, pValueLike: false).fail)
        #expect(judgeCell(r: 0, engine: 1e-300, tolerance: Tolerance(rel: 1), pValueLike: false).fail)
        // lookup order: step label, step function, statistic, default, project bar
        let tols = ["default": Tolerance(rel: 1e-3), "t": Tolerance(rel: 1e-4), "eBayes.t": Tolerance(rel: 1e-5), "topTable#2.t": Tolerance(rel: 1e-7)]
        #expect(resolveTolerance(step: "eBayes#2", name: "t", kind: .numeric, tolerances: tols)?.rel == 1e-5)
        #expect(resolveTolerance(step: "topTable", name: "t", kind: .numeric, tolerances: tols)?.rel == 1e-4)
        #expect(resolveTolerance(step: "topTable#2", name: "t", kind: .numeric, tolerances: tols)?.rel == 1e-7)
        #expect(resolveTolerance(step: "lmFit", name: "sigma", kind: .numeric, tolerances: tols)?.rel == 1e-3)
        #expect(resolveTolerance(step: "lmFit", name: "sigma", kind: .numeric, tolerances: [:]) == .project)
        #expect(resolveTolerance(step: "filterByExpr", name: "keep", kind: .exact, tolerances: tols) == nil)
        #expect(resolveTolerance(step: "filterByExpr", name: "keep", kind: .exact, tolerances: ["keep": Tolerance(abs: 1)])?.abs == 1)
    }

    @Test func perturbationBeyondToleranceFails() throws {
        let (e, r) = syntheticPair(relError: 1e-8)
        let c = compare(engine: e, r: r, tolerances: tol)
        let t = try #require(stat(c, "eBayes.t"))
        #expect(!t.pass && t.nFail > 0)
        #expect((t.worst.first?.relDiff ?? 0) > 1e-10)
        // A looser statistic tolerance passes it; exact statistics are untouched by perturbation.
        let c2 = compare(engine: e, r: r, tolerances: ["default": Tolerance(rel: 1e-6)])
        #expect(c2.pass)
        #expect(stat(c2, "filterByExpr.keep")?.tolerance == nil)
    }

    @Test func exactAndOrderKinds() throws {
        var (e, r) = syntheticPair(relError: 0)
        // One decideTests call differs (R 0, engine 1), and two rows swap in topTable's order.
        let n = try #require(r.table("decideTests.decideTests")).rowIDs.count
        let zero = try #require(r.table("decideTests.decideTests")?.values.firstIndex(of: 0))
        e = replacing(e, "decideTests.decideTests") { t in
            let c = zero / n, i = zero % n
            t.values[c * n + (n - 1 - i)] = 1
        }
        e = replacing(e, "topTable.order") { t in t.rowIDs.swapAt(2, 3) }
        let c = compare(engine: e, r: r, tolerances: tol)
        let d = try #require(stat(c, "decideTests.decideTests"))
        #expect(!d.pass && d.nFail == 1)
        let m = try #require(d.confusion)
        #expect(m[1][2] == 1)
        #expect(m.flatMap { $0 }.reduce(0, +) == 2 * n)
        let o = try #require(stat(c, "topTable.order"))
        #expect(!o.pass && o.nFail == 2)
        #expect(o.worst.first?.id == "3" && o.worst.first?.rID == r.table("topTable.order")?.rowIDs[2])
        #expect(o.message?.contains("first at 3") == true)
        #expect(stat(c, "filterByExpr.keep")?.pass == true)
    }

    @Test func missingRowsColumnsAndTablesFail() throws {
        var (e, r) = syntheticPair(relError: 0)
        e = replacing(e, "lmFit.Amean") { t in t.rowIDs.removeLast(); t.values.removeLast() }
        e = replacing(e, "eBayes.t") { t in
            let n = t.rowIDs.count
            t.columnNames = ["LvsB"]; t.values = Array(t.values[0..<n])
        }
        e.tables.removeAll { $0.key == "eBayes.p.value" }
        r.tables.removeAll { $0.key == "eBayes.s2.prior" }
        let c = compare(engine: e, r: r, tolerances: tol)
        let a = try #require(stat(c, "lmFit.Amean"))
        #expect(!a.pass && a.nMissingInEngine == 1 && a.missingInEngine == ["g1"])
        let t = try #require(stat(c, "eBayes.t"))
        #expect(!t.pass && t.missingColumnsInEngine == ["AvsB"])
        #expect(stat(c, "eBayes.p.value")?.message?.hasPrefix("missing in engine") == true)
        #expect(stat(c, "eBayes.s2.prior")?.message?.hasPrefix("missing in R") == true)
        #expect(!c.pass)
    }

    @Test func reportJSONRoundTripsWithContractKeys() throws {
        var (e, r) = syntheticPair(relError: 1e-8)
        r = replacing(r, "lmFit.Amean") { t in t.values[0] = 0 }  // max_rel becomes Inf
        let c = compare(engine: e, r: r, tolerances: tol, caseName: "syn-json", title: "A \"quoted\" title")
        let text = ReportJSON.render(c)
        let back = try ReportJSON.decode(Data(text.utf8))
        #expect(back == c)
        // Contract keys, in order.
        let keys = ["\"case\"", "\"pass\"", "\"r\"", "\"engine\"", "\"statistics\"", "\"timing\""]
        let positions = keys.map { text.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(zip(positions, positions.dropFirst()).allSatisfy { $0! < $1! })
        for k in ["\"n_na_mismatch\"", "\"max_abs\"", "\"max_rel\"", "\"median_rel\"", "\"tolerance\"", "\"worst\"", "\"engine_s\"", "\"r_s\"", "\"limma\"", "\"edgeR\""] {
            #expect(text.contains(k), "\(k)")
        }
        #expect(text.contains("\"version\": \"4.2.2\""))
        #expect(text.contains("\"max_rel\": \"Inf\""))
        // Valid JSON for a generic parser too.
        #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
        let failed = CaseComparison.failed(caseName: "broken", title: nil, error: "R failed:\nError in voom()")
        #expect(try ReportJSON.decode(Data(ReportJSON.render(failed).utf8)) == failed)
        // Same input, same bytes.
        #expect(ReportJSON.render(compare(engine: e, r: r, tolerances: tol, caseName: "syn-json", title: "A \"quoted\" title")) == text)
    }

    @Test func junitParsesBack() throws {
        let (e, r) = syntheticPair(relError: 1e-8)
        let bad = compare(engine: e, r: r, tolerances: tol, caseName: "syn<bad>&")
        let (e2, r2) = syntheticPair(relError: 0, seed: 2)
        let good = compare(engine: e2, r: r2, tolerances: tol, caseName: "syn-good")
        let broken = CaseComparison.failed(caseName: "syn-broken", error: "R failed:\nError in voom(): \"x\" < 0")
        let xml = JUnit.render([bad, good, broken])
        final class Collector: NSObject, XMLParserDelegate {
            var suites: [[String: String]] = []
            var cases = 0, failures: [String] = [], errors = 0
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                switch name {
                case "testsuite": suites.append(attributes)
                case "testcase": cases += 1
                case "failure": failures.append(attributes["message"] ?? "")
                case "error": errors += 1
                default: break
                }
            }
        }
        let parser = XMLParser(data: Data(xml.utf8))
        let col = Collector()
        parser.delegate = col
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(col.suites.map { $0["name"] } == ["syn<bad>&", "syn-good", "syn-broken"])
        #expect(col.cases == bad.statistics.count + good.statistics.count + 1)
        #expect(col.failures.count == bad.failing.count && !col.failures.isEmpty)
        #expect(col.suites[0]["failures"] == String(bad.failing.count))
        #expect(col.errors == 1)
        #expect(col.failures.allSatisfy { !$0.isEmpty })
    }

    @Test func markdownHeaderAndFailures() {
        let (e, r) = syntheticPair(relError: 1e-8)
        let c = compare(engine: e, r: r, tolerances: tol, caseName: "syn-md")
        let md = ReportMarkdown.render(c)
        let first = md.split(separator: "\n").first ?? ""
        #expect(first.contains("FAIL") && first.contains("syn-md") && first.contains("pipeline: engine 0.05 s, R 2.5 s (R/engine 50.0x) · end to end: engine 0.3 s, R 3.9 s"))
        #expect(md.contains("R 4.2.2 · limma 3.54.1 · edgeR 3.40.2"))
        #expect(md.contains("#### ❌ eBayes") && md.contains("#### ✅ filterByExpr"))
        #expect(md.contains("**`eBayes.t`**"))
        let (e2, r2) = syntheticPair(relError: 0)
        let ok = ReportMarkdown.render(compare(engine: e2, r: r2, tolerances: tol, caseName: "syn-ok"))
        #expect(ok.hasPrefix("### ✅ PASS syn-ok"))
        #expect(ReportMarkdown.renderRun([c]).contains("0 of 1 cases pass"))
    }

    @Test func outputsCSVAreLossless() throws {
        var (_, r) = syntheticPair(n: 30, relError: 0)
        r = replacing(r, "lmFit.Amean") { t in
            t.values[0] = .nan; t.values[1] = .nan; t.isNA = [Bool](repeating: false, count: t.values.count); t.isNA?[0] = true
            t.values[2] = 0.1; t.values[3] = -.infinity
        }
        let files = Dictionary(uniqueKeysWithValues: OutputsCSV.files(r).map { ($0.name, $0.text) })
        #expect(files["topTable.csv"] != nil && files["topTable.logFC.csv"] == nil)
        let amean = try #require(files["lmFit.Amean.csv"])
        let lines = amean.split(separator: "\n")
        #expect(lines[0] == "\"\",\"Amean\"")
        #expect(lines[1] == "\"g1\",NA" && lines[2] == "\"g2\",NaN" && lines[3] == "\"g3\",0.10000000000000001" && lines[4] == "\"g4\",-Inf")
        let tt = try #require(files["topTable.csv"]).split(separator: "\n")
        #expect(tt[0] == "\"\",\"SYMBOL\",\"logFC\",\"AveExpr\",\"t\",\"P.Value\",\"adj.P.Val\",\"B\"")
        let order = try #require(r.table("topTable.order")).rowIDs
        #expect(tt[1].hasPrefix("\"\(order[0])\",\"Sym"))
        // Every number reads back to the same double.
        let lfc = try #require(r.table("topTable.logFC"))
        for (i, line) in tt.dropFirst().enumerated() {
            let f = line.split(separator: ",")
            #expect(Double(String(f[2])) == lfc.values[i])
        }
        #expect(files["eBayes.t.csv"]?.hasPrefix("\"\",\"LvsB\",\"AvsB\"\n") == true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limma-parity-csv-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try OutputsCSV.write(r, to: dir)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("eBayes.p.value.csv").path))
        #expect(out.lastPathComponent == "r")
    }

    @Test func losslessNumbersMatchPrintf() {
        var g = SynthRandom(seed: 11)
        var xs: [Double] = [0, 1, -1, 13, 1e15, 9.007199254740993e15, 1e17, 1e-300, 5e-324, .greatestFiniteMagnitude, 0.1, -2.5]
        for _ in 0..<2000 { xs.append(g.normal() * pow(10, Double(Int(g.uniform() * 40) - 20))) }
        for _ in 0..<500 { xs.append((g.normal() * 1e6).rounded()) }
        for x in xs {
            #expect(formatLossless(x) == String(format: "%.17g", x), "\(x)")
            #expect(Double(formatLossless(x)) == x)
        }
        #expect(formatLossless(-0.0) == "-0" && formatLossless(.nan) == "NaN" && formatLossless(1, isNA: true) == "NA")
        #expect(formatLossless(-.infinity) == "-Inf")
    }

    /// The fast %.17g (Lossless) against the C library on hard cases: every
    /// power of two (2^-25 = 2.98023223876953125e-08 is an exact tie at 17
    /// digits), small odd multiples of them, powers of ten and their
    /// neighbours, decimal exponents -4 and 17 (the notation switch), and
    /// random bit patterns over the whole range.
    @Test func losslessNumbersMatchPrintfEverywhere() {
        var xs: [Double] = []
        for e in -1074...1023 {
            let p = Double(sign: .plus, exponent: e, significand: 1)
            for m in [1.0, 3, 5, 7, 9, 11, 13, 25, 125] where (p * m).isFinite { xs.append(p * m); xs.append(-p * m) }
        }
        for q in -310...308 {
            guard let p = Double("1e\(q)"), p.isFinite, p != 0 else { continue }
            xs += [p, p.nextUp, p.nextDown, 9.5 * p, 9.9999999999999996 * p, 0.99999999999999994 * p]
        }
        xs += [1e-4, 0.0001234, 9.9999999999999995e-5, 1e17, 99999999999999999, 123456789012345678, 0.1, 0.5, 2.5, 1.5e300]
        var g = SynthRandom(seed: 12)
        for _ in 0..<200_000 {
            let bits = UInt64(g.uniform() * 0x1p32) << 32 | UInt64(g.uniform() * 0x1p32)
            let x = Double(bitPattern: bits)
            if x.isFinite { xs.append(x) }
        }
        for _ in 0..<50_000 { xs.append((g.normal() * 1e6).rounded() / 1000) }  // few digits, like a rounded statistic
        var bad: [String] = []
        for x in xs where x.isFinite && formatLossless(x) != String(format: "%.17g", x) {
            bad.append("\(String(format: "%.17g", x)) written \(formatLossless(x))")
        }
        #expect(bad.isEmpty, "\(bad.count) differ: \(bad.prefix(5))")
        #expect(formatLossless(0x1p-25) == "2.9802322387695312e-08")
    }

    /// OutputsCSV.write streams each statistic in blocks (over threads); the
    /// files are byte for byte `files(side)`, whatever the block and thread count.
    @Test func streamedFilesEqualTheTexts() throws {
        var (_, r) = syntheticPair(n: 5000, relError: 0)
        r = replacing(r, "lmFit.Amean") { t in t.values[7] = .nan; t.isNA = [Bool](repeating: false, count: t.values.count); t.isNA?[7] = true }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limma-parity-stream-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir); LimmaThreads.set(0) }
        for threads in [1, 3] {
            LimmaThreads.set(threads)
            let out = try OutputsCSV.write(r, to: dir)
            let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
            let expected = OutputsCSV.files(r)
            #expect(names == expected.map(\.name).sorted(), "no temporary files left")
            for (name, text) in expected {
                #expect(try Data(contentsOf: out.appendingPathComponent(name)) == Data(text.utf8), "\(name), \(threads) threads")
            }
        }
    }

    @Test func htmlIsSelfContainedSVG() {
        let (e, r) = syntheticPair(n: 3000, relError: 1e-8)
        let c = compare(engine: e, r: r, tolerances: tol, caseName: "syn-html")
        let html = ReportHTML.render(c, engine: e, r: r, maxPoints: 1000)
        #expect(html.contains("<svg"))
        #expect(!html.contains("<script"))
        let urls = html.components(separatedBy: "http").count - 1
        let xmlns = html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1
        #expect(urls == xmlns, "no network references")
        #expect(html.contains("MD plot (R)") && html.contains("volcano (engine)"))
        #expect(html.contains("1000 of 6000 points"))
        // The header's ratios say what they cover, as report.md's do.
        #expect(html.contains("pipeline: engine 0.05 s, R 2.5 s (R/engine 50.0x) · end to end: engine 0.3 s, R 3.9 s"))
        // Deterministic.
        #expect(html == ReportHTML.render(c, engine: e, r: r, maxPoints: 1000))
        #expect(SVGPlot.label(2.4e7) == "2.4e7" && SVGPlot.label(1e-5) == "1e-5" && SVGPlot.label(-0.0) == "0" && SVGPlot.label(0.25) == "0.25")
        // A case the engine could not run: the error, R's side, no plots of the engine.
        let failed = CaseComparison.failed(caseName: "syn-broken", error: "engine failed in voom: <bad> & worse")
        let fh = ReportHTML.render(failed, engine: nil, r: r)
        #expect(fh.contains("FAIL") && fh.contains("engine failed in voom: &lt;bad&gt; &amp; worse") && !fh.contains("<svg"))
        // The worst points are kept when subsampling.
        let keep = subsample(count: 10_000, maxPoints: 100, keep: 10, hash: { fnv1a("k\($0)") }, score: { Double($0) })
        #expect(keep.count == 100 && (9990..<10_000).allSatisfy { keep.contains($0) })
    }

    static var chromium: String? {
        for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    @Test(.enabled(if: ReportTests.chromium != nil), .timeLimit(.minutes(2)))
    func htmlRendersInHeadlessChromium() throws {
        // Mostly within tolerance; eBayes.t held to a bar it misses, so the page shows failures too.
        let (e, r) = syntheticPair(n: 2000, relError: 3e-11)
        var tols = tol
        tols["eBayes.t"] = Tolerance(rel: 2e-11, abs: 1e-12)
        let c = compare(engine: e, r: r, tolerances: tols, caseName: "syn-chromium", title: "Synthetic case rendered by Chromium")
        #expect(!c.pass && c.failing.map(\.key) == ["eBayes.t"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("limma-parity-html-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try ReportHTML.write(c, engine: e, r: r, to: dir)
        let png = dir.appendingPathComponent("shot.png")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try #require(ReportTests.chromium))
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--user-data-dir=\(dir.appendingPathComponent("profile").path)",
                       "--screenshot=\(png.path)", "--window-size=1400,2400", dir.appendingPathComponent("report.html").absoluteString]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(90)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        let data = try Data(contentsOf: png)
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // A blank page compresses to a few kilobytes; a page of tables and plots does not.
        #expect(data.count > 60_000, "PNG is \(data.count) bytes")
        #expect(Set(data).count > 200)
        if let keep = ProcessInfo.processInfo.environment["LIMMA_PARITY_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: png, to: URL(fileURLWithPath: keep))
            try? FileManager.default.removeItem(atPath: keep + ".html")
            try FileManager.default.copyItem(at: dir.appendingPathComponent("report.html"), to: URL(fileURLWithPath: keep + ".html"))
        }
    }
}

@Suite struct ReportScaleTests {
    /// Half the size of GSE60450 (8k genes, a 12-sample matrix): compared and rendered in seconds
    /// (a debug build; release is many times faster), and the page stays small.
    @Test func largeCaseStaysFastAndSmall() throws {
        var (e, r) = syntheticPair(n: 8_000, relError: 1e-13)
        var g = SynthRandom(seed: 9)
        let ids = (0..<8_000).map { "g\($0 + 1)" }, samples = (1...12).map { "S\($0)" }
        let E = (0..<(8_000 * 12)).map { _ in 5 + 2 * g.normal() }
        r.tables.insert(StatisticTable(step: "voom", name: "E", rowIDs: ids, columnNames: samples, values: E), at: 2)
        e.tables.insert(StatisticTable(step: "voom", name: "E", rowIDs: ids, columnNames: samples, values: E.map { $0 * (1 + 1e-15) }), at: 2)
        let t0 = Date()
        let c = compare(engine: e, r: r, tolerances: ["default": .project], caseName: "big")
        let t1 = Date()
        let html = ReportHTML.render(c, engine: e, r: r)
        let t2 = Date()
        #expect(c.pass)
        #expect(stat(c, "voom.E")?.n == 96_000)
        #expect(html.utf8.count < 3_000_000, "\(html.utf8.count) bytes")
        #expect(html.contains("2000 of 96000 points"))
        print("compare \(t1.timeIntervalSince(t0)) s, html \(t2.timeIntervalSince(t1)) s, \(html.utf8.count) bytes")
    }
}
