// The comparison stage: the engine's outputs against R's, statistic by
// statistic, aligned by row id and column name (never by position alone).
import Foundation
import Limma

/// One feature shown in a report: the values both sides gave for it.
public struct WorstFeature: Sendable, Codable, Equatable {
    /// The row id (for a `.order` statistic: the 1-based rank position).
    public var id: String
    /// The column, when the statistic has more than one (or a named one).
    public var column: String?
    /// R's value and the engine's; nil when NA (R's missing value) or when
    /// the row is absent on that side (then `note` says so). NaN stays NaN.
    public var r: Double?
    public var engine: Double?
    /// |engine - r| and |engine - r| / |r|.
    public var absDiff: Double?
    public var relDiff: Double?
    /// For `.order`: the ids each side has at this position.
    public var rID: String?
    public var engineID: String?
    /// "NA in R", "NA in engine", "missing in engine", "missing in R".
    public var note: String?

    public init(id: String, column: String? = nil, r: Double? = nil, engine: Double? = nil, absDiff: Double? = nil,
                relDiff: Double? = nil, rID: String? = nil, engineID: String? = nil, note: String? = nil) {
        self.id = id
        self.column = column
        self.r = r
        self.engine = engine
        self.absDiff = absDiff
        self.relDiff = relDiff
        self.rID = rID
        self.engineID = engineID
        self.note = note
    }

    /// R's and the engine's value as text: lossless, `NA` for NA, `—` when the row is absent on that side.
    public var rText: String { note == "missing in R" ? "—" : formatLossless(r ?? .nan, isNA: r == nil) }
    public var engineText: String { note == "missing in engine" ? "—" : formatLossless(engine ?? .nan, isNA: engine == nil) }

    enum CodingKeys: String, CodingKey {
        case id, column, r, engine, absDiff = "abs_diff", relDiff = "rel_diff", rID = "r_id", engineID = "engine_id", note
    }
}

/// The comparison of one statistic of one step.
public struct StatisticComparison: Sendable, Codable, Equatable {
    public var step: String
    public var name: String
    public var kind: StatisticKind
    /// Cells present on both sides and compared (rows x columns); for `.order`, positions.
    public var n: Int
    /// Cells missing (NA/NaN) on exactly one side.
    public var nNAMismatch: Int
    /// Cells out of tolerance (or unequal, for `.exact`/`.order`), NA mismatches included.
    public var nFail: Int
    /// Largest |engine - r|, largest |engine - r|/|r|, median relative difference
    /// over cells where both are finite; nil when nothing was compared.
    public var maxAbs: Double?
    public var maxRel: Double?
    public var medianRel: Double?
    /// Largest |log10(engine) - log10(r)| over positive values, for p-value-like statistics.
    public var maxLog10: Double?
    /// The tolerance applied; nil means exact equality.
    public var tolerance: Tolerance?
    public var pass: Bool
    /// The worst cells (largest difference relative to the tolerance), with both values.
    public var worst: [WorstFeature]
    /// Row ids one side has and the other lacks (counts, and the first few ids).
    public var nMissingInEngine: Int
    public var nMissingInR: Int
    public var missingInEngine: [String]
    public var missingInR: [String]
    /// Column names one side has and the other lacks.
    public var missingColumnsInEngine: [String]
    public var missingColumnsInR: [String]
    /// decideTests calls: counts[rCall + 1][engineCall + 1] for calls -1/0/1.
    public var confusion: [[Int]]?
    /// Why it failed, in one line (nil when it passed).
    public var message: String?

    public init(step: String, name: String, kind: StatisticKind) {
        self.step = step
        self.name = name
        self.kind = kind
        n = 0; nNAMismatch = 0; nFail = 0
        pass = false
        worst = []
        nMissingInEngine = 0; nMissingInR = 0
        missingInEngine = []; missingInR = []
        missingColumnsInEngine = []; missingColumnsInR = []
    }

    public var key: String { "\(step).\(name)" }

