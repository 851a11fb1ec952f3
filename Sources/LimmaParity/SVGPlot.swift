// Small self-contained SVG scatter plots for report.html: no scripts, no
// network, points drawn as round-capped zero-length path segments (one path
// per series) so thousands of points stay small.
import Foundation

struct PlotSeries {
    var label: String
    var color: String
    var points: [(x: Double, y: Double)]
    var size: Double = 3.2
}

struct SVGPlot {
    var title: String
    var xLabel: String
    var yLabel: String
    var series: [PlotSeries]
    var width = 360.0
    var height = 320.0
    /// Draws the line y = x.
    var diagonal = false
    /// Horizontal reference lines: (y, colour, dashed).
    var hLines: [(y: Double, color: String, dashed: Bool)] = []
    /// A note under the title (e.g. "2000 of 190,000 points").
    var note: String?

    private let left = 56.0, right = 12.0, top = 38.0, bottom = 44.0

    func render() -> String {
        let pts = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        var (x0, x1) = SVGPlot.range(pts.map(\.x))
        var (y0, y1) = SVGPlot.range(pts.map(\.y) + hLines.map(\.y).filter(\.isFinite))
        if diagonal {
            x0 = Swift.min(x0, y0); y0 = x0
            x1 = Swift.max(x1, y1); y1 = x1
        }
        let pw = width - left - right, ph = height - top - bottom
        func sx(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
        func sy(_ y: Double) -> Double { top + ph - (y - y0) / (y1 - y0) * ph }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\">"
        s += "<title>\(JUnit.text(title))</title>"
        s += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#fff\"/>"
        s += "<text x=\"\(f(left))\" y=\"16\" class=\"pt\">\(JUnit.text(title))</text>"
        if let note { s += "<text x=\"\(f(left))\" y=\"30\" class=\"pn\">\(JUnit.text(note))</text>" }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"#fafafa\" stroke=\"#999\" stroke-width=\"0.8\"/>"
        // Grid and tick labels.
        for t in SVGPlot.ticks(x0, x1) {
            let X = sx(t)
            s += "<line x1=\"\(f(X))\" y1=\"\(f(top))\" x2=\"\(f(X))\" y2=\"\(f(top + ph))\" stroke=\"#e4e4e4\" stroke-width=\"0.8\"/>"
            s += "<text x=\"\(f(X))\" y=\"\(f(top + ph + 14))\" class=\"tk\" text-anchor=\"middle\">\(SVGPlot.label(t))</text>"
        }
        for t in SVGPlot.ticks(y0, y1) {
            let Y = sy(t)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(Y))\" x2=\"\(f(left + pw))\" y2=\"\(f(Y))\" stroke=\"#e4e4e4\" stroke-width=\"0.8\"/>"
            s += "<text x=\"\(f(left - 4))\" y=\"\(f(Y + 3.5))\" class=\"tk\" text-anchor=\"end\">\(SVGPlot.label(t))</text>"
        }
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" class=\"al\" text-anchor=\"middle\">\(JUnit.text(xLabel))</text>"
        s += "<text transform=\"translate(13,\(f(top + ph / 2))) rotate(-90)\" class=\"al\" text-anchor=\"middle\">\(JUnit.text(yLabel))</text>"
        s += "<svg x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" viewBox=\"\(f(left)) \(f(top)) \(f(pw)) \(f(ph))\" overflow=\"hidden\">"
        if diagonal {
            s += "<line x1=\"\(f(sx(x0)))\" y1=\"\(f(sy(x0)))\" x2=\"\(f(sx(x1)))\" y2=\"\(f(sy(x1)))\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>"
        }
        for h in hLines where h.y.isFinite {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(sy(h.y)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(h.y)))\" stroke=\"\(h.color)\" stroke-width=\"1\"\(h.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
        }
        for se in series where !se.points.isEmpty {
            var d = ""
            d.reserveCapacity(se.points.count * 14)
            for p in se.points where p.x.isFinite && p.y.isFinite {
                d += "M\(f(sx(p.x))) \(f(sy(p.y)))h0"
            }
            s += "<path d=\"\(d)\" stroke=\"\(se.color)\" stroke-width=\"\(f(se.size))\" stroke-linecap=\"round\" fill=\"none\" opacity=\"0.75\"/>"
        }
        s += "</svg>"
        // Legend: right-aligned on the title line, above the plotting area.
        var lx = width - right
        for se in series.reversed() where !se.label.isEmpty && !se.points.isEmpty {
            lx -= Double(se.label.count) * 6 + 4
            s += "<text x=\"\(f(lx))\" y=\"16\" class=\"lg\">\(JUnit.text(se.label))</text>"
            s += "<circle cx=\"\(f(lx - 6))\" cy=\"12.5\" r=\"3.5\" fill=\"\(se.color)\"/>"
            lx -= 16
        }
        return s + "</svg>"
    }

    /// A padded range that is never empty.
    static func range(_ v: [Double]) -> (Double, Double) {
        let fin = v.filter(\.isFinite)
        guard var lo = fin.min(), var hi = fin.max() else { return (0, 1) }
        if lo == hi {
            let w = lo == 0 ? 1 : Swift.abs(lo) * 0.1
            lo -= w; hi += w
        }
        let pad = (hi - lo) * 0.04
        return (lo - pad, hi + pad)
    }

    /// Tick positions at 1, 2 or 5 times a power of ten.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        let span = hi - lo
        guard span > 0, span.isFinite else { return [] }
        let raw = span / Double(count)
        let mag = pow(10, floor(Foundation.log10(raw)))
        let norm = raw / mag
        let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag
        var out: [Double] = []
        var k = (lo / step).rounded(.up)
        while k * step <= hi + step * 1e-9 && out.count < 50 {
            out.append(k * step)
            k += 1
        }
        return out
    }

    static func label(_ t: Double) -> String {
        if Swift.abs(t) < 1e-300 { return "0" }
        // Compact exponents: 2.4e+07 -> 2.4e7, 1e-05 -> 1e-5.
        let s = String(format: "%g", t).replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e+", with: "e")
            .replacingOccurrences(of: "e-0", with: "e-")
        return s == "-0" ? "0" : s
    }

    private func f(_ x: Double) -> String { String(format: "%.1f", x) }
}

