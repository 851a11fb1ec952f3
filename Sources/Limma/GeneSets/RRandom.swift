// R's default random number generator (R 4.2.2, src/main/RNG.c and
// src/nmath/snorm.c): Mersenne-Twister uniforms seeded as `set.seed` seeds
// them, and standard normals by inversion. roast and mroast draw their
// rotations from it, so that a seed gives R's rotations exactly.

/// R's default generator state: `RNGkind("Mersenne-Twister", "Inversion")`.
///
/// `RRandom(seed: s)` is R's `set.seed(s)`: the 32-bit seed is scrambled by 50
/// steps of the congruence `seed = 69069 seed + 1 (mod 2^32)`, then 625 further
/// steps fill R's seed vector, whose first word (the position `mti`) is then
/// reset to 624 so that the first draw regenerates the whole 624-word state.
///
/// `unifRand()` is R's `unif_rand()`: the tempered 32-bit Mersenne-Twister
/// output times 2.3283064365386963e-10 (2^-32), moved inside (0, 1) when it
/// falls on 0 (R's `fixup`). `runif(n)` draws n of them.
///
/// `normRand()` is R's `norm_rand()` by inversion: `u = floor(2^27 u1) + u2`
/// from two uniforms, then `qnorm(u / 2^27)`. `rnorm(n)` draws n of them, as
/// R's `rnorm(n)` with mean 0 and sd 1 (`0 + 1 * z`, which is `z`).
///
/// A value type: copying the generator copies its stream.
public struct RRandom: Sendable, Equatable {
    /// The 624-word Mersenne-Twister state (R's `.Random.seed[3:626]`).
    public private(set) var state: [UInt32]
    /// The position in `state` of the next word (R's `.Random.seed[2]`).
    public private(set) var position: Int

    private static let n = 624
    private static let m = 397

    /// R's `set.seed(seed)` with the default kinds. Any Int32 seed (negative
    /// seeds are taken modulo 2^32, as R's C code does).
    public init(seed: Int32) {
        var s = UInt32(bitPattern: seed)
        for _ in 0..<50 { s = s &* 69069 &+ 1 }
        // R fills 625 words; the first is the position, reset to 624 (FixupSeeds).
        s = s &* 69069 &+ 1
        var mt = [UInt32](repeating: 0, count: RRandom.n)
        for j in 0..<RRandom.n {
            s = s &* 69069 &+ 1
            mt[j] = s
        }
        state = mt
        position = RRandom.n
        // R replaces an all-zero state by a time-based one; that cannot arise
        // from the scrambling above (its outputs are never all zero), so no
        // branch is needed here.
    }

    /// `set.seed` for an integer that fits R's integer type (`asInteger`).
    /// Throws when the seed is outside the 32-bit range (R: "supplied seed is
    /// not a valid integer"; R's NA_integer_ is -2^31, also refused).
    public static func setSeed(_ seed: Int) throws -> RRandom {
        guard seed > Int(Int32.min), seed <= Int(Int32.max) else {
            throw LimmaError("set.seed", "supplied seed is not a valid integer")
        }
        return RRandom(seed: Int32(seed))
    }

    /// The next tempered 32-bit output of the twister.
    @inline(__always)
    private mutating func nextWord() -> UInt32 {
        if position >= RRandom.n { regenerate() }
        let y = state[position]
        position += 1
        return Self.temper(y)
    }

    /// Refills the 624-word state: word k becomes word k + 397 (mod 624,
    /// already refilled when it lies before k) xor the twisted pair (k, k + 1).
    private mutating func regenerate() {
        state.withUnsafeMutableBufferPointer { Self.regenerate($0) }
        position = 0
    }

