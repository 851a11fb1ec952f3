// Least squares for several genes at once: LINPACK dqrdc2 + dqrsl and the
// diagonal of LAPACK dpotri (chol2inv), each gene in its own SIMD lane, with
// exactly the floating-point operations the scalar routines perform.
//
// One source, two modules: this file is also Sources/LimmaAVX512/
// LeastSquaresLanes.swift (a link). Each module says what a lane vector is
// (`GeneLanes`: four doubles in Limma, GeneLeastSquares.swift; eight in
// LimmaAVX512, LeastSquaresKernels.swift), its long double
// (`LaneLongDouble`) and `LongDoubleSums` for that many lanes. Lanes never
// mix, so the width changes no lane's bits.

/// Kernels that fit `GeneLanes.scalarCount` genes side by side.
///
/// Lane `l` of every vector belongs to gene `l`; every lane sees the same
/// sequence of IEEE operations (`+`, `-`, `*`, `/`, `sqrt`, in the same order)
/// as the scalar dqrdc2 / dqrsl (`QRDecomposition`) and dpotri
/// (`RLinAlg.chol2inv`) do for that gene alone, so each lane's result is
/// bit-identical to the scalar fit. What makes this exact:
///
/// - Reference BLAS 3.11 `ddot` (unit stride) adds its products to a
///   running sum in index order (its unrolling by 5 only groups the additions
///   left to right), so a lane-wise running sum from +0 is the same;
///   `daxpy` and `dscal` are element-wise (`daxpy` returns at once when its
///   multiplier is zero, which a lane-wise select reproduces).
/// - `dnrm2` (LAPACK 3.10+ `dnrm2.f90`, Blue's algorithm) sums `x_i^2` in
///   index order into its mid-range accumulator and returns `sqrt` of it when
///   every nonzero `|x_i|` lies in `[2^-511, 2^486]`; zeros go to the small
///   accumulator but add exactly 0. Lanes with a nonzero value outside that
///   range are flagged.
/// - Branches that can differ between genes are not taken in lanes: a lane
///   that would pivot a column, meet a zero Householder norm, recompute a
///   column norm in full (dqrdc2's `tt < 1e-6` case), divide by a zero
///   diagonal, or hit a nrm2 scaling range is flagged in the returned mask,
///   and the caller refits that gene with the scalar routines.
///
/// As for `BLAS1`, a NaN result may be another NaN than the scalar routine's.
///
/// The dpotri diagonal: for an upper-triangular R of size r < 64, dpotri is
/// dtrti2 (column j: `u_jj = 1/r_jj`, then `x = R[0..<j, j]` multiplied by
/// the inverted leading block with dtrmv, skipping zero `x_c`, then scaled by
/// `-u_jj`) followed by dlauu2, whose diagonal is `sum_{k>=i} u_ik^2` in index
/// order from +0 (`u_rr * u_rr` for the last).
enum LaneLeastSquares {
    static let width = GeneLanes.scalarCount

    @inline(__always)
    static func magnitude(_ x: GeneLanes) -> GeneLanes { x.replacing(with: -x, where: x .< 0) }

    /// Lane-wise dnrm2 of `m` consecutive vectors: `sqrt` of the running
    /// sum of squares (`x*x` equals dnrm2's `|x|**2` bit for bit). Lanes
    /// dnrm2 might scale are set in `bad`: a nonzero `x` whose square is at
    /// most 2^-1022 (every nonzero |x| < 2^-511 is), or a sum of at least
    /// 2^972 (any |x| > 2^486 makes it so) or not a number.
    @inline(__always)
    static func nrm2(_ m: Int, _ x: UnsafePointer<GeneLanes>, _ bad: inout GeneLaneMask) -> GeneLanes {
        var sum = GeneLanes(repeating: 0)
        var tiny = GeneLaneMask(repeating: false)
        for i in 0..<m {
            let v = x[i]
            let sq = v * v
            tiny .|= (sq .<= 0x1p-1022) .& (v .!= 0)
            sum = sum + sq
        }
        bad .|= tiny .| .!(sum .< 0x1p972)
        return sum.squareRoot()
    }

    /// Lane-wise ddot (running sum from +0 in index order).
    @inline(__always)
    static func dot(_ m: Int, _ x: UnsafePointer<GeneLanes>, _ y: UnsafePointer<GeneLanes>) -> GeneLanes {
        var sum = GeneLanes(repeating: 0)
        for i in 0..<m { sum = sum + x[i] * y[i] }
        return sum
    }

    /// Lane-wise daxpy `y += t x`, leaving lanes whose `t` is zero untouched.
    @inline(__always)
    static func axpy(_ m: Int, _ t: GeneLanes, _ x: UnsafePointer<GeneLanes>, _ y: UnsafeMutablePointer<GeneLanes>) {
        let skip = t .== 0
        if !any(skip) {
            for i in 0..<m { y[i] = y[i] + t * x[i] }
        } else if !all(skip) {
            for i in 0..<m { y[i] = (y[i] + t * x[i]).replacing(with: y[i], where: skip) }
        }
    }

