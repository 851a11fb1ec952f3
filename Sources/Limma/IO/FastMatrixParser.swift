// The fast path for reading a numeric matrix: one pass over the bytes, numbers
// parsed in place, no string per cell.
import Foundation

/// Parses the data rows of a delimited numeric matrix straight from bytes.
///
/// The header (and any row the fast path cannot take: quoted cells other
/// than plain quoted ids and annotation, see `plainQuotedCellEnd`) goes
/// through `DelimitedText.parse`'s general rules, so both paths accept the
/// same files. A cell that is an optional sign and 1 to 18 decimal digits
/// (a count) is converted exactly in integer arithmetic: R's `R_strtod`
/// accumulates such digits exactly in long double (every integer below 2^64
/// is representable), scales by 10^0 = 1 and rounds once to double, which is
/// what `Double(Int64)` does (round to nearest, ties to even); the sign is
/// applied after, so `-0` is -0.0 as in R. Every other cell goes through `number`: `NA`,
/// `NaN`, empty cells are missing and `Inf`/`-Inf` infinite, as R's
/// `read.csv` reads them, and decimals use R's own conversion (`RStrtod`).
/// Rows are split over `LimmaThreads`; every row lands in its own slot, so
/// the result does not depend on the thread count.
enum FastMatrixParser {
    struct Layout {
        var path: String
        var delimiter: UInt8
        var header: [String]
        var annotationCount: Int
        var parsing: NumberParsing
        /// The file holds a NUL byte / a double quote somewhere (rows are
        /// checked for them only then).
        var hasNUL: Bool
        var hasQuote: Bool
    }

