// The parity case: one limma analysis written as a JSON file (docs/case-spec.md).
// Loading is strict: every key is known, every value has its documented type,
// every formula and contrast passes the grammar in CaseSafety, and every error
// names the file, the key and the reason (`FILE: key: reason`, exit status 2).
import Foundation
import Limma

/// A bad case file or input: exit status 2. Printed as `FILE: key: reason`.
public struct CaseError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var key: String
    public var reason: String
    public init(_ file: String, _ key: String, _ reason: String) {
        self.file = file
        self.key = key
        self.reason = reason
    }
    public var description: String { key.isEmpty ? "\(file): \(reason)" : "\(file): \(key): \(reason)" }
}

public enum DesignSpec: Sendable, Equatable {
    /// An R model formula over targets columns.
    case formula(String)
    /// An explicit design matrix file (samples x columns, first column the sample).
    case matrix(String)
}

public enum ContrastSpec: Sendable, Equatable {
    /// name -> linear expression over design column names, in file order.
    case expressions([CaseContrast])
    /// An explicit contrast matrix file (design columns x contrasts).
    case matrix(String)
}

public struct CaseContrast: Sendable, Equatable {
    public var name: String
    public var expression: String
}

public struct CaseInputs: Sendable, Equatable {
    /// Absolute paths.
    public var counts: String?
    public var expression: String?
    public var annotation: [String] = []
    public var targets: String?
    public var weights: String?
    /// Gene sets for camera/fry/mroast: CSV/TSV with columns `set,feature_id`.
    public var geneSets: String?

    /// Every input file, keyed as in the case (`counts`, `targets`, ...), in a fixed order.
    public var files: [(key: String, path: String)] {
        var out = [(key: String, path: String)]()
        if let counts { out.append(("counts", counts)) }
        if let expression { out.append(("expression", expression)) }
        if let targets { out.append(("targets", targets)) }
        if let weights { out.append(("weights", weights)) }
        if let geneSets { out.append(("gene_sets", geneSets)) }
        return out
    }
}

/// One step: an R function with its arguments (R names, validated values).
public struct CaseStep: Sendable, Equatable {
    public var fn: String
    /// `fn`, with `#2`, `#3` appended when the case calls it again.
    public var label: String
    public var args: [NamedArg]
    public func arg(_ name: String) -> ArgValue? { args.first { $0.name == name }?.value }
}

public struct NamedArg: Sendable, Equatable {
    public var name: String
    public var value: ArgValue
}

/// A loaded, validated case file.
public struct ParityCase: Sendable {
    /// The case file path as the user gave it (for messages).
    public var file: String
    /// Its absolute path.
    public var absolutePath: String
    public var name: String
    public var title: String?
    public var inputs: CaseInputs
    public var design: DesignSpec?
    /// Factor levels, in order, for targets columns.
    public var levels: [(column: String, levels: [String])]
    public var contrasts: ContrastSpec?
    public var steps: [CaseStep]
    /// Tolerances keyed as the comparison reads them: `"default"`, `"<statistic>"`,
    /// `"<step>.<statistic>"`; empty means the project bar (rel 1e-10, abs 1e-12).
    public var tolerances: [String: Tolerance]
    /// The limma release whose defaults the case follows, if it says.
    public var limma: LimmaVersion?

    public func step(_ label: String) -> CaseStep? { steps.first { $0.label == label } }
}

extension ParityCase {
    static let topKeys = ["name", "title", "description", "inputs", "design", "levels", "contrasts", "steps", "tolerance", "limma"]
    static let inputKeys = ["counts", "expression", "annotation", "targets", "weights", "gene_sets"]
    /// Largest case file accepted.
    public static let maxFileBytes = 256 * 1024

    /// Reads and validates a case file (structure and grammar; the inputs are
    /// checked against the data by `CaseData.load`).
    public static func load(_ file: String) throws -> ParityCase {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue else {
            throw CaseError(file, "", "no such case file")
        }
        guard let data = FileManager.default.contents(atPath: url.path) else { throw CaseError(file, "", "cannot read the case file") }
        if data.count > maxFileBytes { throw CaseError(file, "", "case file is \(data.count) bytes; at most \(maxFileBytes) are accepted") }
        let json: JSONValue
        do { json = try JSON.parse([UInt8](data)) } catch let e as JSONSyntaxError {
            throw CaseError(file, "", "not valid JSON: \(e)")
        }
        return try parse(json, file: file, absolutePath: url.path)
    }

