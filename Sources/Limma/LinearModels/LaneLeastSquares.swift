// Least squares for several genes at once: LINPACK dqrdc2 + dqrsl and the
// diagonal of LAPACK dpotri (chol2inv), each gene in its own SIMD lane, with
// exactly the floating-point operations the scalar routines perform.

/// One value per gene for `GeneLanes.scalarCount` genes.
typealias GeneLanes = SIMD4<Double>
typealias GeneLaneMask = SIMDMask<GeneLanes.MaskStorage>

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
/// The dpotri diagonal: for an upper-triangular R of size r < 64, dpotri is
/// dtrti2 (column j: `u_jj = 1/r_jj`, then `x = R[0..<j, j]` multiplied by
/// the inverted leading block with dtrmv, skipping zero `x_c`, then scaled by
/// `-u_jj`) followed by dlauu2, whose diagonal is `sum_{k>=i} u_ik^2` in index
/// order from +0 (`u_rr * u_rr` for the last).
enum LaneLeastSquares {
    static let width = GeneLanes.scalarCount

    /// dnrm2's thresholds for the unscaled accumulator: 2^-511 and 2^486.
    static let nrm2Small = 0x1p-511
    static let nrm2Big = 0x1p486

    @inline(__always)
    static func magnitude(_ x: GeneLanes) -> GeneLanes { x.replacing(with: -x, where: x .< 0) }

    /// Lane-wise dnrm2 of `m` consecutive vectors; lanes dnrm2 would scale
    /// are set in `bad`.
    @inline(__always)
    static func nrm2(_ m: Int, _ x: UnsafePointer<GeneLanes>, _ bad: inout GeneLaneMask) -> GeneLanes {
        var sum = GeneLanes(repeating: 0)
        var odd = GeneLaneMask(repeating: false)
        for i in 0..<m {
            let ax = magnitude(x[i])
            odd .|= (ax .> nrm2Big) .| ((ax .< nrm2Small) .& (ax .!= 0))
            sum = sum + ax * ax
        }
        bad .|= odd
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
        if all(skip) { return }
        for i in 0..<m { y[i] = (y[i] + t * x[i]).replacing(with: y[i], where: skip) }
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
            var nrmxl = nrm2(m, xl, &bad)
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
            for i in 1..<(n - j) { yj[i] = (yj[i] + t * xj[i]).replacing(with: yj[i], where: skip) }
        }
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

    /// R's `mean(x)` (long-double sum, one refinement pass) of `x_i^2` for
    /// `i` in `from..<to`, per lane; the lanes' sums are interleaved so the
    /// long-double additions overlap.
    static func meanOfSquares(_ x: UnsafePointer<GeneLanes>, from: Int, to: Int, refine: Bool) -> GeneLanes {
        var s = (RLongDouble(0), RLongDouble(0), RLongDouble(0), RLongDouble(0))
        for i in from..<to {
            let v = x[i] * x[i]
            s.0 += RLongDouble(v[0]); s.1 += RLongDouble(v[1]); s.2 += RLongDouble(v[2]); s.3 += RLongDouble(v[3])
        }
        let nn = RLongDouble(to - from)
        s.0 /= nn; s.1 /= nn; s.2 /= nn; s.3 /= nn
        guard refine else { return GeneLanes(Double(s.0), Double(s.1), Double(s.2), Double(s.3)) }
        var t = (RLongDouble(0), RLongDouble(0), RLongDouble(0), RLongDouble(0))
        for i in from..<to {
            let v = x[i] * x[i]
            t.0 += RLongDouble(v[0]) - s.0; t.1 += RLongDouble(v[1]) - s.1
            t.2 += RLongDouble(v[2]) - s.2; t.3 += RLongDouble(v[3]) - s.3
        }
        if Double(s.0).isFinite { s.0 += t.0 / nn }
        if Double(s.1).isFinite { s.1 += t.1 / nn }
        if Double(s.2).isFinite { s.2 += t.2 / nn }
        if Double(s.3).isFinite { s.3 += t.3 / nn }
        return GeneLanes(Double(s.0), Double(s.1), Double(s.2), Double(s.3))
    }
}
