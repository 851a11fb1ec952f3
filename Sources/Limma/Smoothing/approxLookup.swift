// Fast repeated evaluation of an `ApproxFun`, with results identical to it.

/// Evaluates an `ApproxFun` at many points, as voom does once per
/// observation, without a full bisection over all knots each time.
///
/// When the knots are strictly increasing (as `approxfun` returns them once
/// ties are collapsed and x is ordered), the interval R's `approx1` bisection
/// settles on for `x_1 <= v < x_n` is fixed by `v` alone: the `i` with
/// `x_i <= v < x_(i+1)`. (At `v == x_n` the bisection ends on `(x_(n-1), x_n)`
/// and returns `y_n`; outside `[x_1, x_n]` it returns `yleft` / `yright`.)
/// Any search that finds that `i` gives the same interval, hence the same
/// bits: the value is computed by the expressions of
/// `ApproxFun.callAsFunction`, `y_i` when `v == x_i`, else
/// `y_i + (y_(i+1) - y_i) * ((v - x_i) / (x_(i+1) - x_i))`.
///
/// The intervals are stored as records `(x_i, x_(i+1), y_i, y_(i+1) - y_i)`,
/// one 32-byte record each (the differences are the same doubles the
/// expression computes), so that checking an interval and interpolating in
/// it reads one record. The record `(x_n, NaN, y_n, 0)` and two more with
/// NaN right ends close the table: every comparison with a NaN fails, so no
/// search stops past interval n - 1, and a walk of three steps from any
/// interval reads no further.
///
/// The search tries a caller's hint (the previous point's interval) and the
/// next three intervals, if given, then a uniform grid of `2n` buckets over
/// `[x_1, x_n]` that stores, per bucket, the last knot whose own bucket is
/// below it (so at or below any point of the bucket); from there it counts,
/// without branches, how many of the next three knots are at or below the
/// point (2n buckets: half a knot per bucket on average). Every
/// candidate interval is checked against the knots themselves; a point it
/// does not hold (a bucket with more knots; an entry that does not hold,
/// which the construction rules out) falls back to bisection: between the
/// bucket's first knot and the next bucket's when those enclose the point,
/// else over all knots. Two points at once (`Evaluator`'s `SIMD2` call)
/// share the interpolation's arithmetic as two-lane vector operations.
public struct ApproxLookup: Sendable {
    public let f: ApproxFun
    private let lo: Double
    private let scale: Double
    /// Per interval i (and the closing records at i = n - 1 ... n + 1): x_i,
    /// x_(i+1), y_i, y_(i+1) - y_i.
    private let cells: [Double]
    /// For bucket b, the last knot whose bucket (computed as for a query) is
    /// below b; one extra entry ends the table.
    private let first: [Int32]
    /// The knots x_1 ... x_n and three NaNs (`cells`' right ends, packed:
    /// `knots[i + 1]` is the right end of record i), for walks that read
    /// only the knots (LimmaFMA's `voomKernelTrendWeightsDividing`): a quarter
    /// of the records' bytes.
    private let knots: [Double]
    /// For the LimmaFMA kernel (`voomKernelTrendWeights`): per interval i (and
    /// the closing records) `RN(1 / (x_(i+1) - x_i))` when that width is in
    /// `[2^-500, 2^500]`, else 0 (0 for the closing records), through which
    /// it divides (`ExactQuotient`); and a table like `first` over `8n`
    /// buckets (`fineScale = 8n / (x_n - x_1)`, 0 if that is not finite:
    /// one bucket), whose bucket holds a knot about a quarter as often, so
    /// that a walk of two steps finds nearly every interval.
    private let reciprocals: [Double]
    private let fine: [Int32]
    private let fineScale: Double
    /// Whether `reciprocals` and `fine` were built (`kernelTables`).
    public let hasKernelTables: Bool
    private let usable: Bool

