// limma's voomWithQualityWeights: voom precision weights combined with
// arrayWeights sample-quality weights.

/// limma's `voomWithQualityWeights(counts, design = NULL, lib.size = NULL,
/// normalize.method = "none", plot = FALSE, span = 0.5, var.design = NULL,
/// var.group = NULL, method = "genebygene", maxiter = 50, tol = 1e-5)`
/// (3.54; `adaptiveSpan` as in 3.66, passed to both voom calls).
///
/// 1. `v = voom(counts, design, ...)`.
/// 2. `aw = arrayWeights(v, design, method, ...)` (with voom's weights as
///    prior weights; note `arrayWeights` gets `design` as given, so a nil
///    design means an intercept-only model).
/// 3. `v = voom(counts, design, weights = aw, ...)`: the trend is refitted
///    with the sample weights.
/// 4. `aw = arrayWeights(v, design, ...)` again, and the result's weights are
///    voom's weights times `aw[j]` for sample j; `sampleWeights = aw`
///    (R's `v$targets$sample.weights`).
///
/// Warnings from all four steps are returned in order.
public func voomWithQualityWeights(_ counts: Matrix, design: Matrix? = nil, libSize: [Double]? = nil,
                                   normalizeMethod: BetweenArrayNormalization = .none, span: Double = 0.5,
                                   adaptiveSpan: Bool? = nil, varDesign: Matrix? = nil, varGroup: [String]? = nil,
                                   method: String = "genebygene", maxiter: Int = 50, tol: Double = 1e-5,
                                   version: LimmaVersion = .v3_54) throws -> EList {
    let v1 = try voom(counts, design: design, libSize: libSize, normalizeMethod: normalizeMethod, span: span,
                      adaptiveSpan: adaptiveSpan, version: version)
    let aw1 = try arrayWeights(v1, design: design, varDesign: varDesign, varGroup: varGroup, method: method,
                               maxiter: maxiter, tol: tol)
    let sw = Matrix(nrow: 1, ncol: aw1.weights.count, values: aw1.weights)
    var v = try voom(counts, design: design, libSize: libSize, normalizeMethod: normalizeMethod, weights: sw, span: span,
                     adaptiveSpan: adaptiveSpan, version: version)
    let aw = try arrayWeights(v, design: design, varDesign: varDesign, varGroup: varGroup, method: method,
                              maxiter: maxiter, tol: tol)
    if var w = v.weights {
        for j in 0..<w.ncol { for i in 0..<w.nrow { w[i, j] = aw.weights[j] * w[i, j] } }
        v.weights = w
    }
    v.sampleWeights = aw.weights
    v.warnings = v1.warnings + aw1.warnings + v.warnings + aw.warnings
    return v
}

/// `voomWithQualityWeights` for a `DGEList`: library sizes default to
/// `lib.size * norm.factors`, as voom takes them from a DGEList.
public func voomWithQualityWeights(_ counts: DGEList, design: Matrix? = nil, libSize: [Double]? = nil,
                                   normalizeMethod: BetweenArrayNormalization = .none, span: Double = 0.5,
                                   adaptiveSpan: Bool? = nil, varDesign: Matrix? = nil, varGroup: [String]? = nil,
                                   method: String = "genebygene", maxiter: Int = 50, tol: Double = 1e-5,
                                   version: LimmaVersion = .v3_54) throws -> EList {
    guard counts.libSize.count == counts.counts.ncol, counts.normFactors.count == counts.counts.ncol else {
        throw LimmaError("voomWithQualityWeights", "the DGEList has \(counts.counts.ncol) samples but \(counts.libSize.count) library sizes and \(counts.normFactors.count) norm factors")
    }
    let lib = libSize ?? zip(counts.libSize, counts.normFactors).map { $0 * $1 }
    var v = try voomWithQualityWeights(counts.counts, design: design, libSize: lib, normalizeMethod: normalizeMethod,
                                       span: span, adaptiveSpan: adaptiveSpan, varDesign: varDesign, varGroup: varGroup,
                                       method: method, maxiter: maxiter, tol: tol, version: version)
    v.genes = counts.genes
    return v
}
