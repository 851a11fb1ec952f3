// R's `lowess()` (stats), the scatterplot smoother voom fits to its
// mean-variance trend: Cleveland's LOWESS as R's C routine `clowess` runs it.
import Foundation
import LimmaAVX512
import LimmaFMA

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
    try lowess(x: x, y: y, f: f, iter: iter, delta: delta, workspace: nil)
}

/// `lowess(x:y:f:iter:delta:)` whose passes may take their scratch memory
/// from `workspace` (memory the caller fills later, as voom's weights:
/// pages touched here are not touched fresh again there); its contents
/// afterwards are unspecified. The results do not depend on it.
func lowess(x: [Double], y: [Double], f: Double, iter: Int, delta: Double?,
            workspace: UnsafeMutableRawBufferPointer?) throws -> (x: [Double], y: [Double]) {
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
    let (xs, ys) = sortedPoints(x, y)
    let d = delta ?? 0.01 * (xs[xs.count - 1] - xs[0])
    guard d.isFinite && d >= 0 else { throw LimmaError("lowess", "'delta' must be finite and > 0") }
    return (xs, clowess(xs, ys, f: f, nsteps: iter, delta: d, workspace: workspace))
}

/// The points `(x, y)` in the order `RBase.order(x)` gives (increasing x,
/// ties in index order) for finite x: `x` and `y` permuted, ordered by
/// `BucketOrder`.
func sortedPoints(_ x: [Double], _ y: [Double]) -> (x: [Double], y: [Double]) {
    let n = x.count
    let sorter = BucketOrder(capacity: n)
    defer { sorter.deallocate() }
    x.withUnsafeBufferPointer { sorter.sort($0.baseAddress!, n) }
    let xs = Array(UnsafeBufferPointer(start: sorter.values, count: n))
    let ys = y.withUnsafeBufferPointer { yb in (0..<n).map { yb[Int(sorter.rows[$0])] } }
    return (xs, ys)
}

