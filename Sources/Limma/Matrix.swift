// The dense numeric matrix every limma function takes and returns.

/// A dense matrix of `Double`, stored column-major exactly as R stores a
/// numeric matrix, with optional row and column names (R's `dimnames`).
///
/// Missing values are `Double.nan`. R distinguishes `NA` from `NaN`; the
/// engine treats both as missing, as limma does (`is.na` is true for both).
/// Where the harness must tell them apart it carries that separately.
///
/// Column-major storage means column `j` is the contiguous slice
/// `values[j*nrow ..< (j+1)*nrow]`, which is what LAPACK and BLAS expect.
public struct Matrix: Sendable, Equatable {
    public var nrow: Int
    public var ncol: Int
    /// Column-major values, `nrow * ncol` of them.
    public var values: [Double]
    public var rowNames: [String]?
    public var colNames: [String]?

    public init(nrow: Int, ncol: Int, values: [Double], rowNames: [String]? = nil, colNames: [String]? = nil) {
        precondition(values.count == nrow * ncol, "Matrix: \(values.count) values for \(nrow) x \(ncol)")
        precondition(rowNames == nil || rowNames!.count == nrow, "Matrix: rowNames count")
        precondition(colNames == nil || colNames!.count == ncol, "Matrix: colNames count")
        self.nrow = nrow
        self.ncol = ncol
        self.values = values
        self.rowNames = rowNames
        self.colNames = colNames
    }

    /// A matrix filled with one value.
    public init(nrow: Int, ncol: Int, repeating value: Double = 0, rowNames: [String]? = nil, colNames: [String]? = nil) {
        self.init(nrow: nrow, ncol: ncol, values: [Double](repeating: value, count: nrow * ncol),
                  rowNames: rowNames, colNames: colNames)
    }

    /// Builds a matrix from rows (row-major input, as one writes a matrix by hand).
    public init(rows: [[Double]], rowNames: [String]? = nil, colNames: [String]? = nil) {
        let n = rows.count
        let p = rows.first?.count ?? 0
        var v = [Double](repeating: 0, count: n * p)
        for i in 0..<n {
            precondition(rows[i].count == p, "Matrix(rows:): ragged row \(i)")
            for j in 0..<p { v[j * n + i] = rows[i][j] }
        }
        self.init(nrow: n, ncol: p, values: v, rowNames: rowNames, colNames: colNames)
    }

    /// Builds a matrix from columns.
    public init(columns: [[Double]], rowNames: [String]? = nil, colNames: [String]? = nil) {
        let p = columns.count
        let n = columns.first?.count ?? 0
        var v = [Double]()
        v.reserveCapacity(n * p)
        for c in columns {
            precondition(c.count == n, "Matrix(columns:): ragged column")
            v.append(contentsOf: c)
        }
        self.init(nrow: n, ncol: p, values: v, rowNames: rowNames, colNames: colNames)
    }

    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get { values[j * nrow + i] }
        set { values[j * nrow + i] = newValue }
    }

    /// Column `j` as a new array.
    public func column(_ j: Int) -> [Double] {
        Array(values[(j * nrow)..<((j + 1) * nrow)])
    }

    /// Row `i` as a new array.
    public func row(_ i: Int) -> [Double] {
        (0..<ncol).map { values[$0 * nrow + i] }
    }

    /// The transpose, names swapped.
    public var transposed: Matrix {
        var t = Matrix(nrow: ncol, ncol: nrow, rowNames: colNames, colNames: rowNames)
        for j in 0..<ncol { for i in 0..<nrow { t.values[i * ncol + j] = values[j * nrow + i] } }
        return t
    }

    /// The sub-matrix of the given rows (in that order), names kept.
    public func rows(_ idx: [Int]) -> Matrix {
        let m = idx.count, n = nrow
        let names = rowNames.map { rn in idx.map { rn[$0] } }
        if m == 0 || ncol == 0 { return Matrix(nrow: m, ncol: ncol, rowNames: names, colNames: colNames) }
        // Columns in parallel chunks, each written by one worker (a copy: the
        // result does not depend on the thread count), into a buffer that is
        // not zero-filled first (every element is written once, so its pages
        // are first touched by the workers). Huge pages (madvise) were slower
        // here: the kernel compacts memory to find them.
        let out = [Double](unsafeUninitializedCapacity: m * ncol) { ob, initialized in
            values.withUnsafeBufferPointer { vb in
                idx.withUnsafeBufferPointer { ib in
                    let io = UncheckedBox((ob, vb, ib))
                    LimmaThreads.forEachChunk(ncol, minChunk: Swift.max(1, 65536 / Swift.max(m, 1))) { cols in
                        let (ob, vb, ib) = io.value
                        for j in cols {
                            let src = vb.baseAddress! + j * n, dst = ob.baseAddress! + j * m
                            for k in 0..<m { (dst + k).initialize(to: src[ib[k]]) }
                        }
                    }
                }
            }
            initialized = m * ncol
        }
        return Matrix(nrow: m, ncol: ncol, values: out, rowNames: names, colNames: colNames)
    }

    /// The sub-matrix of the given columns (in that order), names kept.
    public func columns(_ idx: [Int]) -> Matrix {
        var v = [Double]()
        v.reserveCapacity(nrow * idx.count)
        for j in idx { v.append(contentsOf: values[(j * nrow)..<((j + 1) * nrow)]) }
        return Matrix(nrow: nrow, ncol: idx.count, values: v, rowNames: rowNames, colNames: colNames.map { cn in idx.map { cn[$0] } })
    }

    /// Index of a column by name.
    public func columnIndex(named name: String) -> Int? { colNames?.firstIndex(of: name) }
}
