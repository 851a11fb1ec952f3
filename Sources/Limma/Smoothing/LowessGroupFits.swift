// The local fits of lowess, group by group (see `LowessPlan` in lowess.swift).
//
// This file is compiled twice: into Limma, where every quotient is a
// division, and into LimmaFMA (Sources/LimmaFMA/LowessGroupFits.swift is a
// link to it), where the quotients by each fit's half-width and sum of
// weights come from their reciprocals and fused multiply-adds
// (`LowessDivider`, LimmaFMA's LowessFits.swift). It may use nothing but the
// standard library, and nothing here is public: each module has its own
// copy of these types.

/// How the group fits divide: `quotient(a, by: inverse(b))` must give the
/// bits of `a / b` for the operands the fits divide (the distances `r` by
/// the half-widths `h` where `0.001 h < r <= 0.999 h`, and the weights by
/// their sum `a`) whenever `accepts` holds for those divisors in every lane;
/// a sweep whose divisors it does not accept divides (`LowessDivision`).
/// `inverse` runs once per divisor, `quotient` once per point.
protocol LowessDivider {
    associatedtype Inverse
    static func accepts(halfWidths h: SIMD4<Double>) -> Bool
    static func accepts(weightSums a: SIMD4<Double>) -> Bool
    static func inverse(_ b: SIMD4<Double>) -> Inverse
    static func quotient(_ a: SIMD4<Double>, by inverse: Inverse) -> SIMD4<Double>
}

/// IEEE division (the divisor kept as it is): the plain path, and every
/// module's fallback.
enum LowessDivision: LowessDivider {
    @inline(__always) static func accepts(halfWidths h: SIMD4<Double>) -> Bool { true }
    @inline(__always) static func accepts(weightSums a: SIMD4<Double>) -> Bool { true }
    @inline(__always) static func inverse(_ b: SIMD4<Double>) -> SIMD4<Double> { b }
    @inline(__always) static func quotient(_ a: SIMD4<Double>, by b: SIMD4<Double>) -> SIMD4<Double> { a / b }
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
    func segment(_ s: Int, of g: Int) -> (steps: Range<Int>, active: SIMD4<UInt64>) {
        let lo = segmentStart[s]
        let hi = s + 1 < segmentFirst[g + 1] ? segmentStart[s + 1] : groupLength[g]
        let b = UInt64(segmentLanes[s])
        let active = SIMD4<UInt64>(0 &- (b & 1), 0 &- ((b >> 1) & 1), 0 &- ((b >> 2) & 1), 0 &- ((b >> 3) & 1))
        return (lo..<hi, active)
    }

    /// Fits the groups in `range`, each group side by side, one fit per SIMD
    /// lane (a group of fewer than four repeats its first fit in the spare
    /// lanes, whose results are dropped). Every lane walks the group's
    /// points, the union of the lanes' windows, with the C routine's
    /// operations in the C order on its own window (so each lane's result is
    /// bit-identical to a lone fit). Outside its window a lane's weight is
    /// +0 and its y is read as 0, so those steps add +0 or -0 to sums that
    /// start at +0 and so are never -0: they change nothing. Before the
    /// window the weight is forced to 0; past `end` the points are farther
    /// than 0.999 h and get weight 0 as in C. (Reading y as 0 there keeps an
    /// infinite y outside the window from turning 0 * y into NaN; with
    /// every y finite, 0 * y is +0 or -0 and y is read as it is.)
    ///
    /// A fit takes four passes over its points: (1) the weights and their
    /// sum, (2) the normalised weights and the weighted mean of x, (3) the
    /// weighted spread, (4) the fitted value. Passes of different groups
    /// are independent, so pass 2 of group g runs in one loop with pass 1 of
    /// group g + 1 and (when every y is finite) pass 4 of group g - 1: the
    /// quotients of pass 2 overlap the other work, and each sum's chain of
    /// additions keeps its order. `scratch` holds three groups' weights,
    /// `window` SIMD4 each.
    ///
    /// The quotients of passes 1 and 2 go through `D` when it accepts the
    /// divisors (the sweep's sum of weights and the next group's
    /// half-widths), else through division; either gives the same bits.
    func fitGroups<D: LowessDivider>(
        _ range: Range<Int>, _ points: LowessPoints, _ scratch: UnsafeMutablePointer<SIMD4<Double>>, _ window: Int,
        _ finiteY: Bool, _ fits: UnsafeMutablePointer<Double>, _ ok: UnsafeMutablePointer<Bool>, _: D.Type) {
        guard !range.isEmpty else { return }
        var current = scratch, following = scratch + window, spare = scratch + 2 * window
        // Pass 1 of the range's first group.
        var a = SIMD4<Double>(repeating: 0)
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
            var c = SIMD4<Double>(repeating: 0)
            for t in 0..<lanes.steps {
                let d = lanes.x(t) - mean
                c = c + current[t] * (d * d)
            }
            // The straight-line correction only where h > 0 and the weighted
            // spread exceeds 0.001 * range; elsewhere the slope is taken as 0,
            // and w * (0 * (x - mean) + 1) is w exactly.
            let slope = (lanes.h .> 0) .& (c.squareRoot() .> SIMD4(repeating: 0.001 * self.range))
            let b = ((lanes.xs - mean) / c).replacing(with: 0, where: .!slope)
            let fit = LowessPendingFit(lanes: lanes, a: a, mean: mean, b: b, weights: current)
            if finiteY {
                pending = fit
            } else {
                // Pass 4 with y read as 0 outside each lane's window.
                var sum = SIMD4<Double>(repeating: 0)
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
            var sum = SIMD4<Double>(repeating: 0)
            for t in 0..<pending.lanes.steps { sum = sum + pending.term(t) }
            pending.store(sum, fits, ok)
        }
    }

