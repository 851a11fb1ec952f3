// Whether the LimmaFMA kernels may run on this processor.
import CCPUFeatures
import Foundation
import Synchronization

/// The switch every caller of a `LimmaFMA` kernel checks first.
///
/// `LimmaFMA` is compiled for processors with FMA and AVX2 (see its README),
/// so its code may only run where CPUID says those exist. `enabled` is true
/// when they do, unless the environment sets `LIMMA_FMA=0`. Every kernel has a
/// plain counterpart that gives the same bits, so the switch changes speed
/// only; tests flip it (`set`) to hold the two paths to each other.
enum FMAKernels {
    /// What this processor supports (and the environment allows).
    static let supported: Bool = {
        // getenv, not ProcessInfo's environment: its first read builds a
        // dictionary of the whole environment (~0.4 ms, inside the first
        // step that asks).
        if let v = getenv("LIMMA_FMA"), String(cString: v) == "0" { return false }
        return cpuKernelLevel >= 1
    }()

    /// `limma_cpu_kernel_level()`, asked once per process (each CPUID traps
    /// to the hypervisor in a virtual machine): 2 AVX-512 and FMA, 1 FMA, 0 neither.
    static let cpuKernelLevel: Int = Int(limma_cpu_kernel_level())

    private static let override = Atomic<Int>(-1)

    /// True when the kernels run: `supported`, unless `set(false)`.
    static var enabled: Bool {
        let o = override.load(ordering: .relaxed)
        return o < 0 ? supported : (o == 1 && supported)
    }

    /// Turns the kernels off (false) or back on where supported (true);
    /// nil restores the default. For tests.
    static func set(_ on: Bool?) {
        override.store(on.map { $0 ? 1 : 0 } ?? -1, ordering: .relaxed)
    }
}
