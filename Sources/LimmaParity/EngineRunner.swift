// Runs a case's steps on the Swift engine, as R's pipeline would run them
// (docs/case-spec.md, "steps"), and collects every statistic under R's names.
import Foundation
import Limma

/// The engine does not (yet) implement a step the case calls: exit status 2,
/// listing what it does implement.
public struct EngineUnsupported: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var key: String
    public var fn: String
    public var description: String {
        "\(file): \(key): the engine does not implement \(fn) yet; it runs: \(EngineRunner.supportedSteps.joined(separator: ", "))"
    }
}

/// The engine failed on a valid case (a parity failure): exit status 1.
public struct EngineFailure: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var message: String
    public var description: String { "engine failed in \(step): \(message)" }
}

public enum EngineRunner {
    /// The engine's version, reported beside R's.
    public static let version = "0.1.0"

    /// The steps the engine runs today.
    public static let supportedSteps: [String] = [
        "filterByExpr", "calcNormFactors", "cpm", "voom", "voomWithQualityWeights", "arrayWeights", "normalizeBetweenArrays",
        "duplicateCorrelation", "removeBatchEffect", "lmFit", "contrasts.fit",
        "eBayes", "treat", "topTable", "topTreat", "topTableF", "decideTests", "camera", "fry", "mroast",
    ]

    /// Refuses a case whose steps the engine cannot run (before anything runs).
    public static func checkSupported(_ c: ParityCase) throws {
        for (k, s) in c.steps.enumerated() where !supportedSteps.contains(s.fn) {
            throw EngineUnsupported(file: c.file, key: "steps[\(k + 1)].fn", fn: s.fn)
        }
    }

    /// The steps that read the DGEList's counts.
    static let readsCounts: Set<String> = ["filterByExpr", "calcNormFactors", "cpm", "voom", "voomWithQualityWeights"]

    /// What the pipeline holds between steps, as R's variables do.
    struct State {
        var y: DGEList?
        /// Log-expression (an expression input, or voom's output).
        var elist: EList?
        var fit: MArrayLM?
        var design: Matrix?
        var contrasts: Matrix?
        var block: [String]?
        var correlation: Double?
        var out: SideOutputs
        var warnings: [LimmaWarning] = []
        var version: LimmaVersion
        /// Every output table, as the function that builds it after the
        /// pipeline's clock stops (`later`), in step order.
        var deferredTables: [() -> StatisticTable] = []

        /// Records an output table that the harness builds after the
        /// pipeline's clock stops (`make` runs then, in step order): the
        /// report's conversions (names for rows, numbers for calls, x and y
        /// side by side) are not limma's work, and R's runner builds its own
        /// after its clock stops too. `make` must capture only the arrays it
        /// needs, bound to constants first (`let v = fit.sigma`): an
        /// expression such as `y.libSize` captures all of `y`, and a DGEList
        /// kept alive that way keeps its counts, which voom then cannot reuse.
        mutating func later(_ make: @autoclosure @escaping () -> StatisticTable) {
            deferredTables.append(make)
        }
    }

    /// The design a case names, built on the engine (modelMatrix) or read from a file.
    public static func design(_ c: ParityCase, data: CaseData) throws -> Matrix? {
        switch c.design {
        case let .formula(f)?:
            guard let t = data.targets else { throw CaseError(c.file, "design", "a formula needs targets") }
            var lv = [String: [String]]()
            for (col, l) in c.levels { lv[col] = l }
            do { return try modelMatrix(f, data: t, levels: lv) } catch let e as LimmaError {
                throw CaseError(c.file, "design", "\(e)")
            }
        case .matrix?: return data.designMatrix
        case nil: return nil
        }
    }

    /// The contrast matrix a case names, over the design's columns.
    public static func contrasts(_ c: ParityCase, design: Matrix?, data: CaseData, warnings: inout [LimmaWarning]) throws -> Matrix? {
        switch c.contrasts {
        case let .expressions(list)?:
            let levels = design?.colNames ?? []
            for e in list {
                do { try CaseSafety.checkContrast(e.expression, levels: levels) } catch {
                    throw CaseError(c.file, "contrasts.\(e.name)", "\"\(e.expression.prefix(80))\" \(error)")
                }
            }
            do { return try makeContrasts(list.map { ($0.name, $0.expression) }, levels: levels, warnings: &warnings) } catch let e as LimmaError {
                throw CaseError(c.file, "contrasts", "\(e)")
            }
        case .matrix?:
            if let cm = data.contrastMatrix, let d = design, cm.rowNames != d.colNames {
                throw CaseError(c.file, "contrasts.matrix", "rows must be the design columns, in order (\((d.colNames ?? []).joined(separator: ", "))); found \((cm.rowNames ?? []).joined(separator: ", "))")
            }
            return data.contrastMatrix
        case nil: return nil
        }
    }

