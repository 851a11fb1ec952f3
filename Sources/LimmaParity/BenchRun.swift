// `limma-parity bench`, the runs: R and the engine child, alternating.
import Foundation
import Limma

extension Bench {
    /// How the bench tells its engine child which limma release's defaults R followed.
    static let engineLimmaVariable = "LIMMA_PARITY_BENCH_LIMMA"

    /// Times one case: `reps` rounds of R then the engine. Never throws: a
    /// failure is recorded in the result with the contract's exit status.
    public static func runCase(_ file: String, options: BenchOptions) -> CaseBench {
        var result = CaseBench(caseName: URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent)
        do {
            let c = try ParityCase.load(file)
            result.caseName = c.name
            result.title = c.title
            _ = try CaseData.load(c)
            try EngineRunner.checkSupported(c)
            let rscript = try RRunner.locateRscript(options.rscript)
            let script = try RRunner.locateScript()
            let fm = FileManager.default
            let work = fm.temporaryDirectory.appendingPathComponent("limma-parity-bench-\(UUID().uuidString)")
            try fm.createDirectory(at: work, withIntermediateDirectories: true)
            defer { try? fm.removeItem(at: work) }
            let caseJSON = work.appendingPathComponent("case.json")
            try Data((JSON.write(RRunner.caseJSON(c)) + "\n").utf8).write(to: caseJSON)
            let rReps = Swift.max(1, Swift.min(options.rReps ?? options.reps, options.reps))
            var rSide: SideOutputs?
            for rep in 1...Swift.max(1, options.reps) {
                // R, in its own process (in the first rReps rounds).
                if rep <= rReps {
                    let rOut = work.appendingPathComponent("r\(rep)")
                    let ru = try ChildProcess.run(rscript, ["--vanilla", script, caseJSON.path, rOut.path], environment: singleThreaded,
                                                  work: work.appendingPathComponent("r\(rep)-io"), timeout: options.timeout)
                    if ru.timedOut { throw RFailure("R timed out after \(Int(options.timeout)) s running case \(c.name)", stderr: ru.stderr) }
                    if ru.status == 65 { throw CaseError(c.file, "R", "refused by R's grammar check: " + ru.stderr.trimmingCharacters(in: .whitespacesAndNewlines)) }
                    if ru.status != 0 { throw RFailure("R failed (exit status \(ru.status)) running case \(c.name)", stderr: ru.stderr) }
                    // Only versions.json: the statistics are not needed to time R.
                    let side = try SideFiles.readVersions(from: rOut, side: "r")
                    guard side.pipelineSeconds != nil else { throw RFailure("R wrote no versions.json timing for case \(c.name)", stderr: ru.stderr) }
                    rSide = side
                    result.rVersions = side.versions
                    result.r.append(BenchSample(pipelineSeconds: side.pipelineSeconds, processSeconds: ru.wallSeconds,
                                                cpuSeconds: ru.userSeconds + ru.systemSeconds, peakRSSMiB: ru.peakRSSKiB.map { Double($0) / 1024 },
                                                loadSeconds: side.loadSeconds, stepSeconds: side.stepSeconds))
                    try? fm.removeItem(at: rOut)
                }
                guard let side = rSide else { throw RFailure("R did not run for case \(c.name)") }
                // The engine, in its own process.
                guard let exe = options.engineCommand.first else { throw ChildProcessError(description: "no engine command") }
                // The engine follows the defaults of the limma release R ran (or the case's).
                let limma = try c.limma ?? Harness.defaults(of: side, file: c.file)
                let eu = try ChildProcess.run(exe, Array(options.engineCommand.dropFirst()) + [file],
                                              environment: singleThreaded.merging([engineLimmaVariable: limma.rawValue]) { $1 },
                                              work: work.appendingPathComponent("e\(rep)-io"), timeout: options.timeout)
                if eu.timedOut { throw EngineFailure(step: "bench", message: "timed out after \(Int(options.timeout)) s") }
                guard eu.status == 0, let line = eu.stdout.split(separator: "\n").last,
                      let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    throw EngineFailure(step: "bench", message: "engine child failed (exit status \(eu.status)): \(eu.stderr.suffix(2000))")
                }
                result.engineVersions = ["version": obj["version"] as? String ?? EngineRunner.version]
                result.genes = obj["genes"] as? Int
                result.samples = obj["samples"] as? Int
                result.engineThreads = obj["threads"] as? Int
                // The engine reports its own high-water mark as it finishes (exact); else the polled one.
                let peak = (obj["peak_rss_kib"] as? Int) ?? eu.peakRSSKiB
                // step_s: [[label, seconds], ...] in step order (a JSON object would lose the order here).
                let steps = (obj["step_s"] as? [[Any]] ?? []).compactMap { pair -> StepTime? in
                    guard pair.count == 2, let label = pair[0] as? String, let t = pair[1] as? Double else { return nil }
                    return StepTime(step: label, seconds: t)
                }
                result.engine.append(BenchSample(pipelineSeconds: obj["pipeline_s"] as? Double, processSeconds: eu.wallSeconds,
                                                 cpuSeconds: eu.userSeconds + eu.systemSeconds, peakRSSMiB: peak.map { Double($0) / 1024 },
                                                 loadSeconds: obj["load_s"] as? Double, stepSeconds: steps))
            }
        } catch let e as CaseError {
            result.error = e.description; result.status = 2
        } catch let e as EngineUnsupported {
            result.error = e.description; result.status = 2
        } catch let e as RFailure {
            result.error = e.description; result.status = 3
        } catch let e as EngineFailure {
            result.error = e.description; result.status = 1
        } catch {
            result.error = "\(file): \(error)"; result.status = 2
        }
        return result
    }

    /// What the engine child prints: loads the case, runs the engine once,
    /// writes its outputs (to a scratch directory, removed), and returns one
    /// JSON line with its timing and its own peak resident memory.
    public static func engineChild(_ file: String) throws -> String {
        let t0 = Date()
        let usage0 = SelfUsage.now()
        let c = try ParityCase.load(file)
        let data = try CaseData.load(c)
        let (genes, samples) = (data.matrix.nrow, data.matrix.ncol)
        if ProcessInfo.processInfo.environment["LIMMA_PARITY_STEP_TIMES"] == "1" {
            let used = SelfUsage.now() - usage0
            FileHandle.standardError.write(Data("load: \(used.line(wallSeconds: Date().timeIntervalSince(t0)))\n".utf8))
        }
        let given = ProcessInfo.processInfo.environment[engineLimmaVariable].flatMap(LimmaVersion.init(rawValue:))
        let out = try Harness.runEngine(c, data: consume data, limma: c.limma ?? given ?? .v3_54, loadSeconds: Date().timeIntervalSince(t0))
        // Write every output, as R's side does, so the process times compare like with like.
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("limma-parity-bench-engine-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: dir) }
        try OutputsCSV.write(out, to: dir)
        let doc = OrderedJSON.object([
            ("case", .string(c.name)), ("version", .string(out.versions["version"] ?? EngineRunner.version)),
            ("pipeline_s", .double(out.pipelineSeconds)), ("total_s", .double(out.totalSeconds)), ("statistics", .int(out.tables.count)),
            ("peak_rss_kib", vmHWM().map { .int($0) } ?? .null),
            ("load_s", .double(out.loadSeconds)), ("genes", .int(genes)), ("samples", .int(samples)),
            ("threads", .int(LimmaThreads.count)),
            ("step_s", .array(out.stepSeconds.map { .array([.string($0.step), .double($0.seconds)]) })),
        ])
        return doc.serialized().replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "  ", with: "")
    }
}
