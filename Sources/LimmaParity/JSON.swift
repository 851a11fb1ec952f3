// A strict, order-preserving JSON reader and writer for case files, manifests
// and the runner's version records. Foundation's JSONSerialization loses the
// key order (contrasts and steps are ordered) and its errors name no line, so
// the harness reads JSON itself: RFC 8259 only, no comments, no trailing
// commas, duplicate keys refused, bounded depth and size.

/// A parsed JSON value. Objects keep their keys in file order.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// The value of `key` in an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case let .object(pairs) = self { return pairs.first { $0.key == key }?.value }
        return nil
    }

    public var stringValue: String? { if case let .string(s) = self { return s }; return nil }
    public var numberValue: Double? { if case let .number(d) = self { return d }; return nil }
    public var boolValue: Bool? { if case let .bool(b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a }; return nil }
    public var objectValue: [(key: String, value: JSONValue)]? { if case let .object(o) = self { return o }; return nil }

    /// A word for the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A JSON syntax error at a line and column.
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var reason: String
    public var description: String { "line \(line), column \(column): \(reason)" }
}

public enum JSON {
    /// Largest document accepted (case files are small; anything bigger is refused).
    public static let maxBytes = 1 << 20
    /// Deepest nesting accepted.
    public static let maxDepth = 32

    /// Parses a UTF-8 JSON document.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        if bytes.count > maxBytes {
            throw JSONSyntaxError(line: 1, column: 1, reason: "document is \(bytes.count) bytes; at most \(maxBytes) are accepted")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw JSONSyntaxError(line: 1, column: 1, reason: "not UTF-8 text")
        }
        var p = Parser(b: bytes)
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        if p.i < bytes.count { throw p.error("unexpected text after the JSON value") }
        return v
    }

    /// Serialises a value. Numbers use Swift's shortest round-trip form (so a
    /// double read back is the same double); non-finite numbers are written as
    /// the strings "Inf", "-Inf", "NaN" (R's spelling), since JSON has none.
    public static func write(_ v: JSONValue, indent: Int = 0, pretty: Bool = true) -> String {
        var out = ""
        emit(v, indent: indent, pretty: pretty, into: &out)
        return out
    }

    static func emit(_ v: JSONValue, indent: Int, pretty: Bool, into out: inout String) {
        let pad = pretty ? String(repeating: " ", count: indent + 2) : ""
        let close = pretty ? String(repeating: " ", count: indent) : ""
        let nl = pretty ? "\n" : ""
        switch v {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .number(d): out += numberText(d)
        case let .string(s): out += quote(s)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            let scalar = a.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            if scalar {
                out += "[" + a.map { write($0, pretty: false) }.joined(separator: ", ") + "]"
                return
            }
            out += "[" + nl
            for (k, e) in a.enumerated() {
                out += pad
                emit(e, indent: indent + 2, pretty: pretty, into: &out)
                out += (k + 1 < a.count ? "," : "") + nl
            }
            out += close + "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{" + nl
            for (k, e) in o.enumerated() {
                out += pad + quote(e.key) + (pretty ? ": " : ":")
                emit(e.value, indent: indent + 2, pretty: pretty, into: &out)
                out += (k + 1 < o.count ? "," : "") + nl
            }
            out += close + "}"
        }
    }

    static func numberText(_ d: Double) -> String {
        if d.isNaN { return "\"NaN\"" }
        if d.isInfinite { return d > 0 ? "\"Inf\"" : "\"-Inf\"" }
        if d == d.rounded(), Swift.abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    struct Parser {
        let b: [UInt8]
        var i = 0
        var line = 1
        var lineStart = 0

        init(b: [UInt8]) { self.b = b }

        func error(_ reason: String) -> JSONSyntaxError {
            JSONSyntaxError(line: line, column: i - lineStart + 1, reason: reason)
        }

        mutating func skipSpace() {
            while i < b.count {
                switch b[i] {
                case 0x20, 0x09, 0x0D: i += 1
                case 0x0A: i += 1; line += 1; lineStart = i
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> JSONValue {
            guard depth <= JSON.maxDepth else { throw error("nesting deeper than \(JSON.maxDepth) levels") }
            guard i < b.count else { throw error("unexpected end of document") }
            switch b[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default:
                throw error("unexpected character '\(printable(b[i]))'")
            }
        }

        func printable(_ c: UInt8) -> String {
            (0x20..<0x7F).contains(c) ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            guard i + w.count <= b.count, Array(b[i..<(i + w.count)]) == w else { throw error("invalid literal (expected '\(word)')") }
            i += w.count
        }

        mutating func object(depth: Int) throws -> JSONValue {
            i += 1
            var pairs = [(key: String, value: JSONValue)]()
            var seen = Set<String>()
            skipSpace()
            if i < b.count && b[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            while true {
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let k = try string()
                if seen.contains(k) { throw error("duplicate key \"\(k)\"") }
                seen.insert(k)
                skipSpace()
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw error("expected ':' after key \"\(k)\"") }
                i += 1
                skipSpace()
                let v = try value(depth: depth + 1)
                pairs.append((k, v))
                skipSpace()
                guard i < b.count else { throw error("unexpected end of document inside an object") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
                throw error("expected ',' or '}' in an object")
            }
        }

        mutating func array(depth: Int) throws -> JSONValue {
            i += 1
            var items = [JSONValue]()
            skipSpace()
            if i < b.count && b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < b.count else { throw error("unexpected end of document inside an array") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                if b[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw error("expected ',' or ']' in an array")
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count else { throw error("truncated \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = b[i]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: throw error("invalid \\u escape")
                }
                v = v * 16 + d
                i += 1
            }
            return v
        }

        mutating func string() throws -> String {
            i += 1
            var bytes = [UInt8]()
            while true {
                guard i < b.count else { throw error("unterminated string") }
                let c = b[i]
                if c == UInt8(ascii: "\"") { i += 1; break }
                if c < 0x20 { throw error("control character in a string (escape it)") }
                if c != UInt8(ascii: "\\") { bytes.append(c); i += 1; continue }
                i += 1
                guard i < b.count else { throw error("unterminated escape") }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"):
                    var u = try hex4()
                    if (0xD800...0xDBFF).contains(u) {
                        guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else { throw error("unpaired surrogate in \\u escape") }
                        i += 2
                        let lo = try hex4()
                        guard (0xDC00...0xDFFF).contains(lo) else { throw error("unpaired surrogate in \\u escape") }
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(u) {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(u) else { throw error("invalid \\u escape") }
                    bytes.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw error("invalid escape '\\\(printable(e))'")
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        mutating func number() throws -> Double {
            let start = i
            if b[i] == UInt8(ascii: "-") { i += 1 }
            func digits() -> Int {
                let s = i
                while i < b.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[i]) { i += 1 }
                return i - s
            }
            guard i < b.count else { throw error("invalid number") }
            if b[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { throw error("invalid number") }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                if digits() == 0 { throw error("invalid number (digits expected after '.')") }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                if digits() == 0 { throw error("invalid number (digits expected in exponent)") }
            }
            let text = String(decoding: b[start..<i], as: UTF8.self)
            guard let d = Double(text), d.isFinite else { throw error("number '\(text.prefix(40))' is out of range") }
            return d
        }
    }
}