/// The LOWESS passes of R's C `clowess` on x already sorted (0-based indices).
///
/// Which points get a local fit, the neighbourhood of each fit and the points
/// interpolated or copied between fits depend on `x`, `f` and `delta` only,
/// so they are worked out once (`LowessPlan`); each robustness pass then
/// computes every local fit (`LowessFitter.fit`, several fits side by side in
/// SIMD lanes and in parallel over threads, each fit with exactly the serial
/// arithmetic) and fills in the rest of the curve in the serial order
/// (`LowessPlan.spread`). The tricube weights are computed afresh in every
/// pass (keeping them costs more in fresh memory than the divisions it
/// saves). The results are bit-identical to running `clowess` point by point.
/// Its scratch memory (the fits' weights, `x`, `y` and the robustness
/// weights stored twice, the |residuals|) is taken from `workspace` as far
/// as it holds it (`LowessWorkspace`). `fma`: the fits run in LimmaFMA,
/// four side by side, and with `avx512` too in LimmaAVX512, eight side by
/// side (the same bits; they default to `FMAKernels.enabled` and
/// `AVX512Kernels.enabled`, tests set them, and each is ignored where the
/// processor cannot run its module's code).
func clowess(_ x: [Double], _ y: [Double], f: Double, nsteps: Int, delta: Double,
             workspace: UnsafeMutableRawBufferPointer? = nil, fma: Bool = FMAKernels.enabled,
             avx512: Bool = AVX512Kernels.enabled) -> [Double] {
    let n = x.count
    if n < 2 { return [y[0]] }
    let fn = f * Double(n) + 1e-7
    let ns = fn >= Double(n) ? n : max(2, Int(fn))
    let kernel: LowessKernel = !(fma && FMAKernels.supported) ? .plain
        : avx512 && AVX512Kernels.supported ? .avx512 : .fma
    let plan = LowessPlan(x: x, ns: ns, delta: delta, lanes: kernel.lanes)
    var space = LowessWorkspace(workspace)
    defer { space.release() }
    let fitter = LowessFitter(plan, kernel, space: &space)
    // x, y and the robustness weights (1: first pass) each stored twice
    // side by side, so that one aligned load gives a value in both halves
    // of an SSE register.
    let x2 = space.take(SIMD2<Double>.self, n), y2 = space.take(SIMD2<Double>.self, n)
    let rw2 = space.take(SIMD2<Double>.self, n)
    let work = UnsafeMutableBufferPointer(start: space.take(Double.self, n), count: n)    // |residuals|
    for k in 0..<n {
        x2[k] = SIMD2(repeating: x[k])
        y2[k] = SIMD2(repeating: y[k])
        rw2[k] = SIMD2(repeating: 1)
    }
    let finiteY = y.allSatisfy { $0.isFinite }
    var ys = [Double](repeating: 0, count: n)
    var fits = [Double](repeating: 0, count: plan.count)
    var ok = [Bool](repeating: false, count: plan.count)
    var iteration = 1
    while iteration <= nsteps + 1 {
        fitter.fit(plan, x: x, x2: x2, y2: y2, finiteY: finiteY, robustness: rw2, fits: &fits, ok: &ok)
        plan.spread(x: x, y: y, fits: fits, ok: ok, into: &ys)
        if iteration > nsteps { break }
        // (R also computes the mean |residual| after the last pass; unused.)
        for k in 0..<n { work[k] = abs(y[k] - ys[k]) }
        var sc = 0.0
        for k in 0..<n { sc += work[k] }
        sc /= Double(n)

        // cmad = 6 * median(|residuals|) (R: rPsort at n/2 and, for even n, n/2 - 1)
        let m1 = n / 2
        let cmad: Double = { (wb: UnsafeBufferPointer<Double>) -> Double in
            if wb.contains(where: { $0.isNaN }) {
                // (infinite y) Swift's sort order, as this port always used,
                // on a copy (`work` still gives the robustness weights).
                let sorted = wb.sorted()
                return n % 2 == 0 ? 3 * (sorted[m1] + sorted[n - m1 - 1]) : 6 * sorted[m1]
            }
            let hi = selectKthNonNegative(wb, m1)
            if n % 2 == 0 {
                // The (m1 - 1)-th smallest: hi itself, unless exactly m1
                // values lie below hi, and then the largest of them.
                var below = 0
                var lo = -Double.infinity
                for v in wb where v < hi {
                    below += 1
                    if v > lo { lo = v }
                }
                return 3 * (hi + (below == m1 ? lo : hi))
            }
            return 6 * hi
        }(UnsafeBufferPointer(work))
        if cmad < 1e-7 * sc { break }
        let c9 = 0.999 * cmad
        let c1 = 0.001 * cmad
        for k in 0..<n {
            let r = work[k]
            if r <= c1 {
                rw2[k] = SIMD2(repeating: 1)
            } else if r <= c9 {
                let u = 1 - (r / cmad) * (r / cmad)
                rw2[k] = SIMD2(repeating: u * u)
            } else {
                rw2[k] = SIMD2(repeating: 0)
            }
        }
        iteration += 1
    }
    return ys
}

