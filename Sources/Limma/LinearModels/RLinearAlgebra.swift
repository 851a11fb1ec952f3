// R's dense linear algebra as the linear-model code meets it: `%*%`
// (R's default matprod), `crossprod(x)`, `chol`, `chol2inv`, `backsolve`.
// Each calls the same BLAS/LAPACK routine R calls, with the same arguments,
// so the last bits agree with R linked to the same libraries.
import CLapack

public enum RLinAlg {
    /// R's `x %*% y` in the default matprod mode: when either operand may hold
    /// a NaN or infinity (R's quick pairwise-sum test) a plain double-precision
    /// triple loop; otherwise BLAS `dgemv` (y one column, or x one row) or
    /// `dgemm`. Zero-extent products are zero.
    public static func matprod(_ x: Matrix, _ y: Matrix) -> Matrix {
        precondition(x.ncol == y.nrow, "matprod: non-conformable \(x.nrow)x\(x.ncol) %*% \(y.nrow)x\(y.ncol)")
        let nrx = x.nrow, ncx = x.ncol, nry = y.nrow, ncy = y.ncol
        var z = [Double](repeating: 0, count: nrx * ncy)
        if nrx == 0 || ncx == 0 || nry == 0 || ncy == 0 {
            return Matrix(nrow: nrx, ncol: ncy, values: z, rowNames: x.rowNames, colNames: y.colNames)
        }
        if mayHaveNaNOrInf(x.values) || mayHaveNaNOrInf(y.values) {
            for i in 0..<nrx {
                for k in 0..<ncy {
                    var sum = 0.0
                    for j in 0..<ncx { sum += x.values[i + j * nrx] * y.values[j + k * nry] }
                    z[i + k * nrx] = sum
                }
            }
        } else {
            var one = 1.0, zero = 0.0, ione: Int32 = 1
            var m = Int32(nrx), n = Int32(ncx), ny = Int32(nry), nc = Int32(ncy)
            var tN = CChar(UInt8(ascii: "N")), tT = CChar(UInt8(ascii: "T"))
            x.values.withUnsafeBufferPointer { xb in
                y.values.withUnsafeBufferPointer { yb in
                    z.withUnsafeMutableBufferPointer { zb in
                        if ncy == 1 {
                            dgemv_(&tN, &m, &n, &one, xb.baseAddress, &m, yb.baseAddress, &ione, &zero, zb.baseAddress, &ione)
                        } else if nrx == 1 {
                            dgemv_(&tT, &ny, &nc, &one, yb.baseAddress, &ny, xb.baseAddress, &ione, &zero, zb.baseAddress, &ione)
                        } else {
                            dgemm_(&tN, &tN, &m, &nc, &n, &one, xb.baseAddress, &m, yb.baseAddress, &ny, &zero, zb.baseAddress, &m)
                        }
                    }
                }
            }
        }
        return Matrix(nrow: nrx, ncol: ncy, values: z, rowNames: x.rowNames, colNames: y.colNames)
    }

    /// R's `crossprod(x)` = x'x: BLAS `dsyrk` (upper triangle, mirrored) unless
    /// x may hold NaN/Inf, then a plain double loop.
    public static func crossprod(_ x: Matrix) -> Matrix {
        let nr = x.nrow, nc = x.ncol
        var z = [Double](repeating: 0, count: nc * nc)
        if nr > 0 && nc > 0 {
            if mayHaveNaNOrInf(x.values) {
                for i in 0..<nc {
                    for k in 0..<nc {
                        var sum = 0.0
                        for j in 0..<nr { sum += x.values[j + i * nr] * x.values[j + k * nr] }
                        z[i + k * nc] = sum
                    }
                }
            } else {
                var one = 1.0, zero = 0.0
                var n = Int32(nc), k = Int32(nr)
                var uplo = CChar(UInt8(ascii: "U")), trans = CChar(UInt8(ascii: "T"))
                x.values.withUnsafeBufferPointer { xb in
                    z.withUnsafeMutableBufferPointer { zb in
                        dsyrk_(&uplo, &trans, &n, &k, &one, xb.baseAddress, &k, &zero, zb.baseAddress, &n)
                    }
                }
                for i in 1..<Swift.max(nc, 1) { for j in 0..<i { z[i + nc * j] = z[j + nc * i] } }
            }
        }
        return Matrix(nrow: nc, ncol: nc, values: z, rowNames: x.colNames, colNames: x.colNames)
    }

