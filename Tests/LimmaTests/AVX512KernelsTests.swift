import CCPUFeatures
import Testing
@testable import Limma

/// The AVX-512 switch: it never claims more than the processor and the FMA
/// switch allow, and the tests' override turns it off and back.
@Suite struct AVX512KernelsTests {
    @Test func switchFollowsSupportFMAAndOverride() {
        #expect(!AVX512Kernels.supported || FMAKernels.supported)
        #expect(!AVX512Kernels.supported || limma_cpu_kernel_level() == 2)
        #expect(!FMAKernels.supported || limma_cpu_kernel_level() >= 1)
        #expect(Int(limma_cpu_kernel_level()) == FMAKernels.cpuKernelLevel)
        AVX512Kernels.set(false)
        #expect(!AVX512Kernels.enabled)
        AVX512Kernels.set(nil)
        #expect(AVX512Kernels.enabled == (AVX512Kernels.supported && FMAKernels.enabled))
    }
}
