// report.md: a case's report sized for a CI job summary (GitHub's
// $GITHUB_STEP_SUMMARY): one header line with the verdict, versions and
// timing, one table per step, and the worst features of failing statistics.
import Foundation

public enum ReportMarkdown {
    /// The report of one case as Markdown.
    public static func render(_ c: CaseComparison) -> String {
        var out = header(c) + "\n\n"
        if let t = c.title { out += "_\(escape(t))_\n\n" }
        out += versionsLine(c) + "\n\n"
        if let e = c.error { out += "**Error:** \(escape(e))\n\n" }
        let nFail = c.failing.count
        if !c.statistics.isEmpty {
            out += "\(c.statistics.count - nFail) of \(c.statistics.count) statistics within tolerance.\n\n"
        }
        for (step, stats) in c.steps {
            let ok = stats.allSatisfy(\.pass)
            out += "#### \(ok ? "✅" : "❌") \(escape(step))\n\n"
            out += "| statistic | n | NA mismatch | max abs | max rel | median rel | tolerance | result |\n"
            out += "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |\n"
            for s in stats {
                out += "| `\(s.name)` | \(s.n) | \(s.nNAMismatch) | \(formatShort(s.maxAbs).nilDash(s.maxAbs)) | "
                out += "\(formatShort(s.maxRel).nilDash(s.maxRel)) | \(formatShort(s.medianRel).nilDash(s.medianRel)) | "
                out += "\(toleranceText(s)) | \(s.pass ? "pass" : "**FAIL**") |\n"
            }
            out += "\n"
            for s in stats where !s.pass {
                out += failureDetail(s)
            }
        }
        if !c.engineWarnings.isEmpty || !c.rWarnings.isEmpty {
            out += "<details><summary>Warnings</summary>\n\n"
            for w in c.rWarnings { out += "- R: \(escape(w))\n" }
            for w in c.engineWarnings { out += "- engine: \(escape(w))\n" }
            out += "\n</details>\n"
        }
        return out
    }

    /// A summary of a whole run: one line per case, for the top of a job summary.
    public static func renderRun(_ cases: [CaseComparison]) -> String {
        let nPass = cases.filter(\.pass).count
        var out = "## \(nPass == cases.count ? "✅" : "❌") limma-parity: \(nPass) of \(cases.count) cases pass\n\n"
        out += "| case | result | statistics | failing | engine s | R s |\n| --- | --- | ---: | --- | ---: | ---: |\n"
        for c in cases {
            let failing = c.failing.prefix(5).map { "`\($0.key)`" }.joined(separator: ", ") + (c.failing.count > 5 ? ", …" : "")
            out += "| \(escape(c.caseName)) | \(c.pass ? "pass" : "**FAIL**") | \(c.statistics.count) | "
            out += "\(c.error.map { escape($0) } ?? failing) | \(seconds(c.timing.engineSeconds)) | \(seconds(c.timing.rSeconds)) |\n"
        }
        return out
    }

    /// Writes `report.md` into `directory`.
    public static func write(_ c: CaseComparison, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(render(c).utf8).write(to: directory.appendingPathComponent("report.md"), options: .atomic)
    }

    static func header(_ c: CaseComparison) -> String {
        let verdict = c.pass ? "✅ PASS" : "❌ FAIL"
        let parts = timingParts(c)
        return "### \(verdict) \(escape(c.caseName))" + (parts.isEmpty ? "" : " · " + parts.joined(separator: " · "))
    }

    /// The case's times, each labelled with what it covers and with its
    /// ratio: `pipeline: engine 0.011 s, R 0.62 s (R/engine 57.0x)`, then the
    /// same for `end to end` (reading and pipeline); either is left out when
    /// neither side recorded it. The Markdown and HTML headers both show these.
    static func timingParts(_ c: CaseComparison) -> [String] {
        var parts: [String] = []
        func pair(_ label: String, _ e: Double?, _ r: Double?) {
            guard e != nil || r != nil else { return }
            var t = "\(label): engine \(seconds(e)) s, R \(seconds(r)) s"
            if let e, let r, e > 0 { t += String(format: " (R/engine %.1fx)", r / e) }
            parts.append(t)
        }
        pair("pipeline", c.timing.enginePipelineSeconds, c.timing.rPipelineSeconds)
        pair("end to end", c.timing.engineSeconds, c.timing.rSeconds)
        return parts
    }

    static func versionsLine(_ c: CaseComparison) -> String {
        var parts: [String] = []
        if let v = c.r["version"] { parts.append("R \(v)") }
        for k in ["limma", "edgeR"] { if let v = c.r[k] { parts.append("\(k) \(v)") } }
        if let v = c.engine["version"] { parts.append("engine \(v)") }
        if let p = c.r["platform"] { parts.append(p) }
        return parts.isEmpty ? "_versions unknown_" : parts.map(escape).joined(separator: " · ")
    }

    static func toleranceText(_ s: StatisticComparison) -> String {
        guard let t = s.tolerance else { return "exact" }
        var parts: [String] = []
        if let x = t.rel { parts.append("rel \(formatShort(x))") }
        if let x = t.abs { parts.append("abs \(formatShort(x))") }
        if let x = t.log10 { parts.append("log10 \(formatShort(x))") }
        return parts.joined(separator: ", ")
    }

    static func failureDetail(_ s: StatisticComparison) -> String {
        var out = "**`\(escape(s.key))`**: \(escape(s.message ?? "failed"))\n\n"
        if let m = s.confusion {
            out += "| R \\ engine | -1 | 0 | 1 |\n| --- | ---: | ---: | ---: |\n"
            for (i, label) in ["-1", "0", "1"].enumerated() { out += "| \(label) | \(m[i][0]) | \(m[i][1]) | \(m[i][2]) |\n" }
            out += "\n"
        }
        if s.worst.isEmpty { return out }
        if s.kind == .order {
            out += "| position | R id | engine id |\n| ---: | --- | --- |\n"
            for w in s.worst { out += "| \(w.id) | \(escape(w.rID ?? "")) | \(escape(w.engineID ?? "")) |\n" }
        } else {
            out += "| id | R | engine | abs diff | rel diff | note |\n| --- | ---: | ---: | ---: | ---: | --- |\n"
            for w in s.worst {
                let id = escape(w.id) + (w.column.map { " [\(escape($0))]" } ?? "")
                out += "| \(id) | \(w.rText) | \(w.engineText) | \(w.absDiff.map { formatShort($0) } ?? "") | \(w.relDiff.map { formatShort($0) } ?? "") | \(w.note ?? "") |\n"
            }
        }
        return out + "\n"
    }

    static func seconds(_ x: Double?) -> String {
        guard let x else { return "—" }
        return x < 10 ? String(format: "%.3g", x) : String(format: "%.1f", x)
    }

    /// Keeps table cells intact: pipes escaped, newlines flattened.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}

private extension String {
    func nilDash(_ x: Double?) -> String { x == nil ? "—" : self }
}
