// R's `lowess()` (stats), the scatterplot smoother voom fits to its
// mean-variance trend: Cleveland's LOWESS as R's C routine `clowess` runs it.
import Foundation

/// R's `lowess(x, y, f = 2/3, iter = 3, delta = 0.01 * diff(range(x)))`.
///
/// The points are put in increasing order of `x` (a stable order, as R's
/// `order()`), and the smooth is evaluated at each sorted `x`. For each
/// evaluation point the `ns = max(2, min(n, floor(f n + 1e-7)))` nearest
/// points get tricube weights `(1 - (|x_j - x_i| / h)^3)^3`, where `h` is the
/// distance to the farthest of them (weight 1 within `0.001 h`, 0 beyond
/// `0.999 h`, ties at the window edge included), and a weighted straight
/// line is fitted (only the weighted mean when the weighted spread
/// `sqrt(sum w (x - xbar)^2)` is at most `0.001 * diff(range(x))`). Points
/// within `delta` of the last evaluated point are not fitted but linearly
/// interpolated; points tied in `x` share one fit. After each pass except the
/// last, robustness weights are the bisquare `(1 - (r / 6 MAD)^2)^2` of the
/// residuals (1 for |r| <= 0.001 * 6 MAD, 0 beyond 0.999 * 6 MAD); the
/// iterations stop early when 6 MAD < 1e-7 * mean(|r|). If all weights in a
/// window are zero, the fitted value is the observation itself.
///
/// - Returns: `x` sorted and the fitted values `y` in that order.
/// - Throws: when `x` and `y` differ in length, are empty or hold missing
///   values, `f` is not finite and positive, `iter` is negative, or `delta`
///   is not finite and non-negative (R's messages).
public func lowess(x: [Double], y: [Double], f: Double = 2.0 / 3.0, iter: Int = 3, delta: Double? = nil) throws -> (x: [Double], y: [Double]) {
    guard x.count == y.count else {
        throw LimmaError("lowess", "'x' and 'y' lengths differ (\(x.count) and \(y.count))")
    }
    guard !x.isEmpty else { throw LimmaError("lowess", "invalid input: no points") }
    if let i = x.firstIndex(where: { !$0.isFinite }) {
        throw LimmaError("lowess", "x[\(i + 1)] is \(x[i]); lowess needs finite x values")
    }
    if let i = y.firstIndex(where: { $0.isNaN }) {
        throw LimmaError("lowess", "y[\(i + 1)] is missing; lowess needs non-missing y values")
    }
    guard f.isFinite && f > 0 else { throw LimmaError("lowess", "'f' must be finite and > 0") }
    guard iter >= 0 else { throw LimmaError("lowess", "'iter' must be finite and >= 0") }
    let o = RBase.order(x)
    let xs = o.map { x[$0] }
    let ys = o.map { y[$0] }
    let d = delta ?? 0.01 * (xs[xs.count - 1] - xs[0])
    guard d.isFinite && d >= 0 else { throw LimmaError("lowess", "'delta' must be finite and > 0") }
    return (xs, clowess(xs, ys, f: f, nsteps: iter, delta: d))
}

