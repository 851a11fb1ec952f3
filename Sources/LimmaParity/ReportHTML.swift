// report.html: a case's report for a person. A summary table, the failing
// statistics' worst features, an MD plot and a volcano plot from each side,
// and for every statistic an R-vs-engine scatter and its relative differences.
// One self-contained file: inline CSS and SVG, no scripts, no network.
import Foundation

public enum ReportHTML {
    /// Renders the page. `engine`/`r` are the outputs compared (nil: the plots are left out).
    /// Scatters with more than `maxPoints` points are subsampled deterministically,
    /// always keeping the `keepWorst` points with the largest differences.
    public static func render(_ c: CaseComparison, engine: SideOutputs?, r: SideOutputs?, maxPoints: Int = 2000, keepWorst: Int = 200) -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        h += "<title>\(esc(c.caseName)): \(c.pass ? "pass" : "FAIL") · limma-parity</title><style>\(css)</style></head><body>\n"
        h += "<header class=\"\(c.pass ? "ok" : "bad")\"><h1><span class=\"badge\">\(c.pass ? "PASS" : "FAIL")</span> \(esc(c.caseName))</h1>"
        if let t = c.title { h += "<p class=\"title\">\(esc(t))</p>" }
        h += "<p class=\"meta\">\(esc(ReportMarkdown.versionsLine(c)))</p>"
        h += "<p class=\"meta\">\(esc(timingLine(c)))</p></header>\n<main>\n"
        if let e = c.error { h += "<section><h2>Error</h2><pre class=\"err\">\(esc(e))</pre></section>\n" }
        if !c.statistics.isEmpty {
            h += "<section><h2>Summary</h2><p>\(c.statistics.count - c.failing.count) of \(c.statistics.count) statistics within tolerance.</p>"
            h += summaryTable(c) + "</section>\n"
        }
        if !c.failing.isEmpty {
            h += "<section><h2>Failing statistics</h2>"
            for s in c.failing { h += failureBlock(s) }
            h += "</section>\n"
        }
        if let engine, let r {
            let md = resultPlots(engine: engine, r: r, maxPoints: maxPoints)
            if !md.isEmpty { h += "<section><h2>Results from both sides</h2>\(md)</section>\n" }
            h += "<section><h2>R against the engine, per statistic</h2>"
            h += "<p class=\"hint\">Left: the engine's value against R's (dashed: y = x). Right: log10 of the relative difference |engine − R| / |R| against R's value; "
            h += "identical values sit on the bottom edge, the dashed red line is the relative tolerance. Red points are out of tolerance.</p>"
            for (step, stats) in c.steps {
                h += "<h3>\(esc(step))</h3><div class=\"grid\">"
                for s in stats { h += statisticCard(s, engine: engine, r: r, maxPoints: maxPoints, keepWorst: keepWorst) }
                h += "</div>"
            }
            h += "</section>\n"
        }
        if !c.engineWarnings.isEmpty || !c.rWarnings.isEmpty {
            h += "<section><h2>Warnings</h2><ul>"
            for w in c.rWarnings { h += "<li>R: \(esc(w))</li>" }
            for w in c.engineWarnings { h += "<li>engine: \(esc(w))</li>" }
            h += "</ul></section>\n"
        }
        h += "</main><footer>limma-parity report · statistics aligned by feature id and column name</footer></body></html>\n"
        return h
    }

    /// Writes `report.html` into `directory`.
    public static func write(_ c: CaseComparison, engine: SideOutputs?, r: SideOutputs?, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(render(c, engine: engine, r: r).utf8).write(to: directory.appendingPathComponent("report.html"), options: .atomic)
    }

    static func esc(_ s: String) -> String { JUnit.attr(s) }

    /// The header's times: the pipeline and end to end, each with its ratio
    /// (`ReportMarkdown.timingParts`).
    static func timingLine(_ c: CaseComparison) -> String {
        let parts = ReportMarkdown.timingParts(c)
        return parts.isEmpty ? "timing not recorded" : parts.joined(separator: " · ")
    }

    static func summaryTable(_ c: CaseComparison) -> String {
        var t = "<table class=\"sum\"><thead><tr><th>step</th><th>statistic</th><th>kind</th><th>n</th><th>NA mismatch</th>"
        t += "<th>max abs</th><th>max rel</th><th>median rel</th><th>tolerance</th><th>result</th></tr></thead><tbody>"
        for (step, stats) in c.steps {
            for (i, s) in stats.enumerated() {
                t += "<tr class=\"\(s.pass ? "ok" : "bad")\">"
                if i == 0 { t += "<td rowspan=\"\(stats.count)\" class=\"step\">\(esc(step))</td>" }
                t += "<td><a href=\"#\(anchor(s))\"><code>\(esc(s.name))</code></a></td><td>\(s.kind.rawValue)</td>"
                t += "<td class=\"n\">\(s.n)</td><td class=\"n\">\(s.nNAMismatch)</td>"
                t += "<td class=\"n\">\(dash(s.maxAbs))</td><td class=\"n\">\(dash(s.maxRel))</td><td class=\"n\">\(dash(s.medianRel))</td>"
                t += "<td>\(esc(ReportMarkdown.toleranceText(s)))</td><td class=\"res\">\(s.pass ? "pass" : "FAIL")</td></tr>"
            }
        }
        return t + "</tbody></table>"
    }

    static func dash(_ x: Double?) -> String { x == nil ? "—" : formatShort(x) }

    static func anchor(_ s: StatisticComparison) -> String {
        "s-" + String(s.key.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? Character($0) : "-" })
    }

    static func failureBlock(_ s: StatisticComparison) -> String {
        var h = "<div class=\"fail\"><h3><a href=\"#\(anchor(s))\"><code>\(esc(s.key))</code></a></h3><p>\(esc(s.message ?? "failed"))</p>"
        if let m = s.confusion { h += crossTab(m, labels: ["-1", "0", "1"]) }
        if s.worst.isEmpty { return h + "</div>" }
        if s.kind == .order {
            h += "<table><thead><tr><th>position</th><th>R id</th><th>engine id</th></tr></thead><tbody>"
            for w in s.worst { h += "<tr><td class=\"n\">\(esc(w.id))</td><td>\(esc(w.rID ?? ""))</td><td>\(esc(w.engineID ?? ""))</td></tr>" }
        } else {
            h += "<table><thead><tr><th>feature</th><th>R</th><th>engine</th><th>abs diff</th><th>rel diff</th><th></th></tr></thead><tbody>"
            for w in s.worst {
                h += "<tr><td>\(esc(w.id))\(w.column.map { " <span class=\"col\">[\(esc($0))]</span>" } ?? "")</td>"
                h += "<td class=\"n\">\(w.rText)</td>"
                h += "<td class=\"n\">\(w.engineText)</td>"
                h += "<td class=\"n\">\(w.absDiff.map { formatShort($0) } ?? "")</td><td class=\"n\">\(w.relDiff.map { formatShort($0) } ?? "")</td>"
                h += "<td>\(esc(w.note ?? ""))</td></tr>"
            }
        }
        return h + "</tbody></table></div>"
    }

    static func crossTab(_ m: [[Int]], labels: [String]) -> String {
        var h = "<table class=\"xt\"><thead><tr><th>R \\ engine</th>" + labels.map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (i, row) in m.enumerated() {
            h += "<tr><th>\(esc(labels[i]))</th>"
            for (j, v) in row.enumerated() { h += "<td class=\"n\(i != j && v > 0 ? " off" : "")\">\(v)</td>" }
            h += "</tr>"
        }
        return h + "</tbody></table>"
    }

    // MARK: per-statistic cards

    static func statisticCard(_ s: StatisticComparison, engine: SideOutputs, r: SideOutputs, maxPoints: Int, keepWorst: Int) -> String {
        var h = "<div class=\"card \(s.pass ? "ok" : "bad")\" id=\"\(anchor(s))\"><h4><code>\(esc(s.name))</code> <span class=\"res\">\(s.pass ? "pass" : "FAIL")</span></h4>"
        h += "<p class=\"stat\">n \(s.n) · max rel \(dash(s.maxRel)) · median rel \(dash(s.medianRel))\(s.nNAMismatch > 0 ? " · NA mismatch \(s.nNAMismatch)" : "")</p>"
        guard let rt = r.table(s.key), let et = engine.table(s.key) else {
            return h + "<p class=\"hint\">\(esc(s.message ?? "one side has no values"))</p></div>"
        }
        switch s.kind {
        case .order:
            h += orderPlot(engine: et, r: rt, maxPoints: maxPoints)
        case .exact where s.tolerance == nil:
            h += exactTab(engine: et, r: rt) ?? scatterPair(s, engine: et, r: rt, maxPoints: maxPoints, keepWorst: keepWorst)
        default:
            h += scatterPair(s, engine: et, r: rt, maxPoints: maxPoints, keepWorst: keepWorst)
        }
        return h + "</div>"
    }

    /// Exact values with few distinct levels: a cross-tabulation instead of a scatter.
    static func exactTab(engine et: StatisticTable, r rt: StatisticTable) -> String? {
        guard let al = alignTables(engine: et, r: rt) else { return nil }
        let cells = al.columns.flatMap { cp in al.rows.map { al.indices(row: $0, column: cp) } }
        func key(_ t: StatisticTable, _ k: Int) -> String { formatLossless(t.values[k], isNA: t.isNA?[k] ?? false) }
        var levels = Set<String>()
        for c in cells {
            levels.insert(key(rt, c.r)); levels.insert(key(et, c.engine))
            if levels.count > 6 { return nil }
        }
        let sorted = levels.sorted { (Double($0) ?? .infinity, $0) < (Double($1) ?? .infinity, $1) }
        var m = [[Int]](repeating: [Int](repeating: 0, count: sorted.count), count: sorted.count)
        let index = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, $0) })
        for c in cells { if let i = index[key(rt, c.r)], let j = index[key(et, c.engine)] { m[i][j] += 1 } }
        return crossTab(m, labels: sorted)
    }

    static func scatterPair(_ s: StatisticComparison, engine et: StatisticTable, r rt: StatisticTable, maxPoints: Int, keepWorst: Int) -> String {
        guard let al = alignTables(engine: et, r: rt) else { return "<p class=\"hint\">malformed table</p>" }
        let rowHash = al.rowNames.map(fnv1a), colHash = al.columnNames.map(fnv1a)
        let pLike = isPValueLike(s.name)
        // p-value-like statistics are drawn on the -log10 scale.
        func tr(_ x: Double) -> Double { pLike ? (x > 0 ? -Foundation.log10(x) : .infinity) : x }
        var xs: [Double] = [], ys: [Double] = [], logRel: [Double] = [], fail: [Bool] = [], keys: [UInt64] = [], score: [Double] = []
        var nMissing = 0
        for cp in al.columns { for rp in al.rows {
            let c = al.indices(row: rp, column: cp)
            let x = rt.values[c.r], y = et.values[c.engine]
            let xNA = (rt.isNA?[c.r] ?? false) || x.isNaN, yNA = (et.isNA?[c.engine] ?? false) || y.isNaN
            if xNA || yNA { nMissing += 1; continue }
            let j = judgeCell(r: x, engine: y, tolerance: s.tolerance, pValueLike: pLike)
            xs.append(tr(x)); ys.append(tr(y))
            logRel.append(j.rel == 0 ? -17 : (j.rel.isFinite ? Swift.max(-17, Foundation.log10(j.rel)) : .infinity))
            fail.append(j.fail)
            keys.append(mixHash(rowHash[rp.0], colHash[cp.0]))
            score.append(j.score.isNaN ? .infinity : Swift.max(j.score, j.rel.isFinite ? j.rel : .infinity))
        } }
        if xs.isEmpty { return "<p class=\"hint\">no values present on both sides</p>" }
        // Infinite -log10 p (p = 0): drawn just above the largest finite value.
        if pLike {
            let top = (xs + ys).filter(\.isFinite).max() ?? 1
            for i in xs.indices {
                if xs[i].isInfinite { xs[i] = top * 1.05 + 0.5 }
                if ys[i].isInfinite { ys[i] = top * 1.05 + 0.5 }
            }
        }
        let keep = subsample(count: xs.count, maxPoints: maxPoints, keep: keepWorst, hash: { keys[$0] }, score: { score[$0] })
        let note = keep.count < xs.count ? "\(keep.count) of \(xs.count) points (worst \(Swift.min(keepWorst, keep.count)) kept)" : "\(xs.count) point\(xs.count == 1 ? "" : "s")"
        let noteFull = nMissing > 0 ? note + ", \(nMissing) missing" : note
        let ok = keep.filter { !fail[$0] }, bad = keep.filter { fail[$0] }
        let scale = pLike ? "−log10 " : ""
        var series = [PlotSeries(label: "", color: "#3b6ea8", points: ok.map { (xs[$0], ys[$0]) })]
        if !bad.isEmpty { series.append(PlotSeries(label: "fail", color: "#d62728", points: bad.map { (xs[$0], ys[$0]) }, size: 4.5)) }
        let scatter = SVGPlot(title: "\(s.name): engine vs R", xLabel: "\(scale)R", yLabel: "\(scale)engine", series: series,
                              width: 300, height: 280, diagonal: true, note: noteFull)
        if s.maxAbs == 0 && s.nNAMismatch == 0 {
            return "<div class=\"pair\">" + scatter.render() + "<p class=\"same\">All \(xs.count) values identical to the last bit.</p></div>"
        }
        // The difference plot: infinite log-rel (R = 0, engine not) drawn at the top.
        let finiteTop = logRel.filter(\.isFinite).max() ?? 0
        let lr = logRel.map { $0.isFinite ? $0 : Swift.max(finiteTop, 0) + 1 }
        var dseries = [PlotSeries(label: "", color: "#3b6ea8", points: ok.map { (xs[$0], lr[$0]) })]
        if !bad.isEmpty { dseries.append(PlotSeries(label: "", color: "#d62728", points: bad.map { (xs[$0], lr[$0]) }, size: 4.5)) }
        var lines: [(y: Double, color: String, dashed: Bool)] = [(-17, "#bbb", false)]
        if let rel = s.tolerance?.rel, rel > 0 { lines.append((Foundation.log10(rel), "#d62728", true)) }
        let diff = SVGPlot(title: "\(s.name): relative difference", xLabel: "\(scale)R", yLabel: "log10 |engine − R| / |R|",
                           series: dseries, width: 300, height: 280, hLines: lines,
                           note: "bottom edge: identical · max rel \(dash(s.maxRel))")
        return "<div class=\"pair\">" + scatter.render() + diff.render() + "</div>"
    }

    /// Row order: each feature's position in the engine's order against R's.
    static func orderPlot(engine et: StatisticTable, r rt: StatisticTable, maxPoints: Int) -> String {
        let align = alignNames(rt.rowIDs, et.rowIDs).pairs
        if align.isEmpty { return "<p class=\"hint\">no rows in common</p>" }
        let moved = align.map { $0.0 != $0.1 }
        let keep = subsample(count: align.count, maxPoints: maxPoints, keep: 200, hash: { fnv1a(rt.rowIDs[align[$0].0]) },
                             score: { Double(Swift.abs(align[$0].0 - align[$0].1)) })
        var series = [PlotSeries(label: "", color: "#3b6ea8", points: keep.filter { !moved[$0] }.map { (Double(align[$0].0 + 1), Double(align[$0].1 + 1)) })]
        let bad = keep.filter { moved[$0] }
        if !bad.isEmpty { series.append(PlotSeries(label: "moved", color: "#d62728", points: bad.map { (Double(align[$0].0 + 1), Double(align[$0].1 + 1)) }, size: 4.5)) }
        return SVGPlot(title: "row order", xLabel: "position in R", yLabel: "position in engine", series: series, width: 300, height: 280,
                       diagonal: true, note: "\(moved.filter { $0 }.count) of \(align.count) rows at another position").render()
    }

    // MARK: MD and volcano plots

    /// logFC, AveExpr and P-values of one result, from one side.
    struct ResultVectors {
        var ids: [String]
        var logFC: [Double]
        var aveExpr: [Double]?
        /// nil for a fit without tests (lmFit, contrasts.fit): then only the MD plot.
        var p: [Double]?
        var adjP: [Double]?
    }

    /// The results to plot: each topTable/topTreat step; or else the first
    /// column of eBayes/treat's p.value with the coefficients and Amean before it;
    /// or else (an MD plot alone) the first column of the last coefficients with Amean.
    static func results(_ side: SideOutputs) -> [(label: String, vectors: ResultVectors)] {
        func column(_ t: StatisticTable?, _ name: String? = nil, ids: [String]) -> [Double]? {
            guard let t else { return nil }
            let shape = TableShape(t)
            guard shape.valid, !shape.columns.isEmpty else { return nil }
            let c = name.flatMap { shape.columns.firstIndex(of: $0) } ?? 0
            var at: [String: Int] = [:]
            for (i, id) in shape.rows.enumerated() where at[id] == nil { at[id] = i }
            return ids.map { id in
                guard let i = at[id] else { return .nan }
                let k = c * shape.rows.count + i
                return (t.isNA?[k] ?? false) ? .nan : t.values[k]
            }
        }
        var out: [(String, ResultVectors)] = []
        var steps: [String] = []
        for t in side.tables where ["topTable", "topTreat"].contains(stepFunction(t.step)) && !steps.contains(t.step) { steps.append(t.step) }
        for step in steps {
            let tabs = side.tables.filter { $0.step == step }
            func tab(_ n: String) -> StatisticTable? { tabs.first { $0.name == n && $0.kind == .numeric } }
            guard let lfc = tab("logFC"), let p = tab("P.Value") else { continue }
            let ids = (tabs.first { $0.kind == .order } ?? lfc).rowIDs
            guard let l = column(lfc, ids: ids), let pv = column(p, ids: ids) else { continue }
            out.append((step, ResultVectors(ids: ids, logFC: l, aveExpr: column(tab("AveExpr"), ids: ids), p: pv, adjP: column(tab("adj.P.Val"), ids: ids))))
        }
        if out.isEmpty, let pi = side.tables.firstIndex(where: { $0.name == "p.value" && ["eBayes", "treat"].contains(stepFunction($0.step)) }) {
            let p = side.tables[pi]
            let shape = TableShape(p)
            if let coefT = side.tables[..<pi].last(where: { $0.name == "coefficients" }), shape.valid, let col = shape.columns.first {
                let ids = shape.rows
                if let l = column(coefT, col, ids: ids), let pv = column(p, col, ids: ids) {
                    let amean = side.tables.last { $0.name == "Amean" }
                    out.append(("\(p.step) (\(col))", ResultVectors(ids: ids, logFC: l, aveExpr: column(amean, ids: ids), p: pv, adjP: nil)))
                }
            }
        }
        if out.isEmpty, let coefT = side.tables.last(where: { $0.name == "coefficients" }),
           let amean = side.tables.last(where: { $0.name == "Amean" && $0.step == coefT.step }) {
            let shape = TableShape(coefT)
            if shape.valid, let col = shape.columns.first, let l = column(coefT, col, ids: shape.rows), let a = column(amean, ids: shape.rows) {
                out.append(("\(coefT.step) (\(col))", ResultVectors(ids: shape.rows, logFC: l, aveExpr: a, p: nil, adjP: nil)))
            }
        }
        return out
    }

    static func resultPlots(engine: SideOutputs, r: SideOutputs, maxPoints: Int) -> String {
        let rr = results(r), er = results(engine)
        var h = ""
        for (label, rv) in rr {
            h += "<h3>\(esc(label))</h3><p class=\"hint\">" + (rv.p == nil ? "Coefficients against average expression (no tests at this step)."
                : "Red: adjusted P &lt; 0.05 and logFC &gt; 0; blue: adjusted P &lt; 0.05 and logFC &lt; 0 (P &lt; 0.05 when no adjusted P is given).") + "</p><div class=\"grid\">"
            let ev = er.first { $0.label == label }?.vectors
            let rp = mdVolcano(rv, side: "R", maxPoints: maxPoints)
            let ep = ev.map { mdVolcano($0, side: "engine", maxPoints: maxPoints) }
            // MD plots side by side, then volcano plots side by side.
            h += (rp.md ?? "") + (ep.map { $0.md ?? "" } ?? "<p class=\"hint\">The engine has no \(esc(label)).</p>")
            if let rv = rp.volcano {
                h += "</div><div class=\"grid\">" + rv + (ep?.volcano ?? "")
            }
            h += "</div>"
        }
        return h
    }

    static func mdVolcano(_ v: ResultVectors, side: String, maxPoints: Int) -> (md: String?, volcano: String?) {
        let n = v.ids.count
        let p = v.p ?? [Double](repeating: .nan, count: n)
        let sig = (0..<n).map { i in (v.adjP?[i] ?? p[i]) < 0.05 }
        // Keep the most significant (else the largest fold changes) when subsampling.
        let keep = subsample(count: n, maxPoints: maxPoints, keep: maxPoints / 4, hash: { fnv1a(v.ids[$0]) },
                             score: { v.p == nil ? Swift.abs(v.logFC[$0]) : (p[$0].isNaN ? -1 : -p[$0]) })
        func split(_ pt: (Int) -> (Double, Double)) -> [PlotSeries] {
            [PlotSeries(label: "", color: "#a9a9a9", points: keep.filter { !sig[$0] }.map(pt), size: 2.6),
             PlotSeries(label: "up", color: "#d62728", points: keep.filter { sig[$0] && v.logFC[$0] > 0 }.map(pt)),
             PlotSeries(label: "down", color: "#1f5fbf", points: keep.filter { sig[$0] && v.logFC[$0] <= 0 }.map(pt))]
        }
        let note = keep.count < n ? "\(side): \(keep.count) of \(n) features" : "\(side): \(n) features"
        var md: String? = nil
        if let a = v.aveExpr {
            md = SVGPlot(title: "MD plot (\(side))", xLabel: "AveExpr", yLabel: "logFC", series: split { (a[$0], v.logFC[$0]) },
                         width: 300, height: 280, hLines: [(0, "#555", false)], note: note).render()
        }
        guard v.p != nil else { return (md, nil) }
        let top = p.filter { $0 > 0 }.map { -Foundation.log10($0) }.max() ?? 1
        let volcano = SVGPlot(title: "volcano (\(side))", xLabel: "logFC", yLabel: "−log10 P",
                     series: split { (v.logFC[$0], p[$0] > 0 ? -Foundation.log10(p[$0]) : top * 1.05 + 0.5) },
                     width: 300, height: 280, note: note).render()
        return (md, volcano)
    }

    static let css = """
    body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;color:#1d1d1f;background:#f4f5f7}
    header{padding:18px 28px;border-bottom:4px solid #2e7d32;background:#fff}header.bad{border-color:#c62828}
    h1{margin:0;font-size:24px}h2{font-size:19px;margin:6px 0 10px}h3{font-size:16px;margin:14px 0 8px}h4{margin:0 0 2px;font-size:14px}
    .badge{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;background:#2e7d32;font-size:16px;vertical-align:middle}
    header.bad .badge{background:#c62828}.title{margin:4px 0 0;font-style:italic}.meta{margin:2px 0;color:#555}
    main{padding:10px 28px 30px;max-width:1480px}section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:14px 0}
    table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}th,td{border:1px solid #d9d9d9;padding:3px 8px;text-align:left}
    th{background:#eef0f3}td.n{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,Menlo,Consolas,monospace}
    tr.ok td.res{color:#2e7d32;font-weight:600}tr.bad td{background:#fdecea}tr.bad td.res{color:#c62828;font-weight:700}
    td.step{font-weight:600;background:#fafafa;vertical-align:top}td.off{background:#fdecea;color:#c62828;font-weight:700}
    .fail{border-left:4px solid #c62828;padding:2px 12px;margin:10px 0}.col{color:#666}.hint{color:#555;font-size:13px}
    .grid{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:8px;background:#fff}
    .card.bad{border-color:#c62828;box-shadow:0 0 0 1px #c62828}.card .res{font-size:12px;color:#2e7d32}.card.bad .res{color:#c62828}
    .stat{margin:0 0 4px;color:#555;font-size:12px}.pair{display:flex;gap:6px}
    .same{width:150px;align-self:center;color:#2e7d32;font-size:13px;padding:0 10px}
    svg.plot text{font-family:-apple-system,"Segoe UI",Roboto,Arial,sans-serif}svg .pt{font-size:13px;font-weight:600;fill:#222}
    svg .pn{font-size:11px;fill:#666}svg .tk{font-size:10px;fill:#555}svg .al{font-size:11.5px;fill:#333}svg .lg{font-size:11px;fill:#333}
    pre.err{white-space:pre-wrap;background:#fdecea;padding:8px}footer{color:#777;font-size:12px;padding:0 28px 20px}
    a{color:#1f5fbf;text-decoration:none}
    """
}
