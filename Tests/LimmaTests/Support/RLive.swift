// Running R live from the engine's tests: each test family has an R script in
// rscripts/tests/ that writes R's outputs losslessly (rscripts/lib/io.R) into a
// directory; the test reads them back and compares with the engine.
import Foundation
import Limma

enum RLive {
    /// The package root (two levels above Tests/LimmaTests).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// `Rscript` from LIMMA_RSCRIPT or PATH, or nil when R is not installed.
    static let rscript: String? = {
        if let p = ProcessInfo.processInfo.environment["LIMMA_RSCRIPT"], FileManager.default.isExecutableFile(atPath: p) { return p }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/Rscript"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }()

    static var available: Bool { rscript != nil }

    struct RFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `rscripts/tests/<script>` with `args`; the script's first argument is
    /// an output directory it writes into. Returns that directory.
    static func run(_ script: String, _ args: [String] = []) throws -> URL {
        guard let rscript else { throw RFailure(description: "Rscript not found") }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("limma-rlive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rscript)
        p.arguments = ["--vanilla", path("rscripts/tests/\(script)"), out.path] + args
        p.currentDirectoryURL = root
        let err = Pipe()
        p.standardError = err
        p.standardOutput = err  // R prints some fatal errors on stdout
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            throw RFailure(description: "R script \(script) failed (\(p.terminationStatus)):\n" + String(decoding: errData, as: UTF8.self))
        }
        return out
    }

    /// Reads an R output written by `write_lossless` (%.17g, so parsed with
    /// correct rounding to get R's doubles back exactly).
    static func matrix(_ dir: URL, _ name: String) throws -> MatrixFile {
        try MatrixReader.read(dir.appendingPathComponent(name).path, parsing: .correctlyRounded)
    }

    /// Reads an R vector written by `write_lossless` (one column "x").
    static func vector(_ dir: URL, _ name: String) throws -> [Double] {
        try matrix(dir, name).matrix.values
    }
}

/// Relative-difference comparison at the project's parity bar: passes when
/// |a - b| <= abs or |a - b| <= rel * |r|; NA/NaN must agree in place.
struct Parity {
    var rel = 1e-10
    var abs = 1e-12

    struct Result: CustomStringConvertible {
        var n = 0
        var naMismatch = 0
        var maxRel = 0.0
        var maxAbs = 0.0
        var failures = 0
        var worst: (index: Int, r: Double, engine: Double)?
        var pass: Bool { naMismatch == 0 && failures == 0 }
        var description: String {
            "n=\(n) naMismatch=\(naMismatch) failures=\(failures) maxAbs=\(maxAbs) maxRel=\(maxRel)" + (worst.map { " worst[\($0.index)]: R=\($0.r) engine=\($0.engine)" } ?? "")
        }
    }

    func compare(engine: [Double], r: [Double]) -> Result {
        var res = Result()
        guard engine.count == r.count else { res.failures = max(engine.count, r.count); return res }
        res.n = r.count
        for i in 0..<r.count {
            let a = engine[i], b = r[i]
            if a.isNaN || b.isNaN { if a.isNaN != b.isNaN { res.naMismatch += 1 }; continue }
            if a == b { continue }
            let d = Swift.abs(a - b)
            let rl = b == 0 ? (d == 0 ? 0 : .infinity) : d / Swift.abs(b)
            res.maxAbs = max(res.maxAbs, d.isNaN ? .infinity : d)
            if rl > res.maxRel || (res.worst == nil) { if rl >= res.maxRel { res.maxRel = rl; res.worst = (i, b, a) } }
            if !(d <= abs || d <= rel * Swift.abs(b)) { res.failures += 1 }
        }
        return res
    }
}