/// A deterministic subsample of `n` points: all when `n <= maxPoints`, else the
/// `keep` highest-scoring points (ties by index) plus the points whose hashes
/// are lowest (hashes of ids, so the choice does not depend on row order).
/// Returns indices in ascending order.
func subsample(count n: Int, maxPoints: Int, keep: Int, hash: (Int) -> UInt64, score: (Int) -> Double) -> [Int] {
    if n <= maxPoints { return Array(0..<n) }
    var chosen = [Bool](repeating: false, count: n)
    var count = 0
    let k = Swift.max(0, Swift.min(keep, maxPoints))
    if k > 0 {
        let scores = (0..<n).map { i -> Double in let v = score(i); return v.isNaN ? -.infinity : v }
        let threshold = scores.sorted(by: >)[k - 1]
        for i in 0..<n where scores[i] > threshold { chosen[i] = true; count += 1 }
        for i in 0..<n where count < k && scores[i] == threshold { chosen[i] = true; count += 1 }
    }
    let need = maxPoints - count
    if need > 0 {
        let hashes = (0..<n).map(hash)
        // Candidates below a cutoff that should hold about twice what is needed; all when it does not.
        let fraction = Swift.min(1, 2 * Double(need) / Double(n))
        let cutoff = fraction >= 1 ? UInt64.max : UInt64(Double(UInt64.max) * fraction)
        var cand = (0..<n).filter { !chosen[$0] && hashes[$0] <= cutoff }
        if cand.count < need { cand = (0..<n).filter { !chosen[$0] } }
        cand.sort { hashes[$0] != hashes[$1] ? hashes[$0] < hashes[$1] : $0 < $1 }
        for i in cand.prefix(need) { chosen[i] = true }
    }
    return (0..<n).filter { chosen[$0] }
}

/// A 64-bit mix of two hashes (SplitMix64's finaliser).
func mixHash(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b | 1) ^ (b >> 7)
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

func fnv1a(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01b3
    }
    return h
}