    /// Runs `c` on the engine following the defaults of limma `limma`. Times
    /// the pipeline after the inputs are loaded and the design and contrasts
    /// built (as R's runner does).
    ///
    /// The inputs are handed over: the input matrix moves into the pipeline's
    /// first object (the DGEList or EList), and `data` keeps none, so a step
    /// that replaces that object (filterByExpr) frees the original matrix
    /// when the caller passes its last copy (`consume`).
    public static func run(_ c: ParityCase, data: consuming CaseData, limma: LimmaVersion, loadSeconds: Double = 0) throws -> SideOutputs {
        try checkSupported(c)
        var data = data
        var st = State(out: SideOutputs(side: "engine", versions: ["version": version, "limma_defaults": limma.rawValue]), version: limma)
        st.design = data.design
        st.contrasts = try contrasts(c, design: st.design, data: data, warnings: &st.warnings)
        if data.isCounts {
            st.y = DGEList(counts: data.matrix, genes: data.annotation)
        } else {
            var e = EList(E: data.matrix, weights: data.weights, genes: data.annotation)
            e.design = st.design
            st.elist = e
            data.weights = nil
        }
        data.matrix = Matrix(nrow: 0, ncol: 0, values: [])
        let start = Date()
        // LIMMA_PARITY_STEP_TIMES=1: each step's wall time and the peak RSS so far on stderr (for profiling).
        let stepTimes = ProcessInfo.processInfo.environment["LIMMA_PARITY_STEP_TIMES"] == "1"
        for s in c.steps {
            let t0 = Date()
            let usage0 = stepTimes ? SelfUsage.now() : nil
            do { try step(s, c: c, data: data, state: &st) } catch let e as LimmaError {
                throw EngineFailure(step: s.label, message: e.description)
            }
            let seconds = Date().timeIntervalSince(t0)
            st.out.stepSeconds.append(StepTime(step: s.label, seconds: seconds))
            if stepTimes, let usage0 {
                // CPU time of every thread (user + system) and minor page faults over the
                // step: steadier than wall time on a shared machine.
                let used = SelfUsage.now() - usage0
                let peak = vmHWM().map { ", peak RSS \($0 / 1024) MiB" } ?? ""
                FileHandle.standardError.write(Data("step \(s.label): \(used.line(wallSeconds: seconds))\(peak)\n".utf8))
            }
        }
        let pipeline = Date().timeIntervalSince(start)
        st.out.tables += st.deferredTables.map { $0() }
        st.deferredTables = []
        st.out.pipelineSeconds = pipeline
        st.out.totalSeconds = pipeline + loadSeconds
        st.out.loadSeconds = loadSeconds
        st.out.warnings = st.warnings.map { "\($0.function): \($0.message)" }
        return st.out
    }

    static func number(_ s: CaseStep, _ name: String) -> Double? {
        if case let .number(d)? = s.arg(name) { return d }
        return nil
    }
    static func bool(_ s: CaseStep, _ name: String) -> Bool? {
        if case let .bool(b)? = s.arg(name) { return b }
        return nil
    }
    static func string(_ s: CaseStep, _ name: String) -> String? {
        if case let .string(v)? = s.arg(name) { return v }
        return nil
    }
    /// An enumerated argument converted to the engine's type. The case loader
    /// already refused values outside the catalog; a value the engine cannot
    /// map is a harness bug, reported, never replaced by a default.
    static func choice<T>(_ s: CaseStep, _ name: String, _ make: (String) -> T?) throws -> T? {
        guard let v = string(s, name) else { return nil }
        guard let t = make(v) else { throw EngineFailure(step: s.label, message: "\(name) \"\(v)\" has no engine counterpart") }
        return t
    }

