// R model formulas (`~ 0 + group`, `~ a * b`): a strict parser and R's
// terms() expansion. The parser is also the safety gate for text that is
// handed to R: it accepts only a tiny, inert subset of R's syntax.

/// A one-sided R model formula, parsed strictly and expanded as R's
/// `terms.formula` (C `termsform`) expands it.
///
/// Accepted text: `~`, column names (R syntactic names such as `group` or
/// `number.of.lanes`, or backquoted names such as `` `my var` ``), the numbers
/// 0 and 1 (the intercept: `0 +`, `- 1`, `+ 1`), the operators
/// `+ - * / :`, parentheses, spaces and tabs. Everything else is refused with
/// a ``LimmaError`` naming the offending text and its 1-based character
/// position: function calls (`log(x)`, `system("id")`), `;`, strings, `$`,
/// `@`, `[`, `^`, `%in%`, `.`, reserved words, newlines, unbalanced
/// backquotes, a response (`y ~ x`), any number other than 0 and 1.
///
/// Expansion follows R exactly:
/// - `a + b` concatenates terms; `a:b` forms every pairwise interaction of
///   the terms of `a` and of `b`; `a * b` = `a + b + a:b`; `a / b` = `a +`
///   (every term of `b` interacting with all variables of `a`); `a - b`
///   removes the terms of `b`; `- 1`, `+ 0` remove the intercept and `+ 1`,
///   `- 0` restore it (R's "parity" rule). Duplicate terms are dropped,
///   keeping the first.
/// - Variables are numbered in order of first appearance in the text; a term
///   is the set of its variables, and its label joins their names with `:`
///   in variable order (so `~ b:a + a` has label `b:a`).
/// - Terms are ordered by degree (main effects, then two-way interactions,
///   ...), keeping order of appearance within a degree.
/// - `factors[t][v]` is R's `attr(terms, "factors")`: 0 when variable `v` is
///   not in term `t`, 1 when it is coded by contrasts, 2 when by indicators
///   for all levels (R's rule: 1 if the term without `v` is empty or is
///   contained in an earlier term, otherwise 2).
public struct ModelFormula: Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    /// R's `attr(terms, "variables")`: the column names, unquoted, in order of
    /// first appearance (including variables that a `-` removes again).
    public let variables: [String]
    /// The terms in R's order; each is the ascending list of indices into
    /// `variables`.
    public let terms: [[Int]]
    /// R's `attr(terms, "term.labels")`: names joined by `:`, each name
    /// deparsed as R deparses a symbol (backquoted when not syntactic).
    public let termLabels: [String]
    /// R's `attr(terms, "intercept") == 1`.
    public let intercept: Bool
    /// R's `attr(terms, "factors")`, indexed `[term][variable]`: 0, 1 or 2.
    public let factors: [[Int]]
    /// The formula re-rendered from its parse tree: single spaces around
    /// binary operators, names backquoted exactly when R requires it. It is
    /// the same formula as `text` (R parses both to the same call).
    public let normalized: String

    public var description: String { normalized }

    /// Parses and expands `text`, or throws a ``LimmaError`` that says what is
    /// wrong and at which 1-based character position.
    public static func parse(_ text: String) throws -> ModelFormula {
        let tokens = try RExpressionLexer.tokenize(text, mode: .formula)
        var parser = RExpressionParser(tokens: tokens, text: text, mode: .formula)
        let tree = try parser.parseFormula()
        var expander = TermsExpander()
        try expander.extractVariables(tree)
        guard expander.variables.count <= 64 else {
            throw LimmaError("formula", "\(expander.variables.count) variables; at most 64 are supported")
        }
        let raw = try expander.encode(tree)
        // Order by degree, stable within a degree.
        let degree = raw.map { $0.nonzeroBitCount }
        var ordered = [UInt64]()
        if let maxDegree = degree.max() {
            for d in 0...maxDegree { for (k, t) in raw.enumerated() where degree[k] == d { ordered.append(t) } }
        }
        let nvar = expander.variables.count
        var factors = [[Int]]()
        for (k, t) in ordered.enumerated() {
            var codes = [Int](repeating: 0, count: nvar)
            for v in 0..<nvar where t & (1 << UInt64(v)) != 0 {
                let rest = t & ~(1 << UInt64(v))
                if rest == 0 || ordered[..<k].contains(where: { rest & ~$0 == 0 }) {
                    codes[v] = 1
                } else {
                    codes[v] = 2
                }
            }
            factors.append(codes)
        }
        let terms = ordered.map { t in (0..<nvar).filter { t & (1 << UInt64($0)) != 0 } }
        let labels = terms.map { $0.map { RSyntax.deparseName(expander.variables[$0]) }.joined(separator: ":") }
        return ModelFormula(text: text, variables: expander.variables, terms: terms, termLabels: labels,
                            intercept: expander.intercept, factors: factors, normalized: "~ " + tree.rendered(.formula))
    }
}