    enum CodingKeys: String, CodingKey {
        case step, name, kind, n, nNAMismatch = "n_na_mismatch", nFail = "n_fail", maxAbs = "max_abs", maxRel = "max_rel",
             medianRel = "median_rel", maxLog10 = "max_log10", tolerance, pass, worst,
             nMissingInEngine = "n_missing_in_engine", nMissingInR = "n_missing_in_r",
             missingInEngine = "missing_in_engine", missingInR = "missing_in_r",
             missingColumnsInEngine = "missing_columns_in_engine", missingColumnsInR = "missing_columns_in_r",
             confusion, message
    }
}

/// Wall-clock seconds of each side.
public struct CaseTiming: Sendable, Codable, Equatable {
    /// End to end, including reading inputs (falls back to the pipeline time).
    public var engineSeconds: Double?
    public var rSeconds: Double?
    /// The pipeline alone, after the inputs are loaded.
    public var enginePipelineSeconds: Double?
    public var rPipelineSeconds: Double?

    public init(engineSeconds: Double? = nil, rSeconds: Double? = nil, enginePipelineSeconds: Double? = nil, rPipelineSeconds: Double? = nil) {
        self.engineSeconds = engineSeconds
        self.rSeconds = rSeconds
        self.enginePipelineSeconds = enginePipelineSeconds
        self.rPipelineSeconds = rPipelineSeconds
    }

    enum CodingKeys: String, CodingKey {
        case engineSeconds = "engine_s", rSeconds = "r_s", enginePipelineSeconds = "engine_pipeline_s", rPipelineSeconds = "r_pipeline_s"
    }
}

/// The comparison of one case: what every report writer renders.
public struct CaseComparison: Sendable, Codable, Equatable {
    public var caseName: String
    public var title: String?
    public var pass: Bool
    /// R's versions under report names: "version" (R), "limma", "edgeR", "platform".
    public var r: [String: String]
    /// The engine's versions: "version".
    public var engine: [String: String]
    public var statistics: [StatisticComparison]
    public var timing: CaseTiming
    public var engineWarnings: [String]
    public var rWarnings: [String]
    /// Set when the case could not be compared at all (bad input, R failed); then `pass` is false.
    public var error: String?

    public init(caseName: String, title: String? = nil, pass: Bool, r: [String: String] = [:], engine: [String: String] = [:],
                statistics: [StatisticComparison] = [], timing: CaseTiming = CaseTiming(), engineWarnings: [String] = [],
                rWarnings: [String] = [], error: String? = nil) {
        self.caseName = caseName
        self.title = title
        self.pass = pass
        self.r = r
        self.engine = engine
        self.statistics = statistics
        self.timing = timing
        self.engineWarnings = engineWarnings
        self.rWarnings = rWarnings
        self.error = error
    }

    /// A case that could not be run or compared (exit 2 or 3): one failing entry in every report.
    public static func failed(caseName: String, title: String? = nil, error: String) -> CaseComparison {
        CaseComparison(caseName: caseName, title: title, pass: false, error: error)
    }

    /// The steps in pipeline order, each with its statistics.
    public var steps: [(step: String, statistics: [StatisticComparison])] {
        var order: [String] = []
        var byStep: [String: [StatisticComparison]] = [:]
        for s in statistics {
            if byStep[s.step] == nil { order.append(s.step) }
            byStep[s.step, default: []].append(s)
        }
        return order.map { ($0, byStep[$0] ?? []) }
    }

    public var failing: [StatisticComparison] { statistics.filter { !$0.pass } }

    enum CodingKeys: String, CodingKey {
        case caseName = "case", title, pass, r, engine, statistics, timing, engineWarnings = "engine_warnings",
             rWarnings = "r_warnings", error
    }
}

// MARK: - Tolerance lookup

/// The function name of a step label (`topTable#2` -> `topTable`).
public func stepFunction(_ step: String) -> String {
    if let i = step.firstIndex(of: "#") { return String(step[..<i]) }
    return step
}

