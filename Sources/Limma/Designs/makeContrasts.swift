// limma's makeContrasts: a contrast matrix from linear expressions over the
// design's column names.

/// A makeContrasts expression, parsed strictly: design column names (R
/// syntactic names, or backquoted names such as `` `typesingle-read` ``),
/// decimal numbers (`0.5`, `1e-3`), `+ - * /`, parentheses, spaces and tabs.
/// Everything else (function calls, `;`, strings, `$`, `@`, `[`, `^`, `:`,
/// `~`, `%%`, newlines, reserved words) is refused with a ``LimmaError``
/// naming it and its 1-based character position. The expression must be
/// linear in the names: a product or quotient of two terms that involve
/// names (`A*B`, `A/B`), a constant added to names (`A - B + 1`), a
/// division by zero, or an expression with no name at all is refused.
public struct ContrastExpression: Sendable, Equatable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    /// The names used, in order of first appearance (unquoted).
    public let names: [String]
    /// The expression re-rendered from its parse tree (same value when R evaluates it).
    public let normalized: String
    let tree: RExpr

    public var description: String { normalized }

    /// Parses `text` and checks that it is linear; throws a ``LimmaError``
    /// saying what is wrong and where.
    public static func parse(_ text: String) throws -> ContrastExpression {
        let tokens = try RExpressionLexer.tokenize(text, mode: .contrast)
        var parser = RExpressionParser(tokens: tokens, text: text, mode: .contrast)
        let tree = try parser.parseExpression()
        var names = [String]()
        func collect(_ e: RExpr) {
            switch e {
            case .name(let s, _): if !names.contains(s) { names.append(s) }
            case .number: break
            case .paren(let x), .unary(_, let x, _): collect(x)
            case .binary(_, let l, let r, _): collect(l); collect(r)
            }
        }
        collect(tree)
        let isLinear = try linearity(tree, text: text)
        guard isLinear else {
            throw LimmaError("makeContrasts", "the expression \(RExpressionLexer.quoted(text)) names no design column; a contrast is a linear combination of the columns")
        }
        return ContrastExpression(text: text, names: names, normalized: tree.rendered(.contrast), tree: tree)
    }

    /// True when `e` involves names (linear), false when it is a constant;
    /// throws when it is neither.
    private static func linearity(_ e: RExpr, text: String) throws -> Bool {
        func fail(_ msg: String, _ pos: Int) -> LimmaError {
            LimmaError("makeContrasts", "\(msg) at character \(pos) of \(RExpressionLexer.quoted(text)): a contrast must be a linear combination of design columns")
        }
        switch e {
        case .name: return true
        case .number: return false
        case .paren(let x), .unary(_, let x, _): return try linearity(x, text: text)
        case .binary(let op, let l, let r, let pos):
            let a = try linearity(l, text: text)
            let b = try linearity(r, text: text)
            switch op {
            case "+", "-":
                if a != b { throw fail("'\(op)' combines a constant with design columns", pos) }
                return a
            case "*":
                if a && b { throw fail("'*' multiplies two terms that both involve design columns (not linear)", pos) }
                return a || b
            case "/":
                if b { throw fail("'/' divides by a term that involves design columns (not linear)", pos) }
                if constantValue(r) == 0 { throw fail("'/' divides by zero", pos) }
                return a
            default:
                throw fail("operator '\(op)' is not allowed", pos)
            }
        }
    }

    /// The value of a name-free subtree, in R's double arithmetic.
    private static func constantValue(_ e: RExpr) -> Double {
        switch e {
        case .name: return .nan
        case .number(let v, _, _): return v
        case .paren(let x): return constantValue(x)
        case .unary(let op, let x, _): return op == "-" ? -constantValue(x) : constantValue(x)
        case .binary(let op, let l, let r, _):
            let a = constantValue(l), b = constantValue(r)
            switch op {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            default: return a / b
            }
        }
    }

    /// The coefficient of each of `levels`: the expression evaluated as R
    /// evaluates it in makeContrasts, with each level bound to its indicator
    /// vector and the arithmetic done element by element in double
    /// precision, operation by operation in the parse tree's order (so
    /// `(A+B)/2` gives exactly 0.5 and `A/3 + B/3` gives R's rounding).
    func evaluate(levels: [String]) throws -> [Double] {
        let n = levels.count
        var index = [String: Int]()
        for (k, l) in levels.enumerated() where index[l] == nil { index[l] = k }
        func eval(_ e: RExpr) throws -> [Double] {
            switch e {
            case .name(let s, let pos):
                guard let k = index[s] else {
                    throw LimmaError("makeContrasts", "object '\(s)' not found: '\(s)' at character \(pos) of \(RExpressionLexer.quoted(text)) is not a design column; the columns (levels) are: \(levels.joined(separator: ", "))")
                }
                var v = [Double](repeating: 0, count: n)
                v[k] = 1
                return v
            case .number(let v, _, _):
                return [Double](repeating: v, count: n)
            case .paren(let x):
                return try eval(x)
            case .unary(let op, let x, _):
                let v = try eval(x)
                return op == "-" ? v.map { -$0 } : v
            case .binary(let op, let l, let r, _):
                let a = try eval(l), b = try eval(r)
                switch op {
                case "+": return zip(a, b).map { $0 + $1 }
                case "-": return zip(a, b).map { $0 - $1 }
                case "*": return zip(a, b).map { $0 * $1 }
                default: return zip(a, b).map { $0 / $1 }
                }
            }
        }
        return try eval(tree)
    }
}

