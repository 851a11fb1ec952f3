// limma's topTable, topTableF and topTreat (R/toptable.R, limma 3.54.1):
// tables of the top-ranked features from a fitted, moderated linear model.
import RealModule

/// Which coefficient(s) a top table reports: a column name or a 0-based column
/// index (R's `coef` is 1-based), or several of them. Several coefficients give
/// an F-test table, as R's `topTable` does by calling `topTableF`.
public enum TopTableCoef: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case name(String)
    case index(Int)
    case names([String])
    case indices([Int])
    public init(stringLiteral value: String) { self = .name(value) }
    public init(integerLiteral value: Int) { self = .index(value) }
}

/// topTable's `confint`: off (R's `FALSE`), on at 95% (R's `TRUE`, which uses
/// the 0.975 t quantile), or a confidence level (R's numeric `confint`, which
/// uses the `(1 + level)/2` quantile).
public enum TopTableConfint: Sendable, Equatable, ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral {
    case off
    case on
    case level(Double)
    public init(booleanLiteral value: Bool) { self = value ? .on : .off }
    public init(floatLiteral value: Double) { self = .level(value) }
    var isOn: Bool { self != .off }
}

/// A top table, as R's `topTable` returns it: one row per reported feature in
/// output order, the feature annotation carried through from `fit.genes`,
/// then named numeric columns in R's order: `logFC`, `CI.L`, `CI.R`,
/// `AveExpr`, `t`, `P.Value`, `adj.P.Val`, `B` (t-tests); the coefficient
/// columns, `AveExpr`, `F`, `P.Value`, `adj.P.Val` (F-tests); `topTreat` has
/// no `B`. Columns R leaves out (no Amean, no lods) are absent. An empty
/// table (R's `data.frame()`, when no feature passes the filters or
/// `number < 1`) has no rows and no columns.
public struct TopTable: Sendable, Equatable {
    /// R's row names: the feature ids (or 1-based row numbers as text when the
    /// fit has no row names or duplicated ones, in which case the ids become
    /// an annotation column `ID`, or `ID0` if `ID` exists, as R does).
    public var rowNames: [String]
    /// The annotation columns for the reported rows, or nil.
    public var annotation: Annotation?
    /// Numeric column names, in R's order (syntactic names as R's
    /// `data.frame` makes them, e.g. `A - B` becomes `A...B` in an F table).
    public var columnNames: [String]
    /// One array per numeric column, each `rowNames.count` long.
    public var columns: [[Double]]
    /// R's messages (`Removing intercept from test coefficients`).
    public var messages: [String] = []
    /// R's warnings.
    public var warnings: [LimmaWarning] = []

    public init(rowNames: [String], annotation: Annotation?, columnNames: [String], columns: [[Double]]) {
        self.rowNames = rowNames
        self.annotation = annotation
        self.columnNames = columnNames
        self.columns = columns
    }

    static let empty = TopTable(rowNames: [], annotation: nil, columnNames: [], columns: [])

    public var count: Int { rowNames.count }
    public var isEmpty: Bool { rowNames.isEmpty }

    /// A numeric column by name, or nil.
    public subscript(_ name: String) -> [Double]? {
        columnNames.firstIndex(of: name).map { columns[$0] }
    }

    /// The rows given by `idx`, in that order.
    func rows(_ idx: [Int]) -> TopTable {
        var t = TopTable(rowNames: idx.map { rowNames[$0] }, annotation: annotation?.rows(idx),
                         columnNames: columnNames, columns: columns.map { c in idx.map { c[$0] } })
        t.messages = messages
        t.warnings = warnings
        return t
    }
}

