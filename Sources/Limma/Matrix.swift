// The dense numeric matrix every limma function takes and returns.
#if canImport(Glibc)
import Glibc
#endif

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

    /// Keeps only the rows `idx` (strictly increasing), in place: the same
    /// values and names as `rows(idx)`, without a second genes x samples
    /// buffer when this matrix's storage is not shared (when it is, Swift
    /// copies it first, as for any mutation).
    ///
    /// Column j moves from `j * nrow` to `j * m` (m kept rows), each value
    /// to a place at or before its own, so a column compacted front to back
    /// reads every value before anything overwrites it. Columns `a..<b`
    /// can move at the same time once every column before `a` has moved
    /// and `b * m <= a * nrow` (their new places all lie below the first
    /// value not yet read), so the columns go in rounds growing by the
    /// factor `nrow / m`, each round's columns spread over the threads.
    /// Every value is a copy, so the result does not depend on the thread
    /// count. The storage past the kept values is given back
    /// (`releaseUnusedStorage`).
    public mutating func keepRows(_ idx: [Int]) {
        keepRows(idx) { _, _ in }
    }

    /// `keepRows(idx)`, calling `column(j, values)` with each column's kept
    /// values right after they moved (by the worker that moved them, while
    /// they are still in its cache), every column once, in no set order.
    mutating func keepRows(_ idx: [Int], column: (Int, UnsafeBufferPointer<Double>) -> Void) {
        let n = nrow, m = idx.count, nc = ncol
        for k in idx.indices {
            precondition(idx[k] >= 0 && idx[k] < n && (k == 0 || idx[k - 1] < idx[k]),
                         "keepRows: row indices must be strictly increasing and within 0..<\(n)")
        }
        if m == n {
            values.withUnsafeBufferPointer { vb in
                for j in 0..<nc { column(j, UnsafeBufferPointer(rebasing: vb[(j * n)..<((j + 1) * n)])) }
            }
            return
        }
        let names = rowNames.map { rn in idx.map { rn[$0] } }
        if m > 0 && nc > 0 {
            values.withUnsafeMutableBufferPointer { vb in
                idx.withUnsafeBufferPointer { ib in
                    let box = UncheckedBox((vb.baseAddress!, ib.baseAddress!))
                    func compact(_ j: Int) {
                        let (v, ix) = box.value
                        let src = v + j * n, dst = v + j * m
                        for k in 0..<m { dst[k] = src[ix[k]] }
                        column(j, UnsafeBufferPointer(start: dst, count: m))
                    }
                    var a = 0
                    while a < nc {
                        let b = Swift.min(nc, Swift.max(a + 1, (a * n) / m))
                        if b - a == 1 {
                            compact(a)
                        } else {
                            let a0 = a
                            LimmaThreads.forEachChunk(b - a, minChunk: Swift.max(1, 65536 / m)) { r in
                                for j in r { compact(a0 + j) }
                            }
                        }
                        a = b
                    }
                }
            }
        }
        if m == 0 { for j in 0..<nc { column(j, UnsafeBufferPointer(start: nil, count: 0)) } }
        values.removeLast(values.count - m * nc)
        releaseUnusedStorage()
        nrow = m
        rowNames = names
    }

    /// Storage of at most this many bytes is replaced by an exact-size copy
    /// when values are dropped: glibc's largest block served from the heap
    /// (its `DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit).
    static let heapBlockBytes = 32 << 20

    /// Gives back the storage past `values.count` after rows were dropped.
    ///
    /// - Storage of up to `heapBlockBytes`: the values move to an array of
    ///   exactly their size and the old block is freed whole. An allocator
    ///   that keeps freed memory (limma-parity's) then serves the next arrays
    ///   from pages already touched: on pasilla (14,599 genes of which 7,919
    ///   are kept, 7 samples) about 120 fewer page faults in the steps after
    ///   filtering, for a 0.4 MB copy.
    /// - Larger storage (a mapping of its own): the array keeps its capacity
    ///   and the whole pages past the values go back to the system
    ///   (`MADV_DONTNEED`: they stay mapped and read as zero if touched
    ///   again), with no second copy of a large matrix.
    private mutating func releaseUnusedStorage() {
        let used = values.count, capacity = values.capacity
        if capacity * MemoryLayout<Double>.stride <= Matrix.heapBlockBytes {
            if used < capacity { values = values.withUnsafeBufferPointer { Array($0) } }
            return
        }
        values.withUnsafeMutableBufferPointer { vb in
            guard let base = vb.baseAddress else { return }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = (Int(bitPattern: base + used) + page - 1) / page * page
            let end = Int(bitPattern: base + capacity) / page * page
            if end > start, let p = UnsafeMutableRawPointer(bitPattern: start) {
                _ = madvise(p, end - start, MADV_DONTNEED)
            }
        }
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
