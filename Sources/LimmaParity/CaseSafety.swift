// The strict grammar for every value a case hands to R. A case file is data,
// never code: a formula or a contrast may hold only names, numbers and the
// operators of R's model language; anything else (a function call, `;`, `$`,
// `^`, `%in%`, a string, a name that is not a column) is refused here, before
// R starts. rscripts/run_case.R checks the parsed tree a second time in R, and
// never pastes a value into code that R parses and evaluates.

/// One lexical token of a formula or contrast expression.
public enum ExpressionToken: Sendable, Equatable {
    /// A name: a syntactic R name, or a backquoted one (without the backquotes).
    case name(String, backquoted: Bool)
    case number(Double)
    /// One of `~ + - * / : ( )`.
    case op(Character)
}

public enum CaseSafety {
    /// R's reserved words: never accepted as a bare name.
    static let reserved: Set<String> = [
        "if", "else", "repeat", "while", "function", "for", "next", "break", "in",
        "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_",
        "NA_character_", "NA_complex_",
    ]

    /// Longest formula or contrast expression accepted.
    public static let maxExpressionLength = 2000
    /// Longest name (column, sample, contrast) accepted.
    public static let maxNameLength = 200

    /// True when `s` is a syntactically valid R name (what `make.names` leaves unchanged).
    public static func isSyntacticName(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars)
        guard let first = u.first, !reserved.contains(s) else { return false }
        func isAlpha(_ c: Unicode.Scalar) -> Bool { (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") }
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        if !(isAlpha(first) || first == ".") { return false }
        if first == ".", u.count > 1, isDigit(u[1]) { return false }
        return u.allSatisfy { isAlpha($0) || isDigit($0) || $0 == "." || $0 == "_" }
    }

    /// Splits a formula or contrast expression into tokens. `allowed` lists the
    /// operator characters accepted. Throws a reason (a plain sentence).
    public static func tokenize(_ text: String, allowed: Set<Character>) throws(SafetyError) -> [ExpressionToken] {
        if text.count > maxExpressionLength { throw SafetyError("is \(text.count) characters long; at most \(maxExpressionLength) are accepted") }
        let u = Array(text.unicodeScalars)
        var out = [ExpressionToken]()
        var i = 0
        func isAlpha(_ c: Unicode.Scalar) -> Bool { (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") }
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        while i < u.count {
            let c = u[i]
            if c == " " || c == "\t" { i += 1; continue }
            if c == "`" {
                var j = i + 1
                var name = ""
                while j < u.count, u[j] != "`" {
                    let d = u[j]
                    if d == "\\" || d.value < 0x20 || d.value == 0x7F {
                        throw SafetyError("backquoted name at position \(i + 1) holds a backslash or control character")
                    }
                    name.unicodeScalars.append(d)
                    j += 1
                }
                guard j < u.count else { throw SafetyError("unterminated backquoted name at position \(i + 1)") }
                guard !name.isEmpty else { throw SafetyError("empty backquoted name at position \(i + 1)") }
                guard name.count <= maxNameLength else { throw SafetyError("name at position \(i + 1) is longer than \(maxNameLength) characters") }
                out.append(.name(name, backquoted: true))
                i = j + 1
                continue
            }
            if isAlpha(c) || (c == "." && !(i + 1 < u.count && isDigit(u[i + 1]))) {
                var j = i
                var name = ""
                while j < u.count, isAlpha(u[j]) || isDigit(u[j]) || u[j] == "." || u[j] == "_" {
                    name.unicodeScalars.append(u[j]); j += 1
                }
                if reserved.contains(name) { throw SafetyError("'\(name)' at position \(i + 1) is an R reserved word, not a column name") }
                guard name.count <= maxNameLength else { throw SafetyError("name at position \(i + 1) is longer than \(maxNameLength) characters") }
                out.append(.name(name, backquoted: false))
                i = j
                continue
            }
            if isDigit(c) || c == "." {
                var j = i
                var num = ""
                while j < u.count, isDigit(u[j]) || u[j] == "." { num.unicodeScalars.append(u[j]); j += 1 }
                if j < u.count, u[j] == "e" || u[j] == "E" {
                    num.unicodeScalars.append(u[j]); j += 1
                    if j < u.count, u[j] == "+" || u[j] == "-" { num.unicodeScalars.append(u[j]); j += 1 }
                    while j < u.count, isDigit(u[j]) { num.unicodeScalars.append(u[j]); j += 1 }
                }
                if j < u.count, isAlpha(u[j]) || u[j] == "_" {
                    throw SafetyError("'\(String(String.UnicodeScalarView(u[i...j])))' at position \(i + 1) is not a number or a name")
                }
                guard let v = Double(num), v.isFinite, num.filter({ $0 == "." }).count <= 1 else {
                    throw SafetyError("'\(num)' at position \(i + 1) is not a number")
                }
                out.append(.number(v))
                i = j
                continue
            }
            let ch = Character(c)
            if allowed.contains(ch) { out.append(.op(ch)); i += 1; continue }
            let shown = (c.value >= 0x20 && c.value < 0x7F) ? "'\(ch)'" : "U+\(String(c.value, radix: 16, uppercase: true))"
            throw SafetyError("character \(shown) at position \(i + 1) is not allowed (only names, numbers and \(allowed.sorted().map(String.init).joined(separator: " ")))")
        }
        return out
    }

    /// Checks a model formula (`~0 + group`, `~ type + condition`, `~ a*b`,
    /// `` ~ `odd name` ``): exactly one leading `~` with no response, then an
    /// expression of names, numbers, `+ - * / :` and parentheses. Every name must
    /// be in `columns`. Returns the names used.
    @discardableResult
    public static func checkFormula(_ text: String, columns: [String]?) throws(SafetyError) -> [String] {
        let toks = try tokenize(text, allowed: ["~", "+", "-", "*", "/", ":", "(", ")"])
        guard toks.first == .op("~") else { throw SafetyError("must start with '~' (a one-sided formula, e.g. \"~0 + group\")") }
        var p = ExprParser(toks: toks, pos: 1, binary: ["+", "-", "*", "/", ":"], what: "formula")
        if p.pos >= toks.count { throw SafetyError("has nothing after '~'") }
        try p.expression()
        if p.pos < toks.count { throw p.unexpected() }
        if toks.dropFirst().contains(.op("~")) { throw SafetyError("has more than one '~'") }
        let names = p.names
        if let columns {
            let missing = names.filter { !columns.contains($0) }
            if !missing.isEmpty {
                throw SafetyError("names \(missing.map { "'\($0)'" }.joined(separator: ", ")), which \(missing.count == 1 ? "is" : "are") not a targets column (columns: \(columns.joined(separator: ", ")))")
            }
        }
        return names
    }

    /// Checks a contrast expression (`"A - B"`, `"(A+B)/2 - C"`): names, numbers,
    /// `+ - * /` and parentheses. Every name must be in `levels` (the design's
    /// column names, `(Intercept)` read as `Intercept`, as makeContrasts does).
    @discardableResult
    public static func checkContrast(_ text: String, levels: [String]?) throws(SafetyError) -> [String] {
        let toks = try tokenize(text, allowed: ["+", "-", "*", "/", "(", ")"])
        var p = ExprParser(toks: toks, pos: 0, binary: ["+", "-", "*", "/"], what: "contrast")
        if toks.isEmpty { throw SafetyError("is empty") }
        try p.expression()
        if p.pos < toks.count { throw p.unexpected() }
        if let levels {
            let lv = levels.map { $0 == "(Intercept)" ? "Intercept" : $0 }
            let missing = p.names.filter { !lv.contains($0) }
            if !missing.isEmpty {
                throw SafetyError("names \(missing.map { "'\($0)'" }.joined(separator: ", ")), which \(missing.count == 1 ? "is" : "are") not a design column (columns: \(lv.joined(separator: ", ")))")
            }
            let bad = p.names.filter { !isSyntacticName($0) }
            if !bad.isEmpty {
                throw SafetyError("names design column(s) \(bad.map { "'\($0)'" }.joined(separator: ", ")) that are not syntactically valid R names; makeContrasts requires valid names (give the contrast as a matrix instead)")
            }
        }
        return p.names
    }

    /// A plain identifier for a case, a contrast or a step label: letters,
    /// digits, `.`, `_`, `-`, starting with a letter or digit.
    public static func checkIdentifier(_ s: String) throws(SafetyError) {
        guard !s.isEmpty else { throw SafetyError("is empty") }
        guard s.count <= 100 else { throw SafetyError("is longer than 100 characters") }
        let ok = s.unicodeScalars.allSatisfy { c in
            (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-"
        }
        guard ok, let f = s.unicodeScalars.first, f != ".", f != "-", f != "_" else {
            throw SafetyError("'\(s.prefix(60))' may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit")
        }
    }

    /// A column name handed to R as a value (never parsed): printable text.
    public static func checkColumnValue(_ s: String, columns: [String]?) throws(SafetyError) {
        guard !s.isEmpty, s.count <= maxNameLength else { throw SafetyError("must be a targets column name") }
        guard s.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else { throw SafetyError("holds a control character") }
        if let columns, !columns.contains(s) {
            throw SafetyError("'\(s)' is not a targets column (columns: \(columns.joined(separator: ", ")))")
        }
    }
}

/// Why a value was refused (a sentence; the caller adds file and key).
public struct SafetyError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Recursive-descent check of the expression grammar
///   expr    := unary (binop unary)*
///   unary   := ('-' | '+')* primary
///   primary := name | number | '(' expr ')'
/// A name followed by '(' is a function call, and refused.
struct ExprParser {
    var toks: [ExpressionToken]
    var pos: Int
    var binary: Set<Character>
    var what: String
    var names: [String] = []
    var depth = 0

    func unexpected() -> SafetyError {
        guard pos < toks.count else { return SafetyError("ends unexpectedly") }
        switch toks[pos] {
        case let .op(c): return SafetyError("has an unexpected '\(c)' (token \(pos + 1))")
        case let .name(n, _): return SafetyError("has an unexpected name '\(n)' (token \(pos + 1)); names must be joined by operators")
        case let .number(v): return SafetyError("has an unexpected number \(v) (token \(pos + 1))")
        }
    }

    mutating func expression() throws(SafetyError) {
        try unary()
        while pos < toks.count, case let .op(c) = toks[pos], binary.contains(c) {
            pos += 1
            try unary()
        }
    }

    mutating func unary() throws(SafetyError) {
        while pos < toks.count, toks[pos] == .op("-") || toks[pos] == .op("+") { pos += 1 }
        try primary()
    }

    mutating func primary() throws(SafetyError) {
        guard pos < toks.count else { throw SafetyError("ends unexpectedly") }
        switch toks[pos] {
        case let .name(n, _):
            if pos + 1 < toks.count, toks[pos + 1] == .op("(") {
                throw SafetyError("calls '\(n)(...)': function calls are not allowed in a \(what), only names, numbers and operators")
            }
            if !names.contains(n) { names.append(n) }
            pos += 1
        case .number:
            pos += 1
        case .op("("):
            depth += 1
            if depth > 50 { throw SafetyError("nests parentheses more than 50 deep") }
            pos += 1
            try expression()
            guard pos < toks.count, toks[pos] == .op(")") else { throw SafetyError("has an unclosed '('") }
            pos += 1
            depth -= 1
        default:
            throw unexpected()
        }
    }
}
