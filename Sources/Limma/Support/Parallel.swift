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
    /// `minChunk` indices, the chunks spread over `count` threads. With one
    /// thread (or one chunk) it runs inline. `body` must write only the
    /// outputs of the indices in its range.
    static func forEachChunk(_ n: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard n > 0 else { return }
        let threads = count
        let chunks = Swift.min(Swift.max(1, n / Swift.max(1, minChunk)), threads * 4)
        if threads <= 1 || chunks <= 1 {
            body(0..<n)
            return
        }
        let size = (n + chunks - 1) / chunks
        let nchunks = (n + size - 1) / size
        withoutActuallyEscaping(body) { b in
            let box = UncheckedBox(b)
            // At most `threads` workers, each taking the next unclaimed chunk
            // until none is left: a worker the host slows down takes fewer.
            let workers = Swift.min(threads, nchunks)
            let claims = ChunkClaims(nchunks)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let c = claims.next() {
                    let lo = c * size
                    box.value(lo..<Swift.min(n, lo + size))
                }
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
final class ChunkClaims: @unchecked Sendable {
    private let lock = NSLock()
    private var claimed = 0
    private let count: Int

    init(_ count: Int) { self.count = count }

    /// The next chunk not yet claimed, or nil when all are.
    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard claimed < count else { return nil }
        claimed += 1
        return claimed - 1
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
