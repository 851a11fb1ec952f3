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
/// (`LowessPlan.spread`). The tricube weights of a fit depend on `x` only, so
/// (within a memory budget) the first pass keeps them and the robustness
/// passes only multiply them by the robustness weights: `tricube * 1` is
/// `tricube`, so each product has the bits C computes. The results are
/// bit-identical to running `clowess` point by point.
///
/// `tricubeBudget` caps the doubles the kept tricube weights may take (more
/// and they are recomputed in every pass).
func clowess(_ x: [Double], _ y: [Double], f: Double, nsteps: Int, delta: Double,
             tricubeBudget: Int = LowessPlan.tricubeBudget) -> [Double] {
    let n = x.count
    if n < 2 { return [y[0]] }
    let fn = f * Double(n) + 1e-7
    let ns = fn >= Double(n) ? n : max(2, Int(fn))
    let plan = LowessPlan(x: x, ns: ns, delta: delta)
    // x, y and the robustness weights padded past n (x repeats x[n-1], y and
    // the weight are 0) so that every SIMD lane can read a full group's
    // window: see `LowessPlan.fitGroup`.
    let pad = plan.maxWindow
    let xp = x + repeatElement(x[n - 1], count: pad)
    let yp = y + repeatElement(0, count: pad)
    var rw = [Double](repeating: 1, count: n) + repeatElement(0, count: pad)   // robustness weights (1: first pass)
    // (every group's slot is written in full by the first pass before it is read)
    let keep = nsteps > 0 && plan.tricubeCount <= tricubeBudget ? plan.tricubeCount : 0
    var tricube = [Double](unsafeUninitializedCapacity: keep) { _, count in count = keep }
    var ys = [Double](repeating: 0, count: n)
    var res = [Double](repeating: 0, count: n)     // residuals
    var work = [Double](repeating: 0, count: n)    // |residuals|, partially sorted
    var fits = [Double](repeating: 0, count: plan.count)
    var ok = [Bool](repeating: false, count: plan.count)
    var iteration = 1
    while iteration <= nsteps + 1 {
        let stage: LowessPlan.TricubeStage = tricube.isEmpty ? .none : iteration == 1 ? .keep : .reuse
        plan.fit(x: xp, y: yp, robustness: rw, tricube: &tricube, stage: stage, fits: &fits, ok: &ok)
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
    /// The longest window `left...end` (at least 1).
    var maxWindow = 1
    /// The fits are computed in groups of up to four, one per SIMD lane:
    /// group g holds fits `groupFirst[g] ..< groupFirst[g + 1]`, and
    /// `groupShared[g]` says that they all start at the same `left` (so a
    /// step loads one x, y and robustness weight for all lanes).
    var groupFirst: [Int] = []
    var groupShared: [Bool] = []
    /// Where group g's kept tricube weights start (group g takes
    /// 4 x `groupSteps(g)` doubles); one entry more than there are groups.
    var tricubeOffset: [Int] = []

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
        maxWindow = zip(left, end).reduce(1) { max($0, $1.1 - $1.0 + 1) }
        // Groups: four fits sharing `left` whenever there are (`left` never
        // decreases with k); a group of mixed starts ends before such a run.
        var k = 0
        while k < count {
            var m = min(4, count - k)
            if m == 4 && left[k] != left[k + 3] {
                for j in (k + 1)..<(k + 4) where j + 3 < count && left[j] == left[j + 3] {
                    m = j - k
                    break
                }
            }
            groupFirst.append(k)
            groupShared.append(left[k] == left[k + m - 1])
            k += m
        }
        groupFirst.append(count)
        tricubeOffset = [0]
        for g in 0..<groups { tricubeOffset.append(tricubeOffset[g] + 4 * groupSteps(g)) }
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

    /// What `fit` does with the tricube weights kept in `tricube`.
    enum TricubeStage {
        /// Not kept: computed in every pass.
        case none
        /// Computed and kept (the first pass, robustness weights all 1).
        case keep
        /// Read back (the robustness passes).
        case reuse
    }

    /// Doubles the kept tricube weights may take (32 MiB).
    static let tricubeBudget = 1 << 22

    /// The number of groups of fits (see `groupFirst`).
    var groups: Int { groupFirst.count - 1 }

    /// The number of steps of group g: its longest window.
    func groupSteps(_ g: Int) -> Int {
        var steps = 0
        for k in groupFirst[g]..<groupFirst[g + 1] { steps = max(steps, end[k] - left[k] + 1) }
        return steps
    }

    /// Doubles needed to keep the tricube weights of every group.
    var tricubeCount: Int { tricubeOffset.last ?? 0 }

    /// Computes every local fit: `fits[k]` and `ok[k]` (false when all its
    /// weights are zero). Each tricube weight is multiplied by the point's
    /// robustness weight (all 1 in the first pass). `x`, `y` and
    /// `robustness` are padded past n by `maxWindow` entries (x[n-1], 0, 0).
    func fit(x: [Double], y: [Double], robustness: [Double], tricube: inout [Double], stage: TricubeStage,
             fits: inout [Double], ok: inout [Bool]) {
        fits.withUnsafeMutableBufferPointer { fb in
            ok.withUnsafeMutableBufferPointer { ob in
                tricube.withUnsafeMutableBufferPointer { tb in
                    let out = UncheckedBox((fb, ob, tb))
                    // Each group of fits is one unit of work; its results do
                    // not depend on which thread or lane computed them.
                    LimmaThreads.forEachChunk(groups, minChunk: 4) { range in
                        let (fb, ob, tb) = out.value
                        let window = max(maxWindow, 1)
                        let scratch = UnsafeMutablePointer<SIMD4<Double>>.allocate(capacity: 2 * window)
                        defer { scratch.deallocate() }
                        x.withUnsafeBufferPointer { xb in
                            y.withUnsafeBufferPointer { yb in
                                robustness.withUnsafeBufferPointer { rb in
                                    let points = LowessPoints(x: xb.baseAddress!, y: yb.baseAddress!, rw: rb.baseAddress!,
                                                              tricube: stage == .none ? nil : tb.baseAddress!,
                                                              reuse: stage == .reuse)
                                    fitGroups(range, points, (scratch, scratch + window), fb, ob)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Fits the groups in `range`, each group side by side, one fit per SIMD
    /// lane (a group of fewer than four repeats its first fit in the spare
    /// lanes, whose results are dropped). Lane l walks its own window
    /// `left...end` with the C routine's operations in the C order (so each
    /// lane's result is bit-identical to a lone fit), then on to the group's
    /// longest window. Those extra points weigh +0 and leave every sum
    /// unchanged (the sums start at +0, and adding +0 or -0 to a sum that is
    /// not -0 changes nothing): past `end` the points are farther than
    /// 0.999 h (weight 0, as C would give them) and past n the padding has
    /// robustness weight 0. Past a lane's window y is read as 0 (an infinite
    /// y there would turn 0 * y into NaN).
    ///
    /// A fit takes four passes over its window: the weights and their sum,
    /// the normalised weights and the weighted mean of x, the weighted
    /// spread, the fitted value. The first pass of the next group runs in
    /// the same loop as the second pass of this one (independent work: the
    /// divisions of one overlap the memory traffic of the other); `scratch`
    /// holds the two groups' weights, one SIMD4 per step each.
    private func fitGroups(_ range: Range<Int>, _ points: LowessPoints,
                           _ scratch: (UnsafeMutablePointer<SIMD4<Double>>, UnsafeMutablePointer<SIMD4<Double>>),
                           _ fits: UnsafeMutableBufferPointer<Double>, _ ok: UnsafeMutableBufferPointer<Bool>) {
        guard !range.isEmpty else { return }
        var buffers = scratch
        var sum = SIMD4<Double>(repeating: 0)   // the first pass's sum for group g
        if groupShared[range.lowerBound] {
            sum = weightPass(LowessLanes<SharedLaneLoad>(self, range.lowerBound, points), points, buffers.0)
        } else {
            sum = weightPass(LowessLanes<GatheredLaneLoad>(self, range.lowerBound, points), points, buffers.0)
        }
        for g in range {
            let next = g + 1 < range.upperBound ? g + 1 : nil
            // Each combination of lane loads gets its own specialised loops.
            func run<L: LowessLaneLoad, N: LowessLaneLoad>(_: L.Type, _: N.Type) -> SIMD4<Double> {
                fitGroup(LowessLanes<L>(self, g, points), next.map { LowessLanes<N>(self, $0, points) },
                         points, sum, buffers, fits, ok)
            }
            switch (groupShared[g], next.map { groupShared[$0] } ?? groupShared[g]) {
            case (true, true): sum = run(SharedLaneLoad.self, SharedLaneLoad.self)
            case (true, false): sum = run(SharedLaneLoad.self, GatheredLaneLoad.self)
            case (false, true): sum = run(GatheredLaneLoad.self, SharedLaneLoad.self)
            case (false, false): sum = run(GatheredLaneLoad.self, GatheredLaneLoad.self)
            }
            buffers = (buffers.1, buffers.0)
        }
    }

    /// The first pass over group `lanes`' window: each weight (kept tricube
    /// weight times robustness weight, or computed) written to `scratch` (or,
    /// when computed and kept, to the group's kept slot); returns their sum.
    @inline(__always)
    private func weightPass<L: LowessLaneLoad>(_ lanes: LowessLanes<L>, _ points: LowessPoints,
                                               _ scratch: UnsafeMutablePointer<SIMD4<Double>>) -> SIMD4<Double> {
        var a = SIMD4<Double>(repeating: 0)
        lanes.weightSteps(0..<lanes.steps, points, scratch, &a)
        return a
    }

    /// Passes two to four of group `lanes` (whose first pass gave `a` and
    /// wrote its weights to `buffers.0`), with the first pass of group
    /// `next` (into `buffers.1`) riding along the second; stores the fits
    /// and returns the next group's sum of weights.
    @inline(__always)
    private func fitGroup<L: LowessLaneLoad, N: LowessLaneLoad>(
        _ lanes: LowessLanes<L>, _ next: LowessLanes<N>?, _ points: LowessPoints, _ a: SIMD4<Double>,
        _ buffers: (UnsafeMutablePointer<SIMD4<Double>>, UnsafeMutablePointer<SIMD4<Double>>),
        _ fits: UnsafeMutableBufferPointer<Double>, _ ok: UnsafeMutableBufferPointer<Bool>) -> SIMD4<Double> {
        let wbuf = buffers.0
        let steps = lanes.steps
        // Normalised weights and the weighted mean of x.
        let source = points.reuse ? wbuf : lanes.kept ?? wbuf
        var mean = SIMD4<Double>(repeating: 0)
        var nextSum = SIMD4<Double>(repeating: 0)
        var done = 0
        if let next {
            done = min(steps, next.steps)
            for t in 0..<done {
                let w = source[t] / a
                wbuf[t] = w
                mean = mean + w * lanes.x(t)
                next.weightStep(t, points, buffers.1, &nextSum)
            }
            next.weightSteps(done..<next.steps, points, buffers.1, &nextSum)
        }
        for t in done..<steps {
            let w = source[t] / a
            wbuf[t] = w
            mean = mean + w * lanes.x(t)
        }
        var c = SIMD4<Double>(repeating: 0)
        for t in 0..<steps {
            let d = lanes.x(t) - mean
            c = c + wbuf[t] * (d * d)
        }
        // The straight-line correction only where h > 0 and the weighted
        // spread exceeds 0.001 * range; elsewhere the slope is taken as 0,
        // and w * (0 * (x - mean) + 1) is w exactly.
        let slope = (lanes.h .> 0) .& (c.squareRoot() .> SIMD4(repeating: 0.001 * range))
        let b = ((lanes.xs - mean) / c).replacing(with: 0, where: .!slope)
        var fit = SIMD4<Double>(repeating: 0)
        for t in 0..<lanes.common {
            fit = fit + wbuf[t] * (b * (lanes.x(t) - mean) + 1) * lanes.y(t)
        }
        for t in lanes.common..<steps {
            fit = fit + wbuf[t] * (b * (lanes.x(t) - mean) + 1) * lanes.yInWindow(t)
        }
        for l in 0..<lanes.size {
            ok[lanes.first + l] = !(a[l] <= 0)
            fits[lanes.first + l] = fit[l]
        }
        return nextSum
    }
}

/// The padded points a fit reads (see `clowess`) and what becomes of the
/// tricube weights: `tricube` (when not nil) is the base of the kept
/// weights, read back when `reuse`, else written.
struct LowessPoints {
    let x: UnsafePointer<Double>
    let y: UnsafePointer<Double>
    let rw: UnsafePointer<Double>
    let tricube: UnsafeMutablePointer<Double>?
    let reuse: Bool
}

/// How the lanes of a group load a point's x, y or robustness weight.
protocol LowessLaneLoad {
    static func load(_ p: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>),
                     _ t: Int) -> SIMD4<Double>
}

/// Every lane starts at the same point: one load for all four.
enum SharedLaneLoad: LowessLaneLoad {
    @inline(__always)
    static func load(_ p: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>),
                     _ t: Int) -> SIMD4<Double> {
        SIMD4(repeating: p.0[t])
    }
}

/// Each lane from its own start.
enum GatheredLaneLoad: LowessLaneLoad {
    @inline(__always)
    static func load(_ p: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>),
                     _ t: Int) -> SIMD4<Double> {
        SIMD4(p.0[t], p.1[t], p.2[t], p.3[t])
    }
}

/// One group of fits laid out in SIMD lanes: each lane's window start and
/// length, centre `xs` and half-width `h`.
struct LowessLanes<L: LowessLaneLoad> {
    typealias Pointers = (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>)
    let first: Int, size: Int
    let len: (Int, Int, Int, Int)
    let common: Int, steps: Int
    let xs: SIMD4<Double>, h: SIMD4<Double>, h1: SIMD4<Double>, h9: SIMD4<Double>
    let xp: Pointers, yp: Pointers, rp: Pointers
    /// The group's slot of kept tricube weights, or nil.
    let kept: UnsafeMutablePointer<SIMD4<Double>>?

    @inline(__always)
    init(_ plan: LowessPlan, _ g: Int, _ points: LowessPoints) {
        let first = plan.groupFirst[g], size = plan.groupFirst[g + 1] - plan.groupFirst[g]
        self.first = first
        self.size = size
        let x = points.x
        func lane(_ l: Int) -> (start: Int, len: Int, xs: Double, h: Double) {
            let k = first + (l < size ? l : 0)
            let c = plan.center[k], left = plan.left[k]
            return (left, plan.end[k] - left + 1, x[c], max(x[c] - x[left], x[plan.right[k]] - x[c]))
        }
        let l0 = lane(0), l1 = lane(1), l2 = lane(2), l3 = lane(3)
        len = (l0.len, l1.len, l2.len, l3.len)
        common = min(min(l0.len, l1.len), min(l2.len, l3.len))
        steps = max(max(l0.len, l1.len), max(l2.len, l3.len))
        xs = SIMD4(l0.xs, l1.xs, l2.xs, l3.xs)
        h = SIMD4(l0.h, l1.h, l2.h, l3.h)
        h9 = 0.999 * h
        h1 = 0.001 * h
        xp = (x + l0.start, x + l1.start, x + l2.start, x + l3.start)
        let y = points.y, rw = points.rw
        yp = (y + l0.start, y + l1.start, y + l2.start, y + l3.start)
        rp = (rw + l0.start, rw + l1.start, rw + l2.start, rw + l3.start)
        kept = points.tricube.map {
            UnsafeMutableRawPointer($0 + plan.tricubeOffset[g]).assumingMemoryBound(to: SIMD4<Double>.self)
        }
    }

    @inline(__always) func x(_ t: Int) -> SIMD4<Double> { L.load(xp, t) }
    @inline(__always) func rw(_ t: Int) -> SIMD4<Double> { L.load(rp, t) }
    @inline(__always) func y(_ t: Int) -> SIMD4<Double> { L.load(yp, t) }
    /// y at step t, 0 in the lanes whose window has ended.
    @inline(__always) func yInWindow(_ t: Int) -> SIMD4<Double> {
        SIMD4(t < len.0 ? yp.0[t] : 0, t < len.1 ? yp.1[t] : 0, t < len.2 ? yp.2[t] : 0, t < len.3 ? yp.3[t] : 0)
    }

    /// The tricube weight times the robustness weight at step t, 0 beyond
    /// 0.999 h: |x - xs| by clearing the sign bit; below 0.001 h the ratio
    /// is taken as 0, so the weight is (1 - 0)^3 = 1 exactly, as in C.
    @inline(__always) func weight(_ t: Int) -> SIMD4<Double> {
        let r = unsafeBitCast(unsafeBitCast(x(t) - xs, to: SIMD4<UInt64>.self) & SIMD4(repeating: ~(1 << 63)),
                              to: SIMD4<Double>.self)
        let q = (r / h).replacing(with: 0, where: r .<= h1)
        let u = 1 - q * q * q
        return (u * u * u * rw(t)).replacing(with: 0, where: r .> h9)
    }

    /// One step of the first pass: the weight (kept tricube weight times
    /// robustness weight when reusing, else computed, and kept when there
    /// is a slot) into `scratch` or the slot, and into the sum `a`.
    @inline(__always)
    func weightStep(_ t: Int, _ points: LowessPoints, _ scratch: UnsafeMutablePointer<SIMD4<Double>>,
                    _ a: inout SIMD4<Double>) {
        let w: SIMD4<Double>
        if let kept, points.reuse {
            w = kept[t] * rw(t)
            scratch[t] = w
        } else {
            w = weight(t)
            (kept ?? scratch)[t] = w
        }
        a = a + w
    }

    @inline(__always)
    func weightSteps(_ steps: Range<Int>, _ points: LowessPoints, _ scratch: UnsafeMutablePointer<SIMD4<Double>>,
                     _ a: inout SIMD4<Double>) {
        for t in steps { weightStep(t, points, scratch, &a) }
    }
}
