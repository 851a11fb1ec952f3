// Numbers for distinct doubles, told apart by their bits: per-df tables in
// eBayes and topTable (one t tail, one t quantile per distinct df).

/// Numbers the distinct doubles it is shown (distinct bit patterns: -0 and
/// +0 differ, each NaN payload is its own) 0, 1, 2, ... in order of first
/// appearance, through an open-addressing table of the numbers (linear
/// probing, a Fibonacci hash of the bits).
///
/// Why not a `Dictionary<UInt64, _>`: the first use of a Dictionary or Set
/// type in the process makes the Swift runtime look up its key's
/// conformance, a scan of the binary's conformance records that costs about
/// 0.1-0.2 ms, inside whichever limma step comes first (robust eBayes on
/// pasilla paid it twice, topTable once more).
struct BitPatternNumbering {
    private var table: [Int32]
    private let shift: UInt64
    /// The distinct values, in order of first appearance (value k has number k).
    private(set) var values: [Double] = []

    /// A numbering for at most `capacity` distinct values.
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        table = [Int32](repeating: -1, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
    }

    /// The number of `x`'s bits, and whether it was new (then it is
    /// `values.count - 1`). At most `capacity` distinct values.
    @inline(__always)
    mutating func number(_ x: Double) -> (number: Int32, isNew: Bool) {
        let bits = x.bitPattern
        let mask = table.count - 1
        var h = Int(truncatingIfNeeded: (bits &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let k = table[h]
            if k < 0 {
                precondition(values.count < table.count / 2, "BitPatternNumbering: more values than its capacity")
                let new = Int32(values.count)
                table[h] = new
                values.append(x)
                return (new, true)
            }
            if values[Int(k)].bitPattern == bits { return (k, false) }
            h = (h + 1) & mask
        }
    }
}
