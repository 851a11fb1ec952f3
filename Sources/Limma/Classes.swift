// limma's data classes: EList (log-expression), MArrayLM (fitted model), and
// edgeR's DGEList (counts). Field names follow R's list components, in Swift
// case (`stdev.unscaled` -> `stdevUnscaled`, `df.residual` -> `dfResidual`).

/// Per-feature annotation columns (R's `genes` data frame): text columns that
/// travel with the features into topTable output.
public struct Annotation: Sendable, Equatable {
    public var names: [String]
    /// One array per column, each `count` long.
    public var columns: [[String]]
    public init(names: [String] = [], columns: [[String]] = []) {
        precondition(names.count == columns.count, "Annotation: names and columns differ in count")
        self.names = names
        self.columns = columns
    }
    public var count: Int { columns.first?.count ?? 0 }
    public var isEmpty: Bool { names.isEmpty }
    /// The rows given by `idx`, in that order.
    public func rows(_ idx: [Int]) -> Annotation {
        Annotation(names: names, columns: columns.map { c in idx.map { c[$0] } })
    }
}

/// R's `DGEList`: raw counts with library sizes and normalisation factors.
public struct DGEList: Sendable, Equatable {
    /// Genes x samples counts; row names are the feature ids.
    public var counts: Matrix {
        didSet { checkedCounts = nil }
    }
    /// What a function that scanned `counts` found, for the next one: every
    /// count finite and non-negative, and which rows have a count above 0.
    /// Any change to `counts` forgets it; not part of `==`.
    var checkedCounts: [Bool]?
    /// `lib.size`, one per sample (R's default: `colSums(counts)`).
    public var libSize: [Double]
    /// `norm.factors`, one per sample (1 until calcNormFactors).
    public var normFactors: [Double]
    public var genes: Annotation?
    public init(counts: Matrix, libSize: [Double]? = nil, normFactors: [Double]? = nil, genes: Annotation? = nil) {
        self.counts = counts
        self.libSize = libSize ?? RBase.colSums(counts)
        self.normFactors = normFactors ?? [Double](repeating: 1, count: counts.ncol)
        self.genes = genes
    }

    public static func == (a: DGEList, b: DGEList) -> Bool {
        a.counts == b.counts && a.libSize == b.libSize && a.normFactors == b.normFactors && a.genes == b.genes
    }

    /// The rows with a count above 0 once every count is known to be finite
    /// and non-negative (`checkedCounts`, else one pass over the counts), or
    /// nil when a count is not (then `checkCounts` names it).
    func positiveCountRows() -> [Bool]? {
        checkedCounts ?? positiveRows(counts)
    }
}

/// R's `EList`: log-expression values with optional observation weights, as
/// voom returns them.
public struct EList: Sendable, Equatable {
    /// `E`: genes x samples log-expression.
    public var E: Matrix {
        didSet { rowMeansOfE = nil }
    }
    /// `rowMeans(E, na.rm = TRUE)` (R's long-double sums) as the function
    /// that made `E` found it on the way (voom's own fit), for `lmFit` to
    /// take as `Amean` instead of a pass of its own. Any change to `E`
    /// forgets it; not part of `==`.
    var rowMeansOfE: [Double]?
    /// `weights`: genes x samples observation weights, or nil.
    public var weights: Matrix?
    public var design: Matrix?
    /// `lib.size` used by voom (library size times normalisation factor).
    public var libSize: [Double]?
    public var genes: Annotation?
    /// voom's trend points (`voom.xy`: x = mean log-count, y = sqrt(sigma)).
    public var voomXY: (x: [Double], y: [Double])?
    /// The rows of `E` whose points `voomXY` holds, in order (R's names of
    /// `voom.xy$x`): every row but the genes whose counts are all zero.
    public var voomXYRows: [Int]?
    /// voom's fitted trend line (`voom.line`: lowess x and y).
    public var voomLine: (x: [Double], y: [Double])?
    /// Sample weights from voomWithQualityWeights / arrayWeights.
    public var sampleWeights: [Double]?
    /// The lowess span voom used.
    public var span: Double?
    /// Warnings R would have printed while producing this object.
    public var warnings: [LimmaWarning] = []

    public init(E: Matrix, weights: Matrix? = nil, design: Matrix? = nil, libSize: [Double]? = nil, genes: Annotation? = nil) {
        self.E = E
        self.weights = weights
        self.design = design
        self.libSize = libSize
        self.genes = genes
    }

    public static func == (a: EList, b: EList) -> Bool {
        a.E == b.E && a.weights == b.weights && a.design == b.design && a.libSize == b.libSize && a.genes == b.genes
            && a.voomXY?.x == b.voomXY?.x && a.voomXY?.y == b.voomXY?.y && a.voomXYRows == b.voomXYRows
            && a.voomLine?.x == b.voomLine?.x && a.voomLine?.y == b.voomLine?.y
            && a.sampleWeights == b.sampleWeights && a.span == b.span
    }
}

/// R's `MArrayLM`: a fitted linear model per feature, and after eBayes the
/// moderated statistics. Per-gene vectors have one entry per row of
/// `coefficients`. `s2Prior` and `dfPrior` have length 1 (a scalar in R) or
/// one per gene (trend / robust), as R returns them.
public struct MArrayLM: Sendable, Equatable {
    // lmFit
    public var coefficients: Matrix
    public var stdevUnscaled: Matrix
    public var sigma: [Double]
    public var dfResidual: [Double]
    public var Amean: [Double]?
    public var covCoefficients: Matrix?
    /// 0-based pivot from the QR of the design (R's `pivot` is 1-based).
    public var pivot: [Int]?
    public var rank: Int?
    public var design: Matrix?
    public var genes: Annotation?
    /// `method`: "ls" (or "robust").
    public var method: String = "ls"
    /// Block correlation used by lmFit, if any.
    public var correlation: Double?

    // contrasts.fit
    public var contrasts: Matrix?

    // eBayes / treat
    public var s2Prior: [Double]?
    public var dfPrior: [Double]?
    public var varPrior: [Double]?
    public var proportion: Double?
    public var s2Post: [Double]?
    public var dfTotal: [Double]?
    public var t: Matrix?
    public var pValue: Matrix?
    public var lods: Matrix?
    public var F: [Double]?
    public var FPValue: [Double]?
    /// treat's `lfc` threshold, if the fit came from treat.
    public var treatLfc: Double?
    /// Warnings R would have printed while producing this fit.
    public var warnings: [LimmaWarning] = []

    public init(coefficients: Matrix, stdevUnscaled: Matrix, sigma: [Double], dfResidual: [Double]) {
        self.coefficients = coefficients
        self.stdevUnscaled = stdevUnscaled
        self.sigma = sigma
        self.dfResidual = dfResidual
    }
}

/// Which limma release's defaults the engine follows (see docs/limma-versions.md).
public enum LimmaVersion: String, Sendable, CaseIterable {
    /// limma 3.54 (the R on this machine): voom span 0.5, eBayes legacy estimator.
    case v3_54 = "3.54"
    /// limma 3.66: voom adaptive span, eBayes `legacy = NULL` (fitFDistUnequalDF1
    /// when residual df differ), fitFDist via logmdigamma, topTable BH by default.
    case v3_66 = "3.66"
}