    /// R's imprecise quick test for NaN/Inf (array.c `mayHaveNaNOrInf`):
    /// checks the first element when the count is odd, then sums of pairs.
    static func mayHaveNaNOrInf(_ x: [Double]) -> Bool {
        let n = x.count
        if n & 1 != 0 && !x[0].isFinite { return true }
        var i = n & 1
        while i < n {
            if !(x[i] + x[i + 1]).isFinite { return true }
            i += 2
        }
        return false
    }

    /// R's `chol(x)` (no pivoting): the upper-triangular Cholesky factor by
    /// LAPACK `dpotrf`, lower triangle zeroed. Throws R's message when x is
    /// not positive definite.
    public static func chol(_ a: Matrix, function: String = "chol") throws -> Matrix {
        guard a.nrow == a.ncol else { throw LimmaError(function, "'a' must be a square matrix") }
        guard a.nrow > 0 else { throw LimmaError(function, "'a' must have dims > 0") }
        let n = a.nrow
        var v = a.values
        for j in 0..<n { for i in (j + 1)..<Swift.max(n, j + 1) { v[i + n * j] = 0 } }
        var m = Int32(n), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        v.withUnsafeMutableBufferPointer { vb in dpotrf_(&uplo, &m, vb.baseAddress, &m, &info) }
        if info > 0 { throw LimmaError(function, "the leading minor of order \(info) is not positive definite") }
        if info < 0 { throw LimmaError(function, "argument \(-info) of Lapack routine dpotrf had invalid value") }
        return Matrix(nrow: n, ncol: n, values: v, rowNames: a.rowNames, colNames: a.colNames)
    }

    /// R's `chol2inv(x, size)`: the inverse of `R'R` where R is the leading
    /// `size` x `size` upper triangle of x, by LAPACK `dpotri`, mirrored to a
    /// full symmetric matrix.
    public static func chol2inv(_ x: Matrix, size: Int, function: String = "chol2inv") throws -> Matrix {
        guard size >= 1 else { throw LimmaError(function, "'size' argument must be a positive integer") }
        guard size <= x.ncol else { throw LimmaError(function, "'size' cannot exceed ncol(x) = \(x.ncol)") }
        guard size <= x.nrow else { throw LimmaError(function, "'size' cannot exceed nrow(x) = \(x.nrow)") }
        let sz = size, m = x.nrow
        var v = [Double](repeating: 0, count: sz * sz)
        for j in 0..<sz { for i in 0...j { v[i + j * sz] = x.values[i + j * m] } }
        var n = Int32(sz), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        v.withUnsafeMutableBufferPointer { vb in dpotri_(&uplo, &n, vb.baseAddress, &n, &info) }
        if info > 0 { throw LimmaError(function, "element (\(info), \(info)) is zero, so the inverse cannot be computed") }
        if info < 0 { throw LimmaError(function, "argument \(-info) of Lapack routine dpotri had invalid value") }
        for j in 0..<sz { for i in (j + 1)..<Swift.max(sz, j + 1) { v[i + j * sz] = v[j + i * sz] } }
        return Matrix(nrow: sz, ncol: sz, values: v)
    }

    /// R's `backsolve(r, b, transpose = TRUE)` with r upper triangular: solves
    /// `r' x = b` by BLAS `dtrsm("L", "U", "T", "N")` (or `r x = b` when
    /// `transpose` is false). Throws R's message for a zero on the diagonal.
    public static func backsolve(_ r: Matrix, _ b: Matrix, transpose: Bool, function: String = "backsolve") throws -> Matrix {
        let k = r.ncol
        guard k >= 1, k <= r.nrow, k <= b.nrow else { throw LimmaError(function, "invalid 'k' argument") }
        for i in 0..<k where r.values[i * (r.nrow + 1)] == 0 {
            throw LimmaError(function, "singular matrix in 'backsolve'. First zero in diagonal [\(i + 1)]")
        }
        let ncb = b.ncol
        var ans = [Double](repeating: 0, count: k * ncb)
        for j in 0..<ncb { for i in 0..<k { ans[j * k + i] = b.values[j * b.nrow + i] } }
        if ncb > 0 {
            var one = 1.0
            var kk = Int32(k), nc = Int32(ncb), nrr = Int32(r.nrow)
            var side = CChar(UInt8(ascii: "L")), uplo = CChar(UInt8(ascii: "U"))
            var tr = CChar(UInt8(ascii: transpose ? "T" : "N")), diag = CChar(UInt8(ascii: "N"))
            r.values.withUnsafeBufferPointer { rb in
                ans.withUnsafeMutableBufferPointer { ab in
                    dtrsm_(&side, &uplo, &tr, &diag, &kk, &nc, &one, rb.baseAddress, &nrr, ab.baseAddress, &kk)
                }
            }
        }
        return Matrix(nrow: k, ncol: ncb, values: ans)
    }
}

