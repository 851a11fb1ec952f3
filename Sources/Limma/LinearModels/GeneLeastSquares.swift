// Per-gene least squares without per-gene allocation: the scratch one
// thread needs for lm.fit / lm.wfit of gene after gene (scalar and SIMD
// lanes), the scalar fit on it, and the diagonal of chol2inv; and what the
// lane kernels (LaneLeastSquares.swift, FusedLeastSquares.swift, shared with
// LimmaAVX512) take from this module: the lane width and the long-double sums.

/// One value per gene for `GeneLanes.scalarCount` genes (LimmaAVX512's copy
/// of the lane kernels has eight).
typealias GeneLanes = SIMD4<Double>
typealias GeneLaneMask = SIMDMask<GeneLanes.MaskStorage>
/// R's `LDOUBLE` for the lane kernels' sums.
typealias LaneLongDouble = RLongDouble

extension LaneLeastSquares {
    /// Four lanes' running long-double sums (R's `LDOUBLE` accumulators),
    /// each adding its lane's values in index order from 0.
    struct LongDoubleSums {
        var s0: RLongDouble = 0, s1: RLongDouble = 0, s2: RLongDouble = 0, s3: RLongDouble = 0

        /// Whether the kernels add to the sums inside their own loops (four
        /// sums fit the x87 stack beside the loop's values).
        @inline(__always) static var fused: Bool { true }

        init() {}

        /// The sums of `v[0]`, `v[stride]`, ..., `v[(m - 1) * stride]`.
        @inline(__always)
        init(summing v: UnsafePointer<GeneLanes>, _ m: Int, stride: Int = 1) {
            let x = UnsafeRawPointer(v).assumingMemoryBound(to: Double.self)
            for i in 0..<m { add(x + 4 * stride * i) }
        }

        /// Adds the four lanes at `e` (doubles `e[0..<4]`); the four sums are
        /// interleaved so the x87 additions overlap.
        @inline(__always)
        mutating func add(_ e: UnsafePointer<Double>) {
            s0 += RLongDouble(e[0]); s1 += RLongDouble(e[1]); s2 += RLongDouble(e[2]); s3 += RLongDouble(e[3])
        }

        /// The means of the `m` values summed, which are `v[0]`, `v[stride]`,
        /// ..., as `longDoubleMeans` finishes them (the refinement reads them
        /// again, two lanes at a time: two sums and two means leave the x87
        /// stack room for the values, so nothing is spilled).
        @inline(__always)
        func means(of v: UnsafePointer<GeneLanes>, _ m: Int, refine: Bool, stride: Int = 1) -> GeneLanes {
            let x = UnsafeRawPointer(v).assumingMemoryBound(to: Double.self)
            var (s0, s1, s2, s3) = (self.s0, self.s1, self.s2, self.s3)
            let nn = RLongDouble(m)
            s0 /= nn; s1 /= nn; s2 /= nn; s3 /= nn
            if refine {
                LaneLeastSquares.refineMeans(x, rowStride: 4 * stride, m, &s0, &s1)
                LaneLeastSquares.refineMeans(x + 2, rowStride: 4 * stride, m, &s2, &s3)
            }
            return GeneLanes(Double(s0), Double(s1), Double(s2), Double(s3))
        }
    }

    /// `weightedFit` on the workspace's lane buffers.
    static func weightedFit(_ y: UnsafePointer<GeneLanes>, _ weights: RowWeights, design xd: UnsafePointer<Double>,
                            n: Int, p: Int, ws: LeastSquaresWorkspace, means known: GeneLanes? = nil,
                            stride: Int = 1) -> WeightedFitResult {
        weightedFit(y, weights, design: xd, n: n, p: p, ws: ws.lanes, means: known, stride: stride)
    }
}