/// Statistics compared on a log10 scale when a tolerance gives `log10`.
public func isPValueLike(_ name: String) -> Bool {
    ["p.value", "F.p.value", "P.Value", "adj.P.Val", "PValue", "FDR", "PValue.Mixed", "FDR.Mixed"].contains(name)
}

/// The tolerance for a statistic: `"<step>.<statistic>"` (the step label, then
/// its function name), then `"<statistic>"`, then `"default"` (numeric
/// statistics only), then the project bar. Returns nil for exact comparison:
/// `.order` always, `.exact` unless a tolerance names it, and a named
/// tolerance with no bound at all.
public func resolveTolerance(step: String, name: String, kind: StatisticKind, tolerances: [String: Tolerance]) -> Tolerance? {
    if kind == .order { return nil }
    let named = tolerances["\(step).\(name)"] ?? tolerances["\(stepFunction(step)).\(name)"] ?? tolerances[name]
    let tol: Tolerance?
    if let named {
        tol = named
    } else if kind == .exact {
        tol = nil
    } else {
        tol = tolerances["default"] ?? .project
    }
    if let t = tol, t.rel == nil, t.abs == nil, t.log10 == nil { return nil }
    return tol
}

// MARK: - Comparing

/// Compares everything the engine produced with what R produced.
///
/// Tables are matched by `<step>.<statistic>`; a table on one side only is a
/// failure. Within a table, cells are aligned by row id and column name
/// (a repeated id is matched by occurrence: the k-th `x` with the k-th `x`);
/// rows or columns on one side only are failures. A numeric cell passes when
/// `|d| <= abs` or `|d| <= rel * |r|`, or, for p-value-like statistics with a
/// `log10` bound, when `|log10 e - log10 r| <= log10`; NA/NaN must agree in
/// place; equal infinities agree. `.exact` cells must be equal (decideTests
/// calls also get a -1/0/1 confusion table); `.order` compares `rowIDs` in order.
///
/// - Parameters:
///   - tolerances: keys `"default"`, `"<statistic>"`, `"<step>.<statistic>"`.
///   - worstCount: how many worst cells each statistic lists.
public func compare(engine: SideOutputs, r: SideOutputs, tolerances: [String: Tolerance], caseName: String = "",
                    title: String? = nil, worstCount: Int = 5) -> CaseComparison {
    var stats: [StatisticComparison] = []
    var seen = Set<String>()
    for rt in r.tables where !seen.contains(rt.key) {
        seen.insert(rt.key)
        let tol = resolveTolerance(step: rt.step, name: rt.name, kind: rt.kind, tolerances: tolerances)
        if let et = engine.table(rt.key) {
            stats.append(compareTables(engine: et, r: rt, tolerance: tol, worstCount: worstCount))
        } else {
            var s = StatisticComparison(step: rt.step, name: rt.name, kind: rt.kind)
            s.tolerance = tol
            s.message = "missing in engine: R has \(rt.step).\(rt.name), the engine does not"
            stats.append(s)
        }
    }
    for et in engine.tables where !seen.contains(et.key) {
        seen.insert(et.key)
        var s = StatisticComparison(step: et.step, name: et.name, kind: et.kind)
        s.tolerance = resolveTolerance(step: et.step, name: et.name, kind: et.kind, tolerances: tolerances)
        s.message = "missing in R: the engine has \(et.step).\(et.name), R does not"
        stats.append(s)
    }
    var rv: [String: String] = [:]
    for (k, v) in r.versions { rv[k == "R" ? "version" : k] = v }
    // End to end = reading the inputs + the pipeline on both sides. R's `total_s` also holds
    // loading limma and edgeR and writing every output, so it is used only when R did not
    // report its load time (an older stored reference).
    func endToEnd(_ side: SideOutputs) -> Double? {
        if let l = side.loadSeconds, let p = side.pipelineSeconds { return l + p }
        return side.totalSeconds ?? side.pipelineSeconds
    }
    let timing = CaseTiming(engineSeconds: endToEnd(engine),
                            rSeconds: endToEnd(r),
                            enginePipelineSeconds: engine.pipelineSeconds, rPipelineSeconds: r.pipelineSeconds)
    return CaseComparison(caseName: caseName, title: title, pass: !stats.isEmpty && stats.allSatisfy(\.pass), r: rv,
                          engine: engine.versions, statistics: stats, timing: timing,
                          engineWarnings: engine.warnings, rWarnings: r.warnings,
                          error: stats.isEmpty ? "no statistics to compare" : nil)
}