    /// Builds a case from parsed JSON (`file` names it in messages; paths are
    /// resolved against the directory of `absolutePath`).
    public static func parse(_ json: JSONValue, file: String, absolutePath: String) throws -> ParityCase {
        func fail(_ key: String, _ reason: String) -> CaseError { CaseError(file, key, reason) }
        guard let top = json.objectValue else { throw fail("", "a case file must be a JSON object, not \(json.typeName)") }
        for (k, _) in top where !topKeys.contains(k) {
            throw fail(k, "unknown key; a case has: \(topKeys.joined(separator: ", "))")
        }
        let dir = URL(fileURLWithPath: absolutePath).deletingLastPathComponent()

        // name
        var name = URL(fileURLWithPath: absolutePath).deletingPathExtension().lastPathComponent
        if let v = json["name"] {
            guard let s = v.stringValue else { throw fail("name", "must be a string, not \(v.typeName)") }
            name = s
        }
        do { try CaseSafety.checkIdentifier(name) } catch { throw fail("name", "\(error)") }

        var title: String?
        if let v = json["title"] {
            guard let s = v.stringValue, s.count <= 500 else { throw fail("title", "must be a string of at most 500 characters") }
            title = s
        }
        if let v = json["description"], v.stringValue == nil { throw fail("description", "must be a string, not \(v.typeName)") }

        // limma version
        var limma: LimmaVersion?
        if let v = json["limma"] {
            guard let s = v.stringValue, let lv = LimmaVersion(rawValue: s) else {
                throw fail("limma", "must be one of " + LimmaVersion.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))
            }
            limma = lv
        }

        // inputs
        guard let inputsJSON = json["inputs"] else { throw fail("inputs", "missing: a case needs inputs (counts or expression, and targets)") }
        guard let inObj = inputsJSON.objectValue else { throw fail("inputs", "must be an object, not \(inputsJSON.typeName)") }
        var inputs = CaseInputs()
        for (k, v) in inObj {
            guard inputKeys.contains(k) else { throw fail("inputs.\(k)", "unknown input; inputs are: \(inputKeys.joined(separator: ", "))") }
            if k == "annotation" {
                guard let arr = v.arrayValue, let names = Optional(arr.compactMap(\.stringValue)), names.count == arr.count else {
                    throw fail("inputs.annotation", "must be an array of column names")
                }
                for n in names {
                    do { try CaseSafety.checkColumnValue(n, columns: nil) } catch { throw fail("inputs.annotation", "\(error)") }
                }
                if Set(names).count != names.count { throw fail("inputs.annotation", "names a column twice") }
                inputs.annotation = names
                continue
            }
            guard let rel = v.stringValue else { throw fail("inputs.\(k)", "must be a file path (a string), not \(v.typeName)") }
            let path = try resolvePath(rel, dir: dir, file: file, key: "inputs.\(k)")
            switch k {
            case "counts": inputs.counts = path
            case "expression": inputs.expression = path
            case "targets": inputs.targets = path
            case "gene_sets": inputs.geneSets = path
            default: inputs.weights = path
            }
        }
        if (inputs.counts == nil) == (inputs.expression == nil) {
            throw fail("inputs", "give exactly one of \"counts\" (raw counts) or \"expression\" (log-scale values)")
        }
        if inputs.weights != nil && inputs.counts != nil {
            throw fail("inputs.weights", "observation weights go with \"expression\" input (for counts, voom computes them)")
        }

        // design
        var design: DesignSpec?
        if let v = json["design"] {
            if let s = v.stringValue {
                do { try CaseSafety.checkFormula(s, columns: nil) } catch { throw fail("design", "formula \"\(s.prefix(80))\" \(error)") }
                design = .formula(s)
            } else if let o = v.objectValue, o.count == 1, o[0].key == "matrix", let rel = o[0].value.stringValue {
                design = .matrix(try resolvePath(rel, dir: dir, file: file, key: "design.matrix"))
            } else {
                throw fail("design", "must be a model formula string (\"~0 + group\") or {\"matrix\": \"design.csv\"}")
            }
        }
        if case .formula = design, inputs.targets == nil { throw fail("inputs.targets", "a design formula needs a targets file") }

