import Testing
@testable import Limma

/// RBase's ordering (`order`, `radixOrder`, `rank`, `topOrder`, which all go
/// through the tagged two-phase radix sort) must equal a plain stable sort:
/// ties keep their input order in both directions, -0 equals 0, NaNs last
/// (`order`). The inputs are built to hit every branch: ties, both zeros,
/// subnormals, infinities, runs of keys sharing their upper 32 bits (short
/// ones for the insertion sort, long ones for the standard sort), digits
/// shared by every key (skipped passes), and sizes 0, 1, 2, 31-33, large.
@Suite("Stable order") struct StableOrderTests {
    /// The reference: positions stably sorted by value (Double `<`, under
    /// which -0 and 0 are equal), NaNs dropped.
    static func reference(_ x: [Double], _ idx: [Int], decreasing: Bool) -> [Int] {
        let kept = idx.enumerated().filter { !x[$0.element].isNaN }
        return kept.sorted { a, b in
            let u = x[a.element], v = x[b.element]
            if decreasing ? v < u : u < v { return true }
            if decreasing ? u < v : v < u { return false }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The reference `order`: non-missing values stably sorted, then the NaNs.
    static func referenceOrder(_ x: [Double], decreasing: Bool) -> [Int] {
        reference(x, Array(x.indices), decreasing: decreasing) + x.indices.filter { x[$0].isNaN }
    }

    struct Generator {
        var s: UInt64
        mutating func next() -> UInt64 {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return s >> 11
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// Values of one flavour: 0 few distinct values with zeros of both signs
    /// and NaNs; 1 p-value-like spread over many binades; 2 keys sharing their
    /// upper 32 bits (1 + k ulp) mixed with exact ties; 3 extremes (subnormals,
    /// infinities, the largest and smallest normals, both zeros); 4 all equal
    /// but for the sign of zero; 5 a run of shared upper halves longer than
    /// 32 inside ordinary values; 6 negative values only.
    static func data(_ n: Int, flavour: Int, seed: UInt64) -> [Double] {
        var g = Generator(s: seed)
        let extremes: [Double] = [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                  .leastNormalMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude,
                                  -.greatestFiniteMagnitude, 0x1p-1060, -0x1p-1060, 1, -1, .nan]
        return (0..<n).map { _ in
            switch flavour {
            case 0:
                let r = g.below(23)
                if r == 0 { return .nan }
                if r == 1 { return -0.0 }
                if r == 2 { return 0.0 }
                return Double(g.below(9) - 4) / 2
            case 1:
                let u = Double(g.next() % (1 << 40)) / Double(1 << 40)
                var tiny = u
                for _ in 0..<5 { tiny *= tiny }
                return g.below(5) == 0 ? tiny : (g.below(50) == 0 ? 1 : u)
            case 2:
                return g.below(4) == 0 ? 1.5 : 1 + Double(g.below(40)) * Double.ulpOfOne
            case 3:
                return extremes[g.below(extremes.count)]
            case 4:
                return g.below(2) == 0 ? 0.0 : -0.0
            case 5:
                return g.below(3) == 0 ? -2 - Double(g.below(1000)) * Double.ulpOfOne * 2 : Double(g.below(100)) - 50.5
            default:
                return -Double(g.next() % 1000) / 7
            }
        }
    }

    @Test func orderEqualsTheStableSort() {
        for n in [0, 1, 2, 3, 31, 32, 33, 34, 100, 1000, 5003] {
            for flavour in 0...6 {
                for seed in 1...2 as ClosedRange<UInt64> {
                    let x = Self.data(n, flavour: flavour, seed: seed &* 977 &+ UInt64(n))
                    for dec in [false, true] {
                        #expect(RBase.order(x, decreasing: dec) == Self.referenceOrder(x, decreasing: dec),
                                "n \(n) flavour \(flavour) seed \(seed) decreasing \(dec)")
                    }
                }
            }
        }
    }

    @Test func largeInputsEqualTheStableSort() {
        for flavour in [1, 2, 5] {
            let x = Self.data(200_000, flavour: flavour, seed: 7)
            for dec in [false, true] {
                #expect(RBase.order(x, decreasing: dec) == Self.referenceOrder(x, decreasing: dec))
            }
        }
    }

    /// radixOrder keeps ties in the order of `idx`, whatever that order is.
    @Test func radixOrderKeepsTheOrderOfIdx() {
        for n in [0, 1, 2, 5, 33, 700, 4000] {
            for flavour in 0...6 {
                var g = Generator(s: UInt64(n * 31 + flavour))
                let x = Self.data(n, flavour: flavour, seed: UInt64(flavour + 11))
                let valid = x.indices.filter { !x[$0].isNaN }
                var shuffled = valid
                for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, g.below(i + 1)) }
                let subset = valid.filter { _ in g.below(3) != 0 }
                for idx in [valid, shuffled, subset] {
                    for dec in [false, true] {
                        let got = RBase.radixOrder(x, idx.map { Int32($0) }, decreasing: dec).map { Int($0) }
                        #expect(got == Self.reference(x, idx, decreasing: dec), "n \(n) flavour \(flavour) decreasing \(dec)")
                    }
                }
            }
        }
    }

    /// topOrder's heap on inputs that enter it at every step (ascending or
    /// descending runs, with ties and NaN), and on |t|-like data of the
    /// shipped cases' sizes with tmixture's k.
    @Test func topOrderOnSortedAndLargeInputs() {
        var g = Generator(s: 77)
        let up = (0..<3000).map { Double($0 / 3) }
        let down = Array(up.reversed())
        let withNaN = up.enumerated().map { $0.offset % 97 == 0 ? Double.nan : $0.element }
        let large = (0..<15_804).map { _ in Double(g.below(1 << 20)) / 4096 }
        for (x, ks) in [(up, [1, 7, 750]), (down, [1, 7, 750]), (withNaN, [1, 7, 750]), (large, [1, 40, 79, 3951])] {
            for k in ks {
                for dec in [false, true] {
                    #expect(RBase.topOrder(x, k, decreasing: dec) == Array(Self.referenceOrder(x, decreasing: dec).prefix(k)))
                }
            }
        }
    }

    @Test func rankAndTopOrderFollowTheStableSort() {
        for n in [1, 2, 33, 1000] {
            for flavour in 0...6 {
                let x = Self.data(n, flavour: flavour, seed: 5)
                // rank: average of the 1-based positions of each tie group.
                let o = Self.reference(x, Array(x.indices), decreasing: false)
                var expected = [Double](repeating: .nan, count: n)
                var i = 0
                while i < o.count {
                    var j = i
                    while j + 1 < o.count && x[o[j + 1]] == x[o[i]] { j += 1 }
                    for k in i...j { expected[o[k]] = Double(i + j + 2) / 2 }
                    i = j + 1
                }
                #expect(RBase.rank(x).map(\.bitPattern) == expected.map(\.bitPattern))
                for k in [0, 1, 2, 3, n / 200, n / 64, n / 8, n / 4, n / 2, n] {
                    for dec in [false, true] {
                        #expect(RBase.topOrder(x, k, decreasing: dec) == Array(Self.referenceOrder(x, decreasing: dec).prefix(k)))
                    }
                }
            }
        }
    }

    /// p.adjust's step-up and step-down methods, written directly on the
    /// reference order as R writes them: `pmin(1, cummax((n - i + 1) p[o]))[ro]`
    /// (holm), `pmin(1, cummin(... p[o]))[ro]` over decreasing p (hochberg, BH, BY).
    static func referenceAdjust(_ p: [Double], _ method: PAdjustMethod, n given: Int?) -> [Double] {
        let nna = p.indices.filter { !p[$0].isNaN }
        let x = nna.map { p[$0] }
        let lp = x.count, n = given ?? lp
        if n < lp { return p.map { _ in .nan } }
        if n <= 1 { return p }
        let nd = Double(n)
        var adjusted = [Double](repeating: 0, count: lp)
        if method == .holm {
            var run = -Double.infinity
            for (k, i) in reference(x, Array(x.indices), decreasing: false).enumerated() {
                run = max(run, Double(n + 1 - (k + 1)) * x[i])
                adjusted[i] = min(1, run)
            }
        } else {
            let q = method == .BY ? RBase.sum((1...n).map { 1 / Double($0) }) : 1
            var run = Double.infinity
            for (k, idx) in reference(x, Array(x.indices), decreasing: true).enumerated() {
                let i = lp - k
                let v: Double
                switch method {
                case .hochberg: v = Double(n + 1 - i) * x[idx]
                case .BH: v = nd / Double(i) * x[idx]
                default: v = q * nd / Double(i) * x[idx]
                }
                run = min(run, v)
                adjusted[idx] = min(1, run)
            }
        }
        var out = p
        for (k, i) in nna.enumerated() { out[i] = adjusted[k] }
        return out
    }

    @Test func pAdjustEqualsTheDirectForm() {
        for n in [0, 1, 2, 3, 33, 500, 4001] {
            for flavour in [0, 1, 2, 3, 4] {
                // p-values: the flavour's magnitudes folded into [0, 1], NaNs kept.
                let p = Self.data(n, flavour: flavour, seed: UInt64(n + flavour)).map { v -> Double in
                    v.isNaN ? v : (v.magnitude > 1 ? (v.isFinite ? 1 / v.magnitude : 1) : v.magnitude)
                }
                let lp = p.filter { !$0.isNaN }.count
                for method in [PAdjustMethod.holm, .hochberg, .BH, .fdr, .BY] {
                    for given in [nil, lp + 3] as [Int?] {
                        let got = pAdjust(p, method: method, n: given)
                        let want = Self.referenceAdjust(p, method == .fdr ? .BH : method, n: given)
                        #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "n \(n) flavour \(flavour) \(method) n= \(String(describing: given))")
                    }
                }
            }
        }
    }
}
