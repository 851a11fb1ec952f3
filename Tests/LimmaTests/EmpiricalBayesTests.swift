// eBayes, treat, squeezeVar and their estimators against limma run live in R
// (rscripts/tests/ebayes.R). Inputs are R's own lmFit/contrasts.fit outputs,
// so these tests do not depend on the engine's lmFit.
import Foundation
import Testing
@testable import Limma

@Suite("EmpiricalBayes", .serialized, .enabled(if: RLive.available))
struct EmpiricalBayesTests {
    /// Builds the MArrayLM R wrote as in_*.csv.
    static func loadFit(_ dir: URL) throws -> MArrayLM {
        let coef = try RLive.matrix(dir, "in_coefficients.csv").matrix
        var fit = MArrayLM(coefficients: coef,
                           stdevUnscaled: try RLive.matrix(dir, "in_stdev_unscaled.csv").matrix,
                           sigma: try RLive.vector(dir, "in_sigma.csv"),
                           dfResidual: try RLive.vector(dir, "in_df_residual.csv"))
        fit.Amean = try RLive.vector(dir, "in_Amean.csv")
        fit.covCoefficients = try RLive.matrix(dir, "in_cov_coefficients.csv").matrix
        fit.design = try RLive.matrix(dir, "in_design.csv").matrix
        return fit
    }

    /// Compares one statistic at the project bar and returns the worst relative error.
    @discardableResult
    static func check(_ name: String, _ engine: [Double]?, _ dir: URL, _ file: String, rel: Double = 1e-10) throws -> Double {
        let r = try RLive.vector(dir, file)
        guard let engine else {
            Issue.record("\(name): engine produced nothing, R has \(r.count) values")
            return .infinity
        }
        let res = Parity(rel: rel).compare(engine: engine, r: r)
        #expect(res.pass, "\(name): \(res)")
        print("  \(name): \(res)")
        return res.maxRel
    }

