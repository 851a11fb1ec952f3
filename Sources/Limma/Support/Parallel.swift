// Engine-wide thread setting and the deterministic parallel loops the hot
// paths (lmFit's per-gene fits, voom, calcNormFactors) use.
import Foundation
import Synchronization

/// How many threads the engine may use, and loops that split work over them.
///
/// Every parallel loop here hands each index (a gene, a sample) to exactly
/// one worker and each worker writes only that index's own output slot, with
/// the same floating-point operations in the same order as the serial loop.
/// So results are bit-for-bit identical for any thread count, including 1.
public enum LimmaThreads {
    private static let setting = Atomic<Int>(0)

    /// The number of worker threads parallel loops use: the value last given
    /// to `set(_:)`, or (0, the default) the active processor count.
    public static var count: Int {
        let n = setting.load(ordering: .relaxed)
        return n > 0 ? n : Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Sets the engine-wide thread count; 0 (or less) restores the default
    /// (the active processor count).
    public static func set(_ n: Int) {
        setting.store(Swift.max(0, n), ordering: .relaxed)
    }

    /// Runs `body(range)` over `0..<n` cut into contiguous chunks of at least
    /// `minChunk` indices (the last may be shorter), the chunks spread over
    /// `count` threads. With one thread (or one chunk) it runs inline. `body`
    /// must write only the outputs of the indices in its range.
    ///
    /// The chunks shrink as the loop goes (guided scheduling, `GuidedChunks`):
    /// each is a share of what is left, so the workers finish within about one
    /// small chunk of each other however the host slows one of them down.
    static func forEachChunk(_ n: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard n > 0 else { return }
        let threads = count
        let least = Swift.max(1, minChunk)
        if threads <= 1 || n < 2 * least {
            body(0..<n)
            return
        }
        withoutActuallyEscaping(body) { b in
            let box = UncheckedBox(b)
            // At most `threads` workers, each taking the next unclaimed chunk
            // until none is left: a worker the host slows down takes fewer.
            let workers = Swift.min(threads, (n + least - 1) / least)
            let claims = GuidedChunks(n, minChunk: least, threads: threads)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let r = claims.next() { box.value(r) }
            }
        }
    }

    /// `(0..<n).map(transform)`, computed in parallel chunks; element i is
    /// `transform(i)` whatever the thread count.
    static func map<T>(_ n: Int, minChunk: Int = 1, _ transform: (Int) -> T) -> [T] {
        var results = [T?](repeating: nil, count: n)
        withoutActuallyEscaping(transform) { t in
            let tbox = UncheckedBox(t)
            results.withUnsafeMutableBufferPointer { rb in
                let out = UncheckedBox(rb)
                forEachChunk(n, minChunk: minChunk) { range in
                    for i in range { out.value[i] = tbox.value(i) }
                }
            }
        }
        return results.map { $0! }
    }

    /// `map` for a throwing `transform`: throws the error of the lowest index
    /// that failed, as the serial loop would.
    static func mapThrowing<T>(_ n: Int, minChunk: Int = 1, _ transform: (Int) throws -> T) throws -> [T] {
        let results: [Result<T, any Error>] = map(n, minChunk: minChunk) { i in Result { try transform(i) } }
        return try results.map { try $0.get() }
    }
}

/// The chunks of one parallel loop, handed out in order, each once (a
/// class over `NSLock`, for the reason `FirstFailure` gives).
///
/// Each claim takes `max(minChunk, left / (2 * threads))` of the indices
/// still left (at most all of them): large chunks first, while the workers
/// are far from the end, then smaller ones, so that when the last chunk is
/// claimed the other workers are at most about one small chunk from done.
/// The sequence of chunks depends only on `n`, `minChunk` and `threads`,
/// never on which worker claims which.
final class GuidedChunks: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = 0
    private let count: Int
    private let minChunk: Int
    private let divisor: Int

    init(_ count: Int, minChunk: Int, threads: Int) {
        self.count = count
        self.minChunk = Swift.max(1, minChunk)
        self.divisor = 2 * Swift.max(1, threads)
    }

    /// The next chunk not yet claimed, or nil when all are.
    func next() -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        let left = count - claimed
        guard left > 0 else { return nil }
        let size = Swift.min(left, Swift.max(minChunk, left / divisor))
        claimed += size
        return (claimed - size)..<claimed
    }
}

/// The error a serial loop over indices would throw first: the error of
/// the lowest index that failed, recorded from any worker thread.
///
/// A class over `NSLock` rather than a `Mutex` of an optional tuple: the
/// `Mutex`'s generic storage makes the Swift runtime look up a protocol
/// conformance the first time it is destroyed, a scan that costs the
/// process ~0.1 ms inside the step that first uses it.
final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var index = Int.max
    private var error: (any Error)?

    /// Records `error` for index `i` unless a lower index failed already.
    func record(_ i: Int, _ error: any Error) {
        lock.lock()
        if i < index { (index, self.error) = (i, error) }
        lock.unlock()
    }

    /// Throws the recorded error, if any.
    func rethrow() throws {
        lock.lock()
        let e = error
        lock.unlock()
        if let e { throw e }
    }
}

/// A flag that any worker may raise and every worker may read, for loops
/// that give up early (a class over `NSLock`, for the reason `FirstFailure`
/// gives: an `Atomic<Bool>` costs a conformance scan on first use).
final class RaisedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    func raise() {
        lock.lock()
        raised = true
        lock.unlock()
    }

    var isRaised: Bool {
        lock.lock()
        defer { lock.unlock() }
        return raised
    }
}

/// Carries a non-Sendable value into `concurrentPerform`'s workers; the
/// loops above guarantee the workers touch disjoint parts of it.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
