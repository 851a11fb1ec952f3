// limma's normalizeBetweenArrays for single-channel data (a matrix of
// log-expression values), as voom calls it: none, scale, quantile, cyclicloess.
import Foundation
import LimmaFMA

/// The single-channel methods of limma's `normalizeBetweenArrays`.
public enum BetweenArrayNormalization: String, Sendable, CaseIterable {
    case none, scale, quantile, cyclicloess
}

/// limma's `normalizeBetweenArrays(x, method)` for a matrix.
///
/// - none: `x` unchanged.
/// - scale: `normalizeMedianValues`, each column divided by
///   `exp(log(median_j) - mean(log(median)))` (column medians without missing
///   values), so the column medians become their geometric mean.
/// - quantile: `normalizeQuantiles(x)`.
/// - cyclicloess: `normalizeCyclicLoess(x, method: .fast)` with its defaults.
/// - Throws: as those functions do.
public func normalizeBetweenArrays(_ x: consuming Matrix, method: BetweenArrayNormalization = .quantile) throws -> Matrix {
    switch method {
    case .none:
        return x
    case .scale:
        return normalizeMedianValues(x)
    case .quantile:
        return try normalizeQuantiles(x)
    case .cyclicloess:
        return try normalizeCyclicLoess(x)
    }
}

/// limma's `normalizeMedianValues(x)`: scales the columns to a common median
/// (the geometric mean of the column medians, missing values ignored).
public func normalizeMedianValues(_ x: Matrix) -> Matrix {
    if x.ncol <= 1 { return x }
    let cmed = (0..<x.ncol).map { Foundation.log(RBase.median(x.column($0), naRM: true)) }
    let m = RBase.mean(cmed)
    let scale = cmed.map { Foundation.exp($0 - m) }
    var out = x
    for j in 0..<x.ncol {
        for i in 0..<x.nrow { out.values[j * x.nrow + i] /= scale[j] }
    }
    return out
}

/// limma's `normalizeQuantiles(A, ties = TRUE)`: gives every column the same
/// empirical distribution, the mean of the sorted columns.
///
/// Each column is sorted (missing values dropped; a column with `k` values is
/// first interpolated onto the `n`-point grid `(0...n-1)/(n-1)` from its own
/// grid `(0...k-1)/(k-1)`); `m` is the row mean of the sorted columns. Each
/// value is then replaced by `m` interpolated at `(rank - 1)/(k - 1)`, its
/// average rank (so tied values share one value) on the grid, by R's
/// `approx`. Missing values stay missing.
/// - Throws: when a column has fewer than two non-missing values while
///   others have more (R's approx cannot interpolate it).
public func normalizeQuantiles(_ a: consuming Matrix) throws -> Matrix {
    let n = a.nrow, p = a.ncol
    if p <= 1 { return a }
    if n >= 2 && !a.values.contains(where: { $0.isNaN }) { return try normalizeQuantilesComplete(a) }
    return try normalizeQuantilesGeneral(a)
}

/// `normalizeQuantiles` with missing values allowed: R's algorithm step by
/// step (sort, interpolate short columns, row means, rank, approx).
func normalizeQuantilesGeneral(_ a: Matrix) throws -> Matrix {
    let n = a.nrow, p = a.ncol
    let nd = Double(n - 1)
    let grid = (0..<n).map { Double($0) / nd }
    var sorted = Matrix(nrow: n, ncol: p)
    var nobs = [Int](repeating: n, count: p)
    for j in 0..<p {
        let s = a.column(j).filter { !$0.isNaN }.sorted()
        nobs[j] = s.count
        if s.count < n {
            let kd = Double(s.count - 1)
            let own = (0..<s.count).map { Double($0) / kd }
            let interp = try approx(x: own, y: s, xout: grid, ordered: true)
            for i in 0..<n { sorted[i, j] = interp[i] }
        } else {
            for i in 0..<n { sorted[i, j] = s[i] }
        }
    }
    let m = RBase.rowMeans(sorted)
    let target = try approxfun(x: grid, y: m, ordered: true)
    var out = a
    for j in 0..<p {
        let col = a.column(j)
        let r = RBase.rank(col)
        let kd = Double(nobs[j] - 1)
        for i in 0..<n where !col[i].isNaN {
            out[i, j] = target((r[i] - 1) / kd)
        }
    }
    return out
}