/// The k-th smallest value (0-based) of `v`, whose values are all
/// non-negative and not NaN (+0, never -0): their bit patterns then order as
/// the values do, so the value is found by counting the patterns' digits,
/// 12 bits at a time from the top, among the values that share the digits
/// found so far (a radix selection: no comparisons to mispredict, `v`
/// untouched).
func selectKthNonNegative(_ v: UnsafeBufferPointer<Double>, _ k: Int) -> Double {
    let n = v.count
    return withUnsafeTemporaryAllocation(of: Int.self, capacity: 4096) { hb in
        let histogram = hb.baseAddress!
        histogram.initialize(repeating: 0, count: 4096)
        var rank = k
        // The bucket holding the value of the remaining rank (rank becomes
        // its rank within the bucket) and how many values it holds; the
        // histogram's first `size` entries are cleared for the next digit.
        func bucket(_ size: Int) -> (digit: Int, count: Int) {
            var d = 0
            while rank >= histogram[d] {
                rank -= histogram[d]
                d += 1
            }
            let count = histogram[d]
            histogram.update(repeating: 0, count: size)
            return (d, count)
        }
        for x in v { histogram[Int(x.bitPattern >> 52)] += 1 }
        let (top, inTop) = bucket(4096)
        // The candidates' bit patterns, gathered without branches (each
        // value written, kept by advancing past it).
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: inTop + 1) { cb in
            let candidates = cb.baseAddress!
            var m = 0
            for i in 0..<n {
                let b = v[i].bitPattern
                candidates[m] = b
                m &+= b >> 52 == UInt64(top) ? 1 : 0
            }
            var shift: UInt64 = 52
            while m > 1 && shift > 0 {
                let width = min(12, shift)
                shift -= width
                let mask = (UInt64(1) << width) - 1
                for i in 0..<m { histogram[Int((candidates[i] >> shift) & mask)] += 1 }
                let digit = UInt64(bucket(Int(mask) + 1).digit)
                var kept = 0
                for i in 0..<m {
                    let c = candidates[i]
                    candidates[kept] = c
                    kept &+= (c >> shift) & mask == digit ? 1 : 0
                }
                m = kept
            }
            // One candidate left, or several with the same bit pattern.
            return Double(bitPattern: candidates[0])
        }
    }
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
/// `tieEnd[k - 1]` and `center[k]` are interpolated. The fits themselves
/// run group by group in `LowessGroupTables.fitGroups` (LowessGroupFits.swift).
struct LowessPlan {
    var center: [Int] = []
    /// Fit k's half-width `h`.
    var halfWidth: [Double] = []
    var left: [Int] = []
    var right: [Int] = []
    var end: [Int] = []
    var tieEnd: [Int] = []
    var count: Int { center.count }
    /// `x[n-1] - x[0]`, the scale of the slope test.
    let range: Double
    /// The fits are computed in groups of up to `lanes` (4 or 8), one per
    /// SIMD lane:
    /// group g holds fits `groupFirst[g] ..< groupFirst[g + 1]` and walks
    /// the points `groupBase[g] ..< groupBase[g] + groupLength[g]`, the
    /// union of their windows `left...end` (so a step loads one x, y and
    /// robustness weight for all lanes). A fit joins the group of the fits
    /// before it only if the group's steps per fit do not grow (so fits
    /// whose windows barely overlap go in groups of their own) and the
    /// group's points stay within 2^500 of each other (so that a lane's
    /// steps outside its window, where its weight is 0, have finite
    /// `x - mean` and `(x - mean)^2`: see `LowessGroupTables.fitGroups`; a
    /// fit alone has no such steps).
    var groupFirst: [Int] = []
    var groupBase: [Int] = []
    var groupLength: [Int] = []
    /// The longest `groupLength` (at least 1).
    var maxGroupLength = 1
    /// Group g's steps split where a lane's window starts or ends: segments
    /// `segmentFirst[g] ..< segmentFirst[g + 1]`; segment s starts at step
    /// `segmentStart[s]` (relative to `groupBase[g]`) and runs to the next
    /// segment's start (or `groupLength[g]`), and bit l of
    /// `segmentLanes[s]` says that the step lies in lane l's window.
    var segmentFirst: [Int] = []
    var segmentStart: [Int] = []
    var segmentLanes: [UInt8] = []

