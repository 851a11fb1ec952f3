// The local fits of lowess, group by group (see `LowessPlan` in lowess.swift).
//
// This file is compiled three times: into Limma, where every quotient is a
// division; into LimmaFMA (Sources/LimmaFMA/LowessGroupFits.swift is a link
// to it), where the quotients by each fit's half-width and sum of weights
// come from their reciprocals and fused multiply-adds (`TwoTermInverse`,
// through `LowessExactQuotients`); and into LimmaAVX512 (another link), with
// the same quotients in eight lanes. Each module says how many fits run side
// by side: its `LowessVector` (`SIMD4<Double>` in Limma and LimmaFMA,
// `SIMD8<Double>` in LimmaAVX512), `LowessMask` (the lanes' masks, of
// `UInt64`) and `lowessSplat` (a point's value in every lane) are defined
// in lowess.swift, LimmaFMA's LowessFits.swift and LimmaAVX512's
// LowessFits8.swift. It may use nothing but the standard library, and
// nothing here is public: each module has its own copy of these types
// (Limma never uses its copy of the quotients by reciprocals).

/// How the group fits divide: `quotient(a, by: inverse(b))` must give the
/// bits of `a / b` for the operands the fits divide (the distances `r` by
/// the half-widths `h` where `0.001 h < r <= 0.999 h`, and the weights by
/// their sum `a`) whenever `accepts` holds for those divisors in every lane;
/// a sweep whose divisors it does not accept divides (`LowessDivision`).
/// `inverse` runs once per divisor, `quotient` once per point.
protocol LowessDivider {
    associatedtype Inverse
    static func accepts(halfWidths h: LowessVector) -> Bool
    static func accepts(weightSums a: LowessVector) -> Bool
    static func inverse(_ b: LowessVector) -> Inverse
    static func quotient(_ a: LowessVector, by inverse: Inverse) -> LowessVector
}

/// IEEE division (the divisor kept as it is): the plain path, and every
/// module's fallback.
enum LowessDivision: LowessDivider {
    @inline(__always) static func accepts(halfWidths h: LowessVector) -> Bool { true }
    @inline(__always) static func accepts(weightSums a: LowessVector) -> Bool { true }
    @inline(__always) static func inverse(_ b: LowessVector) -> LowessVector { b }
    @inline(__always) static func quotient(_ a: LowessVector, by b: LowessVector) -> LowessVector { a / b }
}

/// A divisor `b` with its reciprocal in two terms: `hi = RN(1/b)` and
/// `lo = RN(e hi)` with `e = 1 - b hi` (exact: `hi` is within an ulp of
/// `1/b`), so that `hi + lo` is `1/b` within a relative `2^-104`.
struct TwoTermInverse {
    let b: LowessVector, hi: LowessVector, lo: LowessVector

    @inline(__always)
    init(_ b: LowessVector) {
        self.b = b
        hi = 1 / b
        lo = LowessVector(repeating: 1).addingProduct(-b, hi) * hi
    }

    /// `a / b`, correctly rounded (the bits of IEEE division), for `b` in
    /// `[2^-400, 2^400]` and `a` = +0 or `|a|` in `[2^-420, 2^400]`, by a
    /// multiplication and three fused multiply-adds:
    ///
    ///     q0 = RN(a hi + RN(a lo))
    ///     r  = RN(a - b q0),  q = RN(q0 + r hi)
    ///
    /// Why, with `u = 2^-53` and `z = a / b`:
    /// - `e = 1 - b hi` is a multiple of `2^-105` (`b hi` is near 1 and a
    ///   product of two 53-bit significands) with `|e| <= u`, and
    ///   `1/b = hi + e/b`; `lo = e hi (1 + e_1) = (e/b)(1 - e)(1 + e_1)` with
    ///   `|e_1| <= u`, so `|hi + lo - 1/b| <= |e/b| (|e| + 2u) <= 2^-105 (1 + 2^-52) / b`.
    /// - `RN(a lo) = a lo (1 + e_2)`, `|e_2| <= u` (in this domain `a lo` is
    ///   +0, -0 or of magnitude above `2^-930`: normal), so
    ///   `a hi + RN(a lo) = z + a (hi + lo - 1/b) + a lo e_2` lies within
    ///   `(2^-105 + 2^-106)(1 + 2^-50) z < 2^-104 z` of `z`: within `2^-51`
    ///   ulp of z. Its rounding `q0` is then a faithful rounding of `z`:
    ///   `z` itself when `z` is a double (every other double lies at least
    ///   half an ulp of `z` away from it); else one of the two doubles
    ///   around `z` (the next ones out lie at least half an ulp beyond them).
    /// - Markstein's theorem (see `ExactQuotient`, whose last step this is,
    ///   in a subset of its domain): with `hi` within half an ulp of `1/b`
    ///   and `q0` faithful, `a - b q0` is a double, so `r` is exact, and
    ///   `RN(q0 + r hi) = RN(z)`.
    /// For `a = +0`: `RN(a lo)` is +0 or -0, `q0 = RN(+0 + ±0) = +0`,
    /// `r = RN(+0 - b 0) = +0` and `q = +0`, as `+0 / b`.
    @inline(__always)
    func quotient(_ a: LowessVector) -> LowessVector {
        let q0 = (a * lo).addingProduct(a, hi)
        return q0.addingProduct(a.addingProduct(-b, q0), hi)
    }

