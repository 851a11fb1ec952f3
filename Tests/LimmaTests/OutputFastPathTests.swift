import Testing
@testable import Limma

/// decideTests' `"separate"` calls without adjusting (`stepUpCut`) must be
/// the calls through `pAdjust`, and topTable reading a fit's columns in place
/// must give the table of a fit made of copies of those columns. The inputs
/// have ties (also straddling the cut), both zeros, NaN, infinities,
/// negative and subnormal values, values above 1, p-values equal to the
/// threshold, and sizes 0, 1, 2, odd and large.
@Suite("Output fast paths") struct OutputFastPathTests {
    typealias Generator = StableOrderTests.Generator

    /// p-values of one flavour: 0 uniform with many ties and specials; 1 a
    /// strong signal (many tiny values, some exactly 0 or -0); 2 a few
    /// distinct values only; 3 values near the BH cut (`alpha j / n`); 4
    /// extremes (infinities, negatives, subnormals, above 1).
    static func pValues(_ n: Int, flavour: Int, seed: UInt64, alpha: Double) -> [Double] {
        var g = Generator(s: seed)
        let extremes: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNormalMagnitude,
                                  1, 2, -1, .nan, alpha, alpha.nextDown, alpha.nextUp, 0.5]
        return (0..<n).map { _ in
            switch flavour {
            case 0:
                let r = g.below(20)
                if r == 0 { return .nan }
                if r == 1 { return 1 }
                if r == 2 { return alpha }
                return (g.unit() * 64).rounded() / 64
            case 1:
                let r = g.below(30)
                if r == 0 { return 0 }
                if r == 1 { return -0.0 }
                var u = g.unit()
                for _ in 0..<g.below(6) { u *= u }
                return u
            case 2:
                return [0.001, 0.01, 0.04, 0.05, 0.2, 1][g.below(6)]
            case 3:
                let j = Double(1 + g.below(max(n, 1)))
                let base = alpha * j / Double(max(n, 1))
                let r = g.below(4)
                return r == 0 ? base : (r == 1 ? base.nextUp : (r == 2 ? base.nextDown : g.unit()))
            default:
                return extremes[g.below(extremes.count)]
            }
        }
    }

    @Test func stepUpCutGivesTheAdjustedCalls() {
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 5000)
        defer { scratch.deallocate() }
        for n in [0, 1, 2, 3, 7, 33, 100, 999, 4999] {
            for flavour in 0...4 {
                for alpha in [0.05, 0.0, 1.0, 0.5, 1e-300, 0.01] {
                    let p = Self.pValues(n, flavour: flavour, seed: UInt64(n * 13 + flavour), alpha: alpha)
                    for method in [PAdjustMethod.BH, .fdr, .BY] {
                        let adj = pAdjust(p, method: method)
                        let cut = p.withUnsafeBufferPointer {
                            stepUpCut($0, method: method, alpha: alpha, scratch: scratch)
                        }
                        guard let cut else {
                            Issue.record("no cut for \(method) alpha \(alpha)")
                            continue
                        }
                        for i in 0..<n where (adj[i] < alpha) != (!p[i].isNaN && p[i] <= cut) {
                            Issue.record("n \(n) flavour \(flavour) alpha \(alpha) \(method): p \(p[i]) adj \(adj[i]) cut \(cut)")
                            break
                        }
                    }
                }
            }
        }
    }

    @Test func stepUpCutDeclinesWhatItDoesNotCover() {
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 4)
        defer { scratch.deallocate() }
        let p: [Double] = [0.01, 0.02, 0.5, 0.9]
        p.withUnsafeBufferPointer { pb in
            for method in [PAdjustMethod.none, .bonferroni, .holm, .hochberg, .hommel] {
                #expect(stepUpCut(pb, method: method, alpha: 0.05, scratch: scratch) == nil)
            }
            for alpha in [-0.01, 1.5, Double.infinity, -Double.infinity] {
                #expect(stepUpCut(pb, method: .BH, alpha: alpha, scratch: scratch) == nil)
            }
        }
    }

    /// The whole `"separate"` matrix of calls, cut against adjusted, with
    /// missing coefficients and p-values, zero coefficients and every method.
    @Test func separateCallsEqualTheAdjustedCalls() {
        var g = Generator(s: 99)
        for (n, p) in [(0, 2), (1, 1), (2, 3), (7, 2), (501, 3), (3000, 2)] {
            for flavour in 0...4 {
                for alpha in [0.05, 0.0, 1.0, 0.2, 1.5, -0.1] {
                    var pv = [Double]()
                    for j in 0..<p {
                        pv += Self.pValues(n, flavour: (flavour + j) % 5, seed: UInt64(n + 7 * j + flavour), alpha: alpha)
                    }
                    let cv: [Double] = (0..<(n * p)).map { _ in
                        let r = g.below(12)
                        return r == 0 ? .nan : (r == 1 ? 0 : (r == 2 ? -0.0 : g.unit() - 0.5))
                    }
                    let coef = Matrix(nrow: n, ncol: p, values: cv)
                    let pMat = Matrix(nrow: n, ncol: p, values: pv)
                    for method in [PAdjustMethod.BH, .BY, .holm, .bonferroni, .none] {
                        let fast = separateCalls(coef, pMat, adjust: method, pValue: alpha)
                        let general = separateCalls(coef, pMat, adjust: method, pValue: alpha, forceAdjust: true)
                        #expect(fast == general, "n \(n) p \(p) flavour \(flavour) alpha \(alpha) \(method)")
                    }
                }
            }
        }
    }

    /// topTable of one coefficient of a three-coefficient fit, read in place,
    /// equals topTable of a fit holding only copies of that coefficient's
    /// columns (where the storage is the column itself), for every sort and
    /// with filters.
    @Test func topTableReadsColumnsInPlace() throws {
        var g = Generator(s: 5)
        let n = 301, p = 3
        func matrix(_ f: () -> Double) -> Matrix {
            var m = Matrix(nrow: n, ncol: p, values: (0..<(n * p)).map { _ in f() })
            m.rowNames = (0..<n).map { "g\($0 % 290)" }
            m.colNames = ["a", "b", "c"]
            return m
        }
        let coefficients = matrix { g.below(9) == 0 ? 0.5 : g.unit() * 4 - 2 }
        var fit = MArrayLM(coefficients: coefficients, stdevUnscaled: matrix { 0.2 + g.unit() },
                           sigma: (0..<n).map { _ in 0.5 + g.unit() }, dfResidual: [5])
        fit.t = matrix { g.below(11) == 0 ? 1.5 : g.unit() * 10 - 5 }
        fit.pValue = matrix { g.below(13) == 0 ? 0.01 : (g.below(40) == 0 ? .nan : g.unit()) }
        fit.lods = matrix { g.below(7) == 0 ? -2 : g.unit() * 6 - 4 }
        fit.Amean = (0..<n).map { _ in g.below(5) == 0 ? 3 : g.unit() * 10 }
        fit.s2Post = (0..<n).map { _ in 0.3 + g.unit() }
        fit.dfTotal = (0..<n).map { _ in g.below(3) == 0 ? 4 : 9 }
        for coef in 0..<p {
            var single = fit
            func column(_ m: Matrix) -> Matrix {
                var c = Matrix(nrow: n, ncol: 1, values: m.column(coef))
                c.rowNames = m.rowNames
                c.colNames = [m.colNames![coef]]
                return c
            }
            single.coefficients = column(fit.coefficients)
            single.stdevUnscaled = column(fit.stdevUnscaled)
            single.t = column(fit.t!)
            single.pValue = column(fit.pValue!)
            single.lods = column(fit.lods!)
            for sort in ["B", "logFC", "P", "t", "AveExpr", "none"] {
                for (pValue, lfc) in [(1.0, 0.0), (0.5, 0.0), (1.0, 0.7)] {
                    for confint in [TopTableConfint.off, .on] {
                        let inPlace = try topTable(fit, coef: .index(coef), number: Int.max, sortBy: sort, pValue: pValue,
                                                   lfc: lfc, confint: confint)
                        let copied = try topTable(single, coef: .index(0), number: Int.max, sortBy: sort, pValue: pValue,
                                                  lfc: lfc, confint: confint)
                        #expect(inPlace.rowNames == copied.rowNames)
                        #expect(inPlace.columnNames == copied.columnNames)
                        #expect(inPlace.columns.map { $0.map(\.bitPattern) } == copied.columns.map { $0.map(\.bitPattern) },
                                "coef \(coef) sort \(sort) pValue \(pValue) lfc \(lfc)")
                    }
                }
            }
        }
    }

    /// fstat's four-lane loop equals the plain per-feature loops over
    /// Matrix subscripts, bit for bit, with missing, infinite, signed-zero,
    /// huge and tiny t-statistics, for every tail length and shape.
    @Test func fstatLanesEqualThePlainLoops() {
        var g = Generator(s: 31)
        let specials: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1e300, -1e300, 1e-300, .leastNonzeroMagnitude]
        for n in Array(0...9) + [33, 1001] {
            for p in 1...4 {
                for r in 1...p {
                    let tv: [Double] = (0..<(n * p)).map { _ in
                        g.below(9) == 0 ? specials[g.below(specials.count)] : (g.unit() - 0.5) * 20
                    }
                    let t = Matrix(nrow: n, ncol: p, values: tv)
                    let Q = Matrix(nrow: p, ncol: r, values: (0..<(p * r)).map { _ in g.unit() * 2 - 1 })
                    let expected: [Double] = (0..<n).map { i in
                        var s = 0.0
                        for k in 0..<r {
                            var u = 0.0
                            for l in 0..<p { u += t[i, l] * Q[l, k] }
                            s += u * u
                        }
                        return s
                    }
                    #expect(fstat(t, Q).map(\.bitPattern) == expected.map(\.bitPattern), "n \(n) p \(p) r \(r)")
                }
            }
        }
    }

    /// The tail word read by overlapping loads equals the bytes copied into
    /// a zeroed word, for every length and start, and so the hash is the
    /// hash of the zero-padded bytes.
    @Test func hashTailEqualsTheZeroPaddedBytes() {
        let bytes: [UInt8] = (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) | ($0 % 5 == 0 ? 0x80 : 0) }
        bytes.withUnsafeBytes { raw in
            // As the hash calls it: i the last multiple of 8 below count; the
            // bytes start at every alignment.
            for offset in 0..<8 {
                let base = raw.baseAddress! + offset
                for count in 1...32 where count % 8 != 0 {
                    let i = count - count % 8
                    var w: UInt64 = 0
                    withUnsafeMutableBytes(of: &w) { $0.baseAddress!.copyMemory(from: base + i, byteCount: count - i) }
                    #expect(ASCIIBytesHash.tail(base, from: i, count: count) == UInt64(littleEndian: w),
                            "offset \(offset) count \(count)")
                }
            }
        }
    }

    /// hasDuplicates (tagged table below 65,535 strings, plain above) finds
    /// a repeat wherever it is, and none when there is none.
    @Test func hasDuplicatesFindsRepeats() {
        for n in [2, 3, 17, 1000, 70_000] {
            let ids = (0..<n).map { "FBgn\(1_000_000 + $0 * 7)" }
            #expect(!hasDuplicates(ids))
            for (a, b) in [(0, 1), (0, n - 1), (n / 2, n / 3)] where a != b {
                var d = ids
                d[a] = d[b]
                #expect(hasDuplicates(d), "n \(n) \(a) \(b)")
            }
            var long = ids.map { $0 + "-a-longer-identifier" }
            #expect(!hasDuplicates(long))
            long[n - 1] = long[0]
            #expect(hasDuplicates(long))
        }
        #expect(hasDuplicates(["é", "x", "é"]))
        #expect(!hasDuplicates(["é", "x", "e"]))
    }
}

extension StableOrderTests.Generator {
    /// A uniform value in [0, 1) on a grid of 2^-40.
    mutating func unit() -> Double { Double(next() % (1 << 40)) / Double(1 << 40) }
}
