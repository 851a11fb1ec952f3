// The per-gene weighted least-squares fit of arrayWeights' gene-by-gene
// update, for small full-rank designs: dqrdc2 without its pivoting
// bookkeeping, then dqrsl's Q'y and residuals, with the same arithmetic as
// the general QRDecomposition routines.

/// LINPACK `dqrdc2` (R's tolerance test and Householder steps) followed by
/// `dqrsl` (`qty`, `resid`) for an n x p column-major `x` with
/// `2 <= n` and `1 <= p <= n`, when no column is moved.
///
/// Every value is computed by the same operations in the same order as
/// `QRDecomposition.dqrdc2` and `QRDecomposition.dqrsl` on the same input:
/// - column norms and Householder norms are `BLAS1.nrm2`; when every entry
///   of the vector is 0 or has magnitude in [2^-511, 2^486], that routine
///   only adds the squares from +0 in index order (its small and big
///   accumulators stay 0, and a zero adds +0 to the middle sum, which
///   changes no partial sum), so that sum's square root is taken directly;
///   otherwise `BLAS1.nrm2` itself runs;
/// - dot products are sums from +0 in index order, `daxpy` skips a zero
///   multiplier, `dscal` multiplies by the reciprocal norm, as `BLAS1`.
/// dqrdc2 moves column l to the end exactly when its updated norm fails
/// `qraux_l >= tol * norm0_l` (norm0 replaced by 1 when 0; NaN fails). The
/// specialisation stops at the first such failure and returns nil, leaving
/// `x` partly transformed: the caller must rebuild `x` and run the general
/// routines. Otherwise no column moved, the pivot is the identity, the rank
/// is p, and `x`, `qraux`, `qty`, `rsd` hold what the general routines give.
enum SmallWeightedQR {
    /// `sqrt(sum x_i^2)` as `BLAS1.nrm2` computes it (see the type).
    @inline(__always)
    static func nrm2(_ m: Int, _ v: UnsafePointer<Double>) -> Double {
        // |v_i|'s bits less those of 2^-511 (0 for a zero), unsigned: at
        // most `span` exactly when |v_i| is 0 or in [2^-511, 2^486] (NaN's
        // bits exceed infinity's).
        let lo = (0x1p-511 as Double).bitPattern, span = (0x1p486 as Double).bitPattern &- lo
        var s = 0.0
        var worst: UInt64 = 0
        for i in 0..<m {
            let a = Swift.abs(v[i])
            let b = a.bitPattern
            worst = Swift.max(worst, (b == 0 ? lo : b) &- lo)
            s = s + a * a
        }
        return worst <= span ? s.squareRoot() : BLAS1.nrm2(m, v)
    }

    /// The fit (see the type): nil when dqrdc2 would move a column (then
    /// `x` is spoilt), else the rank p. `norm0` holds p scratch values.
    @_optimize(size)
    static func fit(_ x: UnsafeMutablePointer<Double>, n: Int, p: Int, tol: Double,
                    qraux: UnsafeMutablePointer<Double>, norm0: UnsafeMutablePointer<Double>,
                    y: UnsafePointer<Double>, qty: UnsafeMutablePointer<Double>,
                    rsd: UnsafeMutablePointer<Double>) -> Int? {
        precondition(n >= 2 && p >= 1 && p <= n)
        for j in 0..<p {
            let v = nrm2(n, x + j &* n)
            qraux[j] = v
            norm0[j] = v == 0 ? 1 : v
        }
        for l0 in 0..<p {
            if !(qraux[l0] >= norm0[l0] * tol) { return nil }
            if l0 == n &- 1 { break }
            let m = n &- l0
            let xl = x + (l0 &* n &+ l0)
            var nrmxl = nrm2(m, xl)
            if nrmxl == 0 { continue }
            if xl[0] != 0 { nrmxl = Double(signOf: xl[0], magnitudeOf: nrmxl) }
            let r = 1.0 / nrmxl
            for i in 0..<m { xl[i] = r * xl[i] }
            xl[0] = 1.0 + xl[0]
            var j = l0 &+ 1
            while j < p {
                let xj = x + (j &* n &+ l0)
                var dot = 0.0
                for i in 0..<m { dot = dot + xl[i] * xj[i] }
                let t = -dot / xl[0]
                if t != 0 { for i in 0..<m { xj[i] = xj[i] + t * xl[i] } }
                if qraux[j] != 0 {
                    let q: Double = Swift.abs(xj[0]) / qraux[j]
                    var tt: Double = 1.0 - q * q
                    tt = Swift.max(tt, 0.0)
                    if Swift.abs(tt) >= 1e-6 {
                        qraux[j] = qraux[j] * tt.squareRoot()
                    } else {
                        qraux[j] = nrm2(m &- 1, xj + 1)
                    }
                }
                j &+= 1
            }
            qraux[l0] = xl[0]
            xl[0] = -nrmxl
        }
        // dqrsl with k = p: qty = Q'y, then rsd = Q (0, qty[p...]).
        let ju = Swift.min(p, n &- 1)
        for i in 0..<n { qty[i] = y[i] }
        for j in 0..<ju where qraux[j] != 0 {
            reflect(x, n: n, j: j, qraux: qraux[j], v: qty)
        }
        for i in 0..<n { rsd[i] = i < p ? 0 : qty[i] }
        var jj = ju
        while jj > 0 {
            jj &-= 1
            if qraux[jj] != 0 { reflect(x, n: n, j: jj, qraux: qraux[jj], v: rsd) }
        }
        return p
    }

    /// `v -= (u'v / u_0) u` over rows j..<n, u column j of `x` from its
    /// diagonal with `u_0 = qraux` (dqrsl's step, `daxpy` skipping a zero
    /// multiplier).
    @inline(__always)
    static func reflect(_ x: UnsafeMutablePointer<Double>, n: Int, j: Int, qraux: Double,
                        v: UnsafeMutablePointer<Double>) {
        let u = x + (j &* n &+ j), w = v + j, m = n &- j
        var dot = qraux * w[0]
        dot = 0.0 + dot
        for i in 1..<m { dot = dot + u[i] * w[i] }
        let t = -dot / qraux
        if t == 0 { return }
        w[0] = w[0] + t * qraux
        for i in 1..<m { w[i] = w[i] + t * u[i] }
    }
}