// MARK: - R syntax helpers

/// R's rules for names and numeric literals, as the parser and deparser apply them.
public enum RSyntax {
    /// R's reserved words (`?Reserved`), which are never names unless backquoted.
    public static let reservedWords: Set<String> = [
        "if", "else", "repeat", "while", "function", "for", "next", "break", "in",
        "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_",
    ]

    /// True when `name` is a syntactically valid R name (R's `isValidName`, as
    /// `make.names` and `deparse` use it): it starts with a letter, or with a
    /// dot not followed by a digit; it continues with letters, digits, `.` and
    /// `_`; it is not a reserved word. Letters are Unicode letters, as in R
    /// under a UTF-8 locale.
    public static func isSyntacticName(_ name: String) -> Bool {
        let cs = Array(name.unicodeScalars)
        guard let first = cs.first else { return false }
        if first == "." {
            if cs.count > 1 && isDigit(cs[1]) { return false }
        } else if !isLetter(first) {
            return false
        }
        for c in cs.dropFirst() where !(isLetter(c) || isDigit(c) || c == "." || c == "_") { return false }
        if name == "..." { return true }
        if reservedWords.contains(name) { return false }
        return true
    }

    /// The name as R deparses a symbol: unchanged when syntactic, otherwise in
    /// backquotes (as model.matrix column names show it: `` `my var`B ``).
    public static func deparseName(_ name: String) -> String {
        if isSyntacticName(name) { return name }
        var out = "`"
        for c in name.unicodeScalars {
            switch c {
            case "`": out += "\\`"
            case "\\": out += "\\\\"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "`"
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
    static func isLetter(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") }
        return c.properties.isAlphabetic
    }

    /// Converts decimal text to a double exactly as R's `R_strtod` does (used
    /// by R's parser for numeric literals and by `read.csv`/`type.convert` for
    /// numeric fields): leading white space is skipped; `NA` (when
    /// `naAllowed`), an optional sign, `NaN`/`Inf`/`infinity` (any case), hex
    /// `0x..` with optional binary exponent `p`, or decimal digits with an
    /// optional fraction and `e` exponent. The decimal mantissa is accumulated
    /// in long double and scaled by a power of ten computed by repeated
    /// squaring, then rounded to double, which is why R's value of a literal
    /// can differ in the last bit from a correctly rounded conversion.
    ///
    /// Returns the value, whether it was `NA`, and the number of UTF-8 bytes
    /// consumed (0 when no number was read).
    public static func strtod(_ text: Substring.UTF8View, naAllowed: Bool = false) -> (value: Double, isNA: Bool, consumed: Int) {
        let s = Array(text)
        var p = 0
        let n = s.count
        func at(_ i: Int) -> UInt8 { i < n ? s[i] : 0 }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c + 32 : c }
        func matchesCI(_ word: String, at i: Int) -> Bool {
            let w = Array(word.utf8)
            guard i + w.count <= n else { return false }
            for k in 0..<w.count where lower(s[i + k]) != w[k] { return false }
            return true
        }
        /// A signed decimal exponent (its magnitude capped at 9999, as R caps it).
        func readExponent() -> Int {
            var expsign = 1
            if at(p) == 0x2D { expsign = -1; p += 1 } else if at(p) == 0x2B { p += 1 }
            var e = 0
            while p < n && s[p] >= 0x30 && s[p] <= 0x39 { e = e < 9999 ? e * 10 + Int(s[p] - 0x30) : e; p += 1 }
            return expsign * e
        }
        while p < n && isSpace(s[p]) { p += 1 }
        if naAllowed && at(p) == 0x4E && at(p + 1) == 0x41 { return (.nan, true, p + 2) }
        var sign: RLongDouble = 1
        if at(p) == 0x2D { sign = -1; p += 1 } else if at(p) == 0x2B { p += 1 }
        if matchesCI("nan", at: p) { return (.nan, false, p + 3) }
        if matchesCI("infinity", at: p) { return (Double(sign) * .infinity, false, p + 8) }
        if matchesCI("inf", at: p) { return (Double(sign) * .infinity, false, p + 3) }
        var ans: RLongDouble = 0
        var expn = 0
        if n - p > 2 && at(p) == 0x30 && (at(p + 1) == 0x78 || at(p + 1) == 0x58) {
            var exph = -1
            p += 2
            while p < n {
                let c = s[p]
                var digit: Int? = nil
                if c >= 0x30 && c <= 0x39 { digit = Int(c - 0x30) }
                else if c >= 0x61 && c <= 0x66 { digit = Int(c - 0x61 + 10) }
                else if c >= 0x41 && c <= 0x46 { digit = Int(c - 0x41 + 10) }
                else if c == 0x2E { exph = 0; p += 1; continue }
                guard let d = digit else { break }
                ans = 16 * ans + RLongDouble(d)
                if exph >= 0 { exph += 4 }
                p += 1
            }
            if at(p) == 0x70 || at(p) == 0x50 {
                p += 1
                let e = readExponent()
                if ans != 0 {
                    expn += e
                    if exph > 0 {
                        if expn - exph < -122 {
                            ans /= powerOf(2, exph)
                        } else {
                            expn -= exph
                        }
                    }
                    if expn < 0 { ans /= powerOf(2, -expn) } else { ans *= powerOf(2, expn) }
                }
            }
            return (Double(sign * ans), false, p)
        }
        var ndigits = 0
        while p < n && s[p] >= 0x30 && s[p] <= 0x39 { ans = 10 * ans + RLongDouble(s[p] - 0x30); p += 1; ndigits += 1 }
        if at(p) == 0x2E {
            p += 1
            while p < n && s[p] >= 0x30 && s[p] <= 0x39 { ans = 10 * ans + RLongDouble(s[p] - 0x30); p += 1; ndigits += 1; expn -= 1 }
        }
        if ndigits == 0 { return (.nan, true, 0) }
        if at(p) == 0x65 || at(p) == 0x45 {
            p += 1
            expn += readExponent()
        }
        if expn + ndigits < -300 {
            for _ in 0..<ndigits { ans /= 10 }
            expn += ndigits
        }
        if expn < -307 {
            var fac: RLongDouble = 1
            var p10: RLongDouble = 10
            var k = -expn
            while k != 0 { if k & 1 != 0 { fac /= p10 }; k >>= 1; p10 *= p10 }
            ans *= fac
        } else if expn < 0 {
            ans /= powerOf(10, -expn)
        } else if ans != 0 {
            ans *= powerOf(10, expn)
        }
        if ans > RLongDouble(Double.greatestFiniteMagnitude) { return (Double(sign) * .infinity, false, p) }
        return (Double(sign * ans), false, p)
    }

    /// base^k by repeated squaring in long double, as R_strtod computes its scale.
    private static func powerOf(_ base: RLongDouble, _ k: Int) -> RLongDouble {
        var fac: RLongDouble = 1
        var b = base
        var k = k
        while k != 0 { if k & 1 != 0 { fac *= b }; k >>= 1; b *= b }
        return fac
    }
}

// MARK: - Lexer and parser shared with contrast expressions

/// Which language a text is parsed in: a model formula, or a makeContrasts
/// linear expression (no `~`, no `:`, any decimal number).
enum RExpressionMode: Sendable {
    case formula, contrast
    var function: String { self == .formula ? "formula" : "makeContrasts" }
    var what: String { self == .formula ? "a model formula" : "a contrast expression" }
}

struct RToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case name(String)
        case number(Double)
        case op(Character)   // + - * / : ~ ( )
    }
    var kind: Kind
    /// 1-based character position of the token's first character.
    var position: Int
    /// The token's text as written.
    var text: String
}