    /// Checks every eBayes (or treat) output R wrote for one variant.
    static func checkVariant(_ out: MArrayLM, _ dir: URL, _ v: String, treat: Bool = false) throws {
        let rWarnings = try String(contentsOf: dir.appendingPathComponent("\(v)_warnings.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(out.warnings.map(\.message) == rWarnings, "\(v) warnings")
        try check("\(v) t", out.t?.values, dir, "\(v)_t.csv")
        try check("\(v) p.value", out.pValue?.values, dir, "\(v)_p_value.csv")
        try check("\(v) s2.post", out.s2Post, dir, "\(v)_s2_post.csv")
        try check("\(v) df.total", out.dfTotal, dir, "\(v)_df_total.csv")
        try check("\(v) s2.prior", out.s2Prior, dir, "\(v)_s2_prior.csv")
        try check("\(v) df.prior", out.dfPrior, dir, "\(v)_df_prior.csv")
        if treat {
            #expect(out.lods == nil)
            try check("\(v) treat.lfc", out.treatLfc.map { [$0] }, dir, "\(v)_treat_lfc.csv")
        } else {
            try check("\(v) lods", out.lods?.values, dir, "\(v)_lods.csv")
            try check("\(v) var.prior", out.varPrior, dir, "\(v)_var_prior.csv")
            try check("\(v) F", out.F, dir, "\(v)_F.csv")
            try check("\(v) F.p.value", out.FPValue, dir, "\(v)_F_p_value.csv")
        }
    }

    @Test("mulvey proteome, ~0+group, HF - control: eBayes default/trend/robust, treat")
    func mulvey() throws {
        let dir = try RLive.run("ebayes.R", ["mulvey"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let fit = try Self.loadFit(dir)
        try Self.checkVariant(try eBayes(fit), dir, "default")
        try Self.checkVariant(try eBayes(fit, trend: true), dir, "trend")
        try Self.checkVariant(try eBayes(fit, robust: true), dir, "robust")
        try Self.checkVariant(try eBayes(fit, trend: true, robust: true), dir, "trendrobust")
        try Self.checkVariant(try treat(fit, lfc: log2(1.5)), dir, "treat", treat: true)
        try Self.checkVariant(try treat(fit, lfc: log2(1.5), robust: true), dir, "treatrobust", treat: true)
        try Self.checkVariant(try eBayes(fit, version: .v3_66), dir, "v366")
        try Self.checkVariant(try eBayes(fit, trend: true, robust: true, version: .v3_66), dir, "v366trendrobust")
        try Self.checkVariant(try eBayes(fit, trend: true, legacy: false, version: .v3_66), dir, "v366unequal")
        try Self.checkVariant(try treat(fit, lfc: log2(1.5), robust: true, version: .v3_66), dir, "v366treatrobust", treat: true)
    }

    @Test("GSE60450 log2(counts+1), ~ immunophenotype + stage: eBayes default/trend/robust, treat")
    func gse60450() throws {
        let dir = try RLive.run("ebayes.R", ["gse60450"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let fit = try Self.loadFit(dir)
        try Self.checkVariant(try eBayes(fit), dir, "default")
        try Self.checkVariant(try eBayes(fit, trend: true), dir, "trend")
        try Self.checkVariant(try eBayes(fit, robust: true), dir, "robust")
        try Self.checkVariant(try treat(fit, lfc: log2(1.5)), dir, "treat", treat: true)
    }

    @Test("synthetic with NA (unequal df): limma 3.54 and 3.66 estimators")
    func synthetic() throws {
        let dir = try RLive.run("ebayes.R", ["synthetic"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let fit = try Self.loadFit(dir)
        try Self.checkVariant(try eBayes(fit), dir, "default")
        try Self.checkVariant(try eBayes(fit, trend: true), dir, "trend")
        try Self.checkVariant(try eBayes(fit, robust: true), dir, "robust")
        try Self.checkVariant(try eBayes(fit, trend: true, robust: true), dir, "trendrobust")
        // limma 3.54's treat cannot assign with a missing coefficient
        #expect(throws: LimmaError.self) { try treat(fit, lfc: log2(1.5)) }
        try Self.checkVariant(try eBayes(fit, version: .v3_66), dir, "v366")
        try Self.checkVariant(try eBayes(fit, robust: true, version: .v3_66), dir, "v366robust")
        try Self.checkVariant(try eBayes(fit, trend: true, version: .v3_66), dir, "v366trend")
        try Self.checkVariant(try eBayes(fit, trend: true, robust: true, version: .v3_66), dir, "v366trendrobust")
        try Self.checkVariant(try eBayes(fit, legacy: true, version: .v3_66), dir, "v366legacy")
        try Self.checkVariant(try eBayes(fit, trend: true, legacy: true, version: .v3_66), dir, "v366legacytrend")
        try Self.checkVariant(try treat(fit, lfc: log2(1.5), version: .v3_66), dir, "v366treat", treat: true)
        let grid = try RLive.vector(dir, "grid.csv")
        try Self.check("trigammaInverse", trigammaInverse(grid).y, dir, "trigammaInverse.csv")
        try Self.check("logmdigamma", logmdigamma(grid), dir, "logmdigamma.csv")
    }

    /// Checks every component R wrote for one direct estimator call.
    static func checkFDist(_ f: FDistFit, _ dir: URL, _ v: String) throws {
        let rWarnings = try String(contentsOf: dir.appendingPathComponent("\(v)_warnings.txt"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(f.warnings.map(\.message) == rWarnings, "\(v) warnings")
        try check("\(v) scale", f.scale, dir, "\(v)_scale.csv")
        try check("\(v) df2", [f.df2], dir, "\(v)_df2.csv")
        let fm = FileManager.default
        func has(_ name: String) -> Bool { fm.fileExists(atPath: dir.appendingPathComponent("\(v)_\(name).csv").path) }
        if has("df2_shrunk") { try check("\(v) df2.shrunk", f.df2Shrunk, dir, "\(v)_df2_shrunk.csv") }
        if has("tail_p_value") { try check("\(v) tail.p.value", f.tailPValue, dir, "\(v)_tail_p_value.csv") }
        if has("prob_outlier") { try check("\(v) prob.outlier", f.probOutlier, dir, "\(v)_prob_outlier.csv") }
        if has("df2_outlier") { try check("\(v) df2.outlier", f.df2Outlier.map { [$0] }, dir, "\(v)_df2_outlier.csv") }
    }

    @Test("fitFDist (spline trend with extrapolation), fitFDistRobustly, fitFDistUnequalDF1, squeezeVar called directly")
    func direct() throws {
        let dir = try RLive.run("ebayes.R", ["direct"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = try RLive.vector(dir, "x.csv"), df1 = try RLive.vector(dir, "df1.csv"), cov = try RLive.vector(dir, "cov.csv")
        try Self.checkFDist(try fitFDist(x, df1: df1, covariate: cov), dir, "fd_cov")
        try Self.checkFDist(try fitFDist(x, df1: df1, covariate: cov, version: .v3_66), dir, "fd366_cov")
        let ok = x.indices.filter { !x[$0].isNaN && df1[$0] > 0 }
        let xo = ok.map { x[$0] }, d1o = ok.map { df1[$0] }, co = ok.map { cov[$0] }
        try Self.checkFDist(try fitFDistRobustly(xo, df1: d1o), dir, "fdr")
        try Self.checkFDist(try fitFDistRobustly(xo, df1: d1o, covariate: co), dir, "fdr_cov")
        try Self.checkFDist(try fitFDistUnequalDF1(x, df1: df1, robust: true), dir, "fdu")
        try Self.checkFDist(try fitFDistUnequalDF1(x, df1: df1, covariate: cov, robust: true), dir, "fdu_cov")
        let sv2 = try squeezeVar([0.5, 2], df: [3, 3])
        try Self.check("squeezeVar n=2 var.post", sv2.varPost, dir, "sv2_var_post.csv")
        try Self.check("squeezeVar n=2 df.prior", sv2.dfPrior, dir, "sv2_df_prior.csv")
        let sv2n = try squeezeVar([0.5, 2], df: [3, 3], version: .v3_66)
        try Self.check("squeezeVar 3.66 n=2 var.post", sv2n.varPost, dir, "sv2n_var_post.csv")
        try Self.check("squeezeVar 3.66 n=2 df.prior", sv2n.dfPrior, dir, "sv2n_df_prior.csv")
    }

    @Test("bad inputs give LimmaError, not a crash")
    func badInputs() throws {
        let coef = Matrix(rows: [[1], [2], [3]])
        let su = Matrix(rows: [[0.5], [0.5], [0.5]])
        var fit = MArrayLM(coefficients: coef, stdevUnscaled: su, sigma: [1, 2, 3], dfResidual: [0, 0, 0])
        #expect(throws: LimmaError.self) { try eBayes(fit) }
        fit.dfResidual = [2, 2, 2]
        fit.sigma = [.nan, .nan, .nan]
        #expect(throws: LimmaError.self) { try eBayes(fit) }
        fit.sigma = [1, 2]
        #expect(throws: LimmaError.self) { try eBayes(fit) }
        fit.sigma = [1, 2, 3]
        #expect(throws: LimmaError.self) { try eBayes(fit, trend: true) }
        #expect(throws: LimmaError.self) { try eBayes(fit, proportion: 1.5) }
        #expect(throws: LimmaError.self) { try squeezeVar([], df: [1]) }
        #expect(throws: LimmaError.self) { try squeezeVar([1, 2, 3], df: [1, 2]) }
        #expect(throws: LimmaError.self) { try fitFDist([1, 2, 3], df1: [1, 2]) }
        #expect(throws: LimmaError.self) { try tmixtureMatrix(tstat: coef, stdevUnscaled: Matrix(rows: [[1, 1]]), df: [2], proportion: 0.01) }
        // A coefficient with no estimable t: var.prior falls back to 1/s2.prior with R's warning
        var fit2 = MArrayLM(coefficients: Matrix(rows: [[1, .nan], [2, .nan], [3, .nan]]),
                            stdevUnscaled: Matrix(rows: [[0.5, 1], [0.5, 1], [0.5, 1]]), sigma: [1, 2, 3], dfResidual: [2, 2, 2])
        fit2.design = nil
        let out = try eBayes(fit2)
        #expect(out.warnings.contains { $0.message == "Estimation of var.prior failed - set to default value" })
        #expect(out.varPrior?[1] == 1 / (out.s2Prior?[0] ?? .nan))
        let nv = trigammaInverse([-1, 2])
        #expect(nv.y[0].isNaN && nv.warnings.contains { $0.message == "NaNs produced" })
    }
}

/// eBayes' exact shortcuts against the computations they replace (no R needed).
@Suite("EmpiricalBayes shortcuts") struct EmpiricalBayesShortcutTests {
    /// Where `fPValueSharedWithT` answers, it must be libRmath's own
    /// `pf(t^2, 1, df, upper)`, bit for bit, and it must answer in the bulk.
    @Test func sharedFPValueIsPF() {
        var shared = 0, total = 0
        for n in [0.5, 1, 2.5, 3, 7, 10.25, 13, 29.77, 100, 3e5, 5e5, 1e9] {
            var ts: [Double] = [0, 1e-300, 1e-12, 0.3, 1, 1.7, 2, 3.5, 8, 40, 1e3, 1e8, 1e160, .infinity]
            ts.append(n.squareRoot())
            ts.append(n.squareRoot().nextUp)
            ts.append(n.squareRoot().nextDown)
            for k in 1...200 { ts.append(Double(k) * 0.037 * n.squareRoot()) }
            for t0 in ts {
                for t in [t0, -t0] {
                    total += 1
                    let p = 2 * RMath.pt(-Swift.abs(t), df: n)
                    let F = t * t
                    guard let s = fPValueSharedWithT(t: t, p: p, dfTotal: n, F: F, df2: n) else { continue }
                    shared += 1
                    #expect(s.bitPattern == RMath.pf(F, df1: 1, df2: n, lowerTail: false).bitPattern, "t = \(t), df = \(n)")
                }
            }
        }
        #expect(shared > total / 2)
        #expect(fPValueSharedWithT(t: 1, p: 0.3, dfTotal: 5, F: 1, df2: 6) == nil)
    }

    /// tmixture.vector with the conversion of every t (R's way), for comparison.
    static func referenceTmixture(_ tstat: [Double], _ su: [Double], _ df: [Double], _ proportion: Double) -> Double {
        var t = tstat.map { Swift.abs($0) }
        let n = t.count
        let ntarget = Int((proportion / 2 * Double(n)).rounded(.up))
        let p = max(Double(ntarget) / Double(n), proportion)
        let maxDF = df.max()!
        for i in 0..<n where df[i] < maxDF {
            t[i] = RMath.qt(RMath.pt(t[i], df: df[i], lowerTail: false, logP: true), df: maxDF, lowerTail: false, logP: true)
        }
        let o = Array(RBase.order(t, decreasing: true).prefix(ntarget))
        var v0 = [Double](repeating: 0, count: ntarget)
        for k in 0..<ntarget {
            let top = t[o[k]]
            let p0 = 2 * RMath.pt(top, df: maxDF, lowerTail: false)
            let ptarget = ((Double(k + 1) - 0.5) / Double(n) - (1 - p) * p0) / p
            if ptarget > p0 {
                let ratio = top / RMath.qt(ptarget / 2, df: maxDF, lowerTail: false)
                v0[k] = su[o[k]] * su[o[k]] * (ratio * ratio - 1)
            }
        }
        return RBase.mean(v0)
    }

    @Test func tmixtureSkipsOnlyConversionsThatCannotMatter() {
        var s: UInt64 = 7
        func u() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) }
        for trial in 0..<6 {
            let n = [50, 400, 3000][trial % 3]
            let t = (0..<n).map { _ in (u() - 0.5) * (trial < 3 ? 8 : 0.01) }
            let su = (0..<n).map { _ in 0.2 + u() }
            // Most genes at the largest df, some below it (robust shrinkage), ties included.
            let df = (0..<n).map { i -> Double in i % 7 == 0 ? 3 + 10 * u() : (i % 11 == 0 ? 12.5 : 15.75) }
            let got = tmixtureVector(tstat: t, stdevUnscaled: su, df: df, proportion: 0.01)
            #expect(got.bitPattern == Self.referenceTmixture(t, su, df, 0.01).bitPattern)
        }
    }
}

extension EmpiricalBayesShortcutTests {
    /// eBayes (trend, robust) and treat spread their per-gene p-values over
    /// threads: 1 and 3 threads must give the same bits everywhere.
    @Test func eBayesAndTreatAreThreadIndependent() throws {
        var s: UInt64 = 99
        func u() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return (Double(s >> 11) + 0.5) / Double(1 << 53) }
        let ngenes = 6000, n = 6
        var y = Matrix(nrow: ngenes, ncol: n)
        for g in 0..<ngenes {
            let mu = 8 * u(), sd = 0.1 + u()
            for j in 0..<n { y[g, j] = mu + sd * (u() + u() + u() - 1.5) + (g % 20 == 0 && j >= 3 ? 2 : 0) }
        }
        let design = Matrix(rows: (0..<n).map { j in j < 3 ? [1, 0] : [1, 1] }, colNames: ["Intercept", "B"])
        let fit = try lmFit(y, design: design)
        func run() throws -> [[UInt64]] {
            let e = try eBayes(fit, trend: true, robust: true)
            let e1 = try eBayes(fit)
            let tr = try treat(fit, lfc: 0.3, robust: true)
            let parts: [[Double]] = [e.t!.values, e.pValue!.values, e.lods!.values, e.F!, e.FPValue!, e.s2Post!, e.dfTotal!,
                                     e1.pValue!.values, e1.lods!.values, e1.FPValue!, tr.t!.values, tr.pValue!.values]
            return parts.map { $0.map(\.bitPattern) }
        }
        defer { LimmaThreads.set(0) }
        LimmaThreads.set(1)
        let one = try run()
        LimmaThreads.set(3)
        #expect(try run() == one)
    }
}