/// `normalizeQuantiles` for a matrix without missing values (n >= 2), with
/// the same values as `normalizeQuantilesGeneral`, in two passes over the
/// columns, in `a`'s storage (a copy only when the caller still holds it)
/// and without a sorted copy of the matrix.
///
/// First pass, column by column: the column is sorted (`BucketOrder`,
/// values with the sorted positions' original rows); its sorted values are
/// added to the row sums of the sorted columns (long double, columns in
/// order, as `RBase.rowMeans` sums them); each tie group at sorted
/// positions i...j (equal by `==`, so -0 and +0 tie) has the average rank
/// `(i + j + 2) / 2`, as `RBase.rank` gives it, and its code `c = i + j`
/// (twice the rank less 2) is written over the column at the group's rows.
/// Each position's group start comes from a forward pass and its group end
/// from a backward pass, both without branches. The order inside a tie
/// group changes nothing: the ranks are the group's, and the sorted values
/// differ at most in the sign of a zero, which a sum starting at +0
/// absorbs (`+0 + -0 = +0`, `x + ±0 = x`).
///
/// Then m (the sums divided by p in long double), `approxfun` on the grid
/// `(0...n-1)/(n-1)`, and for every code `c` in `0...2n-2` the target at
/// `v = (r - 1)/(n - 1)`, `r = (c + 2)/2`, as R evaluates it for that rank;
/// each output code is replaced by its value from that table. When the
/// knots are the whole grid (`approxfun` dropped no NaN mean and collapsed
/// no ties), R's bisection ends on the interval at `i = floor(r - 1)`: for
/// an even c, `v` is the knot `x_i` itself (the same division) and the value
/// `y_i`; for an odd c, `x_i < v < x_(i+1)` and the value `y_i + (y_(i+1) -
/// y_i) * ((v - x_i) / (x_(i+1) - x_i))`, the expression of
/// `ApproxFun.callAsFunction`. Both are checked against the knots; a code
/// that fails, or every code when the knots are not the whole grid, is
/// evaluated by the `ApproxFun` itself.
func normalizeQuantilesComplete(_ a: consuming Matrix) throws -> Matrix {
    let n = a.nrow, p = a.ncol
    // The row sums (n long doubles), then the table of 2n - 1 values.
    let room = UnsafeMutableRawPointer.allocate(byteCount: 16 * n, alignment: 16)
    defer { room.deallocate() }
    let sums = room.bindMemory(to: RLongDouble.self, capacity: n)
    sums.initialize(repeating: 0, count: n)
    let sorter = BucketOrder(capacity: n)
    defer { sorter.deallocate() }
    a.values.withUnsafeMutableBufferPointer { ab in
        for j in 0..<p { sortedColumnCodes(ab.baseAddress! + j * n, n, sorter: sorter, sums: sums) }
    }
    try a.values.withUnsafeMutableBufferPointer { try quantileTargets($0.baseAddress!, n: n, p: p, sums: sums, room: room) }
    return a
}