/// A table's shape after filling in what a vector or scalar leaves out.
struct TableShape {
    var rows: [String]
    var columns: [String]
    var valid: Bool
    init(_ t: StatisticTable) {
        rows = t.rowIDs
        columns = t.columnNames
        if rows.isEmpty && columns.isEmpty && t.values.count == 1 { rows = [""]; columns = [""] }
        else if columns.isEmpty && t.values.count == rows.count { columns = [""] }
        else if rows.isEmpty && !columns.isEmpty && t.values.count == columns.count { rows = [""] }
        valid = rows.count * columns.count == t.values.count && (t.isNA == nil || t.isNA?.count == t.values.count)
    }
}

/// Keys that make repeated names unique by occurrence (`x`, `x\u{1}2`, ...).
func occurrenceKeys(_ names: [String]) -> [String] {
    var count: [String: Int] = [:]
    return names.map { n in
        let k = (count[n] ?? 0) + 1
        count[n] = k
        return k == 1 ? n : "\(n)\u{1}\(k)"
    }
}

/// A vector's column name: empty, or R's `x` (as `write.csv` of a vector names it).
func isAnonymousColumn(_ s: String) -> Bool { s.isEmpty || s == "x" }

/// Aligns two name lists: the pairs (i in a, j in b) with the same key, in `a`'s
/// order, and the names on one side only. Two lone columns align even when one
/// of them is unnamed (a vector is a one-column table).
func alignNames(_ a: [String], _ b: [String], loneMatch: Bool = false) -> (pairs: [(Int, Int)], onlyA: [String], onlyB: [String]) {
    if loneMatch && a.count == 1 && b.count == 1 && (isAnonymousColumn(a[0]) || isAnonymousColumn(b[0])) { return ([(0, 0)], [], []) }
    let ka = occurrenceKeys(a), kb = occurrenceKeys(b)
    var ib: [String: Int] = [:]
    for (j, k) in kb.enumerated() { ib[k] = j }
    var pairs: [(Int, Int)] = []
    var onlyA: [String] = []
    var matchedB = [Bool](repeating: false, count: b.count)
    for (i, k) in ka.enumerated() {
        if let j = ib[k] { pairs.append((i, j)); matchedB[j] = true } else { onlyA.append(a[i]) }
    }
    let onlyB = b.indices.filter { !matchedB[$0] }.map { b[$0] }
    return (pairs, onlyA, onlyB)
}

/// One compared cell, by position (strings are looked up only for the few reported).
private struct Cell {
    var order: Int          // position among compared cells (for stable ties)
    var ir: Int
    var cr: Int
    var r: Double
    var e: Double
    var rNA: Bool
    var eNA: Bool
    var abs: Double
    var rel: Double
    var score: Double       // |d| relative to what the tolerance allows; > 1 fails

    /// Ranks cells worst first: by score, then |d| (NA mismatches as infinite), then position.
    func worse(than o: Cell) -> Bool {
        if score != o.score { return score > o.score }
        let da = abs.isNaN ? Double.infinity : abs, db = o.abs.isNaN ? Double.infinity : o.abs
        if da != db { return da > db }
        return order < o.order
    }
}