    /// `lanes`: the most fits a group holds, 4 (`LowessVector` here and in
    /// LimmaFMA) or 8 (LimmaAVX512's).
    init(x: [Double], ns: Int, delta: Double, lanes: Int = 4) {
        precondition(lanes == 4 || lanes == 8)
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
            halfWidth.append(h)
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
        // Groups of up to `lanes` consecutive fits (`left` never decreases
        // with k, so the group's first fit starts the union).
        var k = 0
        segmentFirst = [0]
        while k < count {
            var m = 1, last = end[k]
            while m < lanes && k + m < count {
                // Fit k + m joins if the steps per fit do not grow and the
                // points stay within 2^500 (false too when the difference
                // overflows).
                let nextLast = max(last, end[k + m])
                if (nextLast - left[k] + 1) * m > (last - left[k] + 1) * (m + 1) { break }
                if !(x[nextLast] - x[left[k]] <= 0x1p500) { break }
                last = nextLast
                m += 1
            }
            let base = left[k], length = last - base + 1
            groupFirst.append(k)
            groupBase.append(base)
            groupLength.append(length)
            maxGroupLength = max(maxGroupLength, length)
            // Lane l's window `starts[l] ..< ends[l]` (spare lanes repeat the
            // first fit); the segments start at 0 and at every window's start
            // and end below `length`, each once, in order. (Plain [Int]
            // arrays: a Set or an array of tuples costs the process a
            // run-time type set-up on first use.)
            let fit = (0..<lanes).map { l in k + (l < m ? l : 0) }
            let starts = fit.map { left[$0] - base }, ends = fit.map { end[$0] - base + 1 }
            var previous = -1
            for c in ([0] + starts + ends).sorted() where c != previous && c < length {
                previous = c
                var bits: UInt8 = 0
                for l in 0..<lanes where starts[l] <= c && c < ends[l] { bits |= 1 << l }
                segmentStart.append(c)
                segmentLanes.append(bits)
            }
            segmentFirst.append(segmentStart.count)
            k += m
        }
        groupFirst.append(count)
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

    /// The number of groups of fits (see `groupFirst`).
    var groups: Int { groupFirst.count - 1 }

    /// The tables the group fits read, as pointers valid inside `body`.
    func withTables<R>(_ body: (LowessGroupTables) -> R) -> R {
        center.withUnsafeBufferPointer { c in
        halfWidth.withUnsafeBufferPointer { h in
        groupFirst.withUnsafeBufferPointer { gf in
        groupBase.withUnsafeBufferPointer { gb in
        groupLength.withUnsafeBufferPointer { gl in
        segmentFirst.withUnsafeBufferPointer { sf in
        segmentStart.withUnsafeBufferPointer { ss in
        segmentLanes.withUnsafeBufferPointer { sl in
            body(LowessGroupTables(center: c.baseAddress!, halfWidth: h.baseAddress!, groupFirst: gf.baseAddress!,
                                   groupBase: gb.baseAddress!, groupLength: gl.baseAddress!,
                                   segmentFirst: sf.baseAddress!, segmentStart: ss.baseAddress!,
                                   segmentLanes: sl.baseAddress!, range: range))
        }
        }
        }
        }
        }
        }
        }
        }
    }
}

/// Which code runs lowess's group fits: Limma's (division, four lanes),
/// LimmaFMA's (quotients by reciprocals and FMA, four lanes) or
/// LimmaAVX512's (the same quotients, eight lanes). All give the same bits.
enum LowessKernel {
    case plain, fma, avx512

    /// The fits per group.
    var lanes: Int { self == .avx512 ? 8 : 4 }
}

/// The four lanes of Limma's group fits (LowessGroupFits.swift), pairs of
/// SSE2 operations on the x86-64 baseline.
typealias LowessVector = SIMD4<Double>
typealias LowessMask = SIMD4<UInt64>

/// A point's value (stored twice side by side) in all four lanes: one
/// aligned load, used as both halves.
@inline(__always) func lowessSplat(_ p: SIMD2<Double>) -> LowessVector { SIMD4(lowHalf: p, highHalf: p) }

/// The per-thread state of `clowess`'s fits: the kernel, the groups cut
/// into one run of consecutive groups per thread (the groups cost about the
/// same), and each run's scratch (three groups' weights, a SIMD vector of
/// the kernel's lanes per step), for all passes (from `space`).
struct LowessFitter {
    let kernel: LowessKernel
    let runs: [Range<Int>]
    let window: Int
    /// A run's scratch, in bytes.
    let runBytes: Int
    let scratch: UnsafeMutableRawPointer

    init(_ plan: LowessPlan, _ kernel: LowessKernel, space: inout LowessWorkspace) {
        self.kernel = kernel
        let threads = max(1, LimmaThreads.count)
        let size = max(4, (plan.groups + threads - 1) / threads)
        runs = stride(from: 0, to: plan.groups, by: size).map { $0..<min(plan.groups, $0 + size) }
        window = plan.maxGroupLength
        let count = max(1, runs.count) * 3 * window
        if kernel == .avx512 {
            scratch = UnsafeMutableRawPointer(space.take(SIMD8<Double>.self, count))
            runBytes = 3 * window * MemoryLayout<SIMD8<Double>>.stride
        } else {
            scratch = UnsafeMutableRawPointer(space.take(SIMD4<Double>.self, count))
            runBytes = 3 * window * MemoryLayout<SIMD4<Double>>.stride
        }
    }