    /// Pass 1 of group g alone: its weights to `weights`, their sum to `a`.
    @inline(__always)
    private func firstWeights<D: LowessDivider>(_ lanes: LowessLanes, _ g: Int, _ weights: UnsafeMutablePointer<SIMD4<Double>>,
                                                _ a: inout SIMD4<Double>, _: D.Type) {
        let hr = D.inverse(lanes.h)
        for s in segmentFirst[g]..<segmentFirst[g + 1] {
            let (steps, active) = segment(s, of: g)
            for t in steps { a = a + lanes.weight(t, active, into: weights, hr, D.self) }
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
        var mean = SIMD4<Double>(repeating: 0), nextA = SIMD4<Double>(repeating: 0), fit = SIMD4<Double>(repeating: 0)
        @inline(__always) func normalise(_ t: Int) {
            let w = D.quotient(weights[t], by: ar)
            weights[t] = w
            mean = mean + w * SIMD4(lowHalf: x[t], highHalf: x[t])
        }
        @inline(__always) func term(_ t: Int) {
            fit = fit + pw[t] * (pb * (SIMD4(lowHalf: px[t], highHalf: px[t]) - pm) + 1)
                * SIMD4(lowHalf: py[t], highHalf: py[t])
        }
        if N.on {
            for s in segmentFirst[nextGroup]..<segmentFirst[nextGroup + 1] {
                let (range, active) = segment(s, of: nextGroup)
                let mid = max(range.lowerBound, min(range.upperBound, shared))
                for t in range.lowerBound..<mid {
                    normalise(t)
                    nextA = nextA + next.weight(t, active, into: nextWeights, hr, D.self)
                    if P.on { term(t) }
                }
                for t in mid..<range.upperBound { nextA = nextA + next.weight(t, active, into: nextWeights, hr, D.self) }
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
    let weights: UnsafeMutablePointer<SIMD4<Double>>
    let a: SIMD4<Double>
    let next: LowessLanes?
    let nextWeights: UnsafeMutablePointer<SIMD4<Double>>
    let pending: LowessPendingFit?
}

/// The sums a sweep returns: the weighted mean of its group, the next
/// group's sum of weights, the pending group's fitted value.
struct LowessSweepSums {
    var mean = SIMD4<Double>(repeating: 0)
    var nextA = SIMD4<Double>(repeating: 0)
    var fit = SIMD4<Double>(repeating: 0)
}

/// A group whose last pass (the fitted value) is still to run: its sum of
/// weights, weighted mean, slopes (0 where none) and normalised weights.
struct LowessPendingFit {
    let lanes: LowessLanes
    let a: SIMD4<Double>, mean: SIMD4<Double>, b: SIMD4<Double>
    let weights: UnsafeMutablePointer<SIMD4<Double>>

    /// The term w (b (x - mean) + 1) y of step t.
    @inline(__always) func term(_ t: Int) -> SIMD4<Double> {
        weights[t] * (b * (lanes.x(t) - mean) + 1) * lanes.y(t)
    }

    /// The same with y read as +0 in the lanes whose `yMask` is 0.
    @inline(__always) func term(_ t: Int, yMask: SIMD4<UInt64>) -> SIMD4<Double> {
        weights[t] * (b * (lanes.x(t) - mean) + 1) * lanes.y(t).masked(yMask)
    }

    /// Stores the fitted values of the group's fits (`ok`: some weight > 0).
    func store(_ fit: SIMD4<Double>, _ fits: UnsafeMutablePointer<Double>, _ ok: UnsafeMutablePointer<Bool>) {
        for l in 0..<lanes.size {
            ok[lanes.first + l] = !(a[l] <= 0)
            fits[lanes.first + l] = fit[l]
        }
    }
}

/// The points a fit reads: x, and x, y and the robustness weights each
/// stored twice side by side (one aligned load gives a value in both halves
/// of an SSE register).
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
    let xs: SIMD4<Double>, h: SIMD4<Double>, h1: SIMD4<Double>, h9: SIMD4<Double>
    let xp: UnsafePointer<SIMD2<Double>>, yp: UnsafePointer<SIMD2<Double>>, rp: UnsafePointer<SIMD2<Double>>

    @inline(__always)
    init(_ tables: LowessGroupTables, _ g: Int, _ points: LowessPoints) {
        let first = tables.groupFirst[g], size = tables.groupFirst[g + 1] - tables.groupFirst[g]
        self.first = first
        self.size = size
        steps = tables.groupLength[g]
        let x = points.x
        func lane(_ l: Int) -> (xs: Double, h: Double) {
            let k = first + (l < size ? l : 0)
            return (x[tables.center[k]], tables.halfWidth[k])
        }
        let l0 = lane(0), l1 = lane(1), l2 = lane(2), l3 = lane(3)
        xs = SIMD4(l0.xs, l1.xs, l2.xs, l3.xs)
        h = SIMD4(l0.h, l1.h, l2.h, l3.h)
        h9 = 0.999 * h
        h1 = 0.001 * h
        let base = tables.groupBase[g]
        xp = points.x2 + base
        yp = points.y2 + base
        rp = points.rw2 + base
    }

    @inline(__always) func x(_ t: Int) -> SIMD4<Double> { SIMD4(lowHalf: xp[t], highHalf: xp[t]) }
    @inline(__always) func rw(_ t: Int) -> SIMD4<Double> { SIMD4(lowHalf: rp[t], highHalf: rp[t]) }
    @inline(__always) func y(_ t: Int) -> SIMD4<Double> { SIMD4(lowHalf: yp[t], highHalf: yp[t]) }

    /// The tricube weight times the robustness weight at step t, 0 beyond
    /// 0.999 h and in the lanes whose `active` is 0 (before their window), stored
    /// to `scratch[t]` and returned: |x - xs| by clearing the sign bit;
    /// below 0.001 h the ratio is taken as 0, so the tricube weight is
    /// (1 - 0)^3 = 1 exactly, as in C (in the first pass the robustness
    /// weights are 1, and `u^3 * 1` is `u^3`). The ratio `r / h` is `D`'s
    /// quotient by `hr`, `D.inverse(h)`; where it is not used (r <= 0.001 h,
    /// r > 0.999 h, outside the window) whatever it is gets replaced.
    @inline(__always)
    func weight<D: LowessDivider>(_ t: Int, _ active: SIMD4<UInt64>, into scratch: UnsafeMutablePointer<SIMD4<Double>>,
                                  _ hr: D.Inverse, _: D.Type) -> SIMD4<Double> {
        let r = unsafeBitCast(unsafeBitCast(x(t) - xs, to: SIMD4<UInt64>.self) & SIMD4(repeating: ~(1 << 63)),
                              to: SIMD4<Double>.self)
        let q = D.quotient(r, by: hr).replacing(with: 0, where: r .<= h1)
        let u = 1 - q * q * q
        let w = (u * u * u * rw(t)).replacing(with: 0, where: r .> h9).masked(active)
        scratch[t] = w
        return w
    }
}

extension SIMD4<Double> {
    /// The lanes whose `mask` has all bits set, +0 in the lanes whose mask is 0.
    @inline(__always) func masked(_ mask: SIMD4<UInt64>) -> SIMD4<Double> {
        unsafeBitCast(unsafeBitCast(self, to: SIMD4<UInt64>.self) & mask, to: SIMD4<Double>.self)
    }
}