/// Scratch for one thread's per-gene fits with up to `n` observations and
/// `p` coefficients. Allocated once per parallel chunk, never per gene.
final class LeastSquaresWorkspace {
    let n: Int
    let p: Int
    /// Scalar fit: x (n x p), y, qty, residuals (n each), qraux, b, diag (p),
    /// dqrdc2's work (2p), chol2inv's scratch (p x p), pivot (p).
    let x, y, qty, rsd, qraux, b, diag, work, u: UnsafeMutablePointer<Double>
    let jpvt: UnsafeMutablePointer<Int>
    /// Lanes fit: the same, one `GeneLanes` per value, and n of scratch.
    let lanes: LaneLeastSquares.LaneBuffers
    var lx: UnsafeMutablePointer<GeneLanes> { lanes.lx }
    var ly: UnsafeMutablePointer<GeneLanes> { lanes.ly }
    var lqraux: UnsafeMutablePointer<GeneLanes> { lanes.lqraux }
    var lb: UnsafeMutablePointer<GeneLanes> { lanes.lb }
    var ldiag: UnsafeMutablePointer<GeneLanes> { lanes.ldiag }
    var lwork: UnsafeMutablePointer<GeneLanes> { lanes.lwork }
    var lu: UnsafeMutablePointer<GeneLanes> { lanes.lu }
    var lscratch: UnsafeMutablePointer<GeneLanes> { lanes.lscratch }
    /// The same buffers for LimmaAVX512's eight lanes (`LaneBuffers.count`
    /// eight-double lanes, 64-byte aligned), when `wide` was asked for.
    let wideLanes: UnsafeMutableRawPointer?
    /// With `wideLanes`: what an eight-lane fit returns, `16 p + 24` doubles
    /// (coefficients, diagonal, means, sigma, known means).
    let wideResults: UnsafeMutablePointer<Double>?
    /// A block of `LaneLeastSquares.blockGenes` genes' values and weights,
    /// row by row (see `LaneLeastSquares.copyBlock`); weights only when
    /// asked for. 64-byte aligned, so eight lanes are one cache line.
    let blockY, blockW: UnsafeMutablePointer<GeneLanes>

    init(n: Int, p: Int, blockWeights: Bool = false, wide: Bool = false) {
        self.n = n
        self.p = p
        func doubles(_ c: Int) -> UnsafeMutablePointer<Double> {
            let ptr = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(c, 1))
            ptr.initialize(repeating: 0, count: Swift.max(c, 1))
            return ptr
        }
        func laneBlock(_ c: Int) -> UnsafeMutablePointer<GeneLanes> {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(c, 1) * MemoryLayout<GeneLanes>.stride, alignment: 64)
            return raw.initializeMemory(as: GeneLanes.self, repeating: GeneLanes(repeating: 0), count: Swift.max(c, 1))
        }
        x = doubles(n * p); y = doubles(n); qty = doubles(n); rsd = doubles(n)
        qraux = doubles(p); b = doubles(p); diag = doubles(p); work = doubles(2 * p); u = doubles(p * p)
        jpvt = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(p, 1))
        jpvt.initialize(repeating: 0, count: Swift.max(p, 1))
        let count = LaneLeastSquares.LaneBuffers.count(n: n, p: p)
        lanes = LaneLeastSquares.LaneBuffers(laneBlock(count), n: n, p: p)
        wideLanes = wide ? UnsafeMutableRawPointer(laneBlock(2 * count)) : nil
        wideResults = wide ? doubles(16 * p + 24) : nil
        let groups = LaneLeastSquares.blockGenes / LaneLeastSquares.width
        blockY = laneBlock(groups * n)
        blockW = laneBlock(blockWeights ? groups * n : 0)
    }

    deinit {
        for ptr in [x, y, qty, rsd, qraux, b, diag, work, u] { ptr.deallocate() }
        jpvt.deallocate()
        for ptr in [lanes.lx, blockY, blockW] { UnsafeMutableRawPointer(ptr).deallocate() }
        wideLanes?.deallocate()
        wideResults?.deallocate()
    }

    /// R's `lm.fit(x, y)` on the first `nobs` rows held in `x` (leading
    /// dimension `nobs`) and `y`: dqrdc2 (tol 1e-7), then dqrsl (k = rank)
    /// for Q'y into `qty`, the pivoted coefficients into `b`, and, when
    /// `residuals` is true, the residuals into `rsd`; then the diagonal of
    /// `chol2inv(qr, size = rank)` into `diag`. Returns the rank (pivot in
    /// `jpvt`). With rank 0, `qty` is y and no coefficient is estimable.
    /// Throws chol2inv's errors (rank 0, a zero diagonal).
    func fit(nobs: Int, residuals: Bool, function: String) throws -> Int {
        let rank = QRDecomposition.dqrdc2(x, n: nobs, p: p, tol: 1e-7, qraux: qraux, jpvt: jpvt, work: work)
        if rank > 0 {
            let job: QRDecomposition.Job = residuals ? [.qty, .coef, .resid] : [.qty, .coef]
            QRDecomposition.dqrsl(x, n: nobs, k: rank, qraux: qraux, y: y, qty: qty, b: b, rsd: rsd, job: job)
        } else {
            for i in 0..<nobs { qty[i] = y[i] }
            if residuals { for i in 0..<nobs { rsd[i] = y[i] } }
        }
        try GeneLeastSquares.chol2invDiagonal(x, lda: nobs, size: rank, u: u, diag: diag, function: function)
        return rank
    }

    /// Writes the last fit's estimable coefficients and `sqrt(diag)` (the
    /// unscaled standard deviations), in the design's column order, to gene
    /// g's entries of column-major ngenes x p outputs.
    func store(rank: Int, gene g: Int, ngenes: Int, coefficients: UnsafeMutableBufferPointer<Double>,
               stdev: UnsafeMutableBufferPointer<Double>) {
        for k in 0..<rank {
            let j = jpvt[k]
            coefficients[j * ngenes + g] = b[k]
            stdev[j * ngenes + g] = diag[k].squareRoot()
        }
    }
}

