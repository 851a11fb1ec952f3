// One parallel pass over a text file's bytes for what the readers check
// before parsing: which special bytes occur, and how long the longest line is.

/// What a scan of file bytes found: whether a double quote, a carriage
/// return, a NUL or a byte with its high bit set (non-ASCII) occurs anywhere,
/// and the length of the longest line (bytes between line feeds, the line
/// feed excluded; a last line without one counts too).
///
/// The readers used to find each of these with its own pass (`memchr` per
/// byte value, then a word loop for the high bit); a 195 MB matrix took five
/// such serial passes before parsing. `scan` reads the bytes once, 64 at a
/// time compared as SIMD vectors, in blocks spread over `LimmaThreads`. Every
/// field is an OR or a maximum over blocks, so the result does not depend on
/// the thread count.
public struct ByteScan: Sendable, Equatable {
    public var hasQuote = false
    public var hasCR = false
    public var hasNUL = false
    public var hasNonASCII = false
    public var longestLine = 0

    public init(hasQuote: Bool = false, hasCR: Bool = false, hasNUL: Bool = false, hasNonASCII: Bool = false, longestLine: Int = 0) {
        self.hasQuote = hasQuote
        self.hasCR = hasCR
        self.hasNUL = hasNUL
        self.hasNonASCII = hasNonASCII
        self.longestLine = longestLine
    }

    /// Scans `b` (see the type's documentation).
    public static func scan(_ b: UnsafeBufferPointer<UInt8>) -> ByteScan {
        let n = b.count
        guard n > 0 else { return ByteScan() }
        let block = 1 << 20
        let nblocks = (n + block - 1) / block
        let parts = LimmaThreads.map(nblocks) { k in
            Block(b, from: k * block, to: Swift.min(n, (k + 1) * block))
        }
        var out = ByteScan()
        // A line may span blocks: `carry` is the length of the line still open
        // at the end of the blocks seen so far.
        var carry = 0
        for p in parts {
            out.hasQuote = out.hasQuote || p.hasQuote
            out.hasCR = out.hasCR || p.hasCR
            out.hasNUL = out.hasNUL || p.hasNUL
            out.hasNonASCII = out.hasNonASCII || p.hasNonASCII
            if let head = p.head {
                out.longestLine = Swift.max(out.longestLine, carry + head, p.inner)
                carry = p.tail
            } else {
                carry += p.length
            }
        }
        out.longestLine = Swift.max(out.longestLine, carry)
        return out
    }

    /// One block's flags and line lengths: `head` the bytes before its first
    /// line feed (nil when it has none), `tail` the bytes after its last,
    /// `inner` the longest line lying wholly inside it.
    struct Block {
        var hasQuote = false, hasCR = false, hasNUL = false, hasNonASCII = false
        var length = 0
        var head: Int?
        var tail = 0
        var inner = 0

        init(_ b: UnsafeBufferPointer<UInt8>, from lo: Int, to hi: Int) {
            length = hi - lo
            let base = b.baseAddress!
            let raw = UnsafeRawPointer(base)
            typealias V = SIMD16<UInt8>
            let quote = V(repeating: 0x22), cr = V(repeating: 0x0D), nul = V(repeating: 0)
            var q = SIMDMask<SIMD16<Int8>>(repeating: false), c = q, z = q
            var high = V(repeating: 0)
            var i = lo
            while i + 64 <= hi {
                let v0 = raw.loadUnaligned(fromByteOffset: i, as: V.self)
                let v1 = raw.loadUnaligned(fromByteOffset: i + 16, as: V.self)
                let v2 = raw.loadUnaligned(fromByteOffset: i + 32, as: V.self)
                let v3 = raw.loadUnaligned(fromByteOffset: i + 48, as: V.self)
                q = q .| (v0 .== quote) .| (v1 .== quote) .| (v2 .== quote) .| (v3 .== quote)
                c = c .| (v0 .== cr) .| (v1 .== cr) .| (v2 .== cr) .| (v3 .== cr)
                z = z .| (v0 .== nul) .| (v1 .== nul) .| (v2 .== nul) .| (v3 .== nul)
                high = high | v0 | v1 | v2 | v3
                i += 64
            }
            hasQuote = any(q)
            hasCR = any(c)
            hasNUL = any(z)
            hasNonASCII = any(high .>= 0x80)
            while i < hi {
                let x = base[i]
                hasQuote = hasQuote || x == 0x22
                hasCR = hasCR || x == 0x0D
                hasNUL = hasNUL || x == 0
                hasNonASCII = hasNonASCII || x >= 0x80
                i += 1
            }
            // Line feeds, found by memchr (fast over long lines).
            var nl = FastMatrixParser.find(0x0A, b, lo, hi)
            guard nl < hi else { return }
            head = nl - lo
            while true {
                let next = FastMatrixParser.find(0x0A, b, nl + 1, hi)
                if next == hi { break }
                inner = Swift.max(inner, next - nl - 1)
                nl = next
            }
            tail = hi - nl - 1
        }
    }
}
