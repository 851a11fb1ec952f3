// The steps a case may call, with their R argument names and the type each
// argument value must have. Anything not listed is refused with a message
// that lists what is supported. The set grows as the engine grows.

/// The type an argument value must have in the case file.
public enum ArgType: Sendable, Equatable {
    /// JSON true/false (R's TRUE/FALSE).
    case bool
    /// A finite number in [min, max]; `inf` also allows "Inf" (and "-Inf").
    case number(min: Double, max: Double, inf: Bool)
    /// A numeric vector of exactly `count` finite numbers in [min, max].
    case numbers(count: Int, min: Double, max: Double)
    /// One of the given strings.
    case choice([String])
    /// A targets column name (R's per-sample vector).
    case column
    /// A coefficient: a name or a 1-based index, or an array of them (R's `coef`).
    case coef
    /// TRUE/FALSE, or a number in (0, 1) (topTable's `confint`).
    case boolOrLevel

    var help: String {
        switch self {
        case .bool: return "true or false"
        case let .number(lo, hi, inf): return "a number in [\(fmt(lo)), \(fmt(hi))]" + (inf ? " or \"Inf\"" : "")
        case let .numbers(n, lo, hi): return "an array of \(n) numbers in [\(fmt(lo)), \(fmt(hi))]"
        case let .choice(c): return "one of " + c.map { "\"\($0)\"" }.joined(separator: ", ")
        case .column: return "a targets column name"
        case .coef: return "a coefficient name or 1-based index, or an array of them"
        case .boolOrLevel: return "true, false or a confidence level in (0, 1)"
        }
    }

    private func fmt(_ d: Double) -> String {
        if d.isInfinite { return d > 0 ? "Inf" : "-Inf" }
        return d == d.rounded() && Swift.abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
    }
}

/// A normalised argument value, as it is handed to R (as data) and to the engine.
public enum ArgValue: Sendable, Equatable {
    case bool(Bool)
    case number(Double)
    case numbers([Double])
    case string(String)
    case strings([String])
    /// A coefficient list mixing names and indices is refused; these hold one kind.
    case indices([Int])

    public var json: JSONValue {
        switch self {
        case let .bool(b): return .bool(b)
        case let .number(d): return .number(d)
        case let .numbers(a): return .array(a.map { .number($0) })
        case let .string(s): return .string(s)
        case let .strings(a): return .array(a.map { .string($0) })
        case let .indices(a): return .array(a.map { .number(Double($0)) })
        }
    }
}

/// What the harness knows about one step function.
public struct StepSpec: Sendable {
    public var fn: String
    /// "limma" or "edgeR".
    public var package: String
    /// Argument name -> type, in R's argument order.
    public var args: [(name: String, type: ArgType)]
    /// Arguments that exist only from this limma release on (e.g. `adaptive.span`).
    public var since366: Set<String> = []

    public func type(of arg: String) -> ArgType? { args.first { $0.name == arg }?.type }
}

public enum StepCatalog {
    static let pAdjust = ["BH", "fdr", "BY", "holm", "hochberg", "hommel", "bonferroni", "none"]
    static let tailP = ArgType.numbers(count: 2, min: 0, max: 1)
    static let unit = ArgType.number(min: 0, max: 1, inf: false)
    static let nonneg = ArgType.number(min: 0, max: .infinity, inf: false)