    static let low = 0x1p-400, high = 0x1p400, dividendLow = 0x1p-420
}

/// The quotients of lowess's fits through `TwoTermInverse`: the bits of
/// division, for the divisors it accepts.
///
/// Why every quotient it is asked for lies in `TwoTermInverse`'s domain
/// (`b` in `[2^-400, 2^400]`, `a` = +0 or `|a|` in `[2^-420, 2^400]`):
/// - `r / h` (tricube): accepted when every lane's half-width `h` lies in
///   `[2^-400, 2^400]`. The ratio is used only where
///   `RN(0.001 h) < r <= RN(0.999 h)`, so there `r > 2^-410` and `r <= h`;
///   elsewhere the fits replace it, whatever it is (and an inactive lane's
///   weight is cleared).
/// - `w / a` (normalising): accepted when every lane's sum of weights `a`
///   lies in `[2^-400, 2^400]`. Each weight `w` is `u^3 rw` or +0 (cleared or
///   replaced, never -0). The tricube factor `u = 1 - q^3` is 1 or, with
///   `q = RN(r / h) <= RN(0.999 (1 + 2^-53)) < 0.9991`, at least 0.0026,
///   so `u^3 > 2^-26`. The robustness weight `rw` is 1, +0 or
///   `v^2` with `v = 1 - RN(r / c)^2`, `r <= RN(0.999 c) <= c`: the ratio is
///   at most 1, so `v` is +0 or at least `2^-53` (the gap below 1), and
///   `rw` is +0 or at least `2^-106`. So `w` is +0 or in `[2^-133, 1]`.
/// A sum of weights of +0 (a window without weight, a fit the curve does
/// not use) is refused, and that sweep divides.
enum LowessExactQuotients: LowessDivider {
    @inline(__always)
    static func accepts(halfWidths h: LowessVector) -> Bool { inDomain(h) }

    @inline(__always)
    static func accepts(weightSums a: LowessVector) -> Bool { inDomain(a) }

    @inline(__always)
    static func inDomain(_ b: LowessVector) -> Bool {
        all((b .>= LowessVector(repeating: TwoTermInverse.low)) .& (b .<= LowessVector(repeating: TwoTermInverse.high)))
    }

    @inline(__always) static func inverse(_ b: LowessVector) -> TwoTermInverse { TwoTermInverse(b) }

    @inline(__always)
    static func quotient(_ a: LowessVector, by inverse: TwoTermInverse) -> LowessVector { inverse.quotient(a) }
}

/// A `LowessPlan`'s tables, as the group fits read them (see there): per
/// fit its centre and half-width `h`, per group its first fit, first point,
/// number of points and first segment, per segment its first step and lanes.
struct LowessGroupTables {
    let center: UnsafePointer<Int>, halfWidth: UnsafePointer<Double>
    let groupFirst: UnsafePointer<Int>, groupBase: UnsafePointer<Int>, groupLength: UnsafePointer<Int>
    let segmentFirst: UnsafePointer<Int>, segmentStart: UnsafePointer<Int>, segmentLanes: UnsafePointer<UInt8>
    /// `x[n-1] - x[0]`, the scale of the slope test.
    let range: Double