    private static func regenerate(_ mt: UnsafeMutableBufferPointer<UInt32>) {
        let n = RRandom.n, m = RRandom.m
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, a: UInt32 = 0x9908_b0df
        @inline(__always) func twist(_ k: Int, _ next: Int, _ far: Int) {
            let y = (mt[k] & upper) | (mt[next] & lower)
            mt[k] = mt[far] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : a)
        }
        for k in 0..<(n - m) { twist(k, k + 1, k + m) }
        for k in (n - m)..<(n - 1) { twist(k, k + 1, k + m - n) }
        twist(n - 1, 0, m - 1)
    }

    /// The tempering of a state word into an output word.
    @inline(__always) private static func temper(_ word: UInt32) -> UInt32 {
        var y = word
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// `unif_rand`'s value from an output word (with R's fixup inside (0, 1)).
    @inline(__always) private static func uniform(_ word: UInt32) -> Double {
        let x = Double(word) * 2.3283064365386963e-10
        let half = 0.5 * 2.328306437080797e-10
        if x <= 0 { return half }
        if 1 - x <= 0 { return 1 - half }
        return x
    }

    /// R's `unif_rand()`: a uniform in (0, 1).
    public mutating func unifRand() -> Double { Self.uniform(nextWord()) }

    /// R's `norm_rand()` by inversion (two uniforms per normal).
    public mutating func normRand() -> Double {
        let big = 134_217_728.0  // 2^27
        var u = unifRand()
        u = Double(Int(big * u)) + unifRand()
        return RMath.qnorm(u / big)
    }

    /// `normRand()` `count` times into `out`, with the state as a buffer
    /// (the same words in the same order) and the quantile by
    /// `standardNormalQuantile`.
    mutating func fillNormals(_ out: UnsafeMutablePointer<Double>, count: Int) {
        let big = 134_217_728.0  // 2^27
        var pos = position
        state.withUnsafeMutableBufferPointer { mt in
            @inline(__always) func word() -> UInt32 {
                if pos >= RRandom.n {
                    Self.regenerate(mt)
                    pos = 0
                }
                let w = mt[pos]
                pos += 1
                return Self.temper(w)
            }
            for i in 0..<count {
                var u = Self.uniform(word())
                u = Double(Int(big * u)) + Self.uniform(word())
                out[i] = u / big
            }
        }
        position = pos
        // The quantiles in a second pass: no step depends on the one before,
        // so the processor overlaps the polynomial chains of several draws.
        for i in 0..<count { out[i] = Self.standardNormalQuantile(out[i]) }
    }

    /// R's `qnorm(p)` (mean 0, sd 1, lower tail, not log) for p in (0, 1):
    /// Wichura's AS 241 (PPND16). With `q = p - 1/2`: for `|q| <= 0.425`,
    /// `r = 0.180625 - q q` and `q A(r) / B(r)`; otherwise
    /// `r = sqrt(-log(min(p, 1 - p)))` (`1 - p` as `0.5 - p + 0.5`), for
    /// `r <= 5` `C(r - 1.6) / D(r - 1.6)`, else `E(r - 5) / F(r - 5)`,
    /// negated when q < 0; each rational function of degree 7 evaluated by
    /// Horner's rule from the highest coefficient (B, D, F with constant
    /// term 1), then `0 + 1 * value` (R's `mu + sigma * val`). The same IEEE
    /// operations in the same order as R's qnorm, so the same bits
    /// (`GeneSetFastPathTests` compares it with `RMath.qnorm`). Other p (0,
    /// 1, outside, NaN) go to `RMath.qnorm`.
    @inline(__always) static func standardNormalQuantile(_ p: Double) -> Double {
        guard p > 0 && p < 1 else { return RMath.qnorm(p) }
        let q = p - 0.5
        var val: Double
        if abs(q) <= 0.425 {
            let r = 0.180625 - q * q
            val = q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r
                + 45921.953931549871457) * r + 13731.693765509461125) * r + 1971.5909503065514427) * r
                + 133.14166789178437745) * r + 3.387132872796366608)
                / (((((((r * 5226.495278852854561 + 28729.085735721942674) * r + 39307.89580009271061) * r
                    + 21213.794301586595867) * r + 5394.1960214247511077) * r + 687.1870074920579083) * r
                    + 42.313330701600911252) * r + 1.0)
            return 0 + 1 * val
        }
        var r = q > 0 ? 0.5 - p + 0.5 : p
        r = (-log(r)).squareRoot()
        if r <= 5 {
            r += -1.6
            val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r
                + 1.27045825245236838258) * r + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734)
                / (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r
                    + 0.14810397642748007459) * r + 0.68976733498510000455) * r + 1.6763848301838038494) * r
                    + 2.05319162663775882187) * r + 1.0)
        } else {
            r += -5.0
            val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r
                + 0.026532189526576123093) * r + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772)
                / (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r
                    + 7.868691311456132591e-4) * r + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
                    + 0.59983220655588793769) * r + 1.0)
        }
        if q < 0 { val = -val }
        return 0 + 1 * val
    }

    /// R's `runif(n)` (on [0, 1]).
    public mutating func runif(_ count: Int) -> [Double] {
        (0..<max(count, 0)).map { _ in unifRand() }
    }

    /// R's `rnorm(n)` (mean 0, sd 1).
    public mutating func rnorm(_ count: Int) -> [Double] {
        let n = max(count, 0)
        return [Double](unsafeUninitializedCapacity: n) { b, initialized in
            if n > 0 { fillNormals(b.baseAddress!, count: n) }
            initialized = n
        }
    }

    /// R's `R_unif_index(dn)` with the default `sample.kind = "Rejection"`:
    /// an integer in [0, dn) from `ceil(log2(dn))` random bits (16 per uniform,
    /// `floor(65536 u)`), redrawn while it is not below dn.
    public mutating func unifIndex(_ dn: Double) -> Double {
        if dn <= 0 { return 0 }
        let bits = Int(log2(dn).rounded(.up))
        while true {
            var v: Int64 = 0
            var k = 0
            while k <= bits {
                let v1 = Int64((unifRand() * 65536).rounded(.down))
                v = 65536 &* v &+ v1
                k += 16
            }
            let dv = Double(v & ((Int64(1) << Int64(bits)) - 1))
            if dn > dv { return dv }
        }
    }

    /// R's `sample.int(n, size, replace)` without probabilities, 0-based:
    /// with replacement (or one draw) `size` indices by `unifIndex(n)`;
    /// without, R's partial Fisher-Yates (draw j in [0, n), take x[j], move the
    /// last remaining value into its place). R switches to a hash-based
    /// algorithm for n > 1e7 without replacement when size <= n/2; that case
    /// is refused here.
    public mutating func sampleInt(_ n: Int, size: Int, replace: Bool = false) throws -> [Int] {
        let fn = "sample.int"
        if n < 0 || (size > 0 && n == 0) { throw LimmaError(fn, "invalid first argument") }
        if size < 0 { throw LimmaError(fn, "invalid 'size' argument") }
        if !replace && size > n {
            throw LimmaError(fn, "cannot take a sample larger than the population when 'replace = FALSE'")
        }
        if n > 10_000_000 && !replace && Double(size) <= Double(n) / 2 {
            throw LimmaError(fn, "R samples more than 1e7 values with its hash algorithm (sample2), which limma-swift does not implement")
        }
        if n > Int(Int32.max) { throw LimmaError(fn, "n above 2^31 - 1 is not supported") }
        if replace || size < 2 {
            return (0..<size).map { _ in Int(unifIndex(Double(n))) }
        }
        var x = Array(0..<n)
        var m = n
        var out = [Int]()
        out.reserveCapacity(size)
        for _ in 0..<size {
            let j = Int(unifIndex(Double(m)))
            out.append(x[j])
            m -= 1
            x[j] = x[m]
        }
        return out
    }
}

import Foundation