enum RExpressionLexer {
    /// Splits `text` into tokens, refusing every character outside the strict set.
    /// Longest text accepted (a bound on the parser's recursion depth).
    static let maxLength = 4000

    static func tokenize(_ text: String, mode: RExpressionMode) throws -> [RToken] {
        let chars = Array(text)
        let fn = mode.function
        guard chars.count <= maxLength else {
            throw LimmaError(fn, "\(mode.what) of \(chars.count) characters is too long (at most \(maxLength))")
        }
        var tokens = [RToken]()
        var i = 0
        func fail(_ msg: String, _ pos: Int) -> LimmaError {
            LimmaError(fn, "\(msg) at character \(pos + 1) of \(quoted(text)); \(mode.what) may hold only " +
                       (mode == .formula
                        ? "column names (backquoted when not syntactic), 0 or 1 for the intercept, + - * / : ( ) ~ and spaces"
                        : "design column names (backquoted when not syntactic), numbers, + - * / ( ) and spaces"))
        }
        func isNameStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == ".") }
        func isNameChar(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "_") }
        while i < chars.count {
            let c = chars[i]
            if c == " " || c == "\t" { i += 1; continue }
            let start = i
            if "+-*/()".contains(c) || (mode == .formula && (c == ":" || c == "~")) {
                tokens.append(RToken(kind: .op(c), position: start + 1, text: String(c)))
                i += 1
                continue
            }
            if c.isASCII && c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isASCII && chars[i + 1].isNumber) {
                // Decimal literal: digits [. digits] [e[+-]digits]
                var j = i
                while j < chars.count && chars[j].isASCII && chars[j].isNumber { j += 1 }
                if j < chars.count && chars[j] == "." {
                    j += 1
                    while j < chars.count && chars[j].isASCII && chars[j].isNumber { j += 1 }
                }
                if j < chars.count && (chars[j] == "e" || chars[j] == "E") {
                    var k = j + 1
                    if k < chars.count && (chars[k] == "+" || chars[k] == "-") { k += 1 }
                    guard k < chars.count && chars[k].isASCII && chars[k].isNumber else {
                        throw fail("malformed number '\(String(chars[i..<min(k + 1, chars.count)]))'", i)
                    }
                    while k < chars.count && chars[k].isASCII && chars[k].isNumber { k += 1 }
                    j = k
                }
                if j < chars.count && (isNameChar(chars[j]) || chars[j] == "`") {
                    var k = j
                    while k < chars.count && isNameChar(chars[k]) { k += 1 }
                    throw fail("malformed number '\(String(chars[i..<max(k, j + 1)]))' (hex, L and i suffixes are not allowed)", i)
                }
                let lit = String(chars[i..<j])
                let v = RSyntax.strtod(Substring(lit).utf8).value
                tokens.append(RToken(kind: .number(v), position: start + 1, text: lit))
                i = j
                continue
            }
            if isNameStart(c) {
                var j = i
                while j < chars.count && isNameChar(chars[j]) { j += 1 }
                let name = String(chars[i..<j])
                if j < chars.count && !chars[j].isASCII && (chars[j].isLetter || chars[j].isNumber) {
                    throw fail("non-ASCII character '\(chars[j])' in a name (backquote the name: `\(name)\(chars[j])...`)", j)
                }
                if name == "." { throw fail("'.' (all other columns) is not supported; name the columns", i) }
                if RSyntax.reservedWords.contains(name) || name == "..." || (name.hasPrefix("..") && name.dropFirst(2).allSatisfy(\.isNumber)) {
                    throw fail("'\(name)' is a reserved word in R, not a column name (backquote it if it is a column: `\(name)`)", i)
                }
                try checkNotCall(chars, after: j, name: name, start: i, fail: fail)
                tokens.append(RToken(kind: .name(name), position: start + 1, text: name))
                i = j
                continue
            }
            if c == "`" {
                var j = i + 1
                var name = ""
                while j < chars.count && chars[j] != "`" {
                    let d = chars[j]
                    if d == "\\" { throw fail("a backslash inside backquotes is not allowed", j) }
                    if d.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
                        throw fail("a control character (newline, tab, ...) inside backquotes is not allowed", j)
                    }
                    name.append(d)
                    j += 1
                }
                if j >= chars.count { throw fail("unbalanced backquote (this ` is never closed)", i) }
                if name.isEmpty { throw fail("empty backquoted name ``", i) }
                try checkNotCall(chars, after: j + 1, name: String(chars[i...j]), start: i, fail: fail)
                tokens.append(RToken(kind: .name(name), position: start + 1, text: String(chars[i...j])))
                i = j + 1
                continue
            }
            throw fail(describeForbidden(c, mode: mode), i)
        }
        return tokens
    }

    /// A name followed (after optional blanks) by `(` is a function call in R.
    private static func checkNotCall(_ chars: [Character], after j: Int, name: String, start: Int,
                                     fail: (String, Int) -> LimmaError) throws {
        var k = j
        while k < chars.count && (chars[k] == " " || chars[k] == "\t") { k += 1 }
        if k < chars.count && chars[k] == "(" {
            throw fail("function call '\(name)(' is not allowed", start)
        }
    }

    private static func describeForbidden(_ c: Character, mode: RExpressionMode) -> String {
        switch c {
        case "\n", "\r", "\u{2028}", "\u{2029}", "\u{85}": return "a line break is not allowed"
        case ";": return "';' (a second R statement) is not allowed"
        case "\"", "'": return "a string (\(c)) is not allowed"
        case "$": return "'$' is not allowed"
        case "@": return "'@' is not allowed"
        case "[", "]": return "indexing '\(c)' is not allowed"
        case "{", "}": return "braces '\(c)' are not allowed"
        case "^": return "'^' is not allowed (write the interactions out with ':' or '*')"
        case "%": return "'%' operators (%in%, %%, ...) are not allowed"
        case ":": return "':' is not allowed"
        case "~": return "'~' is not allowed"
        case "=", "<", ">": return "assignment or comparison '\(c)' is not allowed"
        case "!", "&", "|", "?", "#", ",", "\\": return "'\(c)' is not allowed"
        default:
            if c.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                return "control character U+\(String(c.unicodeScalars.first!.value, radix: 16, uppercase: true)) is not allowed"
            }
            if !c.isASCII && c.isLetter { return "non-ASCII letter '\(c)' outside backquotes is not allowed (backquote the name)" }
            return "character '\(c)' is not allowed"
        }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if c.properties.generalCategory == .control { out += "\\u{\(String(c.value, radix: 16))}" } else { out.unicodeScalars.append(c) }
            }
        }
        return out + "\""
    }
}

