// `limma-parity bench`: times the engine and R on the same case, each as its
// own child process (so each side's peak resident memory is its own, from
// wait4's rusage), alternating R and the engine for --reps rounds, with
// single-threaded BLAS on both sides. Writes bench.json and bench.md.
import Foundation
import Limma

/// What one finished child process used.
public struct ProcessUsage: Sendable {
    public var status: Int32
    public var timedOut: Bool
    /// From start to exit, measured by this process.
    public var wallSeconds: Double
    public var userSeconds: Double
    public var systemSeconds: Double
    /// Peak resident set size in KiB: the largest VmHWM read from
    /// /proc/<pid>/status while the child ran (nil when it ended before a read).
    /// It is the child's own: wait4's `ru_maxrss` is not, since Linux folds in
    /// the parent's high-water mark at fork/exec; that value is `rusageMaxRSSKiB`,
    /// an upper bound.
    public var peakRSSKiB: Int?
    public var rusageMaxRSSKiB: Int
    public var stdout: String
    public var stderr: String
}

public struct ChildProcessError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

public enum ChildProcess {
    /// Runs `executable` with `arguments` and `environment` (added to this
    /// process's), stdout and stderr to files in `work`, and waits at most
    /// `timeout` seconds (then SIGTERM, and SIGKILL 5 s later). Its usage comes
    /// from `wait4`, so it is this child's alone.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           work: URL, timeout: Double) throws -> ProcessUsage {
        let fm = FileManager.default
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        let outPath = work.appendingPathComponent("stdout.txt").path, errPath = work.appendingPathComponent("stderr.txt").path
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv { free(p) }; for p in envp { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard rc == 0 else { throw ChildProcessError(description: "cannot start \(executable): \(String(cString: strerror(rc)))") }
        // wait4 blocks on its own thread, so the exit time is exact and the
        // caller can enforce the time limit.
        let box = WaitBox()
        let done = DispatchSemaphore(value: 0)
        let child = pid
        Thread.detachNewThread {
            var status: Int32 = 0
            var usage = rusage()
            var r: pid_t
            repeat { r = wait4(child, &status, 0, &usage) } while r == -1 && errno == EINTR
            box.set(status: status, usage: usage, end: DispatchTime.now().uptimeNanoseconds)
            done.signal()
        }
        // While it runs, read its own high-water mark every few milliseconds.
        var peak: Int? = nil
        var timedOut = false
        let deadline = DispatchTime.now() + timeout
        while done.wait(timeout: .now() + .milliseconds(5)) == .timedOut {
            if let hwm = vmHWM(pid) { peak = Swift.max(peak ?? 0, hwm) }
            if DispatchTime.now() >= deadline {
                timedOut = true
                kill(pid, SIGTERM)
                if done.wait(timeout: .now() + 5) == .timedOut {
                    kill(pid, SIGKILL)
                    done.wait()
                }
                break
            }
        }
        let (status, usage, end) = box.get()
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
        let exited = status & 0x7f == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessUsage(status: timedOut ? -1 : code, timedOut: timedOut, wallSeconds: Double(end - start) / 1e9,
                            userSeconds: seconds(usage.ru_utime), systemSeconds: seconds(usage.ru_stime),
                            peakRSSKiB: peak, rusageMaxRSSKiB: Int(usage.ru_maxrss),
                            stdout: String(decoding: fm.contents(atPath: outPath) ?? Data(), as: UTF8.self),
                            stderr: String(decoding: fm.contents(atPath: errPath) ?? Data(), as: UTF8.self))
    }
}

/// A process's peak resident set size in KiB (VmHWM in /proc/<pid>/status), or nil.
public func vmHWM(_ pid: pid_t? = nil) -> Int? {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
    return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
}

/// The process's CPU time (all threads) and minor page faults so far
/// (`getrusage(RUSAGE_SELF)`), for per-step profiling.
struct SelfUsage {
    var userSeconds: Double
    var systemSeconds: Double
    var minorFaults: Int

    static func now() -> SelfUsage {
        var u = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
        return SelfUsage(userSeconds: Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6,
                            systemSeconds: Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6,
                            minorFaults: u.ru_minflt)
    }

    /// `"<wall> ms, cpu <user> user + <sys> sys ms, <n> minor faults"` for a span of
    /// `wallSeconds` whose usage this is (the LIMMA_PARITY_STEP_TIMES lines).
    func line(wallSeconds: Double) -> String {
        String(format: "%.2f ms, cpu %.1f user + %.1f sys ms, %d minor faults",
               wallSeconds * 1000, userSeconds * 1000, systemSeconds * 1000, minorFaults)
    }

