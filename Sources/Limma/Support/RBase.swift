// R base arithmetic the engine must reproduce to the last bit: sums and
// means accumulate in long double (x87 80-bit on x86_64, which Swift exposes
// as Float80), sorting is stable, quantiles are R's type 7.
import CRmath
import LimmaAVX512

#if arch(x86_64) || arch(i386)
/// R's `LDOUBLE`: the accumulator type of `sum`, `mean`, `rowSums`, `rowMeans`.
public typealias RLongDouble = Float80
#else
public typealias RLongDouble = Double
#endif

public enum RBase {
    /// R's `sum(x, na.rm=)`: accumulates in long double, rounds once at the end.
    /// Without `naRM` a missing value makes the result NaN.
    @inlinable
    public static func sum(_ x: [Double], naRM: Bool = false) -> Double {
        var s: RLongDouble = 0
        for v in x {
            if v.isNaN { if naRM { continue } else { return .nan } }
            s += RLongDouble(v)
        }
        return Double(s)
    }

    /// R's `mean(x)` for doubles: a long-double sum divided by n, then one
    /// refinement pass adding the mean residual (summary.c `real_mean`).
    /// `naRM` drops missing values first, as `mean(x, na.rm = TRUE)` does.
    @inlinable
    public static func mean(_ x: [Double], naRM: Bool = false) -> Double {
        let v = naRM ? x.filter { !$0.isNaN } : x
        return mean(count: v.count) { v[$0] }
    }

    /// R's `mean` of the vector `value(0), ..., value(n - 1)` without building
    /// it (`value` is called twice per element, in order, and must give the
    /// same value both times).
    @inlinable
    public static func mean(count n: Int, _ value: (Int) -> Double) -> Double {
        if n == 0 { return .nan }
        var s: RLongDouble = 0
        for i in 0..<n { s += RLongDouble(value(i)) }
        s /= RLongDouble(n)
        if Double(s).isFinite {
            var t: RLongDouble = 0
            for i in 0..<n { t += RLongDouble(value(i)) - s }
            s += t / RLongDouble(n)
        }
        return Double(s)
    }

    /// R's `sum` (without `na.rm`) of the vector `value(0), ..., value(n - 1)`
    /// without building it.
    @inlinable
    public static func sum(count n: Int, _ value: (Int) -> Double) -> Double {
        var s: RLongDouble = 0
        for i in 0..<n {
            let v = value(i)
            if v.isNaN { return .nan }
            s += RLongDouble(v)
        }
        return Double(s)
    }

    /// R's `rowSums(x, na.rm=)` (long-double accumulation by column order).
    public static func rowSums(_ x: Matrix, naRM: Bool = false) -> [Double] {
        rowAccumulate(x, naRM: naRM, mean: false)
    }

    /// R's `rowMeans(x, na.rm=)`: long-double sums divided in long double by the
    /// number of columns (or of non-missing values with `naRM`).
    public static func rowMeans(_ x: Matrix, naRM: Bool = false) -> [Double] {
        rowAccumulate(x, naRM: naRM, mean: true)
    }

    /// R's `colSums` / `colMeans`.
    ///
    /// R sums each column in long double. A column of non-negative integers
    /// whose sum is below 2^53 has every partial sum an integer below 2^53,
    /// exact in double in any order; such columns are summed in double, two
    /// lanes at a time (`exactIntegerSum`). The columns are spread over the
    /// engine's threads, each summed by one worker.
    public static func colSums(_ x: Matrix, naRM: Bool = false) -> [Double] {
        let n = x.nrow
        return x.values.withUnsafeBufferPointer { v in
            LimmaThreads.map(x.ncol, minChunk: Swift.max(1, 262_144 / Swift.max(n, 1))) { j in
                columnSum(UnsafeBufferPointer(rebasing: v[(j * n)..<((j + 1) * n)]), naRM: naRM)
            }
        }
    }