    /// Segment s of group g: its steps and the lanes whose window they lie
    /// in (`active`: all bits set in those lanes, none in the others).
    @inline(__always)
    func segment(_ s: Int, of g: Int) -> (steps: Range<Int>, active: LowessMask) {
        let lo = segmentStart[s]
        let hi = s + 1 < segmentFirst[g + 1] ? segmentStart[s + 1] : groupLength[g]
        // Lane l's bit, 1 << l, in lane l (a constant), tested in all lanes at
        // once (a mask built lane by lane leads the optimiser to split the
        // work on it into pieces).
        var bit = LowessMask()
        for l in 0..<LowessMask.scalarCount { bit[l] = 1 << UInt64(l) }
        let inWindow = (LowessMask(repeating: UInt64(segmentLanes[s])) & bit) .!= 0
        return (lo..<hi, LowessMask(repeating: 0).replacing(with: ~0, where: inWindow))
    }

    /// Fits the groups in `range`, each group side by side, one fit per SIMD
    /// lane (a group of fewer fits than `LowessVector` has lanes repeats its
    /// first fit in the spare lanes, whose results are dropped). Every lane walks the group's
    /// points, the union of the lanes' windows, with the C routine's
    /// operations in the C order on its own window (so each lane's result is
    /// bit-identical to a lone fit). Outside its window a lane's weight is
    /// +0 and its y is read as 0, so those steps add +0 or -0 to sums that
    /// start at +0 and so are never -0: they change nothing. Before the
    /// window the weight is forced to 0; past `end` the points are farther
    /// than 0.999 h and get weight 0 as in C. (Reading y as 0 there keeps an
    /// infinite y outside the window from turning 0 * y into NaN; with
    /// every y finite, 0 * y is +0 or -0 and y is read as it is. The other
    /// factors of those steps are finite too: the plan keeps a group's
    /// points within 2^500 of each other, and a lane's weighted mean lies
    /// among them, so `x - mean` and `(x - mean)^2` are finite; the slope
    /// `b`, where there is one, has `|b (x - mean)| <= 10^6` (the spread
    /// exceeds `(0.001 range)^2`, and both distances are at most the range),
    /// and is 0 elsewhere.)
    ///
    /// A fit takes four passes over its points: (1) the weights and their
    /// sum, (2) the normalised weights and the weighted mean of x, (3) the
    /// weighted spread, (4) the fitted value. Passes of different groups
    /// are independent, so pass 2 of group g runs in one loop with pass 1 of
    /// group g + 1 and (when every y is finite) pass 4 of group g - 1: the
    /// quotients of pass 2 overlap the other work, and each sum's chain of
    /// additions keeps its order. `scratch` holds three groups' weights,
    /// `window` `LowessVector`s each.
    ///
    /// The quotients of passes 1 and 2 go through `D` when it accepts the
    /// divisors (the sweep's sum of weights and the next group's
    /// half-widths), else through division; either gives the same bits.
    func fitGroups<D: LowessDivider>(
        _ range: Range<Int>, _ points: LowessPoints, _ scratch: UnsafeMutablePointer<LowessVector>, _ window: Int,
        _ finiteY: Bool, _ fits: UnsafeMutablePointer<Double>, _ ok: UnsafeMutablePointer<Bool>, _: D.Type) {
        guard !range.isEmpty else { return }
        var current = scratch, following = scratch + window, spare = scratch + 2 * window
        // Pass 1 of the range's first group.
        var a = LowessVector(repeating: 0)
        let start = LowessLanes(self, range.lowerBound, points)
        if D.accepts(halfWidths: start.h) {
            firstWeights(start, range.lowerBound, current, &a, D.self)
        } else {
            firstWeights(start, range.lowerBound, current, &a, LowessDivision.self)
        }
        var pending: LowessPendingFit? = nil
        for g in range {
            let lanes = LowessLanes(self, g, points)
            let next = g + 1 < range.upperBound ? LowessLanes(self, g + 1, points) : nil
            var sums = LowessSweepSums()
            let sweep = LowessSweep(lanes: lanes, weights: current, a: a, next: next, nextWeights: following, pending: pending)
            if D.accepts(weightSums: a) && (next.map { D.accepts(halfWidths: $0.h) } ?? true) {
                run(sweep, g + 1, &sums, D.self)
            } else {
                run(sweep, g + 1, &sums, LowessDivision.self)
            }
            if let pending { pending.store(sums.fit, fits, ok) }
            // Pass 3: the weighted spread, then the slopes.
            let mean = sums.mean
            var c = LowessVector(repeating: 0)
            for t in 0..<lanes.steps {
                let d = lanes.x(t) - mean
                c = c + current[t] * (d * d)
            }
            // The straight-line correction only where h > 0 and the weighted
            // spread exceeds 0.001 * range; elsewhere the slope is taken as 0,
            // and w * (0 * (x - mean) + 1) is w exactly.
            let slope = (lanes.h .> 0) .& (c.squareRoot() .> LowessVector(repeating: 0.001 * self.range))
            let b = ((lanes.xs - mean) / c).replacing(with: 0, where: .!slope)
            let fit = LowessPendingFit(lanes: lanes, a: a, mean: mean, b: b, weights: current)
            if finiteY {
                pending = fit
            } else {
                // Pass 4 with y read as 0 outside each lane's window.
                var sum = LowessVector(repeating: 0)
                for s in segmentFirst[g]..<segmentFirst[g + 1] {
                    let (steps, active) = segment(s, of: g)
                    for t in steps { sum = sum + fit.term(t, yMask: active) }
                }
                fit.store(sum, fits, ok)
            }
            a = sums.nextA
            (current, following, spare) = (following, spare, current)
        }
        if let pending {
            var sum = LowessVector(repeating: 0)
            for t in 0..<pending.lanes.steps { sum = sum + pending.term(t) }
            pending.store(sum, fits, ok)
        }
    }

