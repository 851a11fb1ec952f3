// Where the harness hands over to the comparison and the report writers
// (Compare.swift, OutputsCSV.swift, Report*.swift, JUnit.swift).
import Foundation

extension Harness {
    /// Compares the two sides, writes the case's reports and both sides' CSVs
    /// under `<out>/<case>/`, and returns the outcome (0 pass, 1 fail).
    static func judge(_ c: ParityCase, engine: SideOutputs, r: SideOutputs, options: HarnessOptions, file: String) throws -> CaseOutcome {
        let cmp = compare(engine: engine, r: r, tolerances: c.tolerances, caseName: c.name, title: c.title)
        let dir = options.out.appendingPathComponent(c.name)
        try writeSide(engine, to: dir)
        try writeSide(r, to: dir)
        try writeReports(cmp, engine: engine, r: r, to: dir)
        let timing = "engine \(fmt(engine.pipelineSeconds)) s, R \(fmt(r.pipelineSeconds)) s"
        if cmp.pass {
            return CaseOutcome(file: file, name: c.name, status: 0,
                               summary: "PASS \(c.name): \(cmp.statistics.count) statistics within tolerance (\(timing))", comparison: cmp)
        }
        let failing = cmp.failing
        let lines = failing.prefix(10).map { s -> String in
            let what = s.message ?? "n_fail=\(s.nFail) n_na_mismatch=\(s.nNAMismatch) max_rel=\(s.maxRel.map { String(format: "%.3g", $0) } ?? "-") max_abs=\(s.maxAbs.map { String(format: "%.3g", $0) } ?? "-")"
            return "  \(s.key): \(what)"
        }
        return CaseOutcome(file: file, name: c.name, status: 1,
                           summary: "FAIL \(c.name): \(failing.count) of \(cmp.statistics.count) statistics out of tolerance (\(timing)); see \(dir.appendingPathComponent("report.md").path)",
                           detail: (cmp.error.map { [$0] } ?? []).joined() + lines.joined(separator: "\n"), comparison: cmp)
    }

    /// Writes one side's outputs as CSV under `<dir>/<side>/`.
    static func writeSide(_ side: SideOutputs, to dir: URL) throws {
        try OutputsCSV.write(side, to: dir)
    }

    static func writeReports(_ cmp: CaseComparison, engine: SideOutputs?, r: SideOutputs?, to dir: URL) throws {
        try ReportJSON.write(cmp, to: dir)
        try ReportMarkdown.write(cmp, to: dir)
        try ReportHTML.write(cmp, engine: engine, r: r, to: dir)
    }

    /// Writes the run's `junit.xml` (every case, including those that could
    /// not be compared) into `out`.
    public static func writeRunReport(_ outcomes: [CaseOutcome], out: URL) throws {
        let cases = outcomes.map { o in
            o.comparison ?? CaseComparison.failed(caseName: o.name, error: o.detail ?? o.summary)
        }
        try JUnit.write(cases, to: out.appendingPathComponent("junit.xml"))
    }
}