    static func - (a: SelfUsage, b: SelfUsage) -> SelfUsage {
        SelfUsage(userSeconds: a.userSeconds - b.userSeconds, systemSeconds: a.systemSeconds - b.systemSeconds,
                     minorFaults: a.minorFaults - b.minorFaults)
    }
}

/// The waiting thread's result, handed to the caller.
private final class WaitBox: @unchecked Sendable {
    private let lock = NSLock()
    private var status: Int32 = 0
    private var usage = rusage()
    private var end: UInt64 = 0
    func set(status: Int32, usage: rusage, end: UInt64) {
        lock.lock(); self.status = status; self.usage = usage; self.end = end; lock.unlock()
    }
    func get() -> (Int32, rusage, UInt64) { lock.lock(); defer { lock.unlock() }; return (status, usage, end) }
}

/// One timed run of one side.
public struct BenchSample: Sendable, Equatable {
    /// The pipeline after the inputs are loaded, as the side reports it.
    public var pipelineSeconds: Double?
    /// The whole process, start to exit (R: including R's start and loading limma/edgeR).
    public var processSeconds: Double
    public var cpuSeconds: Double
    /// The process's own peak resident memory (nil when not measured).
    public var peakRSSMiB: Double?
    /// Reading the inputs and building the design and contrasts, before the
    /// pipeline starts, as the side reports it.
    public var loadSeconds: Double?
    /// Each step's wall seconds, as the side reports it, in pipeline order.
    public var stepSeconds: [StepTime]

    public init(pipelineSeconds: Double?, processSeconds: Double, cpuSeconds: Double, peakRSSMiB: Double?,
                loadSeconds: Double? = nil, stepSeconds: [StepTime] = []) {
        self.pipelineSeconds = pipelineSeconds
        self.processSeconds = processSeconds
        self.cpuSeconds = cpuSeconds
        self.peakRSSMiB = peakRSSMiB
        self.loadSeconds = loadSeconds
        self.stepSeconds = stepSeconds
    }

    /// End to end: reading the inputs plus the pipeline (load + pipeline);
    /// nil unless the side reported both.
    public var endToEndSeconds: Double? {
        guard let l = loadSeconds, let p = pipelineSeconds else { return nil }
        return l + p
    }

    /// The seconds of step `label` (nil when this run did not report it).
    public func seconds(ofStep label: String) -> Double? { stepSeconds.first { $0.step == label }?.seconds }
}

/// Median, minimum and maximum of a measurement over the reps.
public struct BenchStat: Sendable, Equatable {
    public var median: Double
    public var min: Double
    public var max: Double
    public var values: [Double]

    public init?(_ values: [Double]) {
        let v = values.filter(\.isFinite)
        guard let lo = v.min(), let hi = v.max() else { return nil }
        self.values = values
        median = RBase.median(v)
        min = lo
        max = hi
    }

    var json: OrderedJSON {
        .object([("median", .double(median)), ("min", .double(min)), ("max", .double(max)), ("values", .array(values.map { .double($0) }))])
    }
}

/// The timings of one case.
public struct CaseBench: Sendable {
    public var caseName: String
    public var title: String?
    public var engine: [BenchSample]
    public var r: [BenchSample]
    /// R's versions ("R", "limma", "edgeR", "platform") and the engine's ("version").
    public var rVersions: [String: String]
    public var engineVersions: [String: String]
    /// Set when the case could not be timed; `status` is then the contract's exit status.
    public var error: String?
    public var status: Int32
    /// The input matrix's size (features x samples, before any filtering),
    /// as the engine child read it; nil when unknown.
    public var genes: Int?
    public var samples: Int?
    /// The threads the engine child used.
    public var engineThreads: Int?

    public init(caseName: String, title: String? = nil, engine: [BenchSample] = [], r: [BenchSample] = [],
                rVersions: [String: String] = [:], engineVersions: [String: String] = [:], error: String? = nil, status: Int32 = 0,
                genes: Int? = nil, samples: Int? = nil, engineThreads: Int? = nil) {
        self.caseName = caseName
        self.title = title
        self.engine = engine
        self.r = r
        self.rVersions = rVersions
        self.engineVersions = engineVersions
        self.error = error
        self.status = status
        self.genes = genes
        self.samples = samples
        self.engineThreads = engineThreads
    }

