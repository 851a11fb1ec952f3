// ByteScan and the reader's line split against plain byte-by-byte loops, on
// buffers built to put every special byte and line break at block edges.
import Testing
@testable import Limma

@Suite(.serialized) struct ByteScanTests {
    /// The scan, written as the obvious loop.
    static func plainScan(_ b: [UInt8]) -> ByteScan {
        var s = ByteScan()
        var lineStart = 0
        for (i, x) in b.enumerated() {
            s.hasQuote = s.hasQuote || x == 0x22
            s.hasCR = s.hasCR || x == 0x0D
            s.hasNUL = s.hasNUL || x == 0
            s.hasNonASCII = s.hasNonASCII || x >= 0x80
            if x == 0x0A {
                s.longestLine = max(s.longestLine, i - lineStart)
                lineStart = i + 1
            }
        }
        s.longestLine = max(s.longestLine, b.count - lineStart)
        return s
    }

    /// The line split of a plain file (no quote, no CR), written serially.
    static func plainLines(_ b: [UInt8], from start: Int) -> [(Int, Int)] {
        var out = [(Int, Int)]()
        var lineStart = start
        var i = start
        while i < b.count {
            if b[i] == 0x0A {
                if i > lineStart { out.append((lineStart, i)) }
                lineStart = i + 1
            }
            i += 1
        }
        if lineStart < b.count, b[lineStart...].contains(where: { $0 != 0x20 && $0 != 0x09 }) { out.append((lineStart, b.count)) }
        return out
    }

    /// A deterministic stream of bytes (xorshift).
    struct Bytes {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
    }

    /// Text of mostly digits and commas with line feeds every `line` bytes on
    /// average (lines of 0 to 2 * line bytes), blank lines, and `special`
    /// planted at `at` (if given).
    static func text(count: Int, line: Int, seed: UInt64, special: UInt8? = nil, at: Int = 0, trailing: String = "") -> [UInt8] {
        var r = Bytes(state: seed | 1)
        var b = [UInt8]()
        b.reserveCapacity(count)
        var untilBreak = Int(r.next() % UInt64(2 * line + 1))
        while b.count < count {
            if untilBreak == 0 {
                b.append(0x0A)
                untilBreak = Int(r.next() % UInt64(2 * line + 1))
                if r.next() % 7 == 0 { b.append(0x0A) }   // a blank line
                continue
            }
            b.append(r.next() % 5 == 0 ? 0x2C : 0x30 + UInt8(r.next() % 10))
            untilBreak -= 1
        }
        b.removeLast(b.count - count)
        if let special, at < b.count { b[at] = special }
        b.append(contentsOf: Array(trailing.utf8))
        return b
    }

    func check(_ b: [UInt8], _ what: String) {
        let want = Self.plainScan(b)
        for threads in [1, 2, 5] {
            LimmaThreads.set(threads)
            let got = b.withUnsafeBufferPointer { ByteScan.scan($0) }
            #expect(got == want, "\(what), \(threads) threads: \(got) vs \(want)")
            if !want.hasQuote && !want.hasCR {
                for start in [0, min(3, b.count)] {
                    let lines = b.withUnsafeBufferPointer { FastMatrixParser.lineRanges($0, from: start, hasQuote: false, hasCR: false) }
                    let plain = Self.plainLines(b, from: start)
                    #expect(lines.map { [$0.0, $0.1] } == plain.map { [$0.0, $0.1] }, "\(what), \(threads) threads, from \(start)")
                }
            }
        }
        LimmaThreads.set(0)
    }

    @Test func smallBuffersAndEveryPosition() {
        check([], "empty")
        check([0x0A], "one LF")
        check(Array("a".utf8), "one byte")
        check(Array("\n\n\nabc".utf8), "leading blank lines")
        check(Array("abc\n  \t".utf8), "trailing blanks")
        // Each special byte at every position of a buffer of 200 (across the 64-byte vectors and the tail).
        for special: UInt8 in [0x22, 0x0D, 0, 0x80, 0xFF, 0x0A] {
            for at in 0..<200 {
                check(Self.text(count: 200, line: 9, seed: UInt64(at) + 1, special: special, at: at), "byte \(special) at \(at)")
            }
        }
    }

    @Test func largeBuffersAcrossBlocksAndThreads() {
        let mb = 1 << 20
        // Lines longer than a block, lines ending exactly at block edges, a final line without LF.
        check(Self.text(count: 5 * mb + 17, line: 3000, seed: 7), "5 MB, lines ~3 KB")
        check(Self.text(count: 5 * mb, line: 3 * mb, seed: 8), "5 MB, lines ~3 MB (spanning blocks)")
        var edges = Self.text(count: 6 * mb, line: 100, seed: 9)
        for k in 1...5 { edges[k * mb - 1] = 0x0A; edges[k * mb] = 0x0A }
        check(edges, "LFs at block edges")
        check(Self.text(count: 5 * mb, line: 50, seed: 10, trailing: "g9,1,2"), "unterminated last line")
        check(Self.text(count: 5 * mb, line: 50, seed: 11, special: 0xC3, at: 3 * mb + 5), "non-ASCII deep inside")
        check(Self.text(count: 5 * mb, line: 50, seed: 12, special: 0x22, at: 5 * mb - 1), "quote at the very end")
        check([UInt8](repeating: 0x31, count: 5 * mb), "one 5 MB line without LF")
    }
}
