// The C library allocator's settings that limma-parity chooses for its own
// process (mallopt is not visible to Swift through Glibc's module map).
// Header only.
#ifndef LIMMA_CALLOCATOR_SHIM_H
#define LIMMA_CALLOCATOR_SHIM_H

#include <stddef.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif

/// Asks glibc's malloc to keep memory the process frees for its next
/// allocations: blocks up to `mmap_threshold` bytes come from the heap (not
/// from a fresh mapping of their own that is unmapped when freed), and the
/// heap's top is returned to the system only beyond `trim_threshold` bytes.
/// A fresh page costs a page fault on first touch (1.5-2.5 us each in a
/// virtual machine); memory kept and reused does not. Returns 1 when both
/// settings were taken, 0 otherwise (another C library: nothing changed).
static inline int limma_allocator_keep_freed_memory(int mmap_threshold, int trim_threshold) {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    int a = mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    int b = mallopt(M_TRIM_THRESHOLD, trim_threshold);
    return a == 1 && b == 1;
#else
    (void)mmap_threshold; (void)trim_threshold;
    return 0;
#endif
}

#endif
