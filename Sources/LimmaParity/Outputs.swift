// The plain data that flows between the harness stages:
// case -> (engine run, R run) -> SideOutputs -> comparison -> report writers.

/// How a statistic is compared.
public enum StatisticKind: String, Sendable, Codable {
    /// Doubles compared with a tolerance (rel/abs/log10).
    case numeric
    /// Integer or categorical values that must match exactly (kept genes,
    /// decideTests calls), unless the case names a tolerance for them.
    case exact
    /// A row order (e.g. topTable's sorted feature ids): `rowIDs` order must match exactly.
    case order
}

/// One statistic produced by one step, on one side: a labelled matrix
/// (a vector is one column). Aligned with the other side by row id and
/// column name, never by position alone.
public struct StatisticTable: Sendable {
    /// The step label: the R function name, with `#2`, `#3` appended when a
    /// case calls the same function more than once (e.g. `eBayes`, `topTable#2`).
    public var step: String
    /// R's name for the statistic (`t`, `p.value`, `s2.prior`, `logFC`, `keep`).
    public var name: String
    public var kind: StatisticKind
    public var rowIDs: [String]
    public var columnNames: [String]
    /// Column-major values; missing as NaN (see `isNA`).
    public var values: [Double]
    /// True where the value is R's NA (as opposed to NaN); nil when none is.
    public var isNA: [Bool]?

    public init(step: String, name: String, kind: StatisticKind = .numeric, rowIDs: [String], columnNames: [String], values: [Double], isNA: [Bool]? = nil) {
        self.step = step
        self.name = name
        self.kind = kind
        self.rowIDs = rowIDs
        self.columnNames = columnNames
        self.values = values
        self.isNA = isNA
    }

    public var key: String { "\(step).\(name)" }
}

/// Everything one side (the engine or R) produced for a case.
public struct SideOutputs: Sendable {
    /// "engine" or "r".
    public var side: String
    public var tables: [StatisticTable]
    /// Text outputs carried for the report, e.g. a topTable's annotation columns:
    /// key "<step>.<column>" -> values in the table's row order.
    public var text: [String: [String]]
    /// Versions: for R "R", "limma", "edgeR", "platform"; for the engine "version".
    public var versions: [String: String]
    /// Pipeline seconds after inputs are loaded, and end to end including reading.
    public var pipelineSeconds: Double?
    public var totalSeconds: Double?
    /// Seconds spent reading the inputs (and building the design and
    /// contrasts) before the pipeline starts; nil when the side did not say.
    public var loadSeconds: Double?
    /// Wall seconds of each step, in pipeline order, under the step labels.
    public var stepSeconds: [StepTime] = []
    /// Warnings the side emitted (R's warnings, the engine's LimmaWarnings).
    public var warnings: [String]
    /// Engine side, for the tests: whether each voom step that was handed the
    /// DGEList's last reference (no later step reads the counts) wrote E into
    /// the counts' own storage, as `voom(releasing:)` does when nothing else
    /// shares them. False means something (a deferred output table, say) still
    /// held the counts, and voom had to copy them: a G x n matrix more in
    /// memory and a slower step, with the same numbers.
    var voomReusedCounts: [Bool] = []

    public init(side: String, tables: [StatisticTable] = [], text: [String: [String]] = [:], versions: [String: String] = [:],
                pipelineSeconds: Double? = nil, totalSeconds: Double? = nil, warnings: [String] = []) {
        self.side = side
        self.tables = tables
        self.text = text
        self.versions = versions
        self.pipelineSeconds = pipelineSeconds
        self.totalSeconds = totalSeconds
        self.warnings = warnings
    }

    public func table(_ key: String) -> StatisticTable? { tables.first { $0.key == key } }
}

/// One step's wall time on one side: the step label (`voom`, `topTable#2`)
/// and the seconds from the step's start to its end, outputs collected.
public struct StepTime: Sendable, Equatable {
    public var step: String
    public var seconds: Double
    public init(step: String, seconds: Double) {
        self.step = step
        self.seconds = seconds
    }
}

/// A tolerance as the case file states it: a difference passes when within
/// `abs` OR within `rel` of R's value; `log10` for p-value-like statistics.
public struct Tolerance: Sendable, Codable, Equatable {
    public var rel: Double?
    public var abs: Double?
    public var log10: Double?
    public init(rel: Double? = nil, abs: Double? = nil, log10: Double? = nil) {
        self.rel = rel
        self.abs = abs
        self.log10 = log10
    }
    /// The project bar: relative 1e-10, absolute 1e-12.
    public static let project = Tolerance(rel: 1e-10, abs: 1e-12)
}