/// `normalizeQuantiles(E)` for voom's log-CPM values
/// `E = log2((counts + 0.5) / (libSize + 1) * 1e6)`, from the counts
/// (`values`, n x p, column-major, finite and non-negative; n >= 2, p >= 2,
/// library sizes finite and non-negative), which it replaces by the
/// normalised values: the bits of `normalizeQuantilesComplete` on E.
///
/// Within a column E is a non-decreasing function of the count (a division
/// by `libSize + 1 > 0`, a multiplication by 1e6 and `log2`, each monotone),
/// so the counts' order is an order of E: the sorted E values are E of the
/// sorted counts, and E's tie groups are the runs of sorted counts whose E
/// are equal (for whole counts below 2^32 distinct counts give distinct E,
/// but the runs are taken on E all the same). So no double is sorted: counts
/// below 4096 are counted in a histogram and the others ordered as
/// integers (`RBase.sortTagged`); each distinct count's E is taken once
/// (`fmaLog2Settled`, glibc's bits, with `kernels`; else `log2`), the same
/// expression as `voomLogCPM`. A column with a count that is not a whole
/// number below 2^32, or whose E should ever fail to be non-decreasing along
/// the counts' order, takes `sortedColumnCodes` on its E instead.
/// Then the second pass is `quantileTargets`, as for any complete matrix.
func normalizeQuantilesOfLogCPM(_ values: UnsafeMutablePointer<Double>, ngenes n: Int, libSize lib: [Double],
                                kernels: Bool = FMAKernels.enabled) throws {
    let p = lib.count
    let small = 4096
    let smallBound = Double(small)
    let room = UnsafeMutableRawPointer.allocate(byteCount: 16 * n, alignment: 16)
    defer { room.deallocate() }
    let sums = room.bindMemory(to: RLongDouble.self, capacity: n)
    sums.initialize(repeating: 0, count: n)
    // Per column: the histogram and each small count's distinct index (then
    // its code); the large counts' tagged keys (two buffers) and rows; per
    // distinct count its argument, E, scratch, frequency and code.
    let hist = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * small)
    defer { hist.deallocate() }
    let slot = hist + small
    let keys = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * n)
    defer { keys.deallocate() }
    // (The last n + 7 doubles hold, after the logarithms, each sorted
    // position's E: runs of up to eight are written as eight copies.)
    let doubles = UnsafeMutablePointer<Double>.allocate(capacity: 3 * n + 7)
    defer { doubles.deallocate() }
    let args = doubles, logs = doubles + n, scratch = doubles + 2 * n
    // The small counts present in the column, one bit each (their bins are
    // walked bit by bit: a test of every bin would mispredict on most).
    let present = UnsafeMutablePointer<UInt64>.allocate(capacity: small / 64)
    defer { present.deallocate() }
    let ints = UnsafeMutablePointer<Int32>.allocate(capacity: 3 * n)
    defer { ints.deallocate() }
    let rows = ints, freq = ints + n, code = ints + 2 * n
    var sorter: BucketOrder? = nil
    defer { sorter?.deallocate() }
    for j in 0..<p {
        let col = values + j * n
        let l1 = lib[j] + 1
        hist.initialize(repeating: 0, count: small)
        var large = 0, whole = true
        for i in 0..<n {
            let v = col[i]
            if v >= 0 && v < smallBound {
                let c = Int(v)
                whole = whole && Double(c) == v
                hist[c] &+= 1
            } else {
                whole = whole && v >= 0 && v < 0x1p32 && Double(UInt32(v)) == v
                if !whole { break }
                keys[large] = UInt64(v) << 32 | UInt64(large)
                rows[large] = Int32(i)
                large += 1
            }
        }
        // Values read as their E, sorted as doubles (a count that is not a
        // whole number below 2^32, or E out of the counts' order).
        func general() {
            for i in 0..<n { col[i] = log2((col[i] + 0.5) / l1 * 1e6) }
            if sorter == nil { sorter = BucketOrder(capacity: n) }
            sortedColumnCodes(col, n, sorter: sorter!, sums: sums)
        }
        if !whole { general(); continue }
        // In count order, ties in row order (afterwards only the tags, the
        // places in the list of large counts, are kept in the keys).
        let sorted = RBase.sortTagged(keys, keys + n, large) { _ in 0 }
        @inline(__always) func row(_ k: Int) -> Int { Int(rows[Int(sorted[k] & RBase.lowerHalf)]) }
        // The distinct counts in increasing order: arguments and frequencies.
        for w in 0..<(small / 64) {
            var bits: UInt64 = 0
            // Bit k is 1 when the bin's count (0 ... n, non-negative) is not 0.
            for k in 0..<64 { bits |= ((0 &- UInt64(hist[w * 64 + k])) >> 63) << UInt64(k) }
            present[w] = bits
        }
        var d = 0
        forEachPresent(present, small / 64) { c in
            slot[c] = Int32(d)
            args[d] = (Double(c) + 0.5) / l1 * 1e6
            freq[d] = hist[c]
            d += 1
        }
        var k = 0
        while k < large {
            let c = col[row(k)]
            var e = k + 1
            while e < large && col[row(e)] == c { e += 1 }
            args[d] = (c + 0.5) / l1 * 1e6
            freq[d] = Int32(e - k)
            d += 1
            k = e
        }
        if kernels {
            fmaLog2Settled(args, count: d, into: logs, lo: scratch) { log2($0) }
        } else {
            for q in 0..<d { logs[q] = log2(args[q]) }
        }
        var ordered = true
        for q in 1..<Swift.max(d, 1) where !(logs[q - 1] <= logs[q]) { ordered = false; break }
        if !ordered { general(); continue }
        // Runs of equal E: positions first...last, code first + last; their
        // E at those positions (`atPosition`), then added to the sums
        // position by position. (A run of up to eight is written as eight
        // copies, the extra ones overwritten by the next runs or left past
        // the end: the run lengths vary from value to value, and a loop over
        // each run mispredicted its exit about once a run.)
        let atPosition = scratch
        var position = 0, q = 0
        while q < d {
            var r = q + 1, total = Int(freq[q])
            while r < d && logs[r] == logs[q] { total += Int(freq[r]); r += 1 }
            let value = logs[q]
            if total <= 8 {
                UnsafeMutableRawPointer(atPosition + position).storeBytes(of: SIMD8(repeating: value), as: SIMD8<Double>.self)
            } else {
                (atPosition + position).update(repeating: value, count: total)
            }
            let c = Int32(2 * position + total - 1)
            for u in q..<r { code[u] = c }
            position += total
            q = r
        }
        for t in 0..<n { sums[t] += RLongDouble(atPosition[t]) }
        forEachPresent(present, small / 64) { c in slot[c] = code[Int(slot[c])] }
        for i in 0..<n {
            let v = col[i]
            if v < smallBound { col[i] = Double(slot[Int(v)]) }
        }
        // The large counts' codes: their distinct indices follow the small ones.
        var u = d - 1
        k = large - 1
        while k >= 0 {
            let at = row(k)
            let c = col[at]
            col[at] = Double(code[u])
            if k > 0 && col[row(k - 1)] != c { u -= 1 }
            k -= 1
        }
    }
    try quantileTargets(values, n: n, p: p, sums: sums, room: room)
}

