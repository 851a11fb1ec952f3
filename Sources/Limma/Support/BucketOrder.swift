// A stable order of doubles by buckets over their range, for vectors whose
// values spread evenly enough (log-CPM columns, lowess's x).

/// Orders one vector at a time (reusing its buffers): the sorted values in
/// `values` and, for each, its index in `rows` — the stable order, equal
/// values (-0 and +0 too) in index order, that `RBase.order` gives for values
/// without NaN. normalizeQuantiles sorts each column with it and lowess its
/// points.
///
/// A bucket sort on the value: with the range `[lo, hi]` finite and
/// `lo < hi`, value v goes to bucket `min(Int((v - lo) * s), nb - 1)`, `s =
/// nb / (hi - lo)`, nb = n buckets. Subtraction, multiplication by a
/// positive number and truncation are monotone, so a smaller value never
/// lands in a later bucket, and equal values share one. The values are
/// counted per bucket and placed in bucket order (stable), then an
/// insertion sort over the whole vector (stable: only a strictly greater
/// value moves) orders each bucket, so ties keep index order. When the
/// insertion sort would move values more than 16 n times in all (crowded
/// buckets), when the range is not finite or too narrow for the scale, the
/// vector is ordered by
/// `RBase.radixOrder` instead (stable too). Values all equal are returned
/// as they are, in index order.
struct BucketOrder {
    let values: UnsafeMutablePointer<Double>
    let rows: UnsafeMutablePointer<Int32>
    /// The buckets' starts (n + 1) during a sort; free for the caller
    /// between sorts.
    let start: UnsafeMutablePointer<Int32>

    init(capacity n: Int) {
        values = .allocate(capacity: Swift.max(n, 1))
        rows = .allocate(capacity: Swift.max(n, 1))
        start = .allocate(capacity: Swift.max(n, 1) + 1)
    }

    func deallocate() {
        values.deallocate()
        rows.deallocate()
        start.deallocate()
    }

    /// Orders `x[0..<n]` (no NaN, n <= capacity) into `values` and `rows`.
    func sort(_ x: UnsafePointer<Double>, _ n: Int) {
        guard n > 0 else { return }
        let (lo, hi) = range(x, n)
        if !(lo < hi) {
            for k in 0..<n { values[k] = x[k]; rows[k] = Int32(k) }
            return
        }
        let nb = n
        let width = hi - lo, scale = Double(nb) / width
        if width.isFinite && scale.isFinite && bucketSort(x, n, lo: lo, scale: scale, nb: nb) { return }
        let o = RBase.radixOrder(Array(UnsafeBufferPointer(start: x, count: n)), (0..<Int32(n)).map { $0 }, decreasing: false)
        for k in 0..<n {
            rows[k] = o[k]
            values[k] = x[Int(o[k])]
        }
    }

    /// The least and greatest of `x[0..<n]` (n > 0, no NaN), eight at a
    /// time. Which zero stands for 0 does not matter: lo and hi only set the
    /// buckets, and the order does not depend on them.
    private func range(_ x: UnsafePointer<Double>, _ n: Int) -> (Double, Double) {
        typealias V = SIMD8<Double>
        var lo = x[0], hi = x[0]
        var k = 0
        if n >= 8 {
            let raw = UnsafeRawPointer(x)
            var vlo = raw.loadUnaligned(as: V.self), vhi = vlo
            k = 8
            while k + 8 <= n {
                let v = raw.loadUnaligned(fromByteOffset: k * 8, as: V.self)
                vlo = pointwiseMin(vlo, v)
                vhi = pointwiseMax(vhi, v)
                k += 8
            }
            lo = vlo.min()
            hi = vhi.max()
        }
        while k < n {
            lo = Swift.min(lo, x[k])
            hi = Swift.max(hi, x[k])
            k += 1
        }
        return (lo, hi)
    }

    /// The bucket sort; false when the insertion sort exceeds its budget.
    private func bucketSort(_ x: UnsafePointer<Double>, _ n: Int, lo: Double, scale: Double, nb: Int) -> Bool {
        @inline(__always) func bucket(_ v: Double) -> Int { Swift.min(Int((v - lo) * scale), nb - 1) }
        start.initialize(repeating: 0, count: nb + 1)
        for k in 0..<n { start[bucket(x[k]) + 1] += 1 }
        for b in 0..<nb { start[b + 1] += start[b] }
        for k in 0..<n {
            let v = x[k]
            let b = bucket(v)
            let at = Int(start[b])
            start[b] = Int32(at + 1)
            values[at] = v
            rows[at] = Int32(k)
        }
        var budget = 16 * n
        for k in 1..<n {
            let v = values[k]
            if !(values[k - 1] > v) { continue }
            let r = rows[k]
            var t = k
            while t > 0 && values[t - 1] > v {
                values[t] = values[t - 1]
                rows[t] = rows[t - 1]
                t -= 1
            }
            values[t] = v
            rows[t] = r
            budget -= k - t
            if budget < 0 { return false }
        }
        return true
    }
}