    /// The tables for `f`; with `kernelTables` (default true) also those of
    /// the LimmaFMA kernel (which take `5n` words to build: worth it when
    /// the trend is evaluated at many more points than it has knots).
    public init(_ f: ApproxFun, kernelTables: Bool = true) {
        self.f = f
        let x = f.x, y = f.y, n = x.count
        var increasing = n >= 2 && n < Int(Int32.max)
        if increasing { for k in 1..<n where !(x[k - 1] < x[k]) { increasing = false; break } }
        let width = increasing ? x[n - 1] - x[0] : 0
        let nb = 2 * n
        guard increasing, width.isFinite, width > 0, (Double(nb) / width).isFinite else {
            // Tables that no search reads (x_1 = NaN fails every comparison).
            lo = 0; scale = 0; cells = [.nan, .nan, .nan, .nan]; first = [0, 0]; knots = [.nan, .nan, .nan]; reciprocals = [0]
            fine = [0, 0]; fineScale = 0; hasKernelTables = false; usable = false
            return
        }
        lo = x[0]
        scale = Double(nb) / width
        var c = [Double](repeating: 0, count: 4 * (n + 2))
        for i in 0..<(n - 1) {
            c[4 * i] = x[i]
            c[4 * i + 1] = x[i + 1]
            c[4 * i + 2] = y[i]
            c[4 * i + 3] = y[i + 1] - y[i]
        }
        c[4 * (n - 1)] = x[n - 1]
        c[4 * (n - 1) + 2] = y[n - 1]
        for i in (n - 1)...(n + 1) { c[4 * i + 1] = .nan }
        cells = c
        knots = x + [.nan, .nan, .nan]
        first = Self.bucketTable(x, scale: scale, nb: nb)
        hasKernelTables = kernelTables
        if kernelTables {
            reciprocals = (0..<(n + 2)).map { i in
                let w = i < n - 1 ? x[i + 1] - x[i] : 0
                return w >= 0x1p-500 && w <= 0x1p500 ? 1 / w : 0
            }
            let nf = 8 * n, fs = Double(nf) / width
            fineScale = fs.isFinite ? fs : 0
            fine = Self.bucketTable(x, scale: fineScale, nb: nf)
        } else {
            reciprocals = [0]; fine = [0, 0]; fineScale = 0
        }
        usable = true
    }

    /// For each bucket b of `nb` over the knots `x` (`lo = x[0]`, `scale`),
    /// the last knot whose bucket (computed as for a query) is below b (knot
    /// 0 if none); one extra entry ends the table.
    ///
    /// The knots' buckets `b_i` never decrease with i (x increases, and
    /// `(v - lo) * scale`, its truncation and the clamps are monotone), so
    /// that knot is `i - 1` for the first i >= 1 with `b_i >= b`, and
    /// `n - 1` when there is none: one pass over the knots fills the buckets
    /// up to each `b_i` with `i - 1`, and the rest with `n - 1`, each
    /// knot's bucket computed once.
    static func bucketTable(_ x: [Double], scale: Double, nb: Int) -> [Int32] {
        let n = x.count
        return [Int32](unsafeUninitializedCapacity: nb + 1) { tb, initialized in
            x.withUnsafeBufferPointer { xb in
                let lo = xb[0]
                var b = 0
                for i in 1..<n {
                    let bi = Self.bucket(xb[i], lo: lo, scale: scale, nb: nb)
                    while b <= bi {
                        tb[b] = Int32(i - 1)
                        b += 1
                    }
                }
                while b <= nb {
                    tb[b] = Int32(n - 1)
                    b += 1
                }
            }
            initialized = nb + 1
        }
    }

    @inline(__always)
    static func bucket(_ v: Double, lo: Double, scale: Double, nb: Int) -> Int {
        let t = (v - lo) * scale
        if !(t >= 0) { return 0 }
        if t >= Double(nb - 1) { return nb - 1 }
        return Int(t)
    }

    /// The value of `f` at `v`, bit-identical to `f(v)`.
    public func callAsFunction(_ v: Double) -> Double { withEvaluator { $0(v) } }

