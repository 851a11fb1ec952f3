// How limma-parity's own process sets up the C library's allocator: a
// process-wide choice of the executable, not of the Limma library.
import CAllocator
import Foundation

/// limma-parity keeps the memory it frees for its next allocations.
///
/// Why: a small pipeline (pasilla-voom, 8k genes) allocates and frees many
/// gene-length arrays of 60 KB to 1 MB. glibc's malloc serves blocks above its
/// mmap threshold (128 KiB at start) with a mapping of their own and unmaps it
/// on free, and trims the heap's top beyond 128 KiB, so the next array of that
/// size starts on fresh pages again: about 1,300 page faults per run, 1.5-2.5
/// us each on a virtual machine. With blocks up to 32 MiB (glibc's own ceiling
/// for its adaptive threshold) from the heap and the heap kept up to 1 GiB, a
/// freed array is reused instead. Blocks above 32 MiB (a 60k x 1000 matrix is
/// 480 MB) still get their own mapping, so peak memory at scale is unchanged.
///
/// `LIMMA_PARITY_ALLOCATOR=system` leaves glibc's defaults, as does a
/// `GLIBC_TUNABLES` that sets any `glibc.malloc.` tunable (the caller's
/// choice wins). A program that uses the Limma library directly can make the
/// same choice for its own process (mallopt or GLIBC_TUNABLES); the library
/// never does.
public enum AllocatorPolicy {
    /// Heap blocks up to this size: glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit.
    public static let mmapThreshold: Int32 = 32 << 20
    /// The heap's top is trimmed only beyond this.
    public static let trimThreshold: Int32 = 1 << 30

    /// Whether the environment asks for the C library's defaults.
    static func leavesDefaults(_ env: [String: String]) -> Bool {
        if env["LIMMA_PARITY_ALLOCATOR"] == "system" { return true }
        if let t = env["GLIBC_TUNABLES"], t.contains("glibc.malloc.") { return true }
        return false
    }

    /// Applies the policy once, first thing in `main`; true when it took.
    @discardableResult
    public static func apply(environment env: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        if leavesDefaults(env) { return false }
        return limma_allocator_keep_freed_memory(mmapThreshold, trimThreshold) == 1
    }

    /// What bench reports as `machine.allocator`: `"keeps freed memory"` when
    /// this process's policy is in force (the engine children are this
    /// executable with the same environment), `"system default"` otherwise.
    public static func describe(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        #if canImport(Glibc)
        return leavesDefaults(env) ? "system default" : "keeps freed memory"
        #else
        return "system default"
        #endif
    }
}
