// The harness as the CLI drives it: expands CASE arguments into case files,
// slices them for --shard, runs them --jobs at a time, and turns each case's
// outcome into the contract's exit status (0 within tolerance, 1 a statistic
// out of tolerance, 2 bad input or spec, 3 R or limma missing/failed/timed out).
import Foundation
import Limma

public enum HarnessCommand: String, Sendable, CaseIterable {
    case run, check, refresh, engine
}

public struct HarnessOptions: Sendable {
    /// Where reports go (`reports/` by default).
    public var out: URL
    /// Rscript path or name (nil: `Rscript` on PATH).
    public var rscript: String?
    public var jobs: Int = 1
    /// Seconds R may take per case.
    public var timeout: Double = 1800
    /// The stored-reference directory (nil: `<case dir>/../r`).
    public var referenceRoot: URL?

    public init(out: URL, rscript: String? = nil, jobs: Int = 1, timeout: Double = 1800, referenceRoot: URL? = nil) {
        self.out = out
        self.rscript = rscript
        self.jobs = jobs
        self.timeout = timeout
        self.referenceRoot = referenceRoot
    }
}

/// What happened to one case.
public struct CaseOutcome: Sendable {
    public var file: String
    public var name: String
    /// The contract's exit status for this case alone.
    public var status: Int32
    /// One line for the console.
    public var summary: String
    /// The error or failure detail (printed to stderr), if any.
    public var detail: String?
    public var comparison: CaseComparison?
}

