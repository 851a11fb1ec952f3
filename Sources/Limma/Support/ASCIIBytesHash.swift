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
                mix(tail(raw, from: i, count: count))
            }
        }
        h = (h ^ (h >> 32)) &* 0xC4CE_B9FE_1A85_EC53
        return (h ^ (h >> 29), high & 0x8080_8080_8080_8080 == 0)
    }

    /// The `count - i` (1 to 7) bytes from `i` on as a little-endian word,
    /// zero-padded above, read without a byte copy: two overlapping loads of
    /// four (or two) bytes, whose shared bytes are the same, or one byte.
    /// Every load lies inside `i..<count`, that is inside the 8-byte word
    /// from `i` (`i` is a multiple of 8): a small string's bytes were just
    /// stored to the stack as two such words, and a load within one store
    /// is forwarded from it, where a load across two would stall.
    @inline(__always)
    static func tail(_ raw: UnsafeRawPointer, from i: Int, count: Int) -> UInt64 {
        let rem = count - i
        if rem >= 4 {
            let lo = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
            let hi = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
            return lo | hi << (8 * (rem - 4))
        }
        if rem >= 2 {
            let lo = UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt16.self)))
            let hi = UInt64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self)))
            return lo | hi << (8 * (rem - 2))
        }
        return UInt64(raw.load(fromByteOffset: i, as: UInt8.self))
    }
}
