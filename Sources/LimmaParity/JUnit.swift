// junit.xml: one file per run, one <testsuite> per case, one <testcase> per
// statistic; a statistic out of tolerance is a <failure>, a case that could
// not be run is an <error>.
import Foundation

public enum JUnit {
    /// The run as JUnit XML.
    public static func render(_ cases: [CaseComparison], name: String = "limma-parity") -> String {
        var suites = ""
        var total = 0, failures = 0, errors = 0
        var time = 0.0
        for c in cases {
            let tests = c.error != nil ? 1 : c.statistics.count
            let nFail = c.error != nil ? 0 : c.failing.count
            let nErr = c.error != nil ? 1 : 0
            let t = (c.timing.engineSeconds ?? 0) + (c.timing.rSeconds ?? 0)
            total += tests; failures += nFail; errors += nErr; time += t
            suites += "  <testsuite name=\"\(attr(c.caseName))\" tests=\"\(tests)\" failures=\"\(nFail)\" errors=\"\(nErr)\" skipped=\"0\" time=\"\(seconds(t))\">\n"
            var props: [(String, String)] = c.r.sorted { $0.key < $1.key }.map { ("r.\($0.key)", $0.value) }
            props += c.engine.sorted { $0.key < $1.key }.map { ("engine.\($0.key)", $0.value) }
            if let e = c.timing.engineSeconds { props.append(("timing.engine_s", seconds(e))) }
            if let r = c.timing.rSeconds { props.append(("timing.r_s", seconds(r))) }
            if !props.isEmpty {
                suites += "    <properties>\n"
                for (k, v) in props { suites += "      <property name=\"\(attr(k))\" value=\"\(attr(v))\"/>\n" }
                suites += "    </properties>\n"
            }
            if let e = c.error {
                suites += "    <testcase classname=\"\(attr(c.caseName))\" name=\"run\" time=\"0\">\n"
                suites += "      <error message=\"\(attr(firstLine(e)))\" type=\"run\">\(text(e))</error>\n"
                suites += "    </testcase>\n"
            }
            for s in c.statistics where c.error == nil {
                suites += "    <testcase classname=\"\(attr(c.caseName + "." + s.step))\" name=\"\(attr(s.key))\" time=\"0\""
                if s.pass {
                    suites += "/>\n"
                } else {
                    let msg = s.message ?? "out of tolerance"
                    suites += ">\n      <failure message=\"\(attr(msg))\" type=\"\(s.kind == .numeric ? "tolerance" : s.kind.rawValue)\">"
                    suites += text(detail(s)) + "</failure>\n    </testcase>\n"
                }
            }
            suites += "  </testsuite>\n"
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"\(attr(name))\" tests=\"\(total)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(seconds(time))\">\n"
            + suites + "</testsuites>\n"
    }

    /// Writes the run's `junit.xml` to `url` (a file path).
    public static func write(_ cases: [CaseComparison], to url: URL, name: String = "limma-parity") throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(render(cases, name: name).utf8).write(to: url, options: .atomic)
    }

    static func detail(_ s: StatisticComparison) -> String {
        var lines = [s.message ?? "failed"]
        lines.append("n=\(s.n) n_na_mismatch=\(s.nNAMismatch) n_fail=\(s.nFail) max_abs=\(formatShort(s.maxAbs)) max_rel=\(formatShort(s.maxRel))")
        for w in s.worst {
            if s.kind == .order {
                lines.append("position \(w.id): R \(w.rID ?? "") engine \(w.engineID ?? "")")
            } else {
                lines.append("\(w.id)\(w.column.map { "[\($0)]" } ?? ""): R \(w.rText) engine \(w.engineText)\(w.note.map { " (\($0))" } ?? "")")
            }
        }
        if let m = s.confusion { lines.append("confusion (R rows -1,0,1 x engine cols -1,0,1): \(m)") }
        return lines.joined(separator: "\n")
    }

    static func firstLine(_ s: String) -> String { String(s.split(separator: "\n", omittingEmptySubsequences: false).first ?? "") }

    static func seconds(_ x: Double) -> String { String(format: "%.3f", x) }

    /// Escapes text content; characters XML 1.0 forbids are dropped.
    static func text(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default:
                if u.value < 0x20 && u != "\n" && u != "\t" && u != "\r" { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Escapes an attribute value (quotes and newlines too).
    static func attr(_ s: String) -> String {
        text(s).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;")
            .replacingOccurrences(of: "\t", with: "&#9;").replacingOccurrences(of: "\r", with: "&#13;")
    }
}