    /// Cells of the input matrix (genes x samples), when known.
    public var cells: Int? {
        guard let g = genes, let n = samples, g > 0, n > 0 else { return nil }
        return g * n
    }

    /// Nanoseconds per input cell of a median time in seconds.
    public func nanosecondsPerCell(_ s: BenchStat?) -> Double? {
        guard let s, let cells else { return nil }
        return s.median * 1e9 / Double(cells)
    }

    /// The step labels either side reported, in pipeline order (the engine's
    /// order, then any only R reported).
    public var stepLabels: [String] {
        var out = [String]()
        for sample in engine + r { for t in sample.stepSeconds where !out.contains(t.step) { out.append(t.step) } }
        return out
    }
    public func stepStat(_ side: [BenchSample], _ label: String) -> BenchStat? { stat(side) { $0.seconds(ofStep: label) } }
    public func stepRatio(_ label: String) -> Double? { CaseBench.ratio(stepStat(r, label), stepStat(engine, label)) }

    public func stat(_ side: [BenchSample], _ value: (BenchSample) -> Double?) -> BenchStat? {
        BenchStat(side.map { value($0) ?? .nan })
    }
    public var enginePipeline: BenchStat? { stat(engine) { $0.pipelineSeconds } }
    public var rPipeline: BenchStat? { stat(r) { $0.pipelineSeconds } }
    public var engineProcess: BenchStat? { stat(engine) { $0.processSeconds } }
    public var rProcess: BenchStat? { stat(r) { $0.processSeconds } }
    public var engineRSS: BenchStat? { stat(engine) { $0.peakRSSMiB } }
    public var rRSS: BenchStat? { stat(r) { $0.peakRSSMiB } }
    public var engineEndToEnd: BenchStat? { stat(engine) { $0.endToEndSeconds } }
    public var rEndToEnd: BenchStat? { stat(r) { $0.endToEndSeconds } }

    /// R's median over the engine's median (how many times faster the engine is).
    public static func ratio(_ r: BenchStat?, _ e: BenchStat?) -> Double? {
        guard let r, let e, e.median > 0 else { return nil }
        return r.median / e.median
    }
    public var pipelineRatio: Double? { CaseBench.ratio(rPipeline, enginePipeline) }
    public var processRatio: Double? { CaseBench.ratio(rProcess, engineProcess) }
    public var endToEndRatio: Double? { CaseBench.ratio(rEndToEnd, engineEndToEnd) }
}

public struct BenchOptions: Sendable {
    public var reps: Int = 5
    /// Rounds in which R runs too (the first `rReps` of the `reps`); nil: every
    /// round. A large case can time the engine often and R once.
    public var rReps: Int?
    /// The command that runs the engine on one case in a child process and
    /// prints its timing as JSON (the case file is appended).
    public var engineCommand: [String]
    public var rscript: String?
    public var timeout: Double = 1800

    public init(reps: Int = 5, rReps: Int? = nil, engineCommand: [String], rscript: String? = nil, timeout: Double = 1800) {
        self.reps = reps
        self.rReps = rReps
        self.engineCommand = engineCommand
        self.rscript = rscript
        self.timeout = timeout
    }
}

public enum Bench {
    /// Both sides run with one BLAS/OpenMP thread, so the comparison is like for like.
    public static let singleThreaded: [String: String] = [
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "GOTO_NUM_THREADS": "1",
        "VECLIB_MAXIMUM_THREADS": "1",
    ]

    // MARK: reports

    static func machine() -> OrderedJSON {
        var kv: [(String, OrderedJSON)] = [("cpus", .int(ProcessInfo.processInfo.activeProcessorCount))]
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
           let colon = line.firstIndex(of: ":") {
            kv.append(("cpu", .string(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))))
        }
        kv.append(("os", .string(ProcessInfo.processInfo.operatingSystemVersionString)))
        kv.append(("engine_kernels", .string(EngineKernels.active)))
        kv.append(("allocator", .string(AllocatorPolicy.describe())))
        kv.append(("memory_gib", .double((Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10)))
        return .object(kv)
    }