/// R's `topTable(fit, coef, number, adjust.method, sort.by, resort.by, p.value, fc, lfc, confint)`.
///
/// For one coefficient (R's `.topTableT`): `logFC` is the coefficient, `t`,
/// `P.Value`, `B` are eBayes' `t`, `p.value`, `lods`, and `adj.P.Val` is
/// `pAdjust(P.Value, adjustMethod)` over all features. With `pValue < 1` or
/// `lfc > 0` only features with `adj.P.Val <= pValue` and `|logFC| >= lfc`
/// are kept (missing counts as not kept). The rows are then ordered by R's
/// stable `order` (ties keep feature order, missing values last):
/// `|logFC|`, `AveExpr`, `t` as `|t|`, and `B` decreasing; `P` increasing;
/// `none` keeps feature order; and the first `number` are reported.
/// `confint` adds `CI.L`/`CI.R` = `logFC -/+ sqrt(s2.post) stdev.unscaled
/// qt(alpha, df.total)` with `alpha = 0.975` (`.on`) or `(1 + level)/2`.
/// `resortBy` reorders the reported rows by the signed column (decreasing,
/// `P` increasing).
///
/// - `coef`: nil takes every coefficient except `(Intercept)` (a message, as
///   R), or for a `treat` fit the last one. Several coefficients give
///   `topTableF` on those columns, with the F-statistic recomputed for them
///   (R subsets the fit, `fit[, coef]`) and `sortBy` `"B"` meaning `"F"`.
/// - `number`: `Int.max` for R's `Inf`.
/// - `adjustMethod`: nil is BH, topTable's default in 3.54 and 3.66 alike.
///   (An explicit `adjust.method = NULL` in R 3.54 reached p.adjust's own
///   default, holm; from 3.58 R maps NULL to BH. Pass `.holm` for the former.)
/// - `sortBy`/`resortBy`: R's names, with R's `match.arg` (exact or unique
///   prefix) and aliases `M` (logFC), `A`/`Amean` (AveExpr), `T` (t), `p` (P).
/// - `version`: `.v3_54` reproduces 3.54's confidence intervals when a
///   `pValue`/`lfc` filter drops rows: R 3.54 takes `s2.post`,
///   `stdev.unscaled` and `df.total` at the positions of the reported rows
///   within the filtered table, applied to the unfiltered fit, so the
///   intervals belong to other features. `.v3_66` uses the reported
///   features' own values (limma 3.66's fix). Without a filter both agree.
///
/// Errors: a fit without `t` and `F` ("Need to run eBayes or treat first"),
/// an unknown coefficient name (the names are listed) or an index out of
/// range, an unknown `sortBy`, sorting by B without lods, `confint` without
/// `s2.post`/`df.total`, `fc < 1`.
public func topTable(_ fit: MArrayLM, coef: TopTableCoef? = nil, number: Int = 10,
                     adjustMethod: PAdjustMethod? = nil, sortBy: String = "B", resortBy: String? = nil,
                     pValue: Double = 1, fc: Double? = nil, lfc: Double? = nil, confint: TopTableConfint = false,
                     version: LimmaVersion = .v3_54) throws -> TopTable {
    let fn = "topTable"
    if fit.t == nil && fit.F == nil { throw LimmaError(fn, "Need to run eBayes or treat first") }
    let lfcValue = try checkTableArguments(fit, pValue: pValue, fc: fc, lfc: lfc, fn)
    let method = adjustMethod ?? .BH
    var messages = [String]()
    var coefs: [Int]
    if let coef {
        coefs = try resolveCoefs(coef, fit, fn)
    } else if fit.treatLfc == nil {
        coefs = Array(0..<fit.coefficients.ncol)
        if let cn = fit.coefficients.colNames, let i = cn.firstIndex(of: "(Intercept)") {
            coefs.remove(at: i)
            messages.append("Removing intercept from test coefficients")
        }
    } else {
        coefs = [fit.coefficients.ncol - 1]
    }
    guard !coefs.isEmpty else { throw LimmaError(fn, "no coefficient to test (the only column is the intercept)") }

    if coefs.count > 1 {
        if fit.treatLfc != nil { throw LimmaError(fn, "Treat p-values can only be displayed for single coefficients") }
        var seen = Set<Int>()
        coefs = coefs.filter { seen.insert($0).inserted }
        var sub = fit
        if coefs.count < fit.coefficients.ncol { sub = try subsetCoefficients(fit, coefs, fn) }
        var tab = try topTableFCore(sub, number: number, adjustMethod: method, sortBy: sortBy == "B" ? "F" : sortBy,
                                    pValue: pValue, lfc: lfcValue, fn: fn)
        tab.messages = messages + tab.messages
        return tab
    }
    var tab = try topTableT(fit, coef: coefs[0], number: number, adjustMethod: method, sortBy: sortBy,
                            resortBy: resortBy, pValue: pValue, lfc: lfcValue, confint: confint, version: version, fn: fn)
    tab.messages = messages + tab.messages
    return tab
}