    public static let specs: [StepSpec] = [
        StepSpec(fn: "filterByExpr", package: "edgeR", args: [
            ("group", .column), ("min.count", nonneg), ("min.total.count", nonneg),
            ("large.n", nonneg), ("min.prop", unit),
        ]),
        StepSpec(fn: "calcNormFactors", package: "edgeR", args: [
            ("method", .choice(["TMM", "TMMwsp", "RLE", "upperquartile", "none"])),
            ("logratioTrim", .number(min: 0, max: 0.5, inf: false)), ("sumTrim", .number(min: 0, max: 0.5, inf: false)),
            ("doWeighting", .bool), ("Acutoff", .number(min: -.infinity, max: 0, inf: false)), ("p", unit),
        ]),
        StepSpec(fn: "cpm", package: "edgeR", args: [
            ("normalized.lib.sizes", .bool), ("log", .bool), ("prior.count", nonneg),
        ]),
        StepSpec(fn: "voom", package: "limma", args: [
            ("normalize.method", .choice(["none", "scale", "quantile", "cyclicloess"])),
            ("span", .number(min: 0, max: 1, inf: false)), ("adaptive.span", .bool),
        ], since366: ["adaptive.span"]),
        StepSpec(fn: "voomWithQualityWeights", package: "limma", args: [
            ("normalize.method", .choice(["none", "scale", "quantile", "cyclicloess"])),
            ("span", .number(min: 0, max: 1, inf: false)), ("adaptive.span", .bool), ("var.group", .column),
            ("method", .choice(["genebygene", "reml"])), ("maxiter", .number(min: 1, max: 10000, inf: false)),
            ("tol", .number(min: 0, max: 1, inf: false)),
        ], since366: ["adaptive.span"]),
        StepSpec(fn: "arrayWeights", package: "limma", args: [
            ("var.group", .column), ("prior.n", nonneg), ("method", .choice(["auto", "genebygene", "reml"])),
            ("maxiter", .number(min: 1, max: 10000, inf: false)), ("tol", .number(min: 0, max: 1, inf: false)),
        ]),
        StepSpec(fn: "normalizeBetweenArrays", package: "limma", args: [
            ("method", .choice(["none", "scale", "quantile", "cyclicloess"])),
        ]),
        StepSpec(fn: "removeBatchEffect", package: "limma", args: [("batch", .column), ("batch2", .column), ("design", .bool)]),
        StepSpec(fn: "duplicateCorrelation", package: "limma", args: [("block", .column), ("trim", .number(min: 0, max: 0.5, inf: false))]),
        StepSpec(fn: "lmFit", package: "limma", args: [
            ("block", .column), ("correlation", .number(min: -1, max: 1, inf: false)), ("method", .choice(["ls", "robust"])),
        ]),
        StepSpec(fn: "contrasts.fit", package: "limma", args: [("coefficients", .coef)]),
        StepSpec(fn: "eBayes", package: "limma", args: [
            ("proportion", unit), ("stdev.coef.lim", .numbers(count: 2, min: 0, max: .infinity)),
            ("trend", .bool), ("robust", .bool), ("winsor.tail.p", tailP), ("legacy", .bool),
        ], since366: ["legacy"]),
        StepSpec(fn: "treat", package: "limma", args: [
            ("lfc", nonneg), ("trend", .bool), ("robust", .bool), ("winsor.tail.p", tailP),
            ("legacy", .bool), ("upshot", .bool),
        ], since366: ["legacy", "upshot"]),
        StepSpec(fn: "topTable", package: "limma", args: [
            ("coef", .coef), ("number", .number(min: 1, max: .infinity, inf: true)),
            ("adjust.method", .choice(pAdjust)), ("sort.by", .choice(["logFC", "AveExpr", "t", "P", "p", "B", "F", "none"])),
            ("resort.by", .choice(["logFC", "AveExpr", "t", "P", "p", "B", "F"])),
            ("p.value", unit), ("lfc", nonneg), ("confint", .boolOrLevel),
        ]),
        StepSpec(fn: "topTreat", package: "limma", args: [
            ("coef", .coef), ("number", .number(min: 1, max: .infinity, inf: true)),
            ("adjust.method", .choice(pAdjust)), ("sort.by", .choice(["logFC", "AveExpr", "t", "P", "p", "none"])),
            ("resort.by", .choice(["logFC", "AveExpr", "t", "P", "p"])),
            ("p.value", unit), ("lfc", nonneg), ("confint", .boolOrLevel),
        ]),
        StepSpec(fn: "topTableF", package: "limma", args: [
            ("number", .number(min: 1, max: .infinity, inf: true)), ("adjust.method", .choice(pAdjust)),
            ("sort.by", .choice(["F", "none"])), ("p.value", unit), ("lfc", nonneg),
        ]),
        StepSpec(fn: "decideTests", package: "limma", args: [
            ("method", .choice(["separate", "global", "hierarchical", "nestedF"])),
            ("adjust.method", .choice(pAdjust)), ("p.value", unit), ("lfc", nonneg),
        ]),
        // Gene set tests: the sets come from inputs.gene_sets; `contrast` is a
        // design column (name or 1-based index) or the name of a top-level contrast.
        StepSpec(fn: "camera", package: "limma", args: [
            ("contrast", .coef), ("use.ranks", .bool), ("allow.neg.cor", .bool),
            ("inter.gene.cor", .number(min: -0.99, max: 0.99, inf: false)), ("trend.var", .bool), ("sort", .bool),
        ]),
        StepSpec(fn: "fry", package: "limma", args: [
            ("contrast", .coef), ("standardize", .choice(["residual.sd", "posterior.sd", "none"])),
            ("sort", .choice(geneSetSort)), ("trend.var", .bool), ("robust", .bool),
        ]),
        StepSpec(fn: "mroast", package: "limma", args: [
            ("contrast", .coef), ("set.statistic", .choice(["mean", "floormean", "mean50", "msq"])),
            ("nrot", .number(min: 1, max: 1e6, inf: false)), ("approx.zscore", .bool),
            ("adjust.method", .choice(pAdjust)), ("midp", .bool), ("sort", .choice(geneSetSort)),
            ("trend.var", .bool), ("robust", .bool), ("seed", .number(min: 0, max: 2_147_483_647, inf: false)),
        ]),
    ]

    static let geneSetSort = ["directional", "mixed", "none"]
    /// The gene set tests: they read `inputs.gene_sets` and write one table per step.
    public static let geneSetSteps: Set<String> = ["camera", "fry", "mroast"]
    /// Arguments that must be whole numbers.
    static let wholeNumbers: Set<String> = ["nrot", "seed", "maxiter"]

    public static func spec(_ fn: String) -> StepSpec? { specs.first { $0.fn == fn } }
    public static var supported: String { specs.map(\.fn).joined(separator: ", ") }

    /// Which statistics a step writes, and how each is compared.
    public static func kind(fn: String, statistic: String) -> StatisticKind {
        switch (fn, statistic) {
        case ("filterByExpr", "keep"), ("decideTests", "results"): return .exact
        case (let f, "NGenes"), (let f, "Direction"): return geneSetSteps.contains(f) ? .exact : .numeric
        case (_, "order"): return .order
        default: return .numeric
        }
    }

    /// The family a step's outputs belong to: topTable-like steps write one table.
    public static func isTable(_ fn: String) -> Bool {
        fn == "topTable" || fn == "topTreat" || fn == "topTableF" || geneSetSteps.contains(fn)
    }
}