    static func side(_ samples: [BenchSample], _ c: CaseBench) -> OrderedJSON {
        var kv: [(String, OrderedJSON)] = []
        if let s = c.stat(samples, { $0.pipelineSeconds }) { kv.append(("pipeline_s", s.json)) }
        if let s = c.stat(samples, { $0.processSeconds }) { kv.append(("process_s", s.json)) }
        if let s = c.stat(samples, { $0.cpuSeconds }) { kv.append(("cpu_s", s.json)) }
        if let s = c.stat(samples, { $0.peakRSSMiB }) { kv.append(("peak_rss_mib", s.json)) }
        if let s = c.stat(samples, { $0.loadSeconds }) { kv.append(("load_s", s.json)) }
        if let s = c.stat(samples, { $0.endToEndSeconds }) { kv.append(("end_to_end_s", s.json)) }
        let steps = c.stepLabels.compactMap { label in c.stepStat(samples, label).map { (label, $0.json) } }
        if !steps.isEmpty { kv.append(("step_s", .object(steps))) }
        return .object(kv)
    }

    /// Nanoseconds per input cell (median time / (genes x samples)) of the
    /// pipeline and of end to end, per side.
    static func perCell(_ c: CaseBench) -> OrderedJSON {
        func side(_ p: BenchStat?, _ e: BenchStat?) -> OrderedJSON {
            .object([("pipeline", .double(c.nanosecondsPerCell(p))), ("end_to_end", .double(c.nanosecondsPerCell(e)))])
        }
        return .object([("engine", side(c.enginePipeline, c.engineEndToEnd)), ("r", side(c.rPipeline, c.rEndToEnd))])
    }