/// R's `topTableF(fit, number, adjust.method, sort.by, p.value, fc, lfc)`:
/// the F-test table over all coefficients of the fit (R marks it obsolete in
/// favour of `topTable` with several coefficients, and says so in a message,
/// kept in `messages`). Columns: the coefficients (named `Coef1`, ... when
/// the fit has no column names), `AveExpr`, `F`, `P.Value`, `adj.P.Val`.
/// Filters: `|coefficient| > lfc` for at least one coefficient (missing
/// ignored) and `adj.P.Val <= pValue`. `sortBy` is `"F"` (increasing
/// F p-value, stable) or `"none"`.
public func topTableF(_ fit: MArrayLM, number: Int = 10, adjustMethod: PAdjustMethod? = nil, sortBy: String = "F",
                      pValue: Double = 1, fc: Double? = nil, lfc: Double? = nil) throws -> TopTable {
    let fn = "topTableF"
    let lfcValue = try checkTableArguments(fit, pValue: pValue, fc: fc, lfc: lfc, fn)
    var tab = try topTableFCore(fit, number: number, adjustMethod: adjustMethod ?? .BH, sortBy: sortBy,
                                pValue: pValue, lfc: lfcValue, fn: fn)
    tab.messages.insert("topTableF is obsolete and will be removed in a future version of limma. Please considering using topTable instead.", at: 0)
    return tab
}

/// R's `topTreat(fit, coef = 1, sort.by = "p", resort.by, ...)`: `topTable`
/// for a fit from `treat` (no B column). Several coefficients: only the
/// first is used, with R's warning. Sorting or resorting by B is an error.
/// As in R (3.54 to 3.66), `resortBy` is checked but not passed on to
/// topTable, so it never reorders the table.
public func topTreat(_ fit: MArrayLM, coef: TopTableCoef = .index(0), number: Int = 10,
                     adjustMethod: PAdjustMethod? = nil, sortBy: String = "p", resortBy: String? = nil,
                     pValue: Double = 1, fc: Double? = nil, lfc: Double? = nil, confint: TopTableConfint = false,
                     version: LimmaVersion = .v3_54) throws -> TopTable {
    let fn = "topTreat"
    var warnings = [LimmaWarning]()
    var single = coef
    switch coef {
    case .names(let n) where n.count > 1:
        single = .name(n[0])
        warnings.append(LimmaWarning(fn, "Treat is for single coefficients: only first value of coef being used"))
    case .indices(let i) where i.count > 1:
        single = .index(i[0])
        warnings.append(LimmaWarning(fn, "Treat is for single coefficients: only first value of coef being used"))
    default: break
    }
    if sortBy == "B" { throw LimmaError(fn, "Trying to sort.by B, but treat doesn't produce a B-statistic") }
    if resortBy == "B" { throw LimmaError(fn, "Trying to resort.by B, but treat doesn't produce a B-statistic") }
    var tab = try topTable(fit, coef: single, number: number, adjustMethod: adjustMethod, sortBy: sortBy,
                           resortBy: nil, pValue: pValue, fc: fc, lfc: lfc, confint: confint, version: version)
    tab.warnings = warnings + tab.warnings
    return tab
}

// MARK: - internals

/// The argument checks topTable and topTableF share; returns the log-fold-change
/// cutoff (`lfc`, or `log2(fc)` when `fc` is given, else 0).
func checkTableArguments(_ fit: MArrayLM, pValue: Double, fc: Double?, lfc: Double?, _ fn: String) throws -> Double {
    try checkFitShapes(fit, fn)
    guard !pValue.isNaN else { throw LimmaError(fn, "p.value must be a number, not NaN") }
    var lfcValue = lfc ?? 0
    if let fc {
        guard fc >= 1 else { throw LimmaError(fn, "fc must be greater than or equal to 1") }
        lfcValue = Double.log2(fc)
    }
    guard !lfcValue.isNaN else { throw LimmaError(fn, "lfc must be a number, not NaN") }
    return lfcValue
}