/// limma's `makeContrasts(..., levels = levels)`: a matrix with one row per
/// level (design column) and one column per contrast, each column the
/// coefficients of its linear expression (see ``ContrastExpression``).
///
/// As in R: a first level `(Intercept)` is renamed `Intercept` (R warns;
/// the warning is returned by the `warnings:` overload), and every level
/// must be a syntactically valid R name (`levels == make.names(levels)`),
/// otherwise R's error "The levels must by syntactically valid names in R"
/// is thrown listing the invalid ones. A contrast with an empty name is
/// named by its expression text, as R names it. Deliberately stricter than
/// R, which evaluates any R code: only linear expressions are accepted, a
/// name that is not a level is an error listing the levels (R would look it
/// up elsewhere, e.g. `pi`), and duplicated levels are an error.
///
/// `requireSyntacticNames: false` lifts limma's name check, so that design
/// columns such as `typesingle-read` can be used, backquoted
/// (`` `typesingle-read` - conditionuntreated ``); the values are then those
/// of R evaluating the expressions with each level bound to its indicator,
/// exactly as makeContrasts does after its check.
public func makeContrasts(_ contrasts: [(name: String, expression: String)], levels: [String],
                          requireSyntacticNames: Bool = true) throws -> Matrix {
    var warnings = [LimmaWarning]()
    return try makeContrasts(contrasts, levels: levels, warnings: &warnings, requireSyntacticNames: requireSyntacticNames)
}

/// ``makeContrasts(_:levels:requireSyntacticNames:)`` that also returns R's warnings.
public func makeContrasts(_ contrasts: [(name: String, expression: String)], levels: [String],
                          warnings: inout [LimmaWarning], requireSyntacticNames: Bool = true) throws -> Matrix {
    var levels = levels
    guard !levels.isEmpty else { throw LimmaError("makeContrasts", "No levels to construct contrasts from") }
    if levels[0] == "(Intercept)" {
        levels[0] = "Intercept"
        warnings.append(LimmaWarning("makeContrasts", "Renaming (Intercept) to Intercept"))
    }
    let notValid = levels.filter { makeName($0) != $0 }
    if requireSyntacticNames && !notValid.isEmpty {
        throw LimmaError("makeContrasts", "The levels must by syntactically valid names in R, see help(make.names).  Non-valid names: \(notValid.joined(separator: ","))")
    }
    var seen = Set<String>()
    for l in levels where !seen.insert(l).inserted {
        throw LimmaError("makeContrasts", "level '\(l)' is duplicated in levels: \(levels.joined(separator: ", "))")
    }
    var m = Matrix(nrow: levels.count, ncol: contrasts.count, rowNames: levels,
                   colNames: contrasts.map { $0.name.isEmpty ? $0.expression : $0.name })
    for (j, c) in contrasts.enumerated() {
        let e: ContrastExpression
        do {
            e = try ContrastExpression.parse(c.expression)
        } catch let err as LimmaError {
            throw LimmaError(err.function, "contrast '\(c.name.isEmpty ? c.expression : c.name)': \(err.message)")
        }
        let v = try e.evaluate(levels: levels)
        for i in 0..<levels.count { m[i, j] = v[i] }
    }
    return m
}

/// R's `make.names(x)` for one string (`unique = FALSE`): invalid characters
/// become `.`, an `X` is prefixed when the name does not start with a letter
/// or with a dot not followed by a digit (or is empty), and a `.` is
/// appended to a reserved word (`if.`).
public func makeName(_ x: String) -> String {
    // The prefix is decided on the original text, as R's C code does.
    let cs = Array(x.unicodeScalars)
    let startsWell = cs.first.map { RSyntax.isLetter($0) || ($0 == "." && !(cs.count > 1 && RSyntax.isDigit(cs[1]))) } ?? false
    var s = startsWell ? "" : "X"
    for c in cs {
        if RSyntax.isLetter(c) || RSyntax.isDigit(c) || c == "." || c == "_" { s.unicodeScalars.append(c) } else { s += "." }
    }
    if !RSyntax.isSyntacticName(s) { s += "." }
    return s
}
