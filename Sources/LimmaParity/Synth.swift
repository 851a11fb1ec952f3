// `limma-parity synth`: deterministic synthetic RNA-seq counts for a seed,
// with the targets, the true fold changes, and a case file that runs the
// User's Guide voom pipeline on them. Same seed and options, same bytes.
import Foundation
import Limma

/// What `Synth.generate` makes.
public struct SynthOptions: Sendable, Equatable {
    public var seed: UInt64 = 1
    public var genes: Int = 10_000
    /// Groups `A`, `B`, ...; contrasts compare every later group with `A`.
    public var groups: Int = 2
    public var replicates: Int = 3
    /// The fraction of genes differentially expressed in each non-reference group.
    public var deFraction: Double = 0.1
    /// The mean library size; each sample's is this times a factor in [0.6, 1.4].
    public var libSize: Double = 2e7
    /// The case name (default `synth-<seed>`).
    public var name: String?

    public init(seed: UInt64 = 1, genes: Int = 10_000, groups: Int = 2, replicates: Int = 3, deFraction: Double = 0.1,
                libSize: Double = 2e7, name: String? = nil) {
        self.seed = seed
        self.genes = genes
        self.groups = groups
        self.replicates = replicates
        self.deFraction = deFraction
        self.libSize = libSize
        self.name = name
    }

    public var caseName: String { name ?? "synth-\(seed)" }

    /// Checks the options, in the words the CLI prints.
    public func validate() throws {
        func fail(_ what: String) -> SynthError { SynthError(message: what) }
        guard (1...5_000_000).contains(genes) else { throw fail("--genes must be between 1 and 5000000, got \(genes)") }
        guard (2...26).contains(groups) else { throw fail("--groups must be between 2 and 26, got \(groups)") }
        guard (1...1000).contains(replicates) else { throw fail("--replicates must be between 1 and 1000, got \(replicates)") }
        guard groups * replicates >= 3 else { throw fail("need at least 3 samples (groups x replicates), got \(groups * replicates)") }
        guard deFraction.isFinite, (0...1).contains(deFraction) else { throw fail("--de-fraction must be in [0, 1], got \(deFraction)") }
        guard libSize.isFinite, libSize >= 1e3, libSize <= 1e10 else { throw fail("--lib-size must be in [1e3, 1e10], got \(libSize)") }
        let n = caseName
        guard !n.isEmpty, n.count <= 100, n.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) }),
              !n.hasPrefix(".") else {
            throw fail("--name may hold only letters, digits, '-', '_' and '.', got '\(n)'")
        }
    }
}

public struct SynthError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Synthetic counts: genes x samples, with the truth they were drawn from.
public struct SynthData: Sendable {
    public var geneIDs: [String]
    public var samples: [String]
    public var group: [String]
    /// Column-major counts, genes x samples.
    public var counts: [Int]
    public var libSize: [Double]
    /// The true log2 fold change of each non-reference group against `A`, column-major genes x (groups - 1).
    public var trueLogFC: [Double]
    /// Each gene's baseline mean proportion of the library and NB dispersion.
    public var baseline: [Double]
    public var dispersion: [Double]
}

