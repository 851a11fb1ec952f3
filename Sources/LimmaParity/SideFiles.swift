// R's outputs on disk, the layout rscripts/run_case.R writes into a run
// directory and a stored reference (reference/r/<case>/) keeps; the harness
// reads them back into SideOutputs. (The report's per-side CSVs, which
// people diff, are written by OutputsCSV.)
//
//   <dir>/<step>.<statistic>.csv   one statistic: column "id" (row ids) then
//                                  the statistic's columns, 17 significant
//                                  digits, NA and NaN distinct
//   <dir>/<step>.csv               a topTable/topTreat/topTableF, R's column
//                                  names, feature id first, rows in R's order
//   <dir>/index.json               {"tables": [{"step","fn","name","file"} |
//                                   {"step","fn","file","table":true,"text_columns":[..]}]}
//   <dir>/versions.json            {"R","limma","edgeR","platform",
//                                   "limma_defaults"}, plus "pipeline_s",
//                                  "total_s", "load_s", "step_s" ({label:
//                                  seconds}, in step order), "warnings"
//
// Statistic names inside a step may contain dots (`p.value`), and so may
// step names (`contrasts.fit`), so files are found through index.json, not by
// splitting names.
import Foundation
import Limma

public enum SideFiles {
    /// The statistic name under which a table's row order is kept.
    public static let orderName = "order"

    // MARK: reading

    /// Reads what `write` (or rscripts/run_case.R) wrote. `side` is "engine" or "r".
    public static func read(from dir: URL, side: String) throws -> SideOutputs {
        let indexURL = dir.appendingPathComponent("index.json")
        guard let data = FileManager.default.contents(atPath: indexURL.path) else {
            throw InputError(indexURL.path, "missing: not a side-outputs directory")
        }
        let index = try JSON.parse([UInt8](data))
        guard let entries = index["tables"]?.arrayValue else { throw InputError(indexURL.path, "no \"tables\" array") }
        var out = SideOutputs(side: side)
        for e in entries {
            guard let step = e["step"]?.stringValue, let fn = e["fn"]?.stringValue, let file = e["file"]?.stringValue,
                  !file.contains("/"), !file.hasPrefix(".") else {
                throw InputError(indexURL.path, "an entry lacks step, fn or a plain file name")
            }
            let path = dir.appendingPathComponent(file).path
            let table = try DelimitedText.read(path)
            if e["table"]?.boolValue == true {
                let textCols = Set((e["text_columns"]?.arrayValue ?? []).compactMap(\.stringValue))
                try readTopTable(table, step: step, fn: fn, textColumns: textCols, into: &out)
            } else {
                guard let name = e["name"]?.stringValue else { throw InputError(indexURL.path, "entry for \(file) has no name") }
                out.tables.append(try readTable(table, step: step, name: name, kind: StepCatalog.kind(fn: fn, statistic: name)))
            }
        }
        try readVersions(from: dir, into: &out)
        return out
    }

    /// Reads only versions.json (versions, timings, warnings), not the
    /// statistics: what `bench` needs from R's run.
    public static func readVersions(from dir: URL, side: String) throws -> SideOutputs {
        var out = SideOutputs(side: side)
        try readVersions(from: dir, into: &out)
        return out
    }

    static func readVersions(from dir: URL, into out: inout SideOutputs) throws {
        let vURL = dir.appendingPathComponent("versions.json")
        guard let vdata = FileManager.default.contents(atPath: vURL.path) else { return }
        let v = try JSON.parse([UInt8](vdata))
        for (k, x) in v.objectValue ?? [] {
            switch k {
            case "pipeline_s": out.pipelineSeconds = x.numberValue
            case "total_s": out.totalSeconds = x.numberValue
            case "load_s": out.loadSeconds = x.numberValue
            case "step_s":
                out.stepSeconds = (x.objectValue ?? []).compactMap { step, t in t.numberValue.map { StepTime(step: step, seconds: $0) } }
            case "warnings": out.warnings = (x.arrayValue ?? []).compactMap(\.stringValue)
            default: if let s = x.stringValue { out.versions[k] = s }
            }
        }
    }

    static func cell(_ s: String, path: String, row: Int, column: String) throws -> (Double, Bool) {
        guard let (v, na) = parseNumericCell(Substring(s)) else {
            throw InputError(path, "row \(row), column '\(column)': '\(s.prefix(40))' is not a number")
        }
        return (v, na)
    }

    static func readTable(_ t: DelimitedTable, step: String, name: String, kind: StatisticKind) throws -> StatisticTable {
        guard t.header.first == "id", t.header.count >= 2 else { throw InputError(t.path, "expected a header starting with \"id\"") }
        let cols = Array(t.header.dropFirst())
        let n = t.rows.count
        var values = [Double](repeating: .nan, count: n * cols.count)
        var na = [Bool](repeating: false, count: n * cols.count)
        var ids = [String]()
        ids.reserveCapacity(n)
        for (i, r) in t.rows.enumerated() {
            guard r.count == t.header.count else { throw InputError(t.path, "row \(i + 2) has \(r.count) fields, the header \(t.header.count)") }
            ids.append(r[0])
            for j in 0..<cols.count {
                let (v, isNA) = try cell(r[j + 1], path: t.path, row: i + 2, column: cols[j])
                values[j * n + i] = v
                na[j * n + i] = isNA
            }
        }
        return StatisticTable(step: step, name: name, kind: kind, rowIDs: ids, columnNames: cols, values: values,
                              isNA: na.contains(true) ? na : nil)
    }

    static func readTopTable(_ t: DelimitedTable, step: String, fn: String = "topTable", textColumns: Set<String>,
                             into out: inout SideOutputs) throws {
        guard t.header.first == "id" else { throw InputError(t.path, "expected a header starting with \"id\"") }
        let n = t.rows.count
        for (i, r) in t.rows.enumerated() where r.count != t.header.count {
            throw InputError(t.path, "row \(i + 2) has \(r.count) fields, the header \(t.header.count)")
        }
        let ids = t.rows.map { $0[0] }
        for (j, col) in t.header.enumerated().dropFirst() {
            if textColumns.contains(col) {
                out.text["\(step).\(col)"] = t.rows.map { $0[j] }
                continue
            }
            var values = [Double](repeating: .nan, count: n)
            var na = [Bool](repeating: false, count: n)
            for i in 0..<n {
                let (v, isNA) = try cell(t.rows[i][j], path: t.path, row: i + 2, column: col)
                values[i] = v
                na[i] = isNA
            }
            out.tables.append(StatisticTable(step: step, name: col, kind: StepCatalog.kind(fn: fn, statistic: col), rowIDs: ids, columnNames: [col], values: values,
                                             isNA: na.contains(true) ? na : nil))
        }
        out.tables.append(orderTable(step: step, ids: ids))
    }

    /// The row-order statistic of a table: ids in order, values their 1-based ranks.
    public static func orderTable(step: String, ids: [String]) -> StatisticTable {
        StatisticTable(step: step, name: orderName, kind: .order, rowIDs: ids, columnNames: ["rank"],
                       values: (0..<ids.count).map { Double($0 + 1) })
    }
}