    /// Runs `body` with an `Evaluator` of `f` that reads the interval records
    /// and the bucket table through pointers, for loops over many points.
    public func withEvaluator<R>(_ body: (Evaluator) throws -> R) rethrows -> R {
        try cells.withUnsafeBufferPointer { cb in
            try first.withUnsafeBufferPointer { fb in
                try knots.withUnsafeBufferPointer { kb in
                    try reciprocals.withUnsafeBufferPointer { rb in
                        try fine.withUnsafeBufferPointer { ffb in
                            let n = usable ? f.x.count : 1
                            return try body(Evaluator(f: f, cells: cb.baseAddress!, first: fb.baseAddress!,
                                                      knots: kb.baseAddress!, reciprocals: rb.baseAddress!,
                                                      fine: ffb.baseAddress!, fineScale: fineScale,
                                                      fineNb: ffb.count - 1, n: n, x1: cb[0], xn: cb[4 * (n - 1)],
                                                      lo: lo, scale: scale, nb: fb.count - 1, usable: usable))
                        }
                    }
                }
            }
        }
    }

    /// `ApproxLookup`'s evaluation with the tables held as pointers (valid
    /// only inside `withEvaluator`).
    public struct Evaluator {
        let f: ApproxFun
        let cells: UnsafePointer<Double>
        let first: UnsafePointer<Int32>
        /// `ApproxLookup.knots` (x_1 ... x_n, then three NaNs).
        let knots: UnsafePointer<Double>
        /// `ApproxLookup.reciprocals`, `fine`, `fineScale` and the number of
        /// fine buckets.
        let reciprocals: UnsafePointer<Double>
        let fine: UnsafePointer<Int32>
        let fineScale: Double
        let fineNb: Int
        /// The number of knots (1 when not `usable`: no hint is valid).
        let n: Int
        /// The first and last knots (NaN when not `usable`).
        let x1: Double
        let xn: Double
        let lo: Double
        let scale: Double
        let nb: Int
        let usable: Bool

        /// The value of `f` at `v`, bit-identical to `f(v)`, from the bucket
        /// table (for points in no particular order).
        @inline(__always)
        public func callAsFunction(_ v: Double) -> Double {
            var none = -1
            return bucketLookup(v, hint: &none)
        }

        /// The value of `f` at `v`, bit-identical to `f(v)`, trying first
        /// the interval at `hint` and the next three (a knot index the caller
        /// keeps between calls and this sets to v's interval when it finds
        /// one; any value, negative for none), then the bucket table.
        /// Increasing points (one sample's genes in order of fitted value)
        /// mostly stay in or just after the previous interval.
        @inline(__always)
        public func callAsFunction(_ v: Double, hint: inout Int) -> Double {
            let h = hint
            if UInt(bitPattern: h) < UInt(bitPattern: n - 1) {            // 0 <= h < n - 1
                // x[h] <= v: the first interval whose right end exceeds v,
                // among h ... h + 3 (records up to n + 1 exist; the NaN right
                // ends from n - 1 on fail every test).
                var c = cells + 4 * h
                if c[0] <= v {
                    if v < c[1] { return Self.interpolate(v, c) }
                    c += 4
                    if v < c[1] { hint = h + 1; return Self.interpolate(v, c) }
                    c += 4
                    if v < c[1] { hint = h + 2; return Self.interpolate(v, c) }
                    c += 4
                    if v < c[1] { hint = h + 3; return Self.interpolate(v, c) }
                }
            }
            return bucketLookup(v, hint: &hint)
        }

        /// For `x[0] <= v < x[n - 1]`: the value from v's interval record
        /// (`record`), else (a bucket with more knots, v outside, NaN)
        /// `lookup`.
        @inline(__always)
        func bucketLookup(_ v: Double, hint: inout Int) -> Double {
            if let d = record(v) {
                hint = (d - cells) >> 2
                return Self.interpolate(v, d)
            }
            return lookup(v, hint: &hint)
        }