/// A small deterministic generator: SplitMix64 (Steele, Lea and Flood 2014).
struct SynthRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed ^ 0x5DEE_CE66_D1CE_4E5B }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform on (0, 1): 53 random bits, never 0.
    mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }
    /// Standard normal by the Box-Muller transform (one of the pair).
    mutating func normal() -> Double {
        let u = uniform(), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
    /// Gamma(shape, scale 1): Marsaglia and Tsang (2000); shape < 1 by
    /// Gamma(shape + 1) * U^(1/shape).
    mutating func gamma(_ shape: Double) -> Double {
        if shape < 1 { return gamma(shape + 1) * pow(uniform(), 1 / shape) }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat { x = normal(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
    /// Poisson(lambda): multiplication for small lambda, Hörmann's (1993)
    /// transformed rejection (PTRS) for lambda >= 10.
    mutating func poisson(_ lambda: Double) -> Int {
        if !(lambda > 0) { return 0 }
        if lambda < 10 {
            let limit = exp(-lambda)
            var k = 0
            var p = uniform()
            while p > limit { k += 1; p *= uniform() }
            return k
        }
        let slam = lambda.squareRoot(), loglam = log(lambda)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.02483 * b
        let invAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5, v = uniform()
            let us = 0.5 - Swift.abs(u)
            let k = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invAlpha) - log(a / (us * us) + b) <= -lambda + k * loglam - RMath.lgamma(k + 1) { return Int(k) }
        }
    }
}

public enum Synth {
    static func groupName(_ k: Int) -> String { String(UnicodeScalar(UInt8(65 + k))) }

    /// Draws the counts. Gene g has baseline proportion q_g ∝ exp(2 z_g),
    /// dispersion φ_g = (0.1 + 1/√(μ̄_g + 1))² e^{0.3 z'_g} (μ̄_g its mean count),
    /// and in each group after `A`, with probability `deFraction`, a log2 fold
    /// change ±(0.5 + Exp(1)). Sample j of group k has library size L_j and
    /// count ~ NB(mean L_j p_gk, dispersion φ_g), where p_gk ∝ q_g 2^{lfc_gk}
    /// sums to 1 over genes (so the fold changes hold relative to the group's
    /// composition, which TMM corrects), drawn as
    /// Poisson(Gamma(1/φ, scale μφ)).
    public static func generate(_ o: SynthOptions) throws -> SynthData {
        try o.validate()
        var rng = SynthRandom(seed: o.seed)
        let G = o.genes, nGroups = o.groups, n = o.groups * o.replicates
        let width = String(G).count
        let ids = (0..<G).map { g in "G" + String(repeating: "0", count: Swift.max(0, width - String(g + 1).count)) + String(g + 1) }
        var group: [String] = [], samples: [String] = []
        for k in 0..<nGroups {
            for r in 0..<o.replicates {
                group.append(groupName(k))
                samples.append("\(groupName(k))\(r + 1)")
            }
        }
        let lib = (0..<n).map { _ in (o.libSize * (0.6 + 0.8 * rng.uniform())).rounded() }
        var w = (0..<G).map { _ in exp(2 * rng.normal()) }
        let total = w.reduce(0, +)
        for g in 0..<G { w[g] /= total }
        let meanLib = lib.reduce(0, +) / Double(n)
        let disp = (0..<G).map { g -> Double in
            let base = 0.1 + 1 / (meanLib * w[g] + 1).squareRoot()
            return base * base * exp(0.3 * rng.normal())
        }
        var lfc = [Double](repeating: 0, count: G * (nGroups - 1))
        for k in 1..<nGroups {
            for g in 0..<G where rng.uniform() < o.deFraction {
                let sign: Double = rng.uniform() < 0.5 ? -1 : 1
                lfc[(k - 1) * G + g] = sign * (0.5 - log(rng.uniform()))
            }
        }
        // Each group's proportions: the baseline times 2^lfc, rescaled to sum to 1,
        // so every sample's expected library size is its L_j.
        var prop = [[Double]](repeating: w, count: nGroups)
        for k in 1..<nGroups {
            for g in 0..<G { prop[k][g] = w[g] * exp2(lfc[(k - 1) * G + g]) }
            let s = prop[k].reduce(0, +)
            for g in 0..<G { prop[k][g] /= s }
        }
        var counts = [Int](repeating: 0, count: G * n)
        for j in 0..<n {
            let k = j / o.replicates
            for g in 0..<G {
                let mu = lib[j] * prop[k][g]
                let phi = disp[g]
                counts[j * G + g] = rng.poisson(rng.gamma(1 / phi) * mu * phi)
            }
        }
        return SynthData(geneIDs: ids, samples: samples, group: group, counts: counts, libSize: lib, trueLogFC: lfc,
                         baseline: w, dispersion: disp)
    }

    /// The case file for the data: filterByExpr, TMM, voom, lmFit,
    /// contrasts.fit, eBayes, the full topTable of the first contrast, decideTests.
    public static func caseJSON(_ o: SynthOptions, counts: String = "counts.csv", targets: String = "targets.csv") -> String {
        let contrasts: [(String, OrderedJSON)] = (1..<o.groups).map { k in
            ("\(groupName(k))vs\(groupName(0))", .string("group\(groupName(k)) - group\(groupName(0))"))
        }
        let first = "\(groupName(1))vs\(groupName(0))"
        let steps: [OrderedJSON] = [
            .object([("fn", .string("filterByExpr")), ("group", .string("group"))]),
            .object([("fn", .string("calcNormFactors")), ("method", .string("TMM"))]),
            .object([("fn", .string("voom"))]),
            .object([("fn", .string("lmFit"))]),
            .object([("fn", .string("contrasts.fit"))]),
            .object([("fn", .string("eBayes"))]),
            .object([("fn", .string("topTable")), ("coef", .string(first)), ("number", .string("Inf"))]),
            .object([("fn", .string("decideTests")), ("p.value", .number(0.05))]),
        ]
        let doc = OrderedJSON.object([
            ("name", .string(o.caseName)),
            ("title", .string("Synthetic negative-binomial counts, seed \(o.seed): \(o.genes) genes, \(o.groups) groups x \(o.replicates) replicates, \(formatShort(o.deFraction * 100))% DE")),
            ("inputs", .object([("counts", .string(counts)), ("targets", .string(targets))])),
            ("design", .string("~0 + group")),
            ("contrasts", .object(contrasts)),
            ("steps", .array(steps)),
            ("tolerance", .object([("default", .object([("rel", .number(1e-10)), ("abs", .number(1e-12))]))])),
        ])
        return doc.serialized() + "\n"
    }

    /// Writes `counts.csv`, `targets.csv`, `truth.csv` and `<name>.json` into
    /// `directory` (created if needed). Returns the case file.
    @discardableResult
    public static func write(_ o: SynthOptions, to directory: URL) throws -> URL {
        let d = try generate(o)
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        let G = d.geneIDs.count, n = d.samples.count
        var counts = "GeneID," + d.samples.joined(separator: ",") + "\n"
        counts.reserveCapacity(G * (n * 5 + 8))
        for g in 0..<G {
            counts += d.geneIDs[g]
            for j in 0..<n { counts += "," + String(d.counts[j * G + g]) }
            counts += "\n"
        }
        var targets = "sample,group\n"
        for j in 0..<n { targets += "\(d.samples[j]),\(d.group[j])\n" }
        let contrasts = (1..<o.groups).map { "\(groupName($0))vs\(groupName(0))" }
        var truth = "GeneID,baseline,dispersion," + contrasts.map { "logFC.\($0)" }.joined(separator: ",") + "\n"
        for g in 0..<G {
            truth += "\(d.geneIDs[g]),\(formatLossless(d.baseline[g])),\(formatLossless(d.dispersion[g]))"
            for k in 0..<contrasts.count { truth += "," + formatLossless(d.trueLogFC[k * G + g]) }
            truth += "\n"
        }
        try Data(counts.utf8).write(to: directory.appendingPathComponent("counts.csv"), options: .atomic)
        try Data(targets.utf8).write(to: directory.appendingPathComponent("targets.csv"), options: .atomic)
        try Data(truth.utf8).write(to: directory.appendingPathComponent("truth.csv"), options: .atomic)
        let caseURL = directory.appendingPathComponent("\(o.caseName).json")
        try Data(caseJSON(o).utf8).write(to: caseURL, options: .atomic)
        return caseURL
    }
}
