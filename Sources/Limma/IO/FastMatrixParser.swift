// The fast path for reading a numeric matrix: one pass over the bytes, numbers
// parsed in place with strtod, no string per cell.
import Foundation

/// Parses the data rows of a delimited numeric matrix straight from bytes.
///
/// The header (and any row the fast path cannot take: quoted numeric cells)
/// goes through `DelimitedText.parse`'s general rules, so both paths accept the
/// same files. Numeric cells are parsed with C `strtod` (correctly rounded in
/// glibc) and must be consumed whole; `NA`, `NaN`, empty cells are missing and
/// `Inf`/`-Inf` infinite, as R's `read.csv` reads them. Work is split across
/// row ranges that are parsed concurrently; every row lands in its own slot,
/// so the result does not depend on the thread count.
enum FastMatrixParser {
    struct Layout {
        var path: String
        var delimiter: UInt8
        var header: [String]
        var annotationCount: Int
        var parsing: NumberParsing
    }

    /// Byte offsets of each data line: (start, end) with end excluding the line terminator.
    static func lineRanges(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> [(Int, Int)] {
        var out = [(Int, Int)]()
        out.reserveCapacity(b.count / 64)
        var i = start
        let n = b.count
        var lineStart = i
        var inQuotes = false
        while i < n {
            let c = b[i]
            if c == 0x22 { inQuotes.toggle() }
            else if !inQuotes && (c == 0x0A || c == 0x0D) {
                if i > lineStart { out.append((lineStart, i)) }
                if c == 0x0D && i + 1 < n && b[i + 1] == 0x0A { i += 1 }
                lineStart = i + 1
            }
            i += 1
        }
        if lineStart < n {
            // a final line without terminator (skip if only whitespace)
            var allBlank = true
            for k in lineStart..<n where b[k] != 0x20 && b[k] != 0x09 { allBlank = false; break }
            if !allBlank { out.append((lineStart, n)) }
        }
        return out
    }

    /// Parses one numeric cell between `s` and `e` (exclusive).
    @inline(__always)
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
        // Only decimal-number characters may reach strtod (no hex, no "inf" words).
        for k in s..<e {
            let c = b[k]
            let ok = (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D || c == 0x2B || c == 0x65 || c == 0x45
            if !ok { return nil }
        }
        if parsing == .asR { return RStrtod.parse(b, s, e) }
        // The cell is followed by a delimiter, line end or the NUL the caller appended.
        let start = UnsafeMutablePointer(mutating: b.baseAddress! + s)
        var end: UnsafeMutablePointer<CChar>? = nil
        let v = start.withMemoryRebound(to: CChar.self, capacity: len) { p in strtod(p, &end) }
        guard let endp = end else { return nil }
        let consumed = endp.withMemoryRebound(to: UInt8.self, capacity: 1) { $0 } - start
        return consumed == len ? v : nil
    }

    enum RowResult {
        case ok
        case fallback
        case error(String)
    }

    /// Parses the rows `lines[range]` into `values` (column-major, `nrow` rows).
    static func parseRows(_ b: UnsafeBufferPointer<UInt8>, lines: [(Int, Int)], range: Range<Int>, layout: Layout,
                          nrow: Int, values: UnsafeMutablePointer<Double>, na: UnsafeMutablePointer<Bool>,
                          ids: UnsafeMutablePointer<String>, ann: [UnsafeMutablePointer<String>],
                          firstError: inout (row: Int, message: String)?) {
        let ncolTotal = layout.header.count
        let first = 1 + layout.annotationCount
        let p = ncolTotal - first
        let d = layout.delimiter
        for r in range {
            let (ls, le) = lines[r]
            var fieldStarts = [Int]()
            fieldStarts.reserveCapacity(ncolTotal + 1)
            var needsGeneral = false
            var i = ls
            fieldStarts.append(ls)
            while i < le {
                let c = b[i]
                if c == d { fieldStarts.append(i + 1) }
                else if c == 0x22 { needsGeneral = true; break }
                else if c == 0 { firstError = firstError ?? (r, "binary data (NUL byte); expected CSV or TSV text"); return }
                i += 1
            }
            var cells: [(Int, Int)]
            if needsGeneral {
                // Quoted fields: use the general parser for this line alone.
                let bytes = Array(b[ls..<le])
                guard let t = try? DelimitedText.parse(Array(layout.header.joined(separator: String(UnicodeScalar(d))).utf8) + [0x0A] + bytes, path: layout.path),
                      let row = t.rows.first else {
                    firstError = firstError ?? (r, "cannot parse the line (unbalanced quotes?)"); return
                }
                guard row.count == ncolTotal else {
                    firstError = firstError ?? (r, "has \(row.count) field(s), the header has \(ncolTotal)"); return
                }
                ids[r] = row[0]
                for k in 0..<layout.annotationCount { ann[k][r] = row[1 + k] }
                for j in 0..<p {
                    guard let (v, isNA) = parseNumericCell(Substring(row[first + j]), parsing: layout.parsing) else {
                        firstError = firstError ?? (r, "column '\(layout.header[first + j])': '\(row[first + j].prefix(40))' is not a number (id \(row[0]))"); return
                    }
                    values[j * nrow + r] = v
                    na[j * nrow + r] = isNA
                }
                continue
            }
            guard fieldStarts.count == ncolTotal else {
                firstError = firstError ?? (r, "has \(fieldStarts.count) field(s), the header has \(ncolTotal)"); return
            }
            cells = []
            cells.reserveCapacity(ncolTotal)
            for k in 0..<ncolTotal {
                let s = fieldStarts[k]
                let e = k + 1 < ncolTotal ? fieldStarts[k + 1] - 1 : le
                cells.append((s, e))
            }
            ids[r] = String(decoding: UnsafeBufferPointer(rebasing: b[cells[0].0..<cells[0].1]), as: UTF8.self)
            for k in 0..<layout.annotationCount {
                let (s, e) = cells[1 + k]
                ann[k][r] = String(decoding: UnsafeBufferPointer(rebasing: b[s..<e]), as: UTF8.self)
            }
            for j in 0..<p {
                let (s, e) = cells[first + j]
                var isNA = false
                guard let v = number(b, s, e, parsing: layout.parsing, isNA: &isNA) else {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: b[s..<min(e, s + 40)]), as: UTF8.self)
                    firstError = firstError ?? (r, "column '\(layout.header[first + j])': '\(text)' is not a number (id \(ids[r]))"); return
                }
                values[j * nrow + r] = v
                if isNA { na[j * nrow + r] = true }
            }
        }
    }
}
