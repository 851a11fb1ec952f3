// limma's duplicateCorrelation (intra-block or between-duplicate
// correlation from a two-level mixed model per gene, statmod's
// mixedModel2Fit), and unwrapdups.
import CLapack
import Foundation

/// What `duplicateCorrelation` returns.
public struct DuplicateCorrelationResult: Sendable, Equatable {
    /// The consensus correlation `tanh(trimmed mean(atanh(rho)))` (R's
    /// `consensus.correlation`, also returned as `cor`).
    public var consensusCorrelation: Double
    /// Per gene (per unwrapped row with duplicates) `atanh` of the
    /// correlation, clamped to `[1/(1-m) + 0.01, 0.99]`, NaN (R's NA) where
    /// the mixed model could not be fitted.
    public var atanhCorrelations: [Double]
    public var warnings: [LimmaWarning] = []
    /// R's `message()` output (e.g. a design not of full rank).
    public var messages: [String] = []
}

/// limma's `unwrapdups(M, ndups, spacing)`: rows holding duplicate spots
/// `spacing` apart become extra columns, giving
/// `(nrow / ndups) x (ncol * ndups)`: entry `[s + spacing*g, d + ndups*j]`
/// is `M[s + spacing*(d + ndups*g), j]` (0-based).
public func unwrapdups(_ M: Matrix, ndups: Int = 2, spacing: Int = 1) throws -> Matrix {
    if ndups == 1 { return M }
    guard ndups >= 1, spacing >= 1, M.nrow % (ndups * spacing) == 0 else {
        throw LimmaError("unwrapdups", "dims [product \(M.nrow * M.ncol)] do not match the length of object: \(M.nrow) rows are not a multiple of ndups * spacing = \(ndups * spacing)")
    }
    let ngroups = M.nrow / ndups / spacing
    var out = Matrix(nrow: spacing * ngroups, ncol: ndups * M.ncol)
    for j in 0..<M.ncol {
        for g in 0..<ngroups {
            for d in 0..<ndups {
                for s in 0..<spacing {
                    out[s + spacing * g, d + ndups * j] = M[s + spacing * (d + ndups * g), j]
                }
            }
        }
    }
    return out
}

