// report.json: the machine-readable report of one case, with a stable key
// order (the contract's keys first, as docs/case-spec.md shows them).
import Foundation

/// A JSON value whose objects keep their key order.
public indirect enum OrderedJSON: Sendable, Equatable {
    case object([(String, OrderedJSON)])
    case array([OrderedJSON])
    case string(String)
    case number(Double)
    case int(Int)
    case bool(Bool)
    case null

    public static func == (a: OrderedJSON, b: OrderedJSON) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y || (x.isNaN && y.isNaN)
        case let (.int(x), .int(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    /// A double as JSON: finite numbers in Swift's shortest round-trip form,
    /// `"NaN"`, `"Inf"`, `"-Inf"` as strings, nil as null.
    public static func double(_ x: Double?) -> OrderedJSON {
        guard let x else { return .null }
        if x.isNaN { return .string("NaN") }
        if x.isInfinite { return .string(x > 0 ? "Inf" : "-Inf") }
        return .number(x)
    }

    public static func optionalString(_ s: String?) -> OrderedJSON { s.map { .string($0) } ?? .null }

    /// Serialises with two-space indentation; arrays of scalars stay on one line.
    public func serialized(indent: Int = 0) -> String {
        var out = ""
        write(into: &out, indent: indent)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .object, .array: return false
        default: return true
        }
    }

    private func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let x): out += OrderedJSON.numberText(x)
        case .string(let s): out += JSON.quote(s)
        case .array(let xs):
            if xs.isEmpty { out += "[]"; return }
            if xs.allSatisfy(\.isScalar) || xs.allSatisfy({ if case .array(let ys) = $0 { return ys.allSatisfy(\.isScalar) } else { return false } }) {
                out += "["
                for (i, x) in xs.enumerated() {
                    if i > 0 { out += ", " }
                    x.write(into: &out, indent: indent)
                }
                out += "]"
                return
            }
            out += "[\n"
            for (i, x) in xs.enumerated() {
                out += pad
                x.write(into: &out, indent: indent + 1)
                out += i + 1 < xs.count ? ",\n" : "\n"
            }
            out += closePad + "]"
        case .object(let kv):
            if kv.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, (k, v)) in kv.enumerated() {
                out += pad + JSON.quote(k) + ": "
                v.write(into: &out, indent: indent + 1)
                out += i + 1 < kv.count ? ",\n" : "\n"
            }
            out += closePad + "}"
        }
    }

    static func numberText(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "\"NaN\"" : (x > 0 ? "\"Inf\"" : "\"-Inf\"") }
        if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}

public enum ReportJSON {
    /// The report of one case as JSON text (ends with a newline).
    public static func render(_ c: CaseComparison) -> String {
        json(c).serialized() + "\n"
    }

    /// Writes `report.json` into `directory` (created if needed).
    public static func write(_ c: CaseComparison, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(render(c).utf8).write(to: directory.appendingPathComponent("report.json"), options: .atomic)
    }

    /// Reads a report back (`report.json` text or data).
    public static func decode(_ data: Data) throws -> CaseComparison {
        try decoder.decode(CaseComparison.self, from: data)
    }

