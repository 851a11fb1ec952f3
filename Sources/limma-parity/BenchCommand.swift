// `limma-parity bench` and `limma-parity synth`.
import ArgumentParser
import Foundation
import Limma
import LimmaParity

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the engine and R on the same cases (one BLAS thread each), and write bench.json and bench.md.",
        discussion: """
            Each of --reps rounds runs R (unless past --r-reps), then the engine, each in its \
            own process, and records the pipeline time each side reports, the reading time, \
            each step's time, the process's wall time, CPU time and peak resident memory. \
            The medians (with min and max), the ratio R / engine (also per step) and, with \
            the input's size, nanoseconds per cell go to <out>/bench.json and <out>/bench.md.

            Example:
              limma-parity bench reference/cases/gse60450-voom.json --reps 5 --out reports
            """)

    @OptionGroup var options: CommonOptions

    @Option(name: .long, help: "Rounds per case.")
    var reps: Int = 5

    @Option(name: .long, help: "Rounds in which R runs too (default: every round); the first N. For a large case: --reps 5 --r-reps 1.")
    var rReps: Int?

    @Option(name: .long, help: "Threads the engine may use (default: the active processor count). R always runs single-threaded.")
    var threads: Int?

    /// Set in the engine's child process: run the engine on the case once and print its timing.
    @Flag(name: .long, help: .hidden)
    var engineChild = false

    func validate() throws {
        if reps < 1 || reps > 1000 { throw ValidationError("--reps must be between 1 and 1000") }
        if let r = rReps, r < 1 || r > reps { throw ValidationError("--r-reps must be between 1 and --reps (\(reps))") }
        if let t = threads, t < 1 || t > 1024 { throw ValidationError("--threads must be between 1 and 1024") }
    }

    func run() throws {
        if engineChild {
            if let threads { LimmaThreads.set(threads) }
            do { for file in options.cases { print(try Bench.engineChild(file)) } } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                Foundation.exit(1)
            }
            return
        }
        var files: [String]
        do { files = try Harness.expand(options.cases) } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            Foundation.exit(2)
        }
        if let s = options.shard, let (k, n) = CommonOptions.parseShard(s) {
            files = Harness.shard(files, k: k, n: n)
            print("shard \(k)/\(n): \(files.count) case(s)")
        }
        if options.jobs > 1 { print("bench runs one case at a time (--jobs is ignored, so the timings do not compete)") }
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let bench = BenchOptions(reps: reps, rReps: rReps, engineCommand: [exe, "bench", "--engine-child"] + (threads.map { ["--threads", String($0)] } ?? []), rscript: options.rscript, timeout: options.timeout)
        var results: [CaseBench] = []
        for f in files {
            let r = Bench.runCase(f, options: bench)
            if let e = r.error {
                print("ERROR \(r.caseName)")
                FileHandle.standardError.write(Data("\(e)\n".utf8))
            } else {
                let fmt = { (x: Double?) in x.map { String(format: "%.3g", $0) } ?? "?" }
                print("BENCH \(r.caseName): engine \(fmt(r.enginePipeline?.median)) s, R \(fmt(r.rPipeline?.median)) s (pipeline medians of \(reps)); R/engine \(fmt(r.pipelineRatio))x")
            }
            results.append(r)
        }
        let dir = URL(fileURLWithPath: options.out)
        do { try Bench.write(results, reps: reps, to: dir) } catch {
            FileHandle.standardError.write(Data("cannot write bench.json/bench.md: \(error)\n".utf8))
            Foundation.exit(2)
        }
        print("bench: \(dir.appendingPathComponent("bench.md").path)")
        Foundation.exit(Bench.exitStatus(results))
    }
}

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write deterministic synthetic RNA-seq counts, targets, the true fold changes and a case file for a seed.",
        discussion: """
            Negative-binomial counts (gene-wise dispersions, a fraction of genes \
            differentially expressed in each group after A); the same seed and options give \
            the same bytes. Writes counts.csv, targets.csv, truth.csv and <name>.json into \
            --out.

            Example:
              limma-parity synth --seed 7 --genes 20000 --out /tmp/synth7
              limma-parity run /tmp/synth7
            """)

    @Option(name: .long, help: "The random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Number of genes.")
    var genes: Int = 10_000

    @Option(name: .long, help: "Number of groups (A, B, ...).")
    var groups: Int = 2

    @Option(name: .long, help: "Samples per group.")
    var replicates: Int = 3

    @Option(name: .long, help: "Fraction of genes differentially expressed in each group after A.")
    var deFraction: Double = 0.1

    @Option(name: .long, help: "Mean library size.")
    var libSize: Double = 2e7

    @Option(name: .long, help: "Case name (default synth-<seed>).")
    var name: String?

    @Option(name: .long, help: "Directory to write into (default synth-<seed>).")
    var out: String?

    func run() throws {
        let o = SynthOptions(seed: seed, genes: genes, groups: groups, replicates: replicates, deFraction: deFraction,
                             libSize: libSize, name: name)
        do {
            let file = try Synth.write(o, to: URL(fileURLWithPath: out ?? o.caseName))
            print(file.path)
        } catch let e as SynthError {
            FileHandle.standardError.write(Data("synth: \(e.message)\n".utf8))
            Foundation.exit(2)
        }
    }
}
