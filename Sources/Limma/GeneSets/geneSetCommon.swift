// What limma's gene set tests (camera, fry, roast, mroast) share: the way a
// contrast is named, gene sets as an ordered list, the result table, R's
// multi-key `order`, and the t-to-z approximations of limma's zscore.R.
import Foundation

/// The contrast a gene set test tests, as R's `contrast` argument gives it:
/// a design column (0-based here; R's is 1-based), a design column name, or
/// a numeric contrast vector with one entry per design column.
public enum GeneSetContrast: Sendable, Equatable, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    ExpressibleByArrayLiteral
{
    case coefficient(Int)
    case name(String)
    case vector([Double])

    public init(integerLiteral value: Int) { self = .coefficient(value) }
    public init(stringLiteral value: String) { self = .name(value) }
    public init(arrayLiteral elements: Double...) { self = .vector(elements) }
}

/// Gene sets in R's order: each a name and the 0-based rows of the data in
/// the set (R's `index`, a named list of 1-based row numbers). Duplicated rows
/// are kept, as R keeps them.
public typealias GeneSetIndex = [(name: String, genes: [Int])]

/// Gene sets given by gene ids (R's character `index`): each set becomes the
/// rows whose id is in it, in row order (R's `which(ID %in% set)`).
public func geneSetIndex(ids: [String], sets: [(name: String, ids: [String])]) -> GeneSetIndex {
    let rows = GeneSetIDs.rows(ids: ids, sets: sets)
    return sets.indices.map { (sets[$0].name, rows[$0]) }
}

/// Gene sets from a dictionary, ordered by name (a Swift dictionary has no
/// order; R's list does, and the order shows in unsorted tables and in ties).
public func geneSetIndex(_ sets: [String: [Int]]) -> GeneSetIndex {
    sets.keys.sorted().map { ($0, sets[$0] ?? []) }
}

/// The table camera, fry and mroast return, one row per gene set in R's row
/// order, with R's columns (absent ones nil): `NGenes`, `Correlation`
/// (camera with `inter.gene.cor = NA`), `PropDown`, `PropUp` (mroast),
/// `Direction` ("Up"/"Down"), `PValue`, `FDR` (absent when camera or fry
/// test a single set), `PValue.Mixed`, `FDR.Mixed` (fry, mroast).
public struct GeneSetTable: Sendable, Equatable {
    public var names: [String]
    public var nGenes: [Int]
    public var correlation: [Double]?
    public var propDown: [Double]?
    public var propUp: [Double]?
    public var direction: [String]
    public var pValue: [Double]
    public var fdr: [Double]?
    public var pValueMixed: [Double]?
    public var fdrMixed: [Double]?
    /// Warnings R would have printed (from squeezeVar's prior fit).
    public var warnings: [LimmaWarning] = []

    /// The rows in the order `o` (0-based).
    func rows(_ o: [Int]) -> GeneSetTable {
        func pick<T>(_ v: [T]?) -> [T]? { v.map { a in o.map { a[$0] } } }
        var t = self
        t.names = o.map { names[$0] }
        t.nGenes = o.map { nGenes[$0] }
        t.correlation = pick(correlation)
        t.propDown = pick(propDown)
        t.propUp = pick(propUp)
        t.direction = o.map { direction[$0] }
        t.pValue = o.map { pValue[$0] }
        t.fdr = pick(fdr)
        t.pValueMixed = pick(pValueMixed)
        t.fdrMixed = pick(fdrMixed)
        return t
    }
}

/// How fry and mroast sort their table (R's `sort`): by the directional
/// p-value, by the mixed p-value, or not at all.
public enum GeneSetSort: String, Sendable {
    case directional, mixed, none
}

/// The rows of the data that some gene set holds, each once, numbered in
/// order of first appearance: what fry and roast keep of the genes x k
/// effects (the other genes count only through their variances).
struct SetRows {
    /// Per gene of the data, its place among the kept rows, or -1.
    var slot: [Int]
    /// The kept genes, in their order.
    var kept: [Int]

    /// Rows outside `0..<genes` are left out (the callers reject them).
    init(_ sets: [[Int]], genes: Int) {
        slot = [Int](repeating: -1, count: genes)
        kept = []
        for set in sets {
            for g in set where g >= 0 && g < genes && slot[g] < 0 {
                slot[g] = kept.count
                kept.append(g)
            }
        }
    }

    /// A set's genes as places among the kept rows.
    func places(_ genes: [Int]) -> [Int] { genes.map { slot[$0] } }
}

enum GeneSetSupport {
    /// R's `order(k1, k2, ...)`: ascending on each key in turn, missing values
    /// last within a key, ties in original order. 0-based.
    static func order(_ keys: [[Double]]) -> [Int] {
        let n = keys.first?.count ?? 0
        return Array(0..<n).sorted { a, b in
            for k in keys {
                let x = k[a], y = k[b]
                if x.isNaN || y.isNaN {
                    if x.isNaN && y.isNaN { continue }
                    return y.isNaN
                }
                if x != y { return x < y }
            }
            return a < b
        }
    }

