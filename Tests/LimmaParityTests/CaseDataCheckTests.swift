// The input checks CaseData runs on every matrix: duplicate names and counts
// that are not counts, against plain reference loops.
import Testing
import Limma
@testable import LimmaParity

@Suite struct CaseDataCheckTests {
    /// The first name equal (byte for byte) to an earlier one, the plain way.
    static func plainFirstDuplicate(_ a: [String]) -> String? {
        var seen = Set<[UInt8]>()
        for s in a { if !seen.insert(Array(s.utf8)).inserted { return s } }
        return nil
    }

    @Test func firstDuplicateMatchesAPlainSet() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        for trial in 0..<300 {
            let n = Int(next() % 400)
            // Names from a small alphabet, so short ones repeat by chance; some trials none.
            let width = 1 + Int(next() % 6)
            let alphabet = Array("ACGT_\u{E9}")
            var names = (0..<n).map { _ in String((0..<width).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }) }
            if trial % 3 == 0 { names = Array(Set(names)).sorted() }
            if trial % 5 == 1, names.count > 2 { names[names.count - 1] = names[Int(next() % UInt64(names.count - 1))] }
            #expect(CaseData.firstDuplicate(names) == Self.plainFirstDuplicate(names), "trial \(trial): \(names.prefix(12))")
        }
        #expect(CaseData.firstDuplicate([]) == nil)
        #expect(CaseData.firstDuplicate(["a"]) == nil)
        #expect(CaseData.firstDuplicate(["b", "a", "c", "a", "b"]) == "a")
        // NFC and NFD spellings of "é" are different bytes, so different names to R.
        #expect(CaseData.firstDuplicate(["caf\u{E9}", "cafe\u{301}"]) == nil)
        #expect(CaseData.firstDuplicate(["", "x", ""]) == "")
    }

    @Test func firstNotCountFindsTheFirstBadValue() {
        for threads in [1, 2, 3] {
            LimmaThreads.set(threads)
            defer { LimmaThreads.set(0) }
            let n = 200_003
            #expect(CaseData.firstNotCount([Double](repeating: 3, count: n)) == nil)
            for bad in [-1.0, .nan, .infinity, -.infinity, -0.0 - 1e-300] {
                for at in [0, 65_535, 65_536, 131_071, n - 1] {
                    var v = [Double](repeating: 7, count: n)
                    v[at] = bad
                    if at + 70_000 < n { v[at + 70_000] = bad }
                    #expect(CaseData.firstNotCount(v) == at, "\(bad) at \(at), \(threads) threads")
                }
            }
            #expect(CaseData.firstNotCount([0, -0.0, 1e308]) == nil)
        }
    }
}
