// The engine's parallel loops give the same bits for any thread count.
import Foundation
import Testing
@testable import Limma

@Suite("Threading", .serialized)
struct ThreadingTests {
    /// Deterministic synthetic counts: a 64-bit LCG drives a gamma-ish
    /// mean per gene and Poisson-like noise; group B shifts 10% of genes.
    static func syntheticCounts(genes: Int, perGroup: Int) -> Matrix {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
        let n = 2 * perGroup
        var m = Matrix(nrow: genes, ncol: n)
        for g in 0..<genes {
            let base = Foundation.exp(uniform() * 9 - 1)
            let fold = g % 10 == 0 ? 3.0 : 1.0
            for j in 0..<n {
                let mu = base * (j >= perGroup ? fold : 1) * (0.7 + 0.6 * uniform())
                // Sum of a few uniforms around mu: integer counts with noise.
                let noise = (uniform() + uniform() + uniform() - 1.5) * mu.squareRoot() * 2
                m[g, j] = Swift.max(0, (mu + noise).rounded())
            }
        }
        m.colNames = (0..<n).map { "s\($0 + 1)" }
        m.rowNames = (0..<genes).map { "g\($0 + 1)" }
        return m
    }

    struct PipelineOutput: Equatable {
        var bits: [String: [UInt64]]
    }

    static func bits(_ v: [Double]) -> [UInt64] { v.map { $0.bitPattern } }

    /// voom -> lmFit -> contrasts.fit -> eBayes -> topTable, plus a weighted
    /// lmFit with missing values (the per-gene path), at the current thread count.
    static func run(_ counts: Matrix, perGroup: Int) throws -> PipelineOutput {
        var out: [String: [UInt64]] = [:]
        var warnings: [LimmaWarning] = []
        let nf = try calcNormFactors(counts, warnings: &warnings)
        out["normFactors"] = bits(nf)
        out["rank"] = bits(RBase.rank(counts.column(0)))
        out["order"] = RBase.order(counts.column(1), decreasing: true).map { UInt64($0) }
        let lib = zip(RBase.colSums(counts), nf).map { $0 * $1 }
        let n = 2 * perGroup
        let design = Matrix(rows: (0..<n).map { j in j < perGroup ? [1, 0] : [0, 1] }, colNames: ["A", "B"])
        let v = try voom(counts, design: design, libSize: lib)
        out["E"] = bits(v.E.values)
        out["weights"] = bits(v.weights?.values ?? [])
        let fit = try lmFit(v.E, design: design, weights: v.weights)
        let cm = Matrix(rows: [[-1], [1]], rowNames: ["A", "B"], colNames: ["BvsA"])
        let eb = try eBayes(try contrastsFit(fit, contrasts: cm))
        out["coef"] = bits(eb.coefficients.values)
        out["stdev"] = bits(eb.stdevUnscaled.values)
        out["sigma"] = bits(eb.sigma)
        out["t"] = bits(eb.t?.values ?? [])
        out["p"] = bits(eb.pValue?.values ?? [])
        let tt = try topTable(eb, coef: "BvsA", number: Int.max)
        out["top.rows"] = tt.rowNames.map { UInt64(Int($0.dropFirst())!) }
        for (k, c) in tt.columns.enumerated() { out["top.\(tt.columnNames[k])"] = bits(c) }
        // Missing values force lm.series' gene-by-gene weighted fits.
        var e = v.E
        for g in stride(from: 0, to: e.nrow, by: 7) { e[g, g % n] = .nan }
        let wfit = try lmFit(e, design: design, weights: v.weights)
        out["w.coef"] = bits(wfit.coefficients.values)
        out["w.stdev"] = bits(wfit.stdevUnscaled.values)
        out["w.sigma"] = bits(wfit.sigma)
        out["w.df"] = bits(wfit.dfResidual)
        return PipelineOutput(bits: out)
    }

    @Test("1 thread and 2 threads give bit-identical output (voom, lmFit, eBayes, topTable, TMM)")
    func oneVersusTwoThreads() throws {
        let counts = Self.syntheticCounts(genes: 3000, perGroup: 4)
        defer { LimmaThreads.set(0) }
        LimmaThreads.set(1)
        #expect(LimmaThreads.count == 1)
        let one = try Self.run(counts, perGroup: 4)
        LimmaThreads.set(2)
        #expect(LimmaThreads.count == 2)
        let two = try Self.run(counts, perGroup: 4)
        LimmaThreads.set(5)
        let five = try Self.run(counts, perGroup: 4)
        #expect(one.bits.keys.sorted() == two.bits.keys.sorted())
        for key in one.bits.keys.sorted() {
            #expect(one.bits[key] == two.bits[key], "\(key) differs between 1 and 2 threads")
            #expect(one.bits[key] == five.bits[key], "\(key) differs between 1 and 5 threads")
        }
        #expect(one.bits["w.coef"]?.isEmpty == false)
    }

    @Test("LimmaThreads: default is the processor count; 0 or less restores it")
    func threadSetting() {
        defer { LimmaThreads.set(0) }
        LimmaThreads.set(3)
        #expect(LimmaThreads.count == 3)
        LimmaThreads.set(-2)
        #expect(LimmaThreads.count >= 1)
    }

    @Test("parallel map keeps index order and throws the lowest failing index")
    func parallelMap() {
        defer { LimmaThreads.set(0) }
        LimmaThreads.set(2)
        let squares = LimmaThreads.map(1000) { $0 * $0 }
        #expect(squares == (0..<1000).map { $0 * $0 })
        #expect(throws: LimmaError.self) {
            _ = try LimmaThreads.mapThrowing(100) { i -> Int in
                if i == 70 || i == 20 { throw LimmaError("t", "\(i)") }
                return i
            }
        }
        do {
            _ = try LimmaThreads.mapThrowing(100) { i -> Int in
                if i == 70 || i == 20 { throw LimmaError("t", "\(i)") }
                return i
            }
        } catch let e as LimmaError {
            #expect(e.message == "20")
        } catch { Issue.record("unexpected \(error)") }
    }
}