        /// The interval record holding v (`x_i <= v < x_(i+1)`), found from
        /// the bucket table, or nil (v outside `[x[0], x[n - 1])` or NaN, or
        /// a bucket with more knots than the walk reads). The bucket's first
        /// knot i is at or below v; the interval is `i + s`, s the number of
        /// the next three knots at or below v, counted without branches
        /// (which knot holds v is a coin toss from point to point), and
        /// checked: it holds v when `v < x[i + s + 1]`. The closing
        /// records' NaN right ends count as above v and fail the check.
        @inline(__always)
        func record(_ v: Double) -> UnsafePointer<Double>? {
            guard x1 <= v && v < xn else { return nil }                 // false for NaN
            // (v - lo) * scale >= 0, below nb except by rounding.
            let b = Swift.min(Int((v - lo) * scale), nb)
            let c = cells + 4 * Int(first[b])
            let s = (c[1] <= v ? 1 : 0) &+ (c[5] <= v ? 1 : 0) &+ (c[9] <= v ? 1 : 0)
            let d = c + 4 * s
            return c[0] <= v && v < d[1] ? d : nil
        }

        /// `f(v)` for two points, each lane bit-identical to `f(v)`: both
        /// interpolated as one two-lane computation when `record` finds both
        /// intervals, else each by itself.
        @inline(__always)
        public func callAsFunction(_ v: SIMD2<Double>) -> SIMD2<Double> {
            if let a = record(v.x), let b = record(v.y) { return Self.interpolate(v, a, b) }
            return SIMD2(self(v.x), self(v.y))
        }

        /// The full search: missing and out-of-range points, then bisection
        /// for `x[0] <= v < x[n - 1]`, over the knots from v's bucket's first
        /// knot to the first knot of a later bucket when those two enclose v
        /// (which the table's construction makes so), else over all knots.
        @inline(never)
        func lookup(_ v: Double, hint: inout Int) -> Double {
            guard usable else { return f(v) }
            if v.isNaN { return v }
            if v < cells[0] { return f.yleft }
            let last = cells + 4 * (n - 1)
            if v > last[0] { return f.yright }
            if v == last[0] { return last[2] }
            // x[0] <= v < x[n - 1]: the last knot i with x[i] <= v, between
            // i and j with x[i] <= v < x[j].
            let b = Swift.min(Int((v - lo) * scale), nb)
            var i = Int(first[b]), j = Swift.min(Int(first[Swift.min(b + 1, nb)]) + 1, n - 1)
            if !(cells[4 * i] <= v && v < cells[4 * j]) { i = 0; j = n - 1 }
            while i < j - 1 {
                let ij = (i + j) / 2
                if v < cells[4 * ij] { j = ij } else { i = ij }
            }
            hint = i
            return Self.interpolate(v, cells + 4 * i)
        }

        /// `f(v)` on the interval record `c` holding v, by the expressions
        /// of `ApproxFun.callAsFunction`.
        @inline(__always)
        static func interpolate(_ v: Double, _ c: UnsafePointer<Double>) -> Double {
            if v == c[0] { return c[2] }
            return c[2] + c[3] * ((v - c[0]) / (c[1] - c[0]))
        }

        /// `interpolate` lane by lane, v's lanes on records `a` and `b`: the
        /// same operations as two-lane vector arithmetic (each lane rounded as
        /// the scalar operation), `y_i` chosen where `v == x_i`.
        @inline(__always)
        static func interpolate(_ v: SIMD2<Double>, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>) -> SIMD2<Double> {
            let x0 = SIMD2(a[0], b[0]), x1 = SIMD2(a[1], b[1])
            let y0 = SIMD2(a[2], b[2]), dy = SIMD2(a[3], b[3])
            return (y0 + dy * ((v - x0) / (x1 - x0))).replacing(with: y0, where: v .== x0)
        }
    }
}