/// Allocation-free forms of the LAPACK/BLAS calls per-gene fits make, with
/// the reference routines' arithmetic operation for operation (so their bits
/// equal the library's; `LinearModelKernelTests` checks them against it).
extension RLinAlg {
    /// LAPACK `dpotrf("U")` in place on the n x n upper triangle of `a`
    /// (leading dimension `lda`) for n < 64, where reference LAPACK 3.11 runs
    /// the recursive `dpotrf2`: factor the leading n/2 block, solve its
    /// off-diagonal block with dtrsm ("L", "U", "T", "N"), update the
    /// trailing block with dsyrk (`C = -(A'A) + C`), factor that. A 1 x 1
    /// block `a` becomes `sqrt(a)`, or stops with its order when `a <= 0`
    /// or NaN. Returns dpotrf's `info` (0 when positive definite).
    static func potrfUpper(_ a: UnsafeMutablePointer<Double>, n: Int, lda: Int) -> Int {
        if n == 1 {
            if !(a[0] > 0) { return 1 }
            a[0] = a[0].squareRoot()
            return 0
        }
        let n1 = n / 2, n2 = n - n1
        let info = potrfUpper(a, n: n1, lda: lda)
        if info != 0 { return info }
        let a12 = a + n1 * lda, a22 = a + n1 * lda + n1
        trsmUpperTransposed(a, lda: lda, m: n1, b: a12, ldb: lda, ncols: n2)
        for j in 0..<n2 {
            for i in 0...j {
                var temp = 0.0
                for l in 0..<n1 { temp = temp + a12[i * lda + l] * a12[j * lda + l] }
                a22[j * lda + i] = -temp + a22[j * lda + i]
            }
        }
        let info2 = potrfUpper(a22, n: n2, lda: lda)
        return info2 != 0 ? info2 + n1 : 0
    }

    /// LAPACK `dpotrf("U")` in place (as `potrfUpper` below order 64, by the
    /// library beyond). Returns `info`.
    static func cholUpperInPlace(_ a: UnsafeMutablePointer<Double>, n: Int, lda: Int) -> Int {
        if n < 64 { return potrfUpper(a, n: n, lda: lda) }
        var nn = Int32(n), ld = Int32(lda), info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        dpotrf_(&uplo, &nn, a, &ld, &info)
        return Int(info)
    }

    /// BLAS `dtrsm("L", "U", "T", "N", m, ncols, 1, a, lda, b, ldb)`: solves
    /// `U' z = b` for each of the `ncols` columns of `b`, U the m x m upper
    /// triangle of `a`: `z_i = (b_i - sum_{k<i} U_ki z_k) / U_ii` in index order.
    static func trsmUpperTransposed(_ a: UnsafePointer<Double>, lda: Int, m: Int, b: UnsafeMutablePointer<Double>, ldb: Int, ncols: Int) {
        for j in 0..<ncols {
            let bj = b + j * ldb
            for i in 0..<m {
                var temp = bj[i]
                let ai = a + i * lda
                for k in 0..<i { temp = temp - ai[k] * bj[k] }
                bj[i] = temp / ai[i]
            }
        }
    }

    /// BLAS `dtrsm("L", "U", "N", "N", m, 1, 1, a, lda, b, m)`: solves
    /// `U z = b`, U the m x m upper triangle of `a`, from the last row up;
    /// a zero `b_k` is neither divided nor propagated (dtrsm's skip).
    static func trsmUpperNoTrans(_ a: UnsafePointer<Double>, lda: Int, m: Int, b: UnsafeMutablePointer<Double>) {
        var k = m - 1
        while k >= 0 {
            if b[k] != 0 {
                b[k] = b[k] / a[k * lda + k]
                let bk = b[k], ak = a + k * lda
                for i in 0..<k { b[i] = b[i] - bk * ak[i] }
            }
            k -= 1
        }
    }
}