/// limma's `duplicateCorrelation(object, design = NULL, ndups = 2,
/// spacing = 1, block = NULL, trim = 0.15, weights = NULL)`.
///
/// For each gene, with its finite observations, the mixed model
/// `y = X b + Z u + e` (Z the block indicators, `var(u) = s2_block`,
/// `var(e) = s2_res`, rows scaled by sqrt(weights)) is fitted by statmod's
/// `mixedModel2Fit(only.varcomp = TRUE, maxit = 20)`: the residual space of X
/// is rotated by the SVD of `Q2'Z` so that the squared rotated residuals have
/// expectations `s2_res + d_k s2_block`, and those are fitted by a gamma GLM
/// with identity link (statmod's `glmgam.fit`, Levenberg-damped Fisher
/// scoring). The gene's correlation is `s2_block / (s2_res + s2_block)`;
/// genes need more than `ncol(design) + 2` observations and between 2 and
/// `nobs - 2` blocks, and failed fits give NA. Correlations are clamped to
/// `[1/(1 - m) + 0.01, 0.99]` (m the largest block size, or `ndups`), and
/// the consensus is `tanh` of the `trim`-trimmed mean of their `atanh`.
///
/// Without `block`, duplicates are `ndups` spots `spacing` rows apart
/// (unwrapped by `unwrapdups`) and the design is repeated for each duplicate.
/// R's early returns (correlation 0 with a warning) are kept: blocks all of
/// size 1, a block factor already in the design, or `ndups < 2`.
public func duplicateCorrelation(_ object: Matrix, design: Matrix? = nil, ndups: Int = 2, spacing: Int = 1,
                                 block: [String]? = nil, trim: Double = 0.15, weights: Matrix? = nil) throws -> DuplicateCorrelationResult {
    let fn = "duplicateCorrelation"
    var M = object
    let narrays = M.ncol
    let X0 = design ?? Matrix(nrow: narrays, ncol: 1, repeating: 1)
    guard X0.nrow == narrays else { throw LimmaError(fn, "Number of rows of design matrix does not match number of arrays") }
    guard X0.values.allSatisfy({ $0.isFinite }) else { throw LimmaError(fn, "design must be a numeric matrix") }
    guard trim.isFinite, trim >= 0 else { throw LimmaError(fn, "'trim' must be numeric of length one") }
    let nbeta = X0.ncol
    let QR = QRDecomposition(X0)
    var messages: [String] = []
    if QR.rank < nbeta { messages.append("Note: design matrix not of full rank (\(nbeta - QR.rank) coef not estimable).") }
    func zero(_ message: String) -> DuplicateCorrelationResult {
        DuplicateCorrelationResult(consensusCorrelation: 0, atanhCorrelations: [Double](repeating: 0, count: M.nrow),
                                   warnings: [LimmaWarning(fn, message)], messages: messages)
    }

    var blockCode: [Int] = []
    var maxBlockSize = 0
    if let block {
        guard block.count == narrays else { throw LimmaError(fn, "block has \(block.count) values but there are \(narrays) arrays") }
        let levels = RCollation.icu.factorLevels(block)
        blockCode = block.map { levels.firstIndex(of: $0)! }
        maxBlockSize = (0..<levels.count).map { l in blockCode.filter { $0 == l }.count }.max() ?? 0
        if maxBlockSize == 1 { return zero("Blocks all of size 1: setting intrablock correlation to zero.") }
        // model.matrix(~factor(block))[, -1]: treatment indicators of levels 2...
        var db = Matrix(nrow: narrays, ncol: levels.count - 1)
        for i in 0..<narrays where blockCode[i] > 0 { db[i, blockCode[i] - 1] = 1 }
        let qtBlock = QR.leastSquares(db).effects
        var mx = 0.0
        for j in 0..<qtBlock.ncol { for i in QR.rank..<narrays { mx = max(mx, abs(qtBlock[i, j])) } }
        if mx < 1e-8 { return zero("Block factor already encoded in the design matrix: setting intrablock correlation to zero.") }
    }

    var W: Matrix? = nil
    if let w = weights {
        var ww: Matrix
        if w.nrow == M.nrow && w.ncol == narrays {
            ww = w
        } else if w.values.count == narrays && min(w.nrow, w.ncol) == 1 {
            ww = Matrix(nrow: M.nrow, ncol: narrays)
            for j in 0..<narrays { for i in 0..<M.nrow { ww[i, j] = w.values[j] } }
        } else {
            throw LimmaError(fn, "weights is of unexpected size")
        }
        for k in 0..<ww.values.count where ww.values[k] <= 0 { ww.values[k] = .nan }
        for k in 0..<ww.values.count where !ww.values[k].isFinite { M.values[k] = .nan }
        W = ww
    }

    var X = X0
    var arrayCode: [Int]
    if block == nil {
        guard ndups >= 1, spacing >= 1 else { throw LimmaError(fn, "ndups and spacing must be positive integers") }
        if ndups < 2 { return zero("No duplicates: setting correlation between duplicates to zero.") }
        arrayCode = (0..<(narrays * ndups)).map { $0 / ndups }
        M = try unwrapdups(M, ndups: ndups, spacing: spacing)
        if let w = W { W = try unwrapdups(w, ndups: ndups, spacing: spacing) }
        // design %x% rep(1, ndups): each row repeated ndups times.
        var Xd = Matrix(nrow: narrays * ndups, ncol: nbeta)
        for j in 0..<nbeta { for i in 0..<(narrays * ndups) { Xd[i, j] = X0[i / ndups, j] } }
        X = Xd
    } else {
        arrayCode = blockCode
    }
    let ngenes = M.nrow, ncols = M.ncol
    let ncodes = (arrayCode.max() ?? -1) + 1
    // Each gene's mixed model on a per-thread workspace, genes in parallel
    // chunks (each gene's result is its own, so any thread count gives the same bits).
    var rho = [Double](repeating: .nan, count: ngenes)
    let wvalues = W?.values ?? []
    M.values.withUnsafeBufferPointer { mb in
        wvalues.withUnsafeBufferPointer { wb in
            X.values.withUnsafeBufferPointer { xb in
                rho.withUnsafeMutableBufferPointer { rb in
                    let io = UncheckedBox((mb, wb, xb, rb, arrayCode))
                    LimmaThreads.forEachChunk(ngenes, minChunk: 16) { range in
                        let (mb, wb, xb, rb, arrayCode) = io.value
                        let ws = MixedModel2.Workspace(n: ncols, p: nbeta, blocks: Swift.max(ncodes, 1))
                        let obs = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(ncols, 1))
                        let slot = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(ncodes, 1))
                        defer { obs.deallocate(); slot.deallocate() }
                        for i in range {
                            var nobs = 0
                            for j in 0..<ncols where mb[j * ngenes + i].isFinite {
                                obs[nobs] = j
                                nobs += 1
                            }
                            // The blocks present, numbered in increasing code order (R's sorted unique codes).
                            for c in 0..<ncodes { slot[c] = -1 }
                            for k in 0..<nobs { slot[arrayCode[obs[k]]] = 0 }
                            var nblocks = 0
                            for c in 0..<ncodes where slot[c] == 0 {
                                slot[c] = nblocks
                                nblocks += 1
                            }
                            guard nobs > nbeta + 2 && nblocks > 1 && nblocks < nobs - 1 else { continue }
                            for k in 0..<nobs {
                                let j = obs[k]
                                ws.y[k] = mb[j * ngenes + i]
                                for c in 0..<nbeta { ws.x[c * nobs + k] = xb[c * ncols + j] }
                                ws.blockOf[k] = slot[arrayCode[j]]
                                if !wb.isEmpty { ws.w[k] = wb[j * ngenes + i] }
                            }
                            guard let s = try? MixedModel2.varcomp(ws, n: nobs, p: nbeta, blocks: nblocks, weighted: !wb.isEmpty, maxit: 20),
                                  !s.0.isNaN else { continue }
                            // s.1 / sum(c(s.0, s.1)): a long-double sum (NA when s.1 is).
                            rb[i] = s.1 / (s.1.isNaN ? Double.nan : Double(RLongDouble(s.0) + RLongDouble(s.1)))
                        }
                    }
                }
            }
        }
    }

    let rhomax = 0.99
    let rhomin = block == nil ? 1 / (1 - Double(ndups)) + 0.01 : 1 / (1 - Double(maxBlockSize)) + 0.01
    let finite = rho.filter { !$0.isNaN }
    if min(finite.min() ?? 0, 0) < rhomin { for k in 0..<ngenes where rho[k] < rhomin { rho[k] = rhomin } }
    if max(finite.max() ?? 0, 0) > rhomax { for k in 0..<ngenes where rho[k] > rhomax { rho[k] = rhomax } }
    let arho = rho.map { atanh($0) }
    let mrho = tanh(trimmedMean(arho, trim: trim))
    return DuplicateCorrelationResult(consensusCorrelation: mrho, atanhCorrelations: arho, warnings: [], messages: messages)
}

