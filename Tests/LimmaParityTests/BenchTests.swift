// `limma-parity synth` (and the bench's statistics): deterministic data for a seed.
import Foundation
import Testing
@testable import LimmaParity
import Limma

@Suite struct SynthTests {
    func tempDir(_ tag: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("limma-parity-\(tag)-\(UUID().uuidString)")
    }

    @Test func sameSeedSameBytes() throws {
        let o = SynthOptions(seed: 42, genes: 500, groups: 3, replicates: 2)
        let a = tempDir("synth-a"), b = tempDir("synth-b")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let ca = try Synth.write(o, to: a)
        try Synth.write(o, to: b)
        #expect(ca.lastPathComponent == "synth-42.json")
        for f in ["counts.csv", "targets.csv", "truth.csv", "synth-42.json"] {
            let x = try Data(contentsOf: a.appendingPathComponent(f)), y = try Data(contentsOf: b.appendingPathComponent(f))
            #expect(x == y, "\(f)")
        }
        let other = try Synth.generate(SynthOptions(seed: 43, genes: 500, groups: 3, replicates: 2))
        #expect(try Synth.generate(o).counts != other.counts)
        // Shapes and names.
        let counts = try String(contentsOf: a.appendingPathComponent("counts.csv"), encoding: .utf8).split(separator: "\n")
        #expect(counts.count == 501)
        #expect(counts[0] == "GeneID,A1,A2,B1,B2,C1,C2")
        #expect(counts[1].hasPrefix("G001,"))
        let targets = try String(contentsOf: a.appendingPathComponent("targets.csv"), encoding: .utf8)
        #expect(targets == "sample,group\nA1,A\nA2,A\nB1,B\nB2,B\nC1,C\nC2,C\n")
        // The case file is valid JSON naming the inputs and both contrasts.
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: ca)) as? [String: Any])
        #expect(obj["name"] as? String == "synth-42")
        #expect((obj["contrasts"] as? [String: String]) == ["BvsA": "groupB - groupA", "CvsA": "groupC - groupA"])
        #expect((obj["inputs"] as? [String: String])?["counts"] == "counts.csv")
        #expect((obj["steps"] as? [[String: Any]])?.compactMap { $0["fn"] as? String }
            == ["filterByExpr", "calcNormFactors", "voom", "lmFit", "contrasts.fit", "eBayes", "topTable", "decideTests"])
    }

    @Test func countsFollowTheTruth() throws {
        let d = try Synth.generate(SynthOptions(seed: 7, genes: 4000, groups: 2, replicates: 4, deFraction: 0.2))
        let G = d.geneIDs.count
        #expect(d.counts.allSatisfy { $0 >= 0 })
        // Library sizes near the requested ones.
        for j in 0..<8 {
            let total = Double((0..<G).reduce(0) { $0 + d.counts[j * G + $1] })
            #expect(Swift.abs(total / d.libSize[j] - 1) < 0.15)
        }
        // Observed log2 ratios of well-expressed genes track the true fold changes.
        var obs: [Double] = [], truth: [Double] = []
        for g in 0..<G where d.baseline[g] * 2e7 > 200 {
            let a = (0..<4).map { Double(d.counts[$0 * G + g]) / d.libSize[$0] }.reduce(0, +)
            let b = (4..<8).map { Double(d.counts[$0 * G + g]) / d.libSize[$0] }.reduce(0, +)
            obs.append(log2((b + 1e-9) / (a + 1e-9)))
            truth.append(d.trueLogFC[g])
        }
        #expect(obs.count > 500)
        let mo = obs.reduce(0, +) / Double(obs.count), mt = truth.reduce(0, +) / Double(truth.count)
        let cov = zip(obs, truth).map { ($0 - mo) * ($1 - mt) }.reduce(0, +)
        let r = cov / (obs.map { ($0 - mo) * ($0 - mo) }.reduce(0, +) * truth.map { ($0 - mt) * ($0 - mt) }.reduce(0, +)).squareRoot()
        #expect(r > 0.9, "correlation \(r)")
        let de = d.trueLogFC.filter { $0 != 0 }.count
        #expect(de > 650 && de < 950)
    }

    @Test func samplersHaveTheRightMoments() {
        var rng = SynthRandom(seed: 3)
        func moments(_ draw: () -> Double) -> (Double, Double) {
            let x = (0..<40_000).map { _ in draw() }
            let m = x.reduce(0, +) / Double(x.count)
            return (m, x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1))
        }
        for lambda in [0.5, 3.0, 25.0, 2000.0] {
            let (m, v) = moments { Double(rng.poisson(lambda)) }
            #expect(Swift.abs(m / lambda - 1) < 0.03, "poisson(\(lambda)) mean \(m)")
            #expect(Swift.abs(v / lambda - 1) < 0.06, "poisson(\(lambda)) var \(v)")
        }
        for shape in [0.3, 1.0, 8.0] {
            let (m, v) = moments { rng.gamma(shape) }
            #expect(Swift.abs(m / shape - 1) < 0.04, "gamma(\(shape)) mean \(m)")
            #expect(Swift.abs(v / shape - 1) < 0.08, "gamma(\(shape)) var \(v)")
        }
    }

    @Test func badOptionsAreRefused() {
        #expect(throws: SynthError.self) { try Synth.generate(SynthOptions(genes: 0)) }
        #expect(throws: SynthError.self) { try Synth.generate(SynthOptions(groups: 1)) }
        #expect(throws: SynthError.self) { try Synth.generate(SynthOptions(groups: 3, replicates: 0)) }
        #expect(throws: SynthError.self) { try Synth.generate(SynthOptions(deFraction: .nan)) }
        #expect(throws: SynthError.self) { try Synth.generate(SynthOptions(name: "../evil")) }
        #expect(throws: SynthError.self) { try Synth.generate(SynthOptions(libSize: 1)) }
    }
}

