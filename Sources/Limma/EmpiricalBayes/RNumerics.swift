// R numerical routines the empirical Bayes estimators call, reproduced step
// for step: uniroot's Brent root finder (R_zeroin2, stats/src/zeroin.c),
// optimize's Brent minimiser (Brent_fmin, stats/src/optimize.c), the trimmed
// mean (mean(x, trim) with R's partial sort), cumsum (long double) and
// statmod's Gauss-Legendre nodes (gauss.quad.prob, Fortran gausq2).
import Foundation

enum RNumerics {
    /// R's `uniroot(f, c(lower, upper), f.lower, f.upper, tol, maxiter = 1000)`
    /// when the end values already bracket a root: Brent's method as
    /// `R_zeroin2` runs it (non-finite function values replaced by
    /// -DBL_MAX / DBL_MAX as R's wrapper does). Returns the root estimate.
    static func uniroot(lower: Double, upper: Double, fLower: Double, fUpper: Double, tol: Double,
                        maxiter: Int = 1000, _ f: (Double) -> Double) -> (root: Double, iterations: Int) {
        func fr(_ x: Double) -> Double {
            let v = f(x)
            if v.isFinite { return v }
            return v == -.infinity ? -Double.greatestFiniteMagnitude : Double.greatestFiniteMagnitude
        }
        let eps = Double.ulpOfOne
        var a = lower, b = upper, fa = fLower, fb = fUpper
        var c = a, fc = fa
        var maxit = maxiter + 1
        if fa == 0 { return (a, 0) }
        if fb == 0 { return (b, 0) }
        while maxit > 0 {
            maxit -= 1
            let prevStep = b - a
            if Swift.abs(fc) < Swift.abs(fb) {
                a = b; b = c; c = a
                fa = fb; fb = fc; fc = fa
            }
            let tolAct = 2 * eps * Swift.abs(b) + tol / 2
            var newStep = (c - b) / 2
            if Swift.abs(newStep) <= tolAct || fb == 0 {
                return (b, maxiter + 1 - maxit - 1)
            }
            if Swift.abs(prevStep) >= tolAct && Swift.abs(fa) > Swift.abs(fb) {
                var p: Double, q: Double
                let cb = c - b
                if a == c {
                    let t1 = fb / fa
                    p = cb * t1
                    q = 1.0 - t1
                } else {
                    q = fa / fc
                    let t1 = fb / fc
                    let t2 = fb / fa
                    p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                    q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
                }
                if p > 0 { q = -q } else { p = -p }
                if p < (0.75 * cb * q - Swift.abs(tolAct * q) / 2) && p < Swift.abs(prevStep * q / 2) {
                    newStep = p / q
                }
            }
            if Swift.abs(newStep) < tolAct { newStep = newStep > 0 ? tolAct : -tolAct }
            a = b; fa = fb
            b += newStep
            fb = fr(b)
            if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) { c = a; fc = fa }
        }
        return (b, -1)
    }

    /// R's `optimize(f, c(lower, upper), tol = .Machine$double.eps^0.25)`:
    /// Brent's golden-section / parabolic minimiser as `Brent_fmin` runs it.
    /// Returns the minimum's abscissa.
    static func optimize(lower: Double, upper: Double, tol: Double = pow(Double.ulpOfOne, 0.25),
                         _ f: (Double) -> Double) -> Double {
        func fr(_ x: Double) -> Double {
            let v = f(x)
            return v.isFinite ? v : Double.greatestFiniteMagnitude
        }
        let c = (3.0 - (5.0).squareRoot()) * 0.5
        let eps = Double.ulpOfOne.squareRoot()
        var a = lower, b = upper
        var v = a + c * (b - a)
        var w = v, x = v
        var d = 0.0, e = 0.0
        var fx = fr(x)
        var fv = fx, fw = fx
        let tol3 = tol / 3.0
        while true {
            let xm = (a + b) * 0.5
            let tol1 = eps * Swift.abs(x) + tol3
            let t2 = tol1 * 2.0
            if Swift.abs(x - xm) <= t2 - (b - a) * 0.5 { break }
            var p = 0.0, q = 0.0, r = 0.0
            if Swift.abs(e) > tol1 {
                r = (x - w) * (fx - fv)
                q = (x - v) * (fx - fw)
                p = (x - v) * q - (x - w) * r
                q = (q - r) * 2.0
                if q > 0 { p = -p } else { q = -q }
                r = e
                e = d
            }
            if Swift.abs(p) >= Swift.abs(q * 0.5 * r) || p <= q * (a - x) || p >= q * (b - x) {
                // golden-section step
                if x < xm { e = b - x } else { e = a - x }
                d = c * e
            } else {
                // parabolic-interpolation step
                d = p / q
                let u = x + d
                if u - a < t2 || b - u < t2 {
                    d = tol1
                    if x >= xm { d = -d }
                }
            }
            let u: Double
            if Swift.abs(d) >= tol1 { u = x + d } else if d > 0 { u = x + tol1 } else { u = x - tol1 }
            let fu = fr(u)
            if fu <= fx {
                if u < x { b = x } else { a = x }
                v = w; w = x; x = u
                fv = fw; fw = fx; fx = fu
            } else {
                if u < x { a = u } else { b = u }
                if fu <= fw || w == x {
                    v = w; fv = fw
                    w = u; fw = fu
                } else if fu <= fv || v == x || v == w {
                    v = u; fv = fu
                }
            }
        }
        return x
    }

    /// R's `mean(x, trim)`: NaN if any value is missing, the median when
    /// `trim >= 0.5`, else the long-double mean of the order statistics
    /// `lo = floor(n trim) + 1` to `n + 1 - lo`, taken in the order R's partial
    /// sort (`sort.int(x, partial = c(lo, hi))`) leaves them.
    static func trimmedMean(_ x: [Double], trim: Double) -> Double {
        let n = x.count
        if trim <= 0 || n == 0 { return RBase.mean(x) }
        if x.contains(where: { $0.isNaN }) { return .nan }
        if trim >= 0.5 { return RBase.median(x) }
        let lo = Int((Double(n) * trim).rounded(.down)) + 1
        let hi = n + 1 - lo
        var y = x
        let ind = lo == hi ? [lo - 1] : [lo - 1, hi - 1]
        partialSort(&y, 0, n - 1, ind[...])
        return RBase.mean(Array(y[(lo - 1)..<hi]))
    }

    /// R's `Psort0`: places the order statistics at the (sorted, 0-based)
    /// positions `ind`, recursing on the index nearest the middle.
    private static func partialSort(_ x: inout [Double], _ lo: Int, _ hi: Int, _ ind: ArraySlice<Int>) {
        let k = ind.count
        if k < 1 || hi - lo < 1 { return }
        if k <= 1 {
            rPsort2(&x, lo, hi, ind[ind.startIndex])
            return
        }
        let mid = (lo + hi) / 2
        var this = 0
        for i in 0..<k where ind[ind.startIndex + i] <= mid { this = i }
        let z = ind[ind.startIndex + this]
        rPsort2(&x, lo, hi, z)
        partialSort(&x, lo, z - 1, ind[ind.startIndex..<(ind.startIndex + this)])
        partialSort(&x, z + 1, hi, ind[(ind.startIndex + this + 1)...])
    }

    /// R's `rPsort2` (sort.c): Hoare selection putting the k-th smallest at k.
    private static func rPsort2(_ x: inout [Double], _ lo: Int, _ hi: Int, _ k: Int) {
        var l = lo, r = hi
        while l < r {
            let v = x[k]
            var i = l, j = r
            while i <= j {
                while x[i] < v { i += 1 }
                while v < x[j] { j -= 1 }
                if i <= j { x.swapAt(i, j); i += 1; j -= 1 }
            }
            if j < k { l = i }
            if k < i { r = j }
        }
    }

    /// R's `cumsum(x)` for doubles: a long-double running sum.
    static func cumsum(_ x: [Double]) -> [Double] {
        var s: RLongDouble = 0
        return x.map { s += RLongDouble($0); return Double(s) }
    }

    /// `gaussQuadProbUniform(128)`, the rule fitFDistRobustly (and fry)
    /// integrate with: stored as bit patterns (GaussQuadrature128.swift), so
    /// every call gets the same nodes and weights without solving the
    /// eigenproblem.
    static let gaussQuad128: (nodes: [Double], weights: [Double]) = (
        gaussQuad128NodeBits.map(Double.init(bitPattern:)), gaussQuad128WeightBits.map(Double.init(bitPattern:)))

    /// statmod's `gauss.quad.prob(n, dist = "uniform")` on [0, 1]: the Golub-Welsch
    /// eigenproblem of the Legendre Jacobi matrix (`b_i = i / sqrt(4 i^2 - 1)`)
    /// solved by the implicit QL iteration of statmod's Fortran `gausq2`;
    /// nodes `(x + 1)/2`, weights the squared first eigenvector components.
    static func gaussQuadProbUniform(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var d = [Double](repeating: 0, count: n)
        var e = (1..<n).map { i -> Double in let di = Double(i); return di / (4 * (di * di) - 1).squareRoot() } + [0]
        var z = [Double](repeating: 0, count: n)
        z[0] = 1
        gausq2(&d, &e, &z)
        return (d.map { (1 * ($0 + 1)) / 2 }, z.map { $0 * $0 })
    }

    /// statmod's `gausq2`: eigenvalues of a symmetric tridiagonal matrix
    /// (diagonal d, sub-diagonal e) and the first components of its
    /// eigenvectors (z, starting as e1), by implicit QL with Wilkinson shifts,
    /// sorted ascending. Returns false when an eigenvalue needs more than 30
    /// iterations.
    @discardableResult
    static func gausq2(_ d: inout [Double], _ e: inout [Double], _ z: inout [Double]) -> Bool {
        let n = d.count
        let machep = pow(2.0, -52.0)
        if n == 1 { return true }
        e[n - 1] = 0
        for l in 0..<n {
            var j = 0
            while true {
                var m = l
                while m < n - 1 {
                    if Swift.abs(e[m]) <= machep * (Swift.abs(d[m]) + Swift.abs(d[m + 1])) { break }
                    m += 1
                }
                var p = d[l]
                if m == l { break }
                if j == 30 { return false }
                j += 1
                var g = (d[l + 1] - p) / (2.0 * e[l])
                var r = (g * g + 1.0).squareRoot()
                g = d[m] - p + e[l] / (g + (g >= 0 ? Swift.abs(r) : -Swift.abs(r)))
                var s = 1.0, c = 1.0
                p = 0
                var i = m - 1
                while i >= l {
                    var f = s * e[i]
                    let b = c * e[i]
                    if Swift.abs(f) < Swift.abs(g) {
                        s = f / g
                        r = (s * s + 1.0).squareRoot()
                        e[i + 1] = g * r
                        c = 1.0 / r
                        s = s * c
                    } else {
                        c = g / f
                        r = (c * c + 1.0).squareRoot()
                        e[i + 1] = f * r
                        s = 1.0 / r
                        c = c * s
                    }
                    g = d[i + 1] - p
                    r = (d[i] - g) * s + 2.0 * c * b
                    p = s * r
                    d[i + 1] = g + p
                    g = c * r - b
                    f = z[i + 1]
                    z[i + 1] = s * z[i] + c * f
                    z[i] = c * z[i] - s * f
                    i -= 1
                }
                d[l] = d[l] - p
                e[l] = g
                e[m] = 0
            }
        }
        for ii in 1..<n {
            let i = ii - 1
            var k = i
            var p = d[i]
            for jj in ii..<n where d[jj] < p { k = jj; p = d[jj] }
            if k != i {
                d[k] = d[i]; d[i] = p
                let t = z[i]; z[i] = z[k]; z[k] = t
            }
        }
        return true
    }
}