/// Two tables' shared cells: row and column index pairs (R's, the engine's),
/// and the names one side has and the other lacks.
public struct TableAlignment: Sendable {
    var r: TableShape
    var engine: TableShape
    /// (row in R, row in engine), in R's order.
    public var rows: [(Int, Int)]
    /// (column in R, column in engine), in R's order.
    public var columns: [(Int, Int)]
    public var rowsOnlyInR: [String]
    public var rowsOnlyInEngine: [String]
    public var columnsOnlyInR: [String]
    public var columnsOnlyInEngine: [String]
    public var rowNames: [String] { r.rows }
    public var columnNames: [String] { r.columns }
    /// Index into R's and the engine's values of an aligned (row pair, column pair).
    public func indices(row: (Int, Int), column: (Int, Int)) -> (r: Int, engine: Int) {
        (column.0 * r.rows.count + row.0, column.1 * engine.rows.count + row.1)
    }
}

/// Aligns two tables by row id and column name; nil when a table's values do not fill its rows x columns.
public func alignTables(engine et: StatisticTable, r rt: StatisticTable) -> TableAlignment? {
    let rs = TableShape(rt), es = TableShape(et)
    guard rs.valid, es.valid else { return nil }
    let rows = alignNames(rs.rows, es.rows), cols = alignNames(rs.columns, es.columns, loneMatch: true)
    return TableAlignment(r: rs, engine: es, rows: rows.pairs, columns: cols.pairs, rowsOnlyInR: rows.onlyA,
                          rowsOnlyInEngine: rows.onlyB, columnsOnlyInR: cols.onlyA, columnsOnlyInEngine: cols.onlyB)
}