public enum Harness {
    /// Expands files and directories (every `*.json` directly in a directory)
    /// into case files, sorted and without repeats. A missing path is an error.
    public static func expand(_ paths: [String]) throws -> [String] {
        var out = [String]()
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { throw CaseError(p, "", "no such case file or directory") }
            if isDir.boolValue {
                let names = try fm.contentsOfDirectory(atPath: p).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
                if names.isEmpty { throw CaseError(p, "", "directory holds no case files (*.json)") }
                out += names.map { p.hasSuffix("/") ? p + $0 : p + "/" + $0 }
            } else {
                out.append(p)
            }
        }
        var seen = Set<String>()
        return out.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
    }

    /// The K-th (1-based) of N deterministic slices: cases sorted by file name,
    /// then every N-th starting at K.
    public static func shard(_ cases: [String], k: Int, n: Int) -> [String] {
        let sorted = cases.sorted {
            let a = URL(fileURLWithPath: $0).lastPathComponent, b = URL(fileURLWithPath: $1).lastPathComponent
            return a != b ? a < b : $0 < $1
        }
        return sorted.enumerated().filter { $0.offset % n == k - 1 }.map(\.element)
    }

    /// The run's exit status: the most serious of the cases' (3 > 2 > 1 > 0).
    public static func exitStatus(_ outcomes: [CaseOutcome]) -> Int32 {
        outcomes.map(\.status).max() ?? 0
    }

    /// Runs `command` on every case, `options.jobs` at a time; outcomes in case order.
    public static func runAll(_ command: HarnessCommand, cases: [String], options: HarnessOptions,
                              progress: (@Sendable (CaseOutcome) -> Void)? = nil) -> [CaseOutcome] {
        let box = OutcomeBox(count: cases.count)
        let jobs = max(1, min(options.jobs, cases.count))
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while let i = box.next() {
                let o = runCase(command, file: cases[i], options: options)
                box.set(i, o)
                progress?(o)
            }
        }
        return box.results()
    }

    /// Runs one case; never throws: every failure becomes an outcome with its status.
    public static func runCase(_ command: HarnessCommand, file: String, options: HarnessOptions) -> CaseOutcome {
        var name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        do {
            let t0 = Date()
            let c = try ParityCase.load(file)
            name = c.name
            let data = try CaseData.load(c)
            let loadSeconds = Date().timeIntervalSince(t0)
            let store = ReferenceStore(root: options.referenceRoot ?? ReferenceStore.defaultRoot(for: c))
            switch command {
            case .refresh:
                let runner = try makeRunner(options)
                let r = try store.refresh(c, runner: runner)
                return CaseOutcome(file: file, name: name, status: 0,
                                   summary: "REFRESHED \(name): \(r.tables.count) statistics from R \(r.versions["R"] ?? "?"), limma \(r.versions["limma"] ?? "?") -> \(store.directory(for: c).path)")
            case .engine:
                let e = try runEngine(c, data: consume data, limma: c.limma ?? .v3_54, loadSeconds: loadSeconds)
                let dir = options.out.appendingPathComponent(c.name)
                try writeSide(e, to: dir)
                return CaseOutcome(file: file, name: name, status: 0,
                                   summary: "ENGINE \(name): \(e.tables.count) statistics in \(fmt(e.pipelineSeconds)) s -> \(dir.appendingPathComponent("engine").path)")
            case .run, .check:
                let runner = command == .run ? try makeRunner(options) : nil
                let stored = command == .check ? try store.load(c).outputs : nil
                try EngineRunner.checkSupported(c)
                let r: SideOutputs
                if let stored {
                    r = stored
                } else if let runner {
                    let rdir = FileManager.default.temporaryDirectory.appendingPathComponent("limma-parity-r-\(UUID().uuidString)")
                    defer { try? FileManager.default.removeItem(at: rdir) }
                    r = try runner.run(c, outDir: rdir)
                } else {
                    throw RFailure("no R runner")
                }
                var engine: SideOutputs
                let limma = try c.limma ?? defaults(of: r, file: c.file)
                do { engine = try runEngine(c, data: consume data, limma: limma, loadSeconds: loadSeconds) } catch let f as EngineFailure {
                    let dir = options.out.appendingPathComponent(c.name)
                    try writeSide(r, to: dir)
                    let cmp = CaseComparison.failed(caseName: c.name, title: c.title, error: f.description)
                    try writeReports(cmp, engine: nil, r: r, to: dir)
                    return CaseOutcome(file: file, name: name, status: 1, summary: "FAIL \(name): \(f)", detail: f.description, comparison: cmp)
                }
                if command == .check {
                    // A reference may hold only some statistics (an imported one): compare those.
                    let keys = Set(r.tables.map(\.key))
                    engine.tables = engine.tables.filter { keys.contains($0.key) }
                }
                return try judge(c, engine: engine, r: r, options: options, file: file)
            }
        } catch let e as CaseError {
            return CaseOutcome(file: file, name: name, status: 2, summary: "ERROR \(name): bad input or spec", detail: e.description)
        } catch let e as EngineUnsupported {
            return CaseOutcome(file: file, name: name, status: 2, summary: "ERROR \(name): step not supported by the engine", detail: e.description)
        } catch let e as RFailure {
            return CaseOutcome(file: file, name: name, status: 3, summary: "ERROR \(name): R failed", detail: e.description)
        } catch let e as EngineFailure {
            return CaseOutcome(file: file, name: name, status: 1, summary: "FAIL \(name): \(e)", detail: e.description)
        } catch {
            return CaseOutcome(file: file, name: name, status: 2, summary: "ERROR \(name)", detail: "\(file): \(error)")
        }
    }

    static func makeRunner(_ options: HarnessOptions) throws -> RRunner {
        RRunner(rscript: try RRunner.locateRscript(options.rscript), script: try RRunner.locateScript(), timeout: options.timeout)
    }

    /// The limma release whose defaults R followed (R's runner records it; a
    /// stored reference's manifest does): 3.54, or 3.66 for limma >= 3.66.
    static func defaults(of r: SideOutputs, file: String) throws -> LimmaVersion {
        let text = r.versions["limma_defaults"] ?? r.versions["limma"] ?? ""
        let parts = text.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2 else { throw RFailure("R reported no limma version") }
        let minor = parts[0] * 1000 + parts[1]
        if minor <= 3055 { return .v3_54 }
        if minor >= 3066 { return .v3_66 }
        throw RFailure("R has limma \(text): the engine follows the defaults of limma 3.54 or 3.66; set \"limma\" in \(file)")
    }

    /// Runs the engine on a loaded case. `limma` nil: the case's release, else 3.54.
    /// Runs the engine on `c`; the inputs are handed over (see `EngineRunner.run`).
    static func runEngine(_ c: ParityCase, data: consuming CaseData, limma: LimmaVersion? = nil, loadSeconds: Double) throws -> SideOutputs {
        do { return try EngineRunner.run(c, data: consume data, limma: limma ?? c.limma ?? .v3_54, loadSeconds: loadSeconds) } catch let e as LimmaError {
            throw EngineFailure(step: e.function, message: e.message)
        }
    }

    static func fmt(_ s: Double?) -> String {
        guard let s else { return "?" }
        return String(format: s < 0.1 ? "%.4f" : "%.2f", s)
    }
}

/// Results filled in by concurrent workers.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [CaseOutcome?]
    private var nextIndex = 0
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard nextIndex < items.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
    func set(_ i: Int, _ o: CaseOutcome) { lock.lock(); items[i] = o; lock.unlock() }
    func results() -> [CaseOutcome] { lock.lock(); defer { lock.unlock() }; return items.compactMap { $0 } }
}
