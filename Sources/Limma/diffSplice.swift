// limma's diffSplice: differential exon usage from an exon-level linear
// model fit, by comparing each exon's log-fold-change with its gene's.

/// What `diffSplice` returns (R's MArrayLM components): exon-level
/// statistics for the exons of genes with more than one exon, in the order
/// diffSplice sorts them (by gene id, then exon id), and gene-level ones,
/// one per such gene.
public struct DiffSpliceResult: Sendable, Equatable {
    /// For each output exon, its 0-based row in the fit.
    public var exonRows: [Int]
    /// Gene id of each output exon.
    public var exonGeneID: [String]
    /// Exon id of each output exon, when given.
    public var exonID: [String]?
    /// Exon minus gene log-fold-change, divided by `1 - leverage`.
    public var coefficients: Matrix
    public var t: Matrix
    public var pValue: Matrix
    /// Per gene (genes with more than one exon, in output order).
    public var geneID: [String]
    public var geneNExons: [Int]
    /// 0-based first and last output exon of each gene (R's are 1-based).
    public var geneFirstExon: [Int]
    public var geneLastExon: [Int]
    /// `gene.df.prior`: length 1, or one per gene when robust.
    public var geneDfPrior: [Double]
    public var geneDfResidual: [Double]
    public var geneDfTotal: [Double]
    public var geneS2: [Double]
    public var geneS2Post: [Double]
    public var geneF: Matrix
    public var geneFPValue: Matrix
    public var geneSimesPValue: Matrix
    /// What R prints with `verbose = TRUE`: exons, genes, genes with one
    /// exon, the rounded mean and the maximum number of exons per gene.
    public var summary: (exons: Int, genes: Int, singleExonGenes: Int, meanExons: Double, maxExons: Int)
    public var warnings: [LimmaWarning] = []

    public static func == (a: Self, b: Self) -> Bool {
        a.exonRows == b.exonRows && a.exonGeneID == b.exonGeneID && a.exonID == b.exonID && a.coefficients == b.coefficients
            && a.t == b.t && a.pValue == b.pValue && a.geneID == b.geneID && a.geneNExons == b.geneNExons
            && a.geneDfPrior == b.geneDfPrior && a.geneDfTotal == b.geneDfTotal && a.geneS2Post == b.geneS2Post
            && a.geneF == b.geneF && a.geneFPValue == b.geneFPValue && a.geneSimesPValue == b.geneSimesPValue
    }
}