    /// Pass 1 of group g alone: its weights to `weights`, their sum to `a`.
    @inline(__always)
    private func firstWeights<D: LowessDivider>(_ lanes: LowessLanes, _ g: Int, _ weights: UnsafeMutablePointer<LowessVector>,
                                                _ a: inout LowessVector, _: D.Type) {
        let hr = D.inverse(lanes.h)
        for s in segmentFirst[g]..<segmentFirst[g + 1] {
            let (steps, active) = segment(s, of: g)
            let cut = lanes.cut(active)
            for t in steps { a = a + lanes.weight(t, cut, into: weights, hr, D.self) }
        }
    }

    /// One sweep with the next and pending groups there or not.
    @inline(__always)
    private func run<D: LowessDivider>(_ sweep: LowessSweep, _ nextGroup: Int, _ sums: inout LowessSweepSums, _: D.Type) {
        switch (sweep.next != nil, sweep.pending != nil) {
        case (true, true): run(sweep, nextGroup, &sums, LowessOn.self, LowessOn.self, D.self)
        case (true, false): run(sweep, nextGroup, &sums, LowessOn.self, LowessOff.self, D.self)
        case (false, true): run(sweep, nextGroup, &sums, LowessOff.self, LowessOn.self, D.self)
        case (false, false): run(sweep, nextGroup, &sums, LowessOff.self, LowessOff.self, D.self)
        }
    }

