// A hash of a string's UTF-8 bytes that also tells whether they are all
// ASCII: for the tables that look strings up by their bytes (duplicate row
// names in topTable, gene set ids), where ASCII bytes equal means `String`
// equal.

enum ASCIIBytesHash {
    /// A 64-bit hash of bytes, eight at a time (little-endian words, the
    /// tail zero-padded) with the length mixed in, and whether every byte
    /// is ASCII (below 0x80).
    @inline(__always)
    static func hash(_ b: UnsafeBufferPointer<UInt8>) -> (hash: UInt64, ascii: Bool) {
        let count = b.count
        var h = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        var high: UInt64 = 0
        var i = 0
        @inline(__always) func mix(_ w: UInt64) {
            high |= w
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
        }
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= count {
                mix(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                i += 8
            }
            if i < count {
                var w: UInt64 = 0
                withUnsafeMutableBytes(of: &w) { $0.baseAddress!.copyMemory(from: raw + i, byteCount: count - i) }
                mix(UInt64(littleEndian: w))
            }
        }
        h = (h ^ (h >> 32)) &* 0xC4CE_B9FE_1A85_EC53
        return (h ^ (h >> 29), high & 0x8080_8080_8080_8080 == 0)
    }
}