/// Checks that the fit's per-feature components agree in shape with its
/// coefficients, so that no later index can fall outside an array.
func checkFitShapes(_ fit: MArrayLM, _ fn: String) throws {
    let n = fit.coefficients.nrow, p = fit.coefficients.ncol
    func mat(_ m: Matrix?, _ name: String) throws {
        if let m, m.nrow != n || m.ncol != p {
            throw LimmaError(fn, "\(name) is \(m.nrow) x \(m.ncol) but coefficients is \(n) x \(p)")
        }
    }
    func vec(_ v: [Double]?, _ name: String, allowScalar: Bool = false) throws {
        if let v, v.count != n, !(allowScalar && v.count == 1) {
            throw LimmaError(fn, "\(name) has length \(v.count) but the fit has \(n) rows")
        }
    }
    try mat(fit.stdevUnscaled, "stdev.unscaled")
    try mat(fit.t, "t")
    try mat(fit.pValue, "p.value")
    try mat(fit.lods, "lods")
    try vec(fit.Amean, "Amean")
    try vec(fit.s2Post, "s2.post")
    try vec(fit.dfTotal, "df.total")
    try vec(fit.F, "F")
    try vec(fit.FPValue, "F.p.value")
    try vec(fit.dfResidual, "df.residual", allowScalar: true)
    try vec(fit.dfPrior, "df.prior", allowScalar: true)
    if let g = fit.genes, !g.isEmpty, g.count != n {
        throw LimmaError(fn, "genes has \(g.count) rows but the fit has \(n)")
    }
    if let c = fit.covCoefficients, c.nrow != c.ncol || c.ncol > p {
        throw LimmaError(fn, "cov.coefficients is \(c.nrow) x \(c.ncol) for \(p) coefficients")
    }
}

/// 0-based coefficient columns for `coef`, with errors naming what exists.
func resolveCoefs(_ coef: TopTableCoef, _ fit: MArrayLM, _ fn: String) throws -> [Int] {
    let p = fit.coefficients.ncol
    let cn = fit.coefficients.colNames
    func byName(_ s: String) throws -> Int {
        guard let cn else { throw LimmaError(fn, "coef '\(s)' given by name but the coefficients have no names; use a 0-based index below \(p)") }
        guard let i = cn.firstIndex(of: s) else {
            throw LimmaError(fn, "coef '\(s)' not found; the coefficients are: \(cn.joined(separator: ", "))")
        }
        return i
    }
    func byIndex(_ i: Int) throws -> Int {
        guard i >= 0 && i < p else {
            throw LimmaError(fn, "coef index \(i) is out of range: the fit has \(p) coefficient(s), 0-based indices 0..<\(p)")
        }
        return i
    }
    switch coef {
    case .name(let s): return [try byName(s)]
    case .index(let i): return [try byIndex(i)]
    case .names(let s): return try s.map(byName)
    case .indices(let i): return try i.map(byIndex)
    }
}

/// R's `match.arg(arg, choices)`: an exact match, else a unique prefix match.
func matchArg(_ arg: String, _ choices: [String], argName: String, _ fn: String) throws -> String {
    if choices.contains(arg) { return arg }
    let hits = arg.isEmpty ? [] : choices.filter { $0.hasPrefix(arg) }
    if hits.count == 1 { return hits[0] }
    throw LimmaError(fn, "'\(argName)' should be one of \(choices.map { "\"\($0)\"" }.joined(separator: ", ")); got \"\(arg)\"")
}

/// R's row names for a table and the annotation to carry: the fit's row names,
/// or "1".."n" when absent; duplicated ids become an `ID` (or `ID0`) column.
func tableRowNames(_ fit: MArrayLM) -> (rn: [String], genes: Annotation?) {
    let n = fit.coefficients.nrow
    var genes = (fit.genes?.isEmpty ?? true) ? nil : fit.genes
    func numbers() -> [String] { (0..<n).map { String($0 + 1) } }
    guard let rn = fit.coefficients.rowNames else { return (numbers(), genes) }
    if !hasDuplicates(rn) { return (rn, genes) }
    if var g = genes {
        g.names.append(g.names.contains("ID") ? "ID0" : "ID")
        g.columns.append(rn)
        genes = g
    } else {
        genes = Annotation(names: ["ID"], columns: [rn])
    }
    return (numbers(), genes)
}

