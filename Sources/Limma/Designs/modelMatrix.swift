// R's model.matrix for a one-sided formula over a targets table, with R's
// treatment contrasts, column names and column order.
import Foundation

/// How R sorts character strings (`sort`, `order`, and so `factor()` levels).
///
/// R sorts strings with `Scollate`: when ICU is available (it is for the R on
/// this machine: `capabilities("ICU")` is TRUE, ICU 72.1) and the collation
/// locale is not `C`, it uses the ICU collator of that locale with default
/// attributes (tertiary strength, punctuation not ignored). `Rscript` and
/// `Rscript --vanilla` here both run with `LC_COLLATE=C.UTF-8`, for which
/// `icuGetCollate()` reports `"root"`, so R's order is the CLDR root
/// collation: punctuation and symbols before digits before letters, digits
/// compared character by character (`"10" < "9"`), letters compared
/// alphabetically first and lower case before upper case only as a tie-break
/// (`sort(c("b","A","a","B","_x","10","9"))` is `"_x" "10" "9" "a" "A" "b"
/// "B"`), accents after the base letter. Under `LC_COLLATE=C` (or when R is
/// built without ICU) R compares bytes instead (`"10" "9" "A" "B" "_x" "a"
/// "b"`): that is ``c``.
public enum RCollation: Sendable, Equatable {
    /// ICU root collation (R with ICU in any non-C locale; the default here).
    case icu
    /// Byte order of the UTF-8 text (R in the C locale).
    case c

    /// -1, 0 or 1 as R's `Scollate` would return for `a` versus `b`.
    public func compare(_ a: String, _ b: String) -> Int {
        switch self {
        case .c:
            let x = Array(a.utf8), y = Array(b.utf8)
            if x == y { return 0 }
            return x.lexicographicallyPrecedes(y) ? -1 : 1
        case .icu:
            switch a.compare(b, options: [], range: nil, locale: RCollation.rootLocale) {
            case .orderedAscending: return -1
            case .orderedDescending: return 1
            case .orderedSame: return 0
            }
        }
    }

    private static let rootLocale = Locale(identifier: "root")

    /// R's `order()` of strings under this collation: stable, so strings that
    /// collate equal keep their original order (R breaks ties by index).
    public func order(_ x: [String]) -> [Int] {
        Array(x.indices).sorted { i, j in
            let c = compare(x[i], x[j])
            return c != 0 ? c < 0 : i < j
        }
    }

    /// R's `sort()` of strings.
    public func sort(_ x: [String]) -> [String] { order(x).map { x[$0] } }

    /// The levels R's `factor(x)` gives: the distinct values (byte-wise, as
    /// R's `unique`) in collation order.
    public func factorLevels(_ x: [String]) -> [String] {
        var seen = Set<[UInt8]>()
        var uniq = [String]()
        for s in x where seen.insert(Array(s.utf8)).inserted { uniq.append(s) }
        return sort(uniq)
    }
}

/// How one targets column enters a design: as `read.csv` would type it, and
/// then as `model.matrix` codes it.
enum DesignVariable {
    /// A numeric covariate (`read.csv` made the column integer or double).
    case numeric([Double])
    /// A factor (character column, a logical column with levels FALSE/TRUE,
    /// or a column given explicit levels): 0-based level index per sample.
    case factor(levels: [String], codes: [Int])

    var nlevels: Int {
        if case .factor(let l, _) = self { return l.count }
        return 0
    }
}