    /// R's `which(x)` for a logical vector without NA: the 0-based indices of
    /// the true entries, in order. Every index is written and kept by
    /// advancing past it, so a mask of mixed true and false (filterByExpr's
    /// keep) costs no mispredicted branch per entry.
    static func which(_ x: [Bool]) -> [Int] {
        let n = x.count
        var m = 0
        return [Int](unsafeUninitializedCapacity: n) { b, initialized in
            x.withUnsafeBufferPointer { xb in
                for i in 0..<n {
                    b[m] = i
                    m &+= xb[i] ? 1 : 0
                }
            }
            initialized = m
        }
    }

    /// One column's sum as `colSums` computes it.
    static func columnSum(_ col: UnsafeBufferPointer<Double>, naRM: Bool = false) -> Double {
        if let s = exactIntegerSum(col) { return s }
        var s: RLongDouble = 0
        for a in col {
            if naRM && a.isNaN { continue }
            s += RLongDouble(a)
        }
        return Double(s)
    }

    /// The sum of `c` when every value is a non-negative integer (tested as
    /// `(a + 2^52) - 2^52 == a`, exact for integers in `[0, 2^52)`, false for
    /// NaN) and the sum is below 2^53, so that it equals the long-double sum;
    /// otherwise nil. With `avx512` (default `AVX512Kernels.enabled`) the
    /// whole groups of eight go through LimmaAVX512's
    /// `avx512FilterExactIntegerSumLanes` (the same test and, every partial
    /// sum being an exact integer, the same sum), else two lanes at a time;
    /// the rest through `exactIntegerSumTail`.
    static func exactIntegerSum(_ c: UnsafeBufferPointer<Double>,
                                avx512: Bool = AVX512Kernels.enabled) -> Double? {
        guard avx512, let base = c.baseAddress else { return exactIntegerSumPlain(c) }
        let lanes = avx512FilterExactIntegerSumLanes(base, count: c.count)
        return exactIntegerSumTail(c, from: lanes.done, total: lanes.sum, bad: lanes.bad)
    }

    /// `exactIntegerSum` two lanes at a time (the fallback; tests hold the
    /// eight lanes to it).
    static func exactIntegerSumPlain(_ c: UnsafeBufferPointer<Double>) -> Double? {
        let two52 = SIMD2<Double>(repeating: 4503599627370496)
        let zero = SIMD2<Double>(repeating: 0)
        var s0 = zero, s1 = zero
        var bad = SIMDMask<SIMD2<Int64>>(repeating: false)
        let raw = UnsafeRawPointer(c.baseAddress)
        let n = c.count
        var i = 0
        if let raw {
            while i + 4 <= n {
                let a = raw.loadUnaligned(fromByteOffset: i * 8, as: SIMD2<Double>.self)
                let b = raw.loadUnaligned(fromByteOffset: i * 8 + 16, as: SIMD2<Double>.self)
                bad .|= .!(a .>= zero) .| (((a + two52) - two52) .!= a)
                bad .|= .!(b .>= zero) .| (((b + two52) - two52) .!= b)
                s0 += a
                s1 += b
                i += 4
            }
        }
        let s = s0 + s1
        return exactIntegerSumTail(c, from: i, total: s[0] + s[1], bad: any(bad))
    }

    /// `exactIntegerSum`'s end: `c[from...]` tested and added to `total` one
    /// at a time, and the verdict (nil when a value failed, `bad`, or the sum
    /// is not below 2^53).
    private static func exactIntegerSumTail(_ c: UnsafeBufferPointer<Double>, from start: Int, total: Double,
                                            bad: Bool) -> Double? {
        var total = total, bad = bad
        for i in start..<c.count {
            let a = c[i]
            bad = bad || !(a >= 0) || (a + 4503599627370496) - 4503599627370496 != a
            total += a
        }
        return bad || !(total < 9007199254740992) ? nil : total
    }

    public static func colMeans(_ x: Matrix, naRM: Bool = false) -> [Double] {
        (0..<x.ncol).map { j in
            var s: RLongDouble = 0
            var c = 0
            for i in 0..<x.nrow {
                let v = x[i, j]
                if naRM && v.isNaN { continue }
                s += RLongDouble(v); c += 1
            }
            return Double(s / RLongDouble(naRM ? c : x.nrow))
        }
    }