@Suite struct BenchTests {
    func work() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("limma-parity-bench-test-\(UUID().uuidString)") }

    @Test func childProcessStatusOutputAndEnvironment() throws {
        let w = work()
        defer { try? FileManager.default.removeItem(at: w) }
        let u = try ChildProcess.run("/bin/sh", ["-c", "echo $OPENBLAS_NUM_THREADS $OMP_NUM_THREADS; echo oops >&2; exit 3"],
                                     environment: Bench.singleThreaded, work: w, timeout: 30)
        #expect(u.status == 3 && !u.timedOut)
        #expect(u.stdout == "1 1\n" && u.stderr == "oops\n")
        let s = try ChildProcess.run("/bin/sh", ["-c", "sleep 0.3"], work: w, timeout: 30)
        #expect(s.status == 0 && s.wallSeconds >= 0.3 && s.wallSeconds < 10)
        #expect(throws: ChildProcessError.self) { try ChildProcess.run("/nonexistent/prog", [], work: w, timeout: 5) }
    }

    @Test func childProcessTimeLimit() throws {
        let w = work()
        defer { try? FileManager.default.removeItem(at: w) }
        let u = try ChildProcess.run("/bin/sleep", ["30"], work: w, timeout: 0.5)
        #expect(u.timedOut && u.status == -1 && u.wallSeconds < 10)
    }

    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: BenchTests.python != nil)) func peakRSSIsTheChildsOwn() throws {
        let w = work()
        defer { try? FileManager.default.removeItem(at: w) }
        let big = try ChildProcess.run(BenchTests.python!, ["-c", "import time\nx = bytearray(160 * 1024 * 1024)\nx[::4096] = b'1' * len(x[::4096])\ntime.sleep(0.1)"], work: w, timeout: 60)
        let small = try ChildProcess.run("/bin/sh", ["-c", "sleep 0.2"], work: w, timeout: 60)
        #expect(big.status == 0)
        #expect((big.peakRSSKiB ?? 0) > 160 * 1024, "\(big.peakRSSKiB ?? 0) KiB")
        // The child's own, not this (larger) test process's.
        #expect((small.peakRSSKiB ?? .max) < 10 * 1024, "\(small.peakRSSKiB ?? -1) KiB")
        #expect(small.rusageMaxRSSKiB >= (small.peakRSSKiB ?? 0))
    }

    @Test func statisticsAndReports() throws {
        let s = try #require(BenchStat([0.3, 0.1, 0.2, .nan]))
        #expect(s.median == 0.2 && s.min == 0.1 && s.max == 0.3)
        #expect(BenchStat([]) == nil)
        let sample = { (p: Double, w: Double, m: Double) in BenchSample(pipelineSeconds: p, processSeconds: w, cpuSeconds: w, peakRSSMiB: m) }
        let ok = CaseBench(caseName: "gse", title: "T", engine: [sample(0.05, 0.3, 80), sample(0.04, 0.25, 81), sample(0.06, 0.4, 79)],
                           r: [sample(2.0, 4.0, 400), sample(2.2, 4.4, 410), sample(1.8, 3.9, 405)],
                           rVersions: ["R": "4.2.2", "limma": "3.54.1", "edgeR": "3.40.2"], engineVersions: ["version": "0.1.0"])
        #expect(ok.pipelineRatio == 40)
        #expect(ok.processRatio.map { Swift.abs($0 - 4.0 / 0.3) < 1e-12 } == true)
        let bad = CaseBench(caseName: "broken", error: "R failed (exit status 1)", status: 3)
        #expect(Bench.exitStatus([ok, bad]) == 3)
        let md = Bench.renderMarkdown([ok, bad], reps: 3)
        #expect(md.contains("| gse | 0.05 (0.04–0.06) | 2 (1.8–2.2) | 40.0× |"))
        #expect(md.contains("**error** (exit 3)"))
        let json = Bench.renderJSON([ok, bad], reps: 3)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(obj["reps"] as? Int == 3)
        let cases = try #require(obj["cases"] as? [[String: Any]])
        #expect(cases.count == 2)
        let timing = try #require(cases[0]["timing"] as? [String: [String: [String: Any]]])
        #expect(timing["r"]?["pipeline_s"]?["median"] as? Double == 2.0)
        #expect(timing["engine"]?["peak_rss_mib"]?["max"] as? Double == 81)
        #expect((cases[0]["ratio_r_over_engine"] as? [String: Double])?["pipeline"] == 40)
        #expect(cases[1]["status"] as? Int == 3)
        #expect((obj["environment"] as? [String: String])?["OPENBLAS_NUM_THREADS"] == "1")
        // Without sizes or steps, no per-cell or per-step fields.
        #expect(cases[0]["size"] == nil && cases[0]["per_cell_ns"] == nil && timing["engine"]?["step_s"] == nil)
    }

    @Test func perStepAndPerCellFields() throws {
        let steps = { (a: Double, b: Double) in [StepTime(step: "voom", seconds: a), StepTime(step: "lmFit", seconds: b)] }
        let sample = { (p: Double, l: Double, st: [StepTime]) in
            BenchSample(pipelineSeconds: p, processSeconds: p + l + 1, cpuSeconds: p, peakRSSMiB: 50, loadSeconds: l, stepSeconds: st)
        }
        let c = CaseBench(caseName: "syn", engine: [sample(0.1, 0.05, steps(0.04, 0.06)), sample(0.2, 0.05, steps(0.08, 0.12))],
                          r: [sample(2.0, 1.0, steps(0.5, 1.5))], rVersions: ["R": "4.2.2"], engineVersions: ["version": "0.1.0"],
                          genes: 1000, samples: 10, engineThreads: 1)
        #expect(c.cells == 10_000 && c.stepLabels == ["voom", "lmFit"])
        #expect(c.stepRatio("lmFit") == 1.5 / 0.09)
        #expect(c.engineEndToEnd?.median == 0.2 && c.rEndToEnd?.median == 3)
        #expect(c.nanosecondsPerCell(c.enginePipeline).map { Swift.abs($0 - 15_000) < 1e-6 } == true)
        let json = Bench.renderJSON([c], reps: 2)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let cj = try #require((obj["cases"] as? [[String: Any]])?.first)
        #expect((cj["size"] as? [String: Int]) == ["genes": 1000, "samples": 10, "cells": 10_000])
        #expect((cj["engine"] as? [String: Any])?["threads"] as? Int == 1)
        let timing = try #require(cj["timing"] as? [String: [String: Any]])
        let eSteps = try #require(timing["engine"]?["step_s"] as? [String: [String: Any]])
        #expect(eSteps["lmFit"]?["median"] as? Double == 0.09)
        #expect((timing["r"]?["end_to_end_s"] as? [String: Any])?["median"] as? Double == 3)
        #expect((timing["engine"]?["load_s"] as? [String: Any])?["max"] as? Double == 0.05)
        let ratio = try #require(cj["ratio_r_over_engine"] as? [String: Double])
        #expect(ratio["end_to_end"] == 3 / 0.2)
        #expect((cj["step_ratio_r_over_engine"] as? [String: Double])?["voom"] == 0.5 / 0.06)
        let perCell = try #require(cj["per_cell_ns"] as? [String: [String: Double]])
        #expect(perCell["r"]?["pipeline"] == 200_000 && perCell["r"]?["end_to_end"] == 300_000)
        // The step order is kept in the JSON text.
        #expect(try #require(json.range(of: "\"voom\": {")).lowerBound < (try #require(json.range(of: "\"lmFit\": {"))).lowerBound)
        let md = Bench.renderMarkdown([c], reps: 2)
        #expect(md.contains("| syn | 1000 x 10 | 15000 | 20000 | 200000 | 300000 | 15.0× |"))
        #expect(md.contains("| syn | lmFit | 0.09 (0.06–0.12) | 1.5 (1.5–1.5) | 16.7× |"))
        #expect(md.contains("1 engine thread, \(EngineKernels.active) kernels, allocator \(AllocatorPolicy.describe())."))
        // The machine says which kernels timed the engine (they change the speed, not the bits).
        let kernels = (obj["machine"] as? [String: Any])?["engine_kernels"] as? String
        #expect(kernels == EngineKernels.active && ["avx512", "fma", "plain"].contains(kernels ?? ""))
        // ... and how limma-parity's allocator was set up.
        let allocator = (obj["machine"] as? [String: Any])?["allocator"] as? String
        #expect(allocator == AllocatorPolicy.describe() && ["keeps freed memory", "system default"].contains(allocator ?? ""))
    }
}

