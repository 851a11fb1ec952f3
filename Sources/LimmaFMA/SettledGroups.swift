// The frame the settled logarithms share (fmaLogSettled, fmaLog2Settled):
// values in whole groups of four, the lanes a group does not settle listed
// without branches, and the fallback called for those.

/// For `k` in steps of four while `k + 4 <= count`: `group(k)` settles
/// values k..<k+4 (writing what it settles) and returns the lanes it
/// settled; per chunk of up to 256 values, the indices of the lanes not
/// settled are listed without a branch (an index is written at every lane
/// and kept only where the lane is not settled: no test per group, which
/// mispredicts when misses are common), then `miss(index)` is called for
/// each, in increasing order. Returns the first index not taken (the
/// `count % 4` values left for the caller) and the number of misses.
@inline(__always)
func settleInGroups(count: Int, group: (Int) -> SIMDMask<SIMD4<Int64>>, miss: (Int) -> Void) -> (end: Int, misses: Int) {
    withUnsafeTemporaryAllocation(of: Int32.self, capacity: 256) { mb in
        let missed = mb.baseAddress!
        var total = 0
        var k = 0
        while k + 4 <= count {
            let end = k + Swift.min(256, (count - k) & ~3)
            var n = 0
            while k < end {
                let keep = SIMD4<Int64>(repeating: 1) &+ unsafeBitCast(group(k), to: SIMD4<Int64>.self)
                missed[n] = Int32(truncatingIfNeeded: k); n += Int(keep[0])
                missed[n] = Int32(truncatingIfNeeded: k + 1); n += Int(keep[1])
                missed[n] = Int32(truncatingIfNeeded: k + 2); n += Int(keep[2])
                missed[n] = Int32(truncatingIfNeeded: k + 3); n += Int(keep[3])
                k += 4
            }
            for i in 0..<n { miss(Int(missed[i])) }
            total += n
        }
        return (k, total)
    }
}