func compareTables(engine et: StatisticTable, r rt: StatisticTable, tolerance: Tolerance?, worstCount: Int) -> StatisticComparison {
    var s = StatisticComparison(step: rt.step, name: rt.name, kind: rt.kind)
    s.tolerance = tolerance
    if rt.kind == .order || et.kind == .order { return compareOrder(engine: et, r: rt, into: s, worstCount: worstCount) }
    guard let al = alignTables(engine: et, r: rt) else {
        s.message = "malformed table: \(TableShape(rt).valid ? "engine" : "R") values do not fill rows x columns"
        return s
    }
    s.nMissingInEngine = al.rowsOnlyInR.count
    s.nMissingInR = al.rowsOnlyInEngine.count
    s.missingInEngine = Array(al.rowsOnlyInR.prefix(20))
    s.missingInR = Array(al.rowsOnlyInEngine.prefix(20))
    s.missingColumnsInEngine = al.columnsOnlyInR
    s.missingColumnsInR = al.columnsOnlyInEngine
    let rowNames = al.rowNames, colNames = al.columnNames
    let showColumn = colNames.count > 1 || !isAnonymousColumn(colNames.first ?? "") && colNames.first != rt.name
    let pLike = isPValueLike(rt.name)
    let decide = ["decideTests", "classifyTestsF"].contains(stepFunction(rt.step))
    var confusion = [[Int]](repeating: [0, 0, 0], count: 3)
    var confusionValid = decide
    let K = Swift.max(0, worstCount)
    var top: [Cell] = []        // the K worst so far, worst first
    var rels: [Double] = []
    rels.reserveCapacity(al.rows.count * al.columns.count)
    var n = 0, nFail = 0, compared = 0
    var maxAbs = 0.0, maxRel = 0.0, maxLog10: Double? = nil
    let rv = rt.values, ev = et.values, rNA = rt.isNA, eNA = et.isNA
    let nrR = al.r.rows.count, nrE = al.engine.rows.count
    for cp in al.columns {
        for rp in al.rows {
            let kr = cp.0 * nrR + rp.0, ke = cp.1 * nrE + rp.1
            let x = rv[kr], y = ev[ke]
            let xNA = rNA?[kr] ?? false, yNA = eNA?[ke] ?? false
            let xMiss = xNA || x.isNaN, yMiss = yNA || y.isNaN
            var c = Cell(order: n, ir: rp.0, cr: cp.0, r: x, e: y, rNA: xNA, eNA: yNA, abs: 0, rel: 0, score: 0)
            n += 1
            if decide {
                if !xMiss, !yMiss, let a = [-1.0, 0, 1].firstIndex(of: x), let b = [-1.0, 0, 1].firstIndex(of: y) {
                    confusion[a][b] += 1
                } else if !(xMiss && yMiss) { confusionValid = false }
            }
            if xMiss || yMiss {
                if xMiss != yMiss {
                    s.nNAMismatch += 1
                    nFail += 1
                    c.score = .infinity; c.abs = .nan; c.rel = .nan
                }
            } else {
                compared += 1
                let j = judgeCell(r: x, engine: y, tolerance: tolerance, pValueLike: pLike)
                c.abs = j.abs; c.rel = j.rel; c.score = j.score
                if j.fail { nFail += 1 }
                if let l = j.log10 { maxLog10 = Swift.max(maxLog10 ?? 0, l) }
                maxAbs = j.abs.isFinite ? Swift.max(maxAbs, j.abs) : .infinity
                maxRel = Swift.max(maxRel, j.rel)
                if x.isFinite && y.isFinite { rels.append(j.rel) }
            }
            if K > 0 && (top.count < K || c.worse(than: top[top.count - 1])) {
                let at = top.firstIndex { c.worse(than: $0) } ?? top.count
                top.insert(c, at: at)
                if top.count > K { top.removeLast() }
            }
        }
    }
    s.n = n
    s.nFail = nFail
    if compared > 0 {
        s.maxAbs = maxAbs
        s.maxRel = maxRel
        s.medianRel = rels.isEmpty ? nil : RBase.median(rels)
        s.maxLog10 = maxLog10
    }
    if decide && confusionValid { s.confusion = confusion }
    s.worst = top.map { c in
        WorstFeature(id: rowNames[c.ir], column: showColumn ? colNames[c.cr] : nil, r: c.rNA ? nil : c.r, engine: c.eNA ? nil : c.e,
                     absDiff: c.abs.isNaN ? nil : c.abs, relDiff: c.rel.isNaN ? nil : c.rel,
                     note: c.rNA != c.eNA || c.r.isNaN != c.e.isNaN
                        ? ((c.rNA || c.r.isNaN) ? "NA in R" : "NA in engine") : nil)
    }
    // Rows or columns on one side only: listed after the worst cells.
    for id in s.missingInEngine.prefix(3) { s.worst.append(WorstFeature(id: id, note: "missing in engine")) }
    for id in s.missingInR.prefix(3) { s.worst.append(WorstFeature(id: id, note: "missing in R")) }
    s.pass = s.nFail == 0 && s.nMissingInEngine == 0 && s.nMissingInR == 0
        && s.missingColumnsInEngine.isEmpty && s.missingColumnsInR.isEmpty && s.n > 0
    if !s.pass { s.message = failureMessage(s, rows: rowNames.count) }
    return s
}

/// The verdict on one pair of non-missing values: |d|, |d|/|r| (infinite when
/// r is 0 and d is not), |log10 e - log10 r| for positive p-value-like values,
/// and the score: |d| over what the tolerance allows (the smaller of the
/// abs/rel and log10 ratios); the cell fails when the score exceeds 1.
/// With no tolerance only equality passes. Equal infinities are equal.
public func judgeCell(r x: Double, engine y: Double, tolerance: Tolerance?, pValueLike: Bool)
    -> (abs: Double, rel: Double, log10: Double?, score: Double, fail: Bool) {
    if x == y { return (0, 0, pValueLike && x > 0 ? 0 : nil, 0, false) }
    if x.isInfinite || y.isInfinite { return (.infinity, .infinity, nil, .infinity, true) }
    let d = Swift.abs(y - x)
    let rel = x != 0 ? d / Swift.abs(x) : .infinity
    guard let tol = tolerance else { return (d, rel, nil, .infinity, true) }
    let allowed = Swift.max(tol.abs ?? 0, (tol.rel ?? 0) * Swift.abs(x))
    var score = allowed > 0 ? d / allowed : .infinity
    var l10: Double? = nil
    if pValueLike, x > 0, y > 0 {
        let l = Swift.abs(Foundation.log10(y) - Foundation.log10(x))
        l10 = l
        if let lt = tol.log10 { score = Swift.min(score, lt > 0 ? l / lt : (l == 0 ? 0 : .infinity)) }
    }
    return (d, rel, l10, score, score > 1)
}

