// Every gene's Q'y for limma's gene set tests in one pass over the genes:
// R's per-gene weighted QR (or one shared QR), without per-gene allocation.

enum GeneEffects {
    /// For each gene g (row g of y, G x n), the effects `Q_g' y_g` of R's
    /// `qr.qty(qr(X_g), y_g)` and the last diagonal element `R_g[p, p]` of the
    /// QR, handed to `emit(g, qty, rpp)` (`qty` has n entries, is valid only
    /// during the call and may be changed by it).
    ///
    /// Without `weights` every gene shares the QR of `X` (n x p). With
    /// `weights` (G x n, positive), gene g uses `X_g = diag(sqrt(w_g)) X` and
    /// the response `sqrt(w_g) * y_g` (each entry of row i times
    /// `sqrt(w_gi)`), as limma's camera and `.lmEffects` scale them. The QR is
    /// LINPACK dqrdc2 with tolerance 1e-7 (R's `qr`) and Q'y is dqrsl's, the
    /// same operations as `QRDecomposition`, so the effects are bit-identical
    /// to it; weighted genes go four at a time through `LaneLeastSquares`
    /// (the same operations per lane), with the scalar routines for the
    /// lanes it flags.
    ///
    /// Genes are spread over `LimmaThreads` in contiguous chunks; each gene is
    /// computed by one worker with its own scratch, so results do not depend
    /// on the thread count. `emit` runs concurrently for different genes and
    /// must write only gene g's outputs.
    ///
    /// Returns the first gene (lowest index) whose QR has rank below p, or
    /// nil when every design is of full rank; `emit` is not called for such
    /// genes. With no weights, the shared QR's rank decides for all genes
    /// (0 is returned when it is deficient, and `emit` is never called).
    static func forEachGene(_ y: Matrix, design X: Matrix, weights: Matrix?,
                            emit: (Int, UnsafeMutablePointer<Double>, Double) -> Void) -> Int? {
        let G = y.nrow, n = y.ncol, p = X.ncol
        precondition(X.nrow == n && p >= 1 && n > p, "GeneEffects: design must be n x p with n > p")
        if let w = weights { precondition(w.nrow == G && w.ncol == n, "GeneEffects: weights must be G x n") }
        var shared: QRDecomposition? = nil
        if weights == nil {
            let qr = QRDecomposition(X)
            if qr.rank < p { return 0 }
            shared = qr
        }
        // 1 for each gene whose weighted design is rank deficient.
        var deficient = [UInt8](repeating: 0, count: G)
        deficient.withUnsafeMutableBufferPointer { defBuf in
            y.values.withUnsafeBufferPointer { yBuf in
                X.values.withUnsafeBufferPointer { xBuf in
                    (weights?.values ?? []).withUnsafeBufferPointer { wBuf in
                        withoutActuallyEscaping(emit) { emitFn in
                            let io = UncheckedBox((defBuf, yBuf, xBuf, wBuf, emitFn))
                            LimmaThreads.forEachChunk(G, minChunk: 512) { range in
                                let (deficient, yv, xv, wv, emit) = io.value
                                let ws = Workspace(n: n, p: p)
                                defer { ws.free() }
                                if let qr = shared {
                                    for i in 0..<(n * p) { ws.a[i] = qr.qr.values[i] }
                                    for j in 0..<p { ws.qraux[j] = qr.qraux[j] }
                                    let rpp = ws.a[(p - 1) * n + (p - 1)]
                                    for g in range {
                                        for i in 0..<n { ws.y[i] = yv[g + i * G] }
                                        ws.qty(n: n, k: p)
                                        emit(g, ws.effects, rpp)
                                    }
                                    return
                                }
                                func scalarGene(_ g: Int) {
                                    for i in 0..<n {
                                        let s = wv[g + i * G].squareRoot()
                                        ws.sw[i] = s
                                        ws.y[i] = yv[g + i * G] * s
                                    }
                                    for j in 0..<p {
                                        for i in 0..<n { ws.a[j * n + i] = xv[j * n + i] * ws.sw[i] }
                                    }
                                    if ws.decompose(n: n, p: p) < p {
                                        deficient[g] = 1
                                        return
                                    }
                                    ws.qty(n: n, k: p)
                                    emit(g, ws.effects, ws.a[(p - 1) * n + (p - 1)])
                                }
                                // Four genes at a time in SIMD lanes (lmFit's lane kernels, the
                                // scalar routines' exact operations); a lane the kernels flag
                                // (pivoting, a zero norm, dqrdc2's norm recomputation, BLAS
                                // scaling ranges) is refitted by the scalar routines.
                                let width = LaneLeastSquares.width
                                let lanes = QRScratch<GeneLanes>(n: n, p: p)
                                defer { lanes.free() }
                                var g = range.lowerBound
                                while g + width <= range.upperBound {
                                    // Row i of the four genes is contiguous in y and w; the weights
                                    // are > 0, so their roots are the roots of their magnitudes.
                                    for i in 0..<n {
                                        let w4 = UnsafeRawPointer(wv.baseAddress! + g + i * G).loadUnaligned(as: GeneLanes.self)
                                        let y4 = UnsafeRawPointer(yv.baseAddress! + g + i * G).loadUnaligned(as: GeneLanes.self)
                                        let sv = LaneLeastSquares.rootOfMagnitude(w4)
                                        lanes.sw[i] = sv
                                        lanes.y[i] = y4 * sv
                                    }
                                    for j in 0..<p {
                                        for i in 0..<n { lanes.a[j * n + i] = GeneLanes(repeating: xv[j * n + i]) * lanes.sw[i] }
                                    }
                                    var bad = LaneLeastSquares.decompose(lanes.a, n: n, p: p, tol: 1e-7, qraux: lanes.qraux,
                                                                         work: lanes.work)
                                    bad .|= LaneLeastSquares.solve(lanes.a, n: n, k: p, qraux: lanes.qraux, qty: lanes.y,
                                                                   b: lanes.b)
                                    for l in 0..<width {
                                        if bad[l] {
                                            scalarGene(g + l)
                                            continue
                                        }
                                        for i in 0..<n { ws.effects[i] = lanes.y[i][l] }
                                        emit(g + l, ws.effects, lanes.a[(p - 1) * n + (p - 1)][l])
                                    }
                                    g += width
                                }
                                while g < range.upperBound {
                                    scalarGene(g)
                                    g += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return deficient.firstIndex(of: 1)
    }

    /// Scratch for one QR of an n x p matrix of `T` (a Double, or one gene
    /// per SIMD lane): the matrix, qraux, dqrdc2's norm work, square-root
    /// weights, the response (turned into its effects by the lane kernels)
    /// and coefficients.
    struct QRScratch<T> {
        let a, qraux, work, sw, y, b: UnsafeMutablePointer<T>

        init(n: Int, p: Int) {
            a = .allocate(capacity: n * p)
            qraux = .allocate(capacity: p)
            work = .allocate(capacity: 2 * p)
            sw = .allocate(capacity: n)
            y = .allocate(capacity: n)
            b = .allocate(capacity: p)
        }

        func free() {
            for ptr in [a, qraux, work, sw, y, b] { ptr.deallocate() }
        }
    }

    /// One worker's scalar scratch: `QRScratch<Double>` plus the pivot and
    /// the effects.
    struct Workspace {
        let s: QRScratch<Double>
        let jpvt: UnsafeMutablePointer<Int>
        let effects: UnsafeMutablePointer<Double>
        var a: UnsafeMutablePointer<Double> { s.a }
        var sw: UnsafeMutablePointer<Double> { s.sw }
        var y: UnsafeMutablePointer<Double> { s.y }
        var qraux: UnsafeMutablePointer<Double> { s.qraux }

        init(n: Int, p: Int) {
            s = QRScratch(n: n, p: p)
            jpvt = .allocate(capacity: p)
            effects = .allocate(capacity: n)
        }

        func free() {
            s.free()
            jpvt.deallocate()
            effects.deallocate()
        }

        /// dqrdc2 on `a` (n x p) with R's tolerance 1e-7; returns the rank.
        func decompose(n: Int, p: Int) -> Int {
            QRDecomposition.dqrdc2(a, n: n, p: p, tol: 1e-7, qraux: qraux, jpvt: jpvt, work: s.work)
        }

        /// dqrsl's Q'y (k = rank) of `y` into `effects` (job qty alone leaves b and rsd untouched).
        func qty(n: Int, k: Int) {
            QRDecomposition.dqrsl(a, n: n, k: k, qraux: qraux, y: y, qty: effects, b: s.b, rsd: effects, job: .qty)
        }
    }
}
