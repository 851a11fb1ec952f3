import Testing
import Foundation
@testable import Limma

/// The RNA-seq front end against live R (rscripts/tests/voom.R): edgeR's cpm,
/// filterByExpr, calcNormFactors; R's lowess and approxfun; limma's
/// normalizeQuantiles and voom; and bad counts.
@Suite struct VoomTests {
    static func gseCounts() throws -> Matrix {
        try MatrixReader.read(RLive.path("reference/data/gse60450/counts.csv.gz")).matrix
    }
    static func gseTargets() throws -> Targets {
        try Targets.read(RLive.path("reference/data/gse60450/targets.csv"))
    }
    static func pasillaCounts() throws -> Matrix {
        try MatrixReader.read(RLive.path("reference/data/pasilla/counts.csv.gz")).matrix
    }

    /// Compares at the project's bar (rel 1e-10, abs 1e-12) and records the gap.
    static func expectParity(_ engine: [Double], _ r: [Double], _ what: String,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        let res = Parity().compare(engine: engine, r: r)
        #expect(engine.count == r.count, "\(what): \(engine.count) values, R has \(r.count)", sourceLocation: sourceLocation)
        #expect(res.pass, "\(what): \(res)", sourceLocation: sourceLocation)
        print("parity \(what): maxRel=\(res.maxRel) maxAbs=\(res.maxAbs)")
    }

    // MARK: edgeR

    @Test(.enabled(if: RLive.available)) func edgeRMatchesR() throws {
        let dir = try RLive.run("voom.R", ["edger"])
        let counts = try Self.gseCounts()
        let targets = try Self.gseTargets()
        let y = DGEList(counts: counts)

        // cpm and logCPM
        Self.expectParity(try cpm(y).values, try RLive.matrix(dir, "cpm.raw.csv").matrix.values, "cpm raw")
        let head = Array(0..<3000)
        Self.expectParity(try cpm(DGEList(counts: counts), log: true, priorCount: 0.5).rows(head).values,
                          try RLive.matrix(dir, "cpm.log05.csv").matrix.values, "logCPM prior 0.5")
        let yt = try calcNormFactors(y)
        Self.expectParity(try cpm(yt, log: true).values, try RLive.matrix(dir, "cpm.log.tmm.csv").matrix.values, "logCPM TMM")
        Self.expectParity(try cpm(yt, normalizedLibSizes: false, log: true).rows(head).values,
                          try RLive.matrix(dir, "cpm.log.unnorm.csv").matrix.values, "logCPM unnormalised")

        // filterByExpr: exact
        let keep = try RLive.matrix(dir, "keep.csv").matrix
        func rKeep(_ name: String) -> [Bool] { keep.column(keep.columnIndex(named: name)!).map { $0 == 1 } }
        let immuno = targets.column("immunophenotype")!
        #expect(try filterByExpr(y, group: immuno) == rKeep("group"))
        #expect(try filterByExpr(y, group: targets.column("group")!) == rKeep("group6"))
        var warnings = [LimmaWarning]()
        #expect(try filterByExpr(y, warnings: &warnings) == rKeep("none"))
        #expect(warnings == [LimmaWarning("filterByExpr", "All samples appear to belong to the same group.")])
        #expect(try filterByExpr(yt, group: immuno) == rKeep("tmm"))
        #expect(try filterByExpr(y, minCount: 5, minTotalCount: 30, largeN: 3, minProp: 0.5) == rKeep("large"))
        #expect(try filterByExpr(y, design: RLive.matrix(dir, "design1.csv").matrix) == rKeep("design1"))
        #expect(try filterByExpr(y, design: RLive.matrix(dir, "design2.csv").matrix) == rKeep("design2"))

        // calcNormFactors, every method
        let nf = try RLive.matrix(dir, "normfactors.csv").matrix
        func check(_ name: String, _ f: [Double]) { Self.expectParity(f, nf.column(nf.columnIndex(named: name)!), "normFactors \(name)") }
        func factors(_ d: DGEList, _ m: NormFactorsMethod = .TMM, refColumn: Int? = nil, logratioTrim: Double = 0.3,
                     sumTrim: Double = 0.05, doWeighting: Bool = true, Acutoff: Double = -1e10, p: Double = 0.75) throws -> [Double] {
            try calcNormFactors(d, method: m, refColumn: refColumn, logratioTrim: logratioTrim, sumTrim: sumTrim,
                                doWeighting: doWeighting, Acutoff: Acutoff, p: p).normFactors
        }
        check("TMM", try factors(y))
        check("TMMwsp", try factors(y, .TMMwsp))
        check("RLE", try factors(y, .RLE))
        check("upperquartile", try factors(y, .upperquartile))
        check("none", try factors(y, NormFactorsMethod.none))
        check("TMMnoweight", try factors(y, doWeighting: false))
        check("TMMref3", try factors(y, refColumn: 2))
        check("TMMwspnoweight", try factors(y, .TMMwsp, doWeighting: false))
        check("TMMtrim", try factors(y, logratioTrim: 0.2, sumTrim: 0.1, Acutoff: -20))
        check("uq90", try factors(y, .upperquartile, p: 0.9))
        // after filtering, library sizes recomputed from the kept rows
        let kept = rKeep("group").enumerated().filter { $0.element }.map { $0.offset }
        let yf = DGEList(counts: counts.rows(kept))
        Self.expectParity(yf.libSize, try RLive.vector(dir, "filtered.lib.size.csv"), "filtered lib.size")
        check("fTMM", try factors(yf))
        check("fTMMwsp", try factors(yf, .TMMwsp))
        check("fRLE", try factors(yf, .RLE))
        check("fupperquartile", try factors(yf, .upperquartile))
    }