/// R's `mean(x, trim, na.rm = TRUE)`: missing values dropped; for
/// `0 < trim < 0.5` the values between order statistics `lo = floor(n*trim)+1`
/// and `n+1-lo` (placed by R's partial sort, whose arrangement the
/// long-double sum sees) are averaged; `trim >= 0.5` gives the median.
func trimmedMean(_ x: [Double], trim: Double) -> Double {
    var v = x.filter { !$0.isNaN }
    let n = v.count
    if trim > 0 && n > 0 {
        if trim >= 0.5 { return RBase.median(v) }
        let lo = Int((Double(n) * trim).rounded(.down)) + 1
        let hi = n + 1 - lo
        let idx = Array(Set([lo, hi])).sorted()
        rPsort0(&v, lo: 0, hi: n - 1, indices: idx[...])
        v = Array(v[(lo - 1)..<hi])
    }
    return RBase.mean(v)
}

/// R's `Psort0`: partial sorting at several 1-based positions, splitting at
/// the position nearest the middle and recursing on each side.
func rPsort0(_ x: inout [Double], lo: Int, hi: Int, indices: ArraySlice<Int>) {
    if indices.isEmpty || hi - lo < 1 { return }
    if indices.count == 1 {
        rPartialSort(&x, indices.first! - 1, lo: lo, hi: hi)
        return
    }
    let mid = (lo + hi) / 2
    var this = indices.startIndex
    for k in indices.indices where indices[k] - 1 <= mid { this = k }
    let z = indices[this] - 1
    rPartialSort(&x, z, lo: lo, hi: hi)
    rPsort0(&x, lo: lo, hi: z - 1, indices: indices[indices.startIndex..<this])
    rPsort0(&x, lo: z + 1, hi: hi, indices: indices[(this + 1)...])
}