    static func rowAccumulate(_ x: Matrix, naRM: Bool, mean: Bool) -> [Double] {
        let n = x.nrow, p = x.ncol
        var acc = [RLongDouble](repeating: 0, count: n)
        var cnt = [Int](repeating: 0, count: n)
        x.values.withUnsafeBufferPointer { v in
            for j in 0..<p {
                let base = j * n
                for i in 0..<n {
                    let a = v[base + i]
                    if naRM && a.isNaN { continue }
                    acc[i] += RLongDouble(a)
                    cnt[i] += 1
                }
            }
        }
        return (0..<n).map { i in
            if !mean { return Double(acc[i]) }
            return Double(acc[i] / RLongDouble(naRM ? cnt[i] : p))
        }
    }

    /// R's `median(x, na.rm=)`: mean of the two middle values for even n
    /// (computed as `mean(sort(x, partial = half + 0:1)[half + 0:1])`).
    /// The middle order statistics are found by selection, not a full sort;
    /// they are the values a stable sort would put there, zeros keeping the
    /// sign that sort would give them.
    public static func median(_ x: [Double], naRM: Bool = false) -> Double {
        var v = [Double]()
        v.reserveCapacity(x.count)
        for a in x {
            if a.isNaN { if naRM { continue } else { return .nan } }
            v.append(a)
        }
        let n = v.count
        if n == 0 { return .nan }
        if n % 2 == 1 { return orderStatistics(&v, [n / 2], original: x)[0] }
        let m = orderStatistics(&v, [n / 2 - 1, n / 2], original: x)
        return mean(m)
    }

