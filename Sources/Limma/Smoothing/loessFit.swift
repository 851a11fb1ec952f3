// limma's loessFit and weightedLowess: a lowess trend of y on x, with optional
// prior weights (limma's C routine `weighted_lowess`, which treats the prior
// weights as frequency weights when choosing each local window).
import Foundation

/// The result of `loessFit`: fitted values and residuals, one per input point,
/// NaN (R's NA) where `x` or `y` was not finite.
public struct LoessFitResult: Sendable, Equatable {
    public var fitted: [Double]
    public var residuals: [Double]
}

/// The result of `weightedLowess(output.style = "loess")`: fitted values,
/// residuals and the final robustness weights in the input order, and the
/// `delta` that was used.
public struct WeightedLowessResult: Sendable, Equatable {
    public var fitted: [Double]
    public var residuals: [Double]
    /// Robustness weights from the last iteration (1 where none were applied).
    public var weights: [Double]
    public var delta: Double
}

/// limma's `loessFit(y, x, weights, span, iterations, min.weight, max.weight,
/// equal.weights.as.null, method = "weightedLowess")`.
///
/// Points with a non-finite `x` or `y` are dropped and get NaN fitted values
/// and residuals. With `n` remaining points:
/// - `n == 0`: all NaN; `span < 1/n`: fitted = y, residuals 0.
/// - Weights are clamped to `[minWeight, maxWeight]` (NA weights become 0
///   first); if they are then all equal (range < 1e-15) and
///   `equalWeightsAsNull`, they are ignored.
/// - Without weights: R's `lowess(x, y, f = span, iter = iterations - 1)`
///   (Cleveland's algorithm with `delta = 0.01 * diff(range(x))`).
/// - With weights, if fewer than `4 + 1/span` points have positive weight:
///   one such point gives a constant fit, otherwise a weighted straight line
///   (`lm.wfit(cbind(1, x), y, w)`).
/// - Otherwise `weightedLowess(x, y, w, span, iterations, npts = 200)`.
///
/// Only `method = "weightedLowess"` is implemented ("locfit" and "loess"
/// call other R packages' fitting code and are refused).
public func loessFit(y: [Double], x: [Double], weights: [Double]? = nil, span: Double = 0.3, iterations: Int = 4,
                     minWeight: Double = 1e-5, maxWeight: Double = 1e5, equalWeightsAsNull: Bool = true,
                     method: String = "weightedLowess") throws -> LoessFitResult {
    let n = y.count
    guard x.count == n else { throw LimmaError("loessFit", "y and x have different lengths") }
    if let w = weights, w.count != n { throw LimmaError("loessFit", "y and weights have different lengths") }
    guard ["weightedLowess", "locfit", "loess"].contains(method) else {
        throw LimmaError("loessFit", "'arg' should be one of \"weightedLowess\", \"locfit\", \"loess\"")
    }
    guard span.isFinite, span > 0 else { throw LimmaError("loessFit", "span must be a positive number") }

    var out = LoessFitResult(fitted: [Double](repeating: .nan, count: n), residuals: [Double](repeating: .nan, count: n))
    let obs = (0..<n).filter { y[$0].isFinite && x[$0].isFinite }
    let xobs = obs.map { x[$0] }, yobs = obs.map { y[$0] }
    let nobs = obs.count
    if nobs == 0 { return out }
    if span < 1 / Double(nobs) {
        for i in obs { out.fitted[i] = y[i]; out.residuals[i] = 0 }
        return out
    }
    let minW = minWeight < 0 ? 0 : minWeight

    var wobs: [Double]? = nil
    if let w = weights {
        var wo = obs.map { w[$0].isNaN ? 0 : w[$0] }
        // pmax then pmin, as R does (NaN-free by now).
        wo = wo.map { Swift.min(Swift.max($0, minW), maxWeight) }
        wobs = wo
        if equalWeightsAsNull, let lo = wo.min(), let hi = wo.max(), hi - lo < 1e-15 { wobs = nil }
    }

    guard let wobs else {
        guard iterations >= 1 else { throw LimmaError("loessFit", "iterations must be at least 1") }
        let lo = try lowess(x: xobs, y: yobs, f: span, iter: iterations - 1)
        let o = RBase.order(xobs)
        for (k, oi) in o.enumerated() { out.fitted[obs[oi]] = lo.y[k] }
        for i in obs { out.residuals[i] = y[i] - out.fitted[i] }
        return out
    }

    let nwobs = minW > 0 ? nobs : wobs.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
    if Double(nwobs) < 4 + 1 / span {
        if nwobs == 1 {
            let v = yobs[wobs.firstIndex { $0 > 0 }!]
            for i in obs { out.fitted[i] = v; out.residuals[i] = y[i] - v }
        } else {
            let (f, r) = try weightedLineFit(x: xobs, y: yobs, w: wobs)
            for (k, i) in obs.enumerated() { out.fitted[i] = f[k]; out.residuals[i] = r[k] }
        }
        return out
    }

    guard method == "weightedLowess" else {
        throw LimmaError("loessFit", "method = \"\(method)\" is not implemented; use \"weightedLowess\"")
    }
    let fit = try weightedLowess(x: xobs, y: yobs, weights: wobs, npts: 200, span: span, iterations: iterations)
    for (k, i) in obs.enumerated() { out.fitted[i] = fit.fitted[k]; out.residuals[i] = fit.residuals[k] }
    return out
}

