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
}
