// Whether the LimmaAVX512 kernels may run on this processor.
import CCPUFeatures
import Foundation
import Synchronization

/// The switch every caller of a `LimmaAVX512` kernel checks first.
///
/// `LimmaAVX512` is compiled for processors with AVX-512 (see its README), so
/// its code may only run where CPUID says the instructions exist and the
/// operating system saves the 512-bit registers. `enabled` is true when they
/// do and the FMA kernels may run too, unless the environment sets
/// `LIMMA_AVX512=0` (or `LIMMA_FMA=0`, which turns off every fused kernel).
/// Every kernel has a counterpart in `LimmaFMA` or `Limma` that gives the same
/// bits, so the switch changes speed only; tests flip it (`set`) to hold the
/// paths to each other.
enum AVX512Kernels {
    /// What this processor supports (and the environment allows).
    static let supported: Bool = {
        // getenv, as in FMAKernels: no dictionary of the environment.
        if let v = getenv("LIMMA_AVX512"), String(cString: v) == "0" { return false }
        return FMAKernels.supported && FMAKernels.cpuKernelLevel >= 2
    }()

    private static let override = Atomic<Int>(-1)

    /// True when the kernels run: `supported` and `FMAKernels.enabled`,
    /// unless `set(false)`.
    static var enabled: Bool {
        let o = override.load(ordering: .relaxed)
        return (o < 0 ? supported : (o == 1 && supported)) && FMAKernels.enabled
    }

    /// Turns the kernels off (false) or back on where supported (true);
    /// nil restores the default. For tests.
    static func set(_ on: Bool?) {
        override.store(on.map { $0 ? 1 : 0 } ?? -1, ordering: .relaxed)
    }
}

/// Which set of kernels the engine's hot loops use in this process:
/// `"avx512"` (LimmaAVX512 where a kernel has an eight-lane form, LimmaFMA
/// elsewhere), `"fma"` (LimmaFMA) or `"plain"` (neither). Every set gives the
/// same bits; reports record it beside the timings, which it does change.
public enum EngineKernels {
    public static var active: String {
        AVX512Kernels.enabled ? "avx512" : FMAKernels.enabled ? "fma" : "plain"
    }
}