    /// dqrdc2 on the lanes of the n x p column-major `a` (leading dimension
    /// n), assuming no column is moved; fills `qraux` (p). Returns the lanes
    /// that need the scalar routine (see the type's documentation). When no
    /// lane is flagged the rank is `min(n, p)` and the pivot is the identity.
    static func decompose(_ a: UnsafeMutablePointer<GeneLanes>, n: Int, p: Int, tol: Double,
                          qraux: UnsafeMutablePointer<GeneLanes>, work: UnsafeMutablePointer<GeneLanes>) -> GeneLaneMask {
        var bad = GeneLaneMask(repeating: false)
        for j in 0..<p {
            let q = nrm2(n, a + j * n, &bad)
            qraux[j] = q
            work[j] = q.replacing(with: 1, where: q .== 0)
        }
        for l0 in 0..<Swift.min(n, p) {
            // dqrdc2 would move column l0 to the end.
            bad .|= .!(qraux[l0] .>= work[l0] * tol)
            if l0 == n - 1 { continue }
            let m = n - l0
            let xl = a + l0 * n + l0
            // At l0 = 0 this is the column norm just computed (same values, same order).
            var nrmxl = l0 == 0 ? qraux[0] : nrm2(m, xl, &bad)
            bad .|= nrmxl .== 0
            let x0 = xl[0]
            nrmxl = nrmxl.replacing(with: -nrmxl, where: x0 .< 0)
            let s = 1.0 / nrmxl
            for i in 0..<m { xl[i] = s * xl[i] }
            xl[0] = 1.0 + xl[0]
            for j in (l0 + 1)..<Swift.max(p, l0 + 1) {
                let xj = a + j * n + l0
                let t = -dot(m, xl, xj) / xl[0]
                axpy(m, t, xl, xj)
                let qj = qraux[j]
                let live = qj .!= 0
                let r = magnitude(xj[0]) / qj
                var tt = 1.0 - r * r
                tt = tt.replacing(with: 0, where: tt .< 0)
                bad .|= live .& .!(magnitude(tt) .>= 1e-6)
                qraux[j] = (qj * tt.squareRoot()).replacing(with: qj, where: .!live)
            }
            qraux[l0] = xl[0]
            xl[0] = -nrmxl
        }
        return bad
    }

    /// dqrsl with jobs qty and coef on lanes: overwrites `qty` (n, holding y
    /// on entry) with Q'y and writes the first `k` pivoted coefficients to
    /// `b`. Needs `min(k, n - 1) > 0`. Lanes meeting a zero diagonal in the
    /// back substitution (where dqrsl stops) are returned.
    static func solve(_ a: UnsafePointer<GeneLanes>, n: Int, k: Int, qraux: UnsafePointer<GeneLanes>,
                      qty: UnsafeMutablePointer<GeneLanes>, b: UnsafeMutablePointer<GeneLanes>) -> GeneLaneMask {
        var bad = GeneLaneMask(repeating: false)
        let ju = Swift.min(k, n - 1)
        for j in 0..<ju {
            // The Householder vector has qraux[j] as its first element.
            let xj = a + j * n + j, qj = qraux[j], yj = qty + j
            bad .|= qj .== 0
            var sum = GeneLanes(repeating: 0) + qj * yj[0]
            for i in 1..<(n - j) { sum = sum + xj[i] * yj[i] }
            let t = -sum / qj
            let skip = t .== 0
            yj[0] = (yj[0] + t * qj).replacing(with: yj[0], where: skip)
            axpy(n - j - 1, t, xj + 1, yj + 1)
        }
        bad .|= backSubstitute(a, n: n, k: k, qty: qty, b: b)
        return bad
    }

    /// dqrsl's coefficients: `b` = the first `k` of `qty`, then R b = Q'y
    /// solved from the last row up (`b_j /= r_jj`, then daxpy of `-b_j`
    /// times column j above the diagonal into b); `a` holds R (leading
    /// dimension n). Lanes meeting a zero diagonal are returned.
    @inline(__always)
    static func backSubstitute(_ a: UnsafePointer<GeneLanes>, n: Int, k: Int, qty: UnsafePointer<GeneLanes>,
                               b: UnsafeMutablePointer<GeneLanes>) -> GeneLaneMask {
        var bad = GeneLaneMask(repeating: false)
        for i in 0..<k { b[i] = qty[i] }
        var j = k - 1
        while j >= 0 {
            let d = a[j * n + j]
            bad .|= d .== 0
            b[j] = b[j] / d
            if j > 0 { axpy(j, -b[j], a + j * n, b) }
            j -= 1
        }
        return bad
    }