    /// R's `quantile(x, probs, type = 7)`, as R 4.2's `quantile.default`
    /// computes it: index = 1 + (n-1) p, lo/hi its floor and ceiling, and where
    /// index > lo and the order statistics differ, (1-h) x[lo] + h x[hi] with
    /// h = index - lo (no fuzz for type 7). The order statistics are found by
    /// selection (by a full sort when there are many probabilities); either
    /// way they are the values of a stable sort, signs of zero included.
    public static func quantile(_ x: [Double], _ probs: [Double], naRM: Bool = false) -> [Double] {
        var v = [Double]()
        v.reserveCapacity(x.count)
        for a in x {
            if a.isNaN { if naRM { continue } else { return probs.map { _ in .nan } } }
            v.append(a)
        }
        let n = v.count
        if n == 0 { return probs.map { _ in .nan } }
        let positions = probs.map { p -> (lo: Int, hi: Int, h: Double, interpolate: Bool) in
            let index = 1 + Double(n - 1) * p
            let lo = Int(index.rounded(.down))
            let hi = Int(index.rounded(.up))
            return (lo, hi, index - Double(lo), index > Double(lo))
        }
        // The sorted positions wanted, each once, and their order statistics
        // (plain arrays: a Set or Dictionary costs the process a run-time
        // conformance lookup, ~0.1 ms, the first time it is used).
        var ks = [Int]()
        ks.reserveCapacity(2 * positions.count)
        for q in positions { ks.append(q.lo - 1); ks.append(q.hi - 1) }
        ks.sort()
        var unique = 0
        for j in ks.indices where unique == 0 || ks[unique - 1] != ks[j] {
            ks[unique] = ks[j]
            unique += 1
        }
        ks.removeLast(ks.count - unique)
        let stats: [Double]
        if ks.count > 8 {
            v.sort()
            stats = ks.map { v[$0] }
        } else {
            stats = orderStatistics(&v, ks, original: x)
        }
        func stat(_ k: Int) -> Double {
            var lo = 0, hi = ks.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if ks[mid] < k { lo = mid + 1 } else { hi = mid }
            }
            return stats[lo]
        }
        return positions.map { q in
            var value = stat(q.lo - 1)
            let upper = stat(q.hi - 1)
            if q.interpolate && upper != value {
                value = (1 - q.h) * value + q.h * upper
            }
            return value
        }
    }

    /// The order statistics at the ascending 0-based sorted positions `ks` of
    /// the NaN-free values `v` (which are rearranged), by Hoare selection:
    /// after each step the values before position k are <= and those after
    /// are >= the k-th, so the next (larger) position is selected from the
    /// part after it. A range that resists selection (O(n^2) pivots) is
    /// sorted instead. With `original` (the values in their first order,
    /// possibly with NaNs, which are skipped), a zero result takes the sign
    /// of the zero a stable sort would place at that position: the
    /// (k - number of negatives)-th zero of `original`.
    static func orderStatistics(_ v: inout [Double], _ ks: [Int], original: [Double]? = nil) -> [Double] {
        let n = v.count
        var out = [Double]()
        out.reserveCapacity(ks.count)
        v.withUnsafeMutableBufferPointer { b in
            var from = 0
            for k in ks {
                precondition(k >= from && k < n, "orderStatistics: positions must be ascending and inside the data")
                select(b, from, n - 1, k)
                out.append(b[k])
                from = k + 1
            }
        }
        guard let original else { return out }
        var negatives = -1
        for (m, k) in ks.enumerated() where out[m] == 0 {
            if negatives < 0 {
                negatives = 0
                for a in original where a < 0 { negatives += 1 }
            }
            var zerosToSkip = k - negatives
            for a in original where a == 0 {
                if zerosToSkip == 0 { out[m] = a; break }
                zerosToSkip -= 1
            }
        }
        return out
    }

    /// Places the k-th smallest of `b[lo...hi]` at `k`, smaller-or-equal
    /// values before it and larger-or-equal after (Hoare's FIND with a
    /// median-of-three pivot value, falling back to sorting the remaining
    /// range after 2 log2(n) + 8 rounds).
    static func select(_ b: UnsafeMutableBufferPointer<Double>, _ lo: Int, _ hi: Int, _ k: Int) {
        var l = lo, r = hi
        var rounds = 0
        var limit = 8
        var m = hi - lo + 1
        while m > 1 { limit += 2; m >>= 1 }
        while l < r {
            rounds += 1
            if rounds > limit {
                var sub = UnsafeMutableBufferPointer(rebasing: b[l...r])
                sub.sort()
                return
            }
            let a = b[l], c = b[k], d = b[r]
            let pivot = a < c ? (c < d ? c : (a < d ? d : a)) : (a < d ? a : (c < d ? d : c))
            var i = l, j = r
            while i <= j {
                while b[i] < pivot { i += 1 }
                while pivot < b[j] { j -= 1 }
                if i <= j {
                    let t = b[i]; b[i] = b[j]; b[j] = t
                    i += 1; j -= 1
                }
            }
            if j < k { l = i }
            if k < i { r = j }
        }
    }

    /// R's `order(x, decreasing=)`: a stable ordering (ties keep their original
    /// order in both directions, as R's default radix order does), missing
    /// values last. Returns 0-based indices.
    public static func order(_ x: [Double], decreasing: Bool = false) -> [Int] {
        x.withUnsafeBufferPointer { order($0, decreasing: decreasing) }
    }

    /// `order` of values read in place (one column of a matrix, say).
    static func order(_ xb: UnsafeBufferPointer<Double>, decreasing: Bool = false) -> [Int] {
        let n = xb.count
        if n == 0 { return [] }
        // The non-missing values, tagged with their indices, are sorted between a
        // scratch buffer and the result's own storage (8-byte slots either way);
        // the tags become the result, and the NaNs follow in index order.
        return [Int](unsafeUninitializedCapacity: n) { ob, initialized in
            let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
            defer { scratch.deallocate() }
            ob.withMemoryRebound(to: UInt64.self) { o in
                let out = o.baseAddress!
                let (sorted, count) = sortedTags(xb, decreasing: decreasing, scratch, out)
                for k in 0..<count { out[k] = sorted[k] & lowerHalf }
                var m = count
                if m < n {
                    for i in 0..<n where xb[i].isNaN {
                        out[m] = UInt64(i)
                        m += 1
                    }
                }
            }
            initialized = n
        }
    }

    /// The stable order of the non-missing values of `x` (`order` without its
    /// NaNs): their tagged keys are written to `a` and sorted (`sortTagged`,
    /// `b` as scratch; each buffer has room for `x.count`). Returns the buffer
    /// holding the order, whose lower halves are the indices, and its length.
    @inline(__always)
    static func sortedTags(_ x: UnsafeBufferPointer<Double>, decreasing: Bool, _ a: UnsafeMutablePointer<UInt64>,
                           _ b: UnsafeMutablePointer<UInt64>) -> (UnsafeMutablePointer<UInt64>, Int) {
        let flip: UInt64 = decreasing ? ~0 : 0
        var m = 0
        for i in 0..<x.count where !x[i].isNaN {
            a[m] = orderKey(x[i], flip) & upperHalf | UInt64(i)
            m += 1
        }
        return (sortTagged(a, b, m) { orderKey(x[Int($0)], flip) & lowerHalf }, m)
    }

    /// The first `k` indices of `order(x, decreasing:)` (0-based). When `k`
    /// is small (`4 k <= n`), one pass keeps the k best (order key, index)
    /// pairs in a heap whose root is the worst of them: a value enters only
    /// when its key is strictly better than the root's, since an equal key
    /// comes later in index order and so after it in the stable order; the k
    /// pairs are then sorted by (key, index), which is the order's prefix
    /// (NaN are never among them: fewer than k other values take the full
    /// order). Otherwise the full order is cut.
    public static func topOrder(_ x: [Double], _ k: Int, decreasing: Bool = false) -> [Int] {
        let n = x.count
        let k = Swift.max(0, Swift.min(k, n))
        if k == 0 { return [] }
        if k * 4 <= n, let top = x.withUnsafeBufferPointer({ heapTop($0, k, decreasing: decreasing) }) { return top }
        return Array(order(x, decreasing: decreasing).prefix(k))
    }

    /// `topOrder`'s heap pass, or nil when fewer than `k` values are not NaN.
    private static func heapTop(_ x: UnsafeBufferPointer<Double>, _ k: Int, decreasing: Bool) -> [Int]? {
        let flip: UInt64 = decreasing ? ~0 : 0
        // A max-heap of (key, index) by key then index, in two arrays;
        // entry 0 is the worst kept.
        var key = [UInt64](repeating: 0, count: k), index = [Int](repeating: 0, count: k)
        var size = 0
        return key.withUnsafeMutableBufferPointer { kb in
            index.withUnsafeMutableBufferPointer { ib -> [Int]? in
                @inline(__always) func worse(_ a: Int, _ b: Int) -> Bool {
                    kb[a] != kb[b] ? kb[a] > kb[b] : ib[a] > ib[b]
                }
                @inline(__always) func swap(_ a: Int, _ b: Int) {
                    (kb[a], kb[b]) = (kb[b], kb[a])
                    (ib[a], ib[b]) = (ib[b], ib[a])
                }
                for i in 0..<x.count where !x[i].isNaN {
                    let v = orderKey(x[i], flip)
                    if size < k {
                        kb[size] = v
                        ib[size] = i
                        var c = size
                        size += 1
                        while c > 0 {                                   // sift up
                            let p = (c - 1) / 2
                            if !worse(c, p) { break }
                            swap(c, p)
                            c = p
                        }
                    } else if v < kb[0] {
                        kb[0] = v
                        ib[0] = i
                        var p = 0
                        while true {                                    // sift down
                            let l = 2 * p + 1
                            if l >= k { break }
                            let c = l + 1 < k && worse(l + 1, l) ? l + 1 : l
                            if !worse(c, p) { break }
                            swap(c, p)
                            p = c
                        }
                    }
                }
                if size < k { return nil }
                // Best first: ascending (key, index).
                let ranked = (0..<k).sorted { kb[$0] != kb[$1] ? kb[$0] < kb[$1] : ib[$0] < ib[$1] }
                return ranked.map { ib[$0] }
            }
        }
    }

    /// The indices `idx` (of non-missing `x`) stably sorted by `x`: ties keep
    /// their order in `idx`, -0 and 0 are equal (see `sortTagged`).
    static func radixOrder(_ x: [Double], _ idx: [Int32], decreasing: Bool) -> [Int32] {
        let n = idx.count
        if n < 2 { return idx }
        // Tagged with their positions in idx, so that ties keep that order.
        let buffer = UnsafeMutablePointer<UInt64>.allocate(capacity: 2 * n)
        defer { buffer.deallocate() }
        return x.withUnsafeBufferPointer { xb in
            idx.withUnsafeBufferPointer { ib in
                let flip: UInt64 = decreasing ? ~0 : 0
                for k in 0..<n { buffer[k] = orderKey(xb[Int(ib[k])], flip) & upperHalf | UInt64(k) }
                let sorted = sortTagged(buffer, buffer + n, n) { orderKey(xb[Int(ib[Int($0)])], flip) & lowerHalf }
                return [Int32](unsafeUninitializedCapacity: n) { ob, initialized in
                    for r in 0..<n { ob[r] = ib[Int(sorted[r] & lowerHalf)] }
                    initialized = n
                }
            }
        }
    }

    static let upperHalf: UInt64 = 0xFFFF_FFFF_0000_0000
    static let lowerHalf: UInt64 = 0x0000_0000_FFFF_FFFF

    /// A 64-bit key whose unsigned order is the order of the non-missing
    /// double `v` (increasing, or decreasing with `flip = ~0`), -0 and 0 being
    /// one key: the bits of `v + 0` (which is +0 for -0) with the sign bit set
    /// for a positive value, or all bits complemented for a negative one.
    @inline(__always)
    static func orderKey(_ v: Double, _ flip: UInt64) -> UInt64 {
        let bits = (v + 0.0).bitPattern
        return (bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)) ^ flip
    }

    /// Sorts the `n` tagged keys in `a`, using `b` (room for `n`) as scratch,
    /// and returns the buffer (`a` or `b`) that holds them in order. A tagged
    /// key holds the upper half of an order key (`orderKey`) in its upper 32
    /// bits and a tag in its lower 32, the tags increasing along `a`;
    /// `lowKey(tag)` is the lower half of that tag's order key. The order is by
    /// the full order key, ties by tag: a stable sort of the keys.
    ///
    /// First by the upper halves: least-significant-digit radix passes of 11,
    /// 11 and 10 bits (all counted in one sweep; a pass whose digit every key
    /// shares is skipped), which being stable leave equal upper halves in tag
    /// order; for `n <= 32` an insertion sort of the tagged keys does the same.
    /// Then each run of equal upper halves is re-keyed to (lower half, tag)
    /// and sorted as plain integers: they are distinct, so any correct sort
    /// gives the one result (insertion for runs up to 32, else the standard
    /// sort). Afterwards only the tags are meaningful. Three passes over 8-byte
    /// values replace the six over keys and indices that 64-bit keys need.
    @inline(__always)
    static func sortTagged(_ a: UnsafeMutablePointer<UInt64>, _ b: UnsafeMutablePointer<UInt64>, _ n: Int,
                           lowKey: (UInt32) -> UInt64) -> UnsafeMutablePointer<UInt64> {
        if n < 2 { return a }
        precondition(n < Int(Int32.max), "sortTagged: too many values for 32-bit counts")
        var src = a
        if n <= 32 {
            insertionSort(a, n)
        } else {
            let counts = UnsafeMutablePointer<Int32>.allocate(capacity: 3 * 2048)
            defer { counts.deallocate() }
            counts.initialize(repeating: 0, count: 3 * 2048)
            for k in 0..<n {
                let h = a[k] >> 32
                counts[Int(h & 2047)] &+= 1
                counts[2048 + Int((h >> 11) & 2047)] &+= 1
                counts[4096 + Int(h >> 22)] &+= 1
            }
            var dst = b
            for p in 0..<3 {
                let shift = UInt64(32 + 11 * p)
                let c = counts + 2048 * p
                if Int(c[Int((src[0] >> shift) & 2047)]) == n { continue }
                var total: Int32 = 0
                for d in 0..<2048 {
                    let v = c[d]
                    c[d] = total
                    total &+= v
                }
                for k in 0..<n {
                    let v = src[k]
                    let d = Int((v >> shift) & 2047)
                    let at = Int(c[d])
                    c[d] = Int32(truncatingIfNeeded: at + 1)
                    dst[at] = v
                }
                swap(&src, &dst)
            }
        }
        var i = 0
        while i < n {
            let upper = src[i] >> 32
            var j = i + 1
            while j < n && src[j] >> 32 == upper { j += 1 }
            if j - i > 1 {
                for k in i..<j {
                    let tag = src[k] & lowerHalf
                    src[k] = lowKey(UInt32(truncatingIfNeeded: tag)) << 32 | tag
                }
                if j - i <= 32 {
                    insertionSort(src + i, j - i)
                } else {
                    var run = UnsafeMutableBufferPointer(start: src + i, count: j - i)
                    run.sort()
                }
            }
            i = j
        }
        return src
    }

    /// Sorts `v[0..<n]` increasingly by insertion (stable: an element moves
    /// only past greater ones).
    @inline(__always)
    static func insertionSort<T: Comparable>(_ v: UnsafeMutablePointer<T>, _ n: Int) {
        if n < 2 { return }
        for k in 1..<n {
            let a = v[k]
            var l = k
            while l > 0 && v[l - 1] > a {
                v[l] = v[l - 1]
                l -= 1
            }
            v[l] = a
        }
    }

    /// R's `rank(x)` with `ties.method = "average"` (missing values kept last,
    /// as `na.last = "keep"` would give NA; here NaN).
    public static func rank(_ x: [Double]) -> [Double] {
        // In sorted order a tie group spans positions i...j; its average rank
        // is (i + j + 2) / 2.
        var idx = [Int32]()
        idx.reserveCapacity(x.count)
        for i in 0..<x.count where !x[i].isNaN { idx.append(Int32(i)) }
        let o = radixOrder(x, idx, decreasing: false)
        var r = [Double](repeating: .nan, count: x.count)
        var i = 0
        while i < o.count {
            var j = i
            while j + 1 < o.count && x[Int(o[j + 1])] == x[Int(o[i])] { j += 1 }
            let avg = Double(i + j + 2) / 2
            for k in i...j { r[Int(o[k])] = avg }
            i = j + 1
        }
        return r
    }
}