/// The parse tree of a formula or contrast expression, with R's operator
/// precedence: unary `+ -` bind tightest, then `:`, then `* /`, then binary
/// `+ -`; binary operators associate to the left.
indirect enum RExpr: Sendable, Equatable {
    case name(String, position: Int)
    case number(Double, text: String, position: Int)
    case paren(RExpr)
    case unary(Character, RExpr, position: Int)
    case binary(Character, RExpr, RExpr, position: Int)

    var position: Int {
        switch self {
        case .name(_, let p), .number(_, _, let p), .unary(_, _, let p): return p
        case .paren(let e): return e.position
        case .binary(_, let l, _, _): return l.position
        }
    }

    /// Re-renders the tree as R text (the same call when R parses it).
    func rendered(_ mode: RExpressionMode) -> String {
        switch self {
        case .name(let s, _): return RSyntax.deparseName(s)
        case .number(_, let text, _): return text
        case .paren(let e): return "(" + e.rendered(mode) + ")"
        case .unary(let op, let e, _): return String(op) + e.rendered(mode)
        case .binary(let op, let l, let r, _):
            return op == ":" ? l.rendered(mode) + ":" + r.rendered(mode)
                             : l.rendered(mode) + " \(op) " + r.rendered(mode)
        }
    }
}

struct RExpressionParser {
    var tokens: [RToken]
    var text: String
    var mode: RExpressionMode
    var i = 0

