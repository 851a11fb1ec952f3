// limma's removeBatchEffect: subtract fitted batch and covariate effects
// from log-expression values, keeping the effects of the design.

/// limma's `removeBatchEffect(x, batch = NULL, batch2 = NULL,
/// covariates = NULL, design = matrix(1, ncol(x), 1), group = NULL, ...)`.
///
/// Each batch factor (levels sorted as R's `factor()` sorts strings) is coded
/// with sum-to-zero contrasts (`contr.sum`, the intercept column dropped);
/// with the covariates these form `X.batch`. The model
/// `lmFit(x, cbind(design, X.batch), weights)` is fitted and the result is
/// `x - beta %*% t(X.batch)`, beta the X.batch coefficients with
/// non-estimable ones (NA) taken as 0. With no batch, batch2 or covariates,
/// x is returned unchanged.
///
/// Version differences: limma 3.66 (`version: .v3_66`) centres each
/// covariate column at its mean before the fit, so the gene means are kept
/// (3.54 does not; batch-only calls are identical). `group` (limma >= 3.58)
/// replaces the design by `model.matrix(~group)`; R 3.54 has no `group`
/// argument, so passing it with `.v3_54` is an error.
public func removeBatchEffect(_ x: Matrix, batch: [String]? = nil, batch2: [String]? = nil, covariates: Matrix? = nil,
                              design: Matrix? = nil, group: [String]? = nil, weights: Matrix? = nil,
                              version: LimmaVersion = .v3_54) throws -> Matrix {
    let fn = "removeBatchEffect"
    let n = x.ncol
    if batch == nil && batch2 == nil && covariates == nil { return x }
    var columns: [[Double]] = []
    for (name, b) in [("batch", batch), ("batch2", batch2)] {
        guard let b else { continue }
        guard b.count == n else { throw LimmaError(fn, "\(name) has \(b.count) values but x has \(n) columns") }
        let levels = RCollation.icu.factorLevels(b)
        guard levels.count >= 2 else {
            throw LimmaError(fn, "contrasts can be applied only to factors with 2 or more levels (\(name))")
        }
        let code = b.map { levels.firstIndex(of: $0)! }
        for j in 0..<(levels.count - 1) {
            columns.append(code.map { $0 == levels.count - 1 ? -1 : ($0 == j ? 1 : 0) })
        }
    }
    if let cv = covariates {
        guard cv.nrow == n else { throw LimmaError(fn, "covariates has \(cv.nrow) rows but x has \(n) columns") }
        guard cv.values.allSatisfy({ !$0.isNaN }) else { throw LimmaError(fn, "covariates must not contain missing values") }
        let means = RBase.colMeans(cv)
        for j in 0..<cv.ncol {
            let c = cv.column(j)
            columns.append(version == .v3_54 ? c : c.map { $0 - means[j] })
        }
    }
    let xBatch = Matrix(columns: columns)

    var keep = design ?? Matrix(nrow: n, ncol: 1, repeating: 1)
    if let group {
        guard version != .v3_54 else { throw LimmaError(fn, "unused argument (group): limma 3.54 has no 'group' argument") }
        guard group.count == n else { throw LimmaError(fn, "group has \(group.count) values but x has \(n) columns") }
        let levels = RCollation.icu.factorLevels(group)
        // model.matrix(~group): intercept plus treatment contrasts.
        var cols = [[Double](repeating: 1, count: n)]
        for l in levels.dropFirst() { cols.append(group.map { $0 == l ? 1 : 0 }) }
        keep = Matrix(columns: cols)
    }
    guard keep.nrow == n else { throw LimmaError(fn, "design has \(keep.nrow) rows but x has \(n) columns") }

    let full = Matrix(nrow: n, ncol: keep.ncol + xBatch.ncol, values: keep.values + xBatch.values)
    let fit = try lmFit(x, design: full, weights: weights)
    var beta = fit.coefficients.columns(Array(keep.ncol..<full.ncol))
    beta.rowNames = nil
    beta.colNames = nil
    for k in 0..<beta.values.count where beta.values[k].isNaN { beta.values[k] = 0 }
    let effect = RLinAlg.matprod(beta, xBatch.transposed)
    var out = x
    for k in 0..<out.values.count { out.values[k] = x.values[k] - effect.values[k] }
    return out
}

/// `removeBatchEffect` for an `EList`: the fit uses the object's weights
/// (unless `weights` is given) and the result is the corrected `E`.
public func removeBatchEffect(_ x: EList, batch: [String]? = nil, batch2: [String]? = nil, covariates: Matrix? = nil,
                              design: Matrix? = nil, group: [String]? = nil, weights: Matrix? = nil,
                              version: LimmaVersion = .v3_54) throws -> Matrix {
    try removeBatchEffect(x.E, batch: batch, batch2: batch2, covariates: covariates, design: design, group: group,
                          weights: weights ?? x.weights, version: version)
}