/// Whether any string occurs twice (Swift string equality). ASCII strings,
/// the usual feature ids, are hashed by their UTF-8 bytes (`ASCIIBytesHash`)
/// into an open-addressing table, where equal means byte-equal; any other
/// string sends the whole check to a `Set<String>`. The table holds 1-based
/// indices (0 is empty); below 65,535 strings an entry is the index in its
/// lower 16 bits and the hash's top 16 bits above, so that strings are
/// compared only when those bits agree (128 KiB for 16k strings).
func hasDuplicates(_ s: [String]) -> Bool {
    let n = s.count
    if n < 2 { return false }
    var size = 16
    while size < 2 * n { size <<= 1 }
    if n < Int(UInt16.max) {
        var table = [UInt32](repeating: 0, count: size)
        return hasDuplicates(s, in: &table, tagged: true)
    }
    var table = [UInt32](repeating: 0, count: size)
    return hasDuplicates(s, in: &table, tagged: false)
}

/// `hasDuplicates` with an empty table of a power-of-two size above `2 n`
/// whose entries hold `n` (`tagged`: in their lower 16 bits, the hash's
/// top 16 bits above them). All hashes are computed first, then the table
/// is probed: the probes' cache misses of consecutive strings then overlap
/// instead of each waiting behind its string's hashing.
@inline(__always)
private func hasDuplicates(_ s: [String], in table: inout [UInt32], tagged: Bool) -> Bool {
    let n = s.count
    let mask = table.count - 1
    var ascii = true
    let hashes = [UInt64](unsafeUninitializedCapacity: n) { hb, initialized in
        for i in 0..<n {
            var str = s[i]
            let (h, a) = str.withUTF8 { ASCIIBytesHash.hash($0) }
            hb[i] = h
            if !a { ascii = false; break }
        }
        initialized = ascii ? n : 0
    }
    guard ascii else {
        var seen = Set<String>(minimumCapacity: n)
        for x in s where !seen.insert(x).inserted { return true }
        return false
    }
    let indexMask: UInt32 = tagged ? 0xFFFF : ~0
    return hashes.withUnsafeBufferPointer { hb in
        table.withUnsafeMutableBufferPointer { tb in
            for i in 0..<n {
                let hash = hb[i]
                var slot = Int(truncatingIfNeeded: hash) & mask
                let tag: UInt32 = tagged ? UInt32(truncatingIfNeeded: hash >> 48) << 16 : 0
                while tb[slot] != 0 {
                    let e = tb[slot]
                    if e & ~indexMask == tag && s[Int(e & indexMask) - 1] == s[i] { return true }
                    slot = (slot + 1) & mask
                }
                tb[slot] = tag | UInt32(truncatingIfNeeded: i + 1)
            }
            return false
        }
    }
}