    init(tokens: [RToken], text: String, mode: RExpressionMode) {
        self.tokens = tokens
        self.text = text
        self.mode = mode
    }

    func fail(_ msg: String, at position: Int?) -> LimmaError {
        let pos = position.map { "at character \($0)" } ?? "at the end"
        return LimmaError(mode.function, "\(msg) \(pos) of \(RExpressionLexer.quoted(text))")
    }

    func peekOp() -> Character? {
        guard i < tokens.count, case .op(let c) = tokens[i].kind else { return nil }
        return c
    }

    mutating func parseFormula() throws -> RExpr {
        guard !tokens.isEmpty else { throw fail("empty formula; expected '~' followed by terms", at: nil) }
        guard peekOp() == "~" else {
            if tokens.contains(where: { $0.kind == .op("~") }) {
                throw fail("a response (text left of '~') is not allowed in a design formula", at: tokens[0].position)
            }
            throw fail("a model formula must start with '~'", at: tokens[0].position)
        }
        i = 1
        guard i < tokens.count else { throw fail("'~' must be followed by terms (e.g. '~ 0 + group')", at: nil) }
        let e = try parseSum()
        try expectEnd()
        return e
    }

    mutating func parseExpression() throws -> RExpr {
        guard !tokens.isEmpty else { throw fail("empty expression", at: nil) }
        let e = try parseSum()
        try expectEnd()
        return e
    }