    static func column(_ s: CaseStep, _ name: String, data: CaseData) -> [String]? {
        string(s, name).flatMap { data.targets?.column($0) }
    }

    static func need<T>(_ v: T?, _ s: CaseStep, _ what: String) throws -> T {
        guard let v else { throw EngineFailure(step: s.label, message: "no \(what) from the steps before") }
        return v
    }

    /// One step, as R's runner does it (rscripts/run_case.R), outputs under R's names.
    static func step(_ s: CaseStep, c: ParityCase, data: CaseData, state st: inout State) throws {
        let L = s.label
        switch s.fn {
        case "filterByExpr":
            // The DGEList is taken out of the state, so that its counts are not shared
            // and the kept rows are gathered in their own storage.
            var y = try need(st.y, s, "counts")
            st.y = nil
            let ids = y.counts.rowNames ?? []
            // keep <- filterByExpr(y, ...); y <- y[keep, , keep.lib.sizes = FALSE]: library sizes
            // recomputed from the kept rows.
            let keep = try filterByExpr(filtering: &y, group: column(s, "group", data: data),
                                        minCount: number(s, "min.count") ?? 10, minTotalCount: number(s, "min.total.count") ?? 15,
                                        largeN: number(s, "large.n") ?? 10, minProp: number(s, "min.prop") ?? 0.7,
                                        keepLibSizes: false, warnings: &st.warnings)
            st.later(vector(L, "keep", keep.map { $0 ? 1 : 0 }, ids: ids, kind: .exact))
            st.y = y
        case "calcNormFactors":
            let y = try need(st.y, s, "counts")
            let method = try choice(s, "method", NormFactorsMethod.init(rawValue:)) ?? .TMM
            let y2 = try calcNormFactors(y, method: method, logratioTrim: number(s, "logratioTrim") ?? 0.3,
                                         sumTrim: number(s, "sumTrim") ?? 0.05, doWeighting: bool(s, "doWeighting") ?? true,
                                         Acutoff: number(s, "Acutoff") ?? -1e10, p: number(s, "p") ?? 0.75, warnings: &st.warnings)
            st.y = y2
            let samples = y2.counts.colNames ?? []
            // (Only the arrays are captured: a deferred table holding y2 would
            // keep its counts alive, and voom could not reuse them.)
            let normFactors = y2.normFactors, libSize = y2.libSize
            st.later(vector(L, "norm.factors", normFactors, ids: samples))
            st.later(vector(L, "lib.size", libSize, ids: samples))
        case "cpm":
            let y = try need(st.y, s, "counts")
            let m = try cpm(y, normalizedLibSizes: bool(s, "normalized.lib.sizes") ?? true, log: bool(s, "log") ?? false,
                            priorCount: number(s, "prior.count") ?? 2)
            st.later(matrix(L, "cpm", m))
        case "voomWithQualityWeights":
            let y = try need(st.y, s, "counts")
            let method = try choice(s, "normalize.method", BetweenArrayNormalization.init(rawValue:)) ?? .none
            var e = try voomWithQualityWeights(y, design: st.design, normalizeMethod: method, span: number(s, "span") ?? 0.5,
                                               adaptiveSpan: bool(s, "adaptive.span"), varGroup: column(s, "var.group", data: data),
                                               method: string(s, "method") ?? "genebygene", maxiter: Int(number(s, "maxiter") ?? 50),
                                               tol: number(s, "tol") ?? 1e-5, version: st.version)
            st.warnings += e.warnings
            e.warnings = []
            st.elist = e
            let E = e.E
            st.later(matrix(L, "E", E))
            if var w = e.weights {
                w.rowNames = E.rowNames
                w.colNames = E.colNames
                st.later(matrix(L, "weights", w))
            }
            let samples = E.colNames ?? []
            if let lib = e.libSize { st.later(vector(L, "lib.size", lib, ids: samples)) }
            if let sw = e.sampleWeights { st.later(vector(L, "sample.weights", sw, ids: samples)) }
        case "arrayWeights":
            var e = try need(st.elist, s, "log-expression")
            let aw = try arrayWeights(e, design: st.design, varGroup: column(s, "var.group", data: data), priorN: number(s, "prior.n") ?? 10,
                                      method: string(s, "method") ?? "auto", maxiter: Int(number(s, "maxiter") ?? 50), tol: number(s, "tol") ?? 1e-5)
            st.warnings += aw.warnings
            // R: object$weights <- asMatrixWeights(aw, dim(E)), every gene weighted by its sample's weight.
            var w = Matrix(nrow: e.E.nrow, ncol: e.E.ncol, rowNames: e.E.rowNames, colNames: e.E.colNames)
            for j in 0..<w.ncol { for i in 0..<w.nrow { w[i, j] = aw.weights[j] } }
            e.weights = w
            st.elist = e
            let sampleIDs = e.E.colNames ?? [], weights = aw.weights
            st.later(vector(L, "weights", weights, ids: sampleIDs))
        case "duplicateCorrelation":
            let e = try need(st.elist, s, "log-expression")
            guard let block = column(s, "block", data: data) else { throw EngineFailure(step: L, message: "needs a block column") }
            let dc = try duplicateCorrelation(e, design: st.design, block: block, trim: number(s, "trim") ?? 0.15)
            st.warnings += dc.warnings
            st.block = block
            st.correlation = dc.consensusCorrelation
            let consensus = dc.consensusCorrelation, atanh = dc.atanhCorrelations, geneIDs = e.E.rowNames ?? []
            st.later(vector(L, "consensus.correlation", [consensus], ids: ["1"]))
            st.later(vector(L, "atanh.correlations", atanh, ids: geneIDs))
        case "removeBatchEffect":
            // On the log-expression matrix, unweighted (R's runner calls it on obj$E); the state is unchanged.
            let e = try need(st.elist, s, "log-expression")
            let corrected = try removeBatchEffect(e.E, batch: column(s, "batch", data: data), batch2: column(s, "batch2", data: data),
                                                  design: bool(s, "design") == true ? st.design : nil, version: st.version)
            st.later(matrix(L, "E", corrected))
        case "normalizeBetweenArrays":
            var e = try need(st.elist, s, "log-expression")
            let method = try choice(s, "method", BetweenArrayNormalization.init(rawValue:)) ?? .quantile
            e.E = try normalizeBetweenArrays(e.E, method: method)
            st.elist = e
            let E = e.E
            st.later(matrix(L, "E", E))
        case "lmFit":
            let e = try need(st.elist, s, "log-expression")
            var block = column(s, "block", data: data)
            var correlation = number(s, "correlation")
            if block == nil, let b = st.block { block = b; correlation = st.correlation }
            let fit = try lmFit(e, design: st.design, block: block, correlation: correlation, method: string(s, "method") ?? "ls")
            st.warnings += fit.warnings
            st.fit = fit
            fitOutputs(L, fit, into: &st)
        case "contrasts.fit":
            let fit = try need(st.fit, s, "fit")
            var coefficients: [Int]?
            switch s.arg("coefficients") {
            case let .indices(i)?: coefficients = i.map { $0 - 1 }
            case let .string(n)?: coefficients = try [coefIndex(n, fit: fit, step: s)]
            case let .strings(ns)?: coefficients = try ns.map { try coefIndex($0, fit: fit, step: s) }
            default: break
            }
            let before = fit.warnings.count
            let f2 = try contrastsFit(fit, contrasts: coefficients == nil ? st.contrasts : nil, coefficients: coefficients)
            st.warnings += f2.warnings.dropFirst(before)
            st.fit = f2
            fitOutputs(L, f2, into: &st)
        case "voom":
            var y = try need(st.y, s, "counts")
            let method = try choice(s, "normalize.method", BetweenArrayNormalization.init(rawValue:)) ?? .none
            // When no later step reads the counts, the DGEList leaves the state, so that
            // nothing else shares its counts and voom turns their storage into E; else the
            // state keeps them and voom works on a copy.
            let released = !c.steps.drop(while: { $0.label != L }).dropFirst().contains(where: { readsCounts.contains($0.fn) })
            if released { st.y = nil }
            let countsStorage = y.counts.values.withUnsafeBufferPointer { $0.baseAddress }
            var e = try voom(releasing: &y, design: st.design, normalizeMethod: method, block: st.block, correlation: st.correlation,
                             span: number(s, "span") ?? 0.5, adaptiveSpan: bool(s, "adaptive.span"), version: st.version)
            st.warnings += e.warnings
            e.warnings = []
            if released {
                st.out.voomReusedCounts.append(countsStorage != nil && e.E.values.withUnsafeBufferPointer { $0.baseAddress } == countsStorage)
            }
            st.elist = e
            let E = e.E, genes = E.rowNames ?? [], samples = E.colNames ?? []
            st.later(matrix(L, "E", E))
            if var w = e.weights {
                w.rowNames = E.rowNames
                w.colNames = E.colNames
                st.later(matrix(L, "weights", w))
            }
            if let lib = e.libSize { st.later(vector(L, "lib.size", lib, ids: samples)) }
            if let xy = e.voomXY {
                // R leaves all-zero genes out of the trend points; their names go with them.
                var ids = genes
                if xy.x.count != genes.count {
                    let rows = e.voomXYRows ?? []
                    ids = xy.x.count == rows.count ? rows.map { genes[$0] } : []
                }
                st.later(pairs(L, "voom.xy", xy.x, xy.y, ids: ids))
            }
            if let line = e.voomLine { st.later(pairs(L, "voom.line", line.x, line.y, ids: [])) }
        case "eBayes", "treat":
            let fit = try need(st.fit, s, "fit")
            let tail: (Double, Double)
            if case let .numbers(a)? = s.arg("winsor.tail.p") { tail = (a[0], a[1]) } else { tail = (0.05, 0.1) }
            let f2: MArrayLM
            if s.fn == "eBayes" {
                let lim: (Double, Double)
                if case let .numbers(a)? = s.arg("stdev.coef.lim") { lim = (a[0], a[1]) } else { lim = (0.1, 4) }
                f2 = try eBayes(fit, proportion: number(s, "proportion") ?? 0.01, stdevCoefLim: lim, trend: bool(s, "trend") ?? false,
                                robust: bool(s, "robust") ?? false, winsorTailP: tail, legacy: bool(s, "legacy"), version: st.version)
            } else {
                f2 = try treat(fit, lfc: number(s, "lfc") ?? log2(1.2), trend: bool(s, "trend") ?? false, robust: bool(s, "robust") ?? false,
                               winsorTailP: tail, legacy: bool(s, "legacy"), upshot: bool(s, "upshot") ?? false, version: st.version)
            }
            st.warnings += f2.warnings.dropFirst(fit.warnings.count)
            st.fit = f2
            ebOutputs(L, f2, into: &st)
        case "topTable", "topTreat", "topTableF":
            let fit = try need(st.fit, s, "fit")
            var coef: TopTableCoef?
            switch s.arg("coef") {
            case let .string(n)?: coef = .name(n)
            case let .strings(ns)?: coef = .names(ns)
            case let .indices(i)? where i.count == 1: coef = .index(i[0] - 1)
            case let .indices(i)?: coef = .indices(i.map { $0 - 1 })
            default: coef = nil
            }
            let num = number(s, "number").map { $0.isInfinite ? Int.max : Int($0) } ?? 10
            let adjust = try choice(s, "adjust.method", PAdjustMethod.init(rawValue:))
            var confint = TopTableConfint.off
            switch s.arg("confint") {
            case let .bool(b)?: confint = b ? .on : .off
            case let .number(d)?: confint = .level(d)
            default: break
            }
            let pValue = number(s, "p.value") ?? 1
            let tab: TopTable
            switch s.fn {
            case "topTable":
                tab = try topTable(fit, coef: coef, number: num, adjustMethod: adjust, sortBy: string(s, "sort.by") ?? "B",
                                   resortBy: string(s, "resort.by"), pValue: pValue, lfc: number(s, "lfc"), confint: confint, version: st.version)
            case "topTreat":
                tab = try topTreat(fit, coef: coef ?? .index(0), number: num, adjustMethod: adjust, sortBy: string(s, "sort.by") ?? "p",
                                   resortBy: string(s, "resort.by"), pValue: pValue, lfc: number(s, "lfc"), confint: confint,
                                   version: st.version)
            default:
                tab = try topTableF(fit, number: num, adjustMethod: adjust, sortBy: string(s, "sort.by") ?? "F",
                                    pValue: pValue, lfc: number(s, "lfc"))
            }
            st.warnings += tab.warnings
            tableOutputs(L, tab, into: &st)
        case "decideTests":
            let fit = try need(st.fit, s, "fit")
            let res = try decideTests(fit, method: string(s, "method") ?? "separate",
                                      adjustMethod: try choice(s, "adjust.method", PAdjustMethod.init(rawValue:)) ?? .BH,
                                      pValue: number(s, "p.value") ?? 0.05, lfc: number(s, "lfc") ?? 0)
            st.warnings += res.warnings
            st.later(callsTable(L, res))
        case "camera", "fry", "mroast":
            try geneSetStep(s, data: data, state: &st)
        default:
            throw EngineUnsupported(file: c.file, key: "steps", fn: s.fn)
        }
    }

