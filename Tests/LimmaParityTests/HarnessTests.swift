// The harness as a user runs it: the built `limma-parity` binary, its exit
// statuses, its messages, and that a case file can never make R run code.
import Foundation
import Testing
import Limma
@testable import LimmaParity

enum CLI {
    /// The package root (above Tests/LimmaParityTests).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built product, from `swift build --show-bin-path` (falling back to
    /// the directory the test bundle runs from).
    static let binary: String = {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("limma-parity-bin-\(UUID().uuidString)")
        try? fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        if let r = try? RRunner.execute("/usr/bin/env", ["swift", "build", "--package-path", root.path, "--show-bin-path"], timeout: 120, work: work),
           r.status == 0 {
            let p = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/limma-parity"
            if fm.isExecutableFile(atPath: p) { return p }
        }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [here, here.deletingLastPathComponent()] {
            let p = dir.appendingPathComponent("limma-parity").path
            if fm.isExecutableFile(atPath: p) { return p }
        }
        return root.appendingPathComponent(".build/debug/limma-parity").path
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the CLI in `cwd` (default: the package root).
    static func run(_ args: [String], cwd: URL? = nil, timeout: Double = 300) throws -> Result {
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("limma-parity-cli-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        let r = try RRunner.execute(binary, args, timeout: timeout, work: work, cwd: cwd ?? root)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    static var rAvailable: Bool { (try? RRunner.locateRscript(nil)) != nil }

    /// A fresh scratch directory.
    static func scratch() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("limma-parity-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// A small two-group data set: 40 genes x 6 samples of counts, and targets.
    static func smallData(in dir: URL) throws {
        var seed: UInt64 = 12345
        func next() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 33) / Double(1 << 31)
        }
        var lines = ["gene,S1,S2,S3,S4,S5,S6"]
        for g in 1...40 {
            let base = 5 + 200 * next()
            let fold = g <= 8 ? 3.0 : 1.0
            let counts = (0..<6).map { j in Int((base * (j >= 3 ? fold : 1)) * (0.7 + 0.6 * next())) }
            lines.append("g\(g)," + counts.map(String.init).joined(separator: ","))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("counts.csv"), atomically: true, encoding: .utf8)
        try "sample,group,batch\nS1,A,x\nS2,A,y\nS3,A,x\nS4,B,y\nS5,B,x\nS6,B,y\n"
            .write(to: dir.appendingPathComponent("targets.csv"), atomically: true, encoding: .utf8)
        var expr = ["gene,S1,S2,S3,S4,S5,S6"]
        for g in 1...40 {
            expr.append("g\(g)," + (0..<6).map { j in String(format: "%.6f", 8 + 2 * next() + (g <= 8 && j >= 3 ? 1.5 : 0)) }.joined(separator: ","))
        }
        try (expr.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("expr.csv"), atomically: true, encoding: .utf8)
    }

    /// Gene sets over `smallData`'s genes: the 8 changed genes, a mixed set, the rest.
    static func geneSets(in dir: URL) throws {
        var lines = ["set,feature_id"]
        for g in 1...8 { lines.append("changed,g\(g)") }
        for g in [2, 4, 11, 12, 13, 14] { lines.append("mixed,g\(g)") }
        for g in 9...40 { lines.append("unchanged,g\(g)") }
        try write(lines.joined(separator: "\n") + "\n", dir.appendingPathComponent("sets.csv"))
    }

    static func write(_ text: String, _ url: URL) throws { try text.write(to: url, atomically: true, encoding: .utf8) }

    /// sha256 of every file below `dir`, by relative path.
    static func hashes(_ dir: URL) throws -> [String: String] {
        var out = [String: String]()
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir.path) else { return out }
        for case let rel as String in e {
            var isDir: ObjCBool = false
            let p = dir.appendingPathComponent(rel).path
            if fm.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue { out[rel] = try SHA256.file(p) }
        }
        return out
    }
}

@Suite("limma-parity CLI", .serialized)
struct HarnessCLITests {
    @Test func helpShowsAnExampleAndExitsZero() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Examples:"))
        #expect(r.stdout.contains("limma-parity run reference/cases/gse60450-voom.json"))
        let sub = try CLI.run(["run", "--help"])
        #expect(sub.status == 0)
        #expect(sub.stdout.contains("--shard"))
        #expect(sub.stdout.contains("Example"))
    }