        // levels
        var levels = [(column: String, levels: [String])]()
        if let v = json["levels"] {
            guard let o = v.objectValue else { throw fail("levels", "must be an object: column -> array of levels") }
            for (col, lv) in o {
                guard let arr = lv.arrayValue, !arr.isEmpty, arr.allSatisfy({ $0.stringValue != nil }) else {
                    throw fail("levels.\(col)", "must be a non-empty array of strings")
                }
                let ls = arr.compactMap(\.stringValue)
                if Set(ls).count != ls.count { throw fail("levels.\(col)", "lists a level twice") }
                do { try CaseSafety.checkColumnValue(col, columns: nil) } catch { throw fail("levels.\(col)", "\(error)") }
                levels.append((col, ls))
            }
        }

        // contrasts
        var contrasts: ContrastSpec?
        if let v = json["contrasts"] {
            guard let o = v.objectValue, !o.isEmpty else { throw fail("contrasts", "must be an object: name -> expression, or {\"matrix\": \"C.csv\"}") }
            if o.count == 1, o[0].key == "matrix", let rel = o[0].value.stringValue, design != nil {
                contrasts = .matrix(try resolvePath(rel, dir: dir, file: file, key: "contrasts.matrix"))
            } else {
                var list = [CaseContrast]()
                for (cname, e) in o {
                    do { try CaseSafety.checkIdentifier(cname) } catch { throw fail("contrasts", "name \(error)") }
                    guard let s = e.stringValue else { throw fail("contrasts.\(cname)", "must be an expression string, not \(e.typeName)") }
                    do { try CaseSafety.checkContrast(s, levels: nil) } catch { throw fail("contrasts.\(cname)", "\"\(s.prefix(80))\" \(error)") }
                    list.append(CaseContrast(name: cname, expression: s))
                }
                contrasts = .expressions(list)
            }
            if design == nil { throw fail("contrasts", "contrasts need a design") }
        }

        // steps
        guard let stepsJSON = json["steps"] else { throw fail("steps", "missing: a case needs steps") }
        guard let stepArr = stepsJSON.arrayValue, !stepArr.isEmpty else { throw fail("steps", "must be a non-empty array of steps") }
        if stepArr.count > 100 { throw fail("steps", "has \(stepArr.count) steps; at most 100 are accepted") }
        var steps = [CaseStep]()
        var counts = [String: Int]()
        for (k, s) in stepArr.enumerated() {
            let where_ = "steps[\(k + 1)]"
            guard let o = s.objectValue else { throw fail(where_, "must be an object {\"fn\": ...}") }
            guard let fn = s["fn"]?.stringValue else { throw fail(where_, "needs \"fn\", the R function name") }
            guard let spec = StepCatalog.spec(fn) else {
                throw fail("\(where_).fn", "unknown function \"\(fn.prefix(60))\"; supported: \(StepCatalog.supported)")
            }
            counts[fn, default: 0] += 1
            let label = counts[fn]! == 1 ? fn : "\(fn)#\(counts[fn]!)"
            var args = [NamedArg]()
            for (an, av) in o where an != "fn" {
                guard let type = spec.type(of: an) else {
                    throw fail("\(where_).\(an)", "\(fn) has no argument \"\(an.prefix(60))\" here; supported: \(spec.args.map(\.name).joined(separator: ", "))")
                }
                if spec.since366.contains(an), limma != .v3_66 {
                    throw fail("\(where_).\(an)", "exists from limma 3.60/3.62 on; set \"limma\": \"3.66\" to use it")
                }
                let value: ArgValue
                do { value = try convert(av, type: type) } catch {
                    throw fail("\(where_).\(an)", "\(error)")
                }
                if StepCatalog.wholeNumbers.contains(an), case let .number(d) = value, d != d.rounded() {
                    throw fail("\(where_).\(an)", "must be a whole number, not \(d)")
                }
                args.append(NamedArg(name: an, value: value))
            }
            steps.append(CaseStep(fn: fn, label: label, args: args))
        }
        try checkOrder(steps, hasCounts: inputs.counts != nil, hasContrasts: contrasts != nil, fail: fail)
        for (k, st) in steps.enumerated() where StepCatalog.geneSetSteps.contains(st.fn) {
            if inputs.geneSets == nil { throw fail("steps[\(k + 1)].fn", "\(st.fn) needs inputs.gene_sets (a CSV/TSV with columns set,feature_id)") }
            if design == nil { throw fail("steps[\(k + 1)].fn", "\(st.fn) needs a design") }
            if st.fn == "mroast", st.arg("seed") == nil {
                throw fail("steps[\(k + 1)]", "mroast needs \"seed\" (R's set.seed before the call) to be reproducible")
            }
            if case let .indices(i)? = st.arg("contrast"), i.count != 1 { throw fail("steps[\(k + 1)].contrast", "must be one coefficient") }
            if case .strings? = st.arg("contrast") { throw fail("steps[\(k + 1)].contrast", "must be one coefficient") }
        }
        if inputs.geneSets != nil, !steps.contains(where: { StepCatalog.geneSetSteps.contains($0.fn) }) {
            throw fail("inputs.gene_sets", "no step uses gene sets (camera, fry, mroast)")
        }