/// limma-parity's allocator policy (AllocatorPolicy.swift): on by default,
/// off by `LIMMA_PARITY_ALLOCATOR=system` or a malloc tunable of the caller's.
@Suite struct AllocatorPolicyTests {
    @Test func environmentDecides() {
        #expect(!AllocatorPolicy.leavesDefaults([:]))
        #expect(!AllocatorPolicy.leavesDefaults(["LIMMA_PARITY_ALLOCATOR": "keep", "GLIBC_TUNABLES": "glibc.cpu.x86_rep_movsb_threshold=2048"]))
        #expect(AllocatorPolicy.leavesDefaults(["LIMMA_PARITY_ALLOCATOR": "system"]))
        #expect(AllocatorPolicy.leavesDefaults(["GLIBC_TUNABLES": "glibc.malloc.arena_max=2"]))
        #expect(AllocatorPolicy.describe(environment: ["LIMMA_PARITY_ALLOCATOR": "system"]) == "system default")
    }

    /// The engine child, as bench runs it, takes fewer page faults in its
    /// pipeline with the policy than with glibc's defaults (pasilla-voom:
    /// about 900 against 1,300 on the machine this was written on).
    @Test(.timeLimit(.minutes(2))) func fewerPageFaults() throws {
        func faults(_ allocator: String) throws -> Int {
            let work = try CLI.scratch()
            defer { try? FileManager.default.removeItem(at: work) }
            let r = try RRunner.execute("/usr/bin/env", ["LIMMA_PARITY_ALLOCATOR=\(allocator)", "LIMMA_PARITY_STEP_TIMES=1",
                                                         CLI.binary, "bench", "--engine-child", "--threads", "1",
                                                         "reference/cases/pasilla-voom.json"],
                                        timeout: 60, work: work, cwd: CLI.root)
            #expect(r.status == 0, "\(r.stderr)")
            // "step voom: 6.41 ms, cpu ... ms, 599 minor faults, peak RSS 30 MiB"
            let counts = r.stderr.split(separator: "\n").filter { $0.hasPrefix("step ") }.compactMap { line -> Int? in
                guard let m = line.range(of: " minor faults") else { return nil }
                return Int(line[..<m.lowerBound].split(separator: " ").last ?? "")
            }
            #expect(counts.count == 7)
            return counts.reduce(0, +)
        }
        let kept = try faults("keep"), system = try faults("system")
        // With transparent huge pages a machine may count few faults either
        // way; the policy must never add any, and must save some where there
        // are many.
        #expect(kept <= system, "pipeline page faults: \(kept) with the policy, \(system) without")
        if system >= 500 { #expect(kept < system, "pipeline page faults: \(kept) with the policy, \(system) without") }
    }

    /// Where arrays live never changes a value: the engine's output files are
    /// the same bytes with and without the policy (a read of memory the
    /// engine never wrote would show here).
    @Test(.timeLimit(.minutes(2))) func sameOutputsEitherWay() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for allocator in ["keep", "system"] {
            let r = try RRunner.execute("/usr/bin/env", ["LIMMA_PARITY_ALLOCATOR=\(allocator)", CLI.binary, "engine",
                                                         "reference/cases/pasilla-voom.json", "--out", dir.appendingPathComponent(allocator).path],
                                        timeout: 60, work: try CLI.scratch(), cwd: CLI.root)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let fm = FileManager.default
        let a = dir.appendingPathComponent("keep/pasilla-voom/engine"), b = dir.appendingPathComponent("system/pasilla-voom/engine")
        let files = try fm.contentsOfDirectory(atPath: a.path).filter { !$0.hasSuffix(".json") }.sorted()
        #expect(files.count >= 10)
        for f in files {
            #expect(fm.contents(atPath: a.appendingPathComponent(f).path) == fm.contents(atPath: b.appendingPathComponent(f).path), "\(f)")
        }
    }
}

@Suite struct BenchCLITests {
    @Test func badArgumentsExitTwo() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CLI.run(["bench"]).status == 2)
        #expect(try CLI.run(["bench", "reference/cases/gse60450-voom.json", "--reps", "0"]).status == 2)
        #expect(try CLI.run(["bench", "reference/cases/gse60450-voom.json", "--reps", "2", "--r-reps", "3"]).status == 2)
        let s = try CLI.run(["synth", "--genes", "0", "--out", dir.appendingPathComponent("x").path])
        #expect(s.status == 2 && s.stderr.contains("--genes"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x").path))
    }

    /// `synth` writes a case; `bench` times R and the engine on its count-level steps.
    @Test(.enabled(if: CLI.rAvailable), .timeLimit(.minutes(3))) func synthThenBench() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("syn")
        let s = try CLI.run(["synth", "--seed", "5", "--genes", "400", "--out", data.path])
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("synth-5.json"))
        // The steps both sides run today.
        let caseFile = data.appendingPathComponent("counts-only.json")
        try Data("""
            { "name": "synth-5-counts", "inputs": { "counts": "counts.csv", "targets": "targets.csv" },
              "design": "~0 + group",
              "steps": [ { "fn": "filterByExpr", "group": "group" }, { "fn": "calcNormFactors", "method": "TMM" } ] }
            """.utf8).write(to: caseFile)
        let out = dir.appendingPathComponent("bench")
        let b = try CLI.run(["bench", caseFile.path, "--reps", "2", "--out", out.path])
        #expect(b.status == 0, "\(b.stdout)\n\(b.stderr)")
        #expect(b.stdout.contains("BENCH synth-5-counts"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("bench.json"))) as? [String: Any])
        let c = try #require((json["cases"] as? [[String: Any]])?.first)
        #expect(c["error"] == nil)
        let timing = try #require(c["timing"] as? [String: [String: [String: Any]]])
        for side in ["engine", "r"] {
            #expect((timing[side]?["pipeline_s"]?["values"] as? [Double])?.count == 2, "\(side)")
            #expect(((timing[side]?["peak_rss_mib"]?["median"] as? Double) ?? 0) > 1, "\(side)")
            #expect(((timing[side]?["process_s"]?["min"] as? Double) ?? 0) > 0, "\(side)")
        }
        #expect((c["ratio_r_over_engine"] as? [String: Double])?["pipeline"] != nil)
        let md = try String(contentsOf: out.appendingPathComponent("bench.md"), encoding: .utf8)
        #expect(md.contains("| synth-5-counts |"))
    }

    /// The whole voom pipeline of a synthetic case, one round, engine on one
    /// thread: both sides report reading time, each step's time, the input's
    /// size; bench.json and bench.md carry the per-step and per-cell figures.
    @Test(.enabled(if: CLI.rAvailable), .timeLimit(.minutes(3))) func perStepBenchOfAVoomPipeline() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("syn")
        #expect(try CLI.run(["synth", "--seed", "6", "--genes", "300", "--replicates", "2", "--out", data.path]).status == 0)
        let out = dir.appendingPathComponent("bench")
        let b = try CLI.run(["bench", data.appendingPathComponent("synth-6.json").path, "--reps", "1", "--threads", "1", "--out", out.path])
        #expect(b.status == 0, "\(b.stdout)\n\(b.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("bench.json"))) as? [String: Any])
        let c = try #require((json["cases"] as? [[String: Any]])?.first)
        #expect((c["size"] as? [String: Int]) == ["genes": 300, "samples": 4, "cells": 1200])
        #expect((c["engine"] as? [String: Any])?["threads"] as? Int == 1)
        let timing = try #require(c["timing"] as? [String: [String: Any]])
        let labels = ["filterByExpr", "calcNormFactors", "voom", "lmFit", "contrasts.fit", "eBayes", "topTable", "decideTests"]
        for side in ["engine", "r"] {
            let steps = try #require(timing[side]?["step_s"] as? [String: [String: Any]], "\(side)")
            #expect(Set(steps.keys) == Set(labels), "\(side)")
            #expect(steps.values.allSatisfy { (($0["median"] as? Double) ?? -1) >= 0 }, "\(side)")
            let load = try #require((timing[side]?["load_s"] as? [String: Any])?["median"] as? Double)
            let pipe = try #require((timing[side]?["pipeline_s"] as? [String: Any])?["median"] as? Double)
            let e2e = try #require((timing[side]?["end_to_end_s"] as? [String: Any])?["median"] as? Double)
            #expect(load > 0 && Swift.abs(e2e - (load + pipe)) < 1e-9, "\(side)")
        }
        let ratios = try #require(c["ratio_r_over_engine"] as? [String: Double])
        #expect(ratios["end_to_end"] != nil && ratios["pipeline"] != nil)
        #expect(Set((c["step_ratio_r_over_engine"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(labels))
        let perCell = try #require(c["per_cell_ns"] as? [String: [String: Double]])
        #expect((perCell["engine"]?["pipeline"] ?? 0) > 0 && (perCell["r"]?["end_to_end"] ?? 0) > 0)
        let md = try String(contentsOf: out.appendingPathComponent("bench.md"), encoding: .utf8)
        #expect(md.contains("### Per cell") && md.contains("| synth-6 | 300 x 4 |"))
        #expect(md.contains("| synth-6 | voom |") && md.contains("| synth-6 | decideTests |"))
    }

    /// --r-reps: the engine runs every round, R only in the first ones.
    @Test(.enabled(if: CLI.rAvailable), .timeLimit(.minutes(3))) func rRunsOnlyItsRounds() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("syn")
        #expect(try CLI.run(["synth", "--seed", "8", "--genes", "200", "--out", data.path]).status == 0)
        let caseFile = data.appendingPathComponent("norm.json")
        try Data("""
            { "name": "synth-8-norm", "inputs": { "counts": "counts.csv", "targets": "targets.csv" },
              "design": "~0 + group", "steps": [ { "fn": "calcNormFactors" } ] }
            """.utf8).write(to: caseFile)
        let out = dir.appendingPathComponent("bench")
        let b = try CLI.run(["bench", caseFile.path, "--reps", "3", "--r-reps", "1", "--out", out.path])
        #expect(b.status == 0, "\(b.stdout)\n\(b.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("bench.json"))) as? [String: Any])
        let timing = try #require((json["cases"] as? [[String: Any]])?.first?["timing"] as? [String: [String: [String: Any]]])
        #expect((timing["engine"]?["pipeline_s"]?["values"] as? [Double])?.count == 3)
        #expect((timing["r"]?["pipeline_s"]?["values"] as? [Double])?.count == 1)
    }
}
