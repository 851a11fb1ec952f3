// limma-parity: runs parity cases on the Swift engine and on R limma and
// compares every statistic (docs/case-spec.md is the contract).
import ArgumentParser
import Foundation
import LimmaParity

@main
struct LimmaParityCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limma-parity",
        abstract: "Compare limma-swift with R limma, statistic by statistic.",
        discussion: """
            A case is one limma analysis written as a JSON file (reference/cases/*.json);
            a directory in place of CASE means every case in it.

            Examples:
              limma-parity run reference/cases/gse60450-voom.json
              limma-parity check reference/cases --jobs 2 --out reports
              limma-parity run reference/cases --shard 1/4    # CI: the first of 4 slices
              limma-parity refresh reference/cases --rscript /usr/local/bin/Rscript
              limma-parity engine my-case.json --out /tmp/engine-only

            Exit status: 0 every statistic within tolerance; 1 a statistic out of
            tolerance; 2 bad input or spec (message names the file, key and reason);
            3 R or limma missing, failed or timed out (R's stderr is shown).
            """,
        subcommands: [Run.self, Check.self, Refresh.self, Engine.self, BenchCommand.self, SynthCommand.self]
    )

    /// As ParsableCommand's, except that a usage error exits with 2 (bad
    /// input), the contract's status, rather than 64.
    static func main() {
        AllocatorPolicy.apply()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// Options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Argument(help: "Case files (*.json) or directories of them.")
    var cases: [String] = []

    @Option(name: .long, help: "Directory for reports and each side's outputs.")
    var out: String = "reports"

    @Option(name: .long, help: "The Rscript to run (default: Rscript on PATH).")
    var rscript: String?

    @Option(name: .long, help: "Cases to run in parallel on this machine.")
    var jobs: Int = 1

    @Option(name: .long, help: "Run only the K-th of N deterministic slices of the cases (K/N, e.g. 2/4).")
    var shard: String?

    @Option(name: .long, help: "Seconds R may take per case before it is stopped.")
    var timeout: Double = 1800

    @Option(name: .long, help: "Directory of stored references (default: <case dir>/../r).")
    var reference: String?

    func validate() throws {
        if cases.isEmpty { throw ValidationError("give at least one case file or directory") }
        if jobs < 1 || jobs > 256 { throw ValidationError("--jobs must be between 1 and 256") }
        if !(timeout > 0) || !timeout.isFinite { throw ValidationError("--timeout must be a positive number of seconds") }
        if let shard, Self.parseShard(shard) == nil { throw ValidationError("--shard must be K/N with 1 <= K <= N, e.g. 1/4") }
    }

    static func parseShard(_ s: String) -> (Int, Int)? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, k >= 1, k <= n else { return nil }
        return (k, n)
    }

    var harnessOptions: HarnessOptions {
        HarnessOptions(out: URL(fileURLWithPath: out), rscript: rscript, jobs: jobs, timeout: timeout,
                       referenceRoot: reference.map { URL(fileURLWithPath: $0) })
    }
}

/// Runs a command over the cases and exits with the contract's status.
func execute(_ command: HarnessCommand, _ options: CommonOptions) -> Never {
    var files: [String]
    do { files = try Harness.expand(options.cases) } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(2)
    }
    if let s = options.shard, let (k, n) = CommonOptions.parseShard(s) {
        files = Harness.shard(files, k: k, n: n)
        print("shard \(k)/\(n): \(files.count) case(s)")
    }
    let console = Console()
    let outcomes = Harness.runAll(command, cases: files, options: options.harnessOptions) { o in console.report(o) }
    if command == .run || command == .check {
        do { try Harness.writeRunReport(outcomes, out: options.harnessOptions.out) } catch {
            FileHandle.standardError.write(Data("cannot write junit.xml: \(error)\n".utf8))
        }
    }
    let status = Harness.exitStatus(outcomes)
    if outcomes.count > 1 {
        let ok = outcomes.filter { $0.status == 0 }.count
        print("\(ok) of \(outcomes.count) case(s) ok; exit status \(status)")
    }
    exit(status)
}

/// Prints outcomes as cases finish (from several workers).
final class Console: @unchecked Sendable {
    private let lock = NSLock()
    func report(_ o: CaseOutcome) {
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardOutput.write(Data((o.summary + "\n").utf8))
        if let d = o.detail { FileHandle.standardError.write(Data((d.hasSuffix("\n") ? d : d + "\n").utf8)) }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the engine and R live on each case, compare, and write reports.",
        discussion: "Example: limma-parity run reference/cases/gse60450-voom.json --out reports")
    @OptionGroup var options: CommonOptions
    func run() throws { execute(.run, options) }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the engine with the stored R reference (no R needed).",
        discussion: "Example: limma-parity check reference/cases --jobs 2")
    @OptionGroup var options: CommonOptions
    func run() throws { execute(.check, options) }
}

struct Refresh: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rerun R and replace the stored reference (kept as it was if R fails).",
        discussion: "Example: limma-parity refresh reference/cases/pasilla-voom.json")
    @OptionGroup var options: CommonOptions
    func run() throws { execute(.refresh, options) }
}

struct Engine: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the engine alone (no R) and write its outputs.",
        discussion: "Example: limma-parity engine reference/cases/mulvey-treat.json --out /tmp/e")
    @OptionGroup var options: CommonOptions
    func run() throws { execute(.engine, options) }
}