    /// An example command in `--help` is one whole line, so that it can be
    /// copied: the line after it is blank, another example or a heading, never
    /// the rest of the command pushed over by the 80-column layout.
    @Test func helpExamplesAreWholeLines() throws {
        for command in [[], ["run"], ["check"], ["refresh"], ["engine"], ["bench"], ["synth"]] {
            let r = try CLI.run(command + ["--help"])
            #expect(r.status == 0)
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var examples = 0
            for (k, line) in lines.enumerated() {
                let t = line.trimmingCharacters(in: .whitespaces)
                guard t.hasPrefix("limma-parity ") || t.hasPrefix("Example: limma-parity ") else { continue }
                examples += 1
                let next = k + 1 < lines.count ? lines[k + 1].trimmingCharacters(in: .whitespaces) : ""
                #expect(next.isEmpty || next.hasPrefix("limma-parity ") || next.hasSuffix(":") || next.hasPrefix("Exit status"),
                        "\(command) --help: the example \"\(t)\" goes on as \"\(next)\"")
            }
            #expect(examples > 0, "\(command) --help shows no example")
        }
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try CLI.run(["run"]).status == 2)
        #expect(try CLI.run(["check", "reference/cases", "--jobs", "0"]).status == 2)
        #expect(try CLI.run(["check", "reference/cases", "--shard", "5/4"]).status == 2)
        let missing = try CLI.run(["check", "no/such/case.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no/such/case.json: no such case file"))
    }

    @Test func missingRscriptExitsThree() throws {
        let out = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["run", "reference/cases/pasilla-voom.json", "--rscript", "/nonexistent/bin/Rscript", "--out", out.path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("Rscript not found"))
        let refresh = try CLI.run(["refresh", "reference/cases/pasilla-voom.json", "--rscript", "/nonexistent/bin/Rscript"])
        #expect(refresh.status == 3)
    }

    /// Broken case files: each exits 2 with `FILE: key: reason`.
    @Test func brokenCasesExitTwoNamingFileKeyAndReason() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        let good = #""inputs": {"counts": "counts.csv", "targets": "targets.csv"}, "design": "~0 + group""#
        let steps = #""steps": [{"fn": "filterByExpr", "group": "group"}, {"fn": "voom"}, {"fn": "lmFit"}, {"fn": "eBayes"}]"#
        let cases: [(String, String, String)] = [
            ("notjson", "{ \"name\": ", "not valid JSON"),
            ("array", "[1, 2]", "must be a JSON object"),
            ("unknownkey", "{\(good), \(steps), \"colour\": 1}", "colour: unknown key"),
            ("duplicatekey", "{\(good), \(steps), \"design\": \"~group\"}", "duplicate key"),
            ("noinputs", "{\"design\": \"~group\", \(steps)}", "inputs: missing"),
            ("missingfile", "{\"inputs\": {\"counts\": \"nope.csv\", \"targets\": \"targets.csv\"}, \(steps)}", "inputs.counts: no readable file"),
            ("bothinputs", "{\"inputs\": {\"counts\": \"counts.csv\", \"expression\": \"expr.csv\", \"targets\": \"targets.csv\"}, \(steps)}", "inputs: give exactly one"),
            ("unknownfn", "{\(good), \"steps\": [{\"fn\": \"system\"}]}", "steps[1].fn: unknown function \"system\"; supported: filterByExpr"),
            ("unknownarg", "{\(good), \"steps\": [{\"fn\": \"voom\", \"plot\": true}, {\"fn\": \"lmFit\"}]}", "steps[1].plot: voom has no argument"),
            ("badtype", "{\(good), \"steps\": [{\"fn\": \"voom\"}, {\"fn\": \"lmFit\"}, {\"fn\": \"eBayes\", \"trend\": \"yes\"}]}", "steps[3].trend: must be true or false"),
            ("badchoice", "{\(good), \"steps\": [{\"fn\": \"voom\"}, {\"fn\": \"lmFit\"}, {\"fn\": \"eBayes\"}, {\"fn\": \"topTable\", \"adjust.method\": \"magic\"}]}", "steps[4].adjust.method: unknown value \"magic\", supported: BH, fdr, BY"),
            ("notcolumn", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\"}, \"design\": \"~0 + treatment\", \(steps)}", "design: formula \"~0 + treatment\" names 'treatment', which is not a targets column"),
            ("groupnotcolumn", "{\(good), \"steps\": [{\"fn\": \"filterByExpr\", \"group\": \"genotype\"}, {\"fn\": \"voom\"}]}", "steps[1].group: 'genotype' is not a targets column"),
            ("order", "{\(good), \"steps\": [{\"fn\": \"eBayes\"}]}", "steps[1].fn: eBayes needs lmFit first"),
            ("contrastnodesign", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\"}, \"contrasts\": {\"AvB\": \"groupA - groupB\"}, \(steps)}", "contrasts: contrasts need a design"),
            ("badlevels", "{\(good), \"levels\": {\"group\": [\"A\"]}, \(steps)}", "levels.group: does not list value(s) B"),
            ("badtolerance", "{\(good), \(steps), \"tolerance\": {\"default\": {\"rel\": -1}}}", "tolerance.default.rel: must be a non-negative number"),
            ("badname", "{\"name\": \"../../etc\", \(good), \(steps)}", "name: '../../etc' may hold only"),
            ("version", "{\(good), \"limma\": \"2.0\", \(steps)}", "limma: must be one of \"3.54\", \"3.66\""),
            ("contrastnotcolumn", "{\(good), \"contrasts\": {\"AvB\": \"groupA - groupZ\"}, \"steps\": [{\"fn\": \"voom\"}, {\"fn\": \"lmFit\"}, {\"fn\": \"contrasts.fit\"}]}", "contrasts.AvB: \"groupA - groupZ\" names 'groupZ', which is not a design column (columns: groupA, groupB)"),
            ("weightscounts", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\", \"weights\": \"counts.csv\"}, \(steps)}", "inputs.weights: observation weights go with"),
            ("since366", "{\(good), \"steps\": [{\"fn\": \"voom\", \"adaptive.span\": true}, {\"fn\": \"lmFit\"}]}", "steps[1].adaptive.span: exists from limma"),
            ("nogenesets", "{\(good), \"steps\": [{\"fn\": \"voom\"}, {\"fn\": \"camera\"}]}", "steps[2].fn: camera needs inputs.gene_sets"),
            ("unknownsetids", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\", \"gene_sets\": \"badsets.csv\"}, \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"voom\"}, {\"fn\": \"fry\"}]}", "badsets.csv: 2 feature id(s) are not rows of the data: 'g99', 'zz'"),
            ("setsheader", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\", \"gene_sets\": \"targets.csv\"}, \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"voom\"}, {\"fn\": \"fry\"}]}", "the header must be set,feature_id"),
            ("setsunused", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\", \"gene_sets\": \"sets.csv\"}, \(steps.replacingOccurrences(of: "\"steps\"", with: "\"design\": \"~0 + group\", \"steps\""))}", "inputs.gene_sets: no step uses gene sets"),
            ("seedfraction", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\", \"gene_sets\": \"sets.csv\"}, \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"voom\"}, {\"fn\": \"mroast\", \"seed\": 1.5}]}", "steps[2].seed: must be a whole number"),
            ("noseed", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\", \"gene_sets\": \"sets.csv\"}, \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"voom\"}, {\"fn\": \"mroast\"}]}", "steps[2]: mroast needs \"seed\""),
            ("camerabeforevoom", "{\"inputs\": {\"counts\": \"counts.csv\", \"targets\": \"targets.csv\", \"gene_sets\": \"sets.csv\"}, \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"camera\"}]}", "steps[1].fn: camera needs log-expression"),
        ]
        try CLI.write("set,feature_id\nup,g1\nup,g99\nother,zz\n", dir.appendingPathComponent("badsets.csv"))
        try CLI.geneSets(in: dir)
        for (name, text, reason) in cases {
            let file = dir.appendingPathComponent("\(name).json")
            try CLI.write(text, file)
            for command in ["check", "engine", "run"] {
                let r = try CLI.run([command, file.path, "--out", dir.appendingPathComponent("out").path, "--rscript", "/nonexistent/Rscript"])
                #expect(r.status == 2, "\(name) (\(command)): exit \(r.status)\n\(r.stderr)")
                #expect(r.stderr.contains("\(file.path): "), "\(name): \(r.stderr)")
                #expect(r.stderr.contains(reason), "\(name) (\(command)): expected '\(reason)' in\n\(r.stderr)")
            }
        }
    }

    /// Every enumerated argument of every step (adjust.method, sort.by,
    /// method, normalize.method, standardize, ...) refuses a value outside its
    /// list at validation, exit 2, `FILE: steps[i].arg: reason, supported: ...`;
    /// nothing reaches the engine to be silently replaced by a default.
    @Test func unknownEnumeratedValuesAreRefused() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        var checked = 0
        for spec in StepCatalog.specs {
            for (arg, type) in spec.args {
                guard case let .choice(options) = type else { continue }
                for bad in ["BHX", options[0].lowercased() == options[0] ? options[0].uppercased() : options[0].lowercased(), ""] where !options.contains(bad) {
                    let file = dir.appendingPathComponent("\(spec.fn)-\(arg)-\(checked).json")
                    let text = #"{"inputs": {"counts": "counts.csv", "targets": "targets.csv"}, "design": "~0 + group", "steps": [{"fn": "voom"}, {"fn": "\#(spec.fn)", "\#(arg)": "\#(bad)"}]}"#
                    try CLI.write(text, file)
                    let r = try CLI.run(["check", file.path, "--out", dir.appendingPathComponent("out").path])
                    #expect(r.status == 2, "\(spec.fn) \(arg)=\(bad): exit \(r.status)\n\(r.stderr)")
                    let want = "\(file.path): steps[2].\(arg): unknown value \"\(bad)\", supported: \(options.joined(separator: ", "))"
                    #expect(r.stderr.contains(want), "expected '\(want)' in\n\(r.stderr)")
                    checked += 1
                }
            }
        }
        #expect(checked >= 30)
    }

    /// camera, fry and mroast (seeded) run live on a small case: engine and R
    /// agree on every column and the row order; topTreat honours lfc.
    @Test(.enabled(if: CLI.rAvailable)) func geneSetStepsRunLiveAgainstR() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        try CLI.geneSets(in: dir)
        let file = dir.appendingPathComponent("sets.json")
        try CLI.write(#"""
        {"inputs": {"counts": "counts.csv", "targets": "targets.csv", "gene_sets": "sets.csv"},
         "design": "~0 + group", "contrasts": {"BvA": "groupB - groupA"},
         "steps": [{"fn": "voom"}, {"fn": "camera", "contrast": "BvA"}, {"fn": "camera", "contrast": 2, "use.ranks": true},
                   {"fn": "fry", "contrast": "BvA", "sort": "mixed"},
                   {"fn": "mroast", "contrast": "BvA", "nrot": 199, "seed": 7, "set.statistic": "floormean"},
                   {"fn": "lmFit"}, {"fn": "contrasts.fit"}, {"fn": "treat", "lfc": 0.2},
                   {"fn": "topTreat", "coef": "BvA", "number": "Inf", "lfc": 0.5}],
         "tolerance": {"default": {"rel": 1e-10, "abs": 1e-12}}}
        """#, file)
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["run", file.path, "--out", out.path], timeout: 600)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let report = try JSON.parse([UInt8](Data(contentsOf: out.appendingPathComponent("sets/report.json"))))
        let stats = report["statistics"]?.arrayValue ?? []
        for (step, name) in [("camera", "PValue"), ("camera#2", "Direction"), ("fry", "PValue.Mixed"), ("mroast", "FDR"),
                             ("mroast", "order"), ("topTreat", "P.Value")] {
            #expect(stats.contains { $0["step"]?.stringValue == step && $0["name"]?.stringValue == name && $0["pass"] == .bool(true) },
                    "\(step).\(name) missing or failing")
        }
        let r2 = try String(contentsOf: out.appendingPathComponent("sets/r/topTreat.csv"), encoding: .utf8)
        let e2 = try String(contentsOf: out.appendingPathComponent("sets/engine/topTreat.csv"), encoding: .utf8)
        let rows = r2.split(separator: "\n").count - 1
        #expect(rows > 0 && rows < 40, "lfc should filter rows: \(rows)")
        #expect(e2.split(separator: "\n").count - 1 == rows)
    }

    /// A step that reads the counts after voom still has them (voom turns the
    /// counts' storage into E only when no later step reads the counts), and
    /// every output matches live R.
    @Test(.enabled(if: CLI.rAvailable)) func countsAfterVoomRunLiveAgainstR() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        let file = dir.appendingPathComponent("later.json")
        try CLI.write(#"""
        {"inputs": {"counts": "counts.csv", "targets": "targets.csv"},
         "design": "~0 + group", "contrasts": {"BvA": "groupB - groupA"},
         "steps": [{"fn": "filterByExpr", "group": "group"}, {"fn": "calcNormFactors"}, {"fn": "voom"},
                   {"fn": "voomWithQualityWeights"}, {"fn": "voom", "span": 0.4}, {"fn": "lmFit"}, {"fn": "contrasts.fit"},
                   {"fn": "eBayes"}, {"fn": "topTable", "coef": "BvA", "number": "Inf"}],
         "tolerance": {"default": {"rel": 1e-10, "abs": 1e-12}}}
        """#, file)
        let out = dir.appendingPathComponent("out")
        let r = try CLI.run(["run", file.path, "--out", out.path], timeout: 600)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let report = try JSON.parse([UInt8](Data(contentsOf: out.appendingPathComponent("later/report.json"))))
        let stats = report["statistics"]?.arrayValue ?? []
        for (step, name) in [("voom", "weights"), ("voomWithQualityWeights", "weights"), ("voomWithQualityWeights", "sample.weights"),
                             ("voom#2", "E"), ("voom#2", "weights"), ("topTable", "t")] {
            #expect(stats.contains { $0["step"]?.stringValue == step && $0["name"]?.stringValue == name && $0["pass"] == .bool(true) },
                    "\(step).\(name) missing or failing")
        }
    }

    /// Code in a formula, a contrast or an argument is refused before R
    /// starts, and nothing runs: the marker file a payload would create never appears.
    @Test(.enabled(if: CLI.rAvailable)) func injectionAttemptsAreRefusedAndNothingRuns() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        let marker = dir.appendingPathComponent("PWNED").path
        let payload = "system('touch \(marker)')"
        let inputs = #""inputs": {"expression": "expr.csv", "targets": "targets.csv"}"#
        let steps = #""steps": [{"fn": "lmFit"}, {"fn": "eBayes"}]"#
        let csteps = #""steps": [{"fn": "lmFit"}, {"fn": "contrasts.fit"}, {"fn": "eBayes"}]"#
        func q(_ s: String) -> String { JSON.quote(s) }
        let attempts: [(String, String)] = [
            ("formula-call", "{\(inputs), \"design\": \(q("~ group + \(payload)")), \(steps)}"),
            ("formula-semicolon", "{\(inputs), \"design\": \(q("~ group; \(payload)")), \(steps)}"),
            ("formula-newline", "{\(inputs), \"design\": \(q("~ group\n\(payload)")), \(steps)}"),
            ("formula-backquote-escape", "{\(inputs), \"design\": \(q("~ `group`+`x`(1)")), \(steps)}"),
            ("formula-dollar", "{\(inputs), \"design\": \(q("~ base$system")), \(steps)}"),
            ("formula-string", "{\(inputs), \"design\": \(q("~ group + 'a'")), \(steps)}"),
            ("formula-pipe", "{\(inputs), \"design\": \(q("~ group | I(\(payload))")), \(steps)}"),
            ("formula-twosided", "{\(inputs), \"design\": \(q("y ~ group")), \(steps)}"),
            ("contrast-call", "{\(inputs), \"design\": \"~0 + group\", \"contrasts\": {\"AvB\": \(q("groupA - groupB + \(payload)"))}, \(csteps)}"),
            ("contrast-semicolon", "{\(inputs), \"design\": \"~0 + group\", \"contrasts\": {\"AvB\": \(q("groupA; \(payload)"))}, \(csteps)}"),
            ("contrast-assign", "{\(inputs), \"design\": \"~0 + group\", \"contrasts\": {\"AvB\": \(q("groupA <- 1"))}, \(csteps)}"),
            ("contrast-notlevel", "{\(inputs), \"design\": \"~0 + group\", \"contrasts\": {\"AvB\": \(q("pi - groupB"))}, \(csteps)}"),
            ("contrast-name", "{\(inputs), \"design\": \"~0 + group\", \"contrasts\": {\(q("A\"); \(payload); (\"")): \"groupA - groupB\"}, \(csteps)}"),
            ("arg-column", "{\(inputs), \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"lmFit\", \"block\": \(q(payload))}, {\"fn\": \"eBayes\"}]}"),
            ("arg-coef", "{\(inputs), \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"lmFit\"}, {\"fn\": \"eBayes\"}, {\"fn\": \"topTable\", \"coef\": {\"x\": \(q(payload))}}]}"),
            ("arg-number", "{\(inputs), \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"lmFit\"}, {\"fn\": \"eBayes\", \"proportion\": \(q(payload))}]}"),
            ("arg-method", "{\(inputs), \"design\": \"~0 + group\", \"steps\": [{\"fn\": \"lmFit\", \"method\": \(q(payload))}, {\"fn\": \"eBayes\"}]}"),
            ("levels-column", "{\(inputs), \"design\": \"~0 + group\", \"levels\": {\(q(payload)): [\"A\", \"B\"]}, \(steps)}"),
        ]
        for (name, text) in attempts {
            let file = dir.appendingPathComponent("\(name).json")
            try CLI.write(text, file)
            let r = try CLI.run(["run", file.path, "--out", dir.appendingPathComponent("out").path])
            #expect(r.status == 2, "\(name): exit \(r.status)\n\(r.stdout)\n\(r.stderr)")
            #expect(r.stderr.contains("\(file.path): "), "\(name): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: marker), "\(name): the payload ran")
        }
    }

    /// R's own grammar check, the second line: a case that slipped past the
    /// harness (written straight to run_case.R) is refused by R with 65, and
    /// its payload never runs.
    @Test(.enabled(if: CLI.rAvailable)) func rRunnerRefusesCodeOnItsOwn() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        let marker = dir.appendingPathComponent("PWNED").path
        let payload = "system('touch \(marker)')"
        let rscript = try RRunner.locateRscript(nil)
        let script = try RRunner.locateScript()
        let base: [(key: String, value: JSONValue)] = [
            ("name", .string("x")),
            ("inputs", .object([("expression", .string(dir.appendingPathComponent("expr.csv").path)),
                                ("targets", .string(dir.appendingPathComponent("targets.csv").path))])),
        ]
        let lm: JSONValue = .object([("fn", .string("lmFit")), ("label", .string("lmFit")), ("args", .object([]))])
        let cf: JSONValue = .object([("fn", .string("contrasts.fit")), ("label", .string("contrasts.fit")), ("args", .object([]))])
        let variants: [(String, JSONValue)] = [
            ("formula", .object(base + [("design", .object([("formula", .string("~ group + \(payload)"))])), ("steps", .array([lm]))])),
            ("formula-nested", .object(base + [("design", .object([("formula", .string("~ (group + (\(payload)))"))])), ("steps", .array([lm]))])),
            ("contrast", .object(base + [("design", .object([("formula", .string("~0 + group"))])),
                                         ("contrasts", .object([("expressions", .array([.object([("name", .string("c")), ("expression", .string("groupA - \(payload)"))])]))])),
                                         ("steps", .array([lm, cf]))])),
            ("contrast-symbol", .object(base + [("design", .object([("formula", .string("~0 + group"))])),
                                                ("contrasts", .object([("expressions", .array([.object([("name", .string("c")), ("expression", .string("groupA - pi"))])]))])),
                                                ("steps", .array([lm, cf]))])),
        ]
        for (name, json) in variants {
            let caseFile = dir.appendingPathComponent("\(name).case.json")
            try CLI.write(JSON.write(json), caseFile)
            let r = try RRunner.execute(rscript, ["--vanilla", script, caseFile.path, dir.appendingPathComponent("out-\(name)").path], timeout: 120, work: dir)
            #expect(r.status == 65, "\(name): R exit \(r.status)\n\(r.stderr)")
            #expect(r.stderr.contains("refused"), "\(name): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: marker), "\(name): the payload ran in R")
        }
    }

    /// A refresh whose R fails (or dies half-way through writing) leaves the
    /// stored reference exactly as it was, file for file, by hash.
    @Test func refreshWithFailingRLeavesTheReferenceUnchanged() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        let cases = dir.appendingPathComponent("cases")
        try FileManager.default.createDirectory(at: cases, withIntermediateDirectories: true)
        try CLI.write(#"{"name": "small", "inputs": {"expression": "../expr.csv", "targets": "../targets.csv"}, "design": "~0 + group", "steps": [{"fn": "lmFit"}, {"fn": "eBayes"}]}"#,
                      cases.appendingPathComponent("small.json"))
        let ref = dir.appendingPathComponent("r/small")
        try FileManager.default.createDirectory(at: ref, withIntermediateDirectories: true)
        try CLI.write("{\"case\": \"small\"}\n", ref.appendingPathComponent("manifest.json"))
        try CLI.write("id,x\ng1,1.5\n", ref.appendingPathComponent("eBayes.t.csv"))
        let before = try CLI.hashes(dir.appendingPathComponent("r"))
        // A fake Rscript that fails; another that writes part of an output, then dies.
        let failing = dir.appendingPathComponent("Rscript-fails")
        try CLI.write("#!/bin/sh\necho 'Error: limma is not installed' >&2\nexit 1\n", failing)
        let partial = dir.appendingPathComponent("Rscript-partial")
        try CLI.write("#!/bin/sh\nmkdir -p \"$4\"\necho 'id,x' > \"$4/eBayes.t.csv\"\necho 'killed' >&2\nexit 137\n", partial)
        for f in [failing, partial] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: f.path)
            let r = try CLI.run(["refresh", cases.appendingPathComponent("small.json").path, "--rscript", f.path])
            #expect(r.status == 3, "exit \(r.status): \(r.stderr)")
            #expect(r.stderr.contains("R failed"))
            #expect(try CLI.hashes(dir.appendingPathComponent("r")) == before, "the reference changed")
        }
    }

    /// R that runs past --timeout is stopped: exit 3, "timed out".
    @Test func slowRIsStoppedAtTheTimeLimit() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        try CLI.write(#"{"inputs": {"expression": "expr.csv", "targets": "targets.csv"}, "design": "~0 + group", "steps": [{"fn": "lmFit"}, {"fn": "eBayes"}]}"#,
                      dir.appendingPathComponent("case.json"))
        let slow = dir.appendingPathComponent("Rscript-slow")
        try CLI.write("#!/bin/sh\nexec sleep 60\n", slow)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: slow.path)
        let start = Date()
        let r = try CLI.run(["run", dir.appendingPathComponent("case.json").path, "--rscript", slow.path, "--timeout", "1", "--out", dir.path])
        #expect(r.status == 3)
        #expect(r.stderr.contains("timed out after 1 s"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 30)
    }

    /// `check` refuses a reference made for another version of the case or its inputs.
    @Test(.enabled(if: CLI.rAvailable)) func staleReferenceIsRefused() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        let cases = dir.appendingPathComponent("cases")
        try FileManager.default.createDirectory(at: cases, withIntermediateDirectories: true)
        let caseFile = cases.appendingPathComponent("small.json")
        let text = #"{"name": "small", "inputs": {"expression": "../expr.csv", "targets": "../targets.csv"}, "design": "~0 + group", "contrasts": {"BvA": "groupB - groupA"}, "steps": [{"fn": "lmFit"}, {"fn": "contrasts.fit"}, {"fn": "eBayes"}, {"fn": "topTable", "coef": "BvA", "number": "Inf"}]}"#
        try CLI.write(text, caseFile)
        let refresh = try CLI.run(["refresh", caseFile.path])
        #expect(refresh.status == 0, "\(refresh.stdout)\n\(refresh.stderr)")
        let manifest = try JSON.parse([UInt8](Data(contentsOf: dir.appendingPathComponent("r/small/manifest.json"))))
        #expect(manifest["r"]?["limma"]?.stringValue?.isEmpty == false)
        #expect(manifest["case_sha256"]?.stringValue == (try SHA256.file(caseFile.path)))
        #expect(manifest["inputs"]?["expression"]?["sha256"]?.stringValue?.count == 64)
        // The engine agrees with it; a stored value altered by 1e-6 is caught (exit 1).
        var r = try CLI.run(["check", caseFile.path, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let tFile = dir.appendingPathComponent("r/small/eBayes.t.csv.gz")
        let original = try Data(contentsOf: tFile)
        var lines = String(decoding: try DelimitedText.readBytes(tFile.path), as: UTF8.self).split(separator: "\n").map(String.init)
        let cells = lines[3].split(separator: ",").map(String.init)
        lines[3] = cells[0] + "," + String(Double(cells[1])! * (1 + 1e-6))
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: tFile)
        r = try CLI.run(["check", caseFile.path, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("FAIL small:"), "\(r.stdout)")
        #expect(r.stderr.contains("eBayes.t"), "\(r.stderr)")
        try original.write(to: tFile)
        // Edit the case: stale.
        try CLI.write(text.replacingOccurrences(of: "\"Inf\"", with: "20"), caseFile)
        r = try CLI.run(["check", caseFile.path, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(caseFile.path): reference: stale: the case file changed"), "\(r.stderr)")
        // Restore the case, edit an input: stale again.
        try CLI.write(text, caseFile)
        let expr = dir.appendingPathComponent("expr.csv")
        try CLI.write(try String(contentsOf: expr, encoding: .utf8).replacingOccurrences(of: "g40,", with: "g40b,"), expr)
        r = try CLI.run(["check", caseFile.path, "--out", dir.appendingPathComponent("out").path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("stale: input expression changed"), "\(r.stderr)")
    }

    /// Damaged inputs exit 2 naming the case file, the input and the reason.
    @Test func fuzzedInputsExitTwo() throws {
        let dir = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try CLI.smallData(in: dir)
        let good = try Data(contentsOf: dir.appendingPathComponent("counts.csv"))
        let goodText = String(decoding: good, as: UTF8.self)
        let gz = try Data(contentsOf: CLI.root.appendingPathComponent("reference/data/pasilla/counts.csv.gz"))
        var binary = [UInt8]()
        var s: UInt32 = 7
        for _ in 0..<4096 { s = s &* 1103515245 &+ 12345; binary.append(UInt8(truncatingIfNeeded: s >> 16)) }
        let lines = goodText.split(separator: "\n")
        let fuzz: [(String, Data, String)] = [
            ("truncated-gzip", gz.prefix(gz.count / 3), "gzip"),
            ("truncated-csv", good.prefix(good.count - 9), "field(s)"),
            ("empty", Data(), "empty"),
            ("binary", Data(binary), "counts.csv: "),
            ("nul", Data("gene,S1,S2\ng1,1,\u{0}2\n".utf8), "NUL"),
            ("huge-field", Data((goodText + "g41," + String(repeating: "9", count: 2_000_000) + ",1,1,1,1,1\n").utf8), "bytes long"),
            ("semicolons", Data(goodText.replacingOccurrences(of: ",", with: ";").utf8), "column"),
            ("mixed-line-endings", Data((lines.prefix(10).joined(separator: "\r\n") + "\n" + lines.dropFirst(10).joined(separator: "\n") + "\n").utf8), "mixed line endings"),
            ("bare-cr", Data(lines.joined(separator: "\r").utf8), "carriage return"),
            ("negative", Data(goodText.replacingOccurrences(of: "g3,", with: "g3,-").utf8), "non-negative"),
            ("text-cell", Data(goodText.replacingOccurrences(of: "g5,", with: "g5,abc").utf8), "not a number"),
            ("duplicate-id", Data((goodText + lines[1] + "\n").utf8), "more than once"),
            ("missing-sample", Data(goodText.replacingOccurrences(of: "S6", with: "S7").utf8), "missing from targets"),
        ]
        for (name, bytes, reason) in fuzz {
            let sub = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            try bytes.write(to: sub.appendingPathComponent("counts.csv"))
            try FileManager.default.copyItem(at: dir.appendingPathComponent("targets.csv"), to: sub.appendingPathComponent("targets.csv"))
            let file = sub.appendingPathComponent("case.json")
            try CLI.write(#"{"inputs": {"counts": "counts.csv", "targets": "targets.csv"}, "design": "~0 + group", "steps": [{"fn": "filterByExpr", "group": "group"}, {"fn": "voom"}, {"fn": "lmFit"}, {"fn": "eBayes"}]}"#, file)
            for command in ["engine", "check"] {
                let r = try CLI.run([command, file.path, "--out", sub.appendingPathComponent("out").path])
                #expect(r.status == 2, "\(name) (\(command)): exit \(r.status)\n\(r.stderr)")
                let key = name == "missing-sample" ? "inputs.targets" : "inputs.counts"
                #expect(r.stderr.contains("\(file.path): \(key): "), "\(name): \(r.stderr)")
                #expect(r.stderr.contains(reason), "\(name): expected '\(reason)' in \(r.stderr)")
            }
        }
        // A damaged targets file too.
        let t = dir.appendingPathComponent("bad-targets")
        try FileManager.default.createDirectory(at: t, withIntermediateDirectories: true)
        try good.write(to: t.appendingPathComponent("counts.csv"))
        try Data("sample,group\nS1,A\nS2\n".utf8).write(to: t.appendingPathComponent("targets.csv"))
        try CLI.write(#"{"inputs": {"counts": "counts.csv", "targets": "targets.csv"}, "design": "~0 + group", "steps": [{"fn": "voom"}, {"fn": "lmFit"}]}"#, t.appendingPathComponent("case.json"))
        let r = try CLI.run(["engine", t.appendingPathComponent("case.json").path, "--out", t.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("inputs.targets: "), "\(r.stderr)")
    }

    /// The shipped cases agree with their stored references (no R needed):
    /// exit 0, a report per case and one junit.xml.
    @Test func shippedCasesPassAgainstStoredReferences() throws {
        let out = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["check", "reference/cases", "--jobs", "2", "--out", out.path], timeout: 900)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let names = try Harness.expand([CLI.root.appendingPathComponent("reference/cases").path]).map { try ParityCase.load($0).name }
        #expect(Set(names).isSuperset(of: ["gse60450-voom", "gse60450-unfiltered-366", "pasilla-voom", "mulvey-treat"]))
        for name in names {
            #expect(r.stdout.contains("PASS \(name):"), "\(r.stdout)")
            for f in ["report.json", "report.md", "report.html", "engine", "r"] {
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("\(name)/\(f)").path), "\(name)/\(f)")
            }
        }
        let report = try JSON.parse([UInt8](Data(contentsOf: out.appendingPathComponent("gse60450-unfiltered-366/report.json"))))
        #expect(report["pass"] == .bool(true))
        #expect(report["r"]?["limma"]?.stringValue == "3.66.0")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("junit.xml").path))
    }

    /// A shipped case run live: the engine and R agree, and both sides' outputs are written.
    @Test(.enabled(if: CLI.rAvailable)) func shippedCaseRunsLiveAgainstR() throws {
        let out = try CLI.scratch()
        defer { try? FileManager.default.removeItem(at: out) }
        let r = try CLI.run(["run", "reference/cases/mulvey-treat.json", "--out", out.path], timeout: 900)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("PASS mulvey-treat:"))
        for side in ["engine", "r"] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("mulvey-treat/\(side)").path)) ?? []
            #expect(files.contains("topTable.csv") && files.contains("eBayes.t.csv") && files.contains("topTreat.csv"), "\(side): \(files)")
        }
        let engineOnly = try CLI.run(["engine", "reference/cases/mulvey-treat.json", "--out", out.appendingPathComponent("e").path, "--rscript", "/nonexistent/Rscript"], timeout: 900)
        #expect(engineOnly.status == 0, "\(engineOnly.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("e/mulvey-treat/engine/treat.p.value.csv").path))
    }

    /// The limma 3.66 reference (imported from limma 3.66.0 itself) is never
    /// overwritten by an R that would only imitate 3.66: refresh exits 3 and
    /// leaves it byte for byte.
    @Test(.enabled(if: CLI.rAvailable)) func refreshKeepsTheImported366Reference() throws {
        let dir = CLI.root.appendingPathComponent("reference/r/gse60450-unfiltered-366")
        let before = try CLI.hashes(dir)
        #expect(!before.isEmpty)
        let r = try CLI.run(["refresh", "reference/cases/gse60450-unfiltered-366.json"], timeout: 600)
        if r.status == 0 { return }   // an R with limma >= 3.66 may rebuild it; this machine's cannot
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("must come from limma 3.66 itself"))
        #expect(try CLI.hashes(dir) == before)
    }

    @Test func shardsPartitionTheCasesDeterministically() throws {
        let files = (1...10).map { "cases/c\($0).json" }.shuffled()
        var all = [String]()
        for k in 1...3 {
            let slice = Harness.shard(files, k: k, n: 3)
            #expect(slice == Harness.shard(files.reversed(), k: k, n: 3))
            all += slice
        }
        #expect(all.sorted() == files.sorted())
        let r = try CLI.run(["check", "reference/cases", "--shard", "2/4", "--out", FileManager.default.temporaryDirectory.appendingPathComponent("lp-shard-\(UUID().uuidString)").path])
        let n = try Harness.expand([CLI.root.appendingPathComponent("reference/cases").path]).count
        #expect(r.stdout.contains("shard 2/4: \(Harness.shard((1...n).map { "c\($0).json" }, k: 2, n: 4).count) case(s)"), "\(r.stdout)")
    }
}

@Suite("case grammar and parsing")
struct CaseGrammarTests {
    @Test func formulaGrammar() throws {
        let cols = ["group", "type", "condition", "time", "odd name"]
        for ok in ["~0 + group", "~ type + condition", "~ group * time", "~group:time", "~ -1 + group", "~ `odd name`", "~ (type + condition)^1".replacingOccurrences(of: "^1", with: ""), "~1"] {
            #expect(throws: Never.self) { try CaseSafety.checkFormula(ok, columns: cols) }
        }
        for bad in ["group", "~", "~ group +", "~ log(time)", "~ group; 1", "~ group$x", "~ 'group'", "~ group ~ type", "~ group %in% type",
                    "~ group^2", "~ I(time)", "~ `a`(1)", "~ group\n", "~ TRUE", "~ group | type", "~ treatment", "~ `odd\\name`", "~ group(("] {
            #expect(throws: SafetyError.self, "\(bad)") { try CaseSafety.checkFormula(bad, columns: cols) }
        }
    }

    @Test func contrastGrammar() throws {
        let levels = ["(Intercept)", "groupA", "groupB", "groupC"]
        for ok in ["groupA - groupB", "(groupA + groupB)/2 - groupC", "-groupA", "0.5*groupA - 0.5*groupB", "Intercept + groupA"] {
            #expect(throws: Never.self) { try CaseSafety.checkContrast(ok, levels: levels) }
        }
        for bad in ["", "groupA - groupD", "groupA - pi", "groupA; groupB", "exp(groupA)", "groupA <- 1", "groupA == 1", "groupA:groupB", "groupA ~ groupB", "`groupA`()"] {
            #expect(throws: SafetyError.self, "\(bad)") { try CaseSafety.checkContrast(bad, levels: levels) }
        }
        #expect(throws: SafetyError.self) { try CaseSafety.checkContrast("`typesingle-read` - x", levels: ["typesingle-read", "x"]) }
    }

    @Test func jsonIsStrict() throws {
        #expect(try JSON.parse(Array(#"{"a": [1, 2.5e3, "x\u00e9\n"], "b": {"c": null, "d": true}}"#.utf8))["a"]?.arrayValue?.count == 3)
        let keys = try JSON.parse(Array(#"{"z": 1, "a": 2, "m": 3}"#.utf8)).objectValue?.map(\.key)
        #expect(keys == ["z", "a", "m"])
        for bad in [#"{"a": 1,}"#, #"{"a": 1, "a": 2}"#, "[1 2]", "{'a': 1}", "[NaN]", "[01]", #"["\x"]"#, "// c\n{}", String(repeating: "[", count: 100) + String(repeating: "]", count: 100), "[1e999]", "{} x"] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSON.parse(Array(bad.utf8)) }
        }
        #expect(throws: JSONSyntaxError.self) { try JSON.parse([0x7B, 0xFF, 0x7D]) }
        let v: JSONValue = .object([("x", .number(0.1)), ("y", .array([.number(.infinity), .string("a\"b")]))])
        #expect(try JSON.parse(Array(JSON.write(v).utf8))["x"] == .number(0.1))
    }

    @Test func sha256KnownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func shippedCasesLoad() throws {
        for f in try Harness.expand([CLI.root.appendingPathComponent("reference/cases").path]) {
            let c = try ParityCase.load(f)
            _ = try CaseData.load(c)
            #expect(!c.steps.isEmpty)
        }
    }

    /// Every shipped case whose voom step is the counts' last reader gets E in
    /// the counts' own storage: nothing the runner keeps (a deferred output
    /// table above all, which must capture arrays, not the DGEList) holds on to
    /// the counts. Round 15's first cut of the deferred tables broke exactly
    /// this, and no number showed it: at 60k x 1000 peak RSS rose 789 -> 1155
    /// MB and voom slowed 470 -> 678 ms.
    @Test func voomReusesTheCountsInEveryShippedCase() throws {
        var checked = 0
        for f in try Harness.expand([CLI.root.appendingPathComponent("reference/cases").path]) {
            let c = try ParityCase.load(f)
            guard c.steps.contains(where: { $0.fn == "voom" }) else { continue }
            let out = try EngineRunner.run(c, data: CaseData.load(c), limma: .v3_54)
            #expect(!out.voomReusedCounts.isEmpty, "\(c.name): voom was not the counts' last reader")
            #expect(out.voomReusedCounts.allSatisfy { $0 }, "\(c.name): voom copied the counts")
            checked += 1
        }
        #expect(checked >= 5)
    }

    /// The check above can fail: a runner that keeps the DGEList alive makes
    /// voom copy the counts, and the flag says so.
    @Test func voomCopiesCountsThatAreStillShared() throws {
        // Each call builds its own storage, shared with nothing.
        func counts() -> Matrix {
            Matrix(nrow: 40, ncol: 4, values: (0..<160).map { Double(($0 * 7919) % 97 + 3) },
                   rowNames: (0..<40).map { "g\($0)" }, colNames: ["a1", "a2", "b1", "b2"])
        }
        let design = Matrix(rows: [[1, 0], [1, 0], [0, 1], [0, 1]], colNames: ["A", "B"])
        var y = DGEList(counts: counts())
        let kept = y                                   // a second reference to the same counts
        let storage = y.counts.values.withUnsafeBufferPointer { $0.baseAddress }
        let shared = try voom(releasing: &y, design: design)
        #expect(shared.E.values.withUnsafeBufferPointer { $0.baseAddress } != storage)
        #expect(kept.counts.values == counts().values)   // the holder's counts are untouched
        var alone = DGEList(counts: counts())
        let own = alone.counts.values.withUnsafeBufferPointer { $0.baseAddress }
        let reused = try voom(releasing: &alone, design: design)
        #expect(reused.E.values.withUnsafeBufferPointer { $0.baseAddress } == own)
    }
}