/// limma's `weightedLowess(x, y, weights, delta, npts = 200, span = 0.3,
/// iterations = 4, output.style = "loess")`.
///
/// The points are sorted by x (stably). When `delta` is nil it is chosen so
/// that about `npts` seed points are fitted exactly: 0 if `npts >= n`, else
/// `min_k cumsum(sort(diff(x)))[n-1-k] / (npts - k)` over `k = 0..npts-1`.
/// Seeds are the first and last points and every point more than `delta`
/// beyond the previous seed; other points are linearly interpolated between
/// seeds. Each seed's window grows outwards (towards the nearer neighbour)
/// until its prior weight reaches `span * sum(weights)`, then extends over
/// ties. Within the window the local line is fitted with weights
/// tricube(|x - x0| / maxdist) * prior * robustness (a weighted mean when
/// maxdist or the weighted variance of x is below 1e-7). After each pass the
/// robustness weights are bisquare(|r| / (6 * weighted median |r|)), where the
/// median counts each residual with its prior weight; iteration stops early
/// when that scale is at most 1e-7 times the mean absolute residual.
public func weightedLowess(x: [Double], y: [Double], weights: [Double]? = nil, delta: Double? = nil, npts: Double = 200,
                           span: Double = 0.3, iterations: Int = 4) throws -> WeightedLowessResult {
    let n = x.count
    guard y.count == n else { throw LimmaError("weightedLowess", "x and y should have same length") }
    let w = weights ?? [Double](repeating: 1, count: n)
    guard w.count == n else { throw LimmaError("weightedLowess", "weights should have same length as x and y") }
    guard iterations > 0 else { throw LimmaError("weightedLowess", "number of robustness iterations should be positive") }
    guard n >= 2 else { throw LimmaError("weightedLowess", "need at least two points") }
    let o = RBase.order(x)
    let xs = o.map { x[$0] }, ys = o.map { y[$0] }, ws = o.map { w[$0] }

    var dv: Double
    if let delta {
        dv = delta
    } else {
        let np = Int((npts + 0.5).rounded(.towardZero))
        guard np >= 1 else { throw LimmaError("weightedLowess", "number of points should be a positive integer") }
        if np >= n {
            dv = 0
        } else {
            let dx = (1..<n).map { xs[$0] - xs[$0 - 1] }.sorted()
            // cumsum accumulates in long double, as R's cumsum does.
            var acc: RLongDouble = 0
            let cum = dx.map { d -> Double in acc += RLongDouble(d); return Double(acc) }
            dv = .infinity
            for k in 0..<np {
                let v = cum[dx.count - 1 - k] / Double(np - k)
                if v < dv || v.isNaN { dv = v }
            }
        }
    }

    let (fitSorted, robSorted) = weightedLowessCore(x: xs, y: ys, w: ws, span: span, iterations: iterations, delta: dv)
    var fitted = [Double](repeating: 0, count: n), rob = [Double](repeating: 0, count: n)
    for (k, i) in o.enumerated() { fitted[i] = fitSorted[k]; rob[i] = robSorted[k] }
    return WeightedLowessResult(fitted: fitted, residuals: (0..<n).map { y[$0] - fitted[$0] }, weights: rob, delta: dv)
}