/// `body(c)` for each bit c set in `bits[0 ..< words]`, in increasing order.
@inline(__always)
private func forEachPresent(_ bits: UnsafePointer<UInt64>, _ words: Int, _ body: (Int) -> Void) {
    for w in 0..<words {
        var m = bits[w]
        while m != 0 {
            body(w * 64 + m.trailingZeroBitCount)
            m &= m &- 1
        }
    }
}

/// The first pass of `normalizeQuantilesComplete` for one column (n >= 2,
/// no NaN): sorted by `sorter`, its sorted values added to `sums`, and each
/// value replaced by its tie group's code.
func sortedColumnCodes(_ col: UnsafeMutablePointer<Double>, _ n: Int, sorter: BucketOrder,
                       sums: UnsafeMutablePointer<RLongDouble>) {
    let first = sorter.start
    sorter.sort(col, n)
    let sv = sorter.values, si = sorter.rows
    for k in 0..<n { sums[k] += RLongDouble(sv[k]) }
    // The first position of each position's tie group, then backwards the
    // last, and the code (over the column, now sorted in the sorter).
    var i = 0
    first[0] = 0
    for k in 1..<n {
        i = sv[k] == sv[k - 1] ? i : k
        first[k] = Int32(i)
    }
    var last = n - 1
    col[Int(si[n - 1])] = Double(Int(first[n - 1]) + last)
    for k in stride(from: n - 2, through: 0, by: -1) {
        last = sv[k] == sv[k + 1] ? last : k
        col[Int(si[k])] = Double(Int(first[k]) + last)
    }
}