/// R's `make.names(names, unique = TRUE)`: invalid characters become ".",
/// an "X" is prefixed where a name cannot start as it does, reserved words
/// get a trailing ".", and duplicates get ".1", ".2", ... (`make.unique`).
func rMakeNames(_ names: [String]) -> [String] {
    let reserved: Set<String> = ["if", "else", "repeat", "while", "function", "for", "next", "break", "TRUE", "FALSE",
                                 "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_", "in"]
    let syntactic = names.map { s -> String in
        var out = String(s.map { ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") ? $0 : "." })
        // Whether a prefix is needed is decided on the name as given.
        let chars = Array(s)
        let needX: Bool
        if let c0 = chars.first {
            if c0 == "." { needX = chars.count > 1 && chars[1].isNumber }
            else { needX = !c0.isLetter }
        } else { needX = true }
        if needX { out = "X" + out }
        if reserved.contains(out) { out += "." }
        return out
    }
    var used = Set<String>()
    var counters = [String: Int]()
    var result = [String]()
    var firstSeen = Set<String>()
    for s in syntactic where !firstSeen.contains(s) { firstSeen.insert(s) }
    used = firstSeen
    var emitted = Set<String>()
    for s in syntactic {
        if !emitted.contains(s) { emitted.insert(s); result.append(s); continue }
        var k = counters[s] ?? 1
        var cand = "\(s).\(k)"
        while used.contains(cand) { k += 1; cand = "\(s).\(k)" }
        counters[s] = k + 1
        used.insert(cand)
        result.append(cand)
    }
    return result
}

/// Syntactic names for the annotation and numeric columns together, as R's
/// `data.frame(genelist, ...)` makes them.
func syntacticColumns(_ genes: Annotation?, _ numeric: [String]) -> (Annotation?, [String]) {
    let g = genes?.names ?? []
    let all = rMakeNames(g + numeric)
    var genesOut = genes
    genesOut?.names = Array(all.prefix(g.count))
    return (genesOut, Array(all.suffix(numeric.count)))
}

/// R's `.topTableT`: the table for one coefficient.
func topTableT(_ fit: MArrayLM, coef: Int, number: Int, adjustMethod: PAdjustMethod, sortBy: String,
               resortBy: String?, pValue: Double, lfc: Double, confint: TopTableConfint,
               version: LimmaVersion, fn: String) throws -> TopTable {
    var (rn, genes) = tableRowNames(fit)
    /// R's aliases: M is logFC, A and Amean are AveExpr, T is t, p is P.
    func canonical(_ s: String) -> String {
        switch s {
        case "M": return "logFC"
        case "A", "Amean": return "AveExpr"
        case "T": return "t"
        case "p": return "P"
        default: return s
        }
    }
    let choices = ["logFC", "M", "A", "Amean", "AveExpr", "P", "p", "T", "t", "B"]
    let sort = canonical(try matchArg(sortBy, choices + ["none"], argName: "sort.by", fn))
    let resort = try resortBy.map { canonical(try matchArg($0, choices, argName: "resort.by", fn)) }
    var A = fit.Amean
    if A == nil && (sort == "AveExpr" || resort == "AveExpr") {
        throw LimmaError(fn, "Cannot sort by A-values as these have not been given")
    }
    let includeB = fit.lods != nil
    if !includeB {
        if sort == "B" { throw LimmaError(fn, "Trying to sort.by B, but B-statistic (lods) not found in MArrayLM object") }
        if resort == "B" { throw LimmaError(fn, "Trying to resort.by B, but B-statistic (lods) not found in MArrayLM object") }
    }
    guard let tMat = fit.t, let pMat = fit.pValue else {
        throw LimmaError(fn, "t-statistics and p-values not found in fit (run eBayes or treat)")
    }
    var s2Post: [Double] = [], dfTotal: [Double] = []
    if confint.isOn {
        guard let s = fit.s2Post, let d = fit.dfTotal else {
            throw LimmaError(fn, "confint needs s2.post and df.total (run eBayes or treat)")
        }
        s2Post = s; dfTotal = d
    }
    // The columns are read in place until a filter gathers the rows it keeps.
    var M = MatrixColumn(fit.coefficients, coef)
    var tstat = MatrixColumn(tMat, coef)
    var P = MatrixColumn(pMat, coef)
    var B = fit.lods.map { MatrixColumn($0, coef) } ?? MatrixColumn([])
    var adj = P.withBuffer { pAdjust($0, method: adjustMethod) }
    // Rows of the filtered table in terms of the fit's rows (nil: unfiltered).
    var fitRow: [Int]? = nil

    if pValue < 1 || lfc > 0 {
        let sig = (0..<M.count).filter { adj[$0] <= pValue && Swift.abs(M[$0]) >= lfc }
        if sig.isEmpty { return .empty }
        genes = genes?.rows(sig)
        M = MatrixColumn(sig.map { M[$0] })
        A = A.map { a in sig.map { a[$0] } }
        tstat = MatrixColumn(sig.map { tstat[$0] })
        P = MatrixColumn(sig.map { P[$0] })
        adj = sig.map { adj[$0] }
        if includeB { B = MatrixColumn(sig.map { B[$0] }) }
        rn = sig.map { rn[$0] }
        fitRow = sig
    }
    let number = min(number, M.count)
    if number < 1 { return .empty }

    let ord: [Int]
    switch sort {
    case "logFC": ord = RBase.order(M.withBuffer { $0.map { Swift.abs($0) } }, decreasing: true)
    case "AveExpr": ord = RBase.order(A ?? [], decreasing: true)
    case "P": ord = P.withBuffer { RBase.order($0) }
    case "t": ord = RBase.order(tstat.withBuffer { $0.map { Swift.abs($0) } }, decreasing: true)
    case "B": ord = B.withBuffer { RBase.order($0, decreasing: true) }
    default: ord = Array(0..<M.count)
    }
    let top = number == ord.count ? ord : Array(ord.prefix(number))

    var names = ["logFC"]
    var cols = [M.gathered(top)]
    if confint.isOn {
        let alpha: Double
        switch confint {
        case .level(let l): alpha = (1 + l) / 2
        default: alpha = 0.975
        }
        // 3.54 indexes the unfiltered fit with positions in the filtered table.
        let rows = version == .v3_54 ? top : fitRow.map { f in top.map { f[$0] } } ?? top
        let su = fit.stdevUnscaled.column(coef)
        var lo = [Double](), hi = [Double]()
        lo.reserveCapacity(rows.count)
        hi.reserveCapacity(rows.count)
        // qt(alpha, df.total) once per distinct df.total (usually a handful).
        var distinct = BitPatternNumbering(capacity: rows.count)
        var quantiles = [Double]()
        for (k, r) in rows.enumerated() {
            let df = dfTotal[r]
            let (number, isNew) = distinct.number(df)
            if isNew { quantiles.append(RMath.qt(alpha, df: df)) }
            let q = quantiles[Int(number)]
            let margin = (s2Post[r].squareRoot() * su[r]) * q
            let m = M[top[k]]
            lo.append(m - margin)
            hi.append(m + margin)
        }
        names += ["CI.L", "CI.R"]
        cols += [lo, hi]
    }
    if let A {
        names.append("AveExpr")
        cols.append(gathered(A, top))
    }
    names += ["t", "P.Value", "adj.P.Val"]
    cols += [tstat.gathered(top), P.gathered(top), gathered(adj, top)]
    if includeB {
        names.append("B")
        cols.append(B.gathered(top))
    }
    let (g, syn) = syntacticColumns(genes?.rows(top), names)
    var tab = TopTable(rowNames: gathered(rn, top), annotation: g, columnNames: syn, columns: cols)

    if let resort {
        let r: [Int]
        switch resort {
        case "logFC": r = RBase.order(tab["logFC"] ?? [], decreasing: true)
        case "AveExpr": r = RBase.order(tab["AveExpr"] ?? [], decreasing: true)
        case "P": r = RBase.order(tab["P.Value"] ?? [])
        case "t": r = RBase.order(tab["t"] ?? [], decreasing: true)
        default: r = RBase.order(tab["B"] ?? [], decreasing: true)
        }
        tab = tab.rows(r)
    }
    return tab
}

/// `idx.map { v[$0] }` for indices known to lie in `v` (the rows a table
/// reports), read and written without per-element checks.
func gathered<T>(_ v: [T], _ idx: [Int]) -> [T] {
    v.withUnsafeBufferPointer { vb in
        idx.withUnsafeBufferPointer { ib in
            [T](unsafeUninitializedCapacity: ib.count) { ob, initialized in
                for k in 0..<ib.count { (ob.baseAddress! + k).initialize(to: vb[ib[k]]) }
                initialized = ib.count
            }
        }
    }
}

/// Column `j` of `m`: the values themselves (shared, not copied) when `m`
/// has one column.
func columnValues(_ m: Matrix, _ j: Int) -> [Double] {
    m.ncol == 1 && j == 0 ? m.values : m.column(j)
}

/// One column of a matrix read in place (`values[base ..< base + count]`,
/// the column-major storage shared, not copied), or a vector of its own.
struct MatrixColumn {
    let values: [Double]
    let base: Int
    let count: Int

    init(_ m: Matrix, _ j: Int) {
        values = m.values
        base = j * m.nrow
        count = m.nrow
        precondition(j >= 0 && j < m.ncol && values.count == m.nrow * m.ncol, "MatrixColumn: no column \(j)")
    }

    init(_ v: [Double]) {
        values = v
        base = 0
        count = v.count
    }

    subscript(_ i: Int) -> Double {
        precondition(i >= 0 && i < count, "MatrixColumn: index out of range")
        return values[base + i]
    }

    func withBuffer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try values.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[base..<(base + count)])) }
    }

    /// `idx.map { self[$0] }` for indices known to lie in the column.
    func gathered(_ idx: [Int]) -> [Double] {
        withBuffer { vb in
            idx.withUnsafeBufferPointer { ib in
                [Double](unsafeUninitializedCapacity: ib.count) { ob, initialized in
                    for k in 0..<ib.count { ob[k] = vb[ib[k]] }
                    initialized = ib.count
                }
            }
        }
    }
}

