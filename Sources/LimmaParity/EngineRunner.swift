// Runs a case's steps on the Swift engine, as R's pipeline would run them
// (docs/case-spec.md, "steps"), and collects every statistic under R's names.
import Foundation
import Limma

/// The engine does not (yet) implement a step the case calls: exit status 2,
/// listing what it does implement.
public struct EngineUnsupported: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var key: String
    public var fn: String
    public var description: String {
        "\(file): \(key): the engine does not implement \(fn) yet; it runs: \(EngineRunner.supportedSteps.joined(separator: ", "))"
    }
}

/// The engine failed on a valid case (a parity failure): exit status 1.
public struct EngineFailure: Error, Sendable, CustomStringConvertible {
    public var step: String
    public var message: String
    public var description: String { "engine failed in \(step): \(message)" }
}

public enum EngineRunner {
    /// The engine's version, reported beside R's.
    public static let version = "0.1.0"

    /// The steps the engine runs today.
    public static let supportedSteps: [String] = []

    /// Refuses a case whose steps the engine cannot run (before anything runs).
    public static func checkSupported(_ c: ParityCase) throws {
        for (k, s) in c.steps.enumerated() where !supportedSteps.contains(s.fn) {
            throw EngineUnsupported(file: c.file, key: "steps[\(k + 1)].fn", fn: s.fn)
        }
    }

    /// Runs `c` on the engine. Times the pipeline after the inputs are loaded.
    public static func run(_ c: ParityCase, data: CaseData, loadSeconds: Double = 0) throws -> SideOutputs {
        try checkSupported(c)
        var out = SideOutputs(side: "engine", versions: ["version": version])
        let start = Date()
        // Each supported step is wired here as the engine gains it.
        for s in c.steps {
            throw EngineFailure(step: s.label, message: "not wired")
        }
        let pipeline = Date().timeIntervalSince(start)
        out.pipelineSeconds = pipeline
        out.totalSeconds = pipeline + loadSeconds
        return out
    }

    // MARK: statistics under R's names

    /// A per-feature (or per-sample) vector as a one-column table.
    static func vector(_ step: String, _ name: String, _ v: [Double], ids: [String], kind: StatisticKind = .numeric) -> StatisticTable {
        StatisticTable(step: step, name: name, kind: kind, rowIDs: ids.count == v.count ? ids : (1...max(v.count, 1)).prefix(v.count).map(String.init),
                       columnNames: ["x"], values: v)
    }

    /// A matrix as a table with its row and column names.
    static func matrix(_ step: String, _ name: String, _ m: Matrix, kind: StatisticKind = .numeric) -> StatisticTable {
        StatisticTable(step: step, name: name, kind: kind, rowIDs: m.rowNames ?? (0..<m.nrow).map { String($0 + 1) },
                       columnNames: m.colNames ?? (0..<m.ncol).map { "V\($0 + 1)" }, values: m.values)
    }
}