    /// bench.json: every case's timings, the machine and the thread settings.
    public static func renderJSON(_ cases: [CaseBench], reps: Int, date: Date = Date()) -> String {
        let iso = ISO8601DateFormatter()
        let doc = OrderedJSON.object([
            ("reps", .int(reps)),
            ("date", .string(iso.string(from: date))),
            ("machine", machine()),
            ("environment", .object(singleThreaded.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("cases", .array(cases.map { c in
                var kv: [(String, OrderedJSON)] = [("case", .string(c.caseName))]
                if let t = c.title { kv.append(("title", .string(t))) }
                kv.append(("r", ReportJSON.versions(c.rVersions.reduce(into: [:]) { $0[$1.key == "R" ? "version" : $1.key] = $1.value })))
                var engine = ReportJSON.versions(c.engineVersions)
                if case let .object(e) = engine, let t = c.engineThreads { engine = .object(e + [("threads", .int(t))]) }
                kv.append(("engine", engine))
                if let g = c.genes, let n = c.samples, let cells = c.cells {
                    kv.append(("size", .object([("genes", .int(g)), ("samples", .int(n)), ("cells", .int(cells))])))
                }
                kv.append(("timing", .object([("engine", side(c.engine, c)), ("r", side(c.r, c))])))
                var ratios: [(String, OrderedJSON)] = [("pipeline", .double(c.pipelineRatio)), ("process", .double(c.processRatio))]
                if let e = c.endToEndRatio { ratios.append(("end_to_end", .double(e))) }
                kv.append(("ratio_r_over_engine", .object(ratios)))
                let steps = c.stepLabels.map { ($0, OrderedJSON.double(c.stepRatio($0))) }
                if !steps.isEmpty { kv.append(("step_ratio_r_over_engine", .object(steps))) }
                if c.cells != nil { kv.append(("per_cell_ns", perCell(c))) }
                if let e = c.error { kv.append(("error", .string(e))); kv.append(("status", .int(Int(c.status)))) }
                return .object(kv)
            })),
        ])
        return doc.serialized() + "\n"
    }

    /// bench.md: one table, a row per case (medians, with min–max).
    public static func renderMarkdown(_ cases: [CaseBench], reps: Int) -> String {
        func cell(_ s: BenchStat?, _ unit: String) -> String {
            guard let s else { return "—" }
            return "\(num(s.median))\(unit) (\(num(s.min))–\(num(s.max)))"
        }
        func num(_ x: Double) -> String { x < 10 ? String(format: "%.3g", x) : String(format: "%.0f", x) }
        let cpus = ProcessInfo.processInfo.activeProcessorCount
        var out = "## limma-parity bench\n\n"
        out += "Median of \(reps) runs (min–max), R and the engine alternating, each in its own process, one BLAS thread "
        out += "(OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1); \(cpus) CPUs. *Pipeline*: after the inputs are loaded, as each side times it; "
        out += "*process*: start to exit, reading the inputs and writing every output as lossless CSV (R's includes starting R "
        out += "and loading limma and edgeR). Ratio: R / engine.\n\n"
        out += "| case | engine pipeline s | R pipeline s | ratio | engine process s | R process s | ratio | engine peak RSS MiB | R peak RSS MiB |\n"
        out += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
        for c in cases {
            if let e = c.error {
                out += "| \(ReportMarkdown.escape(c.caseName)) | **error** (exit \(c.status)): \(ReportMarkdown.escape(String(e.prefix(300)))) | | | | | | | |\n"
                continue
            }
            out += "| \(ReportMarkdown.escape(c.caseName)) | \(cell(c.enginePipeline, "")) | \(cell(c.rPipeline, "")) | "
            out += "\(c.pipelineRatio.map { String(format: "%.1f×", $0) } ?? "—") | \(cell(c.engineProcess, "")) | \(cell(c.rProcess, "")) | "
            out += "\(c.processRatio.map { String(format: "%.1f×", $0) } ?? "—") | \(cell(c.engineRSS, "")) | \(cell(c.rRSS, "")) |\n"
        }
        let timed = cases.filter { $0.error == nil }
        let sized = timed.filter { $0.cells != nil }
        if !sized.isEmpty {
            out += "\n### Per cell\n\nNanoseconds per input cell (genes x samples, before filtering) of the median times. "
            out += "*End to end*: reading the inputs plus the pipeline, as each side times it.\n\n"
            out += "| case | genes x samples | engine pipeline ns/cell | engine end to end ns/cell | R pipeline ns/cell | R end to end ns/cell | end-to-end ratio |\n"
            out += "| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n"
            for c in sized {
                let ns = { (s: BenchStat?) in c.nanosecondsPerCell(s).map { $0 >= 100 ? String(format: "%.0f", $0) : String(format: "%.3g", $0) } ?? "—" }
                out += "| \(ReportMarkdown.escape(c.caseName)) | \(c.genes ?? 0) x \(c.samples ?? 0) | \(ns(c.enginePipeline)) | \(ns(c.engineEndToEnd)) | "
                out += "\(ns(c.rPipeline)) | \(ns(c.rEndToEnd)) | \(c.endToEndRatio.map { String(format: "%.1f×", $0) } ?? "—") |\n"
            }
        }
        let stepped = timed.filter { !$0.stepLabels.isEmpty }
        if !stepped.isEmpty {
            out += "\n### Per step\n\nMedian wall seconds of each step (min–max), as each side times it, and R / engine.\n\n"
            out += "| case | step | engine s | R s | ratio |\n| --- | --- | ---: | ---: | ---: |\n"
            for c in stepped {
                for label in c.stepLabels {
                    out += "| \(ReportMarkdown.escape(c.caseName)) | \(ReportMarkdown.escape(label)) | \(cell(c.stepStat(c.engine, label), "")) | "
                    out += "\(cell(c.stepStat(c.r, label), "")) | \(c.stepRatio(label).map { String(format: "%.1f×", $0) } ?? "—") |\n"
                }
            }
        }
        if let v = cases.first(where: { !$0.rVersions.isEmpty }) {
            out += "\nR \(v.rVersions["R"] ?? "?"), limma \(v.rVersions["limma"] ?? "?"), edgeR \(v.rVersions["edgeR"] ?? "?")"
            if let blas = v.rVersions["blas"] { out += ", BLAS \(blas)" }
            if let lapack = v.rVersions["lapack"] { out += ", LAPACK \(lapack)" }
            out += "; engine \(v.engineVersions["version"] ?? "?")"
            if let t = cases.compactMap(\.engineThreads).first { out += ", \(t) engine thread\(t == 1 ? "" : "s")" }
            out += ", \(EngineKernels.active) kernels, allocator \(AllocatorPolicy.describe())"
            out += ".\n"
        }
        return out
    }

    /// Writes bench.json and bench.md into `out`.
    public static func write(_ cases: [CaseBench], reps: Int, to out: URL) throws {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data(renderJSON(cases, reps: reps).utf8).write(to: out.appendingPathComponent("bench.json"), options: .atomic)
        try Data(renderMarkdown(cases, reps: reps).utf8).write(to: out.appendingPathComponent("bench.md"), options: .atomic)
    }

    /// The run's exit status: the most serious of the cases'.
    public static func exitStatus(_ cases: [CaseBench]) -> Int32 { cases.map(\.status).max() ?? 0 }
}