/// R's `.topTableF`: the F-test table over all coefficients of `fit`.
func topTableFCore(_ fit: MArrayLM, number: Int, adjustMethod: PAdjustMethod, sortBy: String,
                   pValue: Double, lfc: Double, fn: String) throws -> TopTable {
    var (rn, genes) = tableRowNames(fit)
    var M = fit.coefficients
    let coefNames = M.colNames ?? (1...max(M.ncol, 1)).prefix(M.ncol).map { "Coef\($0)" }
    var Amean = fit.Amean
    guard var Fstat = fit.F, var Fp = fit.FPValue else { throw LimmaError(fn, "F-statistics not found in fit") }
    let sort = try matchArg(sortBy, ["F", "none"], argName: "sort.by", fn)
    var adj = pAdjust(Fp, method: adjustMethod)
    if lfc > 0 || pValue < 1 {
        var keep = [Int]()
        for i in 0..<M.nrow {
            var big = true
            if lfc > 0 {
                big = false
                for j in 0..<M.ncol where !M[i, j].isNaN && Swift.abs(M[i, j]) > lfc { big = true; break }
            }
            let sig = pValue < 1 ? (adj[i] <= pValue) : true
            if big && sig { keep.append(i) }
        }
        if keep.count < M.nrow {
            M = M.rows(keep)
            rn = keep.map { rn[$0] }
            Amean = Amean.map { a in keep.map { a[$0] } }
            Fstat = keep.map { Fstat[$0] }
            Fp = keep.map { Fp[$0] }
            genes = genes?.rows(keep)
            adj = keep.map { adj[$0] }
        }
    }
    let number = min(number, M.nrow)
    if number < 1 { return .empty }
    let o = sort == "F" ? Array(RBase.order(Fp).prefix(number)) : Array(0..<number)
    var names = coefNames
    var cols = (0..<M.ncol).map { j in o.map { M[$0, j] } }
    if let Amean {
        names.append("AveExpr")
        cols.append(o.map { Amean[$0] })
    }
    names += ["F", "P.Value", "adj.P.Val"]
    cols += [o.map { Fstat[$0] }, o.map { Fp[$0] }, o.map { adj[$0] }]
    let (g, syn) = syntacticColumns(genes?.rows(o), names)
    return TopTable(rowNames: o.map { rn[$0] }, annotation: g, columnNames: syn, columns: cols)
}

/// R's `fit[, coef]`: the chosen coefficient columns (in `coefs` order), by
/// contrasts.fit's subsetting (`ContrastsFit.subsetCoefficients`), which maps
/// cov.coefficients through the pivot of a rank-deficient design and
/// recomputes F and F.p.value for those columns as `[.MArrayLM` does
/// (`classifyTestsF(fit, fstat.only = TRUE)`, df = df.prior + df.residual).
func subsetCoefficients(_ fit: MArrayLM, _ coefs: [Int], _ fn: String) throws -> MArrayLM {
    do {
        var out = try ContrastsFit.subsetCoefficients(fit, coefs)
        out.warnings = fit.warnings
        return out
    } catch let e as LimmaError {
        throw LimmaError(fn, e.message)
    }
}