/// The LOWESS passes of R's C `clowess` on x already sorted (0-based indices).
///
/// Which points get a local fit, the neighbourhood of each fit and the points
/// interpolated or copied between fits depend on `x`, `f` and `delta` only,
/// so they are worked out once (`LowessPlan`); each robustness pass then
/// computes every local fit (`LowessPlan.fit`, several fits side by side in
/// SIMD lanes and in parallel over threads, each fit with exactly the serial
/// arithmetic) and fills in the rest of the curve in the serial order
/// (`LowessPlan.spread`). The results are bit-identical to running `clowess`
/// point by point.
func clowess(_ x: [Double], _ y: [Double], f: Double, nsteps: Int, delta: Double) -> [Double] {
    let n = x.count
    if n < 2 { return [y[0]] }
    let fn = f * Double(n) + 1e-7
    let ns = fn >= Double(n) ? n : max(2, Int(fn))
    let plan = LowessPlan(x: x, ns: ns, delta: delta)
    var ys = [Double](repeating: 0, count: n)
    var rw = [Double](repeating: 0, count: n)      // robustness weights
    var res = [Double](repeating: 0, count: n)     // residuals
    var work = [Double](repeating: 0, count: n)    // |residuals|, partially sorted
    var fits = [Double](repeating: 0, count: plan.count)
    var ok = [Bool](repeating: false, count: plan.count)
    var iteration = 1
    while iteration <= nsteps + 1 {
        plan.fit(x: x, y: y, robustness: iteration > 1 ? rw : nil, fits: &fits, ok: &ok)
        plan.spread(x: x, y: y, fits: fits, ok: ok, into: &ys)
        for k in 0..<n { res[k] = y[k] - ys[k] }
        var sc = 0.0
        for k in 0..<n { sc += abs(res[k]) }
        sc /= Double(n)
        if iteration > nsteps { break }

        // cmad = 6 * median(|residuals|) (R: rPsort at n/2 and, for even n, n/2 - 1)
        for k in 0..<n { work[k] = abs(res[k]) }
        let m1 = n / 2
        let cmad: Double = work.withUnsafeMutableBufferPointer { wb in
            if wb.contains(where: { $0.isNaN }) {
                // (infinite y) Swift's sort order, as this port always used.
                wb.sort()
                return n % 2 == 0 ? 3 * (wb[m1] + wb[n - m1 - 1]) : 6 * wb[m1]
            }
            let hi = selectKth(wb, m1)
            if n % 2 == 0 {
                // The largest of the values placed below position m1.
                var lo = wb[0]
                for k in 1..<m1 where wb[k] > lo { lo = wb[k] }
                return 3 * (hi + lo)
            }
            return 6 * hi
        }
        if cmad < 1e-7 * sc { break }
        let c9 = 0.999 * cmad
        let c1 = 0.001 * cmad
        for k in 0..<n {
            let r = abs(res[k])
            if r <= c1 {
                rw[k] = 1
            } else if r <= c9 {
                let u = 1 - (r / cmad) * (r / cmad)
                rw[k] = u * u
            } else {
                rw[k] = 0
            }
        }
        iteration += 1
    }
    return ys
}

/// The k-th smallest value (0-based) of `v`, by quickselect: on return
/// `v[k]` holds it, every value before position k is at most it and every
/// value after is at least it (the same value a full sort puts at k).
/// `v` must hold no NaN.
func selectKth(_ v: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
    var lo = 0, hi = v.count - 1
    while hi > lo {
        // Median of three as the pivot value.
        let mid = lo + (hi - lo) / 2
        if v[mid] < v[lo] { v.swapAt(mid, lo) }
        if v[hi] < v[lo] { v.swapAt(hi, lo) }
        if v[hi] < v[mid] { v.swapAt(hi, mid) }
        let pivot = v[mid]
        var i = lo, j = hi
        while i <= j {
            while v[i] < pivot { i += 1 }
            while v[j] > pivot { j -= 1 }
            if i <= j {
                v.swapAt(i, j)
                i += 1
                j -= 1
            }
        }
        // Now v[lo...j] <= pivot <= v[i...hi], and v[j+1..<i] == pivot.
        if k <= j {
            hi = j
        } else if k >= i {
            lo = i
        } else {
            break
        }
    }
    return v[k]
}

/// The local fits `clowess` makes for given sorted `x`, `ns` and `delta`.
///
/// Fit k is centred on point `center[k]` with the neighbourhood
/// `left[k]...right[k]` (the `ns` nearest points, R's `nleft`, `nright`);
/// `h` is the distance to the farthest of them. The C routine `lowest` walks
/// from `nleft` and stops at the first point to the right of the centre
/// farther than `0.999 h`, so the points that enter the sums are
/// `left[k]...end[k]` (ties beyond `nright` included, some points before
/// `nright` excluded); those farther than `0.999 h` on the left get weight 0
/// but still enter the sums, as in C. After fit k the points tied with the
/// centre, up to `tieEnd[k]`, copy its value, and the points between
/// `tieEnd[k - 1]` and `center[k]` are interpolated.
struct LowessPlan {
    var center: [Int] = []
    var left: [Int] = []
    var right: [Int] = []
    var end: [Int] = []
    var tieEnd: [Int] = []
    var count: Int { center.count }
    /// `x[n-1] - x[0]`, the scale of the slope test.
    let range: Double

    init(x: [Double], ns: Int, delta: Double) {
        let n = x.count
        range = x[n - 1] - x[0]
        var nleft = 0, nright = ns - 1, last = -1, i = 0
        while true {
            if nright < n - 1 {
                let d1 = x[i] - x[nleft]
                let d2 = x[nright + 1] - x[i]
                if d1 > d2 {
                    nleft += 1
                    nright += 1
                    continue
                }
            }
            let xs = x[i]
            let h = max(xs - x[nleft], x[nright] - xs)
            let h9 = 0.999 * h
            // First j > i with x[j] - xs > h9 (monotone in j), else n.
            var lo = i + 1, hi = n
            while lo < hi {
                let mid = (lo + hi) / 2
                if x[mid] - xs > h9 { hi = mid } else { lo = mid + 1 }
            }
            center.append(i)
            left.append(nleft)
            right.append(nright)
            end.append(lo - 1)
            last = i
            let cut = x[last] + delta
            i = last + 1
            while i < n {
                if x[i] > cut { break }
                if x[i] == x[last] { last = i }
                i += 1
            }
            tieEnd.append(last)
            i = max(last + 1, i - 1)
            if last >= n - 1 { break }
        }
    }