enum GeneLeastSquares {
    /// The diagonal of R's `chol2inv(r, size)` (LAPACK dpotri on the leading
    /// `size` x `size` upper triangle of `r`, leading dimension `lda`), with
    /// dpotri's arithmetic (see `LaneLeastSquares`) for size < 64 and a
    /// dpotri call beyond. `u` holds size^2 values of scratch. Errors as
    /// `RLinAlg.chol2inv`.
    static func chol2invDiagonal(_ a: UnsafePointer<Double>, lda: Int, size r: Int, u: UnsafeMutablePointer<Double>,
                                 diag: UnsafeMutablePointer<Double>, function: String) throws {
        guard r >= 1 else { throw LimmaError(function, "'size' argument must be a positive integer") }
        if r >= 64 {
            let m = Matrix(nrow: lda, ncol: r, values: Array(UnsafeBufferPointer(start: a, count: lda * r)))
            let inv = try RLinAlg.chol2inv(m, size: r, function: function)
            for i in 0..<r { diag[i] = inv[i, i] }
            return
        }
        for i in 0..<r where a[i * lda + i] == 0 {
            throw LimmaError(function, "element (\(i + 1), \(i + 1)) is zero, so the inverse cannot be computed")
        }
        for j in 0..<r {
            let ujj = 1.0 / a[j * lda + j]
            let x = u + j * r
            x[j] = ujj
            for i in 0..<j { x[i] = a[j * lda + i] }
            for c in 0..<j where x[c] != 0 {
                let xc = x[c], uc = u + c * r
                for i in 0..<c { x[i] = x[i] + xc * uc[i] }
                x[c] = xc * uc[c]
            }
            let s = -ujj
            for i in 0..<j { x[i] = s * x[i] }
        }
        for i in 0..<(r - 1) {
            var sum = 0.0
            for k in i..<r { let v = u[k * r + i]; sum = sum + v * v }
            diag[i] = sum
        }
        let v = u[(r - 1) * r + (r - 1)]
        diag[r - 1] = v * v
    }

    /// R's `mean(x^2)` (`refine`: long-double sum over n with summary.c's
    /// refinement pass, as `RBase.mean`) or `colMeans(x^2)` (no refinement)
    /// over `x[from..<to]`.
    static func meanOfSquares(_ x: UnsafePointer<Double>, from: Int, to: Int, refine: Bool) -> Double {
        var s: RLongDouble = 0
        for i in from..<to { s += RLongDouble(x[i] * x[i]) }
        let nn = RLongDouble(to - from)
        s /= nn
        if refine && Double(s).isFinite {
            var t: RLongDouble = 0
            for i in from..<to { t += RLongDouble(x[i] * x[i]) - s }
            s += t / nn
        }
        return Double(s)
    }

    /// R's `mean(x)` of `x[0..<n]` exactly as `RBase.mean` (long-double sum
    /// over n, one refinement pass), NaN for n = 0.
    static func mean(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        if n == 0 { return .nan }
        var s: RLongDouble = 0
        for i in 0..<n { s += RLongDouble(x[i]) }
        let nn = RLongDouble(n)
        s /= nn
        if Double(s).isFinite {
            var t: RLongDouble = 0
            for i in 0..<n { t += RLongDouble(x[i]) - s }
            s += t / nn
        }
        return Double(s)
    }
}
