// lmFit's lane least squares on eight genes at a time: Limma's
// LaneLeastSquares.swift and FusedLeastSquares.swift (linked here as
// LeastSquaresLanes.swift and LeastSquaresFused.swift) compiled with
// `GeneLanes` = eight doubles, so each lane operation is one 512-bit
// instruction instead of two 128-bit ones.
//
// Why the bits are Limma's: the shared code gives every lane the scalar
// dqrdc2 / dqrsl / dpotri operations (IEEE `+ - * /` and `sqrt`, each
// correctly rounded, so the same in any register width) in the scalar order,
// and no operation reads another lane. The compiler may not contract a
// product and a sum into an FMA (Swift never does so without an explicit
// `addingProduct`), so the wider instruction set changes no rounding. The
// long-double sums stay x87 sums, one per lane, in index order.

/// One value per gene for eight genes.
typealias GeneLanes = SIMD8<Double>
typealias GeneLaneMask = SIMDMask<GeneLanes.MaskStorage>

#if arch(x86_64)
/// R's `LDOUBLE` (x87 extended precision) on this platform, as Limma's `RLongDouble`.
typealias LaneLongDouble = Float80
#else
typealias LaneLongDouble = Double
#endif

extension LaneLeastSquares {
    /// Eight lanes' running long-double sums (R's `LDOUBLE` accumulators),
    /// each adding its lane's values in index order from 0: Limma's four-lane
    /// `LongDoubleSums` twice over.
    struct LongDoubleSums {
        typealias L = LaneLongDouble
        var s0: L = 0, s1: L = 0, s2: L = 0, s3: L = 0, s4: L = 0, s5: L = 0, s6: L = 0, s7: L = 0

        /// Whether the kernels add to the sums inside their own loops: not
        /// here (eight sums do not fit the x87 stack beside the loop's
        /// values); they sum the stored values afterwards (`init(summing:)`).
        @inline(__always) static var fused: Bool { false }

        init() {}

        /// The sums of `v[0]`, `v[stride]`, ..., `v[(m - 1) * stride]`,
        /// lanes 0-3 in one pass and lanes 4-7 in another.
        @inline(__always)
        init(summing v: UnsafePointer<GeneLanes>, _ m: Int, stride: Int = 1) {
            let x = UnsafeRawPointer(v).assumingMemoryBound(to: Double.self)
            @inline(__always) func sum(_ off: Int) -> (L, L, L, L) {
                var a: L = 0, b: L = 0, c: L = 0, d: L = 0
                for i in 0..<m {
                    let e = x + 8 * stride * i + off
                    a += L(e[0]); b += L(e[1]); c += L(e[2]); d += L(e[3])
                }
                return (a, b, c, d)
            }
            (s0, s1, s2, s3) = sum(0)
            (s4, s5, s6, s7) = sum(4)
        }

        /// Adds the eight lanes at `e` (doubles `e[0..<8]`).
        @inline(__always)
        mutating func add(_ e: UnsafePointer<Double>) {
            s0 += L(e[0]); s1 += L(e[1]); s2 += L(e[2]); s3 += L(e[3])
            s4 += L(e[4]); s5 += L(e[5]); s6 += L(e[6]); s7 += L(e[7])
        }

        /// The means of the `m` values summed, which are `v[0]`, `v[stride]`,
        /// ..., as `longDoubleMeans` finishes them: each sum divided by m,
        /// and with `refine` the mean residual added when the mean is finite.
        /// The refinement runs over two lanes at a time (two sums and two
        /// means leave the x87 stack room for the values, so nothing is
        /// spilled); each lane's operations are the same.
        @inline(__always)
        func means(of v: UnsafePointer<GeneLanes>, _ m: Int, refine: Bool, stride: Int = 1) -> GeneLanes {
            let x = UnsafeRawPointer(v).assumingMemoryBound(to: Double.self)
            let nn = L(m)
            var s = (s0 / nn, s1 / nn, s2 / nn, s3 / nn, s4 / nn, s5 / nn, s6 / nn, s7 / nn)
            if refine {
                LaneLeastSquares.refineMeans(x, rowStride: 8 * stride, m, &s.0, &s.1)
                LaneLeastSquares.refineMeans(x + 2, rowStride: 8 * stride, m, &s.2, &s.3)
                LaneLeastSquares.refineMeans(x + 4, rowStride: 8 * stride, m, &s.4, &s.5)
                LaneLeastSquares.refineMeans(x + 6, rowStride: 8 * stride, m, &s.6, &s.7)
            }
            return GeneLanes(Double(s.0), Double(s.1), Double(s.2), Double(s.3),
                             Double(s.4), Double(s.5), Double(s.6), Double(s.7))
        }
    }
}

/// Where `avx512LeastSquaresWeightedFit` takes each row's weight from
/// (Limma's `LaneLeastSquares.RowWeights` for eight lanes).
public enum LeastSquaresRowWeights {
    /// No weights (`lm.fit`); `tinyRows` as in `RowWeights.none`.
    case none(tinyRows: Bool)
    /// The square roots of per-array weights (n doubles), all finite and > 0.
    case arrays(UnsafePointer<Double>, tinyRows: Bool)
    /// Each gene's own weights, eight doubles per row laid out as the values.
    case lanes(UnsafeRawPointer, smallestWeight: Double)
}

