// The tests' deterministic generator of 64-bit values (splitmix64), shared by
// the suites that draw operands from it (the same seed gives the same values).
import Foundation

struct SplitMix64 {
    var s: UInt64

    mutating func next() -> UInt64 {
        s &+= 0x9E37_79B9_7F4A_7C15
        var z = s
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Log-uniform in [lo, hi].
    mutating func logUniform(_ lo: Double, _ hi: Double) -> Double { exp(log(lo) + uniform() * (log(hi) - log(lo))) }
}
