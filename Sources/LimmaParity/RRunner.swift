// Runs a case in R: writes the validated case as JSON (data only), starts
// `Rscript --vanilla rscripts/run_case.R CASE.json OUTDIR` as a child process
// with a time limit, captures its stdout and stderr, and reads R's outputs back.
import Foundation
import Limma

/// R or limma missing, failed or timed out: exit status 3. Carries R's stderr.
public struct RFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var stderr: String
    public init(_ message: String, stderr: String = "") {
        self.message = message
        self.stderr = stderr
    }
    public var description: String {
        stderr.isEmpty ? message : message + "\n--- R's stderr ---\n" + Self.tail(stderr)
    }
    /// The last 60 lines of a long stderr.
    static func tail(_ s: String) -> String {
        let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count <= 60 ? s : "[...]\n" + lines.suffix(60).joined(separator: "\n")
    }
}

public struct RRunner: Sendable {
    /// The Rscript executable (an absolute path).
    public var rscript: String
    /// rscripts/run_case.R.
    public var script: String
    /// Seconds before R is stopped.
    public var timeout: Double
    /// When true R must provide the case's limma release natively: no
    /// following of another release's defaults through arguments (refresh).
    public var noEmulation = false
    /// Write R's statistics gzip-compressed (a stored reference).
    public var gzip = false

    public init(rscript: String, script: String, timeout: Double = 1800) {
        self.rscript = rscript
        self.script = script
        self.timeout = timeout
    }

    /// Finds Rscript: `given` (a path, or a name looked up on PATH), else
    /// `Rscript` on PATH. Throws RFailure when there is none.
    public static func locateRscript(_ given: String?) throws -> String {
        let name = given ?? "Rscript"
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else {
                throw RFailure("Rscript not found: \(name) is not an executable file (install R, or pass --rscript PATH)")
            }
            return name
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw RFailure("Rscript not found on PATH (install R with limma and edgeR, or pass --rscript PATH)")
    }

    /// Finds rscripts/run_case.R: $LIMMA_PARITY_RSCRIPTS, the current directory,
    /// the directories above the executable, then the source tree it was built from.
    public static func locateScript() throws -> String {
        let fm = FileManager.default
        var candidates = [String]()
        if let d = ProcessInfo.processInfo.environment["LIMMA_PARITY_RSCRIPTS"] { candidates.append(d + "/run_case.R") }
        candidates.append(fm.currentDirectoryPath + "/rscripts/run_case.R")
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").standardizedFileURL.deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("rscripts/run_case.R").path)
            dir = dir.deletingLastPathComponent()
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("rscripts/run_case.R").path)
        for c in candidates where fm.fileExists(atPath: c) && fm.fileExists(atPath: URL(fileURLWithPath: c).deletingLastPathComponent().appendingPathComponent("lib/io.R").path) {
            return c
        }
        throw RFailure("cannot find rscripts/run_case.R (set LIMMA_PARITY_RSCRIPTS to the rscripts directory)")
    }

    /// The case as R's runner reads it: validated values only, absolute paths.
    public static func caseJSON(_ c: ParityCase) -> JSONValue {
        var inputs = [(key: String, value: JSONValue)]()
        for (k, p) in c.inputs.files { inputs.append((k, .string(p))) }
        if !c.inputs.annotation.isEmpty { inputs.append(("annotation", .array(c.inputs.annotation.map { .string($0) }))) }
        var top: [(key: String, value: JSONValue)] = [("name", .string(c.name))]
        if let l = c.limma { top.append(("limma", .string(l.rawValue))) }
        top.append(("inputs", .object(inputs)))
        switch c.design {
        case let .formula(f)?: top.append(("design", .object([("formula", .string(f))])))
        case let .matrix(p)?: top.append(("design", .object([("matrix", .string(p))])))
        case nil: break
        }
        if !c.levels.isEmpty {
            top.append(("levels", .array(c.levels.map { .object([("column", .string($0.column)), ("levels", .array($0.levels.map { .string($0) }))]) })))
        }
        switch c.contrasts {
        case let .expressions(list)?:
            top.append(("contrasts", .object([("expressions", .array(list.map {
                .object([("name", .string($0.name)), ("expression", .string($0.expression))])
            }))])))
        case let .matrix(p)?: top.append(("contrasts", .object([("matrix", .string(p))])))
        case nil: break
        }
        top.append(("steps", .array(c.steps.map { s in
            .object([("fn", .string(s.fn)), ("label", .string(s.label)),
                     ("args", .object(s.args.map { ($0.name, $0.value.json) }))])
        })))
        return .object(top)
    }

    /// Runs `c` in R, writing R's files into `outDir`, and reads them back.
    /// Throws CaseError when R refuses the case (exit 2), RFailure otherwise (exit 3).
    public func run(_ c: ParityCase, outDir: URL) throws -> SideOutputs {
        let fm = FileManager.default
        try fm.createDirectory(at: outDir, withIntermediateDirectories: true)
        let work = fm.temporaryDirectory.appendingPathComponent("limma-parity-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let caseURL = work.appendingPathComponent("case.json")
        try Data((JSON.write(RRunner.caseJSON(c)) + "\n").utf8).write(to: caseURL)
        let result = try Self.execute(rscript, ["--vanilla", script, caseURL.path, outDir.path] + (noEmulation ? ["--no-emulate"] : []) + (gzip ? ["--gzip"] : []), timeout: timeout, work: work)
        if result.timedOut {
            throw RFailure("R timed out after \(Int(timeout)) s running case \(c.name) (raise it with --timeout)", stderr: result.stderr)
        }
        switch result.status {
        case 0: break
        case 65:
            throw CaseError(c.file, "R", "refused by R's grammar check: " + result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        case 66:
            throw RFailure("this R cannot run case \(c.name)", stderr: result.stderr)
        default:
            throw RFailure("R failed (exit status \(result.status)) running case \(c.name)", stderr: result.stderr)
        }
        do {
            return try SideFiles.read(from: outDir, side: "r")
        } catch {
            throw RFailure("R's outputs for case \(c.name) cannot be read: \(error)", stderr: result.stderr)
        }
    }

    public struct Execution: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var timedOut: Bool
    }

    /// Starts `executable` with `arguments`, stdout and stderr to files in
    /// `work`, and waits at most `timeout` seconds (then SIGTERM, then SIGKILL).
    public static func execute(_ executable: String, _ arguments: [String], timeout: Double, work: URL, cwd: URL? = nil) throws -> Execution {
        let fm = FileManager.default
        let outURL = work.appendingPathComponent("stdout.txt")
        let errURL = work.appendingPathComponent("stderr.txt")
        _ = fm.createFile(atPath: outURL.path, contents: nil)
        _ = fm.createFile(atPath: errURL.path, contents: nil)
        let outH = try FileHandle(forWritingTo: outURL)
        let errH = try FileHandle(forWritingTo: errURL)
        defer { try? outH.close(); try? errH.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let cwd { p.currentDirectoryURL = cwd }
        p.standardOutput = outH
        p.standardError = errH
        p.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        p.terminationHandler = { _ in done.signal() }
        do { try p.run() } catch {
            throw RFailure("cannot start \(executable): \(error)")
        }
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            p.terminate()
            if done.wait(timeout: .now() + 5) == .timedOut {
                kill(p.processIdentifier, SIGKILL)
                _ = done.wait(timeout: .now() + 5)
            }
        }
        let out = String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self)
        let err = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
        return Execution(status: timedOut ? -1 : p.terminationStatus, stdout: out, stderr: err, timedOut: timedOut)
    }
}