/// The second pass of `normalizeQuantilesComplete` (and of
/// `normalizeQuantilesOfLogCPM`): m (the long-double `sums` of the sorted
/// columns divided by p), the table of targets for every code `0...2n-2`
/// (see there), and each code in `values` (n x p, column-major) replaced by
/// its target. `room` (16 n bytes, where `sums` may lie) holds the table.
func quantileTargets(_ values: UnsafeMutablePointer<Double>, n: Int, p: Int, sums: UnsafeMutablePointer<RLongDouble>,
                     room: UnsafeMutableRawPointer) throws {
    let nd = Double(n - 1)
    let grid = (0..<n).map { Double($0) / nd }
    let m = (0..<n).map { Double(sums[$0] / RLongDouble(p)) }
    let f = try approxfun(x: grid, y: m, ordered: true)
    let table = room.bindMemory(to: Double.self, capacity: 2 * n)
    let wholeGrid = f.x.count == n
    f.x.withUnsafeBufferPointer { fx in
        f.y.withUnsafeBufferPointer { fy in
            for c in 0...(2 * n - 2) {
                let r = Double(c + 2) / 2
                let v = (r - 1) / nd
                let i = c >> 1
                if wholeGrid {
                    if c & 1 == 0 {
                        if v == fx[i] { table[c] = fy[i]; continue }
                    } else if fx[i] < v && v < fx[i + 1] {
                        table[c] = fy[i] + (fy[i + 1] - fy[i]) * ((v - fx[i]) / (fx[i + 1] - fx[i]))
                        continue
                    }
                }
                table[c] = f(v)
            }
        }
    }
    for t in 0..<(n * p) { values[t] = table[Int(values[t])] }
}

/// The variants of limma's `normalizeCyclicLoess`.
public enum CyclicLoessMethod: String, Sendable, CaseIterable {
    case fast, affy, pairs
}

/// limma's `normalizeCyclicLoess(x, weights, span, iterations, method)`:
/// removes intensity-dependent differences between columns by loess
/// (`loessFit(m, a, weights:, span:)`, default 4 robustness iterations),
/// repeated `iterations` times.
///
/// - fast: each column against the row means `a` (missing values ignored):
///   `x_i -= fitted(loessFit(x_i - a, a))`.
/// - pairs: for each pair i < j in turn, `m = x_j - x_i`, `a = (x_j + x_i)/2`,
///   and half the fitted curve is added to `x_i` and taken from `x_j`.
/// - affy: the pairwise curves of one iteration are accumulated and
///   `x -= adjustment / ncol` applied at once.
/// - Parameter weights: one weight per gene (row), passed to loessFit.
/// - Throws: when `weights` is not one per row, and as loessFit does.
public func normalizeCyclicLoess(_ x: Matrix, weights: [Double]? = nil, span: Double = 0.7, iterations: Int = 3,
                                 method: CyclicLoessMethod = .fast) throws -> Matrix {
    if let w = weights, w.count != x.nrow {
        throw LimmaError("normalizeCyclicLoess", "\(w.count) weights for \(x.nrow) rows")
    }
    var x = x
    let n = x.ncol, g = x.nrow
    guard iterations >= 1 else { return x }
    func curve(_ m: [Double], _ a: [Double]) throws -> [Double] {
        try loessFit(y: m, x: a, weights: weights, span: span).fitted
    }
    // The loess curve of column j minus column i against their mean.
    func pairCurve(_ i: Int, _ j: Int) throws -> [Double] {
        try curve((0..<g).map { x[$0, j] - x[$0, i] }, (0..<g).map { 0.5 * (x[$0, j] + x[$0, i]) })
    }
    switch method {
    case .fast:
        for _ in 1...iterations {
            let a = RBase.rowMeans(x, naRM: true)
            for i in 0..<n {
                let m = (0..<g).map { x[$0, i] - a[$0] }
                let f = try curve(m, a)
                for r in 0..<g { x[r, i] -= f[r] }
            }
        }
    case .pairs:
        guard n > 1 else { return x }
        for _ in 1...iterations {
            for i in 0..<(n - 1) {
                for j in (i + 1)..<n {
                    let f = try pairCurve(i, j)
                    for r in 0..<g {
                        x[r, i] += f[r] / 2
                        x[r, j] -= f[r] / 2
                    }
                }
            }
        }
    case .affy:
        guard n > 1 else { return x }
        for _ in 1...iterations {
            var adjustment = Matrix(nrow: g, ncol: n)
            for i in 0..<(n - 1) {
                for j in (i + 1)..<n {
                    let f = try pairCurve(i, j)
                    for r in 0..<g {
                        adjustment[r, j] += f[r]
                        adjustment[r, i] -= f[r]
                    }
                }
            }
            for k in 0..<x.values.count { x.values[k] -= adjustment.values[k] / Double(n) }
        }
    }
    return x
}