/// statmod's `mixedModel2Fit(..., only.varcomp = TRUE)` and `glmgam.fit`,
/// one gene at a time on a preallocated `Workspace` (no allocation per gene
/// beyond dgesdd's work array for a shape not met before).
///
/// The small dense products R makes with BLAS (`%*%`, `crossprod`,
/// `backsolve`, `chol`) are written out with the reference routines'
/// operation order (sums from +0 in index order; dtrsm's and dpotrf2's
/// arithmetic via `RLinAlg.trsmUpperTransposed`, `trsmUpperNoTrans`,
/// `cholUpperInPlace`), QRs by dqrdc2/dqrsl on the workspace, and the SVD by
/// LAPACK dgesdd with the same job and work size R's `La.svd` uses, so the
/// results are the bits of R's.
enum MixedModel2 {
    /// Scratch for genes with up to `n` observations, `p` design columns and
    /// `blocks` blocks.
    final class Workspace {
        let n: Int, p: Int, blocks: Int
        /// Inputs: y, w (n), X (n x p), each observation's block (n).
        let y, w, x: UnsafeMutablePointer<Double>
        let blockOf: UnsafeMutablePointer<Int>
        /// QR of X and the effects of [Z | y] (n x (blocks + 1)).
        let qraux, qwork, qb, effects: UnsafeMutablePointer<Double>
        let jpvt: UnsafeMutablePointer<Int>
        /// dgesdd: a (n x blocks), s, u (n x n), vt (blocks x blocks), iwork.
        let a, s, u, vt: UnsafeMutablePointer<Double>
        let iwork: UnsafeMutablePointer<Int32>
        var work: [Double] = []
        /// dgesdd's work sizes by shape (a few shapes: a list, not a
        /// Dictionary, whose first use costs a run-time conformance scan).
        var lworks: [(shape: SVDShape, lwork: Int32)] = []
        /// The gamma GLM: d, dy, residuals (n), dx (n x 2), its QR, mu, v,
        /// vx (n x 2), z (n), and 2 x 2 scratch.
        let d, dy, rsd, qty, dx, dxqr, mu, v, vx, z: UnsafeMutablePointer<Double>
        let qraux2, qwork2, b2: UnsafeMutablePointer<Double>
        let jpvt2: UnsafeMutablePointer<Int>

        struct SVDShape: Equatable { let m: Int, n: Int, all: Bool }

        init(n: Int, p: Int, blocks: Int) {
            self.n = n; self.p = p; self.blocks = blocks
            func doubles(_ c: Int) -> UnsafeMutablePointer<Double> {
                let ptr = UnsafeMutablePointer<Double>.allocate(capacity: Swift.max(c, 1))
                ptr.initialize(repeating: 0, count: Swift.max(c, 1))
                return ptr
            }
            y = doubles(n); w = doubles(n); x = doubles(n * p)
            blockOf = .allocate(capacity: Swift.max(n, 1))
            qraux = doubles(p); qwork = doubles(2 * p); qb = doubles(p); effects = doubles(n * (blocks + 1))
            jpvt = .allocate(capacity: Swift.max(p, 1))
            a = doubles(n * blocks); s = doubles(Swift.min(n, blocks)); u = doubles(n * n); vt = doubles(blocks * blocks)
            iwork = .allocate(capacity: Swift.max(8 * Swift.min(n, blocks), 1))
            d = doubles(n); dy = doubles(n); rsd = doubles(n); qty = doubles(n); dx = doubles(2 * n); dxqr = doubles(2 * n)
            mu = doubles(n); v = doubles(n); vx = doubles(2 * n); z = doubles(n)
            qraux2 = doubles(2); qwork2 = doubles(4); b2 = doubles(2)
            jpvt2 = .allocate(capacity: 2)
        }

        deinit {
            for ptr in [y, w, x, qraux, qwork, qb, effects, a, s, u, vt, d, dy, rsd, qty, dx, dxqr, mu, v, vx, z, qraux2, qwork2, b2] {
                ptr.deallocate()
            }
            blockOf.deallocate(); jpvt.deallocate(); iwork.deallocate(); jpvt2.deallocate()
        }
    }