        // tolerance
        var tol = [String: Tolerance]()
        if let v = json["tolerance"] {
            guard let o = v.objectValue else { throw fail("tolerance", "must be an object: statistic -> {rel, abs, log10}") }
            for (k, tv) in o {
                guard k.count <= 200 else { throw fail("tolerance", "key too long") }
                tol[k] = try parseTolerance(tv, key: "tolerance.\(k)", fail: fail)
            }
        }

        return ParityCase(file: file, absolutePath: absolutePath, name: name, title: title, inputs: inputs, design: design,
                          levels: levels, contrasts: contrasts, steps: steps, tolerances: tol, limma: limma)
    }

    static func resolvePath(_ rel: String, dir: URL, file: String, key: String) throws -> String {
        guard !rel.isEmpty, rel.count <= 1000, !rel.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw CaseError(file, key, "must be a file path")
        }
        let url = rel.hasPrefix("/") ? URL(fileURLWithPath: rel) : dir.appendingPathComponent(rel)
        let path = url.standardizedFileURL.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
              FileManager.default.isReadableFile(atPath: path) else {
            throw CaseError(file, key, "no readable file at \(rel) (resolved to \(path))")
        }
        return path
    }

    static func parseTolerance(_ v: JSONValue, key: String, fail: (String, String) -> CaseError) throws -> Tolerance {
        guard let o = v.objectValue, !o.isEmpty else { throw fail(key, "must be an object with rel, abs and/or log10") }
        var t = Tolerance()
        for (k, x) in o {
            guard let d = x.numberValue, d >= 0, d.isFinite else { throw fail("\(key).\(k)", "must be a non-negative number") }
            switch k {
            case "rel": t.rel = d
            case "abs": t.abs = d
            case "log10": t.log10 = d
            default: throw fail("\(key).\(k)", "unknown; a tolerance has rel, abs, log10")
            }
        }
        return t
    }

    /// Converts a JSON argument value to its documented type.
    static func convert(_ v: JSONValue, type: ArgType) throws(SafetyError) -> ArgValue {
        func number(_ v: JSONValue, inf: Bool) -> Double? {
            if let d = v.numberValue { return d }
            if inf, let s = v.stringValue { return s == "Inf" ? .infinity : (s == "-Inf" ? -.infinity : nil) }
            return nil
        }
        switch type {
        case .bool:
            guard let b = v.boolValue else { throw SafetyError("must be \(type.help) (JSON boolean), not \(v.typeName)") }
            return .bool(b)
        case let .number(lo, hi, inf):
            guard let d = number(v, inf: inf), (d >= lo && d <= hi) || (inf && d.isInfinite) else {
                throw SafetyError("must be \(type.help)")
            }
            return .number(d)
        case let .numbers(n, lo, hi):
            guard let a = v.arrayValue, a.count == n else { throw SafetyError("must be \(type.help)") }
            let ds = a.compactMap(\.numberValue)
            guard ds.count == n, ds.allSatisfy({ $0 >= lo && $0 <= hi }) else { throw SafetyError("must be \(type.help)") }
            return .numbers(ds)
        case let .choice(options):
            guard let s = v.stringValue else { throw SafetyError("must be \(type.help), not \(v.typeName)") }
            guard options.contains(s) else {
                throw SafetyError("unknown value \"\(s.prefix(60))\", supported: \(options.joined(separator: ", "))")
            }
            return .string(s)
        case .column:
            guard let s = v.stringValue else { throw SafetyError("must be \(type.help), not \(v.typeName)") }
            try CaseSafety.checkColumnValue(s, columns: nil)
            return .string(s)
        case .coef:
            func one(_ x: JSONValue) throws(SafetyError) -> Either {
                if let d = x.numberValue {
                    guard d >= 1, d == d.rounded(), d < 1e6 else { throw SafetyError("index \(d) must be a whole number >= 1") }
                    return .index(Int(d))
                }
                if let s = x.stringValue {
                    guard !s.isEmpty, s.count <= CaseSafety.maxNameLength, s.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                        throw SafetyError("must be \(type.help)")
                    }
                    return .name(s)
                }
                throw SafetyError("must be \(type.help), not \(x.typeName)")
            }
            if let a = v.arrayValue {
                guard !a.isEmpty, a.count <= 1000 else { throw SafetyError("must be \(type.help)") }
                var names = [String](), idx = [Int]()
                for x in a {
                    switch try one(x) {
                    case let .name(s): names.append(s)
                    case let .index(i): idx.append(i)
                    }
                }
                if !names.isEmpty && !idx.isEmpty { throw SafetyError("mixes names and indices; use one kind") }
                return names.isEmpty ? .indices(idx) : .strings(names)
            }
            switch try one(v) {
            case let .name(s): return .string(s)
            case let .index(i): return .indices([i])
            }
        case .boolOrLevel:
            if let b = v.boolValue { return .bool(b) }
            guard let d = v.numberValue, d > 0, d < 1 else { throw SafetyError("must be \(type.help)") }
            return .number(d)
        }
    }

    enum Either { case name(String), index(Int) }

    /// The steps must form a pipeline R can run.
    static func checkOrder(_ steps: [CaseStep], hasCounts: Bool, hasContrasts: Bool, fail: (String, String) -> CaseError) throws {
        var haveFit = false, haveEB = false, haveVoom = false, haveTreat = false
        for (k, s) in steps.enumerated() {
            let key = "steps[\(k + 1)].fn"
            switch s.fn {
            case "filterByExpr", "calcNormFactors", "cpm":
                if !hasCounts { throw fail(key, "\(s.fn) needs raw counts (inputs.counts)") }
                if haveVoom || haveFit { throw fail(key, "\(s.fn) must come before voom and lmFit") }
            case "voom", "voomWithQualityWeights":
                if !hasCounts { throw fail(key, "\(s.fn) needs raw counts (inputs.counts)") }
                if haveFit { throw fail(key, "\(s.fn) must come before lmFit") }
                haveVoom = true
            case "arrayWeights":
                if hasCounts { throw fail(key, "arrayWeights here takes log-expression input (inputs.expression); for counts use voomWithQualityWeights") }
                if haveFit { throw fail(key, "arrayWeights must come before lmFit") }
            case "removeBatchEffect":
                if hasCounts && !haveVoom { throw fail(key, "removeBatchEffect needs log-expression: use voom first or give inputs.expression") }
                if s.arg("batch") == nil && s.arg("batch2") == nil { throw fail("steps[\(k + 1)]", "removeBatchEffect needs \"batch\" and/or \"batch2\"") }
            case "normalizeBetweenArrays", "duplicateCorrelation":
                if haveFit { throw fail(key, "\(s.fn) must come before lmFit") }
                if hasCounts && !haveVoom { throw fail(key, "\(s.fn) needs log-expression: use voom first or give inputs.expression") }
            case "lmFit":
                if hasCounts && !haveVoom { throw fail(key, "lmFit on counts needs voom first (or give inputs.expression)") }
                haveFit = true; haveEB = false; haveTreat = false
            case "contrasts.fit":
                if !haveFit { throw fail(key, "contrasts.fit needs lmFit first") }
                if haveEB { throw fail(key, "contrasts.fit must come before eBayes/treat") }
                if !hasContrasts && s.arg("coefficients") == nil { throw fail(key, "contrasts.fit needs top-level \"contrasts\" or a \"coefficients\" argument") }
            case "eBayes":
                if !haveFit { throw fail(key, "eBayes needs lmFit first") }
                haveEB = true; haveTreat = false
            case "treat":
                if !haveFit { throw fail(key, "treat needs lmFit first") }
                haveEB = true; haveTreat = true
            case "topTable", "topTableF", "decideTests":
                if !haveEB { throw fail(key, "\(s.fn) needs eBayes or treat first") }
            case "topTreat":
                if !haveTreat { throw fail(key, "topTreat needs treat first") }
            case "camera", "fry", "mroast":
                if hasCounts && !haveVoom { throw fail(key, "\(s.fn) needs log-expression: use voom first or give inputs.expression") }
            default: break
            }
        }
    }
}
