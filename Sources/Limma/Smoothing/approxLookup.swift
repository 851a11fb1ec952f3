// Fast repeated evaluation of an `ApproxFun`, with results identical to it.

/// Evaluates an `ApproxFun` at many points, as voom does once per
/// observation, without a full bisection over all knots each time.
///
/// When the knots are strictly increasing (as `approxfun` returns them once
/// ties are collapsed and x is ordered), the interval R's `approx1` bisection
/// settles on for `x_1 <= v <= x_n` is fixed by `v` alone: `i` is the last
/// knot with `x_i <= v` (`j = i + 1`), or `j = n` when `v == x_n`. A uniform
/// grid of `n` buckets over `[x_1, x_n]` stores, per bucket, the range of
/// knots that can hold such an `i`; the bisection then runs over that short
/// range, checked against the knots themselves (any doubt falls back to the
/// full bisection). The returned value is computed by the same expressions as
/// `ApproxFun.callAsFunction`, so every result is bit-identical to it.
public struct ApproxLookup: Sendable {
    public let f: ApproxFun
    private let lo: Double
    private let scale: Double
    /// For bucket b, the last knot at or below the bucket's lower edge
    /// (`first[b]`), as an index into the knots; one extra entry ends the table.
    private let first: [Int]
    private let usable: Bool

    public init(_ f: ApproxFun) {
        self.f = f
        let x = f.x, n = x.count
        var increasing = n >= 2
        if increasing { for k in 1..<n where !(x[k - 1] < x[k]) { increasing = false; break } }
        let width = increasing ? x[n - 1] - x[0] : 0
        guard increasing, width.isFinite, width > 0 else {
            lo = 0; scale = 0; first = []; usable = false
            return
        }
        let nb = n
        lo = x[0]
        scale = Double(nb) / width
        var table = [Int](repeating: 0, count: nb + 1)
        var i = 0
        for b in 0...nb {
            // Knots whose bucket index (computed as for a query) is below b.
            while i + 1 < n && Self.bucket(x[i + 1], lo: x[0], scale: scale, nb: nb) < b { i += 1 }
            table[b] = i
        }
        first = table
        usable = true
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

    /// Runs `body` with an `Evaluator` of `f` that reads the knots and the
    /// bucket table through pointers, for loops over many points.
    public func withEvaluator<R>(_ body: (Evaluator) throws -> R) rethrows -> R {
        try f.x.withUnsafeBufferPointer { xb in
            try f.y.withUnsafeBufferPointer { yb in
                try first.withUnsafeBufferPointer { fb in
                    try body(Evaluator(f: f, x: xb, y: yb, first: fb, lo: lo, scale: scale, usable: usable))
                }
            }
        }
    }

    /// `ApproxLookup`'s evaluation with the arrays held as buffer pointers
    /// (valid only inside `withEvaluator`).
    public struct Evaluator {
        let f: ApproxFun
        let x: UnsafeBufferPointer<Double>
        let y: UnsafeBufferPointer<Double>
        let first: UnsafeBufferPointer<Int>
        let lo: Double
        let scale: Double
        let usable: Bool

        /// The value of `f` at `v`, bit-identical to `f(v)`.
        @inline(__always)
        public func callAsFunction(_ v: Double) -> Double {
            var none = -1
            return self(v, hint: &none)
        }

        /// The value of `f` at `v`, bit-identical to `f(v)`, trying first
        /// the interval at `hint` and its two neighbours (a knot index the
        /// caller keeps between calls and this updates to v's interval;
        /// negative for none), then the bucket table as `callAsFunction(_:)`.
        /// Close successive points (one gene over samples of increasing
        /// library size) mostly stay in or next to the previous interval.
        /// Any search that ends on the same interval gives the same bits.
        @inline(__always)
        public func callAsFunction(_ v: Double, hint: inout Int) -> Double {
            guard usable else { return f(v) }
            if v.isNaN { return v }
            let n = x.count
            if v < x[0] { return f.yleft }
            if v > x[n - 1] { return f.yright }
            if v == x[n - 1] { return y[n - 1] }
            // Now x[0] <= v < x[n - 1]: the interval i in 0...n-2 with
            // x[i] <= v < x[i + 1].
            var i = hint
            if i >= 0 && i <= n - 2 && x[i] <= v {
                if !(v < x[i + 1]) {
                    i += 1
                    if !(v < x[i + 1]) { i = interval(v) }   // x[n - 1] > v: i + 1 <= n - 1
                }
            } else if i >= 1 && i <= n - 2 && x[i - 1] <= v {
                i -= 1
            } else {
                i = interval(v)
            }
            hint = i
            return interpolate(v, i)
        }

        /// For `x[0] <= v < x[n - 1]`: the last knot i with `x[i] <= v`,
        /// bisected within the bucket's range of knots (the whole range if
        /// the bucket's bounds do not hold).
        @inline(__always)
        func interval(_ v: Double) -> Int {
            let n = x.count
            // The last knot i with x[i] <= v lies in first[b] ... first[b + 1] + 1.
            let b = ApproxLookup.bucket(v, lo: lo, scale: scale, nb: first.count - 1)
            var i = first[b], j = Swift.min(first[b + 1] + 1, n - 1)
            if !(x[i] <= v && v < x[j]) { i = 0; j = n - 1 }
            while i < j - 1 {
                let ij = (i + j) / 2
                if v < x[ij] { j = ij } else { i = ij }
            }
            return i
        }

        /// `f(v)` on the interval `(x[i], x[i + 1])` holding v, by the
        /// expressions of `ApproxFun.callAsFunction`.
        @inline(__always)
        func interpolate(_ v: Double, _ i: Int) -> Double {
            if v == x[i] { return y[i] }
            let j = i + 1
            return y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]))
        }
    }
}