    /// camera, fry or mroast on the current log-expression (with its weights),
    /// the sets mapped to rows as R's `which(rownames(y) %in% set)`.
    static func geneSetStep(_ s: CaseStep, data: CaseData, state st: inout State) throws {
        let L = s.label
        let e = try need(st.elist, s, "log-expression")
        let design = try need(st.design, s, "design")
        let index = geneSetIndex(ids: e.E.rowNames ?? [], sets: data.geneSets.map { ($0.name, $0.ids) })
        var contrast: GeneSetContrast?
        switch s.arg("contrast") {
        case let .indices(i)?: contrast = .coefficient(i[0] - 1)
        case let .string(n)?:
            if design.colNames?.contains(n) == true {
                contrast = .name(n)
            } else if let cm = st.contrasts, let j = cm.colNames?.firstIndex(of: n) {
                contrast = .vector((0..<cm.nrow).map { cm[$0, j] })
            } else {
                throw EngineFailure(step: L, message: "contrast '\(n)' is neither a design column nor a contrast")
            }
        default: contrast = nil
        }
        let options = GeneSetModelOptions(weights: e.weights, trendVar: bool(s, "trend.var") ?? false, robust: bool(s, "robust") ?? false)
        let sort = try choice(s, "sort", GeneSetSort.init(rawValue:)) ?? .directional
        let tab: GeneSetTable
        switch s.fn {
        case "camera":
            tab = try camera(e.E, index: index, design: design, contrast: contrast, weights: e.weights,
                             useRanks: bool(s, "use.ranks") ?? false, allowNegCor: bool(s, "allow.neg.cor") ?? false,
                             interGeneCor: number(s, "inter.gene.cor") ?? 0.01, trendVar: bool(s, "trend.var") ?? false,
                             sort: bool(s, "sort") ?? true)
        case "fry":
            tab = try fry(e.E, index: index, design: design, contrast: contrast,
                          standardize: try choice(s, "standardize", FryStandardize.init(rawValue:)) ?? .posteriorSD,
                          sort: sort, options: options)
        default:
            guard let seed = number(s, "seed") else { throw EngineFailure(step: L, message: "mroast needs a seed (R's set.seed) to be reproducible") }
            var rng = RRandom(seed: Int32(seed))
            tab = try mroast(e.E, index: index, design: design, contrast: contrast,
                             setStatistic: try choice(s, "set.statistic", RoastSetStatistic.init(rawValue:)) ?? .mean,
                             nrot: Int(number(s, "nrot") ?? 1999), approxZscore: bool(s, "approx.zscore") ?? true,
                             adjustMethod: try choice(s, "adjust.method", PAdjustMethod.init(rawValue:)) ?? .BH,
                             midp: bool(s, "midp") ?? true, sort: sort, options: options, rng: &rng)
        }
        st.warnings += tab.warnings
        let ids = tab.names
        func col(_ name: String, _ v: [Double]?, kind: StatisticKind = .numeric) {
            if let v { st.later(StatisticTable(step: L, name: name, kind: kind, rowIDs: ids, columnNames: [name], values: v)) }
        }
        col("NGenes", tab.nGenes.map(Double.init), kind: .exact)
        col("Correlation", tab.correlation)
        col("PropDown", tab.propDown)
        col("PropUp", tab.propUp)
        // Direction as R's runner writes it: Up 1, Down -1, compared exactly.
        col("Direction", tab.direction.map { $0 == "Up" ? 1 : ($0 == "Down" ? -1 : .nan) }, kind: .exact)
        col("PValue", tab.pValue)
        col("FDR", tab.fdr)
        col("PValue.Mixed", tab.pValueMixed)
        col("FDR.Mixed", tab.fdrMixed)
        st.later(SideFiles.orderTable(step: L, ids: ids))
    }