    /// The curve from the local fits: `ys[center[k]]` is fit k (or `y` there
    /// when the fit had no weight), ties copy it, and the points between
    /// fits are `alpha * ys[i] + (1 - alpha) * ys[last]`, as in C.
    func spread(x: [Double], y: [Double], fits: [Double], ok: [Bool], into ys: inout [Double]) {
        var last = -1
        for k in 0..<count {
            let i = center[k]
            ys[i] = ok[k] ? fits[k] : y[i]
            if last < i - 1 {
                let denom = x[i] - x[last]
                for j in (last + 1)..<i {
                    let alpha = (x[j] - x[last]) / denom
                    ys[j] = alpha * ys[i] + (1 - alpha) * ys[last]
                }
            }
            if tieEnd[k] > i { for j in (i + 1)...tieEnd[k] { ys[j] = ys[i] } }
            last = tieEnd[k]
        }
    }

    /// Computes every local fit: `fits[k]` and `ok[k]` (false when all its
    /// weights are zero). With `robustness`, each tricube weight is
    /// multiplied by the point's robustness weight.
    func fit(x: [Double], y: [Double], robustness: [Double]?, fits: inout [Double], ok: inout [Bool]) {
        let groups = (count + 3) / 4
        let maxWindow = zip(left, end).reduce(0) { max($0, $1.1 - $1.0 + 1) }
        fits.withUnsafeMutableBufferPointer { fb in
            ok.withUnsafeMutableBufferPointer { ob in
                let out = UncheckedBox((fb, ob))
                // Each group of four fits is one unit of work; its results
                // do not depend on which thread or lane computed them.
                LimmaThreads.forEachChunk(groups, minChunk: 4) { range in
                    let (fb, ob) = out.value
                    let scratch = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: 2 * max(maxWindow, 1))
                    defer { scratch.deallocate() }
                    x.withUnsafeBufferPointer { xb in
                        y.withUnsafeBufferPointer { yb in
                            if let rw = robustness {
                                rw.withUnsafeBufferPointer { rb in
                                    for g in range { fitGroup(g, xb, yb, rb.baseAddress, scratch, fb, ob) }
                                }
                            } else {
                                for g in range { fitGroup(g, xb, yb, nil, scratch, fb, ob) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fits 4g ..< 4g + 4 side by side, one per SIMD lane: lane l walks its
    /// own window `left...end` with the C routine's operations in the C
    /// order (so each lane's result is bit-identical to a lone fit). Past
    /// the end of a shorter window (or in a lane with no fit) the weight is
    /// 0 and x, y are finite stand-ins, which leaves every sum unchanged (the
    /// sums start at +0 and adding +0 never changes them). `scratch` holds
    /// 2 x (longest window) entries: the weights, then the x values.
    @inline(__always)
    private func fitGroup(_ g: Int, _ x: UnsafeBufferPointer<Double>, _ y: UnsafeBufferPointer<Double>,
                          _ rw: UnsafePointer<Double>?, _ scratch: UnsafeMutablePointer<SIMD4<Double>>,
                          _ fits: UnsafeMutableBufferPointer<Double>, _ ok: UnsafeMutableBufferPointer<Bool>) {
        func lane(_ l: Int) -> (start: Int, len: Int, xs: Double, h: Double) {
            let k = 4 * g + l
            guard k < count else { return (0, 0, x[0], 1) }
            let c = center[k]
            return (left[k], end[k] - left[k] + 1, x[c], max(x[c] - x[left[k]], x[right[k]] - x[c]))
        }
        let l0 = lane(0), l1 = lane(1), l2 = lane(2), l3 = lane(3)
        let start = (l0.start, l1.start, l2.start, l3.start)
        let len = (l0.len, l1.len, l2.len, l3.len)
        let xs = SIMD4(l0.xs, l1.xs, l2.xs, l3.xs)
        let h = SIMD4(l0.h, l1.h, l2.h, l3.h)
        let h9 = 0.999 * h
        let h1 = 0.001 * h
        let common = min(min(len.0, len.1), min(len.2, len.3))
        let steps = max(max(len.0, len.1), max(len.2, len.3))
        let wbuf = scratch, xbuf = scratch + steps
        let x0 = x.baseAddress! + start.0, x1 = x.baseAddress! + start.1
        let x2 = x.baseAddress! + start.2, x3 = x.baseAddress! + start.3
        let y0 = y.baseAddress! + start.0, y1 = y.baseAddress! + start.1
        let y2 = y.baseAddress! + start.2, y3 = y.baseAddress! + start.3

        // The tricube weight (times the robustness weight), 0 beyond 0.999 h.
        @inline(__always) func weight(_ xv: SIMD4<Double>, _ rwv: SIMD4<Double>?) -> SIMD4<Double> {
            // |x - xs| (a -0 is left as it is: it compares and divides as +0)
            let d = xv - xs
            let r = d.replacing(with: -d, where: d .< 0)
            let q = r / h
            let u = 1 - q * q * q
            var w = (u * u * u).replacing(with: 1, where: r .<= h1)
            if let rwv { w = w * rwv }
            return w.replacing(with: 0, where: r .> h9)
        }
        // Lane l's value of p at step t, or `pad` past the lane's window.
        @inline(__always) func masked(_ p: UnsafePointer<Double>, _ n: Int, _ t: Int, _ pad: Double) -> Double {
            t < n ? p[t] : pad
        }

        var a = SIMD4<Double>(repeating: 0)
        if let rw {
            let r0 = rw + start.0, r1 = rw + start.1, r2 = rw + start.2, r3 = rw + start.3
            for t in 0..<common {
                let xv = SIMD4(x0[t], x1[t], x2[t], x3[t])
                let w = weight(xv, SIMD4(r0[t], r1[t], r2[t], r3[t]))
                wbuf[t] = w
                xbuf[t] = xv
                a = a + w
            }
            for t in common..<steps {
                let xv = SIMD4(masked(x0, len.0, t, xs[0]), masked(x1, len.1, t, xs[1]),
                               masked(x2, len.2, t, xs[2]), masked(x3, len.3, t, xs[3]))
                let rv = SIMD4(masked(r0, len.0, t, 0), masked(r1, len.1, t, 0),
                               masked(r2, len.2, t, 0), masked(r3, len.3, t, 0))
                let w = weight(xv, rv)
                wbuf[t] = w
                xbuf[t] = xv
                a = a + w
            }
        } else {
            for t in 0..<common {
                let xv = SIMD4(x0[t], x1[t], x2[t], x3[t])
                let w = weight(xv, nil)
                wbuf[t] = w
                xbuf[t] = xv
                a = a + w
            }
            for t in common..<steps {
                let xv = SIMD4(masked(x0, len.0, t, xs[0]), masked(x1, len.1, t, xs[1]),
                               masked(x2, len.2, t, xs[2]), masked(x3, len.3, t, xs[3]))
                // x = xs past the window would get weight 1: force 0 there.
                let live = SIMD4(Double(len.0), Double(len.1), Double(len.2), Double(len.3)) .> SIMD4(repeating: Double(t))
                var w = weight(xv, nil)
                w.replace(with: 0, where: .!live)
                wbuf[t] = w
                xbuf[t] = xv
                a = a + w
            }
        }
        // Normalised weights and the weighted mean of x.
        var mean = SIMD4<Double>(repeating: 0)
        for t in 0..<steps {
            let w = wbuf[t] / a
            wbuf[t] = w
            mean = mean + w * xbuf[t]
        }
        var c = SIMD4<Double>(repeating: 0)
        for t in 0..<steps {
            let d = xbuf[t] - mean
            c = c + wbuf[t] * (d * d)
        }
        // The straight-line correction only where h > 0 and the weighted
        // spread exceeds 0.001 * range.
        let slope = (h .> 0) .& (c.squareRoot() .> SIMD4(repeating: 0.001 * range))
        let b = (xs - mean) / c
        var fit = SIMD4<Double>(repeating: 0)
        @inline(__always) func step(_ t: Int, _ yv: SIMD4<Double>) {
            var w = wbuf[t]
            w.replace(with: w * (b * (xbuf[t] - mean) + 1), where: slope)
            fit = fit + w * yv
        }
        for t in 0..<common { step(t, SIMD4(y0[t], y1[t], y2[t], y3[t])) }
        for t in common..<steps {
            step(t, SIMD4(masked(y0, len.0, t, 0), masked(y1, len.1, t, 0),
                          masked(y2, len.2, t, 0), masked(y3, len.3, t, 0)))
        }
        for l in 0..<4 {
            let k = 4 * g + l
            guard k < count else { continue }
            ok[k] = !(a[l] <= 0)
            fits[k] = fit[l]
        }
    }
}