    // MARK: lowess, approxfun, chooseLowessSpan, normalizeQuantiles

    @Test(.enabled(if: RLive.available)) func smoothingMatchesR() throws {
        let dir = try RLive.run("voom.R", ["smooth"])
        let cases = try DelimitedText.read(dir.appendingPathComponent("lowess.cases.csv").path)
        #expect(cases.rows.count == 14)
        for row in cases.rows {
            let name = row[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            let f = Double(row[2])!, iter = Int(Double(row[3])!), delta = Double(row[4])
            let input = try RLive.matrix(dir, "lowess.\(name).in.csv").matrix
            let expected = try RLive.matrix(dir, "lowess.\(name).out.csv").matrix
            let l = try lowess(x: input.column(0), y: input.column(1), f: f, iter: iter, delta: delta)
            #expect(l.x == expected.column(0), "lowess \(name): x order")
            Self.expectParity(l.y, expected.column(1), "lowess \(name)")
        }
        let ain = try RLive.matrix(dir, "approx.in.csv").matrix
        let aout = try RLive.matrix(dir, "approx.out.csv").matrix
        let xout = aout.column(0)
        Self.expectParity(try approxfun(x: ain.column(0), y: ain.column(1), rule: 2)(xout), aout.column(1), "approxfun rule 2")
        Self.expectParity(try approxfun(x: ain.column(0), y: ain.column(1), rule: 1)(xout), aout.column(2), "approxfun rule 1")

        let spans = try RLive.matrix(dir, "span.csv").matrix
        Self.expectParity(spans.column(0).map { chooseLowessSpan(n: $0) }, spans.column(1), "chooseLowessSpan")
        Self.expectParity(spans.column(0).map { chooseLowessSpan(n: $0, smallN: 500, minSpan: 0.5, power: 0.5) },
                          spans.column(2), "chooseLowessSpan (other arguments)")

        let A = try RLive.matrix(dir, "nq.in.csv").matrix
        Self.expectParity(try normalizeQuantiles(A).values, try RLive.matrix(dir, "nq.out.csv").matrix.values, "normalizeQuantiles ties+NA")
        var absA = A
        absA.values = A.values.map { abs($0) + 1 }
        Self.expectParity(try normalizeBetweenArrays(absA, method: .scale).values,
                          try RLive.matrix(dir, "scale.out.csv").matrix.values, "normalizeBetweenArrays scale")
        let B = try RLive.matrix(dir, "cl.in.csv").matrix
        let gw = try RLive.vector(dir, "cl.weights.csv")
        let cl = try RLive.matrix(dir, "cl.out.csv").matrix
        func block(_ k: Int) -> [Double] { Array(cl.values[(k * 4 * B.nrow)..<((k + 1) * 4 * B.nrow)]) }
        Self.expectParity(try normalizeBetweenArrays(B, method: .cyclicloess).values, block(0), "cyclicloess fast")
        Self.expectParity(try normalizeCyclicLoess(B, iterations: 2, method: .affy).values, block(1), "cyclicloess affy")
        Self.expectParity(try normalizeCyclicLoess(B, span: 0.5, method: .pairs).values, block(2), "cyclicloess pairs")
        Self.expectParity(try normalizeCyclicLoess(B, weights: gw).values, block(3), "cyclicloess fast, gene weights")
    }

    /// The fast clowess (fit plan, SIMD lanes, threads, quickselect median)
    /// gives the bits of a plain point-by-point port of R's C routine, on
    /// random data with ties, outliers, every span and delta regime.
    @Test func clowessMatchesPlainPort() throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
        let saved = LimmaThreads.count
        defer { LimmaThreads.set(saved) }
        for trial in 0..<160 {
            let n = trial < 20 ? trial + 2 : Int(uniform() * (trial < 156 ? 200 : 2000)) + 2
            let grid = trial % 3 == 0 ? 0.0 : pow(10, -uniform() * 3)
            var x = (0..<n).map { _ in uniform() * 10 - 3 }
            if grid > 0 { x = x.map { ($0 / grid).rounded() * grid } }   // ties
            x.sort()
            var y = x.map { sin($0) + (uniform() - 0.5) }
            if n > 10 { for _ in 0..<(n / 20) { y[Int(uniform() * Double(n))] += (uniform() - 0.5) * 50 } }
            if trial % 17 == 0 { y = y.map { _ in 1.5 } }
            let f = [0.01, 0.1, 0.3, 0.5, 2.0 / 3.0, 1, 2][trial % 7]
            let iter = [3, 0, 1, 4][trial % 4]
            let span = x[n - 1] - x[0]
            let delta = [0.01 * span, 0, 0.2 * span, 1e-4 * span][(trial / 7) % 4]
            let expected = referenceClowess(x, y, f: f, nsteps: iter, delta: delta)
            for threads in [1, 2, 3] {
                LimmaThreads.set(threads)
                let got = clowess(x, y, f: f, nsteps: iter, delta: delta)
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern),
                        "clowess trial \(trial) n \(n) f \(f) iter \(iter) delta \(delta) threads \(threads)")
            }
        }
    }

    /// `ExactPow` returns R_pow's bits: `2^f` and `t^4` on millions of
    /// arguments (voom's ranges, table and rounding boundaries, powers of
    /// two, extremes and specials).
    @Test func exactPowMatchesRPow() throws {
        var state: UInt64 = 0x0123_4567_89AB_CDEF
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9007199254740992.0
        }
        let table = ExactPow.exp2Table
        var bad2 = 0, bad4 = 0
        func check2(_ f: Double) {
            let got = ExactPow.pow2(f, table: table), want = RMath.pow(2, f)
            if got.bitPattern != want.bitPattern && !(got.isNaN && want.isNaN) {
                bad2 += 1
                if bad2 <= 5 { Issue.record("2^\(f): \(got) != R_pow \(want)") }
            }
        }
        func check4(_ t: Double) {
            let got = ExactPow.fourth(t), want = RMath.pow(t, 4)
            if got.bitPattern != want.bitPattern && !(got.isNaN && want.isNaN) {
                bad4 += 1
                if bad4 <= 5 { Issue.record("\(t)^4: \(got) != R_pow \(want)") }
            }
        }
        for _ in 0..<1_500_000 {
            check2(uniform() * 80 - 40)
            check2((uniform() - 0.5) * 2100)
            let k = (uniform() * 20000).rounded() - 10000
            check2(k / 256 + (uniform() - 0.5) * 1e-12)
            check4(exp((uniform() - 0.5) * 25))
            check4(uniform() * 4)
        }
        for e in -300...300 {
            check2(Double(e))
            check2(Double(e) + 0.5)
            check4(pow(2, Double(e)))
            check4(pow(2, Double(e)) * 1.5)
        }
        for v in [0.0, -0.0, 1e-320, -1e-320, 1, -1, 2, -2.5, 1000, -1000, 1000.0001, -1022, -1075, 1024, 1e300,
                  -1e300, .infinity, -.infinity, .nan, 0x1p-200, 0x1p200, 0x1.0000000000001p-200, 0x1.fffffffffffffp199] {
            check2(v)
            check4(v)
        }
        #expect(bad2 == 0 && bad4 == 0)
        #if arch(x86_64)
        // The table is 2^(j/256) to better than 2^-62 (x87 exp2l as reference).
        for j in 0..<256 {
            let exact = exp2l(Float80(j) / 256)
            let v = Float80(table[2 * j]) + Float80(table[2 * j + 1])
            #expect(abs(v - exact) <= exact * 0x1p-62, "2^(\(j)/256)")
        }
        #endif
    }

    /// R's C clowess, point by point (1-based arrays), as this port first
    /// implemented it: the reference for `clowessMatchesPlainPort`.
    func referenceClowess(_ x0: [Double], _ y0: [Double], f: Double, nsteps: Int, delta: Double) -> [Double] {
        let n = x0.count
        if n < 2 { return [y0[0]] }
        let x = [0] + x0
        let y = [0] + y0
        var ys = [Double](repeating: 0, count: n + 1)
        var rw = [Double](repeating: 0, count: n + 1)
        var res = [Double](repeating: 0, count: n + 1)
        let ns = max(2, min(n, Int(f * Double(n) + 1e-7)))
        func lowest(xs: Double, nleft: Int, nright: Int, robust: Bool) -> Double? {
            let range = x[n] - x[1]
            let h = max(xs - x[nleft], x[nright] - xs)
            let h9 = 0.999 * h, h1 = 0.001 * h
            var a = 0.0
            var j = nleft
            while j <= n {
                res[j] = 0
                let r = abs(x[j] - xs)
                if r <= h9 {
                    if r <= h1 {
                        res[j] = 1
                    } else {
                        let q = r / h
                        let u = 1 - q * q * q
                        res[j] = u * u * u
                    }
                    if robust { res[j] *= rw[j] }
                    a += res[j]
                } else if x[j] > xs {
                    break
                }
                j += 1
            }
            let nrt = j - 1
            if a <= 0 { return nil }
            for k in nleft...nrt { res[k] /= a }
            if h > 0 {
                var mean = 0.0
                for k in nleft...nrt { mean += res[k] * x[k] }
                var b = xs - mean
                var c = 0.0
                for k in nleft...nrt { c += res[k] * ((x[k] - mean) * (x[k] - mean)) }
                if c.squareRoot() > 0.001 * range {
                    b /= c
                    for k in nleft...nrt { res[k] *= (b * (x[k] - mean) + 1) }
                }
            }
            var fit = 0.0
            for k in nleft...nrt { fit += res[k] * y[k] }
            return fit
        }
        var iteration = 1
        while iteration <= nsteps + 1 {
            var nleft = 1, nright = ns, last = 0, i = 1
            while true {
                if nright < n {
                    let d1 = x[i] - x[nleft]
                    let d2 = x[nright + 1] - x[i]
                    if d1 > d2 {
                        nleft += 1
                        nright += 1
                        continue
                    }
                }
                ys[i] = lowest(xs: x[i], nleft: nleft, nright: nright, robust: iteration > 1) ?? y[i]
                if last < i - 1 {
                    let denom = x[i] - x[last]
                    for j in (last + 1)..<i {
                        let alpha = (x[j] - x[last]) / denom
                        ys[j] = alpha * ys[i] + (1 - alpha) * ys[last]
                    }
                }
                last = i
                let cut = x[last] + delta
                i = last + 1
                while i <= n {
                    if x[i] > cut { break }
                    if x[i] == x[last] {
                        ys[i] = ys[last]
                        last = i
                    }
                    i += 1
                }
                i = max(last + 1, i - 1)
                if last >= n { break }
            }
            for k in 1...n { res[k] = y[k] - ys[k] }
            var sc = 0.0
            for k in 1...n { sc += abs(res[k]) }
            sc /= Double(n)
            if iteration > nsteps { break }
            var sorted = (1...n).map { abs(res[$0]) }
            sorted.sort()
            let m1 = n / 2
            let cmad = n % 2 == 0 ? 3 * (sorted[m1] + sorted[n - m1 - 1]) : 6 * sorted[m1]
            if cmad < 1e-7 * sc { break }
            let c9 = 0.999 * cmad, c1 = 0.001 * cmad
            for k in 1...n {
                let r = abs(res[k])
                if r <= c1 {
                    rw[k] = 1
                } else if r <= c9 {
                    let u = 1 - (r / cmad) * (r / cmad)
                    rw[k] = u * u
                } else {
                    rw[k] = 0
                }
            }
            iteration += 1
        }
        return Array(ys[1...])
    }

    // MARK: bad input

    @Test func badCountsGiveClearErrors() throws {
        let good = Matrix(rows: [[1, 2, 3], [4, 5, 6], [0, 1, 2]], rowNames: ["g1", "g2", "g3"], colNames: ["a", "b", "c"])
        func bad(_ v: Double) -> DGEList {
            var m = good
            m[1, 2] = v
            return DGEList(counts: m)
        }
        for (v, what) in [(-1.0, "Negative counts not allowed"), (Double.nan, "NA counts not allowed"),
                          (Double.infinity, "Infinite counts not allowed")] {
            for call in [{ _ = try cpm(bad(v)) }, { _ = try filterByExpr(bad(v)) }, { _ = try calcNormFactors(bad(v)) }] {
                do {
                    try call()
                    Issue.record("no error for count \(v)")
                } catch let e as LimmaError {
                    #expect(e.message.contains(what) && e.message.contains("'g2'") && e.message.contains("'c'"), "\(e)")
                }
            }
        }
        #expect(throws: LimmaError.self) { try cpm(good, libSize: [1, 0, 2]) }
        #expect(throws: LimmaError.self) { try calcNormFactors(DGEList(counts: good, libSize: [10, 0, 5])) }
        #expect(throws: LimmaError.self) { try filterByExpr(DGEList(counts: good, libSize: [10, 0, 5])) }
        #expect(throws: LimmaError.self) { try calcNormFactors(DGEList(counts: good), refColumn: 3) }
        #expect(throws: LimmaError.self) { try filterByExpr(DGEList(counts: good), group: ["a", "b"]) }
        #expect(throws: LimmaError.self) { try filterByExpr(DGEList(counts: good), design: Matrix(nrow: 2, ncol: 1, repeating: 1)) }
        // an all-zero sample: R's DGEList warns, cpm refuses it
        var zeroSample = good
        for i in 0..<3 { zeroSample[i, 1] = 0 }
        #expect { try cpm(DGEList(counts: zeroSample)) } throws: {
            ($0 as? LimmaError)?.message.contains("library sizes should be finite and non-negative") == true
        }
        #expect(throws: LimmaError.self) { try lowess(x: [1, .nan], y: [1, 2]) }
        #expect(throws: LimmaError.self) { try lowess(x: [1, 2], y: [1, 2], f: 0) }
        #expect(throws: LimmaError.self) { try approxfun(x: [1, 1], y: [1, 2]) }
        // non-integer counts are accepted, as in R
        #expect(try cpm(DGEList(counts: Matrix(rows: [[1.5, 2], [0.25, 3]]))).values.allSatisfy { $0.isFinite })
    }

    // MARK: voom

    /// Compares a voom result with R's `<prefix>.*` outputs.
    static func expectVoom(_ v: EList, _ dir: URL, _ prefix: String, trend: Bool = true,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        expectParity(v.E.values, try RLive.matrix(dir, "\(prefix).E.csv").matrix.values, "\(prefix) E", sourceLocation: sourceLocation)
        expectParity(v.weights?.values ?? [], try RLive.matrix(dir, "\(prefix).weights.csv").matrix.values, "\(prefix) weights", sourceLocation: sourceLocation)
        expectParity(v.libSize ?? [], try RLive.vector(dir, "\(prefix).lib.size.csv"), "\(prefix) lib.size", sourceLocation: sourceLocation)
        guard trend else { return }
        let xy = try RLive.matrix(dir, "\(prefix).voom.xy.csv").matrix
        let line = try RLive.matrix(dir, "\(prefix).voom.line.csv").matrix
        expectParity(v.voomXY?.x ?? [], xy.column(0), "\(prefix) voom.xy x", sourceLocation: sourceLocation)
        expectParity(v.voomXY?.y ?? [], xy.column(1), "\(prefix) voom.xy y", sourceLocation: sourceLocation)
        expectParity(v.voomLine?.x ?? [], line.column(0), "\(prefix) voom.line x", sourceLocation: sourceLocation)
        expectParity(v.voomLine?.y ?? [], line.column(1), "\(prefix) voom.line y", sourceLocation: sourceLocation)
    }

    /// The seed tutorial on GSE60450: filterByExpr(group = immunophenotype),
    /// TMM, `~0 + immunophenotype`; the same with 3.66's adaptive span; the
    /// unfiltered count matrix; a rank-deficient design; block + correlation;
    /// non-integer counts.
    @Test(.enabled(if: RLive.available)) func voomGSE60450MatchesR() throws {
        let dir = try RLive.run("voom.R", ["voom-gse"])
        let counts = try Self.gseCounts()
        let targets = try Self.gseTargets()
        let design = try RLive.matrix(dir, "design.csv").matrix
        let keep = try filterByExpr(DGEList(counts: counts), group: targets.column("immunophenotype")!)
        #expect(keep == (try RLive.vector(dir, "keep.csv")).map { $0 == 1 })
        let kept = keep.enumerated().filter { $0.element }.map { $0.offset }
        let y = try calcNormFactors(DGEList(counts: counts.rows(kept)))
        Self.expectParity(y.normFactors, try RLive.vector(dir, "norm.factors.csv"), "GSE60450 TMM norm.factors")

        let v = try voom(y, design: design)
        try Self.expectVoom(v, dir, "tutorial")
        #expect(v.span == 0.5 && v.warnings.isEmpty)

        let span = try RLive.vector(dir, "adaptive.span.csv")[0]
        let a = try voom(y, design: design, version: .v3_66)
        #expect(a.span == span)
        try Self.expectVoom(a, dir, "adaptive")
        #expect(try voom(y, design: design, adaptiveSpan: true) == a)

        try Self.expectVoom(try voom(counts, design: design), dir, "unfiltered")
        #expect(chooseLowessSpan(n: Double(counts.nrow)) == (try RLive.vector(dir, "unfiltered.adaptive.span.csv"))[0])
        let first = Array(0..<5000)
        let ua = try voom(counts.rows(first), design: design, libSize: RBase.colSums(counts), version: .v3_66)
        #expect(ua.span == chooseLowessSpan(n: 5000))
        try Self.expectVoom(ua, dir, "unfiltered.adaptive")
        let pw = try RLive.matrix(dir, "prior.weights.csv").matrix
        let y2000 = DGEList(counts: y.counts.rows(Array(0..<2000)), libSize: y.libSize, normFactors: y.normFactors)
        try Self.expectVoom(try voom(y2000, design: design, weights: pw), dir, "weighted")
        try Self.expectVoom(try voom(y, design: RLive.matrix(dir, "design.deficient.csv").matrix), dir, "deficient")
        try Self.expectVoom(try voom(y, design: design, block: targets.column("developmental_stage")!, correlation: 0.3), dir, "block")
        var nonint = counts.rows(Array(0..<2000))
        nonint.values = nonint.values.map { $0 * 0.73 + 0.2 }
        try Self.expectVoom(try voom(nonint, design: design), dir, "nonint")
    }

    /// pasilla, `~type + condition`, normalize.method quantile / scale /
    /// cyclicloess, and quantile with 3.66's adaptive span.
    @Test(.enabled(if: RLive.available)) func voomPasillaMatchesR() throws {
        let dir = try RLive.run("voom.R", ["voom-pasilla"])
        let counts = try Self.pasillaCounts()
        let design = try RLive.matrix(dir, "design.csv").matrix
        let y = DGEList(counts: counts)
        try Self.expectVoom(try voom(y, design: design, normalizeMethod: .quantile), dir, "quantile")
        try Self.expectVoom(try voom(y, design: design, normalizeMethod: .scale), dir, "scale")
        let a = try voom(y, design: design, normalizeMethod: .quantile, version: .v3_66)
        #expect(a.span == (try RLive.vector(dir, "adaptive.span.csv"))[0])
        try Self.expectVoom(a, dir, "adaptive")
        let head = DGEList(counts: counts.rows(Array(0..<4000)), libSize: y.libSize)
        try Self.expectVoom(try voom(head, design: design, normalizeMethod: .cyclicloess), dir, "cyclicloess")
        // Quantile from the counts' order, column by column where a count is
        // not a whole number below 2^32 (samples 2 and 4), large counts in 3.
        var mixed = counts.rows(Array(0..<3000))
        for i in 0..<3000 {
            mixed[i, 1] = mixed[i, 1] * 0.73 + 0.2
            mixed[i, 2] = mixed[i, 2] * 5000
        }
        mixed[0, 3] = 0x1p33
        try Self.expectVoom(try voom(mixed, design: design, normalizeMethod: .quantile), dir, "quantile.mixed")
        var logc = counts
        logc.values = logc.values.map { log2($0 + 1) }
        Self.expectParity(try normalizeBetweenArrays(logc, method: .quantile).values,
                          try RLive.matrix(dir, "nq.csv").matrix.values, "pasilla normalizeQuantiles")
    }

    @Test func voomRefusesBadInput() throws {
        let m = Matrix(rows: [[1, 2, 3, 4], [4, 5, 6, 7], [0, 1, 2, 9]], rowNames: ["g1", "g2", "g3"], colNames: ["a", "b", "c", "d"])
        var neg = m
        neg[2, 1] = -3
        #expect { try voom(neg) } throws: { ($0 as? LimmaError)?.message.contains("Negative counts not allowed") == true }
        var na = m
        na[0, 3] = .nan
        #expect { try voom(na) } throws: { ($0 as? LimmaError)?.message.contains("'g1'") == true }
        #expect(throws: LimmaError.self) { try voom(m.rows([0])) }
        #expect(throws: LimmaError.self) { try voom(m, libSize: [1, 2]) }
        #expect(throws: LimmaError.self) { try voom(m, design: Matrix(nrow: 3, ncol: 1, repeating: 1)) }
        // no replication: weights 1 and R's warning
        let one = try voom(m, design: Matrix(rows: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]))
        #expect(one.weights?.values.allSatisfy { $0 == 1 } == true)
        #expect(one.warnings.contains(LimmaWarning("voom", "The experimental design has no replication. Setting weights to 1.")))
    }
}