    /// A decoder that reads the report's spellings of non-finite numbers.
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Inf", negativeInfinity: "-Inf", nan: "NaN")
        return d
    }

    static let versionOrder = ["version", "limma", "edgeR", "statmod", "platform"]

    static func versions(_ v: [String: String]) -> OrderedJSON {
        let keys = versionOrder.filter { v[$0] != nil } + v.keys.filter { !versionOrder.contains($0) }.sorted()
        return .object(keys.map { ($0, .string(v[$0] ?? "")) })
    }

    static func tolerance(_ t: Tolerance?) -> OrderedJSON {
        guard let t else { return .null }
        var kv: [(String, OrderedJSON)] = []
        if let x = t.rel { kv.append(("rel", .double(x))) }
        if let x = t.abs { kv.append(("abs", .double(x))) }
        if let x = t.log10 { kv.append(("log10", .double(x))) }
        return .object(kv)
    }

    static func worst(_ w: WorstFeature) -> OrderedJSON {
        var kv: [(String, OrderedJSON)] = [("id", .string(w.id))]
        if let c = w.column { kv.append(("column", .string(c))) }
        if w.rID != nil || w.engineID != nil {
            kv.append(("r_id", .optionalString(w.rID)))
            kv.append(("engine_id", .optionalString(w.engineID)))
        } else {
            kv.append(("r", .double(w.r)))
            kv.append(("engine", .double(w.engine)))
            if let d = w.absDiff { kv.append(("abs_diff", .double(d))) }
            if let d = w.relDiff { kv.append(("rel_diff", .double(d))) }
        }
        if let n = w.note { kv.append(("note", .string(n))) }
        return .object(kv)
    }

    static func statistic(_ s: StatisticComparison) -> OrderedJSON {
        var kv: [(String, OrderedJSON)] = [
            ("step", .string(s.step)), ("name", .string(s.name)), ("kind", .string(s.kind.rawValue)),
            ("n", .int(s.n)), ("n_na_mismatch", .int(s.nNAMismatch)),
            ("max_abs", .double(s.maxAbs)), ("max_rel", .double(s.maxRel)), ("median_rel", .double(s.medianRel)),
        ]
        if let l = s.maxLog10 { kv.append(("max_log10", .double(l))) }
        kv.append(("tolerance", tolerance(s.tolerance)))
        kv.append(("pass", .bool(s.pass)))
        kv.append(("n_fail", .int(s.nFail)))
        if let m = s.message { kv.append(("message", .string(m))) }
        kv.append(("worst", .array(s.worst.map(worst))))
        if s.nMissingInEngine > 0 || !s.missingInEngine.isEmpty {
            kv.append(("n_missing_in_engine", .int(s.nMissingInEngine)))
            kv.append(("missing_in_engine", .array(s.missingInEngine.map { .string($0) })))
        }
        if s.nMissingInR > 0 || !s.missingInR.isEmpty {
            kv.append(("n_missing_in_r", .int(s.nMissingInR)))
            kv.append(("missing_in_r", .array(s.missingInR.map { .string($0) })))
        }
        if !s.missingColumnsInEngine.isEmpty { kv.append(("missing_columns_in_engine", .array(s.missingColumnsInEngine.map { .string($0) }))) }
        if !s.missingColumnsInR.isEmpty { kv.append(("missing_columns_in_r", .array(s.missingColumnsInR.map { .string($0) }))) }
        if let m = s.confusion {
            kv.append(("confusion", .object([
                ("rows", .string("R call -1, 0, 1")), ("columns", .string("engine call -1, 0, 1")),
                ("counts", .array(m.map { .array($0.map { .int($0) }) })),
            ])))
        }
        return .object(kv)
    }

    static func json(_ c: CaseComparison) -> OrderedJSON {
        var kv: [(String, OrderedJSON)] = [("case", .string(c.caseName))]
        if let t = c.title { kv.append(("title", .string(t))) }
        kv.append(("pass", .bool(c.pass)))
        kv.append(("r", versions(c.r)))
        kv.append(("engine", versions(c.engine)))
        kv.append(("statistics", .array(c.statistics.map(statistic))))
        kv.append(("timing", .object([
            ("engine_s", .double(c.timing.engineSeconds)), ("r_s", .double(c.timing.rSeconds)),
            ("engine_pipeline_s", .double(c.timing.enginePipelineSeconds)), ("r_pipeline_s", .double(c.timing.rPipelineSeconds)),
        ])))
        if let e = c.error { kv.append(("error", .string(e))) }
        kv.append(("engine_warnings", .array(c.engineWarnings.map { .string($0) })))
        kv.append(("r_warnings", .array(c.rWarnings.map { .string($0) })))
        return .object(kv)
    }
}

// Decoding a report written by `ReportJSON.render`: absent lists mean empty.
extension StatisticComparison {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(step: try c.decode(String.self, forKey: .step), name: try c.decode(String.self, forKey: .name),
                  kind: try c.decode(StatisticKind.self, forKey: .kind))
        n = try c.decode(Int.self, forKey: .n)
        nNAMismatch = try c.decode(Int.self, forKey: .nNAMismatch)
        nFail = try c.decodeIfPresent(Int.self, forKey: .nFail) ?? 0
        maxAbs = try c.decodeIfPresent(Double.self, forKey: .maxAbs)
        maxRel = try c.decodeIfPresent(Double.self, forKey: .maxRel)
        medianRel = try c.decodeIfPresent(Double.self, forKey: .medianRel)
        maxLog10 = try c.decodeIfPresent(Double.self, forKey: .maxLog10)
        tolerance = try c.decodeIfPresent(Tolerance.self, forKey: .tolerance)
        pass = try c.decode(Bool.self, forKey: .pass)
        worst = try c.decodeIfPresent([WorstFeature].self, forKey: .worst) ?? []
        nMissingInEngine = try c.decodeIfPresent(Int.self, forKey: .nMissingInEngine) ?? 0
        nMissingInR = try c.decodeIfPresent(Int.self, forKey: .nMissingInR) ?? 0
        missingInEngine = try c.decodeIfPresent([String].self, forKey: .missingInEngine) ?? []
        missingInR = try c.decodeIfPresent([String].self, forKey: .missingInR) ?? []
        missingColumnsInEngine = try c.decodeIfPresent([String].self, forKey: .missingColumnsInEngine) ?? []
        missingColumnsInR = try c.decodeIfPresent([String].self, forKey: .missingColumnsInR) ?? []
        if c.contains(.confusion), try !c.decodeNil(forKey: .confusion) {
            struct Confusion: Decodable { var counts: [[Int]] }
            if let m = try? c.decode([[Int]].self, forKey: .confusion) { confusion = m }
            else { confusion = try c.decode(Confusion.self, forKey: .confusion).counts }
        }
        message = try c.decodeIfPresent(String.self, forKey: .message)
    }
}

extension CaseComparison {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(caseName: try c.decode(String.self, forKey: .caseName), title: try c.decodeIfPresent(String.self, forKey: .title),
                  pass: try c.decode(Bool.self, forKey: .pass),
                  r: try c.decodeIfPresent([String: String].self, forKey: .r) ?? [:],
                  engine: try c.decodeIfPresent([String: String].self, forKey: .engine) ?? [:],
                  statistics: try c.decodeIfPresent([StatisticComparison].self, forKey: .statistics) ?? [],
                  timing: try c.decodeIfPresent(CaseTiming.self, forKey: .timing) ?? CaseTiming(),
                  engineWarnings: try c.decodeIfPresent([String].self, forKey: .engineWarnings) ?? [],
                  rWarnings: try c.decodeIfPresent([String].self, forKey: .rWarnings) ?? [],
                  error: try c.decodeIfPresent(String.self, forKey: .error))
    }
}