    /// decideTests' calls as the report's numbers (NA as NaN, marked).
    static func callsTable(_ L: String, _ res: TestResults) -> StatisticTable {
        let values = res.calls.map { $0 == TestResults.na ? .nan : Double($0) }
        let na = res.calls.map { $0 == TestResults.na }
        return StatisticTable(step: L, name: "results", kind: .exact,
                              rowIDs: res.rowNames ?? (0..<res.nrow).map { String($0 + 1) },
                              columnNames: res.colNames ?? (0..<res.ncol).map { "V\($0 + 1)" },
                              values: values, isNA: na.contains(true) ? na : nil)
    }

    static func pairs(_ L: String, _ name: String, _ x: [Double], _ y: [Double], ids: [String]) -> StatisticTable {
        StatisticTable(step: L, name: name, rowIDs: ids.count == x.count ? ids : (0..<x.count).map { String($0 + 1) },
                       columnNames: ["x", "y"], values: x + y)
    }

    static func ebOutputs(_ L: String, _ fit: MArrayLM, into st: inout State) {
        let ids = fit.coefficients.rowNames ?? []
        for (name, v) in [("s2.prior", fit.s2Prior), ("df.prior", fit.dfPrior), ("s2.post", fit.s2Post), ("df.total", fit.dfTotal)] {
            if let v { st.later(vector(L, name, v, ids: v.count == ids.count ? ids : [])) }
        }
        for (name, m) in [("t", fit.t), ("p.value", fit.pValue), ("lods", fit.lods)] {
            if let m { st.later(matrix(L, name, m)) }
        }
        if let f = fit.F { st.later(vector(L, "F", f, ids: ids)) }
        if let f = fit.FPValue { st.later(vector(L, "F.p.value", f, ids: ids)) }
    }

