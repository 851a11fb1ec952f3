// filterByExpr's scan and colSums' exact integer sums on eight AVX-512
// lanes (LimmaAVX512/FilterKernels.swift) against the two-lane code in
// Limma, bit for bit, on adversarial counts.
import Foundation
import LimmaAVX512
import Testing
@testable import Limma

@Suite("filterByExpr: eight AVX-512 lanes keep the two lanes' bits")
struct FilterAVX512Tests {
    typealias LCG = LinearModelKernelTests.LCG

    /// A count drawn to hit every branch: small and large integers, ±0,
    /// values near 2^52 and 2^53, non-integers, negative, NaN, infinity,
    /// subnormal.
    static func count(_ rng: inout LCG, _ kind: Int) -> Double {
        switch kind {
        case 0: return (rng.next() * 50).rounded(.down)
        case 1: return -0.0
        case 2: return 4503599627370495
        case 3: return 0x1p52
        case 4: return 0x1p50 * (rng.next() * 4).rounded(.down)
        case 5: return (rng.next() * 50).rounded(.down) + 0.5
        case 6: return -1
        case 7: return .nan
        case 8: return .infinity
        case 9: return 5e-324
        case 10: return 1e300
        default: return (rng.next() * 1e6).rounded(.down)
        }
    }

    @Test("exactIntegerSum's eight lanes (avx512FilterExactIntegerSumLanes) equal its two lanes (sizes 0-100, every kind of value)",
          .enabled(if: AVX512Kernels.supported))
    func exactIntegerSums() {
        var rng = LCG(state: 31)
        var checked = 0, exact = 0
        for size in 0...100 {
            for trial in 0..<40 {
                var v = (0..<size).map { _ in (rng.next() * 1000).rounded(.down) }
                // One or two special values (none in a quarter of the trials).
                if size > 0 && trial % 4 != 0 {
                    v[(trial * 7) % size] = Self.count(&rng, trial % 12)
                    if trial % 3 == 0 { v[(trial * 13) % size] = Self.count(&rng, (trial / 3) % 12) }
                }
                let plain = v.withUnsafeBufferPointer { RBase.exactIntegerSumPlain($0) }
                let wide = v.withUnsafeBufferPointer { RBase.exactIntegerSum($0, avx512: true) }
                if size == 0 {
                    #expect(plain == 0)
                } else {
                    #expect(plain?.bitPattern == wide?.bitPattern, "size \(size) trial \(trial): \(String(describing: plain)) vs \(String(describing: wide))")
                }
                if plain != nil { exact += 1 }
                checked += 1
            }
        }
        #expect(checked == 4040 && exact > 1000 && exact < checked)
    }

    @Test("filterScan through avx512FilterAccumulate equals the two-lane scan (blocks and tails of every size, invalid and non-integer counts, ties at the cutoff, 1 and 2 threads)",
          .enabled(if: AVX512Kernels.supported))
    func scans() {
        defer { LimmaThreads.set(0) }
        var rng = LCG(state: 77)
        var compared = 0, kept = 0
        for ngenes in [1, 2, 7, 8, 9, 15, 1023, 1024, 1025, 1031, 2100] {
            for nsamples in [1, 3, 12] {
                for trial in 0..<6 {
                    var m = Matrix(nrow: ngenes, ncol: nsamples)
                    for k in m.values.indices { m.values[k] = (rng.next() * 40).rounded(.down) }
                    // Counts at the cutoff exactly (scale 1: count 10 against 10), and specials.
                    for g in stride(from: 0, to: ngenes, by: 3) { m[g, g % nsamples] = 10 }
                    switch trial {
                    case 1: m[ngenes - 1, nsamples - 1] = 2.5                  // non-integer: long-double totals
                    case 2: m[ngenes / 2, 0] = .nan                              // invalid
                    case 3: m[ngenes - 1, 0] = -0.0; m[0, nsamples - 1] = 0x1p52  // exact, and 2^52
                    case 4: m[(ngenes * 2) / 3, nsamples / 2] = -3                 // invalid
                    case 5: for g in 0..<ngenes { m[g, 0] = 0x1p51 }             // totals past 2^53
                    default: break
                    }
                    let scale = (0..<nsamples).map { j in j == 0 ? 1 : rng.next() * 2 + 0.1 }
                    for threads in [1, 2] {
                        LimmaThreads.set(threads)
                        let plain = filterScan(m, scale: scale, cutoff: 10, minSamples: Double(nsamples) / 2 - 1e-14,
                                               minTotal: 15 - 1e-14, wide: false)
                        let wide = filterScan(m, scale: scale, cutoff: 10, minSamples: Double(nsamples) / 2 - 1e-14,
                                              minTotal: 15 - 1e-14, wide: true)
                        #expect(plain == wide, "genes \(ngenes) samples \(nsamples) trial \(trial) threads \(threads)")
                        kept += plain?.filter { $0 }.count ?? 0
                        compared += 1
                    }
                }
            }
        }
        #expect(compared == 396 && kept > 1000)
    }
}