    /// The variance components (residual, block) of the gene in `ws` (n
    /// observations y, X, their blocks, weights when `weighted`); a NaN pair
    /// when R's would be NA. Throws where R stops (caught by the caller as NA).
    static func varcomp(_ ws: Workspace, n mx: Int, p: Int, blocks nz: Int, weighted: Bool, tol: Double = 1e-6,
                        maxit: Int) throws -> (Double, Double) {
        let y = ws.y, x = ws.x
        if weighted {
            for i in 0..<mx {
                let sw = ws.w[i].squareRoot()
                y[i] = sw * y[i]
                for j in 0..<p { x[j * mx + i] = sw * x[j * mx + i] }
            }
        }
        // lm.fit(X, cbind(Z, y))$effects: Q'Z and Q'y.
        let r = QRDecomposition.dqrdc2(x, n: mx, p: p, tol: 1e-7, qraux: ws.qraux, jpvt: ws.jpvt, work: ws.qwork)
        let e = ws.effects
        for c in 0..<nz { for i in 0..<mx { e[c * mx + i] = ws.blockOf[i] == c ? 1 : 0 } }
        for i in 0..<mx { e[nz * mx + i] = y[i] }
        if r > 0 {
            for c in 0...nz {
                QRDecomposition.dqrsl(x, n: mx, k: r, qraux: ws.qraux, y: e + c * mx, qty: e + c * mx, b: ws.qb, rsd: ws.rsd, job: [.qty])
            }
        }
        let mq = mx - r
        if mq == 0 { return (.nan, .nan) }
        // La.svd(Q2'Z, nu = mq): left singular vectors U and values sv.
        for j in 0..<nz { for i in 0..<mq { ws.a[j * mq + i] = e[j * mx + r + i] } }
        let nsv = try leftSingular(ws, m: mq, n: nz)
        // uqy = t(U) %*% Q2'y; d = sv^2 (zero beyond the singular values); dy = uqy^2.
        let qy = e + nz * mx + r
        for i in 0..<mq {
            var sum = 0.0
            for j in 0..<mq { sum = sum + qy[j] * ws.u[i * mq + j] }
            ws.dy[i] = sum * sum
            ws.d[i] = i < nsv ? ws.s[i] * ws.s[i] : 0
        }
        // lm.fit(cbind(1, d), dy): coefficients and fitted values.
        let dx = ws.dx
        for i in 0..<mq { dx[i] = 1; dx[mq + i] = ws.d[i] }
        for v in 0..<(2 * mq) { ws.dxqr[v] = dx[v] }
        let r2 = QRDecomposition.dqrdc2(ws.dxqr, n: mq, p: 2, tol: 1e-7, qraux: ws.qraux2, jpvt: ws.jpvt2, work: ws.qwork2)
        var coef = (Double.nan, Double.nan)
        if r2 > 0 {
            QRDecomposition.dqrsl(ws.dxqr, n: mq, k: r2, qraux: ws.qraux2, y: ws.dy, qty: ws.qty, b: ws.b2, rsd: ws.rsd,
                                  job: [.qty, .coef, .resid])
            for k in 0..<r2 { if ws.jpvt2[k] == 0 { coef.0 = ws.b2[k] } else { coef.1 = ws.b2[k] } }
        } else {
            for i in 0..<mq { ws.rsd[i] = ws.dy[i] }
        }
        var nonzero = 0
        for i in 0..<mq where Swift.abs(ws.d[i]) > 1e-15 { nonzero += 1 }
        if mq > 2 && nonzero > 1 && variance(ws.d, mq) > 1e-15 {
            var fittedNonNegative = true
            for i in 0..<mq where !(ws.dy[i] - ws.rsd[i] >= 0) { fittedNonNegative = false }
            let start = fittedNonNegative ? coef : (GeneLeastSquares.mean(ws.dy, mq), 0.0)
            coef = try glmgamFit(ws, n: mq, start: start, tol: tol, maxit: maxit)
        }
        return coef
    }