    /// One sweep: pass 2 of `sweep.lanes`, with pass 1 of the next group
    /// (group `nextGroup`, whose segments say which lanes' windows hold each
    /// step) when `N` is on and pass 4 of the pending group when `P` is on,
    /// all in one loop over the steps they share, then each on alone to its
    /// own end.
    @inline(__always)
    private func run<N: LowessSwitch, P: LowessSwitch, D: LowessDivider>(
        _ sweep: LowessSweep, _ nextGroup: Int, _ sums: inout LowessSweepSums, _: N.Type, _: P.Type, _: D.Type) {
        // Everything the loops read, in locals (the stores through the
        // weight pointers cannot then be taken to change them).
        let steps = sweep.lanes.steps
        let weights = sweep.weights, a = sweep.a, x = sweep.lanes.xp
        let ar = D.inverse(a)
        let next = N.on ? sweep.next.unsafelyUnwrapped : sweep.lanes
        let hr = D.inverse(next.h)
        let nextWeights = sweep.nextWeights
        let pending = P.on ? sweep.pending.unsafelyUnwrapped
            : LowessPendingFit(lanes: sweep.lanes, a: a, mean: a, b: a, weights: weights)
        let pw = pending.weights, pb = pending.b, pm = pending.mean, px = pending.lanes.xp, py = pending.lanes.yp
        let pSteps = pending.lanes.steps
        var shared = steps
        if N.on { shared = min(shared, next.steps) }
        if P.on { shared = min(shared, pSteps) }
        var mean = LowessVector(repeating: 0), nextA = LowessVector(repeating: 0), fit = LowessVector(repeating: 0)
        @inline(__always) func normalise(_ t: Int) {
            let w = D.quotient(weights[t], by: ar)
            weights[t] = w
            mean = mean + w * lowessSplat(x[t])
        }
        @inline(__always) func term(_ t: Int) {
            fit = fit + pw[t] * (pb * (lowessSplat(px[t]) - pm) + 1) * lowessSplat(py[t])
        }
        if N.on {
            for s in segmentFirst[nextGroup]..<segmentFirst[nextGroup + 1] {
                let (range, active) = segment(s, of: nextGroup)
                let cut = next.cut(active)
                let mid = max(range.lowerBound, min(range.upperBound, shared))
                for t in range.lowerBound..<mid {
                    normalise(t)
                    nextA = nextA + next.weight(t, cut, into: nextWeights, hr, D.self)
                    if P.on { term(t) }
                }
                for t in mid..<range.upperBound { nextA = nextA + next.weight(t, cut, into: nextWeights, hr, D.self) }
            }
        } else {
            for t in 0..<shared {
                normalise(t)
                if P.on { term(t) }
            }
        }
        for t in shared..<steps { normalise(t) }
        if P.on { for t in shared..<pSteps { term(t) } }
        sums = LowessSweepSums(mean: mean, nextA: nextA, fit: fit)
    }
}

/// A compile-time switch (see `LowessGroupTables.run`).
protocol LowessSwitch { static var on: Bool { get } }
enum LowessOn: LowessSwitch { static var on: Bool { true } }
enum LowessOff: LowessSwitch { static var on: Bool { false } }

/// What one sweep works on (see `LowessGroupTables.run`): the group whose
/// weights it normalises (in place in `weights`; `a` their sum), the next
/// group (its weights to `nextWeights`) and the pending group.
struct LowessSweep {
    let lanes: LowessLanes
    let weights: UnsafeMutablePointer<LowessVector>
    let a: LowessVector
    let next: LowessLanes?
    let nextWeights: UnsafeMutablePointer<LowessVector>
    let pending: LowessPendingFit?
}

/// The sums a sweep returns: the weighted mean of its group, the next
/// group's sum of weights, the pending group's fitted value.
struct LowessSweepSums {
    var mean = LowessVector(repeating: 0)
    var nextA = LowessVector(repeating: 0)
    var fit = LowessVector(repeating: 0)
}

/// A group whose last pass (the fitted value) is still to run: its sum of
/// weights, weighted mean, slopes (0 where none) and normalised weights.
struct LowessPendingFit {
    let lanes: LowessLanes
    let a: LowessVector, mean: LowessVector, b: LowessVector
    let weights: UnsafeMutablePointer<LowessVector>

    /// The term w (b (x - mean) + 1) y of step t.
    @inline(__always) func term(_ t: Int) -> LowessVector {
        weights[t] * (b * (lanes.x(t) - mean) + 1) * lanes.y(t)
    }

    /// The same with y read as +0 in the lanes whose `yMask` is 0.
    @inline(__always) func term(_ t: Int, yMask: LowessMask) -> LowessVector {
        weights[t] * (b * (lanes.x(t) - mean) + 1) * lowessMasked(lanes.y(t), yMask)
    }

    /// Stores the fitted values of the group's fits (`ok`: some weight > 0).
    func store(_ fit: LowessVector, _ fits: UnsafeMutablePointer<Double>, _ ok: UnsafeMutablePointer<Bool>) {
        for l in 0..<lanes.size {
            ok[lanes.first + l] = !(a[l] <= 0)
            fits[lanes.first + l] = fit[l]
        }
    }
}