/// limma's `diffSplice(fit, geneid, exonid, robust)` (limma 3.54.1) for an
/// exon-level `lmFit` fit.
///
/// Exons are sorted by gene id (then exon id), ids compared byte by byte (R's
/// order under a C collation; missing ids are not possible here). Per gene:
/// `s2 = mean(sigma^2)` over its exons with the summed residual df, squeezed by
/// `squeezeVar` (robust optional); genes with one exon are then dropped.
/// With `u2 = 1/stdev.unscaled^2`, the gene's log-fold-change is the
/// u2-weighted mean of its exons' coefficients; each exon's difference from it
/// gives `t = (beta - betabar) / stdev.unscaled / sqrt(s2.post)`, the gene
/// `F = sum(t^2)/(nexons - 1)` on `(nexons - 1, df.total)` df with
/// `df.total = min(df.residual + df.prior, sum(df.residual))`; then the exon
/// coefficient and t are divided by `1 - u2/sum(u2)` and its square root, with
/// two-sided t p-values on the gene's df.total. The Simes p-value of a gene is
/// `min_i p_(i) (n - 1)/i` over its exon p-values less the largest, capped at 1
/// (R's arithmetic order kept).
///
/// `geneid`: one id per row of the fit, or a single name of an annotation
/// column of `fit.genes` (as R). Errors: wrong lengths, no gene with more than
/// one exon ("No genes with more than one exon").
public func diffSplice(_ fit: MArrayLM, geneid: [String], exonid: [String]? = nil, robust: Bool = false) throws
    -> DiffSpliceResult
{
    let fn = "diffSplice"
    let nexon = fit.coefficients.nrow, ncoef = fit.coefficients.ncol
    func annotationColumn(_ name: String) throws -> [String] {
        guard let g = fit.genes, let k = g.names.firstIndex(of: name) else {
            throw LimmaError(fn, "'\(name)' is not a column of fit$genes")
        }
        return g.columns[k]
    }
    let gid = geneid.count == 1 && nexon != 1 ? try annotationColumn(geneid[0]) : geneid
    guard gid.count == nexon else { throw LimmaError(fn, "geneid has \(gid.count) entries but the fit has \(nexon) rows") }
    var eid = exonid
    if let e = exonid, e.count == 1 && nexon != 1 { eid = try annotationColumn(e[0]) }
    if let e = eid, e.count != nexon { throw LimmaError(fn, "exonid has \(e.count) entries but the fit has \(nexon) rows") }
    guard fit.sigma.count == nexon, fit.dfResidual.count == nexon, fit.stdevUnscaled.nrow == nexon else {
        throw LimmaError(fn, "fit components have inconsistent lengths")
    }

    // Sort exons by gene (then exon) id, stably.
    func less(_ a: String, _ b: String) -> Bool { Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) }
    let o = Array(0..<nexon).sorted { a, b in
        if gid[a] != gid[b] { return less(gid[a], gid[b]) }
        if let e = eid, e[a] != e[b] { return less(e[a], e[b]) }
        return a < b
    }
    let sortedGene = o.map { gid[$0] }
    // Genes in order of (contiguous) appearance.
    var geneStart: [Int] = [], geneName: [String] = []
    for (k, g) in sortedGene.enumerated() where k == 0 || sortedGene[k - 1] != g {
        geneStart.append(k)
        geneName.append(g)
    }
    let ngAll = geneStart.count
    let nexAll = (0..<ngAll).map { (($0 + 1 < ngAll) ? geneStart[$0 + 1] : nexon) - geneStart[$0] }
    var dfAll = [Double](repeating: 0, count: ngAll), s2Sum = [Double](repeating: 0, count: ngAll)
    var geneOf = [Int](repeating: 0, count: nexon)
    for gi in 0..<ngAll {
        for k in geneStart[gi]..<(geneStart[gi] + nexAll[gi]) {
            geneOf[k] = gi
            let s = fit.sigma[o[k]]
            dfAll[gi] += fit.dfResidual[o[k]]
            s2Sum[gi] += s * s
        }
    }
    let geneS2All = (0..<ngAll).map { s2Sum[$0] / Double(nexAll[$0]) }
    let summary = (exons: nexon, genes: ngAll, singleExonGenes: nexAll.filter { $0 == 1 }.count,
                   meanExons: (RBase.mean(nexAll.map(Double.init))).rounded(.toNearestOrEven), maxExons: nexAll.max() ?? 0)
    let squeeze = try squeezeVar(geneS2All, df: dfAll, robust: robust)

    let keepGene = (0..<ngAll).filter { nexAll[$0] > 1 }
    if keepGene.isEmpty { throw LimmaError(fn, "No genes with more than one exon") }
    let ng = keepGene.count
    let exons = (0..<nexon).filter { nexAll[geneOf[$0]] > 1 }  // positions in sorted order
    let rows = exons.map { o[$0] }
    let n = rows.count
    let nex = keepGene.map { nexAll[$0] }
    let dfTest = nex.map { Double($0 - 1) }
    let dfResidual = keepGene.map { dfAll[$0] }
    let dfPrior = squeeze.dfPrior.count > 1 ? keepGene.map { squeeze.dfPrior[$0] } : squeeze.dfPrior
    let sumDf = RBase.sum(dfResidual)
    let dfTotal = (0..<ng).map { rMin(dfResidual[$0] + (dfPrior.count > 1 ? dfPrior[$0] : dfPrior[0]), sumDf) }
    let s2Post = keepGene.map { squeeze.varPost[$0] }
    var g = [Int](), last = [Int](), first = [Int]()
    for (k, n_) in nex.enumerated() {
        first.append(g.count)
        g.append(contentsOf: [Int](repeating: k, count: n_))
        last.append(g.count - 1)
    }

    var coef = Matrix(nrow: n, ncol: ncoef), t = Matrix(nrow: n, ncol: ncoef), pv = Matrix(nrow: n, ncol: ncoef)
    var geneF = Matrix(nrow: ng, ncol: ncoef), geneFP = Matrix(nrow: ng, ncol: ncoef)
    var simes = Matrix(nrow: ng, ncol: ncoef)
    // Simes penalties i/(n-1) for the exons of a gene but its last, in order.
    var penalty = [Double]()
    for k in 0..<ng { for i in 1..<nex[k] { penalty.append(Double(i) / Double(nex[k] - 1)) } }
    for j in 0..<ncoef {
        var u2 = [Double](repeating: 0, count: n), beta = [Double](repeating: 0, count: n)
        var u2Sum = [Double](repeating: 0, count: ng), bu2Sum = [Double](repeating: 0, count: ng)
        for e in 0..<n {
            let su = fit.stdevUnscaled[rows[e], j]
            u2[e] = 1 / (su * su)
            beta[e] = fit.coefficients[rows[e], j]
            u2Sum[g[e]] += u2[e]
            bu2Sum[g[e]] += beta[e] * u2[e]
        }
        var fSum = [Double](repeating: 0, count: ng)
        for e in 0..<n {
            let k = g[e]
            let betabar = bu2Sum[k] / u2Sum[k]
            let b = beta[e] - betabar
            let su = fit.stdevUnscaled[rows[e], j]
            var te = b / su / s2Post[k].squareRoot()
            fSum[k] += te * te
            let oneMinusLev = 1 - u2[e] / u2Sum[k]
            coef[e, j] = b / oneMinusLev
            te = te / oneMinusLev.squareRoot()
            t[e, j] = te
            pv[e, j] = 2 * RMath.pt(abs(te), df: dfTotal[k], lowerTail: false)
        }
        for k in 0..<ng {
            geneF[k, j] = fSum[k] / dfTest[k]
            geneFP[k, j] = RMath.pf(geneF[k, j], df1: dfTest[k], df2: dfTotal[k], lowerTail: false)
        }
        // Simes: within each gene sort the p-values, drop the largest, divide by i/(n-1), take the smallest.
        var pos = 0
        for k in 0..<ng {
            let ps = (first[k]...last[k]).map { pv[$0, j] }
            let sorted = RBase.order(ps).map { ps[$0] }
            var best = Double.nan
            for i in 0..<(nex[k] - 1) {
                let a = rMin(sorted[i] / penalty[pos + i], 1)
                if best.isNaN || a < best { best = a }
            }
            pos += nex[k] - 1
            simes[k, j] = best
        }
    }
    let names = fit.coefficients.colNames
    let exonNames = rows.map { fit.coefficients.rowNames?[$0] ?? String($0 + 1) }
    coef.rowNames = exonNames; coef.colNames = names
    t.rowNames = exonNames; t.colNames = names
    pv.rowNames = exonNames; pv.colNames = names
    let gnames = keepGene.map { geneName[$0] }
    geneF.rowNames = gnames; geneF.colNames = names
    geneFP.rowNames = gnames; geneFP.colNames = names
    simes.rowNames = gnames; simes.colNames = names
    return DiffSpliceResult(
        exonRows: rows, exonGeneID: rows.map { gid[$0] }, exonID: eid.map { e in rows.map { e[$0] } },
        coefficients: coef, t: t, pValue: pv, geneID: gnames, geneNExons: nex, geneFirstExon: first, geneLastExon: last,
        geneDfPrior: dfPrior, geneDfResidual: dfResidual, geneDfTotal: dfTotal, geneS2: keepGene.map { geneS2All[$0] },
        geneS2Post: s2Post, geneF: geneF, geneFPValue: geneFP, geneSimesPValue: simes, summary: summary,
        warnings: squeeze.warnings)
}