    /// Where `byte` first occurs in `b[from..<to]`, or `to` (C `memchr`, vectorised in libc).
    @inline(__always)
    static func find(_ byte: UInt8, _ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        guard from < to, let base = b.baseAddress, let p = memchr(base + from, Int32(byte), to - from) else { return to }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    /// Byte offsets of each data line: (start, end) with end excluding the
    /// line terminator. `\n`, `\r\n` and `\r` end a line, outside double
    /// quotes (as the general parser reads them, so a quote inside a field's
    /// text does not join lines); empty lines are skipped, and a last
    /// unterminated line of only blanks. A file without quotes or carriage
    /// returns (the usual case) is cut at its newlines by `memchr`, in
    /// pieces over `LimmaThreads` when it is large (each piece starts just
    /// after a newline, so every line lies in one piece; the pieces' lines
    /// are joined in order, the same list).
    static func lineRanges(_ b: UnsafeBufferPointer<UInt8>, from start: Int, hasQuote: Bool, hasCR: Bool) -> [(Int, Int)] {
        var out = [(Int, Int)]()
        let n = b.count
        var i = start
        var lineStart = i
        if !hasQuote && !hasCR {
            let threads = LimmaThreads.count
            var bounds = [start]
            if threads > 1 && n - start >= 1 << 22 {
                for k in 1..<threads {
                    let nl = find(0x0A, b, Swift.max(bounds[k - 1], start + (n - start) / threads * k), n)
                    bounds.append(nl == n ? n : nl + 1)
                }
            }
            bounds.append(n)
            // Piece k: the lines ending (at a newline) inside bounds[k] ..< bounds[k + 1],
            // and where its last unterminated line starts (only the last non-empty piece,
            // the one ending at n, can have one; pieces after it are empty).
            let pieces = LimmaThreads.map(bounds.count - 1) { k -> ([(Int, Int)], Int) in
                var lines = [(Int, Int)]()
                let e = bounds[k + 1]
                var i = bounds[k], lineStart = i
                while i < e {
                    let nl = find(0x0A, b, i, e)
                    if nl == e { break }
                    if nl > lineStart { lines.append((lineStart, nl)) }
                    i = nl + 1
                    lineStart = i
                }
                return (lines, lineStart)
            }
            out.reserveCapacity(pieces.reduce(0) { $0 + $1.0.count })
            for p in pieces { out.append(contentsOf: p.0) }
            let last = (0..<(bounds.count - 1)).last { bounds[$0] < bounds[$0 + 1] } ?? 0
            lineStart = pieces[last].1
        } else {
            // Quotes as the general parser (`DelimitedText.parse`) reads them:
            // a double quote opens a quoted field only where the field has no
            // text yet (elsewhere it is text); inside, a doubled quote is one
            // quote of text and a single one closes the quotes. Outside quotes
            // only quotes and line breaks stop the scan (`nextQuoteOrBreak`,
            // eight bytes at a time), and a quote opens a field when the byte
            // before it starts the line or is the delimiter: any other byte
            // is text of the field, or the closing quote of a quoted field
            // (which has text: an empty one, `""`, followed by a quote would
            // have been read as an escaped quote instead). Inside quotes only
            // quotes stop the scan (`memchr`).
            // The header's delimiter, as the general parser finds it on the
            // header line (the first line that is not empty).
            var header = start
            while header < n && (b[header] == 0x0A || b[header] == 0x0D) { header += 1 }
            let d = DelimitedText.delimiter(b, firstLineAt: header)
            scan: while i < n {
                let s = nextQuoteOrBreak(b, i, n)
                if s == n { break }
                if b[s] == 0x22 {
                    i = s + 1
                    guard s == lineStart || b[s - 1] == d else { continue }
                    while true {
                        let q = find(0x22, b, i, n)
                        if q == n { break scan }                  // unterminated: the rest is one line
                        i = q + 1
                        if q + 1 < n && b[q + 1] == 0x22 { i = q + 2; continue }
                        break
                    }
                } else {
                    if s > lineStart { out.append((lineStart, s)) }
                    i = b[s] == 0x0D && s + 1 < n && b[s + 1] == 0x0A ? s + 2 : s + 1
                    lineStart = i
                }
            }
        }
        if lineStart < n {
            // a final line without terminator (skip if only whitespace)
            var allBlank = true
            for k in lineStart..<n where b[k] != 0x20 && b[k] != 0x09 { allBlank = false; break }
            if !allBlank { out.append((lineStart, n)) }
        }
        return out
    }

    /// Where the next double quote, `\n` or `\r` lies in `b[from..<to]`, or
    /// `to`: eight bytes at a time (`delimiterMask` of each, exact per byte).
    @inline(__always)
    static func nextQuoteOrBreak(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        let base = b.baseAddress!
        var i = from
        while i + 8 <= to {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let m = delimiterMask(w, 0x2222_2222_2222_2222) | delimiterMask(w, 0x0A0A_0A0A_0A0A_0A0A)
                | delimiterMask(w, 0x0D0D_0D0D_0D0D_0D0D)
            if m != 0 { return i + m.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < to {
            let c = b[i]
            if c == 0x22 || c == 0x0A || c == 0x0D { return i }
            i += 1
        }
        return to
    }

    /// Parses one numeric cell between `s` and `e` (exclusive): spaces
    /// trimmed, `NA`/`NaN`/empty missing, `Inf`, `-Inf`, then a decimal
    /// number consumed whole (R's conversion, or correctly rounded). Returns
    /// nil for anything else.
    static func number(_ b: UnsafeBufferPointer<UInt8>, _ s0: Int, _ e0: Int, parsing: NumberParsing, isNA: inout Bool) -> Double? {
        var s = s0, e = e0
        while s < e && b[s] == 0x20 { s += 1 }
        while e > s && b[e - 1] == 0x20 { e -= 1 }
        let len = e - s
        if len == 0 { isNA = true; return .nan }
        let c0 = b[s]
        if c0 == 0x4E /* N */ {
            if len == 2 && b[s + 1] == 0x41 { isNA = true; return .nan }
            if len == 3 && b[s + 1] == 0x61 && b[s + 2] == 0x4E { return .nan }
            return nil
        }
        if c0 == 0x49 {
            if len == 3 && b[s + 1] == 0x6E && b[s + 2] == 0x66 { return .infinity }
            return nil
        }
        if (c0 == 0x2D || c0 == 0x2B) && len == 4 && b[s + 1] == 0x49 {
            if b[s + 2] == 0x6E && b[s + 3] == 0x66 { return c0 == 0x2D ? -.infinity : .infinity }
            return nil
        }
        // Only decimal-number characters may reach the conversion (no hex, no "inf" words).
        for k in s..<e {
            let c = b[k]
            let ok = (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D || c == 0x2B || c == 0x65 || c == 0x45
            if !ok { return nil }
        }
        if parsing == .asR { return RStrtod.parse(b, s, e) }
        return correctlyRounded(b, s, e)
    }

    /// C `strtod` on `b[s..<e]` (copied with a terminating NUL), which must
    /// consume it whole.
    static func correctlyRounded(_ b: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> Double? {
        let len = e - s
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: len + 1) { buf -> Double? in
            let p = buf.baseAddress!
            for k in 0..<len { p[k] = CChar(bitPattern: b[s + k]) }
            p[len] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let v = strtod(p, &end)
            guard let end, end - p == len else { return nil }
            return v
        }
    }

    /// The decimal digits at the start of eight bytes read little-endian
    /// (the first character in the low byte): their count (0-8) and value.
    /// A byte is a digit when its high nibble is 3 and adding 6 keeps it
    /// there (0x30-0x39); a carry out of a byte can only make a later byte
    /// look like a non-digit, which ends the run early and sends the cell to
    /// the general parser, never the reverse. The value comes from the run
    /// shifted to the top (zeros in front act as leading zeros), then pairs,
    /// quads and octets of digits combined by multiply-and-shift.
    @inline(__always)
    static func leadingDigits(_ w: UInt64) -> (value: UInt64, count: Int) {
        let hi: UInt64 = 0xF0F0_F0F0_F0F0_F0F0, three: UInt64 = 0x3030_3030_3030_3030
        let nonDigit = ((w & hi) ^ three) | (((w &+ 0x0606_0606_0606_0606) & hi) ^ three)
        let count = nonDigit == 0 ? 8 : nonDigit.trailingZeroBitCount / 8
        if count == 0 { return (0, 0) }
        var x = (w &- three) << UInt64(8 * (8 - count))
        x = ((x & 0x0F0F_0F0F_0F0F_0F0F) &* 2561) >> 8
        x = ((x & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        x = ((x & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
        return (x, count)
    }

    /// Fields in `b[ls..<le]` split at `d` (for error messages).
    static func fieldCount(_ b: UnsafeBufferPointer<UInt8>, _ ls: Int, _ le: Int, _ d: UInt8) -> Int {
        var count = 1, i = find(d, b, ls, le)
        while i < le { count += 1; i = find(d, b, i + 1, le) }
        return count
    }

    /// Where the rows write their results: column-major values (`nrow` rows),
    /// feature ids, annotation columns; NA cells and the first error are
    /// collected under a lock (rare events). Rows write disjoint slots.
    final class Sink: @unchecked Sendable {
        let values: UnsafeMutablePointer<Double>
        let ids: UnsafeMutablePointer<String>
        let ann: [UnsafeMutablePointer<String>]
        let nrow: Int
        private let lock = NSLock()
        private(set) var naCells: [Int] = []
        private(set) var firstError: (row: Int, message: String)?

        init(values: UnsafeMutablePointer<Double>, ids: UnsafeMutablePointer<String>, ann: [UnsafeMutablePointer<String>], nrow: Int) {
            self.values = values
            self.ids = ids
            self.ann = ann
            self.nrow = nrow
        }

        /// Keeps the error of the lowest row (what a serial reader reports).
        func fail(_ row: Int, _ message: String) {
            lock.lock(); defer { lock.unlock() }
            if firstError == nil || row < firstError!.row { firstError = (row, message) }
        }

        func addNA(_ cells: [Int]) {
            lock.lock(); defer { lock.unlock() }
            naCells.append(contentsOf: cells)
        }
    }

    /// Rows parsed together: each row's values go to a small column-major
    /// block (`blockRows` x samples) first, then every column of the block
    /// is copied to the matrix as one contiguous run. Written straight into
    /// the column-major matrix, consecutive cells of a row would land a whole
    /// column apart, one cache line and (for large matrices) one page each.
    /// 64 rows make each column's run 512 bytes (eight whole cache lines);
    /// at 60,000 x 1,000 they took the reader's CPU time about 15% below
    /// 16-row blocks (fewer, longer copies).
    static let blockRows = 64

    /// Parses the rows `lines[range]` into `sink`; stops at a row's first error.
    static func parseRows(_ b: UnsafeBufferPointer<UInt8>, lines: [(Int, Int)], range: Range<Int>, layout: Layout, sink: Sink) {
        let p = layout.header.count - 1 - layout.annotationCount
        let nrow = sink.nrow
        var na = [Int]()
        defer { if !na.isEmpty { sink.addNA(na) } }
        let B = blockRows
        let block = UnsafeMutablePointer<Double>.allocate(capacity: B * p)
        defer { block.deallocate() }
        var r0 = range.lowerBound
        while r0 < range.upperBound {
            let r1 = Swift.min(r0 + B, range.upperBound)
            for r in r0..<r1 {
                guard parseRow(b, lines[r], row: r, layout: layout, sink: sink, out: block + (r - r0), stride: B, na: &na) else { return }
            }
            let rows = r1 - r0
            for j in 0..<p {
                (sink.values + j * nrow + r0).update(from: block + j * B, count: rows)
            }
            r0 = r1
        }
    }

    /// Parses one data line: the id and annotation cells into `sink`, value
    /// j into `out[j * stride]`, NA cells (as matrix indices) into `na`.
    /// False after recording an error.
    ///
    /// The numeric cells are found first and parsed after: the delimiters of
    /// eight bytes at a time become a bit mask (`delimiterMask`), and each
    /// set bit ends a cell. Cell boundaries are thus known without parsing,
    /// so consecutive cells do not wait on each other. A cell of 1 to 7
    /// digits is converted from one eight-byte word (`leadingDigits`);
    /// anything else goes to `number` (R's conversion, exact for every
    /// decimal, long integers included).
    @inline(__always)
    static func parseRow(_ b: UnsafeBufferPointer<UInt8>, _ line: (Int, Int), row r: Int, layout: Layout, sink: Sink,
                         out: UnsafeMutablePointer<Double>, stride: Int, na: inout [Int]) -> Bool {
        let (ls, le) = line
        let ncolTotal = layout.header.count
        let first = 1 + layout.annotationCount
        let p = ncolTotal - first
        let d = layout.delimiter
        func fieldCountError() -> Bool {
            sink.fail(r, "has \(fieldCount(b, ls, le, d)) field(s), the header has \(ncolTotal)")
            return false
        }
        if layout.hasNUL && find(0, b, ls, le) < le { sink.fail(r, "binary data (NUL byte); expected CSV or TSV text"); return false }
        let quoted = layout.hasQuote && find(0x22, b, ls, le) < le
        func general() -> Bool {
            parseQuotedRow(b, ls, le, row: r, layout: layout, sink: sink, out: out, stride: stride, na: &na)
        }
        // The id and the annotation cells: text up to the next delimiter. In
        // a row with double quotes, a cell may also be a plain quoted one
        // (`plainQuotedCellEnd`); a row with any other quote goes through the
        // general parser (as does one that ends among these cells, whose
        // error the general parser words).
        var i = ls
        for k in 0..<first {
            if k > 0 {
                guard i < le else { return quoted ? general() : fieldCountError() }
                i += 1
            }
            var s = i, e: Int
            if quoted && i < le && b[i] == 0x22 {
                guard let q = plainQuotedCellEnd(b, i, le, d) else { return general() }
                (s, e, i) = (i + 1, q, q + 1)
            } else {
                e = find(d, b, i, le)
                if quoted && find(0x22, b, i, e) < e { return general() }
                i = e
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
            if k == 0 { sink.ids[r] = text } else { sink.ann[k - 1][r] = text }
        }
        guard i < le else { return quoted ? general() : fieldCountError() }
        if quoted && find(0x22, b, i, le) < le { return general() }
        let base = b.baseAddress!
        let wordEnd = b.count - 8
        let pattern = UInt64(d) &* 0x0101_0101_0101_0101
        var j = 0
        var cellStart = i + 1
        var failed = false
        /// Cell j is b[s..<e].
        func cell(_ s: Int, _ e: Int) {
            guard j < p else { failed = true; return }
            let len = e - s
            if len >= 1 && len <= 7 && s <= wordEnd {
                let (value, count) = leadingDigits(UnsafeRawPointer(base + s).loadUnaligned(as: UInt64.self))
                if count == len {
                    // value < 10^7 < 2^52: placed in the mantissa of 2^52 and 2^52
                    // subtracted, the exact double without an int-to-float
                    // conversion (whose false dependency chains the cells).
                    out[j * stride] = Double(bitPattern: 0x4330_0000_0000_0000 | value) - 4_503_599_627_370_496.0
                    j += 1
                    return
                }
            }
            var isNA = false
            guard let x = number(b, s, e, parsing: layout.parsing, isNA: &isNA) else {
                failed = true
                if fieldCount(b, ls, le, d) == ncolTotal {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: b[s..<Swift.min(e, s + 40)]), as: UTF8.self)
                    sink.fail(r, "column '\(layout.header[first + j])': '\(text)' is not a number (id \(sink.ids[r]))")
                } else {
                    _ = fieldCountError()
                }
                return
            }
            if isNA { na.append(j * sink.nrow + r) }
            out[j * stride] = x
            j += 1
        }
        var pos = cellStart
        while pos < le && !failed {
            var mask: UInt64
            if pos <= wordEnd {
                mask = delimiterMask(UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self), pattern)
                if le - pos < 8 { mask &= (1 << UInt64(8 * (le - pos))) &- 1 }
            } else {
                mask = 0
                for k in pos..<Swift.min(pos + 8, le) where b[k] == d { mask |= 0x80 << UInt64(8 * (k - pos)) }
            }
            while mask != 0 && !failed {
                let e = pos + mask.trailingZeroBitCount / 8
                cell(cellStart, e)
                cellStart = e + 1
                mask &= mask &- 1
            }
            pos += 8
        }
        if failed {
            if j >= p { return fieldCountError() }
            return false
        }
        cell(cellStart, le)
        if failed { return j >= p ? fieldCountError() : false }
        guard j == p else { return fieldCountError() }
        return true
    }

    /// The bytes of `w` equal to the delimiter (repeated in `pattern`), as
    /// the high bit of each such byte. Exact for every byte: the low seven
    /// bits plus 0x7F cannot carry into the next byte.
    @inline(__always)
    static func delimiterMask(_ w: UInt64, _ pattern: UInt64) -> UInt64 {
        let x = w ^ pattern
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low) &+ low) | x) & 0x8080_8080_8080_8080
    }

    /// Where the closing quote of the quoted cell opening at `b[open]` lies,
    /// when the cell is plain: its text holds no double quote and no
    /// delimiter, and the closing quote ends the cell (the delimiter or the
    /// line's end follows). nil otherwise. R's `write.csv` writes feature ids
    /// and other text this way. The general parser (`DelimitedText.parse`)
    /// reads such a cell as its text between the quotes, and a row whose
    /// only quotes open and close plain cells splits into the same fields at
    /// its delimiters, so the fast path takes it as it takes unquoted rows:
    /// the same values, ids and errors.
    @inline(__always)
    static func plainQuotedCellEnd(_ b: UnsafeBufferPointer<UInt8>, _ open: Int, _ le: Int, _ d: UInt8) -> Int? {
        let q = find(0x22, b, open + 1, le)
        guard q < le, q + 1 == le || b[q + 1] == d, find(d, b, open + 1, q) == q else { return nil }
        return q
    }

    /// A row holding double quotes, through the general parser (RFC 4180
    /// quoting); false after recording an error.
    static func parseQuotedRow(_ b: UnsafeBufferPointer<UInt8>, _ ls: Int, _ le: Int, row r: Int, layout: Layout, sink: Sink,
                               out: UnsafeMutablePointer<Double>, stride: Int, na: inout [Int]) -> Bool {
        let ncolTotal = layout.header.count
        let first = 1 + layout.annotationCount
        let d = layout.delimiter
        let bytes = Array(layout.header.joined(separator: String(UnicodeScalar(d))).utf8) + [0x0A] + Array(b[ls..<le])
        guard let t = try? DelimitedText.parse(bytes, path: layout.path), let row = t.rows.first else {
            sink.fail(r, "cannot parse the line (unbalanced quotes?)"); return false
        }
        guard row.count == ncolTotal else { sink.fail(r, "has \(row.count) field(s), the header has \(ncolTotal)"); return false }
        sink.ids[r] = row[0]
        for k in 0..<layout.annotationCount { sink.ann[k][r] = row[1 + k] }
        for j in 0..<(ncolTotal - first) {
            guard let (v, isNA) = parseNumericCell(Substring(row[first + j]), parsing: layout.parsing) else {
                sink.fail(r, "column '\(layout.header[first + j])': '\(row[first + j].prefix(40))' is not a number (id \(row[0]))"); return false
            }
            out[j * stride] = v
            if isNA { na.append(j * sink.nrow + r) }
        }
        return true
    }
}