    mutating func expectEnd() throws {
        if i < tokens.count {
            let t = tokens[i]
            if t.kind == .op(")") { throw fail("unbalanced ')'", at: t.position) }
            if t.kind == .op("~") { throw fail("a second '~' is not allowed", at: t.position) }
            if t.kind == .op("(") { throw fail("'(' after a complete term (a call) is not allowed", at: t.position) }
            throw fail("unexpected '\(t.text)' (a missing operator?)", at: t.position)
        }
    }

    mutating func parseSum() throws -> RExpr {
        try parseLeftAssociative(["+", "-"]) { try $0.parseProduct() }
    }

    mutating func parseProduct() throws -> RExpr {
        try parseLeftAssociative(["*", "/"]) { try $0.parseInteraction() }
    }

    mutating func parseInteraction() throws -> RExpr {
        try parseLeftAssociative([":"]) { try $0.parseUnary() }
    }

    /// operand (op operand)*, folded to the left.
    mutating func parseLeftAssociative(_ ops: Set<Character>, operand: (inout RExpressionParser) throws -> RExpr) throws -> RExpr {
        var left = try operand(&self)
        while let op = peekOp(), ops.contains(op) {
            let pos = tokens[i].position
            i += 1
            let right = try operand(&self)
            left = .binary(op, left, right, position: pos)
        }
        return left
    }

    /// Nesting of parentheses and unary signs, bounded so that no input can
    /// exhaust the stack.
    var depth = 0
    static let maxDepth = 100