/// R's distribution functions from libRmath, with R's argument names.
public enum RMath {
    @inlinable public static func pt(_ q: Double, df: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pt(q, df, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func qt(_ p: Double, df: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_qt(p, df, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func pf(_ q: Double, df1: Double, df2: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pf(q, df1, df2, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func qf(_ p: Double, df1: Double, df2: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_qf(p, df1, df2, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func pnorm(_ q: Double, mean: Double = 0, sd: Double = 1, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pnorm(q, mean, sd, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func qnorm(_ p: Double, mean: Double = 0, sd: Double = 1, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_qnorm(p, mean, sd, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func dnorm(_ x: Double, mean: Double = 0, sd: Double = 1, log: Bool = false) -> Double { rmath_dnorm(x, mean, sd, log ? 1 : 0) }
    @inlinable public static func dt(_ x: Double, df: Double, log: Bool = false) -> Double { rmath_dt(x, df, log ? 1 : 0) }
    @inlinable public static func pbeta(_ q: Double, a: Double, b: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pbeta(q, a, b, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func pchisq(_ q: Double, df: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pchisq(q, df, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func qchisq(_ p: Double, df: Double, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_qchisq(p, df, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func pgamma(_ q: Double, shape: Double, scale: Double = 1, lowerTail: Bool = true, logP: Bool = false) -> Double { rmath_pgamma(q, shape, scale, lowerTail ? 1 : 0, logP ? 1 : 0) }
    @inlinable public static func lgamma(_ x: Double) -> Double { rmath_lgammafn(x) }
    @inlinable public static func gamma(_ x: Double) -> Double { rmath_gammafn(x) }
    @inlinable public static func digamma(_ x: Double) -> Double { rmath_digamma(x) }
    @inlinable public static func trigamma(_ x: Double) -> Double { rmath_trigamma(x) }
    @inlinable public static func lbeta(_ a: Double, _ b: Double) -> Double { rmath_lbeta(a, b) }
    /// R's `x^y` for y != 2 (`R_pow`, i.e. C `pow` for finite x and y). Calling
    /// it through libRmath keeps the optimiser from rewriting `pow(2, y)` as
    /// `exp2(y)`, which can differ from R in the last bit.
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { R_pow(x, y) }
}