    /// The diagonal of dpotri's `(R'R)^-1` for the leading `size` x `size`
    /// upper triangle of `a` (leading dimension `lda`), `size < 64`; `u`
    /// holds size^2 vectors of scratch. Lanes with a zero diagonal (dpotri's
    /// error) are returned.
    static func chol2invDiagonal(_ a: UnsafePointer<GeneLanes>, lda: Int, size r: Int,
                                 u: UnsafeMutablePointer<GeneLanes>, diag: UnsafeMutablePointer<GeneLanes>) -> GeneLaneMask {
        var bad = GeneLaneMask(repeating: false)
        for j in 0..<r {
            let ajj = a[j * lda + j]
            bad .|= ajj .== 0
            let ujj = 1.0 / ajj
            let x = u + j * r
            x[j] = ujj
            for i in 0..<j { x[i] = a[j * lda + i] }
            for c in 0..<j {
                let xc = x[c], keep = xc .== 0, uc = u + c * r
                for i in 0..<c { x[i] = (x[i] + xc * uc[i]).replacing(with: x[i], where: keep) }
                x[c] = (xc * uc[c]).replacing(with: xc, where: keep)
            }
            let s = -ujj
            for i in 0..<j { x[i] = s * x[i] }
        }
        for i in 0..<r {
            if i == r - 1 {
                let v = u[i * r + i]
                diag[i] = v * v
            } else {
                var sum = GeneLanes(repeating: 0)
                for k in i..<r { let v = u[k * r + i]; sum = sum + v * v }
                diag[i] = sum
            }
        }
        return bad
    }

    /// R's long-double means per lane of `v[0]`, `v[stride]`, ...,
    /// `v[(m - 1) * stride]`: the sum in index order divided by m
    /// (`colMeans`, `rowMeans`), and with `refine` summary.c's second pass
    /// adding the mean residual (`mean`), exactly as `RBase.mean`.
    static func longDoubleMeans(_ v: UnsafePointer<GeneLanes>, _ m: Int, refine: Bool, stride: Int = 1) -> GeneLanes {
        LongDoubleSums(summing: v, m, stride: stride).means(of: v, m, refine: refine, stride: stride)
    }

    /// summary.c's second pass of R's `mean` for two lanes: with `a`, `b` the
    /// long-double means of the values `x[i * rowStride]` and
    /// `x[i * rowStride + 1]`, i in `0..<m`, adds to each its lane's mean
    /// residual `sum(x_i - mean) / m` (summed in long double in index order
    /// from 0) when the mean is finite. Two lanes at a time: two sums and two
    /// means leave the x87 stack room for the values, so nothing is spilled.
    @inline(__always)
    static func refineMeans(_ x: UnsafePointer<Double>, rowStride: Int, _ m: Int,
                            _ a: inout LaneLongDouble, _ b: inout LaneLongDouble) {
        let nn = LaneLongDouble(m)
        var t0: LaneLongDouble = 0, t1: LaneLongDouble = 0
        for i in 0..<m {
            let e = x + rowStride * i
            t0 += LaneLongDouble(e[0]) - a; t1 += LaneLongDouble(e[1]) - b
        }
        if Double(a).isFinite { a += t0 / nn }
        if Double(b).isFinite { b += t1 / nn }
    }

    /// `longDoubleMeans` of the squares `x_i * x_i`, `i` in `from..<to`
    /// (squares written to `scratch` first).
    static func meanOfSquares(_ x: UnsafePointer<GeneLanes>, from: Int, to: Int, refine: Bool,
                              scratch: UnsafeMutablePointer<GeneLanes>) -> GeneLanes {
        for i in from..<to { scratch[i - from] = x[i] * x[i] }
        return longDoubleMeans(scratch, to - from, refine: refine)
    }

    /// Genes `g0..<g0+count` (count <= `blockGenes`) of the column-major
    /// `ngenes` x n matrix `m`, row by row: gene `g0 + k`'s value i goes to
    /// double `k` of `out[i * laneStride ..< (i + 1) * laneStride]`, so the
    /// lanes of the group of genes `g0 + width*q ..< g0 + width*(q + 1)` are
    /// `out[q]`, `out[q + laneStride]`, ... (row i at `out[q + i * laneStride]`);
    /// places from `count` to the next multiple of `lanes` (`width`, or the
    /// eight of LimmaAVX512's lanes) repeat the last gene. Each row is one
    /// contiguous copy (`memcpy`, whose wide moves and few stores keep many
    /// reads of the matrix in flight); the kernels read the lanes with that
    /// stride (eight lanes: two groups of four, half the stride).
    static func copyBlock(_ m: UnsafePointer<Double>, ngenes: Int, n: Int, g0: Int, count: Int,
                          into out: UnsafeMutablePointer<GeneLanes>, lanes: Int = width) {
        let d = UnsafeMutableRawPointer(out).assumingMemoryBound(to: Double.self)
        let padded = (count + lanes - 1) / lanes * lanes
        for i in 0..<n {
            let src = m + i * ngenes + g0, dst = d + i * blockGenes
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * MemoryLayout<Double>.stride)
            if padded > count {
                let last = src[count - 1]
                for k in count..<padded { dst[k] = last }
            }
        }
    }

    /// The distance, in lanes, between one row of a `copyBlock` block and the next.
    static let laneStride = blockGenes / width

    /// Genes per block of `copyBlock`.
    static let blockGenes = 64
}
