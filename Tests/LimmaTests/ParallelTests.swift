// LimmaThreads.forEachChunk and its guided chunks: every index once, in
// contiguous chunks that shrink, the same chunks whoever claims them.
import Foundation
import Synchronization
import Testing
@testable import Limma

@Suite("parallel loops") struct ParallelTests {
    /// The chunks tile 0..<n in order; each is at least `minChunk` long but
    /// the last, at most a 1/(2 threads) share of what was left, and they never grow.
    @Test func guidedChunksTileTheRangeAndShrink() {
        for (n, minChunk, threads) in [(1, 1, 2), (7, 1, 2), (60_000, 64, 2), (1000, 1, 2), (46_951, 2, 3), (100, 40, 8), (5, 9, 2)] {
            let claims = GuidedChunks(n, minChunk: minChunk, threads: threads)
            var chunks: [Range<Int>] = []
            while let r = claims.next() { chunks.append(r) }
            #expect(chunks.first?.lowerBound == 0)
            #expect(chunks.last?.upperBound == n)
            for (a, b) in zip(chunks, chunks.dropFirst()) {
                #expect(a.upperBound == b.lowerBound, "\(n), \(minChunk), \(threads): contiguous")
                #expect(b.count <= a.count, "\(n), \(minChunk), \(threads): \(a.count) then \(b.count)")
            }
            var left = n
            for (k, r) in chunks.enumerated() {
                #expect(!r.isEmpty)
                if k < chunks.count - 1 { #expect(r.count >= minChunk) }
                #expect(r.count <= max(minChunk, left / (2 * threads)))
                left -= r.count
            }
            #expect(claims.next() == nil)
        }
        // A loop with room for many chunks ends on small ones.
        let claims = GuidedChunks(60_000, minChunk: 64, threads: 2)
        var sizes: [Int] = []
        while let r = claims.next() { sizes.append(r.count) }
        #expect(sizes.first == 15_000)
        #expect(sizes.last! <= 64)
    }

    /// Every index is handed to exactly one call, for any thread count.
    @Test func forEachChunkVisitsEveryIndexOnce() {
        defer { LimmaThreads.set(0) }
        for threads in [1, 2, 3, 7] {
            LimmaThreads.set(threads)
            for (n, minChunk) in [(0, 1), (1, 1), (2, 1), (999, 1), (10_000, 64), (130, 64)] {
                let visits = Mutex([Int](repeating: 0, count: n))
                LimmaThreads.forEachChunk(n, minChunk: minChunk) { r in
                    visits.withLock { v in for i in r { v[i] += 1 } }
                }
                visits.withLock { v in #expect(v.allSatisfy { $0 == 1 }, "\(threads) threads, n \(n), minChunk \(minChunk)") }
            }
        }
    }
}
