// Every gene's Q'y for limma's gene set tests in one pass over the genes:
// R's per-gene weighted QR (or one shared QR), without per-gene allocation.

enum GeneEffects {
    /// For each gene g (row g of y, G x n), the effects `Q_g' y_g` of R's
    /// `qr.qty(qr(X_g), y_g)` and the last diagonal element `R_g[p, p]` of the
    /// QR, handed to `emit(g, qty, rpp)` (`qty` has n entries and is valid only
    /// during the call).
    ///
    /// Without `weights` every gene shares the QR of `X` (n x p). With
    /// `weights` (G x n, positive), gene g uses `X_g = diag(sqrt(w_g)) X` and
    /// the response `sqrt(w_g) * y_g` (each entry of row i times
    /// `sqrt(w_gi)`), as limma's camera and `.lmEffects` scale them. The QR is
    /// LINPACK dqrdc2 with tolerance 1e-7 (R's `qr`) and Q'y is dqrsl's, the
    /// same operations as `QRDecomposition`, so the effects are bit-identical
    /// to it.
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
                            emit: (Int, UnsafePointer<Double>, Double) -> Void) -> Int? {
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
                                for g in range {
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
                                        continue
                                    }
                                    ws.qty(n: n, k: p)
                                    emit(g, ws.effects, ws.a[(p - 1) * n + (p - 1)])
                                }
                            }
                        }
                    }
                }
            }
        }
        return deficient.firstIndex(of: 1)
    }

    /// One worker's scratch: the n x p matrix being decomposed, its qraux,
    /// pivot and norm work vectors, the response and its effects.
    struct Workspace {
        let a: UnsafeMutablePointer<Double>
        let qraux: UnsafeMutablePointer<Double>
        let work: UnsafeMutablePointer<Double>
        let jpvt: UnsafeMutablePointer<Int>
        let sw: UnsafeMutablePointer<Double>
        let y: UnsafeMutablePointer<Double>
        let effects: UnsafeMutablePointer<Double>

        init(n: Int, p: Int) {
            a = .allocate(capacity: n * p)
            qraux = .allocate(capacity: p)
            work = .allocate(capacity: 2 * p)
            jpvt = .allocate(capacity: p)
            sw = .allocate(capacity: n)
            y = .allocate(capacity: n)
            effects = .allocate(capacity: n)
        }

        func free() {
            a.deallocate(); qraux.deallocate(); work.deallocate(); jpvt.deallocate()
            sw.deallocate(); y.deallocate(); effects.deallocate()
        }

        /// dqrdc2 on `a` (n x p) with R's tolerance 1e-7; returns the rank.
        func decompose(n: Int, p: Int) -> Int {
            geneEffectsDqrdc2(a, n: n, p: p, tol: 1e-7, qraux: qraux, jpvt: jpvt, work: work)
        }

        /// dqrsl's Q'y (job 1000 with k = rank) of `y` into `effects`; `a`'s
        /// diagonal is swapped with qraux and restored, as dqrsl does.
        func qty(n: Int, k: Int) {
            for i in 0..<n { effects[i] = y[i] }
            let ju = Swift.min(k, n - 1)
            for j in 0..<ju where qraux[j] != 0 {
                let xj = a + j * n + j
                let temp = xj[0]
                xj[0] = qraux[j]
                let t = -BLAS1.dot(n - j, xj, effects + j) / xj[0]
                BLAS1.axpy(n - j, t, xj, effects + j)
                xj[0] = temp
            }
        }
    }
}

/// LINPACK dqrdc2 in place on the column-major n x p `a` (the operations of
/// `QRDecomposition.init`, without allocating): Householder QR with limited
/// pivoting of columns whose norm falls below `tol` times their original norm.
/// Fills `qraux` (p) and the 0-based pivot `jpvt` (p), uses `work` (2p);
/// returns the rank `min(k - 1, n)`.
func geneEffectsDqrdc2(_ base: UnsafeMutablePointer<Double>, n: Int, p: Int, tol: Double,
                       qraux: UnsafeMutablePointer<Double>, jpvt: UnsafeMutablePointer<Int>,
                       work: UnsafeMutablePointer<Double>) -> Int {
    for j in 0..<p { jpvt[j] = j }
    let work1 = work, work2 = work + p
    var k = p + 1
    for j in 0..<p {
        qraux[j] = BLAS1.nrm2(n, base + j * n)
        work1[j] = qraux[j]
        work2[j] = qraux[j]
        if work2[j] == 0 { work2[j] = 1 }
    }
    let lup = Swift.min(n, p)
    var l = 1
    while l <= lup {
        let l0 = l - 1
        while !(l >= k || qraux[l0] >= work2[l0] * tol) {
            for i in 0..<n {
                let t = base[l0 * n + i]
                if l0 + 1 < p {
                    for j in (l0 + 1)..<p { base[(j - 1) * n + i] = base[j * n + i] }
                }
                base[(p - 1) * n + i] = t
            }
            let ip = jpvt[l0], t = qraux[l0], tt = work1[l0], ttt = work2[l0]
            if l0 + 1 < p {
                for j in (l0 + 1)..<p {
                    jpvt[j - 1] = jpvt[j]
                    qraux[j - 1] = qraux[j]
                    work1[j - 1] = work1[j]
                    work2[j - 1] = work2[j]
                }
            }
            jpvt[p - 1] = ip
            qraux[p - 1] = t
            work1[p - 1] = tt
            work2[p - 1] = ttt
            k -= 1
        }
        if l != n {
            let m = n - l + 1
            let xl = base + l0 * n + l0
            var nrmxl = BLAS1.nrm2(m, xl)
            if nrmxl != 0 {
                if xl[0] != 0 { nrmxl = Double(signOf: xl[0], magnitudeOf: nrmxl) }
                BLAS1.scal(m, 1.0 / nrmxl, xl)
                xl[0] = 1.0 + xl[0]
                if p >= l + 1 {
                    for j in l..<p {
                        let xj = base + j * n + l0
                        let t = -BLAS1.dot(m, xl, xj) / xl[0]
                        BLAS1.axpy(m, t, xl, xj)
                        if qraux[j] != 0 {
                            let r = Swift.abs(xj[0]) / qraux[j]
                            var tt = 1.0 - r * r
                            tt = Swift.max(tt, 0.0)
                            if Swift.abs(tt) >= 1e-6 {
                                qraux[j] = qraux[j] * tt.squareRoot()
                            } else {
                                qraux[j] = BLAS1.nrm2(n - l, xj + 1)
                                work1[j] = qraux[j]
                            }
                        }
                    }
                }
                qraux[l0] = xl[0]
                xl[0] = -nrmxl
            }
        }
        l += 1
    }
    return Swift.min(k - 1, n)
}