/// The design matrix R's `model.matrix(formula, data = targets)` returns:
/// same columns, column names, column order and values; row names are the
/// sample names.
///
/// - Columns of `data` are typed as `read.csv` types them: a column whose
///   every value is a number (R's `R_strtod`: decimal, exponent, hex,
///   `Inf`) is a numeric covariate; a column of only
///   `TRUE`/`FALSE`/`T`/`F` (R 4.2's `type.convert`) is logical (a
///   factor with levels `FALSE`, `TRUE`, both always present, as
///   `model.matrix` codes logicals); anything else is character, made a
///   factor whose levels are the distinct values sorted by `collation` (see
///   ``RCollation``; default R's ICU root order here). `levels[column]`
///   makes that column a factor with exactly those levels in that order.
/// - Factors are coded by treatment contrasts (`contr.treatment`: the first
///   level is the baseline) where R's terms rule says so, and by indicators
///   for every level otherwise; in a model without intercept the first
///   factor of the first term containing a factor gets all its levels.
/// - Column names: `(Intercept)`, `<variable><level>` for factors,
///   `<variable>` for covariates, joined by `:` in interactions; a
///   non-syntactic variable name appears backquoted, as R deparses it. The
///   first variable of a term varies fastest across its columns.
/// - Interaction values are products of the factor indicators and
///   covariates, multiplied in variable order as R's C code does.
///
/// Errors (``LimmaError`` from `model.matrix`): a formula the strict parser
/// refuses; a variable that is not a targets column (the columns are
/// listed); a missing value (`NA`, `NaN`, or an empty field in a numeric or logical
/// column) in a column the formula uses, for which R would silently drop
/// the sample; a factor with fewer than two levels (R: "contrasts can be
/// applied only to factors with 2 or more levels"); explicit levels that are
/// duplicated, empty, or miss a value present in the column. Levels given
/// for a column the formula does not use are ignored (as R's `factor()` on
/// that column would change nothing in the design).
public func modelMatrix(_ formula: String, data: Targets, levels: [String: [String]] = [:],
                        collation: RCollation = .icu) throws -> Matrix {
    let f = try ModelFormula.parse(formula)
    let n = data.sampleNames.count
    for (k, c) in data.columns.enumerated() where c.count != n {
        throw LimmaError("model.matrix", "targets column '\(data.columnNames[k])' has \(c.count) values for \(n) samples")
    }
    var vars = [DesignVariable]()
    for name in f.variables {
        guard let column = data.column(name) else {
            throw LimmaError("model.matrix", "object '\(name)' not found: the formula \(RExpressionLexer.quoted(formula)) names a column the targets do not have; the targets columns are: \(data.columnNames.joined(separator: ", "))")
        }
        let v = try designVariable(name: name, values: column, samples: data.sampleNames, levels: levels[name], collation: collation)
        if case .factor(let lv, _) = v, lv.count < 2 {
            throw LimmaError("model.matrix", "contrasts can be applied only to factors with 2 or more levels: column '\(name)' has only \(lv.count) level\(lv.count == 1 ? "" : "s")\(lv.isEmpty ? "" : " ('\(lv[0])')")")
        }
        vars.append(v)
    }
    // Coding of each variable in each term; the no-intercept adjustment.
    var factors = f.factors
    if !f.intercept {
        outer: for j in 0..<factors.count {
            for i in 0..<vars.count where vars[i].nlevels > 1 && factors[j][i] > 0 {
                factors[j][i] = 2
                break outer
            }
        }
    }
    var columns = [[Double]]()
    var names = [String]()
    if f.intercept {
        columns.append([Double](repeating: 1, count: n))
        names.append("(Intercept)")
    }
    for (j, term) in f.terms.enumerated() {
        var tcols = [[Double]]()
        var tnames = [String]()
        for i in term {
            let vname = RSyntax.deparseName(f.variables[i])
            // This variable's columns (values per sample) and name suffixes.
            var vcols = [[Double]]()
            var vsuffix = [String]()
            switch vars[i] {
            case .numeric(let x):
                vcols = [x]
                vsuffix = [""]
            case .factor(let lv, let codes):
                let first = factors[j][i] == 1 ? 1 : 0
                for l in first..<lv.count {
                    vcols.append(codes.map { $0 == l ? 1 : 0 })
                    vsuffix.append(lv[l])
                }
            }
            if tcols.isEmpty {
                tcols = vcols
                tnames = vsuffix.map { vname + $0 }
            } else {
                var nc = [[Double]]()
                var nn = [String]()
                for (k, c) in vcols.enumerated() {
                    for (jj, x) in tcols.enumerated() {
                        nc.append((0..<n).map { c[$0] * x[$0] })
                        nn.append(tnames[jj] + ":" + vname + vsuffix[k])
                    }
                }
                tcols = nc
                tnames = nn
            }
        }
        columns += tcols
        names += tnames
    }
    var m = Matrix(nrow: n, ncol: columns.count, rowNames: data.sampleNames, colNames: names)
    for (j, c) in columns.enumerated() { for i in 0..<n { m[i, j] = c[i] } }
    return m
}