    /// R's `La.svd(a, nu = m, nv = 0)` of the m x n `ws.a`: LAPACK dgesdd
    /// with job "A" when m exceeds min(m, n), else "S", and the work size its
    /// query returns (cached per shape). Leaves the singular values in
    /// `ws.s` (returns their number) and U (m x m) in `ws.u`.
    static func leftSingular(_ ws: Workspace, m: Int, n: Int) throws -> Int {
        let np = Swift.min(m, n)
        let all = m > np
        var job = CChar(UInt8(ascii: all ? "A" : "S"))
        var mm = Int32(m), nn = Int32(n), ldu = Int32(m), ldvt = Int32(all ? n : np), info: Int32 = 0
        let shape = Workspace.SVDShape(m: m, n: n, all: all)
        var lwork: Int32
        if let cached = ws.lworks.first(where: { $0.shape == shape }) {
            lwork = cached.lwork
        } else {
            var query: Int32 = -1, size = 0.0
            dgesdd_(&job, &mm, &nn, ws.a, &mm, ws.s, ws.u, &ldu, ws.vt, &ldvt, &size, &query, ws.iwork, &info)
            guard info == 0 else { throw LimmaError("La.svd", "error code \(info) from Lapack routine 'dgesdd'") }
            lwork = Int32(size)
            ws.lworks.append((shape, lwork))
        }
        if ws.work.count < Int(lwork) { ws.work = [Double](repeating: 0, count: Int(lwork)) }
        ws.work.withUnsafeMutableBufferPointer { wb in
            dgesdd_(&job, &mm, &nn, ws.a, &mm, ws.s, ws.u, &ldu, ws.vt, &ldvt, wb.baseAddress, &lwork, ws.iwork, &info)
        }
        guard info == 0 else { throw LimmaError("La.svd", "error code \(info) from Lapack routine 'dgesdd'") }
        return np
    }

    /// statmod's `glmgam.fit(X, y, coef.start, tol, maxit)` for the n x 2
    /// `X = ws.dx` and `y = ws.dy`: gamma GLM with identity link by
    /// Levenberg-damped Fisher scoring. Throws where R stops (negative
    /// starting fitted values, a non-positive-definite damped information).
    static func glmgamFit(_ ws: Workspace, n: Int, start: (Double, Double), tol: Double, maxit: Int) throws -> (Double, Double) {
        let X = ws.dx, y = ws.dy, mu = ws.mu, v = ws.v, vx = ws.vx, z = ws.z
        for i in 0..<n where !(y[i] >= 0) { throw LimmaError("glmgam.fit", "y must be non-negative") }
        if largest(y, n) == 0 { return (0, 0) }
        // X %*% beta (dgemv, or R's plain loop: the same sums).
        func fitted(_ b: (Double, Double)) {
            for i in 0..<n { mu[i] = (0 + X[i] * b.0) + X[n + i] * b.1 }
        }
        var beta = start
        fitted(beta)
        for i in 0..<n where mu[i] < 0 { throw LimmaError("glmgam.fit", "Starting values give negative fitted values") }
        var dev = devianceGamma(y, mu, n)
        var iter = 0
        var lambda = 0.0
        var a = (0.0, 0.0, 0.0, 0.0)  // 2 x 2, column-major
        while true {
            iter += 1
            for i in 0..<n { v[i] = mu[i] * mu[i] }
            let vmax = largest(v, n) / 1000
            for i in 0..<n { v[i] = Swift.max(v[i], vmax) }
            for j in 0..<2 { for i in 0..<n { vx[j * n + i] = (1 / v[i]) * X[j * n + i] } }
            // crossprod(X, vx) and crossprod(X, (y - mu) / v).
            var xvx = (0.0, 0.0, 0.0, 0.0)
            for l in 0..<n { xvx.0 = xvx.0 + X[l] * vx[l] }
            for l in 0..<n { xvx.1 = xvx.1 + X[n + l] * vx[l] }
            for l in 0..<n { xvx.2 = xvx.2 + X[l] * vx[n + l] }
            for l in 0..<n { xvx.3 = xvx.3 + X[n + l] * vx[n + l] }
            let maxinfo = xvx.0 < xvx.3 ? xvx.3 : xvx.0  // max(diag(xvx)), as Array.max()
            if iter == 1 {
                var pair = (xvx.0, xvx.3)
                let m = withUnsafePointer(to: &pair) { $0.withMemoryRebound(to: Double.self, capacity: 2) { GeneLeastSquares.mean($0, 2) } }
                lambda = Swift.abs(m) / 2
            }
            for i in 0..<n { z[i] = (y[i] - mu[i]) / v[i] }
            var dl = (0.0, 0.0)
            for l in 0..<n { dl.0 = dl.0 + z[l] * X[l] }
            for l in 0..<n { dl.1 = dl.1 + z[l] * X[n + l] }
            let betaold = beta
            let devold = dev
            var lev = 0
            var dbeta = (0.0, 0.0)
            while true {
                lev += 1
                a = (xvx.0 + lambda * 1, xvx.1 + lambda * 0, xvx.2 + lambda * 0, xvx.3 + lambda * 1)
                dbeta = try withUnsafeMutablePointer(to: &a) { ap in
                    try ap.withMemoryRebound(to: Double.self, capacity: 4) { r in
                        let info = RLinAlg.cholUpperInPlace(r, n: 2, lda: 2)
                        if info > 0 { throw LimmaError("chol", "the leading minor of order \(info) is not positive definite") }
                        for k in 0..<2 where r[k * 2 + k] == 0 {
                            throw LimmaError("backsolve", "singular matrix in 'backsolve'. First zero in diagonal [\(k + 1)]")
                        }
                        var rhs = dl
                        return withUnsafeMutablePointer(to: &rhs) { bp in
                            bp.withMemoryRebound(to: Double.self, capacity: 2) { b in
                                RLinAlg.trsmUpperTransposed(r, lda: 2, m: 2, b: b, ldb: 2, ncols: 1)
                                RLinAlg.trsmUpperNoTrans(r, lda: 2, m: 2, b: b)
                                return (b[0], b[1])
                            }
                        }
                    }
                }
                beta = (betaold.0 + dbeta.0, betaold.1 + dbeta.1)
                fitted(beta)
                dev = devianceGamma(y, mu, n)
                if dev <= devold || dev / largest(mu, n) < 1e-15 { break }
                if lambda / maxinfo > 1e15 {
                    beta = betaold
                    break
                }
                lambda = 2 * lambda
            }
            if lambda / maxinfo > 1e15 { break }
            if lev == 1 { lambda = lambda / 10 }
            if (0 + dbeta.0 * dl.0) + dbeta.1 * dl.1 < tol || dev / largest(mu, n) < 1e-15 { break }
            if iter > maxit { break }
        }
        return beta
    }

