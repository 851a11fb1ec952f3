// Each side's outputs as CSV, so anyone can diff them:
// <dir>/<side>/<step>.<statistic>.csv, and a topTable (topTable, topTreat,
// topTableF) as one <dir>/<side>/<step>.csv with R's column names, the
// feature id first (an unnamed column, as R's write.csv writes row names),
// then the annotation columns, then the statistics, in the table's row order.
// Numbers are written losslessly (%.17g); R's NA, NaN, Inf, -Inf keep their spellings.
import Foundation

public enum OutputsCSV {
    /// The steps written as one table.
    public static let tableSteps: Set<String> = ["topTable", "topTreat", "topTableF"]

    /// R's column order in a topTable; other columns follow in the order given.
    static let topTableOrder = ["logFC", "CI.L", "CI.R", "AveExpr", "t", "F", "P.Value", "adj.P.Val", "B"]

    /// The files one side's outputs become: file name -> CSV text, in pipeline order.
    public static func files(_ side: SideOutputs) -> [(name: String, text: String)] {
        var out: [(String, String)] = []
        var doneSteps = Set<String>()
        for t in side.tables {
            if tableSteps.contains(stepFunction(t.step)) {
                if doneSteps.insert(t.step).inserted {
                    out.append(("\(fileSafe(t.step)).csv", topTableCSV(side, step: t.step)))
                }
                continue
            }
            if t.kind == .order {
                out.append(("\(fileSafe(t.key)).csv", orderCSV(t)))
            } else {
                out.append(("\(fileSafe(t.key)).csv", matrixCSV(t)))
            }
        }
        return out
    }

    /// Writes `files(side)` into `directory/<side.side>/`, replacing what was there.
    @discardableResult
    public static func write(_ side: SideOutputs, to directory: URL) throws -> URL {
        let dir = directory.appendingPathComponent(side.side)
        let fm = FileManager.default
        if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, text) in files(side) {
            try Data(text.utf8).write(to: dir.appendingPathComponent(name), options: .atomic)
        }
        return dir
    }

    /// A step label as a file name: path separators are replaced.
    static func fileSafe(_ s: String) -> String {
        String(s.map { $0 == "/" || $0 == "\\" || $0 == "\0" ? "_" : $0 })
    }

    /// One statistic: the row id first (unnamed column), then its columns.
    /// A vector's single column is headed by the statistic's name.
    public static func matrixCSV(_ t: StatisticTable) -> String {
        let shape = TableShape(t)
        guard shape.valid else { return "\"\",\(field(t.name))\n" }
        let cols = shape.columns.count == 1 && isAnonymousColumn(shape.columns[0]) ? [t.name] : shape.columns
        var out = "\"\"," + cols.map(field).joined(separator: ",") + "\n"
        let nr = shape.rows.count
        for i in 0..<nr {
            var line = field(shape.rows[i])
            for j in 0..<cols.count {
                let k = j * nr + i
                line += "," + formatLossless(t.values[k], isNA: t.isNA?[k] ?? false)
            }
            out += line + "\n"
        }
        return out
    }

    /// A row order: the position (1-based) and the id there.
    static func orderCSV(_ t: StatisticTable) -> String {
        var out = "\"rank\",\(field(t.name))\n"
        for (i, id) in t.rowIDs.enumerated() { out += "\(i + 1),\(field(id))\n" }
        return out
    }

    /// A topTable step as one table, rows in the order of its `.order`
    /// statistic when it has one, else of its first table.
    public static func topTableCSV(_ side: SideOutputs, step: String) -> String {
        let tables = side.tables.filter { $0.step == step }
        let rows = (tables.first { $0.kind == .order } ?? tables.first)?.rowIDs ?? []
        // The columns: (header, value at row i).
        var columns: [(header: String, value: (Int) -> String)] = []
        let prefix = step + "."
        for key in side.text.keys.filter({ $0.hasPrefix(prefix) }).sorted() {
            let values = side.text[key] ?? []
            columns.append((String(key.dropFirst(prefix.count)), { i in i < values.count ? field(values[i]) : "NA" }))
        }
        let numeric = tables.filter { $0.kind != .order }.enumerated().sorted { a, b in
            let ia = topTableOrder.firstIndex(of: a.element.name) ?? topTableOrder.count
            let ib = topTableOrder.firstIndex(of: b.element.name) ?? topTableOrder.count
            return ia != ib ? ia < ib : a.offset < b.offset
        }.map(\.element)
        for t in numeric {
            let shape = TableShape(t)
            guard shape.valid else { continue }
            let align = alignNames(rows, shape.rows)
            var at = [Int?](repeating: nil, count: rows.count)
            for (i, j) in align.pairs { at[i] = j }
            let nr = shape.rows.count
            for (c, colName) in shape.columns.enumerated() {
                let header = shape.columns.count == 1 && (isAnonymousColumn(colName) || colName == t.name) ? t.name : colName
                columns.append((header, { i in
                    guard let j = at[i] else { return "NA" }
                    let k = c * nr + j
                    return formatLossless(t.values[k], isNA: t.isNA?[k] ?? false)
                }))
            }
        }
        var out = "\"\"" + columns.map { "," + field($0.header) }.joined() + "\n"
        for i in rows.indices {
            out += field(rows[i]) + columns.map { "," + $0.value(i) }.joined() + "\n"
        }
        return out
    }

    /// A text field, quoted as R's write.csv quotes strings (always), with `""` for a quote.
    static func field(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