/// Types a targets column as `read.csv` + `model.matrix` would.
func designVariable(name: String, values: [String], samples: [String], levels: [String]?,
                    collation: RCollation) throws -> DesignVariable {
    func missing(_ i: Int) -> LimmaError {
        LimmaError("model.matrix", "missing value (\(values[i].isEmpty ? "empty field" : "'\(values[i])'")) in column '\(name)' for sample '\(samples[i])'; R's model.matrix would silently drop that sample from the design")
    }
    // read.csv's typing (type.convert): numeric, logical, else character.
    var numbers = [Double]()
    var isNumeric = true
    var firstNA: Int? = nil
    for (i, v) in values.enumerated() {
        let t = v.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || t == "NA" { if firstNA == nil { firstNA = i }; numbers.append(.nan); continue }
        let r = RSyntax.strtod(Substring(t).utf8)
        if r.consumed != t.utf8.count || r.isNA { isNumeric = false; break }
        if r.value.isNaN, firstNA == nil { firstNA = i }
        numbers.append(r.value)
    }
    let logicalWords: [String: Int] = ["TRUE": 1, "T": 1, "FALSE": 0, "F": 0]
    let isLogical = !isNumeric && values.allSatisfy { logicalWords[$0] != nil || $0 == "NA" || $0.isEmpty }
    if isNumeric || isLogical {
        if let i = firstNA ?? values.firstIndex(where: { $0 == "NA" || $0.isEmpty }) { throw missing(i) }
    } else if let i = values.firstIndex(of: "NA") {
        throw missing(i)
    }

    if let levels {
        // factor(x, levels): values are matched as R's as.character(x) would
        // print them; for a numeric column a level also matches by value.
        guard !levels.isEmpty else { throw LimmaError("model.matrix", "empty levels given for column '\(name)'") }
        var index = [[UInt8]: Int]()
        for (k, l) in levels.enumerated() {
            if index[Array(l.utf8)] != nil {
                throw LimmaError("model.matrix", "factor level [\(k + 1)] is duplicated: '\(l)' in the levels given for column '\(name)'")
            }
            index[Array(l.utf8)] = k
        }
        let levelValues: [Double?] = levels.map { l in
            let r = RSyntax.strtod(Substring(l).utf8)
            return r.consumed == l.utf8.count && !r.isNA ? r.value : nil
        }
        var codes = [Int]()
        for (i, v) in values.enumerated() {
            let text = isLogical ? (logicalWords[v] == 1 ? "TRUE" : "FALSE") : v
            var k = index[Array(text.utf8)]
            if k == nil && isNumeric { k = levelValues.firstIndex { $0 == numbers[i] } }
            guard let k else {
                throw LimmaError("model.matrix", "value '\(v)' of column '\(name)' (sample '\(samples[i])') is not among the levels given: \(levels.joined(separator: ", ")); R's factor() would make it NA and drop the sample")
            }
            codes.append(k)
        }
        return .factor(levels: levels, codes: codes)
    }
    if isNumeric { return .numeric(numbers) }
    if isLogical { return .factor(levels: ["FALSE", "TRUE"], codes: values.map { logicalWords[$0]! }) }
    let lv = collation.factorLevels(values)
    var index = [[UInt8]: Int]()
    for (k, l) in lv.enumerated() { index[Array(l.utf8)] = k }
    return .factor(levels: lv, codes: values.map { index[Array($0.utf8)]! })
}
