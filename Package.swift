// swift-tools-version:6.0
// limma-swift: a Swift implementation of Bioconductor's limma, and
// limma-parity, the harness that proves it agrees with R.
// Licence: GPL-3.0-or-later (a port of limma, which is GPL).
import PackageDescription

// LimmaFMA is built for processors with fused multiply-add (its README says
// why); only that module. AArch64's baseline has FMA.
// LimmaAVX512 is built for processors with AVX-512 (Skylake-SP and later);
// elsewhere it is compiled for the baseline and never called.
#if arch(x86_64)
let fmaTarget: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
let avx512Target: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512"])]
#else
let fmaTarget: [SwiftSetting] = []
let avx512Target: [SwiftSetting] = []
#endif

let package = Package(
    name: "limma-swift",
    products: [
        .library(name: "Limma", targets: ["Limma"]),
        .library(name: "LimmaParity", targets: ["LimmaParity"]),
        .executable(name: "limma-parity", targets: ["limma-parity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // Thin system-library targets: each is a module map and one header.
        .systemLibrary(name: "CLapack", path: "Sources/CLapack"),
        .systemLibrary(name: "CRmath", path: "Sources/CRmath"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CCPUFeatures", path: "Sources/CCPUFeatures"),
        .systemLibrary(name: "CAllocator", path: "Sources/CAllocator"),
        .systemLibrary(name: "CAVX512", path: "Sources/CAVX512"),

        // Kernels compiled for processors with FMA; run only after the CPU check.
        .target(
            name: "LimmaFMA",
            exclude: ["README.md"],
            swiftSettings: fmaTarget + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // Kernels in eight lanes of 512-bit registers; run only after the CPU check.
        .target(
            name: "LimmaAVX512",
            exclude: ["README.md"],
            swiftSettings: avx512Target + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),

        // The engine: limma in Swift.
        .target(
            name: "Limma",
            dependencies: [
                "CLapack", "CRmath", "CZlib", "CCPUFeatures", "CAVX512", "LimmaFMA", "LimmaAVX512",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        // The harness: case -> (engine run, R run) -> outputs -> comparison -> reports.
        .target(
            name: "LimmaParity",
            dependencies: [
                "Limma", "CAllocator",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            resources: []
        ),
        .executableTarget(
            name: "limma-parity",
            dependencies: [
                "LimmaParity", "Limma",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "LimmaTests",
            dependencies: ["Limma", "LimmaFMA", "LimmaAVX512", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .testTarget(
            name: "LimmaParityTests",
            dependencies: ["LimmaParity", "Limma"]
        ),
    ]
)