    /// Checks every set's rows against the number of genes.
    static func checkIndex(_ index: GeneSetIndex, genes: Int, function: String) throws {
        if index.isEmpty { throw LimmaError(function, "index is empty") }
        var seen = Set<String>()
        for s in index {
            if !seen.insert(s.name).inserted { throw LimmaError(function, "Gene sets don't have unique names") }
            if let bad = s.genes.first(where: { $0 < 0 || $0 >= genes }) {
                throw LimmaError(function, "gene set '\(s.name)' has row \(bad) (0-based), outside the \(genes) rows of the data")
            }
        }
    }

    /// The design column order putting the tested contrast last, as limma's
    /// gene set tests need it, plus the (possibly rotated) design.
    /// `.coefficient`/`.name`: that column moved to the end; nil contrast: the
    /// last column.
    static func contrastColumn(_ contrast: GeneSetContrast?, design: Matrix, function: String) throws -> Int? {
        let p = design.ncol
        switch contrast {
        case nil: return p - 1
        case .coefficient(let j)?:
            guard j >= 0 && j < p else {
                throw LimmaError(function, "contrast column \(j) (0-based) is outside the \(p) design columns")
            }
            return j
        case .name(let s)?:
            guard let j = design.colNames?.firstIndex(of: s) else { throw LimmaError(function, "coef \(s) not found") }
            return j
        case .vector(let c)?:
            guard c.count == p else { throw LimmaError(function, "length of contrast must match column dimension of design") }
            if c.contains(where: { !$0.isFinite }) { throw LimmaError(function, "contrast must be finite") }
            return nil
        }
    }

    /// R's `design[, j]` with the columns in order `cols`.
    static func moveLast(_ design: Matrix, _ j: Int) -> Matrix {
        let p = design.ncol
        return design.columns((0..<p).filter { $0 != j } + [j])
    }

    /// Whether every value is finite (`!x.contains { !$0.isFinite }`), four
    /// at a time: `v * 0` is ±0 for a finite v and NaN otherwise, so a sum of
    /// them is zero exactly when all are finite.
    static func allFinite(_ x: [Double]) -> Bool {
        x.withUnsafeBufferPointer { b in
            let n = b.count
            var acc = SIMD4<Double>(repeating: 0)
            var i = 0
            while i + 4 <= n {
                acc = acc + UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: SIMD4<Double>.self) * 0
                i += 4
            }
            var ok = acc == SIMD4(repeating: 0)
            while i < n {
                ok = ok && b[i].isFinite
                i += 1
            }
            return ok
        }
    }

    /// Whether every value is > 0 (`!x.contains { !($0 > 0) }`; NaN is not),
    /// four at a time.
    static func allPositive(_ x: [Double]) -> Bool {
        x.withUnsafeBufferPointer { b in
            let n = b.count
            var bad = GeneLaneMask(repeating: false)
            var i = 0
            while i + 4 <= n {
                bad .|= .!(UnsafeRawPointer(b.baseAddress! + i).loadUnaligned(as: SIMD4<Double>.self) .> 0)
                i += 4
            }
            var ok = !any(bad)
            while i < n {
                ok = ok && b[i] > 0
                i += 1
            }
            return ok
        }
    }

    /// Scales the rows of x (n x p) by s (n): R's `x * s`.
    static func scaleRows(_ x: Matrix, _ s: [Double]) -> Matrix {
        var o = x
        for j in 0..<x.ncol { for i in 0..<x.nrow { o[i, j] = x[i, j] * s[i] } }
        return o
    }
}

/// limma's `zscoreT(x, df, approx = TRUE, method = "hill")`: Hill's (1970)
/// normal approximation to a t quantile, with `df` capped at 1e100:
/// `A = df - 1/2`, `B = 48 A^2`, `z = A log1p(x^2/df)`, then
/// `z = ((((-0.4 z - 3.3) z - 24) z - 85.5) / (0.8 z^2 + 100 + B) + z + 3) / B + 1) sqrt(z)`,
/// with the sign of x.
func zscoreTHill(_ x: Double, df dfIn: Double) -> Double {
    let df = min(dfIn, 1e100)
    let a = df - 0.5
    let b = 48 * a * a
    var z = a * log1p(x / df * x)
    z = (((((-0.4 * z - 3.3) * z - 24) * z - 85.5) / (0.8 * z * z + 100 + b) + z + 3) / b + 1) * z.squareRoot()
    return z * rSign(x)
}

/// limma's `.zscoreTBailey(x, df)`: Bailey's normal approximation to a t
/// quantile, `(df + 1/8)/(df + 9/8) sqrt((df + 19/12) log1p(x^2/(df + 1/12)))`
/// with the sign of x.
func zscoreTBailey(_ x: Double, df: Double) -> Double { BaileyZScore(df: df)(x) }

/// Bailey's approximation for one df, with the parts that depend on df alone
/// computed once (the same operations as `zscoreTBailey`, so the same bits):
/// `a = (df + 0.125)/(df + 1.125)`, `b = df + 19/12`, `c = df + 1/12`,
/// `z(x) = a sqrt(b log1p(x / c * x)) sign(x)`.
struct BaileyZScore {
    let a: Double, b: Double, c: Double

    init(df: Double) {
        a = (df + 0.125) / (df + 1.125)
        b = df + 19.0 / 12.0
        c = df + 1.0 / 12.0
    }

    @inline(__always) func callAsFunction(_ x: Double) -> Double {
        a * (b * log1p(x / c * x)).squareRoot() * rSign(x)
    }
}