/// The lowess sweep over x-sorted points (limma's C `weighted_lowess`).
/// Returns the fitted values and robustness weights in sorted order.
func weightedLowessCore(x: [Double], y: [Double], w: [Double], span: Double, iterations: Int, delta: Double) -> ([Double], [Double]) {
    let n = x.count
    let threshold = 1e-7
    var total = 0.0
    for v in w { total += v }
    let spanWeight = total * span
    let subrange = (x[n - 1] - x[0]) / Double(n)

    // Seeds: first point, each point beyond delta of the previous seed, last point.
    var seeds = [0]
    var lastPt = 0
    if n > 2 {
        for p in 1..<(n - 1) where x[p] - x[lastPt] > delta { seeds.append(p); lastPt = p }
    }
    seeds.append(n - 1)

    // Window of each seed: grow until the prior weight reaches spanWeight.
    var start = [Int](), end = [Int](), maxDist = [Double]()
    for cur in seeds {
        var left = cur, right = cur
        var curw = w[cur]
        var atEnd = cur == n - 1, atStart = cur == 0
        var mdist = 0.0
        while curw < spanWeight && (!atEnd || !atStart) {
            if atEnd {
                left -= 1; curw += w[left]
                if left == 0 { atStart = true }
                mdist = Swift.max(mdist, x[cur] - x[left])
            } else if atStart {
                right += 1; curw += w[right]
                if right == n - 1 { atEnd = true }
                mdist = Swift.max(mdist, x[right] - x[cur])
            } else {
                let ld = x[cur] - x[left - 1], rd = x[right + 1] - x[cur]
                if ld < rd {
                    left -= 1; curw += w[left]
                    if left == 0 { atStart = true }
                    if mdist < ld { mdist = ld }
                } else {
                    right += 1; curw += w[right]
                    if right == n - 1 { atEnd = true }
                    if mdist < rd { mdist = rd }
                }
            }
        }
        while left > 0 && x[left] == x[left - 1] { left -= 1 }
        while right < n - 1 && x[right] == x[right + 1] { right += 1 }
        start.append(left); end.append(right); maxDist.append(mdist)
    }

    var fit = [Double](repeating: 0, count: n)
    var rob = [Double](repeating: 1, count: n)
    var work = [Double](repeating: 0, count: n)

    func localFit(_ cur: Int, _ left: Int, _ right: Int, _ dist: Double) -> Double {
        var ymean = 0.0, allw = 0.0
        if dist < threshold {
            for p in left...right {
                work[p] = w[p] * rob[p]
                ymean += y[p] * work[p]
                allw += work[p]
            }
            return ymean / allw
        }
        var xmean = 0.0
        for p in left...right {
            work[p] = pow(1 - pow(abs(x[cur] - x[p]) / dist, 3.0), 3.0) * w[p] * rob[p]
            xmean += work[p] * x[p]
            ymean += work[p] * y[p]
            allw += work[p]
        }
        xmean /= allw
        ymean /= allw
        var vr = 0.0, cv = 0.0
        for p in left...right {
            let t = x[p] - xmean
            vr += t * t * work[p]
            cv += t * (y[p] - ymean) * work[p]
        }
        if vr < threshold { return ymean }
        let slope = cv / vr
        let intercept = ymean - slope * xmean
        return slope * x[cur] + intercept
    }

    var resid = [Double](repeating: 0, count: n)
    var idx = [Int](repeating: 0, count: n)
    for _ in 0..<iterations {
        fit[0] = localFit(0, start[0], end[0], maxDist[0])
        var last = 0
        for s in 1..<seeds.count {
            let p = seeds[s]
            fit[p] = localFit(p, start[s], end[s], maxDist[s])
            if p - last > 1 {
                let gap = x[p] - x[last]
                if gap > threshold * subrange {
                    let slope = (fit[p] - fit[last]) / gap
                    let intercept = fit[p] - slope * x[p]
                    for q in (last + 1)..<p { fit[q] = slope * x[q] + intercept }
                } else {
                    let ave = 0.5 * (fit[p] + fit[last])
                    for q in (last + 1)..<p { fit[q] = ave }
                }
            }
            last = p
        }

        // Weighted median of |residuals| (each counted with its prior weight).
        var scale = 0.0
        for p in 0..<n {
            resid[p] = abs(y[p] - fit[p])
            scale += resid[p]
            idx[p] = p
        }
        scale /= Double(n)
        rSortWithIndex(&resid, &idx)
        var cum = 0.0, cmad = 0.0
        let half = total / 2
        for p in 0..<n {
            cum += w[idx[p]]
            if cum == half {
                cmad = 3 * (resid[p] + resid[p + 1])
                break
            } else if cum > half {
                cmad = 6 * resid[p]
                break
            }
        }
        if cmad <= threshold * scale { break }
        for p in 0..<n {
            // limma's C writes pow(., 2.0); the compiler turns that into a
            // product (glibc's pow may differ from it in the last bit).
            if resid[p] < cmad {
                let q = resid[p] / cmad
                let t = 1 - q * q
                rob[idx[p]] = t * t
            } else {
                rob[idx[p]] = 0
            }
        }
    }
    return (fit, rob)
}

/// R's `rsort_with_index`: Shell sort (increments 1, 4, 13, ...) of `x`,
/// carrying `index` along; NaN last. Not stable, and the order of ties is
/// part of what downstream sums see, so it is reproduced exactly.
func rSortWithIndex(_ x: inout [Double], _ index: inout [Int]) {
    let n = x.count
    func greater(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN { return !b.isNaN }
        if b.isNaN { return false }
        return a > b
    }
    var h = 1
    while h <= n / 9 { h = 3 * h + 1 }
    while h > 0 {
        if h < n {
            for i in h..<n {
                let v = x[i], iv = index[i]
                var j = i
                while j >= h && greater(x[j - h], v) {
                    x[j] = x[j - h]; index[j] = index[j - h]; j -= h
                }
                x[j] = v; index[j] = iv
            }
        }
        h /= 3
    }
}

/// `lm.wfit(cbind(1, x), y, w)`'s fitted values and residuals (the fallback
/// when too few points carry weight for a local fit).
func weightedLineFit(x: [Double], y: [Double], w: [Double]) throws -> ([Double], [Double]) {
    let design = Matrix(columns: [[Double](repeating: 1, count: x.count), x])
    let fit = try lmWfit(design, y, w)
    return (fit.fitted, fit.residuals)
}