    static func tableOutputs(_ L: String, _ tab: TopTable, into st: inout State) {
        if let a = tab.annotation {
            for (k, name) in a.names.enumerated() { st.out.text["\(L).\(name)"] = a.columns[k] }
        }
        let rows = tab.rowNames
        for (k, name) in tab.columnNames.enumerated() {
            let column = tab.columns[k]
            st.later(StatisticTable(step: L, name: name, rowIDs: rows, columnNames: [name], values: column))
        }
        st.later(SideFiles.orderTable(step: L, ids: rows))
    }

    static func coefIndex(_ name: String, fit: MArrayLM, step: CaseStep) throws -> Int {
        guard let j = fit.coefficients.colNames?.firstIndex(of: name) else {
            throw EngineFailure(step: step.label, message: "no coefficient named '\(name)' (coefficients: \((fit.coefficients.colNames ?? []).joined(separator: ", ")))")
        }
        return j
    }

    static func fitOutputs(_ L: String, _ fit: MArrayLM, into st: inout State) {
        let ids = fit.coefficients.rowNames ?? []
        let coefficients = fit.coefficients, stdevUnscaled = fit.stdevUnscaled, sigma = fit.sigma, dfResidual = fit.dfResidual
        st.later(matrix(L, "coefficients", coefficients))
        st.later(matrix(L, "stdev.unscaled", stdevUnscaled))
        st.later(vector(L, "sigma", sigma, ids: ids))
        st.later(vector(L, "df.residual", dfResidual, ids: ids))
        if let a = fit.Amean { st.later(vector(L, "Amean", a, ids: ids)) }
    }

    // MARK: statistics under R's names

    /// A per-feature (or per-sample) vector as a one-column table.
    static func vector(_ step: String, _ name: String, _ v: [Double], ids: [String], kind: StatisticKind = .numeric) -> StatisticTable {
        StatisticTable(step: step, name: name, kind: kind, rowIDs: ids.count == v.count ? ids : (0..<v.count).map { String($0 + 1) },
                       columnNames: ["x"], values: v)
    }

    /// A matrix as a table with its row and column names.
    static func matrix(_ step: String, _ name: String, _ m: Matrix, kind: StatisticKind = .numeric) -> StatisticTable {
        StatisticTable(step: step, name: name, kind: kind, rowIDs: m.rowNames ?? (0..<m.nrow).map { String($0 + 1) },
                       columnNames: m.colNames ?? (0..<m.ncol).map { "V\($0 + 1)" }, values: m.values)
    }
}