func compareOrder(engine et: StatisticTable, r rt: StatisticTable, into base: StatisticComparison, worstCount: Int) -> StatisticComparison {
    var s = base
    s.tolerance = nil
    let a = rt.rowIDs, b = et.rowIDs
    s.n = Swift.min(a.count, b.count)
    var mismatches: [Int] = []
    for i in 0..<s.n where a[i] != b[i] { mismatches.append(i) }
    s.nFail = mismatches.count + Swift.abs(a.count - b.count)
    let rowAlign = alignNames(a, b)
    s.nMissingInEngine = rowAlign.onlyA.count
    s.nMissingInR = rowAlign.onlyB.count
    s.missingInEngine = Array(rowAlign.onlyA.prefix(20))
    s.missingInR = Array(rowAlign.onlyB.prefix(20))
    s.worst = mismatches.prefix(Swift.max(0, worstCount)).map { i in
        WorstFeature(id: String(i + 1), rID: a[i], engineID: b[i])
    }
    s.pass = s.nFail == 0 && s.n > 0
    if !s.pass {
        if a.count != b.count {
            s.message = "row count differs: R \(a.count), engine \(b.count)"
        } else if let first = mismatches.first {
            s.message = "row order differs at \(mismatches.count) of \(s.n) positions, first at \(first + 1): R \(a[first]), engine \(b[first])"
        } else {
            s.message = "no rows to compare"
        }
    }
    return s
}

func failureMessage(_ s: StatisticComparison, rows: Int) -> String {
    var parts: [String] = []
    if s.n == 0 && s.nMissingInEngine == 0 && s.nMissingInR == 0 { parts.append("nothing to compare") }
    if s.nMissingInEngine > 0 { parts.append("\(s.nMissingInEngine) of \(rows) rows missing in engine") }
    if s.nMissingInR > 0 { parts.append("\(s.nMissingInR) rows missing in R") }
    if !s.missingColumnsInEngine.isEmpty { parts.append("columns missing in engine: \(s.missingColumnsInEngine.joined(separator: ", "))") }
    if !s.missingColumnsInR.isEmpty { parts.append("columns missing in R: \(s.missingColumnsInR.joined(separator: ", "))") }
    if s.nNAMismatch > 0 { parts.append("\(s.nNAMismatch) NA mismatches") }
    let outOfTol = s.nFail - s.nNAMismatch
    if outOfTol > 0 {
        if s.tolerance == nil {
            parts.append("\(outOfTol) of \(s.n) values differ (exact comparison)")
        } else {
            parts.append("\(outOfTol) of \(s.n) values out of tolerance (max abs \(formatShort(s.maxAbs)), max rel \(formatShort(s.maxRel)))")
        }
    }
    if let w = s.worst.first(where: { $0.note == nil && ($0.absDiff ?? 0) > 0 }), outOfTol > 0 {
        parts.append("worst \(w.id)\(w.column.map { "[\($0)]" } ?? ""): R \(formatShort(w.r)) engine \(formatShort(w.engine))")
    }
    return parts.joined(separator: "; ")
}

/// A number for a person: 4 significant digits, NA for nil.
public func formatShort(_ x: Double?) -> String {
    guard let x else { return "NA" }
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    if x == 0 { return "0" }
    return String(format: "%.4g", x)
}

/// A number losslessly (17 significant digits), R's spellings for the rest.
public func formatLossless(_ x: Double, isNA: Bool = false) -> String {
    var bytes: [UInt8] = []
    appendLossless(x, isNA: isNA, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}