/// The points a fit reads: x, and x, y and the robustness weights each
/// stored twice side by side (one aligned load gives a value in both halves
/// of an SSE register; `lowessSplat` puts it in every lane).
struct LowessPoints {
    let x: UnsafePointer<Double>
    let x2: UnsafePointer<SIMD2<Double>>
    let y2: UnsafePointer<SIMD2<Double>>
    let rw2: UnsafePointer<SIMD2<Double>>
}

/// One group of fits laid out in SIMD lanes: the group's points (from its
/// base), the number of steps, each lane's centre `xs` and half-width `h`.
struct LowessLanes {
    let first: Int, size: Int, steps: Int
    let xs: LowessVector, h: LowessVector, h1: LowessVector, h9: LowessVector
    let xp: UnsafePointer<SIMD2<Double>>, yp: UnsafePointer<SIMD2<Double>>, rp: UnsafePointer<SIMD2<Double>>

    /// (Not inlined: the vectors built lane by lane would lead the
    /// optimiser to split the work of the weights on them into pieces of
    /// different widths; passed in registers or memory they stay whole.)
    @inline(never)
    init(_ tables: LowessGroupTables, _ g: Int, _ points: LowessPoints) {
        let first = tables.groupFirst[g], size = tables.groupFirst[g + 1] - tables.groupFirst[g]
        self.first = first
        self.size = size
        steps = tables.groupLength[g]
        let x = points.x
        var xs = LowessVector(), h = LowessVector()
        for l in 0..<LowessVector.scalarCount {
            let k = first + (l < size ? l : 0)
            xs[l] = x[tables.center[k]]
            h[l] = tables.halfWidth[k]
        }
        self.xs = xs
        self.h = h
        h9 = 0.999 * h
        h1 = 0.001 * h
        let base = tables.groupBase[g]
        xp = points.x2 + base
        yp = points.y2 + base
        rp = points.rw2 + base
    }

    @inline(__always) func x(_ t: Int) -> LowessVector { lowessSplat(xp[t]) }
    @inline(__always) func rw(_ t: Int) -> LowessVector { lowessSplat(rp[t]) }
    @inline(__always) func y(_ t: Int) -> LowessVector { lowessSplat(yp[t]) }

    /// Where a segment's weights are cut to 0: beyond `0.999 h` in the lanes
    /// whose window holds it (`active`), beyond -1 (everywhere: distances
    /// `|x - xs|` are never negative or NaN, x being finite) in the others.
    @inline(__always) func cut(_ active: LowessMask) -> LowessVector {
        LowessVector(repeating: -1).replacing(with: h9, where: active .!= 0)
    }

    /// The tricube weight times the robustness weight at step t, 0 beyond
    /// `cut` (0.999 h, and everywhere in the lanes whose window does not
    /// hold the step: see `cut`), stored to `scratch[t]` and returned (+0
    /// where cut, as masking the weight to +0 would give):
    /// |x - xs| by clearing the sign bit;
    /// below 0.001 h the ratio is taken as 0, so the tricube weight is
    /// (1 - 0)^3 = 1 exactly, as in C (in the first pass the robustness
    /// weights are 1, and `u^3 * 1` is `u^3`). The ratio `r / h` is `D`'s
    /// quotient by `hr`, `D.inverse(h)`; where it is not used (r <= 0.001 h,
    /// r > 0.999 h, outside the window) whatever it is gets replaced.
    @inline(__always)
    func weight<D: LowessDivider>(_ t: Int, _ cut: LowessVector, into scratch: UnsafeMutablePointer<LowessVector>,
                                  _ hr: D.Inverse, _: D.Type) -> LowessVector {
        let r = unsafeBitCast(unsafeBitCast(x(t) - xs, to: LowessMask.self) & LowessMask(repeating: ~(1 << 63)),
                              to: LowessVector.self)
        let q = D.quotient(r, by: hr).replacing(with: 0, where: r .<= h1)
        let u = 1 - q * q * q
        let w = (u * u * u * rw(t)).replacing(with: 0, where: r .> cut)
        scratch[t] = w
        return w
    }
}

/// The lanes of `v` whose `mask` has all bits set, +0 in the lanes whose
/// mask is 0.
@inline(__always) func lowessMasked(_ v: LowessVector, _ mask: LowessMask) -> LowessVector {
    unsafeBitCast(unsafeBitCast(v, to: LowessMask.self) & mask, to: LowessVector.self)
}
