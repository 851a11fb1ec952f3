// normalizeQuantiles' path for complete matrices against its general path
// (the step-by-step port checked against live R in VoomTests), bit for bit.
import Foundation
import Testing
@testable import Limma

@Suite("normalizeQuantiles fast path")
struct NormalizeQuantilesTests {
    @Test func completePathMatchesGeneralPath() throws {
        var state: UInt64 = 11
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) * 0x1p-53
        }
        for trial in 0..<40 {
            let n = 2 + trial * 37 % 900, p = 2 + trial % 7
            var a = Matrix(nrow: n, ncol: p)
            for k in 0..<(n * p) {
                switch trial % 4 {
                case 0: a.values[k] = next() * 20 - 5                      // no ties
                case 1: a.values[k] = (next() * 12).rounded()               // many ties
                case 2: a.values[k] = k % 3 == 0 ? 0 : log2(next() + 0.5)   // a tied block of zeros
                default: a.values[k] = next() < 0.5 ? 1.5 : -2              // two values only
                }
            }
            let fast = try normalizeQuantilesComplete(a)
            let general = try normalizeQuantilesGeneral(a)
            #expect(fast.values.map(\.bitPattern) == general.values.map(\.bitPattern), "trial \(trial) (\(n) x \(p))")
            #expect(try normalizeQuantiles(a).values.map(\.bitPattern) == fast.values.map(\.bitPattern))
        }
    }

    /// Columns made to hit `BucketOrder`'s edges: -0 and +0 tied,
    /// infinite values (radix order, NaN row means), a range too wide or too
    /// narrow to scale, crowded buckets (the insertion sort's budget), one
    /// distinct value, heavy ties, sizes 2, 3 and odd; every column of a
    /// matrix also reversed and shifted so the columns differ.
    static func adversarialColumns(_ n: Int, _ u: inout TMMBandedTests.Uniform) -> [[Double]] {
        [
            (0..<n).map { i in i % 3 == 0 ? -0.0 : (i % 3 == 1 ? 0.0 : (u.next() * 4).rounded(.down) - 2) },
            (0..<n).map { i in i % 7 == 0 ? -.infinity : (i % 11 == 0 ? .infinity : u.next()) },
            (0..<n).map { i in i == 0 ? -1e308 : (i == 1 ? 1e308 : u.next() * 1e307) },
            (0..<n).map { i in 1 + Double(i % 5) * 0x1p-52 },
            (0..<n).map { i in i % 5 == 0 ? 0x1p-1070 : Double(i % 3) * 0x1p-1074 },
            (0..<n).map { i in i == n / 2 ? 1e12 : 1 + u.next() * 1e-6 },
            (0..<n).map { _ in 7.25 },
            (0..<n).map { _ in (u.next() * 3).rounded(.down) },
            (0..<n).map { i in log2((Double(i % 40) + 0.5) / 1e6 * 1e6) },
            (0..<n).map { _ in 0x1p-1022 * (u.next() + 1) },
        ]
    }

    @Test func completePathMatchesGeneralPathOnSortEdges() throws {
        var u = TMMBandedTests.Uniform(state: 23)
        for n in [2, 3, 5, 17, 64, 1001, 4096, 20001] {
            let cols = Self.adversarialColumns(n, &u)
            for (c, col) in cols.enumerated() {
                // The column with a reversed copy and a shuffled copy of a neighbour.
                let other = cols[(c + 1) % cols.count]
                var shuffled = other
                for i in stride(from: n - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(u.next() * Double(i + 1))) }
                let a = Matrix(nrow: n, ncol: 3, values: col + col.reversed() + shuffled)
                let fast = try normalizeQuantilesComplete(a)
                let general = try normalizeQuantilesGeneral(a)
                #expect(fast.values.map(\.bitPattern) == general.values.map(\.bitPattern), "n \(n) column \(c)")
            }
            // Every column at once.
            let all = Matrix(nrow: n, ncol: cols.count, values: cols.flatMap { $0 })
            #expect(try normalizeQuantilesComplete(all).values.map(\.bitPattern)
                    == normalizeQuantilesGeneral(all).values.map(\.bitPattern), "n \(n) all columns")
        }
    }

    /// voom's quantile path from the counts' order against the complete
    /// path on voom's log-CPM values, with and without the FMA kernels:
    /// small and large counts, heavy ties, fractional counts and counts of
    /// 2^32 or more (those columns sorted as doubles), library sizes of 0 and
    /// so large that the quotients `(count + 0.5) / (libSize + 1)` are subnormal.
    @Test func logCPMPathMatchesCompletePath() throws {
        var u = TMMBandedTests.Uniform(state: 31)
        for trial in 0..<24 {
            let n = [2, 3, 7, 64, 1000, 5000][trial % 6], p = 2 + trial % 5
            var counts = [Double](repeating: 0, count: n * p)
            var lib = [Double](repeating: 0, count: p)
            for j in 0..<p {
                let kind = (trial + j) % 7
                for i in 0..<n {
                    let x = u.next()
                    counts[j * n + i] = switch kind {
                    case 0: (x * 12).rounded(.down)                              // ties
                    case 1: (exp(x * 16) - 1).rounded(.down)                     // up to ~9e6
                    case 2: (x * 4095.99).rounded(.down) + (i % 9 == 0 ? 4096 : 0) // both sides of 4096
                    case 3: i % 5 == 0 ? 0x1p32 - 1 : (x * 3).rounded(.down)     // the largest whole count
                    case 4: x * 100                                              // fractions
                    case 5: i == n / 2 ? 0x1p32 : (x * 50).rounded(.down)         // 2^32 itself
                    default: 0                                                   // all zero
                    }
                }
                lib[j] = [0, 1e7, 3.5e5, 1.7e308, 42, 0x1p60, 1e6][(trial * 3 + j) % 7]
            }
            let expected = try normalizeQuantilesComplete(Matrix(nrow: n, ncol: p, values: voomLogCPM(Matrix(nrow: n, ncol: p, values: counts), libSize: lib)))
            for kernels in [true, false] {
                var got = counts
                try got.withUnsafeMutableBufferPointer { try normalizeQuantilesOfLogCPM($0.baseAddress!, ngenes: n, libSize: lib, kernels: kernels) }
                #expect(got.map(\.bitPattern) == expected.values.map(\.bitPattern), "trial \(trial) (\(n) x \(p)), kernels \(kernels)")
            }
        }
    }

    /// The column sort itself: sorted values, each the value of its row,
    /// every row once, against Swift's sort; the rows in `RBase.order`'s
    /// stable order.
    @Test func columnSortSortsEveryColumn() {
        var u = TMMBandedTests.Uniform(state: 29)
        for n in [1, 2, 3, 5, 17, 64, 1001, 4096, 20001] {
            let sorter = BucketOrder(capacity: n)
            defer { sorter.deallocate() }
            for (c, col) in Self.adversarialColumns(n, &u).enumerated() {
                col.withUnsafeBufferPointer { sorter.sort($0.baseAddress!, n) }
                let values = (0..<n).map { sorter.values[$0] }, rows = (0..<n).map { Int(sorter.rows[$0]) }
                #expect(values == col.sorted(), "n \(n) column \(c)")
                #expect(rows.map { col[$0].bitPattern } == values.map(\.bitPattern), "n \(n) column \(c)")
                #expect(Set(rows).count == n, "n \(n) column \(c)")
                #expect(rows == RBase.order(col), "n \(n) column \(c)")
            }
        }
    }
}