/// The lanes set in `mask`, as the bits of a byte (lane l is bit l).
@inline(__always)
func leastSquaresLaneBits(_ mask: GeneLaneMask) -> UInt8 {
    var bits: UInt8 = 0
    for l in 0..<8 where mask[l] { bits |= 1 << UInt8(l) }
    return bits
}

/// `LaneLeastSquares.weightedFit` (Limma's, see FusedLeastSquares.swift) on
/// eight genes: the values' row i is the eight doubles at
/// `y + 64 * stride * i` (weights likewise); `scratch` holds
/// `LaneBuffers.count(n:p:)` lanes of eight doubles; `knownMeans`, when
/// given, eight doubles. Writes the pivoted coefficients and chol2inv's
/// diagonal (`[j * 8 + l]` for coefficient j of lane l), the means and
/// sigma (eight each), and returns the lanes that are complete and those
/// the scalar routines must refit, as bits. Every lane's results are the
/// bits Limma's four-lane kernel gives for that gene. Call only when
/// `AVX512Kernels.enabled`.
@inline(never)
public func avx512LeastSquaresWeightedFit(
    _ y: UnsafeRawPointer, stride: Int, weights: LeastSquaresRowWeights, design: UnsafePointer<Double>,
    n: Int, p: Int, scratch: UnsafeMutableRawPointer, knownMeans: UnsafePointer<Double>?,
    coefficients: UnsafeMutablePointer<Double>, diagonal: UnsafeMutablePointer<Double>,
    means: UnsafeMutablePointer<Double>, sigma: UnsafeMutablePointer<Double>) -> (complete: UInt8, bad: UInt8) {
    let buffers = LaneLeastSquares.LaneBuffers(scratch.assumingMemoryBound(to: GeneLanes.self), n: n, p: p)
    let rows: LaneLeastSquares.RowWeights
    switch weights {
    case .none(let tinyRows): rows = .none(tinyRows: tinyRows)
    case .arrays(let roots, let tinyRows): rows = .arrays(roots, tinyRows: tinyRows)
    case .lanes(let w, let smallestWeight): rows = .lanes(w.assumingMemoryBound(to: GeneLanes.self), smallestWeight: smallestWeight)
    }
    let known = knownMeans.map { UnsafeRawPointer($0).loadUnaligned(as: GeneLanes.self) }
    let r = LaneLeastSquares.weightedFit(y.assumingMemoryBound(to: GeneLanes.self), rows, design: design, n: n, p: p,
                                         ws: buffers, means: known, stride: stride)
    for j in 0..<p {
        UnsafeMutableRawPointer(coefficients + 8 * j).storeBytes(of: buffers.lb[j], as: GeneLanes.self)
        UnsafeMutableRawPointer(diagonal + 8 * j).storeBytes(of: buffers.ldiag[j], as: GeneLanes.self)
    }
    UnsafeMutableRawPointer(means).storeBytes(of: r.means, as: GeneLanes.self)
    UnsafeMutableRawPointer(sigma).storeBytes(of: r.sigma, as: GeneLanes.self)
    return (leastSquaresLaneBits(r.complete), leastSquaresLaneBits(r.bad))
}

/// `LaneLeastSquares.sharedFit` (Limma's, see FusedLeastSquares.swift) on
/// eight genes whose values' row i is the eight doubles at
/// `source + 64 * stride * i`, with the values' sums taken on the way:
/// writes the first `rank` pivoted coefficients (`[j * 8 + l]`), the values'
/// `rowMeans` and the mean of the squared effects (eight each; NaN when
/// rank = n). `scratch` holds `LaneBuffers.count(n:p:)` lanes of eight
/// doubles. Call only when `AVX512Kernels.enabled`.
@inline(never)
public func avx512LeastSquaresSharedFit(
    _ source: UnsafeRawPointer, stride: Int, n: Int, p: Int, rank k: Int, qr: UnsafePointer<Double>,
    qraux: UnsafePointer<Double>, scale: UnsafePointer<Double>?, refine: Bool, scratch: UnsafeMutableRawPointer,
    coefficients: UnsafeMutablePointer<Double>, means: UnsafeMutablePointer<Double>,
    meanSquares: UnsafeMutablePointer<Double>) {
    let buffers = LaneLeastSquares.LaneBuffers(scratch.assumingMemoryBound(to: GeneLanes.self), n: n, p: p)
    let values = source.assumingMemoryBound(to: GeneLanes.self)
    var sums = LaneLeastSquares.LongDoubleSums()
    let ms = LaneLeastSquares.sharedFit(buffers.ly, from: values, stride: stride, n: n, rank: k, qr: qr, qraux: qraux,
                                        scale: scale, refine: refine, b: buffers.lb, scratch: buffers.lscratch,
                                        valueSums: &sums)
    for j in 0..<k { UnsafeMutableRawPointer(coefficients + 8 * j).storeBytes(of: buffers.lb[j], as: GeneLanes.self) }
    UnsafeMutableRawPointer(means).storeBytes(of: sums.means(of: values, n, refine: false, stride: stride), as: GeneLanes.self)
    UnsafeMutableRawPointer(meanSquares).storeBytes(of: ms, as: GeneLanes.self)
}