    mutating func nest(at position: Int) throws {
        depth += 1
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth) levels", at: position) }
    }

    mutating func parseUnary() throws -> RExpr {
        if let op = peekOp(), op == "+" || op == "-" {
            let pos = tokens[i].position
            try nest(at: pos)
            defer { depth -= 1 }
            i += 1
            return .unary(op, try parseUnary(), position: pos)
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws -> RExpr {
        guard i < tokens.count else { throw fail("incomplete \(mode == .formula ? "formula" : "expression"): a term is missing", at: nil) }
        let t = tokens[i]
        switch t.kind {
        case .name(let s):
            i += 1
            return .name(s, position: t.position)
        case .number(let v):
            i += 1
            return .number(v, text: t.text, position: t.position)
        case .op("("):
            try nest(at: t.position)
            defer { depth -= 1 }
            i += 1
            let e = try parseSum()
            guard peekOp() == ")" else {
                throw fail("unbalanced '(' (opened at character \(t.position))", at: i < tokens.count ? tokens[i].position : nil)
            }
            i += 1
            return .paren(e)
        case .op(let c):
            if c == ")" { throw fail("unexpected ')'", at: t.position) }
            if c == "~" { throw fail("a second '~' is not allowed", at: t.position) }
            throw fail("a term is missing before '\(c)'", at: t.position)
        }
    }
}

// MARK: - terms() expansion

/// R's `termsform`: variables (ExtractVars) and bit-coded terms (EncodeVars).
struct TermsExpander {
    var variables: [String] = []
    var intercept = true
    var parity = true

    mutating func install(_ name: String) {
        if !variables.contains(name) { variables.append(name) }
    }

    func bit(_ name: String) -> UInt64 {
        1 << UInt64(variables.firstIndex(of: name)!)
    }

    mutating func extractVariables(_ e: RExpr) throws {
        switch e {
        case .name(let s, _): install(s)
        case .number(let v, let text, let pos):
            guard v == 0 || v == 1 else {
                throw LimmaError("formula", "number '\(text)' at character \(pos): only 0 and 1 (the intercept) are allowed in a model formula")
            }
        case .paren(let x), .unary(_, let x, _): try extractVariables(x)
        case .binary(_, let l, let r, _):
            try extractVariables(l)
            try extractVariables(r)
        }
    }

    /// Drops empty terms and repeats, keeping first occurrences.
    static func trimRepeats(_ terms: [UInt64]) -> [UInt64] {
        var out = [UInt64]()
        for t in terms where t != 0 && !out.contains(t) { out.append(t) }
        return out
    }

    mutating func encode(_ e: RExpr) throws -> [UInt64] {
        switch e {
        case .number(let v, _, _):
            if v == 1 { intercept = parity } else { intercept = !parity }
            return []
        case .name(let s, _):
            return [bit(s)]
        case .paren(let x):
            return try encode(x)
        case .unary(let op, let x, _):
            if op == "+" { return try encode(x) }
            return try delete([], x)
        case .binary(let op, let l, let r, _):
            switch op {
            case "+":
                let left = try encode(l)
                return Self.trimRepeats(left + (try encode(r)))
            case ":":
                let left = try encode(l)
                let right = try encode(r)
                return Self.trimRepeats(left.flatMap { a in right.map { a | $0 } })
            case "*":
                let left = try encode(l)
                let right = try encode(r)
                return Self.trimRepeats(left + right + left.flatMap { a in right.map { a | $0 } })
            case "/":
                let left = try encode(l)
                let right = try encode(r)
                let all = left.reduce(0, |)
                return Self.trimRepeats(left + right.map { $0 | all })
            case "-":
                return try delete(try encode(l), r)
            default:
                throw LimmaError("formula", "operator '\(op)' is not allowed in a model formula")
            }
        }
    }

    /// `left - right`: the terms of `right` (encoded with the parity flipped,
    /// so `- 1` removes the intercept) are removed from `left`.
    mutating func delete(_ left: [UInt64], _ r: RExpr) throws -> [UInt64] {
        parity.toggle()
        let right = try encode(r)
        parity.toggle()
        var out = left
        for t in right {
            if t == 0 { intercept = false }
            out.removeAll { $0 == t }
        }
        return out
    }
}