    /// Computes every local fit: `fits[k]` and `ok[k]` (false when all its
    /// weights are zero). Each tricube weight is multiplied by the point's
    /// robustness weight (all 1 in the first pass). `x2`, `y2` and
    /// `robustness` hold each value twice; `finiteY`: every y is finite.
    /// Each group of fits is one unit of work; its results do not depend on
    /// which thread or lane computed them. The fits run in the kernel's
    /// module: with `.fma` in LimmaFMA (`LimmaFMA.lowessKernelFitGroups`:
    /// the same code with its quotients from reciprocals and fused
    /// multiply-adds, the same bits), with `.avx512` in LimmaAVX512
    /// (`LimmaAVX512.lowessKernelFitGroups`: that, eight lanes wide).
    func fit(_ plan: LowessPlan, x: [Double], x2: UnsafePointer<SIMD2<Double>>, y2: UnsafePointer<SIMD2<Double>>,
             finiteY: Bool, robustness: UnsafePointer<SIMD2<Double>>,
             fits: inout [Double], ok: inout [Bool]) {
        x.withUnsafeBufferPointer { xs in
        fits.withUnsafeMutableBufferPointer { fb in
        ok.withUnsafeMutableBufferPointer { ob in
        plan.withTables { tables in
            let points = LowessPoints(x: xs.baseAddress!, x2: x2, y2: y2, rw2: robustness)
            let work = UncheckedBox((tables, points, fb.baseAddress!, ob.baseAddress!))
            LimmaThreads.forEachChunk(runs.count) { chunk in
                let (t, p, fits, ok) = work.value
                for r in chunk {
                    let scratch = self.scratch + r * runBytes
                    if kernel == .plain {
                        t.fitGroups(runs[r], p, scratch.assumingMemoryBound(to: LowessVector.self), window, finiteY,
                                    fits, ok, LowessDivision.self)
                    } else {
                        // The two modules' entry points take the same arguments.
                        let fused = kernel == .avx512 ? LimmaAVX512.lowessKernelFitGroups : LimmaFMA.lowessKernelFitGroups
                        fused(runs[r].lowerBound, runs[r].upperBound, t.center, t.halfWidth,
                              t.groupFirst, t.groupBase, t.groupLength, t.segmentFirst, t.segmentStart, t.segmentLanes,
                              t.range, p.x, p.x2, p.y2, p.rw2, scratch, window, finiteY, fits, ok)
                    }
                }
            }
        }
        }
        }
        }
    }
}

/// Scratch memory for `clowess`: taken in turn from memory lent by the
/// caller (`lent`, holding doubles) while it holds the next piece, else
/// allocated; `release` frees what was allocated and binds the lent memory
/// to `Double` again.
struct LowessWorkspace {
    private let lent: UnsafeMutableRawBufferPointer?
    private var rest: UnsafeMutableRawBufferPointer?
    private var owned: [UnsafeMutableRawPointer] = []

    init(_ lent: UnsafeMutableRawBufferPointer?) {
        self.lent = lent
        rest = lent
    }

    /// Room for `count` values of `T` (uninitialised, aligned for `T`).
    mutating func take<T>(_: T.Type, _ count: Int) -> UnsafeMutablePointer<T> {
        let stride = MemoryLayout<T>.stride, alignment = MemoryLayout<T>.alignment
        if let r = rest, let base = r.baseAddress {
            let start = base.alignedUp(toMultipleOf: alignment), end = base + r.count
            if count * stride <= end - start {
                rest = UnsafeMutableRawBufferPointer(start: start + count * stride, count: end - (start + count * stride))
                return start.bindMemory(to: T.self, capacity: count)
            }
        }
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, count * stride), alignment: alignment)
        owned.append(p)
        return p.bindMemory(to: T.self, capacity: count)
    }

    func release() {
        for p in owned { p.deallocate() }
        if let l = lent, let base = l.baseAddress { base.bindMemory(to: Double.self, capacity: l.count / 8) }
    }
}
