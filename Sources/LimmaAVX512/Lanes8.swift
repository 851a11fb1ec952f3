// Lane helpers shared by the eight-lane kernels.

extension SIMD8<Double> {
    /// The lanes whose `mask` has all bits set, +0 in the lanes whose mask
    /// is 0 (a bitwise and, so a lane kept keeps its sign, NaN payload and
    /// all).
    @inline(__always) public func masked(_ mask: SIMD8<UInt64>) -> SIMD8<Double> {
        unsafeBitCast(unsafeBitCast(self, to: SIMD8<UInt64>.self) & mask, to: SIMD8<Double>.self)
    }
}