    /// Swift's `Array.max()` of `x[0..<n]` (the first of equal maxima; NaN
    /// only when first), n >= 1.
    static func largest(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        var m = x[0]
        for i in 1..<Swift.max(n, 1) where m < x[i] { m = x[i] }
        return m
    }

    /// statmod's unit gamma deviance `2 * sum((y - mu)/mu - log(y/mu))`, pairs
    /// with both y and mu below 1e-15 left out (R's long-double `sum`, NA
    /// when a term is); Inf for a negative mu.
    static func devianceGamma(_ y: UnsafePointer<Double>, _ mu: UnsafePointer<Double>, _ n: Int) -> Double {
        for i in 0..<n where mu[i] < 0 { return .infinity }
        var s: RLongDouble = 0
        for i in 0..<n where !(y[i] < 1e-15 && mu[i] < 1e-15) {
            let t = (y[i] - mu[i]) / mu[i] - log(y[i] / mu[i])
            if t.isNaN { return 2 * Double.nan }
            s += RLongDouble(t)
        }
        return 2 * Double(s)
    }

    /// R's `var(x)` for one vector (cov.c: long-double two-pass mean, then
    /// the long-double sum of squared deviations over n - 1).
    static func variance(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        if n < 2 { return .nan }
        var s: RLongDouble = 0
        for i in 0..<n { s += RLongDouble(x[i]) }
        var m = s / RLongDouble(n)
        if Double(m).isFinite {
            var t: RLongDouble = 0
            for i in 0..<n { t += RLongDouble(x[i]) - m }
            m = m + t / RLongDouble(n)
        }
        let xm = Double(m)
        var ss: RLongDouble = 0
        for i in 0..<n { let d = x[i] - xm; ss += RLongDouble(d * d) }
        return Double(ss / RLongDouble(n - 1))
    }
}

/// `duplicateCorrelation` for an `EList` (R's `getEAWP`): the design defaults
/// to the object's `design`, the weights to its observation weights.
public func duplicateCorrelation(_ object: EList, design: Matrix? = nil, ndups: Int = 2, spacing: Int = 1,
                                 block: [String]? = nil, trim: Double = 0.15, weights: Matrix? = nil) throws -> DuplicateCorrelationResult {
    try duplicateCorrelation(object.E, design: design ?? object.design, ndups: ndups, spacing: spacing, block: block,
                             trim: trim, weights: weights ?? object.weights)
}
