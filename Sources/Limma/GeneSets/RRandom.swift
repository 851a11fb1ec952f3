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
        var y = state[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    /// Refills the 624-word state: word k becomes word k + 397 (mod 624,
    /// already refilled when it lies before k) xor the twisted pair (k, k + 1).
    private mutating func regenerate() {
        let n = RRandom.n, m = RRandom.m
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, a: UInt32 = 0x9908_b0df
        state.withUnsafeMutableBufferPointer { mt in
            @inline(__always) func twist(_ k: Int, _ next: Int, _ far: Int) {
                let y = (mt[k] & upper) | (mt[next] & lower)
                mt[k] = mt[far] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : a)
            }
            for k in 0..<(n - m) { twist(k, k + 1, k + m) }
            for k in (n - m)..<(n - 1) { twist(k, k + 1, k + m - n) }
            twist(n - 1, 0, m - 1)
        }
        position = 0
    }

    /// R's `unif_rand()`: a uniform in (0, 1).
    public mutating func unifRand() -> Double {
        let x = Double(nextWord()) * 2.3283064365386963e-10
        let half = 0.5 * 2.328306437080797e-10
        if x <= 0 { return half }
        if 1 - x <= 0 { return 1 - half }
        return x
    }

    /// R's `norm_rand()` by inversion (two uniforms per normal).
    public mutating func normRand() -> Double {
        let big = 134_217_728.0  // 2^27
        var u = unifRand()
        u = Double(Int(big * u)) + unifRand()
        return RMath.qnorm(u / big)
    }

    /// R's `runif(n)` (on [0, 1]).
    public mutating func runif(_ count: Int) -> [Double] {
        (0..<max(count, 0)).map { _ in unifRand() }
    }

    /// R's `rnorm(n)` (mean 0, sd 1).
    public mutating func rnorm(_ count: Int) -> [Double] {
        (0..<max(count, 0)).map { _ in normRand() }
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
