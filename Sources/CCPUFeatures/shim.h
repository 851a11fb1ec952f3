// Which of the package's kernel modules this processor (and the operating
// system) can run: LimmaFMA, compiled for x86-64 processors of the Haswell
// generation and later, and LimmaAVX512, compiled for Skylake-SP and later.
// Header only: CPUID and XGETBV through inline assembly.
#ifndef LIMMA_CCPUFEATURES_SHIM_H
#define LIMMA_CCPUFEATURES_SHIM_H

#if defined(__x86_64__)
#include <cpuid.h>

/// 2 when the processor can run LimmaAVX512 (and LimmaFMA), 1 when it can run
/// LimmaFMA only, else 0.
///
/// LimmaFMA needs every instruction set extension a Haswell build may use
/// (AVX, AVX2, FMA, F16C, BMI1, BMI2, LZCNT, MOVBE, POPCNT) and the operating
/// system saving the AVX registers (XCR0 bits 1 and 2). LimmaAVX512 needs, in
/// addition, AVX-512 F, DQ, CD, BW and VL, ADX and PREFETCHW, with the
/// operating system saving the opmask and all 512-bit registers (XCR0 bits 5,
/// 6 and 7).
///
/// Four CPUID instructions in all (leaves 0, 1, 7 and 0x80000001; the last
/// exists on every x86-64 processor): in a virtual machine each one traps to
/// the hypervisor, about 9 us here. Call it once per process.
static inline int limma_cpu_kernel_level(void) {
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    if (a < 7) return 0;
    __cpuid(1, a, b, c, d);
    const unsigned leaf1 = (1u << 12) /* FMA */ | (1u << 22) /* MOVBE */ | (1u << 23) /* POPCNT */
        | (1u << 27) /* OSXSAVE */ | (1u << 28) /* AVX */ | (1u << 29) /* F16C */;
    if ((c & leaf1) != leaf1) return 0;
    unsigned xlo, xhi;
    __asm__ volatile("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    if ((xlo & 6u) != 6u) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const unsigned leaf7 = (1u << 3) /* BMI1 */ | (1u << 5) /* AVX2 */ | (1u << 8) /* BMI2 */;
    if ((b & leaf7) != leaf7) return 0;
    const unsigned leaf7AVX512 = (1u << 16) /* AVX512F */ | (1u << 17) /* AVX512DQ */ | (1u << 19) /* ADX */
        | (1u << 28) /* AVX512CD */ | (1u << 30) /* AVX512BW */ | (1u << 31) /* AVX512VL */;
    const int avx512 = (b & leaf7AVX512) == leaf7AVX512 && (xlo & 0xE6u) == 0xE6u;
    unsigned ea, eb, ec, ed;
    __cpuid(0x80000001u, ea, eb, ec, ed);
    if (!(ec & (1u << 5)) /* LZCNT */) return 0;
    return avx512 && (ec & (1u << 8)) /* PREFETCHW */ ? 2 : 1;
}
#elif defined(__aarch64__)
/// Every AArch64 processor has fused multiply-add, and LimmaFMA is built for
/// the baseline there; LimmaAVX512 is x86-64 only.
static inline int limma_cpu_kernel_level(void) { return 1; }
#else
static inline int limma_cpu_kernel_level(void) { return 0; }
#endif

#endif
