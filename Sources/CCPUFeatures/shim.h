// Whether this processor (and the operating system) can run the code in the
// LimmaFMA module, compiled for x86-64 processors of the Haswell generation
// and later, and in the LimmaAVX512 module, compiled for Skylake-SP and later.
// Header only: CPUID and XGETBV through inline assembly.
#ifndef LIMMA_CCPUFEATURES_SHIM_H
#define LIMMA_CCPUFEATURES_SHIM_H

#if defined(__x86_64__)
#include <cpuid.h>

/// 1 when the processor has every instruction set extension a Haswell build
/// may use (AVX, AVX2, FMA, F16C, BMI1, BMI2, LZCNT, MOVBE, POPCNT) and the
/// operating system saves the AVX registers (XCR0 bits 1 and 2), else 0.
static inline int limma_cpu_runs_fma_kernels(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    const unsigned leaf1 = (1u << 12) /* FMA */ | (1u << 22) /* MOVBE */ | (1u << 23) /* POPCNT */
        | (1u << 27) /* OSXSAVE */ | (1u << 28) /* AVX */ | (1u << 29) /* F16C */;
    if ((c & leaf1) != leaf1) return 0;
    unsigned xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    if ((xlo & 6u) != 6u) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const unsigned leaf7 = (1u << 3) /* BMI1 */ | (1u << 5) /* AVX2 */ | (1u << 8) /* BMI2 */;
    if ((b & leaf7) != leaf7) return 0;
    if (__get_cpuid_max(0x80000000u, 0) < 0x80000001u) return 0;
    __cpuid(0x80000001u, a, b, c, d);
    return (c & (1u << 5)) /* LZCNT */ ? 1 : 0;
}

/// 1 when the processor can also run the LimmaAVX512 module, compiled for
/// Skylake-SP (`-target-cpu skylake-avx512`): everything above, plus
/// AVX-512 F, DQ, CD, BW and VL, ADX and PREFETCHW, with the operating
/// system saving the opmask and all 512-bit registers (XCR0 bits 5, 6, 7).
static inline int limma_cpu_runs_avx512_kernels(void) {
    if (!limma_cpu_runs_fma_kernels()) return 0;
    unsigned xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    if ((xlo & 0xE6u) != 0xE6u) return 0;
    unsigned a, b, c, d;
    __cpuid_count(7, 0, a, b, c, d);
    const unsigned leaf7 = (1u << 16) /* AVX512F */ | (1u << 17) /* AVX512DQ */ | (1u << 19) /* ADX */
        | (1u << 28) /* AVX512CD */ | (1u << 30) /* AVX512BW */ | (1u << 31) /* AVX512VL */;
    if ((b & leaf7) != leaf7) return 0;
    __cpuid(0x80000001u, a, b, c, d);
    return (c & (1u << 8)) /* PREFETCHW */ ? 1 : 0;
}
#elif defined(__aarch64__)
/// Every AArch64 processor has fused multiply-add; the module is built for
/// the baseline there.
static inline int limma_cpu_runs_fma_kernels(void) { return 1; }
/// LimmaAVX512 is x86-64 only.
static inline int limma_cpu_runs_avx512_kernels(void) { return 0; }
#else
static inline int limma_cpu_runs_fma_kernels(void) { return 0; }
static inline int limma_cpu_runs_avx512_kernels(void) { return 0; }
#endif

#endif
